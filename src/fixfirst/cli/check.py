"""`fixfirst check`: load every source, show the column mapping and every problem."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from ..errors import FixfirstError, InputProblems, Problem
from ..progress import terminal_progress
from ._common import escape, handles_errors, problems_table, stdout


def _named_file(cause: str) -> str | None:
    """The file a configuration error starts with ("PATH: line 3: ..."), so JSON readers get it as `file` too."""
    head = cause.split(": ", 1)[0]
    return head if head != cause and Path(head).suffix in (".yaml", ".yml") else None


@handles_errors
def check(
    engagement: Path = typer.Argument(..., metavar="ENGAGEMENT", help="Engagement folder holding audit.yaml."),
    as_json: bool = typer.Option(False, "--json", help="Print the mapping and problems as JSON."),
) -> None:
    """Validate audit.yaml, journey.yaml and every data file; exit 1 if any error was found."""
    from ..pipeline import check_engagement

    try:
        with terminal_progress() as progress:
            result = check_engagement(engagement, progress)
    except FixfirstError as exc:
        if not as_json:
            raise
        # The configuration itself is broken (or missing): JSON readers still get a document saying so, with every problem found.
        found = exc.problems if isinstance(exc, InputProblems) else [
            Problem("config.unreadable", f"{exc.cause}; {exc.fix}".rstrip("; "), file=_named_file(exc.cause))]
        sys.stdout.write(json.dumps({"ok": False, "sources": [], "problems": [p.to_dict() for p in found]}, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(exc.exit_code) from None
    problems = list(result.data.problems)
    has_errors = result.data.problems.has_errors
    if as_json:
        payload = {
            "ok": not has_errors,
            "sources": [
                {"kind": t.kind, "file": t.file, "sheet": t.sheet, "header_row": t.header_row, "header_rows": t.header_rows,
                 "rows_read": t.rows_read, "rows_kept": t.rows_kept, "rows_dropped": t.rows_dropped, "rows_merged": t.rows_merged,
                 "mapping": [{"field": f, "column": c, "how": t.mapping_how[f]} for f, c in t.mapping.items()],
                 "joins": [asdict(j) for j in t.joins]}
                for t in result.data.tables.values()
            ],
            "problems": [p.to_dict() for p in problems],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        out = stdout()
        for t in result.data.tables.values():
            # File, sheet and column names come from the client: shown as plain text, never as Rich markup.
            table = Table(title=escape(f"{t.kind}: {t.file}" + (f" (sheet {t.sheet})" if t.sheet else "")), title_justify="left",
                          header_style="bold")
            table.add_column("field")
            table.add_column("column in file")
            table.add_column("mapped")
            for field, column in t.mapping.items():
                table.add_row(escape(field), escape(column), t.mapping_how[field])
            merged = f", {t.rows_merged:,} line-item rows folded into their orders" if t.rows_merged else ""
            header = f"header in row {t.header_row}" if t.header_rows == 1 else f"two-row header ending in row {t.header_row}"
            joined = "".join(f"; {j.role} {j.file}: {j.orders_matched:,} orders matched, {j.orders_without:,} without, "
                             f"{j.unmatched_rows:,} rows for unknown orders" for j in t.joins)
            table.caption = f"{header}; {t.rows_read:,} rows read, {t.rows_kept:,} used, {t.rows_dropped:,} left out{merged}{escape(joined)}"
            out.print(table)
        if problems:
            out.print(problems_table(problems))
        errors, warnings = len(result.data.problems.errors), len(result.data.problems.warnings)
        status = "[bold red]not ready to audit[/]" if has_errors else "[bold green]ready to audit[/]"
        out.print(f"{status}: {errors} error(s), {warnings} warning(s)", highlight=False)
    if has_errors:
        raise typer.Exit(1)
