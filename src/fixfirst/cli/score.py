"""`fixfirst score`: rank the weak spots, as a table or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..progress import terminal_progress
from ._common import escape, handles_errors, stdout


@handles_errors
def score(
    engagement: Path = typer.Argument(..., help="Engagement folder holding audit.yaml."),
    as_json: bool = typer.Option(False, "--json", help="Print the ranking as JSON (schema in docs/score-json.md)."),
) -> None:
    """Score every touchpoint and rank the weak spots, with the verdict."""
    from ..pipeline import run_audit
    from ..scoring.export import ranking_payload

    with terminal_progress() as progress:
        result = run_audit(engagement, progress)
    if as_json:
        sys.stdout.write(json.dumps(ranking_payload(result), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    # Client text (names, headlines) is printed as plain text: a "[" in it must not be read as Rich markup.
    table = Table(title=f"{escape(result.engagement.audit.client.name)}: weak spots", title_justify="left", header_style="bold")
    # Ranked by money at stake (weak spots the data cannot price follow, by score): money first, score beside it.
    for name, justify in (("#", "right"), ("touchpoint", "left"), ("at stake/month", "right"), ("score", "right"),
                          ("confidence", "left"), ("why", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for spot in result.ranking.weak_spots:
        at_stake = f"{spot.money_at_stake:,.0f}" if spot.money.measured else "not measurable"
        table.add_row(str(spot.rank), escape(spot.touchpoint.name), at_stake, f"{spot.score:.0f}", spot.confidence,
                      escape(spot.headline))
    out.print(table)
    out.print(f"Verdict: [bold]{result.verdict.status}[/] - {escape(result.verdict.summary)}", highlight=False)
    if result.fix_plan is not None:
        out.print(f"Fix plan: {escape(result.fix_plan.summary)}", highlight=False)
        for number, action in enumerate(result.fix_plan.top(3), 1):
            out.print(f"  {number}. {escape(action.headline)}", highlight=False)
