"""`fixfirst capacity`: project the planned campaign through operations, as a summary or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from ..progress import terminal_progress
from ._common import NO_SNAPSHOT_HELP, Wrapped, escape, handles_errors, keep_audit, stdout

if TYPE_CHECKING:
    from ..capacity import Backtest
    from ..present import Formatter


def _uplift(value: str) -> float:
    from ..capacity import parse_uplift

    try:
        return parse_uplift(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@handles_errors
def capacity(
    engagement: Path = typer.Argument(..., metavar="ENGAGEMENT", help="Engagement folder holding audit.yaml."),
    # Parsed by _uplift as typed ("40%" or 0.4), so the command receives the share itself.
    uplift: float | None = typer.Option(None, "--uplift", metavar="PERCENT", help="Extra demand to project instead of the campaign plan's, e.g. 40% or 0.4.",
                                        parser=_uplift),
    as_json: bool = typer.Option(False, "--json", help="Print the outlook as JSON (schema in docs/capacity-json.md)."),
    snapshot: bool = typer.Option(True, "--snapshot/--no-snapshot", help=NO_SNAPSHOT_HELP + " A what-if --uplift is never kept."),
) -> None:
    """Project demand through each operational step: lead times against the promise, headroom, and the verdict."""
    from ..pipeline import run_audit
    from ..present import capacity_payload, figures, formatter_for, verdict_reasons, verdict_summary

    with terminal_progress() as progress:
        result = run_audit(engagement, progress, uplift=uplift)
    # A what-if uplift is not the audit of the business as it is: it is never kept as one.
    keep_audit(result, snapshot and uplift is None)
    if as_json:
        sys.stdout.write(json.dumps(capacity_payload(result), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    # Sentences are wrapped here at the terminal's width, between words, rather than by the terminal mid-word; the
    # tables hold figures only (Rich fits them to the width), and each step's "how it was found" gets a full line.
    say = Wrapped(out)
    fmt = formatter_for(result.engagement.audit.client)
    outlook = result.outlook
    if outlook is None or outlook.simulation is None:
        reason = outlook.simulation_skipped if outlook is not None else "no orders with delivery outcomes"
        say(f"No day-by-day projection: {reason or 'no order data'}.")
    else:
        sim = outlook.simulation
        scenario = sim.campaign or sim.baseline
        steps = Table(title="Operational steps", title_justify="left", header_style="bold")
        steps.add_column("step", overflow="fold")
        steps.add_column("capacity a working day", justify="right")
        steps.add_column("load with the campaign" if sim.campaign is not None else "load", justify="right")
        for step, view in zip(sim.steps, scenario.projection.steps, strict=False):
            steps.add_row(escape(step.step.name), fmt.number(step.per_day, 1), fmt.percent(view.load))
        out.print(steps)
        say("How each step's capacity was found:")
        for step in sim.steps:
            say(f"{step.step.name}: {step.basis}: {step.detail}", indent=4, first="  - ")
        table = Table(title=f"Projection over {sim.baseline.projection.days} days ({sim.baseline.projection.runs} simulated futures)",
                      title_justify="left", header_style="bold")
        table.add_column("scenario")
        for name in ("orders a week on the campaign's dates", "working days to the door p50/p85/p95",
                     f"late (promise {fmt.days(sim.promise_days)})"):
            table.add_column(name, justify="right")
        # The weekly volumes are the decision's usual week and the campaign's addition: the same figures as the report.
        usual = result.decision.usual_orders_per_week
        added = result.decision.campaign.extra_orders_per_week if result.decision and result.decision.campaign else None
        if added is None and usual is not None and outlook.uplift is not None:  # --uplift without a planned campaign
            added = usual * outlook.uplift
        for future, volume in ((sim.baseline, usual), (sim.campaign, None if usual is None or added is None else usual + added)):
            if future is None:
                continue
            p = future.projection
            share = future.breach_share_campaign_days if future.breach_share_campaign_days is not None else p.breach_share
            table.add_row(escape(future.name), fmt.count(volume) if volume is not None else "–",
                          f"{fmt.count(p.lead_time.p50)} / {fmt.count(p.lead_time.p85)} / {fmt.count(p.lead_time.p95)}", fmt.percent(share))
        out.print(table)
        if sim.backtest is not None:
            out.print(_backtest_table(sim.backtest, fmt))
        for note in sim.notes:
            say(note, indent=2, first="- ")
    decision = result.decision
    if decision.headroom is not None:
        say(f"Usual week: {figures.usual_week(decision, fmt)}. Headroom: {figures.headroom(decision.headroom, fmt)} "
            f"(from the {decision.headroom.basis.value}).")
    for reason in verdict_reasons(result, fmt):
        say(reason, indent=2, first="- ")  # hanging: where one reason ends and the next begins stays plain when wrapped
    say(Text.assemble("Verdict: ", (result.verdict.status, "bold"), f" - {verdict_summary(result, fmt)}"))


def _backtest_table(test: Backtest, fmt: Formatter) -> Table:
    """Projected against observed over the replayed weeks, labelled with the backtest's outcome."""
    label = {"passed": "reproduces history", "failed": "does NOT reproduce history", "not_possible": "could not be backtested"}
    table = Table(title=f"Backtest {fmt.short_date(test.first.date())} - {fmt.date(test.last.date())}: the model {label[test.status]}",
                  title_justify="left", header_style="bold")
    table.add_column("")
    for name in ("late", "working days to the door p50 / p85"):
        table.add_column(name, justify="right")
    if test.projected_late is not None:
        table.add_row("projected", fmt.percent(test.projected_late, 1), f"{fmt.count(test.projected_p50)} / {fmt.count(test.projected_p85)}")
    table.add_row(f"observed (n={fmt.count(test.orders)})", fmt.percent(test.observed_late, 1),
                  f"{fmt.count(test.observed_p50)} / {fmt.count(test.observed_p85)}")
    table.add_row("allowed gap", fmt.percent(test.late_tolerance, 1), fmt.days(test.lead_tolerance))
    return table
