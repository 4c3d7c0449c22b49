"""`fixfirst demo`: audit the bundled sample engagement and write its report (PDF by default); --compare: the follow-up."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.cells import cell_len

from ..progress import terminal_progress
from ._common import Wrapped, handles_errors, stdout
from .report import FORMAT_HELP

DEFAULT_NAME = "fixfirst-demo"
FOLLOW_UP_SAMPLE = "juniper-lark-after"  # the same business two months later, with the first audit's snapshot
SHOWN_SPOTS = 5  # the weak spots listed on screen; the rest are counted, and all are in the report


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
    from ..present import formatter_for, spot_money, spot_score, verdict_summary
    from ..report import comparison_of, parse_formats, plan_targets, write_reports
    from ..resources import sample_engagement

    targets = plan_targets(output, parse_formats(formats), Path(DEFAULT_NAME))
    with terminal_progress() as progress:
        # Only reads the sample folder: demo never saves a snapshot, so a bundled sample is never written into.
        result = run_audit(sample_engagement(FOLLOW_UP_SAMPLE) if compare else sample_engagement(), progress)
        paths = write_reports(result, targets, progress)
    fmt = formatter_for(result.engagement.audit.client)
    # Every sentence is wrapped here at the terminal's width, between words, rather than by the terminal mid-word;
    # client text (names, causes) is printed as Text, never read as Rich markup.
    say = Wrapped(stdout())
    say(f"Verdict: {result.verdict.status} - {verdict_summary(result, fmt)}")
    spots = result.ranking.weak_spots
    if spots:
        say(f"{result.engagement.audit.client.name}: weak spots, ranked by money at stake a month ({fmt.currency})")
    for spot in spots[:SHOWN_SPOTS]:
        at_stake = f"{spot_money(spot, fmt)} at stake" if spot.money.measured else "money at stake not measurable"
        lead = f"  #{spot.rank} "  # hangs: a second line starts under the touchpoint's name
        say(f"{spot.touchpoint.name}: {at_stake}; score {spot_score(spot, fmt)}, {spot.confidence} confidence",
            indent=len(lead), first=lead)
    if len(spots) > SHOWN_SPOTS:
        say(f"and {len(spots) - SHOWN_SPOTS} more: all {len(spots)} are in the report", indent=2)
    comparison = comparison_of(result) if compare else None
    if comparison is not None:
        from ..present import since_view

        since = since_view(comparison, fmt)
        say(since.title)
        say(f"Verdict then and now: {since.verdict_then} ({since.advice_then}) -> {since.verdict_now} ({since.advice_now})",
            indent=2)
        say(since.summary, indent=2)
    for path in paths:
        # A path is never split: it is copied whole. Too long for one line with its label, it gets a line of its own.
        shown = str(path.resolve())
        label = "Report written to:" if len(paths) == 1 else f"{path.suffix.lstrip('.').upper()} report written to:"
        if cell_len(f"{label} {shown}") <= say.console.width:
            say.whole(f"{label} {shown}")
        else:
            say(label)
            say.whole(shown)
