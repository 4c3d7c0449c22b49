"""Causes before symptoms, minimum evidence and the money ranking, on order tables whose causes are planted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fixfirst.config.engagement import Promise
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.scoring.weak_spots import rank_weak_spots
from fixfirst.config.settings import Settings
from fixfirst.signals import SignalSet
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.late_attribution import late_causes
from fixfirst.signals.step_change import step_change
from fixfirst.signals.orders import order_facts, order_signals
from fixfirst.signals.survey import survey_signals

PROMISE = Promise(description="Delivered within 2 working days", business_days=2)


def _ctx(settings: Settings | None = None) -> SignalContext:
    ctx = SignalContext(settings or Settings(), PROMISE, WorkingCalendar.from_promise(PROMISE))
    ctx.average_order_value = 50.0
    return ctx


def _orders(n: int, *, backorder: float, slow: float, carrier: float, seed: int, backorder_wait: int = 4, per_day: int = 5) -> pd.DataFrame:
    """Weekday orders at 10:00, paid at once, dispatched next working day, delivered a working day later; planted:
    a share backordered (dispatch waits `backorder_wait` working days), a share of in-stock orders held at the bench
    for 3 working days, and a share of the rest slowed by the carrier (3 extra working days)."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2026-01-05", periods=n // per_day + 2)
    ordered = days[np.arange(n) // per_day] + pd.Timedelta(hours=10)
    back = rng.random(n) < backorder
    held = ~back & (rng.random(n) < slow)
    late_leg = ~back & ~held & (rng.random(n) < carrier)
    dispatch_wait = np.where(back, backorder_wait, np.where(held, 3, 1))
    shipped = pd.DatetimeIndex([d + pd.offsets.BDay(int(w)) for d, w in zip(ordered, dispatch_wait)]) + pd.Timedelta(hours=6)
    transit = np.where(late_leg, 4, 1)
    delivered = pd.DatetimeIndex([s + pd.offsets.BDay(int(t)) for s, t in zip(shipped, transit)])
    return pd.DataFrame({"order_id": [f"O{i}" for i in range(n)], "customer_id": [f"C{i % (n // 2)}" for i in range(n)],
                         "ordered_at": ordered, "paid_at": ordered + pd.Timedelta(minutes=3), "shipped_at": shipped,
                         "delivered_at": delivered, "status": "delivered", "value": 50.0, "backordered": back})


JOURNEY = journey_from_spec(JourneySpec.model_validate({
    "stages": ["receive"],
    "touchpoints": [
        {"id": "stock", "name": "Stock", "stage": "receive", "data": {"orders": ["stock"]}},
        {"id": "packing", "name": "Packing", "stage": "receive", "data": {"orders": ["dispatch"]}},
        {"id": "delivery", "name": "Delivery", "stage": "receive", "data": {"orders": ["delivery"], "survey": ["Delivery (1-5)"]}},
    ]}))


def test_each_late_order_is_credited_to_its_earliest_cause_and_the_points_add_up():
    ctx = _ctx()
    facts = order_facts(_orders(3000, backorder=0.2, slow=0.05, carrier=0.02, seed=1), ctx)
    causes = late_causes(facts)
    assert causes is not None and causes.known_causes == ("backorder", "dispatch")
    assert sum(causes.points.values()) == pytest.approx(causes.late_share)
    assert causes.late_share == pytest.approx(facts.loc[facts["assessable"], "late"].mean())
    # Backorders wait 4 working days: every one of them is late; the bench holds 5% of in-stock orders 3 days.
    assert causes.rate_given["backorder"][0] == 1.0
    assert causes.points["backorder"] == pytest.approx(0.2, abs=0.025)
    assert causes.points["dispatch"] == pytest.approx(0.8 * 0.05, abs=0.015)
    assert causes.points["after_dispatch"] == pytest.approx(0.8 * 0.95 * 0.02, abs=0.01)


def test_delivery_is_judged_on_clean_orders_so_a_stock_problem_is_not_scored_as_late_delivery():
    ctx = _ctx()
    facts = order_facts(_orders(3000, backorder=0.2, slow=0.0, carrier=0.01, seed=2), ctx)
    signals = {s.touchpoint: s for s in order_signals(facts, JOURNEY, ctx, None)}
    delivery, stock = signals["delivery"], signals["stock"]
    assert facts.loc[facts["assessable"], "late"].mean() > 0.18  # a fifth of all orders are late...
    assert delivery.value < 0.03 and delivery.severity == 0  # ...but not because of the delivery leg
    assert delivery.n == pytest.approx(0.8 * 3000, rel=0.05)
    assert stock.value == pytest.approx(0.2, abs=0.03) and stock.severity > 0.5
    assert any("points from backorders" in e.text for e in delivery.evidence)


def test_a_slow_carrier_is_found_on_delivery_even_with_a_backorder_problem_beside_it():
    ctx = _ctx()
    facts = order_facts(_orders(3000, backorder=0.15, slow=0.0, carrier=0.25, seed=3), ctx)
    signals = {s.touchpoint: s for s in order_signals(facts, JOURNEY, ctx, None)}
    assert signals["delivery"].value == pytest.approx(0.25, abs=0.03) and signals["delivery"].severity > 0.5
    assert signals["stock"].severity > 0.5


def test_dispatch_is_measured_on_in_stock_orders():
    ctx = _ctx()
    facts = order_facts(_orders(3000, backorder=0.3, slow=0.0, carrier=0.0, seed=4), ctx)
    signals = {s.touchpoint: s for s in order_signals(facts, JOURNEY, ctx, None)}
    packing = signals["packing"]
    # Backordered orders leave 4 days late, but the bench is not to blame: it dispatches every in-stock order next day.
    assert packing.value == 0 and packing.n == pytest.approx(0.7 * 3000, rel=0.05)


def test_delivery_ratings_are_judged_on_answers_about_clean_orders():
    ctx = _ctx()
    orders = _orders(3000, backorder=0.25, slow=0.0, carrier=0.0, seed=5)
    facts = order_facts(orders, ctx)
    rng = np.random.default_rng(5)
    answered = orders.sample(frac=0.5, random_state=5)
    # Customers whose order was backordered rate delivery badly; everyone else is happy.
    rating = np.where(answered["backordered"], rng.choice([1, 2, 3], len(answered)), rng.choice([4, 5], len(answered)))
    survey = pd.DataFrame({"order_id": answered["order_id"].to_numpy(), "rating:Delivery (1-5)": rating.astype(float)})
    [signal] = survey_signals(survey, JOURNEY, ctx, facts)
    assert signal.value == 1.0 and signal.severity == 0
    assert "left to that earlier step's own figures" in signal.evidence[0].text
    # Without the link to orders every answer counts, and the backorders show as unhappy delivery ratings.
    [unlinked] = survey_signals(survey.drop(columns="order_id"), JOURNEY, ctx, facts)
    assert unlinked.value == pytest.approx(0.75, abs=0.04) and unlinked.severity > 0


def test_a_handful_of_answers_never_makes_a_weak_spot():
    ctx = _ctx()
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "gift", "name": "Gift wrapping", "stage": "s", "data": {"survey": ["Gift wrap (1-5)"]}}]}))
    survey = pd.DataFrame({"rating:Gift wrap (1-5)": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0] + [np.nan] * 594})
    signals = survey_signals(survey, journey, ctx)
    assert signals[0].severity > 0  # off target on its own...
    ranking = rank_weak_spots(journey, SignalSet(signals, ctx), ctx.settings)
    assert ranking.weak_spots == []  # ...but six answers are too few to count
    looser = Settings.model_validate({"scoring": {"min_evidence_n": 5}})
    ranking = rank_weak_spots(journey, SignalSet(signals, ctx), looser)
    assert [w.touchpoint.id for w in ranking.weak_spots] == ["gift"] and ranking.weak_spots[0].confidence == "low"


def test_weak_spots_are_ranked_by_money_and_unpriced_ones_follow_by_score():
    ctx = _ctx()
    orders = _orders(3000, backorder=0.12, slow=0.10, carrier=0.0, seed=6)
    facts = order_facts(orders, ctx)
    ctx.orders_per_month = ctx.per_month(len(facts), facts["ordered_at"].min(), facts["ordered_at"].max())
    signals = order_signals(facts, JOURNEY, ctx, None)
    ranking = rank_weak_spots(JOURNEY, SignalSet(signals, ctx, order_facts=facts), ctx.settings)
    spots = ranking.weak_spots
    assert {w.touchpoint.id for w in spots} == {"stock", "packing"}
    priced = [w for w in spots if w.money.measured]
    unpriced = [w for w in spots if not w.money.measured]
    assert spots == priced + unpriced
    assert [w.money_at_stake for w in priced] == sorted((w.money_at_stake for w in priced), reverse=True)
    assert [w.score for w in unpriced] == sorted((w.score for w in unpriced), reverse=True)
    for w in unpriced:
        assert w.money.basis  # says why it cannot be priced


def test_reach_set_in_the_journey_overrides_the_measured_one():
    ctx = _ctx()
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "desk", "name": "Help desk", "stage": "s", "reach": 0.2, "data": {"survey": ["Help (1-5)"]}}]}))
    survey = pd.DataFrame({"rating:Help (1-5)": np.r_[np.ones(200), np.full(200, 5.0)]})
    ranking = rank_weak_spots(journey, SignalSet(survey_signals(survey, journey, ctx), ctx), ctx.settings)
    spot = ranking.for_touchpoint("desk")
    assert spot.reach == 0.2 and spot.reach_basis == "set in journey.yaml"


def test_cancellations_of_backordered_orders_are_credited_to_stock():
    ctx = _ctx()
    orders = _orders(3000, backorder=0.2, slow=0.0, carrier=0.0, seed=7)
    rng = np.random.default_rng(1007)  # not the orders' own seed: its first draws decided the backorders
    cancel = rng.random(len(orders)) < np.where(orders["backordered"], 0.3, 0.01)
    orders.loc[cancel, "status"] = "cancelled"
    orders.loc[cancel, ["shipped_at", "delivered_at"]] = pd.NaT
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "stock", "name": "Stock", "stage": "s", "data": {"orders": ["stock"]}},
        {"id": "confirmation", "name": "Order confirmation", "stage": "s", "data": {"orders": ["cancellations"]}}]}))
    facts = order_facts(orders, ctx)
    signals = {s.touchpoint: s for s in order_signals(facts, journey, ctx, None)}
    assert facts["cancelled"].mean() > 0.06  # all orders: well above a 2% target...
    assert signals["confirmation"].value == pytest.approx(0.01, abs=0.006) and signals["confirmation"].severity == 0
    assert signals["confirmation"].label == "In-stock orders cancelled"
    assert signals["stock"].detail["effect"]["cancel_gap"] == pytest.approx(0.29, abs=0.05)  # ...the stock-out's cost


# ---------------------------------------------------------------- a rate that rose and stayed up


def _weekly_orders(rates: list[float], per_week: int, seed: int):
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-05T10:00", "ns").astype("int64")
    week = np.repeat(np.arange(len(rates)), per_week)
    times = start + week * 7 * 86_400 * 10**9 + rng.integers(0, 6 * 86_400 * 10**9, len(week))
    failed = rng.random(len(week)) < np.asarray(rates)[week]
    return times, failed


def test_a_rise_that_stays_is_found_on_its_week():
    times, failed = _weekly_orders([0.03] * 10 + [0.08] * 16, 120, seed=1)
    change = step_change(times, failed, Settings().orders)
    assert change is not None and change.since.isoformat() in {"2026-03-09", "2026-03-02", "2026-03-16"}
    assert change.before_rate == pytest.approx(0.03, abs=0.01) and change.after_rate == pytest.approx(0.08, abs=0.015)
    assert change.p_value < 0.01 and change.splits_tried > 10


def test_steady_rates_and_one_bad_stretch_are_not_a_rise():
    rules = Settings().orders
    false_alarms = sum(step_change(*_weekly_orders([0.05] * 26, 120, seed=s), rules) is not None for s in range(40))
    assert false_alarms <= 1  # a 1% test over many start weeks: at most the odd seed
    blip = [0.04] * 18 + [0.15] * 2 + [0.04] * 6
    assert step_change(*_weekly_orders(blip, 120, seed=3), rules) is None


def test_a_return_rate_that_rose_within_its_target_makes_a_weak_spot():
    ctx = _ctx()
    orders = _orders(4000, backorder=0.0, slow=0.0, carrier=0.0, seed=8, per_day=30)  # six months
    rng = np.random.default_rng(808)
    later = orders["ordered_at"] >= orders["ordered_at"].min() + pd.Timedelta(weeks=8)
    orders["returned"] = rng.random(len(orders)) < np.where(later, 0.065, 0.02)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "returns", "name": "Returns", "stage": "s", "data": {"orders": ["returns"]}}]}))
    facts = order_facts(orders, ctx)
    signals = order_signals(facts, journey, ctx, None)
    judged = [s for s in signals if s.basis.value != "baseline"]
    rose = [s for s in signals if s.basis.value == "baseline"]
    assert judged[0].value < ctx.settings.metrics.returns.target  # within the 8% target overall...
    assert len(rose) == 1 and rose[0].severity > 0 and rose[0].target == pytest.approx(0.02, abs=0.01)  # ...but it rose
    ranking = rank_weak_spots(journey, SignalSet(signals, ctx, order_facts=facts), ctx.settings)
    assert [w.touchpoint.id for w in ranking.weak_spots] == ["returns"]


def test_returns_of_late_parcels_are_credited_to_what_made_them_late():
    ctx = _ctx()
    orders = _orders(3000, backorder=0.0, slow=0.0, carrier=0.3, seed=9)
    facts0 = order_facts(orders, ctx)
    rng = np.random.default_rng(909)
    orders["returned"] = rng.random(len(orders)) < np.where(facts0["late"].to_numpy(), 0.3, 0.03)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "returns", "name": "Returns", "stage": "s", "data": {"orders": ["returns"]}}]}))
    facts = order_facts(orders, ctx)
    [signal] = [s for s in order_signals(facts, journey, ctx, None) if s.basis.value != "baseline"]
    assert orders["returned"].mean() > 0.1  # every delivered order: well above an 8% target...
    assert signal.label == "Orders delivered on time that were returned"
    assert signal.value == pytest.approx(0.03, abs=0.012) and signal.severity == 0  # ...but not the returns desk's doing
    assert any("count against what made the parcels late" in e.text for e in signal.evidence)
