"""Every result the Python API hands out prints as one short line that says what it is, not pages of frames and lists."""

from __future__ import annotations

import pytest

import fixfirst
from fixfirst.api import Audit

# What a notebook cell or a log line can show whole.
MAX_REPR_CHARS = 300


@pytest.fixture(scope="module")
def sample(sample_dir) -> Audit:
    return fixfirst.audit(sample_dir)


def assert_short(value: object, *facts: str) -> str:
    text = repr(value)
    assert "\n" not in text, text[:500]
    assert len(text) < MAX_REPR_CHARS, f"{len(text)} characters: {text[:500]}"
    assert type(value).__name__ in text, text
    for fact in facts:
        assert fact in text, f"{fact!r} not in {text}"
    return text


def test_the_audit_results_print_as_one_line_each(sample):
    result = sample.result
    decision, plan, outlook = sample.decision, sample.fix_plan, sample.capacity
    assert decision is not None and plan is not None and outlook is not None
    assert_short(result, sample.verdict, sample.as_of.isoformat(), f"{len(sample.weak_spots)} weak spots")
    assert_short(result.verdict, sample.verdict, *(w.touchpoint.id for w in result.verdict.blocking))
    assert_short(decision, decision.status, decision.advice.value, decision.as_of.isoformat())
    assert_short(sample.ranking, f"{len(sample.ranking.assessed)} touchpoints", f"{len(sample.weak_spots)} weak spots")
    assert_short(plan, f"{len(plan.quick_wins)} quick wins", f"{len(plan.systemic)} systemic", f"{len(plan.kpis)} KPIs")
    assert_short(outlook, f"{outlook.assessed_orders:,} orders assessed", f"{outlook.baseline_daily_orders:,.1f} orders/day")
    assert_short(sample.signals, f"{len(sample.signals.signals)} signals")
    assert_short(sample.data, *(f"{kind} ({table.rows_kept:,} rows)" for kind, table in sample.data.tables.items()))
    assert_short(sample.journey, f"{len(sample.journey.touchpoints)} touchpoints")


def test_each_weak_spot_names_its_touchpoint_rank_and_score(sample):
    assert sample.weak_spots
    for spot in sample.weak_spots:
        assert_short(spot, f"#{spot.rank} {spot.touchpoint.id!r}", f"score {spot.score:.1f}", spot.confidence)
    # A touchpoint the ranking left out says so rather than showing rank 0.
    for spot in sample.ranking.assessed:
        if not spot.rank:
            assert_short(spot, "not ranked", repr(spot.touchpoint.id))


def test_the_parts_inside_the_results_are_short_too(sample):
    plan, outlook, decision = sample.fix_plan, sample.capacity, sample.decision
    assert plan is not None and outlook is not None and decision is not None
    for action in plan.actions:
        assert_short(action, repr(action.id), action.effort)
    for signal in sample.signals.signals:
        assert_short(signal, signal.metric, f"n={signal.n:,}")
    for tp in sample.journey.touchpoints:
        assert_short(tp, repr(tp.id))
    for table in sample.data.tables.values():
        assert_short(table, table.kind, f"{table.rows_kept:,} rows kept")
    simulation = outlook.simulation
    assert simulation is not None
    assert_short(simulation, f"backtest {simulation.backtest.status}" if simulation.backtest else "no backtest")
    signals = sample.signals
    for part in (signals.funnel, signals.feedback, signals.drivers, signals.process, sample.ranking.chain):
        assert part is not None
        assert_short(part)
    # Parts left with their generated repr, once the frames, arrays and long lists are kept out of it.
    for part in (simulation.demand, simulation.delivery, simulation.baseline, signals.context, *decision.schedule):
        text = repr(part)
        assert "\n" not in text and len(text) < 2 * MAX_REPR_CHARS, text[:500]
