"""`fixfirst demo`: audit the bundled sample engagement and write its PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from ..progress import terminal_progress
from ._common import handles_errors, stdout


@handles_errors
def demo(
    output: Path = typer.Option(Path("fixfirst-demo.pdf"), "-o", "--output", help="Where to write the PDF."),
) -> None:
    """Run the whole audit on the bundled sample (Juniper & Lark) and write the client PDF."""
    from ..pipeline import run_audit
    from ..report import write_report
    from ..resources import sample_engagement

    with terminal_progress() as progress:
        result = run_audit(sample_engagement(), progress)
        progress.step("writing the PDF")
        path = write_report(result, output)
    out = stdout()
    out.print(f"Verdict: {result.verdict.status}", highlight=False)
    for spot in result.ranking.weak_spots[:5]:
        at_stake = f"{spot.money_at_stake:,.0f} a month at stake" if spot.money.measured else "money at stake not measurable"
        out.print(f"  #{spot.rank} {spot.touchpoint.name} ({at_stake}; score {spot.score:.0f}, {spot.confidence} confidence)", highlight=False)
    out.print(str(path.resolve()), highlight=False, soft_wrap=True)
