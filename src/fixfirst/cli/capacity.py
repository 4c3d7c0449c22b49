"""`fixfirst capacity`: project the planned campaign through operations, as a summary or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..progress import terminal_progress
from ._common import escape, handles_errors, stdout


def _uplift(value: str | None) -> float | None:
    from ..capacity.demand import parse_uplift

    if value is None:
        return None
    try:
        return parse_uplift(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@handles_errors
def capacity(
    engagement: Path = typer.Argument(..., help="Engagement folder holding audit.yaml."),
    uplift: str | None = typer.Option(None, "--uplift", help="Extra demand to project instead of the campaign plan's, e.g. 40% or 0.4.",
                                      callback=_uplift),
    as_json: bool = typer.Option(False, "--json", help="Print the outlook as JSON (schema in docs/capacity-json.md)."),
) -> None:
    """Project demand through each operational step: lead times against the promise, headroom, and the verdict."""
    from ..capacity.export import capacity_payload
    from ..pipeline import run_audit

    with terminal_progress() as progress:
        result = run_audit(engagement, progress, uplift=uplift)
    if as_json:
        sys.stdout.write(json.dumps(capacity_payload(result), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    outlook = result.outlook
    sim = outlook.simulation if outlook is not None else None
    if sim is None:
        reason = outlook.simulation_skipped if outlook is not None else "no orders with delivery outcomes"
        out.print(f"No day-by-day projection: {escape(reason or 'no order data')}.", highlight=False)
    else:
        steps = Table(title="Operational steps", title_justify="left", header_style="bold")
        for name in ("step", "capacity/day", "basis", "load (campaign)", "takt vs cycle (min)"):
            steps.add_column(name, overflow="fold")
        scenario = sim.campaign or sim.baseline
        for s, view in zip(sim.steps, scenario.projection.steps):
            takt = "-" if view.takt_minutes is None or view.cycle_minutes is None else f"{view.takt_minutes:.0f} vs {view.cycle_minutes:.0f}"
            steps.add_row(escape(s.step.name), f"{s.per_day:.1f}", escape(f"{s.basis}: {s.detail}"), f"{view.load:.0%}", takt)
        out.print(steps)
        table = Table(title=f"Projection over {sim.baseline.projection.days} days ({sim.baseline.projection.runs} simulated futures)",
                      title_justify="left", header_style="bold")
        for name in ("scenario", "orders/week", "lead time p50/p85/p95 (working days)", "late (promise "
                     f"{sim.promise_days} days)"):
            table.add_column(name)
        for s in filter(None, (sim.baseline, sim.campaign)):
            p = s.projection
            share = s.breach_share_campaign_days if s.breach_share_campaign_days is not None else p.breach_share
            table.add_row(escape(s.name), f"{p.orders_per_run / p.days * 7:.0f}", f"{p.lead_time.p50:.0f} / {p.lead_time.p85:.0f} / {p.lead_time.p95:.0f}",
                          f"{share:.1%}")
        out.print(table)
        if sim.backtest is not None:
            out.print(_backtest_table(sim))
        for note in sim.notes:
            out.print(f"- {escape(note)}", highlight=False)
    if outlook is not None and outlook.recent is not None and (sim is None or sim.backtest is None):
        recent = outlook.recent
        out.print(f"Observed: {recent.late_share:.1%} of {recent.orders:,} in-stock orders whose promise clock started "
                  f"{recent.first:%d %b}-{recent.last:%d %b %Y} were late (target {outlook.breach_target:.0%}).", highlight=False)
    from ..scoring.verdict import capacity_reasons

    for reason in capacity_reasons(outlook):
        out.print(escape(reason), highlight=False)
    out.print(f"Verdict: [bold]{result.verdict.status}[/] - {escape(result.verdict.summary)}", highlight=False)


def _backtest_table(sim) -> Table:
    """Projected against observed over the replayed weeks, labelled with the backtest's outcome."""
    test = sim.backtest
    label = {"passed": "reproduces history", "failed": "does NOT reproduce history", "not_possible": "could not be backtested"}
    table = Table(title=f"Backtest {test.first:%d %b}-{test.last:%d %b %Y}: the model {label[test.status]}", title_justify="left",
                  header_style="bold")
    for name in ("", "late", "lead time p50 / p85 (working days)"):
        table.add_column(name)
    if test.projected_late is not None:
        table.add_row("projected", f"{test.projected_late:.1%}", f"{test.projected_p50:.0f} / {test.projected_p85:.0f}")
    table.add_row(f"observed (n={test.orders:,})", f"{test.observed_late:.1%}", f"{test.observed_p50:.0f} / {test.observed_p85:.0f}")
    table.add_row("allowed gap", f"{test.late_tolerance:.1%}", f"{test.lead_tolerance:g} day(s)")
    return table
