"""`fixfirst score`: rank the weak spots, as a table or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..progress import terminal_progress
from ._common import NO_SNAPSHOT_HELP, keep_audit, escape, handles_errors, stdout


@handles_errors
def score(
    engagement: Path = typer.Argument(..., help="Engagement folder holding audit.yaml."),
    as_json: bool = typer.Option(False, "--json", help="Print the ranking as JSON (schema in docs/score-json.md)."),
    snapshot: bool = typer.Option(True, "--snapshot/--no-snapshot", help=NO_SNAPSHOT_HELP),
) -> None:
    """Score every touchpoint and rank the weak spots, with the verdict."""
    from ..pipeline import run_audit
    from ..present import figures, formatter_for
    from ..present.decision_page import build as decision_view
    from ..present.plan import build as plan_view
    from ..present.weak_spots import build as weak_spots_view
    from ..present.score_json import ranking_payload

    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
    keep_audit(result, snapshot)
    if as_json:
        sys.stdout.write(json.dumps(ranking_payload(result), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    fmt = formatter_for(result.engagement.audit.client)
    # Client text (names, headlines) is printed as plain text: a "[" in it must not be read as Rich markup.
    table = Table(title=f"{escape(result.engagement.audit.client.name)}: weak spots", title_justify="left", header_style="bold")
    # Ranked by money at stake (weak spots the data cannot price follow, by score): money first, score beside it.
    for name, justify in (("#", "right"), ("touchpoint", "left"), ("at stake/month", "right"), ("score", "right"),
                          ("confidence", "left"), ("why", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    # "why": the root-cause sentence of the weak spot's page in the report, word for word.
    causes = {c.touchpoint_id: c.cause for c in weak_spots_view(result, fmt).cards}
    for spot in result.ranking.weak_spots:
        table.add_row(str(spot.rank), escape(spot.touchpoint.name), figures.spot_money(spot, fmt), figures.spot_score(spot, fmt),
                      spot.confidence, escape(causes.get(spot.touchpoint.id, spot.headline)))
    out.print(table)
    page = decision_view(result, fmt)
    out.print(f"Verdict: [bold]{result.verdict.status}[/] - {escape(page.decision)}", highlight=False)
    if page.reason:
        out.print(escape(page.reason), highlight=False)
    for tile in page.tiles:
        out.print(f"  {escape(tile.value)} {escape(tile.label)}" + (f" ({escape(tile.note)})" if tile.note else ""), highlight=False)
    plan = plan_view(result, fmt)
    if plan is not None:
        out.print(f"Fix plan: {escape(plan.summary)}", highlight=False)
        actions = [a for phase in plan.phases for a in phase.actions]
        for a in actions[:3]:
            money = a.money if a.money == "not priced" else f"{a.money} a month"
            out.print(escape(f"  {a.number}. {a.title} [{a.where}; {a.owner}; due {a.due}; {money}]"), highlight=False)
        if len(actions) > 3:
            out.print(f"  and {len(actions) - 3} more in the report's plan", highlight=False)
