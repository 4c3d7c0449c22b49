"""`fixfirst demo`: audit the bundled sample engagement and write its report (PDF by default); --compare: the follow-up."""

from __future__ import annotations

from pathlib import Path

import typer

from ..progress import terminal_progress
from ._common import escape, handles_errors, stdout
from .report import FORMAT_HELP

DEFAULT_NAME = "fixfirst-demo"
FOLLOW_UP_SAMPLE = "juniper-lark-after"  # the same business two months later, with the first audit's snapshot


@handles_errors
def demo(
    output: Path | None = typer.Option(None, "-o", "--output", metavar="PATH",
                                          help="Where to write the report; its suffix picks the format (default: fixfirst-demo.pdf)."),
    formats: list[str] | None = typer.Option(None, "--format", "-f", metavar="FORMAT", help=FORMAT_HELP),
    compare: bool = typer.Option(False, "--compare",
                                 help="Audit the follow-up sample (Juniper & Lark two months later, after two fixes) "
                                      "and compare it with the first audit: the report gets its 'Since the last audit' section."),
) -> None:
    """Run the whole audit on the bundled sample (Juniper & Lark) and write the client report."""
    from ..pipeline import run_audit
    from ..present import formatter_for
    from ..present.figures import spot_money, spot_score
    from ..present.verdict_words import verdict_summary
    from ..report import parse_formats, plan_targets, write_reports
    from ..report.snapshot import comparison_of
    from ..resources import sample_engagement

    targets = plan_targets(output, parse_formats(formats), Path(DEFAULT_NAME))
    with terminal_progress() as progress:
        # Only reads the sample folder: demo never saves a snapshot, so a bundled sample is never written into.
        result = run_audit(sample_engagement(FOLLOW_UP_SAMPLE) if compare else sample_engagement(), progress)
        paths = write_reports(result, targets, progress)
    fmt = formatter_for(result.engagement.audit.client)
    out = stdout()
    out.print(f"Verdict: {result.verdict.status} - {escape(verdict_summary(result, fmt))}", highlight=False)
    for spot in result.ranking.weak_spots[:5]:
        at_stake = f"{spot_money(spot, fmt)} a month at stake" if spot.money.measured else "money at stake not measurable"
        out.print(f"  #{spot.rank} {escape(spot.touchpoint.name)} ({at_stake}; score {spot_score(spot, fmt)}, {spot.confidence} confidence)",
                  highlight=False)
    comparison = comparison_of(result) if compare else None
    if comparison is not None:
        from ..present.since import view as since_view

        since = since_view(comparison, fmt)
        out.print(escape(since.title), highlight=False)
        out.print(f"  Verdict then and now: {escape(since.verdict_then)} ({escape(since.advice_then)}) -> "
                  f"{escape(since.verdict_now)} ({escape(since.advice_now)})", highlight=False)
        out.print(f"  {escape(since.summary)}", highlight=False)
    for path in paths:
        out.print(str(path.resolve()), highlight=False, soft_wrap=True)
