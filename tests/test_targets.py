"""Where targets come from (journey, settings, benchmark, baseline), step kinds, segment gaps, mix shifts and activity conversion."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixfirst.config.engagement import Client, Promise
from fixfirst.journey.kinds import infer_kind, words
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.config.settings import Settings, settings_with
from fixfirst.signals.base import TargetBasis
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.events import build_funnel, event_signals
from fixfirst.signals.process import process_map
from fixfirst.signals.strata import holm
from fixfirst.signals.targets import Edge, load_benchmarks, resolve_target

ROOT = Path(__file__).resolve().parents[1]
PROMISE = Promise(description="Two working days", business_days=2, public_holidays=False)


def ctx(settings: Settings | None = None, business_type: str = "unknown", sector: str = "general", aov: float | None = None) -> SignalContext:
    return SignalContext(settings or Settings(), PROMISE, WorkingCalendar.from_promise(PROMISE), average_order_value=aov,
                         business_type=business_type, sector=sector)


def journey(touchpoints: list[dict], transitions: list[dict]):
    for tp in touchpoints:
        tp.setdefault("stage", "web")
        tp.setdefault("name", tp["id"].replace("_", " ").title())
    return journey_from_spec(JourneySpec.model_validate({"stages": ["web"], "touchpoints": touchpoints, "transitions": transitions}))


def sessions(n: int, steps: list[tuple[str, np.ndarray]], *, days: float = 140, seed: int = 0, columns: dict | None = None,
             start: str = "2024-01-01") -> pd.DataFrame:
    """`n` cases spread evenly over `days`; `steps` lists (activity, whether each case reached it); the times follow
    the list order a minute apart. `columns` adds per-case segment columns."""
    first = pd.Timestamp(start) + pd.to_timedelta(np.linspace(0, days, n, endpoint=False), unit="D")
    parts = []
    for k, (activity, reached) in enumerate(steps):
        rows = np.flatnonzero(reached)
        part = {"case_id": pd.array([f"c{i}" for i in rows], dtype="string"), "activity": activity,
                "timestamp": first[rows] + pd.Timedelta(minutes=k)}
        for name, values in (columns or {}).items():
            part[name] = np.asarray(values)[rows]
        parts.append(pd.DataFrame(part))
    frame = pd.concat(parts, ignore_index=True).sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True)
    frame["activity"] = frame["activity"].astype("category")
    return frame


# ---------------------------------------------------------------- step kinds


@pytest.mark.parametrize("identifier, name, events, orders, kind", [
    ("home", "Website home page", [], [], "landing"),
    ("pdp", "", [], [], "product"),
    ("AddToCart", "", [], [], "basket"),
    ("pick_pack", "Stock and picking", [], ["stock", "dispatch"], "fulfilment"),
    ("unboxing", "Packaging and product in hand", [], [], "unboxing"),  # the id speaks before the name's "product"
    ("repeat", "Next purchase", [], [], "repeat"),
    ("purchase", "Order placed", [], [], "confirmation"),
    ("step_3", "Step three", ["shipping_details"], [], "checkout"),  # "shipping details" is a checkout page
    ("team", "Shipping team", [], ["dispatch"], "dispatch"),  # a bare "shipping" names nothing; the orders decide
    ("x", "X", ["payment_submitted", "order_placed"], [], "confirmation"),  # the longest phrase wins
    ("payment", "Payment", ["payment_submitted", "order_placed"], [], "payment"),
    ("widget", "Widget", [], [], "other"),
    ("catalogue", "", [], [], "category"),
])
def test_kind_is_inferred_from_whole_words_of_the_id_then_the_name_then_the_events(identifier, name, events, orders, kind):
    assert infer_kind(identifier, name, events, orders) == kind


def test_words_split_ids_names_and_camel_case_alike():
    assert words("add_to_cart") == words("AddToCart") == words("Add to cart") == ["add", "to", "cart"]
    assert infer_kind("cartography") == "other"  # whole words only: "cart" is not in "cartography"


def test_a_written_kind_wins_over_the_words():
    j = journey([{"id": "basket_builder", "kind": "product", "data": {"events": ["b"]}}, {"id": "home", "data": {"events": ["h"]}}], [])
    assert (j.touchpoint("basket_builder").kind, j.touchpoint("basket_builder").kind_inferred) == ("product", False)
    assert (j.touchpoint("home").kind, j.touchpoint("home").kind_inferred) == ("landing", True)


def test_client_business_type_and_sector_are_checked():
    assert Client(name="x").business_type == "unknown" and Client(name="x").sector == "general"
    assert Client(name="x", business_type="online-shop", sector="apparel").sector == "apparel"
    with pytest.raises(ValueError):
        Client(name="x", business_type="shop")


# ---------------------------------------------------------------- resolution order and the benchmark table

STEPS = [{"id": "checkout", "data": {"events": ["checkout"]}}, {"id": "payment", "data": {"events": ["payment"]}}]


def test_target_comes_from_the_journey_then_settings_then_benchmark_then_baseline():
    j = journey([dict(s) for s in STEPS], [{"from": "checkout", "to": "payment", "target_conversion": 0.85}])
    edge = Edge.of(j, j.transitions[0])
    checkout = j.touchpoint("checkout")
    chosen = resolve_target("conversion", checkout, edge, ctx())
    assert (chosen.value, chosen.basis, chosen.note) == (0.85, TargetBasis.JOURNEY, "set in the journey file for checkout -> payment")

    j = journey([dict(STEPS[0], targets={"conversion": 0.7}), dict(STEPS[1])], [{"from": "checkout", "to": "payment"}])
    edge, checkout = Edge.of(j, j.transitions[0]), j.touchpoint("checkout")
    assert resolve_target("conversion", checkout, edge, ctx()).basis is TargetBasis.JOURNEY
    assert resolve_target("conversion", checkout, edge, ctx()).value == 0.7

    j = journey([dict(s) for s in STEPS], [{"from": "checkout", "to": "payment"}])
    edge, checkout = Edge.of(j, j.transitions[0]), j.touchpoint("checkout")
    written = settings_with({"metrics": {"conversion": {"target": 0.5}}})
    assert resolve_target("conversion", checkout, edge, ctx(written)).basis is TargetBasis.SETTINGS
    # The settings default (none for conversion) and an unrelated override do not count as a chosen target.
    other = settings_with({"metrics": {"conversion": {"weight": 0.5}}})
    chosen = resolve_target("conversion", checkout, edge, ctx(other, "online-shop"))
    assert (chosen.value, chosen.basis) == (0.30, TargetBasis.BENCHMARK)
    assert chosen.note.startswith("benchmark: checkout -> payment, online shop; typical 50% (Littledata 2023")
    # No benchmark for a local service's web steps, nor when benchmarks are turned off: its own history judges it.
    for settings, business in ((Settings(), "local-service"), (settings_with({"targets": {"benchmarks": False}}), "online-shop")):
        chosen = resolve_target("conversion", checkout, edge, ctx(settings, business))
        assert chosen.value is None and chosen.basis is TargetBasis.BASELINE and chosen.note.startswith("baseline:")


def test_order_metrics_resolve_by_business_type_and_sector():
    tp = journey([{"id": "returns", "data": {"orders": ["returns"]}}], []).touchpoint("returns")
    apparel = resolve_target("returns", tp, None, ctx(business_type="online-shop", sector="apparel"))
    assert (apparel.value, apparel.basis) == (0.40, TargetBasis.BENCHMARK) and "Coresight Research 2023" in apparel.note
    # No published figure measured the way fixfirst counts returns outside apparel: the settings default, said to be one.
    general = resolve_target("returns", tp, None, ctx(business_type="online-shop"))
    assert (general.value, general.basis) == (Settings().metrics.returns.target, TargetBasis.DEFAULT)
    assert general.note.startswith("general planning default")
    # A target written in audit.yaml, or on the touchpoint, beats the benchmark.
    written = settings_with({"metrics": {"returns": {"target": 0.12}}})
    assert resolve_target("returns", tp, None, ctx(written, "online-shop", "apparel")).basis is TargetBasis.SETTINGS
    own = journey([{"id": "returns", "data": {"orders": ["returns"]}, "targets": {"returns": 0.2}}], []).touchpoint("returns")
    assert resolve_target("returns", own, None, ctx(business_type="online-shop", sector="apparel")).basis is TargetBasis.JOURNEY


def test_settings_mark_only_what_audit_yaml_wrote():
    settings = settings_with({"metrics": {"conversion": {"target": 0.5}}, "scoring": {"shrinkage_strength": 20}})
    assert settings.metrics.conversion.model_fields_set == {"target"}
    assert settings.metrics.returns.model_fields_set == set() and settings.process.model_fields_set == set()
    assert Settings().metrics.returns.model_fields_set == set()
    assert Settings().metrics.conversion.target is None


def test_benchmark_rows_are_lower_planning_targets_with_cited_sources_in_the_docs():
    table = load_benchmarks()
    doc = (ROOT / "docs" / "settings.md").read_text()
    assert table.find("conversion", "online-shop", "general", "product", "basket").target == 0.04
    assert table.find("conversion", "local-service", "general", "product", "basket") is None
    assert table.find("conversion", "unknown", "general", "product", "payment") is None  # no published figure: baseline
    for row in table.rows:
        higher_is_better = row.metric == "conversion"
        # Lower than typical for at-least metrics, higher for at-most ones: a normal business is not flagged.
        assert (row.target < row.typical) if higher_is_better else (row.target > row.typical), row
        for source in row.sources:
            assert source.publisher.split(" (")[0] in doc and str(source.year) in doc, source.id
        if row.source_kind:
            line = re.search(rf"^\| {row.source_kind} -> {row.target_kind} \| ([0-9.]+) \|", doc, re.M)
            assert line and float(line.group(1)) == row.target, (row.source_kind, row.target_kind)


# ---------------------------------------------------------------- baseline: worse and stays worse, not a blip

PLAIN = journey([{"id": "step_a", "data": {"events": ["a"]}}, {"id": "step_b", "data": {"events": ["b"]}}], [{"from": "step_a", "to": "step_b"}])


def _baseline_log(rate_of_day, n=6000, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = np.linspace(0, 140, n, endpoint=False)
    return sessions(n, [("a", np.ones(n, bool)), ("b", rng.random(n) < np.vectorize(rate_of_day)(day))])


def test_a_step_without_target_or_benchmark_is_judged_on_its_own_history():
    drop = _baseline_log(lambda d: 0.6 if d < 112 else 0.45)  # the last four weeks lose 15 points
    [signal] = event_signals(build_funnel(drop, PLAIN), PLAIN, ctx())
    assert signal.basis is TargetBasis.BASELINE and signal.basis_note.startswith("baseline: its own level before")
    assert signal.value == pytest.approx(0.45, abs=0.04) and signal.target == pytest.approx(0.6, abs=0.03)
    assert signal.n < 1500 and signal.severity > 0.3  # n: the recent cases
    assert signal.detail["baseline"]["worse"] and "it got worse and stays worse" in signal.evidence[1].text


def test_a_blip_or_a_steady_step_is_not_a_drop():
    blip = _baseline_log(lambda d: 0.3 if 113 <= d < 120 else 0.6)  # one bad week inside the last four
    steady = _baseline_log(lambda d: 0.6)
    for log, words_said in ((blip, "a blip rather than a lasting drop"), (steady, "")):
        [signal] = event_signals(build_funnel(log, PLAIN), PLAIN, ctx())
        assert signal.basis is TargetBasis.BASELINE and signal.severity == 0.0 and signal.money_at_stake == 0.0
        assert words_said in signal.evidence[1].text
    # A log too short to compare is measured, not judged.
    short = sessions(150, [("a", np.ones(150, bool)), ("b", np.arange(150) % 2 == 0)], days=20)
    [signal] = event_signals(build_funnel(short, PLAIN), PLAIN, ctx())
    assert signal.target == signal.value == 0.5 and signal.severity == 0.0 and "not judged" in signal.basis_note


# ---------------------------------------------------------------- a change of mix is not a drop

def _mix_shift_log(seed=3, n=8000, with_type=True) -> pd.DataFrame:
    """New visitors go on 20% of the time, returning ones 50%, always; new visitors are 80% of the first ten weeks'
    cases and 20% of the last ten."""
    rng = np.random.default_rng(seed)
    late = np.arange(n) >= n // 2
    new = rng.random(n) < np.where(late, 0.2, 0.8)
    went_on = rng.random(n) < np.where(new, 0.2, 0.5)
    columns = {"visitor_type": np.where(new, "new", "returning")} if with_type else None
    return sessions(n, [("a", np.ones(n, bool)), ("b", went_on)], columns=columns)


def test_a_shift_in_the_mix_of_new_and_returning_visitors_is_not_an_incident():
    with_type, without = _mix_shift_log(), _mix_shift_log(with_type=False)
    # Seen as one crowd, the first ten weeks look abnormal; within visitor types nothing changed.
    assert process_map(without, PLAIN, Settings()).drop_off_periods
    pm = process_map(with_type, PLAIN, Settings())
    assert pm.drop_off_periods == []
    signals = event_signals(build_funnel(with_type, PLAIN), PLAIN, ctx(), pm)
    assert [s.metric for s in signals] == ["conversion"] and signals[0].severity == 0.0
    # The last four weeks, compared with before at today's mix, did not get worse either.
    assert abs(signals[0].target - signals[0].value) < 0.04 and not signals[0].detail["baseline"]["worse"]


def test_an_incident_is_a_scored_signal_with_its_dates_and_segment():
    n = 8000
    rng = np.random.default_rng(5)
    day = np.linspace(0, 140, n, endpoint=False)
    mobile = rng.random(n) < 0.5
    broken = mobile & (day >= 70) & (day < 84)  # two weeks from 11 Mar 2024 when mobile cases mostly fail
    went_on = rng.random(n) < np.where(broken, 0.15, 0.7)
    log = sessions(n, [("a", np.ones(n, bool)), ("b", went_on)], columns={"segment": np.where(mobile, "mobile", "desktop")})
    j = journey([{"id": "checkout", "data": {"events": ["a"]}}, {"id": "payment", "data": {"events": ["b"]}}], [{"from": "checkout", "to": "payment"}])
    pm = process_map(log, j, Settings())
    signals = event_signals(build_funnel(log, j), j, ctx(aov=40.0), pm)
    [incident] = [s for s in signals if s.metric == "incident"]
    assert incident.touchpoint == "checkout" and incident.edge == ("checkout", "payment") and incident.basis is TargetBasis.BASELINE
    assert (incident.detail["start"], incident.detail["end"]) == ("2024-03-11", "2024-03-24")
    assert incident.detail["carriers"] == ["mobile (device)"] and not incident.detail["ongoing"]
    assert incident.value < 0.5 and incident.target == pytest.approx(0.7, abs=0.03) and incident.severity > 0.5
    assert 0.05 < incident.reach < 0.15 and incident.money_at_stake > 0 and incident.extra_purchases_per_month > 0
    assert "mostly mobile" in incident.evidence[0].text


# ---------------------------------------------------------------- segment gaps


def _segment_log(seed: int, mobile_rate: float, n: int = 6000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    device = rng.choice(["desktop", "mobile", "tablet"], n, p=[0.4, 0.45, 0.15])
    channel = rng.choice(["organic", "paid", "email", "social", "direct"], n)
    at_b = rng.random(n) < np.where(device == "mobile", mobile_rate, 0.6)
    at_c = at_b & (rng.random(n) < 0.5)
    return sessions(n, [("a", np.ones(n, bool)), ("b", at_b), ("c", at_c)], seed=seed, columns={"segment": device, "channel": channel})


CHAIN = journey([{"id": "step_a", "data": {"events": ["a"]}}, {"id": "step_b", "data": {"events": ["b"]}},
                 {"id": "step_c", "data": {"events": ["c"]}}],
                [{"from": "step_a", "to": "step_b", "target_conversion": 0.3}, {"from": "step_b", "to": "step_c", "target_conversion": 0.3}])


def test_a_segment_far_below_the_rest_is_a_scored_gap():
    funnel = build_funnel(_segment_log(11, mobile_rate=0.38), CHAIN)
    [gap] = [s for s in event_signals(funnel, CHAIN, ctx(aov=50.0)) if s.metric == "segment_gap"]
    assert (gap.touchpoint, gap.edge, gap.detail["segment"], gap.detail["dimension"]) == ("step_a", ("step_a", "step_b"), "mobile", "segment")
    assert gap.basis is TargetBasis.SEGMENT and gap.value == pytest.approx(0.38, abs=0.03) and gap.target == pytest.approx(0.6, abs=0.03)
    assert gap.reach == pytest.approx(0.45, abs=0.03) and gap.n == int(funnel.segment.eq("mobile").sum())
    assert gap.severity > 0.5 and gap.money_at_stake > 0 and "Holm" in gap.evidence[0].text
    # A milder gap, below the minimum in points and in proportion, is no signal.
    mild = build_funnel(_segment_log(11, mobile_rate=0.53), CHAIN)
    assert not [s for s in event_signals(mild, CHAIN, ctx()) if s.metric == "segment_gap"]


def test_holm_keeps_false_segment_gaps_rare_on_noise():
    # Every segment converts alike; without the effect-size minimums only the multiple-comparison control stands
    # between 16 comparisons a business and a false gap. Over 40 businesses, Holm at 5% should flag about 2;
    # testing each comparison at 5% alone would flag most of them.
    settings = settings_with({"targets": {"segment_min_gap": 0.0, "segment_min_relative_gap": 0.0}})
    flagged = naive = 0
    for seed in range(40):
        funnel = build_funnel(_segment_log(100 + seed, mobile_rate=0.6, n=3000), CHAIN)
        signals = event_signals(funnel, CHAIN, ctx(settings))
        flagged += any(s.metric == "segment_gap" for s in signals)
        from fixfirst.signals.segment_gaps import segment_tests

        naive += any(t.comparison.p_value <= 0.05 for t in segment_tests(funnel, CHAIN, ctx(settings)))
    assert flagged <= 5 and naive >= 20


def test_holm_steps_down():
    assert holm([0.001, 0.02, 0.04, 0.3], 0.05) == [True, False, False, False]  # 0.02 > 0.05 / 3
    assert holm([0.001, 0.012, 0.02, 0.04], 0.05) == [True, True, True, True]
    assert holm([], 0.05) == []


# ---------------------------------------------------------------- conversion inside one touchpoint


def test_conversion_between_activities_inside_a_touchpoint_is_measured():
    n = 2000
    rng = np.random.default_rng(9)
    submitted = rng.random(n) < 0.8
    placed = submitted & (rng.random(n) < 0.5)  # half of submitted payments never become an order
    log = sessions(n, [("checkout", np.ones(n, bool)), ("payment_submitted", submitted), ("order_placed", placed)])
    j = journey([{"id": "checkout", "data": {"events": ["checkout"]}},
                 {"id": "payment", "data": {"events": ["payment_submitted", "order_placed"]}}],
                [{"from": "checkout", "to": "payment", "target_conversion": 0.7}])
    signals = event_signals(build_funnel(log, j), j, ctx(business_type="online-shop"))
    [step] = [s for s in signals if s.metric == "conversion"]
    assert step.severity == 0.0  # the touchpoint as a whole is reached: the drop inside it is invisible here
    [inside] = [s for s in signals if s.metric == "activity_conversion"]
    assert inside.touchpoint == "payment" and inside.edge is None and inside.detail["activities"] == ("payment_submitted", "order_placed")
    assert inside.n == int(submitted.sum()) and inside.value == pytest.approx(placed.sum() / submitted.sum())
    # payment -> confirmation by the activities' own words: the payment benchmark judges it.
    assert inside.basis is TargetBasis.BENCHMARK and inside.target == 0.60 and inside.severity > 0
    assert "payment -> confirmation" in inside.basis_note


def test_alternative_ways_into_a_step_are_not_a_sequence():
    n = 400
    home = np.arange(n) % 2 == 0
    log = sessions(n, [("home", home), ("landing", ~home), ("product", np.ones(n, bool))])
    j = journey([{"id": "entry", "data": {"events": ["home", "landing"]}}, {"id": "product", "data": {"events": ["product"]}}],
                [{"from": "entry", "to": "product"}])
    assert [s.metric for s in event_signals(build_funnel(log, j), j, ctx())] == ["conversion"]


def test_a_step_within_its_target_that_got_worse_is_read_against_its_own_history_too():
    targeted = journey([{"id": "step_a", "data": {"events": ["a"]}}, {"id": "step_b", "data": {"events": ["b"]}}],
                       [{"from": "step_a", "to": "step_b", "target_conversion": 0.3}])
    drop = _baseline_log(lambda d: 0.6 if d < 112 else 0.4)  # well above its 30% target, but a third fewer go on lately
    signals = event_signals(build_funnel(drop, targeted), targeted, ctx())
    judged, own = signals
    assert judged.basis is TargetBasis.JOURNEY and judged.severity == 0.0
    assert own.basis is TargetBasis.BASELINE and own.severity > 0.3 and own.edge == judged.edge
    # A small dip is significant on this much data, but not material: no second reading.
    dip = _baseline_log(lambda d: 0.6 if d < 112 else 0.55)
    assert [s.basis for s in event_signals(build_funnel(dip, targeted), targeted, ctx())] == [TargetBasis.JOURNEY]
