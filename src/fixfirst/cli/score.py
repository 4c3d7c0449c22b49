"""`fixfirst score`: rank the weak spots, as a table or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.cells import cell_len
from rich.text import Text

from ..progress import terminal_progress
from ._common import NARROWEST, NO_SNAPSHOT_HELP, Wrapped, handles_errors, keep_audit, stdout

SHOWN_ACTIONS = 3  # page one of the report names the first three actions too; the rest are counted, not listed
GAP = "  "  # between the ranking's columns
HEADERS = ("#", "touchpoint", "at stake/month", "score", "confidence")
RIGHT_ALIGNED = {0, 2, 3}  # rank, money and score: figures line up on their last digit


@handles_errors
def score(
    engagement: Path = typer.Argument(..., metavar="ENGAGEMENT", help="Engagement folder holding audit.yaml."),
    as_json: bool = typer.Option(False, "--json", help="Print the ranking as JSON (schema in docs/score-json.md)."),
    snapshot: bool = typer.Option(True, "--snapshot/--no-snapshot", help=NO_SNAPSHOT_HELP),
) -> None:
    """Score every touchpoint and rank the weak spots, with the verdict."""
    from ..pipeline import run_audit
    from ..present import build_decision_page as decision_view
    from ..present import build_plan as plan_view
    from ..present import build_weak_spots as weak_spots_view
    from ..present import figures, formatter_for, ranking_payload

    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
    keep_audit(result, snapshot)
    if as_json:
        sys.stdout.write(json.dumps(ranking_payload(result), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    fmt = formatter_for(result.engagement.audit.client)
    # Client text (names, causes, headlines) is printed as Text, never read as Rich markup: a "[" in it stays a "[".
    # Every sentence is wrapped here at the terminal's width, between words, rather than by the terminal mid-word.
    say = Wrapped(out)
    say(f"{result.engagement.audit.client.name}: weak spots, ranked by money at stake a month ({fmt.currency})", style="bold")
    # "why": the root-cause sentence of the weak spot's page in the report, word for word.
    causes = {c.touchpoint_id: c.cause for c in weak_spots_view(result, fmt).cards}
    rows = [(str(spot.rank), spot.touchpoint.name, figures.spot_money(spot, fmt), figures.spot_score(spot, fmt), spot.confidence,
             causes.get(spot.touchpoint.id, spot.headline)) for spot in result.ranking.weak_spots]
    if rows:
        _ranking(say, rows)
    else:
        say("No weak spot ranked.")

    page = decision_view(result, fmt)
    say(f"Verdict: {result.verdict.status} - {page.decision}")
    if page.reason:
        say(page.reason)
    for tile in page.tiles:
        say(f"{tile.value} {tile.label}" + (f" ({tile.note})" if tile.note else ""), indent=2)
    plan = plan_view(result, fmt)
    if plan is not None:
        say(f"Fix plan: {plan.summary}")
        actions = [a for phase in plan.phases for a in phase.actions]
        digits = max((len(a.number) for a in actions[:SHOWN_ACTIONS]), default=1)
        for a in actions[:SHOWN_ACTIONS]:
            money = a.money if a.money == "not priced" else f"{a.money} a month"
            # "  1. " hangs: the title's second line starts under its first word.
            say(f"{a.title} [{a.where}; {a.owner}; due {a.due}; {money}]", indent=digits + 4, first=f"  {a.number.rjust(digits)}. ")
        if len(actions) > SHOWN_ACTIONS:
            say(f"and {len(actions) - SHOWN_ACTIONS} more: all {len(actions)} are in the report's fix plan (fixfirst report)",
                indent=2)


def _ranking(say: Wrapped, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    """One line of figures per weak spot, and its "why" underneath at full width, so nothing is squeezed into a column."""
    widths = [max(cell_len(h), *(cell_len(row[i]) for row in rows)) for i, h in enumerate(HEADERS)]
    others = sum(widths) - widths[1] + len(GAP) * (len(HEADERS) - 1)
    widths[1] = max(NARROWEST, min(widths[1], say.console.width - others))  # a long touchpoint name wraps in its column
    indent = widths[0] + len(GAP)  # the why starts under the touchpoint's name

    def cell(i: int, text: str) -> str:
        pad = " " * max(0, widths[i] - cell_len(text))
        return pad + text if i in RIGHT_ALIGNED else text + pad

    def figures_line(cells) -> list[str]:
        name_lines = [line.plain for line in say.lines(cells[1], widths[1])]
        first = GAP.join(cell(i, name_lines[0] if i == 1 else c) for i, c in enumerate(cells)).rstrip()
        return [first] + [" " * indent + more for more in name_lines[1:]]

    say.console.print(Text(figures_line(HEADERS)[0], style="bold"), no_wrap=True, crop=False)
    for *cells, why in rows:
        for line in figures_line(cells):
            say.console.print(Text(line), no_wrap=True, crop=False)
        say(why, indent=indent)
