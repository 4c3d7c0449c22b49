"""Money at stake: the journey chain against hand-worked answers, and order failures priced by what they cost."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from fixfirst.config.engagement import Promise
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.scoring import rank_weak_spots
from fixfirst.scoring.money import JourneyChain, MoneyModel
from fixfirst.config.settings import Settings, settings_with
from fixfirst.signals import SignalSet
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.events import build_funnel, event_signals
from fixfirst.signals.order_flow import failure_effect, stage_cycle_times, two_proportion_p, weekly_trend
from fixfirst.signals.orders import order_facts, order_signals

SETTINGS = Settings()
PROMISE = Promise(description="Two working days", business_days=2, public_holidays=False)


def _ctx(**kw) -> SignalContext:
    return SignalContext(SETTINGS, PROMISE, WorkingCalendar.from_promise(PROMISE), **kw)


def _web_journey(transitions):
    ids = sorted({x for t in transitions for x in t})
    return journey_from_spec(JourneySpec.model_validate({
        "stages": ["s"],
        "touchpoints": [{"id": i, "name": i.title(), "stage": "s", "data": {"events": [i]}} for i in ids],
        "transitions": [{"from": a, "to": b, "target_conversion": 0.9} for a, b in transitions],
    }))


def _events(paths: dict[str, int], start="2026-01-01") -> pd.DataFrame:
    """`paths` maps 'home>product>buy' to how many cases took it, one case an hour."""
    rows, case, t0 = [], 0, pd.Timestamp(start)
    for path, count in paths.items():
        for _ in range(count):
            for k, step in enumerate(path.split(">")):
                rows.append((f"c{case}", step, t0 + pd.Timedelta(hours=case, minutes=k)))
            case += 1
    return pd.DataFrame(rows, columns=["case_id", "activity", "timestamp"])


def _signal_set(events: pd.DataFrame, journey, aov=50.0):
    ctx = _ctx(average_order_value=aov)
    funnel = build_funnel(events, journey)
    return SignalSet(event_signals(funnel, journey, ctx), ctx, funnel=funnel)


def test_linear_chain_purchase_probability_is_the_product_of_conversions():
    journey = _web_journey([("home", "product"), ("product", "buy")])
    events = _events({"home>product>buy": 30, "home>product": 30, "home": 40})
    signal_set = _signal_set(events, journey)
    model = MoneyModel.build(journey, signal_set)
    chain = model.chain
    assert chain.states == ["home", "product"] and chain.purchase == "buy"
    assert chain.probability[("home", "product")] == pytest.approx(0.6)
    assert chain.probability[("product", "buy")] == pytest.approx(0.5)
    assert chain.purchase_probability() == pytest.approx(0.3)
    assert chain.observed_purchase_rate == pytest.approx(0.3)
    assert chain.visits() == pytest.approx({"home": 1.0, "product": 0.6})


def test_meeting_a_target_is_worth_the_chain_gain_times_entries_and_order_value():
    journey = _web_journey([("home", "product"), ("product", "buy")])
    events = _events({"home>product>buy": 30, "home>product": 30, "home": 40})
    signal_set = _signal_set(events, journey)
    model = MoneyModel.build(journey, signal_set)
    product = journey.touchpoint("product")
    signals = signal_set.for_touchpoint("product")
    (conversion,) = signals
    money = model.for_touchpoint(product, signals, reach=0.6)
    # product->buy rises by its shrunk shortfall; the purchase probability rises by 0.6 x that.
    gain = 0.6 * (conversion.target - conversion.shrunk_value)
    entries_per_month = signal_set.context.per_month(100, events["timestamp"].min(), events["timestamp"].max())
    assert money.extra_purchases_per_month == pytest.approx(gain * entries_per_month)
    assert money.revenue_per_month == pytest.approx(gain * entries_per_month * 50.0)
    assert "journey chain" in money.basis


def test_a_touchpoint_at_target_has_nothing_at_stake():
    journey = _web_journey([("home", "buy")])
    events = _events({"home>buy": 95, "home": 5})
    signal_set = _signal_set(events, journey)
    model = MoneyModel.build(journey, signal_set)
    money = model.for_touchpoint(journey.touchpoint("home"), signal_set.for_touchpoint("home"), 1.0)
    assert money.extra_purchases_per_month == 0 and money.revenue_per_month == 0


def test_branching_chain_matches_the_fundamental_matrix():
    chain = JourneyChain(
        states=["a", "b", "c"], purchase="buy",
        probability={("a", "b"): 0.5, ("a", "c"): 0.3, ("b", "buy"): 0.4, ("c", "buy"): 0.2, ("b", "c"): 0.1},
        n={}, start={"a": 0.8, "b": 0.2, "c": 0.0}, entries_per_month=100.0, entries=100,
    )
    q = np.array([[0, 0.5, 0.3], [0, 0, 0.1], [0, 0, 0]])
    r = np.array([0, 0.4, 0.2])
    n = np.linalg.inv(np.eye(3) - q)
    expected = np.array([0.8, 0.2, 0.0]) @ n @ r
    assert chain.purchase_probability() == pytest.approx(expected)
    assert chain.leave_probability("a") == pytest.approx(0.2)


def test_outgoing_shares_over_one_are_scaled_to_a_distribution():
    chain = JourneyChain(states=["a", "b"], purchase="buy", probability={("a", "b"): 0.9, ("a", "buy"): 0.6, ("b", "buy"): 1.0},
                         n={}, start={"a": 1.0}, entries_per_month=1.0, entries=1)
    assert chain.purchase_probability() == pytest.approx(1.0)
    assert 0 <= chain.purchase_probability() <= 1


def test_campaign_traffic_follows_the_visits():
    journey = _web_journey([("home", "product"), ("product", "buy")])
    events = _events({"home>product>buy": 30, "home>product": 30, "home": 40})
    signal_set = _signal_set(events, journey)
    campaigns = pd.DataFrame({"name": ["Push"], "start": [pd.Timestamp("2026-03-01")], "end": [pd.Timestamp("2026-03-10")], "uplift": [0.5]})
    model = MoneyModel.build(journey, signal_set, campaigns)
    money = model.for_touchpoint(journey.touchpoint("product"), signal_set.for_touchpoint("product"), 0.6)
    entries = model.chain.entries_per_month
    assert money.campaign == "Push"
    assert money.campaign_extra_per_month == pytest.approx(0.5 * entries * 0.6)
    assert money.campaign_failing_per_month == pytest.approx(0.5 * entries * 0.6 * 0.5)


# ---------------------------------------------------------------- orders: cycle times, trends, effects


def _orders(n=400, late_share=0.0, seed=1, repeat_if_late=0.1, repeat_if_on_time=0.4) -> pd.DataFrame:
    """One first order per customer on working days; a planted repeat gap between late and on-time customers."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2026-01-05", periods=n // 4 + 1)
    rows = []
    for i in range(n):
        ordered = days[i // 4] + pd.Timedelta(hours=10)
        late = rng.random() < late_share
        rows.append({"order_id": f"O{i}", "customer_id": f"C{i}", "ordered_at": ordered, "paid_at": ordered + pd.Timedelta(minutes=5),
                     "shipped_at": ordered + pd.Timedelta(days=1), "delivered_at": ordered + pd.Timedelta(days=6 if late else 1),
                     "status": "delivered", "value": 40.0})
        if rng.random() < (repeat_if_late if late else repeat_if_on_time):
            rows.append({**rows[-1], "order_id": f"R{i}", "ordered_at": ordered + pd.Timedelta(days=20), "paid_at": pd.NaT,
                         "shipped_at": pd.NaT, "delivered_at": ordered + pd.Timedelta(days=21), "late_planted": False})
    return pd.DataFrame(rows).drop(columns=["late_planted"], errors="ignore")


def test_stage_cycle_times_count_working_days_per_stage():
    # Friday 10:00 order, paid Friday, shipped Monday, delivered Wednesday.
    fri = pd.Timestamp("2026-01-09 10:00")
    facts = pd.DataFrame({"ordered_at": [fri], "paid_at": [fri], "shipped_at": [fri + pd.Timedelta(days=3)],
                          "delivered_at": [fri + pd.Timedelta(days=5)], "cancelled": [False]})
    cycles = {c.label: c for c in stage_cycle_times(facts, _ctx())}
    assert cycles["ordered to paid"].p50 == 0
    assert cycles["paid to shipped"].p50 == 1  # Friday -> Monday is one working day
    assert cycles["shipped to delivered"].p50 == 2
    assert cycles["ordered to delivered"].p50 == 3 and cycles["ordered to delivered"].n == 1


def test_out_of_sequence_and_cancelled_orders_are_left_out_of_cycle_times():
    t = pd.Timestamp("2026-01-05 10:00")
    facts = pd.DataFrame({"ordered_at": [t, t, t], "delivered_at": [t + pd.Timedelta(days=2), t - pd.Timedelta(days=3), t + pd.Timedelta(days=9)],
                          "cancelled": [False, False, True]})
    (cycle,) = stage_cycle_times(facts, _ctx())
    assert cycle.n == 1 and cycle.p50 == 2


def test_weekly_trend_finds_a_recent_deterioration_and_stays_quiet_without_one():
    weeks = pd.Series(np.repeat(pd.date_range("2026-01-05", periods=12, freq="W-MON"), 100))
    base = pd.Series(True, index=weeks.index)
    steady = pd.Series(np.tile(np.arange(100) < 10, 12), index=weeks.index)
    trend = weekly_trend(steady, base, weeks, 4, 0.95)
    assert trend.direction == "steady" and trend.recent_rate == pytest.approx(0.1) and trend.recent_n == 400
    worse = steady.copy()
    worse.iloc[800:] = np.tile(np.arange(100) < 30, 4)
    trend = weekly_trend(worse, base, weeks, 4, 0.95)
    assert trend.direction == "worse" and trend.recent_rate == pytest.approx(0.3) and trend.earlier_rate == pytest.approx(0.1)
    assert "getting worse" in trend.sentence("late")
    assert weekly_trend(steady[:500], base[:500], weeks[:500], 4, 0.95) is None  # five weeks cannot hold 4 + 4


def test_two_proportion_p_matches_scipy():
    from scipy.stats import norm

    p = two_proportion_p(30, 100, 10, 100)
    pooled = 40 / 200
    z = 0.2 / np.sqrt(pooled * (1 - pooled) * 2 / 100)
    assert p == pytest.approx(2 * norm.sf(z))


def test_failure_effect_measures_the_planted_repeat_gap():
    ctx = _ctx()
    facts = order_facts(_orders(n=2000, late_share=0.3, repeat_if_late=0.1, repeat_if_on_time=0.4), ctx)
    effect = failure_effect(facts, facts["late"], facts["assessable"], ctx, cancellable=False, what="late")
    late_rate, on_time_rate = effect.repeat_rates
    assert late_rate == pytest.approx(0.1, abs=0.05) and on_time_rate == pytest.approx(0.4, abs=0.05)
    assert 0 < effect.repeat_gap < effect.repeat_gap_observed  # shrunk toward zero, never past it
    assert effect.cancel_gap == 0  # late deliveries cannot be cancelled orders
    assert any("came back" in note for note in effect.notes)


def test_no_repeat_gap_means_no_money_at_stake_from_repeat_purchases():
    ctx = _ctx(average_order_value=40.0, orders_per_month=100.0)
    facts = order_facts(_orders(n=2000, late_share=0.3, repeat_if_late=0.4, repeat_if_on_time=0.4, seed=3), ctx)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "delivery", "name": "Delivery", "stage": "s", "data": {"orders": ["delivery"]}}]}))
    (signal,) = order_signals(facts, journey, ctx, None)
    assert signal.value == pytest.approx(facts.loc[facts["assessable"], "late"].mean()) and signal.value > 0.15
    # Equal repeat rates: the measured cost is (close to) nothing, not "every late order is a lost sale".
    assert signal.extra_purchases_per_month < 0.05 * signal.detail["excess_orders_per_month"]


def test_cancellation_signal_reports_reasons_and_prices_each_cancel_as_a_lost_purchase():
    ctx = _ctx(average_order_value=40.0, orders_per_month=100.0)
    frame = _orders(n=400, seed=5)
    frame["status"] = ["cancelled" if i % 10 == 0 else "delivered" for i in range(len(frame))]
    frame["cancel_reason"] = [("Out of stock" if i % 20 == 0 else "Customer changed mind") if i % 10 == 0 else None for i in range(len(frame))]
    facts = order_facts(frame, ctx)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "stock", "name": "Stock", "stage": "s", "data": {"orders": ["cancellations"]}}]}))
    (signal,) = order_signals(facts, journey, ctx, None)
    assert signal.metric == "cancellation" and signal.value == pytest.approx(0.1, abs=0.005)
    assert signal.extra_purchases_per_month == pytest.approx(signal.detail["excess_orders_per_month"], abs=0.05)
    texts = " ".join(e.text for e in signal.evidence)
    assert "Out of stock" in texts and "Customer changed mind" in texts


# ---------------------------------------------------------------- rank property


@given(st.lists(st.integers(0, 120), min_size=3, max_size=6), st.data())
@hsettings(max_examples=60, deadline=None)
def test_worsening_one_touchpoints_signal_never_lowers_its_rank(late_counts, data):
    ids = [f"t{i}" for i in range(len(late_counts))]
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": i, "name": i, "stage": "s"} for i in ids]}))
    ctx = _ctx(average_order_value=30.0)

    def ranking(counts):
        from fixfirst.signals.base import proportion_signal

        signals = [proportion_signal(touchpoint=i, metric="promise_breach", label="late", source="orders", hits=c, n=300,
                                     higher_is_better=False, settings=SETTINGS, reach=1.0) for i, c in zip(ids, counts)]
        order = rank_weak_spots(journey, SignalSet(signals, ctx), SETTINGS).assessed
        return [w.touchpoint.id for w in order]

    who = data.draw(st.integers(0, len(ids) - 1))
    worse = list(late_counts)
    worse[who] = min(300, worse[who] + data.draw(st.integers(1, 100)))
    assert ranking(worse).index(ids[who]) <= ranking(late_counts).index(ids[who])


def test_sample_money_at_stake_is_explained(sample_audit):
    for spot in sample_audit.ranking.weak_spots:
        assert spot.money.basis
        assert spot.money_at_stake == pytest.approx(spot.money.revenue_per_month)
    chain = sample_audit.ranking.chain
    assert chain is not None and chain.purchase == "confirmation"
    # A linear funnel: the chain reproduces the observed purchase rate.
    assert chain.purchase_probability() == pytest.approx(chain.observed_purchase_rate, abs=0.01)
    checkout = sample_audit.ranking.for_touchpoint("checkout")
    assert checkout.money.extra_purchases_per_month > 0 and checkout.money.campaign == "Autumn Launch"


def test_repeat_shortfall_is_priced_at_the_touchpoint():
    ctx = _ctx(average_order_value=40.0, orders_per_month=100.0)
    ctx.settings = settings_with({"metrics": {"repeat": {"target": 0.6}}})
    facts = order_facts(_orders(n=2000, late_share=0.0, repeat_if_on_time=0.2, seed=8), ctx)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["s"], "touchpoints": [
        {"id": "again", "name": "Next purchase", "stage": "s", "data": {"orders": ["repeat"]}}]}))
    (signal,) = order_signals(facts, journey, ctx, None)
    assert signal.metric == "repeat" and signal.money_at_stake > 0
    model = MoneyModel(SignalSet([signal], ctx, facts), None, None)
    money = model.for_touchpoint(journey.touchpoint("again"), [signal], 1.0)
    assert money.revenue_per_month == pytest.approx(signal.money_at_stake, rel=1e-3)  # purchases are kept to 2 decimals
    assert "second order" in money.basis


def test_a_log_without_times_says_its_steps_cannot_be_priced():
    journey = _web_journey([("home", "product"), ("product", "buy")])
    events = _events({"home>product>buy": 30, "home>product": 30, "home": 40}).drop(columns=["timestamp"])
    signal_set = _signal_set(events, journey)
    model = MoneyModel.build(journey, signal_set)
    money = model.for_touchpoint(journey.touchpoint("product"), signal_set.for_touchpoint("product"), 0.6)
    assert money.revenue_per_month == 0 and "no times" in money.basis
