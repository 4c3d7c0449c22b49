"""Friction signals on small hand-built tables whose right answers are known in advance."""

from __future__ import annotations

import datetime as dt
import math
import re
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from fixfirst.config.engagement import Promise
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.config.settings import Settings, settings_with
from fixfirst.signals.base import proportion_signal, severity_of, wilson_interval
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.events import build_funnel, event_signals
from fixfirst.signals.feedback import feedback_signals, tag_feedback, tone
from fixfirst.signals.orders import order_facts, order_signals
from fixfirst.signals.redaction import redact
from fixfirst.signals.survey import net_promoter_score, survey_signals

T = pd.Timestamp


def textbook_wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927): (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = k / n
    centre = p + z**2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (centre - spread) / (1 + z**2 / n), (centre + spread) / (1 + z**2 / n)


def make_ctx(promise: Promise | None = None, settings: Settings | None = None, aov: float | None = None) -> SignalContext:
    promise = promise or Promise(description="Delivered within 2 working days", business_days=2)
    ctx = SignalContext(settings or Settings(), promise, WorkingCalendar.from_promise(promise))
    ctx.average_order_value = aov
    return ctx


def journey(touchpoints: list[dict], transitions: list[dict] | None = None, stages: list[str] | None = None):
    stages = stages or sorted({tp["stage"] for tp in touchpoints}, key=[tp["stage"] for tp in touchpoints].index)
    return journey_from_spec(JourneySpec.model_validate({"stages": stages, "touchpoints": touchpoints, "transitions": transitions or []}))


def all_evidence_text(signals) -> list[str]:
    return [e.text for s in signals for e in s.evidence]


# ---------------------------------------------------------------- Wilson interval and shrinkage


@pytest.mark.parametrize("k, n, known", [(0, 10, (0.0, 0.2775)), (5, 10, (0.2366, 0.7634)), (50, 100, (0.4038, 0.5962)), (10, 10, (0.7225, 1.0))])
def test_wilson_interval_matches_the_textbook_formula_and_published_values(k, n, known):
    low, high = wilson_interval(k, n)
    expected = textbook_wilson(k, n)
    assert low == pytest.approx(max(0.0, expected[0]), abs=1e-9)
    assert high == pytest.approx(min(1.0, expected[1]), abs=1e-9)
    assert (low, high) == pytest.approx(known, abs=5e-5)


def test_wilson_interval_widens_with_confidence_level_and_narrows_with_n():
    assert wilson_interval(5, 10, 0.80)[0] > wilson_interval(5, 10, 0.95)[0] > wilson_interval(5, 10, 0.99)[0]
    assert wilson_interval(5, 10, 0.90) == pytest.approx(textbook_wilson(5, 10, 0.90), abs=1e-9)
    assert wilson_interval(500, 1000)[1] - wilson_interval(500, 1000)[0] < wilson_interval(5, 10)[1] - wilson_interval(5, 10)[0]


def test_wilson_interval_of_an_empty_sample_is_uninformative():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@hsettings(database=None, deadline=None)
@given(n=st.integers(1, 10_000), data=st.data(), level=st.floats(0.51, 0.999))
def test_wilson_interval_stays_within_0_1_and_contains_the_observed_share(n, data, level):
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n, level)
    assert 0.0 <= low <= high <= 1.0
    assert low <= k / n + 1e-12 and k / n - 1e-12 <= high  # rounding at the ends: see the test below


def test_wilson_interval_ends_exactly_at_0_and_1_for_all_or_nothing_samples():
    assert [wilson_interval(0, n)[0] for n in range(1, 60)] == [0.0] * 59
    assert [wilson_interval(n, n)[1] for n in range(1, 60)] == [1.0] * 59


def test_small_all_bad_sample_is_shrunk_far_below_a_large_all_bad_sample():
    settings = Settings()
    common = dict(touchpoint="delivery", metric="promise_breach", label="late", source="orders", higher_is_better=False, settings=settings)
    small = proportion_signal(hits=3, n=3, **common)
    large = proportion_signal(hits=300, n=300, **common)
    assert small.value == large.value == 1.0
    # (3 + 30 * 0.05) / (3 + 30) and (300 + 1.5) / 330
    assert small.shrunk_value == pytest.approx(4.5 / 33)
    assert large.shrunk_value == pytest.approx(301.5 / 330)
    assert large.severity == 1.0
    assert small.severity == pytest.approx((4.5 / 33 - 0.05) / 0.20)
    assert small.severity < 0.5 * large.severity


def test_severity_is_zero_on_or_better_than_target():
    settings = Settings()
    on_target = proportion_signal(touchpoint="t", metric="promise_breach", label="x", source="orders", hits=5, n=100,
                                  higher_is_better=False, settings=settings)
    assert on_target.shrunk_value == pytest.approx(0.05) and on_target.severity == 0.0
    better = proportion_signal(touchpoint="t", metric="conversion", label="x", source="events", hits=90, n=100,
                               higher_is_better=True, settings=settings, target=0.6)
    assert better.severity == 0.0 and better.shortfall == 0.0 and not better.clear


@pytest.mark.parametrize("higher_is_better, metric", [(False, "promise_breach"), (True, "conversion")])
def test_severity_is_monotone_in_hits(higher_is_better, metric):
    settings = Settings()
    target = 0.6 if metric == "conversion" else None  # conversion has no default target (fixfirst.signals.targets)
    severities = [proportion_signal(touchpoint="t", metric=metric, label="x", source="s", hits=h, n=60,
                                    higher_is_better=higher_is_better, settings=settings, target=target).severity for h in range(61)]
    steps = np.diff(severities)
    assert (steps >= 0).all() if not higher_is_better else (steps <= 0).all()
    assert severities[0] != severities[-1]


def test_explicit_target_and_zero_shrinkage_are_honoured():
    settings = Settings.model_validate({"scoring": {"shrinkage_strength": 0}})
    signal = proportion_signal(touchpoint="t", metric="conversion", label="x", source="events", hits=40, n=100,
                               higher_is_better=True, settings=settings, target=0.5)
    assert signal.target == 0.5 and signal.shrunk_value == pytest.approx(0.4)
    assert signal.severity == pytest.approx(0.1 / 0.3)
    assert signal.clear is True  # the whole interval (0.309, 0.498) sits below the 50% target
    assert proportion_signal(touchpoint="t", metric="conversion", label="x", source="events", hits=42, n=100,
                             higher_is_better=True, settings=settings, target=0.5).clear is False
    assert severity_of(0.1, 0.5, 0.3, True) == 1.0


# ---------------------------------------------------------------- working calendar

HOLIDAY = dt.date(2026, 5, 4)  # Monday, early May bank holiday


@pytest.mark.parametrize("ordered, expected", [
    ("2026-05-06 10:00", "2026-05-08"),  # Wed before the cutoff: Wed + 2 = Fri
    ("2026-05-06 14:00", "2026-05-08"),  # exactly at the cutoff still counts as today
    ("2026-05-06 14:00:01", "2026-05-11"),  # after the cutoff: counts from Thu, + 2 = Mon
    ("2026-05-08 15:00", "2026-05-13"),  # Fri after cutoff: starts Mon, + 2 = Wed
    ("2026-05-09 09:00", "2026-05-13"),  # Saturday (closed): starts Mon
    ("2026-05-01 10:00", "2026-05-06"),  # Fri before a Monday holiday: Tue, Wed
    ("2026-05-03 10:00", "2026-05-07"),  # Sunday before the holiday: starts Tue
])
def test_promise_deadline_applies_cutoff_weekends_and_holidays(ordered, expected):
    promise = Promise(description="x", business_days=2, cutoff=dt.time(14, 0), holidays=[HOLIDAY])
    deadline = WorkingCalendar.from_promise(promise).promise_deadline(pd.Series([T(ordered)]), 2, promise.cutoff)
    assert deadline.iloc[0] == T(expected)


def test_promise_deadline_counts_saturday_when_it_is_a_working_day():
    orders = pd.Series([T("2026-05-08 10:00"), T("2026-05-09 10:00")])  # Fri, Sat
    week = WorkingCalendar.from_promise(Promise(description="x", business_days=2))
    six_day = WorkingCalendar.from_promise(Promise(description="x", business_days=2, working_days=["mon", "tue", "wed", "thu", "fri", "sat"]))
    assert week.promise_deadline(orders, 2).tolist() == [T("2026-05-12"), T("2026-05-13")]
    assert six_day.promise_deadline(orders, 2).tolist() == [T("2026-05-11"), T("2026-05-12")]
    assert six_day.weekmask == "1111110"


def test_promise_deadline_without_cutoff_and_with_missing_dates():
    calendar = WorkingCalendar.from_promise(Promise(description="x", business_days=0))
    deadline = calendar.promise_deadline(pd.Series([T("2026-05-06 23:59"), pd.NaT, T("2026-05-10 08:00")]), 0)
    assert deadline.iloc[0] == T("2026-05-06") and pd.isna(deadline.iloc[1]) and deadline.iloc[2] == T("2026-05-11")


def test_business_days_between_skips_weekends_and_holidays():
    promise = Promise(description="x", business_days=2, holidays=[HOLIDAY])
    calendar = WorkingCalendar.from_promise(promise)
    start = pd.Series([T("2026-05-06 09:00"), T("2026-05-08 17:00"), T("2026-05-01 12:00"), T("2026-05-06"), pd.NaT])
    end = pd.Series([T("2026-05-06 18:00"), T("2026-05-11 08:00"), T("2026-05-05 12:00"), pd.NaT, T("2026-05-07")])
    days = calendar.business_days_between(start, end)
    assert days.tolist()[:3] == [0.0, 1.0, 1.0]
    assert days.iloc[3:].isna().all()
    six_day = WorkingCalendar.from_promise(Promise(description="x", business_days=2, working_days=["mon", "tue", "wed", "thu", "fri", "sat"]))
    assert six_day.business_days_between(start[1:2], end[1:2]).tolist() == [2.0]


# ---------------------------------------------------------------- orders


def test_order_facts_marks_late_overdue_cancelled_and_open_orders():
    orders = pd.DataFrame({
        "order_id": ["on_time", "late", "overdue", "cancelled", "still_open", "promised_later", "last"],
        "ordered_at": [T("2026-03-02 10:00")] * 4 + [T("2026-03-19 10:00"), T("2026-03-02 10:00"), T("2026-03-20 10:00")],
        "delivered_at": [T("2026-03-04 18:00"), T("2026-03-05 09:00"), pd.NaT, pd.NaT, pd.NaT, T("2026-03-09 12:00"), T("2026-03-24 11:00")],
        "promised_at": [pd.NaT] * 5 + [T("2026-03-10"), pd.NaT],
        "status": ["delivered", "delivered", "shipped", "Cancelled by customer", "processing", "delivered", "delivered"],
    })
    facts = order_facts(orders, make_ctx()).set_index("order_id")
    assert facts.loc["on_time", "deadline"] == T("2026-03-04")
    assert facts.loc["promised_later", "deadline"] == T("2026-03-10")  # the export's own promise wins
    assert facts["late"].to_dict() == {"on_time": False, "late": True, "overdue": True, "cancelled": False,
                                       "still_open": False, "promised_later": False, "last": False}
    assert facts["assessable"].to_dict() == {"on_time": True, "late": True, "overdue": True, "cancelled": False,
                                             "still_open": False, "promised_later": True, "last": True}
    assert facts["cancelled"].sum() == 1
    assert facts.loc["last", "lead_days"] == 2.0  # Fri -> Tue
    assert facts.loc["on_time", "week"] == T("2026-03-02")


def test_delivery_signal_counts_late_share_over_assessable_orders():
    n = 40
    ordered = [T("2026-03-02 09:00") + pd.Timedelta(days=7 * (i // 4)) for i in range(n)]  # Mondays, 4 a week
    delivered = [o + pd.Timedelta(days=2 if i % 4 else 3) for i, o in enumerate(ordered)]  # one in four lands Thursday
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(n)], "ordered_at": ordered, "delivered_at": delivered})
    j = journey([{"id": "delivery", "name": "Delivery", "stage": "receive", "data": {"orders": ["delivery"]}}])
    ctx = make_ctx()
    [signal] = order_signals(order_facts(orders, ctx), j, ctx, None)
    assert (signal.metric, signal.n, signal.detail["hits"]) == ("promise_breach", 40, 10)
    assert signal.value == 0.25 and signal.higher_is_better is False
    assert signal.evidence[0].text.startswith("10 of 40 orders (25.0%) missed the promise")
    assert signal.detail["lead_p50"] == 2.0


def _stock_orders() -> pd.DataFrame:
    items = ["Oak table"] * 20 + ["Linen throw"] * 30 + ["Candle"] * 50
    backordered = [i < 10 for i in range(20)] + [i < 3 for i in range(30)] + [False] * 50
    frame = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(100)],
        "ordered_at": [T("2026-01-05 10:00") + pd.Timedelta(hours=7 * i) for i in range(100)],
        "item": items,
        "backordered": pd.array(backordered, dtype="boolean"),
        "status": ["paid"] * 100,
    })
    cancelled = pd.DataFrame({"order_id": ["X1"], "ordered_at": [T("2026-01-06")], "item": ["Oak table"],
                              "backordered": pd.array([True], dtype="boolean"), "status": ["cancelled"]})
    return pd.concat([frame, cancelled], ignore_index=True)


def test_stockout_rate_and_evidence_name_the_worst_items_first():
    j = journey([{"id": "pick", "name": "Stock and picking", "stage": "receive", "data": {"orders": ["stock"]}}])
    ctx = make_ctx()
    [signal] = order_signals(order_facts(_stock_orders(), ctx), j, ctx, None)
    assert (signal.metric, signal.n, signal.detail["hits"], signal.value) == ("stockout", 100, 13, 0.13)  # the cancelled order is out
    texts = [e.text for e in signal.evidence]
    assert texts[0].startswith("13 of 100 orders not cancelled (13.0%) were backordered")
    assert texts[1] == "Oak table: 50% backordered (n=20; 20% of all orders)."
    assert texts[2] == "Linen throw: 10% backordered (n=30; 30% of all orders)."
    assert texts[3] == "All other items: 0.0% backordered (n=50)."
    assert not any("Candle:" in t for t in texts)


def test_returns_signal_uses_delivered_orders_and_lists_reasons():
    n = 45
    frame = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(n)],
        "ordered_at": [T("2026-02-02 10:00") + pd.Timedelta(days=i) for i in range(n)],
        "delivered_at": [T("2026-02-04 10:00") + pd.Timedelta(days=i) if i < 40 else pd.NaT for i in range(n)],
        "returned": pd.array([i in (1, 2, 3, 4) or i >= 40 for i in range(n)], dtype="boolean"),
        "return_reason": [None, "Too small", "Too small", "Damaged"] + [None] * (n - 4),
    })
    j = journey([{"id": "returns", "name": "Returns", "stage": "after", "data": {"orders": ["returns"]}}])
    ctx = make_ctx()
    [signal] = order_signals(order_facts(frame, ctx), j, ctx, None)
    assert (signal.n, signal.detail["hits"], signal.value) == (40, 4, 0.1)  # undelivered 'returns' are not counted
    assert signal.reach == 1.0  # everyone who receives an order meets this outcome; the rate is the severity
    texts = [e.text for e in signal.evidence]
    assert "Too small: 2 returns (50%)." in texts
    assert "Damaged: 1 returns (25%)." in texts and "(no reason given): 1 returns (25%)." in texts


def test_repeat_purchase_judges_only_customers_with_a_full_window():
    rows = [
        ("C1", "2026-01-05", "paid"), ("C1", "2026-02-01", "paid"),  # back after 27 days
        ("C2", "2026-01-05", "paid"), ("C2", "2026-04-01", "paid"),  # back after 86 days: too late
        ("C3", "2026-01-10", "paid"),  # never back
        ("C5", "2026-01-05", "paid"), ("C5", "2026-01-20", "cancelled"),  # a cancelled second order is no return
        ("C4", "2026-06-01", "paid"),  # first order too recent to judge
        ("C6", "2026-06-15", "paid"),  # the last order in the data
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "status"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    frame["order_id"] = [f"O{i}" for i in range(len(frame))]
    j = journey([{"id": "again", "name": "Next purchase", "stage": "after", "data": {"orders": ["repeat"]}}])
    ctx = make_ctx(aov=80.0)
    [signal] = order_signals(order_facts(frame, ctx), j, ctx, None)
    assert (signal.metric, signal.n, signal.value, signal.higher_is_better) == ("repeat", 4, 0.25, True)
    assert signal.evidence[0].text.startswith("1 of 4 customers (25%) came back within 60 days")


def test_order_signals_skip_metrics_whose_columns_are_missing():
    frame = pd.DataFrame({"order_id": ["O1"], "ordered_at": [T("2026-01-05")]})
    j = journey([{"id": "pick", "name": "Pick", "stage": "receive", "data": {"orders": ["stock", "dispatch", "returns", "repeat"]}}])
    ctx = make_ctx()
    assert order_signals(order_facts(frame, ctx), j, ctx, None) == []


# ---------------------------------------------------------------- events and funnel

FUNNEL_JOURNEY = [
    {"id": "home", "name": "Home page", "stage": "discover", "data": {"events": ["home", "landing"]}},
    {"id": "product", "name": "Product page", "stage": "consider", "data": {"events": ["product"]}},
    {"id": "checkout", "name": "Checkout", "stage": "buy", "data": {"events": ["checkout"]}},
    {"id": "confirmation", "name": "Confirmation", "stage": "buy", "data": {"events": ["confirmation"]}},
]
FUNNEL_EDGES = [{"from": "home", "to": "product"}, {"from": "product", "to": "checkout"},
                {"from": "checkout", "to": "confirmation", "target_conversion": 0.8}]


def _sessions() -> pd.DataFrame:
    """100 sessions: mobile 20/50 and desktop 40/50 reach product; 30 of 60 reach checkout; 27 of 30 confirm."""
    rows = []
    start = T("2026-03-01 08:00")
    for i in range(100):
        device = "mobile" if i < 50 else "desktop"
        steps = ["landing" if i % 2 else "home", "search"]
        to_product = (i < 20) or (50 <= i < 90)
        if to_product:
            steps.append("product")
            rank = i if i < 20 else i - 30  # 0..59 across the 60 product sessions
            if rank < 30:
                steps.append("checkout")
                if rank < 27:
                    steps.append("confirmation")
        for k, step in enumerate(steps):
            rows.append({"case_id": f"s{i}", "activity": step, "segment": device,
                         "timestamp": start + pd.Timedelta(hours=7 * i, minutes=k)})
    return pd.DataFrame(rows)


def test_funnel_marks_which_steps_each_case_reached():
    j = journey(FUNNEL_JOURNEY, FUNNEL_EDGES)
    funnel = build_funnel(_sessions(), j)
    assert funnel.cases == 100
    assert list(funnel.reached.columns) == ["home", "product", "checkout", "confirmation"]
    assert funnel.reached.sum().to_dict() == {"home": 100, "product": 60, "checkout": 30, "confirmation": 27}
    assert funnel.purchase_step == "confirmation"
    assert funnel.segment.value_counts().to_dict() == {"mobile": 50, "desktop": 50}


def test_build_funnel_returns_none_without_mapped_events():
    j = journey([{"id": "home", "name": "Home", "stage": "discover", "data": {"keywords": ["website"]}}])
    assert build_funnel(_sessions(), j) is None
    j = journey([{"id": "home", "name": "Home", "stage": "discover", "data": {"events": ["never-logged"]}}])
    assert build_funnel(_sessions(), j) is None


def test_event_signals_give_conversion_per_transition_with_segments():
    j = journey(FUNNEL_JOURNEY, FUNNEL_EDGES)
    ctx = make_ctx(aov=50.0)
    signals = {s.edge: s for s in event_signals(build_funnel(_sessions(), j), j, ctx)}
    assert set(signals) == {("home", "product"), ("product", "checkout"), ("checkout", "confirmation")}
    first, middle, last = signals[("home", "product")], signals[("product", "checkout")], signals[("checkout", "confirmation")]
    assert (first.n, first.detail["continued"], first.value) == (100, 60, 0.6)
    assert (middle.n, middle.detail["continued"], middle.value) == (60, 30, 0.5)
    assert (last.n, last.detail["continued"], last.value, last.target) == (30, 27, 0.9, 0.8)
    assert first.touchpoint == "home" and first.metric == "conversion" and first.source == "events"
    assert first.detail["segments"] == {"mobile": (50, 0.4), "desktop": (50, 0.8)}
    breakdown = [e.text for e in first.evidence if e.kind == "breakdown"]
    assert breakdown == ["By segment: mobile 40% continue (n=50); desktop 80% continue (n=50)."]
    assert "segments" not in middle.detail  # mobile has only 20 cases at product: too few to compare
    assert first.evidence[0].text.startswith("60% of 100 customers at Home page went on to Product page (40% dropped off)")
    assert last.detail["buy_rate_after"] == 1.0 and middle.detail["buy_rate_after"] == pytest.approx(0.9)


def test_money_at_stake_is_zero_on_target_and_positive_below():
    j = journey(FUNNEL_JOURNEY, FUNNEL_EDGES)
    # A conversion target the client set in the settings judges every step the journey gives none.
    ctx = make_ctx(aov=50.0, settings=settings_with({"metrics": {"conversion": {"target": 0.6}}}))
    signals = {s.edge: s for s in event_signals(build_funnel(_sessions(), j), j, ctx)}
    assert signals[("home", "product")].severity == 0.0  # exactly at the 60% target
    assert signals[("home", "product")].money_at_stake == 0.0
    assert signals[("checkout", "confirmation")].money_at_stake == 0.0  # above its 80% target
    below = signals[("product", "checkout")]
    funnel = build_funnel(_sessions(), j)
    expected = (0.6 - below.shrunk_value) * ctx.per_month(60, funnel.start, funnel.end) * 0.9 * 50.0
    assert below.money_at_stake == pytest.approx(expected) and below.money_at_stake > 0


# ---------------------------------------------------------------- feedback

FEEDBACK_JOURNEY = [
    {"id": "checkout", "name": "Checkout", "stage": "buy", "data": {"keywords": ["checkout", "payment", "card declined"]}},
    {"id": "delivery", "name": "Delivery", "stage": "receive", "data": {"keywords": ["late", "courier", "Delivery"]}},
]


def test_keywords_match_word_starts_only():
    j = journey(FEEDBACK_JOURNEY)
    texts = ["Loved the chocolate truffles", "I had to translate the checkout page", "It came LATE", "Lateness again",
             "Card declined twice", "The courier's van"]
    tagged = tag_feedback(pd.DataFrame({"text": texts}), j, make_ctx()).frame
    assert tagged["tags"].tolist() == [[], ["checkout"], ["delivery"], ["delivery"], ["checkout"], ["delivery"]]


def test_tone_counts_positive_minus_negative_cue_words():
    assert tone("Loved the chocolate") == 1
    assert tone("Late, broken and the courier was rude") == -3
    assert tone("Great service, thank you") == 2


def test_rating_overrides_tone_when_deciding_a_complaint():
    j = journey(FEEDBACK_JOURNEY)
    frame = pd.DataFrame({
        "text": ["Checkout was great, lovely", "Terrible, late and broken delivery", "Delivery late again", "Fine"],
        "rating": [1.0, 5.0, np.nan, 3.0],
    })
    tagged = tag_feedback(frame, j, make_ctx()).frame
    assert tagged["complaint"].tolist() == [True, False, True, False]


PRIVATE = [
    "Delivery was late. Call me on 07700 900123 please, the courier never came",
    "Courier late again!! ring +44 20 7946 0958 or email jane.doe+orders@example.co.uk",
    "Still waiting, late by a week. my mobile: +44 (0)7700-900-456, backup Tom.Smith@mail.example.com",
]


def test_feedback_signal_counts_complaints_and_redacts_every_quote():
    j = journey(FEEDBACK_JOURNEY)
    frame = pd.DataFrame({
        "text": PRIVATE + ["Loved the chocolate", "Payment failed at checkout", "Lovely courier, on time", "Nice"],
        "source": ["email", "email", "survey", "review", "review", "review", "review"],
    })
    ctx = make_ctx()
    signals = {s.touchpoint: s for s in feedback_signals(tag_feedback(frame, j, ctx), j, ctx)}
    delivery = signals["delivery"]
    assert (delivery.n, delivery.detail["complaints"], delivery.detail["mentions"]) == (7, 3, 4)
    assert delivery.value == pytest.approx(3 / 7)
    assert signals["checkout"].detail["complaints"] == 1
    quotes = [e.text for e in delivery.evidence if e.kind == "quote"]
    assert len(quotes) == 3 and all("[phone removed]" in q for q in quotes)
    assert any("Complaints by source: email 2, survey 1." == e.text for e in delivery.evidence)
    for text in all_evidence_text(signals.values()):
        assert not re.search(r"[\w.+-]+@[\w-]+\.", text), text
        assert re.search(r"\d(?:[\s().+-]{0,2}\d){8,}", text) is None, text
        for secret in ("07700 900123", "7946 0958", "7700-900-456", "example.co.uk", "jane.doe", "Tom.Smith"):
            assert secret not in text


@pytest.mark.parametrize("text, expected", [
    ("mail me at jane.doe+orders@example.co.uk today", "mail me at [e-mail removed] today"),
    ("JOHN_O'NEIL@Example.COM", "[e-mail removed]"),
    ("call 07700 900123.", "call [phone removed]."),
    ("call 07700900123", "call [phone removed]"),
    ("ring +44 20 7946 0958 now", "ring [phone removed] now"),
    ("ring 0044 20 7946 0958", "ring [phone removed]"),
    ("+44 (0)20 7946 0958", "[phone removed]"),
    ("US: 555.123.4567 or +1-555-123-4567", "US: [phone removed] or [phone removed]"),
])
def test_redact_removes_emails_and_phone_numbers(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", ["order 12345 arrived", "£1,234.56 refund", "on 12/03/2024", "2024-03-12", "3 of 4 items", "SKU AB-123-456"])
def test_redact_keeps_order_numbers_prices_and_dates(text):
    assert redact(text) == text


# ---------------------------------------------------------------- survey


def test_net_promoter_score_on_a_known_distribution():
    survey = pd.DataFrame({"recommend": [10, 10, 9, 9, 9, 8, 7, 6, 3, 0, np.nan]})
    nps = net_promoter_score(survey)
    assert (nps.promoters, nps.passives, nps.detractors, nps.n) == (5, 2, 3, 10)
    assert nps.score == pytest.approx(20.0)
    # Adjusted Wald: one pseudo-answer per group, 6/13 promoters and 4/13 detractors.
    p, d = 6 / 13, 4 / 13
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 13) * 100
    centre = (p - d) * 100
    assert (nps.ci_low, nps.ci_high) == pytest.approx((centre - half, centre + half))


def test_net_promoter_score_bounds_and_absence():
    assert net_promoter_score(pd.DataFrame({"overall": [4]})) is None
    assert net_promoter_score(pd.DataFrame({"recommend": [np.nan]})) is None
    everyone = net_promoter_score(pd.DataFrame({"recommend": [10.0] * 5}))
    assert everyone.score == 100.0 and everyone.ci_high == 100.0
    assert everyone.ci_low < 50  # five answers do not pin the score at 100
    few = net_promoter_score(pd.DataFrame({"recommend": [10.0, 10.0, 9.0]}))
    assert few.ci_high - few.ci_low > 50
    nobody = net_promoter_score(pd.DataFrame({"recommend": [0.0] * 5}))
    assert nobody.score == -100.0 and nobody.ci_low == -100.0


def test_survey_top2box_share_and_reach_from_answered_questions():
    j = journey([{"id": "support", "name": "Support", "stage": "after", "data": {"survey": ["Support (1-5)"]}}])
    survey = pd.DataFrame({"rating:Support (1-5)": [5, 4, 4, 3, 1, 2, 5, 4, np.nan, np.nan]})
    [signal] = survey_signals(survey, j, make_ctx())
    assert (signal.n, signal.value, signal.metric) == (8, 5 / 8, "top2box")
    assert signal.reach == pytest.approx(0.8)
    assert signal.detail["distribution"] == {1: 1, 2: 1, 3: 1, 4: 3, 5: 2}


@pytest.mark.parametrize(
    "text, kept, removed",
    [
        ("ring 0171/1234567 bitte", "bitte", "0171/1234567"),
        ("(555) 123-4567 any time", "any time", "123-4567"),
        ("on 2024-01-02 10:15 it broke", "2024-01-02 10:15", None),
        ("order 12/03/2026 14:30 was late", "12/03/2026 14:30", None),
        ("order JL-100001 was late", "JL-100001", None),
    ],
)
def test_redaction_takes_phones_and_leaves_dates_and_ids(text, kept, removed):
    from fixfirst.signals.redaction import redact

    out = redact(text)
    assert kept in out
    if removed:
        assert removed not in out and "[phone removed]" in out


@pytest.mark.parametrize("text", ["Ordered 12/03/2026 07700 900123 call me", "on 3/7/26 07700 900123", "2026-01-02 +44 20 7946 0958"])
def test_a_phone_right_after_a_date_is_still_redacted(text):
    from fixfirst.signals.redaction import redact

    out = redact(text)
    assert "[phone removed]" in out and "900123" not in out and "0958" not in out


def test_evidence_text_is_redacted_whatever_its_kind():
    from fixfirst.signals.base import Evidence

    assert Evidence("Return reason: call 07700 900123", kind="breakdown").text == "Return reason: call [phone removed]"
