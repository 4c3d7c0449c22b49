"""`fixfirst report`: write the client's "fix before you market" report as PDF, offline HTML and/or an Excel workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from ..progress import terminal_progress
from ._common import NO_SNAPSHOT_HELP, handles_errors, keep_audit, stdout

DEFAULT_NAME = "fixfirst-report"
FORMAT_HELP = ("pdf, html or xlsx; repeat it or give a comma list for several (default: the suffix of -o, else pdf). "
               "Several formats are written next to -o, each with its own suffix.")


@handles_errors
def report(
    engagement: Path = typer.Argument(..., metavar="ENGAGEMENT", help="Engagement folder holding audit.yaml."),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="PATH",
                                          help="Where to write the report; its suffix (.pdf, .html, .xlsx) picks the format "
                                               "(default: fixfirst-report with the format's suffix, in ENGAGEMENT)."),
    formats: list[str] | None = typer.Option(None, "--format", "-f", metavar="FORMAT", help=FORMAT_HELP),
    snapshot: bool = typer.Option(True, "--snapshot/--no-snapshot", help=NO_SNAPSHOT_HELP),
) -> None:
    """Run the audit and write the report: the client's PDF, the same report as one offline HTML file, the Excel workbook."""
    from ..pipeline import run_audit
    from ..report import parse_formats, plan_targets, write_reports

    wanted = parse_formats(formats)
    # A wrong -o or --format is reported before the audit runs, not after it.
    targets = plan_targets(output, wanted, Path(DEFAULT_NAME)) if output is not None else None
    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
        # Kept before the report is written, so the report's "Since the last audit" compares with the audit before it.
        keep_audit(result, snapshot)
        if targets is None:
            targets = plan_targets(None, wanted, result.engagement.folder / DEFAULT_NAME)
        paths = write_reports(result, targets, progress)
    out = stdout()
    out.print(f"Verdict: {result.verdict.status}", highlight=False)
    for path in paths:
        out.print(str(path.resolve()), highlight=False, soft_wrap=True)
