"""`fixfirst report`: write the client's "fix before you market" PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..progress import terminal_progress
from ._common import handles_errors, stdout


@handles_errors
def report(
    engagement: Path = typer.Argument(..., help="Engagement folder holding audit.yaml."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Where to write the PDF (default: ENGAGEMENT/fixfirst-report.pdf)."),
) -> None:
    """Run the audit and write the PDF report."""
    from ..pipeline import run_audit
    from ..report import write_report

    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
        target = output if output is not None else result.engagement.folder / "fixfirst-report.pdf"
        progress.step("writing the PDF")
        path = write_report(result, target)
    stdout().print(f"Verdict: {result.verdict.status}", highlight=False)
    stdout().print(str(path.resolve()), highlight=False, soft_wrap=True)
