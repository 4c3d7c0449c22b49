"""`fixfirst compare`: this audit against an earlier one, with honest before/after tests, as tables or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..errors import FixfirstError
from ..progress import terminal_progress
from ._common import escape, handles_errors, stdout


@handles_errors
def compare(
    engagement: Path = typer.Argument(..., metavar="ENGAGEMENT", help="Engagement folder holding audit.yaml."),
    baseline: str = typer.Option(None, "--baseline", metavar="SNAPSHOT|DATE", help="The earlier audit: a snapshot's path or its as-of date "
                                 "(YYYY-MM-DD). Default: the latest kept audit before this one."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON (schema in docs/compare-json.md)."),
    split: str = typer.Option(None, "--split", metavar="DATE", help="Compare the periods before and after this date (YYYY-MM-DD) inside "
                              "the current export, instead of against an earlier audit (schema in docs/split.md)."),
) -> None:
    """Run the audit now and compare it with an earlier one kept in ENGAGEMENT/audits, or before and after a change."""
    from ..history import audits_folder, baseline_snapshot, compare_audits, list_snapshots, load_snapshot
    from ..pipeline import run_audit
    from ..present import formatter_for, since_view
    from ..report import current_snapshot

    folder = Path(engagement)
    if split is not None:
        _compare_split(folder, split, as_json)
        return
    if not baseline and (folder / "audit.yaml").is_file() and not list_snapshots(folder):
        # Known before the audit runs: say it at once rather than after a long audit.
        raise FixfirstError(f"no earlier audit kept in {audits_folder(folder)}",
                            f"run `fixfirst score {folder}` first to keep this audit, then compare after the fixes")
    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
    current = current_snapshot(result)
    path = baseline_snapshot(result.engagement.folder, current, baseline)
    if path is None and not list_snapshots(result.engagement.folder):
        raise FixfirstError(f"no earlier audit kept in {audits_folder(result.engagement.folder)}",
                            f"run `fixfirst score {folder}` first to keep this audit, then compare after the fixes")
    if path is None:
        raise FixfirstError(f"no earlier audit to compare with in {audits_folder(result.engagement.folder)}: "
                            "the only one kept is this same audit (same data and settings)",
                            f"run `fixfirst score {folder}` on the new data, or name an audit with --baseline")
    baseline_payload = load_snapshot(path)
    comparison = compare_audits(baseline_payload, current, result.engagement.settings, baseline_path=path)
    fmt = formatter_for(result.engagement.audit.client)
    follow, changes = _follow_up(result, baseline_payload), _changes(result)
    if as_json:
        payload = {**comparison.to_dict(), "client": result.engagement.audit.client.name,
                   "currency": result.engagement.audit.client.currency_code,
                   "actions": None if follow is None else follow.to_dict(),
                   "changes": None if changes is None else changes.to_dict()}
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    page = since_view(comparison, fmt)
    out = stdout()
    out.print(f"[bold]{escape(result.engagement.audit.client.name)}: {escape(page.title)}[/]", highlight=False)
    out.print(escape(page.intro), highlight=False)
    out.print(f"Verdict: {escape(page.verdict_then)} ({escape(page.advice_then)}) -> [bold]{escape(page.verdict_now)}[/] "
              f"({escape(page.advice_now)})", highlight=False)
    out.print(escape(page.headroom_line), highlight=False)
    out.print(escape(page.summary), highlight=False)
    if page.kpis:
        table = Table(title="KPIs to monitor, then and now", title_justify="left", header_style="bold")
        table.add_column("KPI", ratio=3, overflow="fold")
        table.add_column("then -> now", justify="right", ratio=2, overflow="fold")
        table.add_column("change", justify="right", ratio=2, overflow="fold")
        table.add_column("reading", ratio=2, overflow="fold")
        for k in page.kpis:
            label = k.label + (f" ({k.where})" if k.where else "") + f"\ntarget {k.target}"
            table.add_row(escape(label), escape(f"{k.then} -> {k.now}\nn={k.then_n or '–'} / {k.now_n or '–'}"),
                          escape(k.change + (f"\n{k.interval}" if k.interval else "")), escape(k.reading_text))
        out.print(table)
        for k in page.kpis:
            if k.note:
                out.print(escape(f"{k.label}: {k.note}"), highlight=False)
    if page.spot_groups:
        table = Table(title="Weak spots, then and now", title_justify="left", header_style="bold")
        for name in ("status", "touchpoint", "score", "main signal", "reading"):
            table.add_column(name, overflow="fold")
        for group in page.spot_groups:
            for w in group.rows:
                table.add_row(escape(group.key), escape(w.name), escape(w.score), escape(w.signal), escape(w.reading_text))
        out.print(table)
    out.print(escape(page.method), highlight=False)
    for note in page.notes:
        out.print(escape(note), highlight=False)
    _print_follow_up_and_changes(out, follow, changes, fmt)


def _print_follow_up_and_changes(out, follow, changes, fmt) -> None:
    from ..present import build_follow_up as follow_view
    from ..present import split_lines, text_lines

    if follow is not None:
        out.print("[bold]The action register[/]", highlight=False)
        for line in text_lines(follow_view(follow, fmt)):
            out.print(escape(line), highlight=False)
    if changes is not None:
        out.print("[bold]Before and after each change named in audit.yaml[/]", highlight=False)
        for line in split_lines(changes, fmt):
            out.print(escape(line), highlight=False)


def _follow_up(result, baseline_payload):
    """The edited action register (audit.yaml `actions:`) checked against the KPIs, or None when none is given.

    Its problems are refused by the audit itself (`fixfirst check` lists them with their cells), so here it is read clean.
    """
    from ..history import follow_up, plan_action_ids, read_register, snapshot_action_ids

    if result.engagement.audit.actions is None:
        return None
    known = plan_action_ids(result) | snapshot_action_ids(baseline_payload)
    register = read_register(result.engagement, known, today=result.generated_on)
    return follow_up(result, register, baseline_payload, result.generated_on) if register.given else None


def _changes(result):
    """The `changes:` of audit.yaml, each compared before and after inside the current export; None without any."""
    from ..decision import CheckResult
    from ..history import split_comparison

    changes = result.engagement.audit.changes
    if not changes:
        return None
    return split_comparison(CheckResult(result.engagement, result.journey, result.data), changes, result.engagement.settings)


def _compare_split(folder: Path, when: str, as_json: bool) -> None:
    """`--split DATE`: the periods before and after one date inside the current export."""
    import datetime as dt

    from ..config import Change
    from ..errors import InputProblems
    from ..history import split_comparison
    from ..pipeline import check_engagement
    from ..present import formatter_for, split_lines

    try:
        date = dt.date.fromisoformat(when.strip())
    except ValueError:
        raise FixfirstError(f"--split {when!r} is not a date", "write the date of the change as YYYY-MM-DD, e.g. --split 2026-03-14") from None
    with terminal_progress() as progress:
        checked = check_engagement(folder, progress)
        if checked.data.problems.has_errors:
            raise InputProblems(list(checked.data.problems))
        comparison = split_comparison(checked, [Change(what="the change", date=date)], checked.engagement.settings)
    if as_json:
        sys.stdout.write(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n")
        return
    out = stdout()
    for line in split_lines(comparison, formatter_for(checked.engagement.audit.client)):
        out.print(escape(line), highlight=False)

