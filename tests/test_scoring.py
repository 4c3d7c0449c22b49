"""Weak-spot scoring: explainable, monotone, deterministic, and not fooled by small samples."""

from __future__ import annotations

import json
import shutil

import pytest
import pandas as pd
from hypothesis import given, settings as hsettings, strategies as st

from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.pipeline import run_audit
from fixfirst.present import formatter_for
from fixfirst.present.verdict_words import verdict_summary
from fixfirst.decision import FIX_FIRST, MARKET_WITH_LIMITS, READY, decide
from fixfirst.scoring import rank_weak_spots, score_touchpoint
from fixfirst.decision.outcome import CampaignAdvice, HeadroomBasis, make_decision
from fixfirst.decision.verdict import CapacityBasis
from fixfirst.present.score_json import ranking_payload
from fixfirst.config.settings import Settings
from fixfirst.signals import SignalSet
from fixfirst.signals.base import proportion_signal
from fixfirst.signals.context import SignalContext

from .conftest import write_tiny_engagement

SETTINGS = Settings()


def _signal(tp, metric="promise_breach", hits=10, n=100, higher=False, source="orders"):
    return proportion_signal(touchpoint=tp, metric=metric, label=metric, source=source, hits=hits, n=n,
                             higher_is_better=higher, settings=SETTINGS)


def _journey(*ids):
    return journey_from_spec(JourneySpec.model_validate({
        "stages": ["s"], "touchpoints": [{"id": i, "name": i.title(), "stage": "s"} for i in ids]}))


def _ranking(signals, *ids):
    journey = _journey(*ids)
    signal_set = SignalSet(signals, SignalContext(SETTINGS, None, None))
    return rank_weak_spots(journey, signal_set, SETTINGS)


def test_three_angry_answers_do_not_outrank_three_hundred():
    few = _signal("few", hits=3, n=3)  # 100% late, but only three orders
    many = _signal("many", hits=75, n=300)  # 25% late over three hundred
    ranking = _ranking([few, many], "few", "many")
    assert ranking.weak_spots[0].touchpoint.id == "many"
    assert ranking.for_touchpoint("few").score < ranking.for_touchpoint("many").score


@given(hits=st.integers(0, 200), extra=st.integers(1, 100), n=st.integers(200, 400))
@hsettings(max_examples=60, deadline=None)
def test_worse_signal_never_lowers_the_score(hits, extra, n):
    tp = _journey("a").touchpoint("a")
    base = score_touchpoint(tp, [_signal("a", hits=hits, n=n), _signal("a", "top2box", 70, 100, True, "survey")], SETTINGS)
    worse = score_touchpoint(tp, [_signal("a", hits=min(n, hits + extra), n=n), _signal("a", "top2box", 70, 100, True, "survey")], SETTINGS)
    assert worse.score >= base.score


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 100)), min_size=1, max_size=5))
@hsettings(max_examples=60, deadline=None)
def test_adding_an_agreeing_signal_never_lowers_severity(pairs):
    tp = _journey("a").touchpoint("a")
    signals = [_signal("a", hits=min(h, n), n=n) for h, n in pairs]
    for i in range(1, len(signals)):
        assert score_touchpoint(tp, signals[: i + 1], SETTINGS).severity >= score_touchpoint(tp, signals[:i], SETTINGS).severity
    assert 0 <= score_touchpoint(tp, signals, SETTINGS).score <= 100


def test_breakdown_shares_add_up_and_the_main_signal_leads():
    spot = score_touchpoint(_journey("a").touchpoint("a"),
                            [_signal("a", hits=40, n=200), _signal("a", "top2box", 60, 100, True, "survey")], SETTINGS)
    assert abs(sum(c.share for c in spot.contributions) - 1) < 1e-9
    assert spot.contributions[0].weighted_severity >= spot.contributions[1].weighted_severity
    assert spot.confidence == "high" and "agree" in spot.confidence_reason
    assert "survey data agree" in spot.headline


def test_on_target_touchpoint_is_not_a_weak_spot():
    ranking = _ranking([_signal("ok", hits=2, n=500)], "ok", "nodata")
    assert ranking.weak_spots == []
    assert [w.touchpoint.id for w in ranking.healthy] == ["ok"]
    assert [w.touchpoint.id for w in ranking.without_data] == ["nodata"]


def test_scoring_is_deterministic_and_ignores_row_order(tmp_path):
    folder = write_tiny_engagement(tmp_path / "a", late_every=3, checkout_drop_every=2)
    first = ranking_payload(run_audit(folder))
    assert ranking_payload(run_audit(folder)) == first
    for name in ("orders.csv", "events.csv", "feedback.csv"):
        frame = pd.read_csv(folder / name, dtype=str)
        frame.sample(frac=1, random_state=7).to_csv(folder / name, index=False)
    shuffled = ranking_payload(run_audit(folder))
    assert json.dumps(shuffled["touchpoints"], sort_keys=True) == json.dumps(first["touchpoints"], sort_keys=True)


def test_settings_override_changes_the_ranking(tmp_path):
    folder = write_tiny_engagement(tmp_path / "a", late_every=3, checkout_drop_every=2)
    before = run_audit(folder).ranking.for_touchpoint("delivery").score
    audit = folder / "audit.yaml"
    audit.write_text(audit.read_text() + "settings:\n  metrics:\n    promise_breach: {target: 0.5, critical_gap: 0.2, weight: 1.0}\n")
    assert run_audit(folder).ranking.for_touchpoint("delivery").score < before


def test_verdict_follows_its_rule(tmp_path):
    broken = run_audit(write_tiny_engagement(tmp_path / "broken", late_every=2, checkout_drop_every=2))
    assert broken.verdict.status == FIX_FIRST
    assert {w.touchpoint.id for w in broken.verdict.blocking} <= {w.touchpoint.id for w in broken.ranking.weak_spots}
    healthy = run_audit(write_tiny_engagement(tmp_path / "healthy", orders=200, campaign_uplift="10%"))
    assert healthy.ranking.weak_spots == []
    assert healthy.outlook.campaign_daily_orders <= healthy.outlook.safe_daily_orders
    assert healthy.verdict.status == READY


def test_without_a_campaign_to_test_the_verdict_sets_limits(tmp_path):
    result = run_audit(write_tiny_engagement(tmp_path / "nocampaign", orders=200))
    assert result.verdict.status == MARKET_WITH_LIMITS and not result.verdict.campaign_planned
    assert result.decision.advice.value == "within_headroom"
    summary = verdict_summary(result, formatter_for(result.engagement.audit.client))
    assert summary.startswith("No campaign is planned: keep any campaign to") and "extra orders a week" in summary


def test_too_few_orders_is_never_ready(tmp_path):
    result = run_audit(write_tiny_engagement(tmp_path / "few", orders=40, campaign_uplift="10%"))
    assert result.ranking.weak_spots == []
    assert result.verdict.status == "NOT ENOUGH DATA"


def test_campaign_beyond_proven_volume_means_market_with_limits(sample_audit):
    outlook = sample_audit.outlook
    assert outlook.campaign.name == "Autumn Launch"
    assert outlook.safe_daily_orders is not None
    assert outlook.campaign_daily_orders > outlook.safe_daily_orders and outlook.campaign_breaks_promise
    calm = type(sample_audit.ranking)([])  # no weak spots at all: only capacity speaks
    verdict = decide(calm, outlook, SETTINGS)
    assert verdict.status == MARKET_WITH_LIMITS and verdict.capacity_basis is CapacityBasis.PROJECTION
    decision = make_decision(verdict, calm, outlook, None, sample_audit.as_of, 6, 20)
    assert decision.advice is CampaignAdvice.CAP
    room = outlook.simulation.headroom
    assert decision.headroom.extra_orders_per_week == pytest.approx(room.extra_orders_per_week)
    # Without the simulation, the history bands still give the limit.
    outlook.simulation, kept = None, outlook.simulation
    try:
        verdict = decide(calm, outlook, SETTINGS)
        assert verdict.status == MARKET_WITH_LIMITS and verdict.capacity_basis is CapacityBasis.HISTORY
        decision = make_decision(verdict, calm, outlook, None, sample_audit.as_of, 6, 20)
        assert decision.headroom.basis is HeadroomBasis.HISTORY and decision.advice is CampaignAdvice.CAP
    finally:
        outlook.simulation = kept


def test_sample_capacity_outlook_matches_the_planted_spike(sample_audit):
    outlook = sample_audit.outlook
    assert 20 <= outlook.baseline_daily_orders <= 28
    assert abs(outlook.campaign_daily_orders - outlook.baseline_daily_orders * 1.6) < 1e-6
    assert outlook.projected_breach_rate > outlook.breach_target
    busiest = outlook.bands[-1]
    assert busiest.breach_rate == max(b.breach_rate for b in outlook.bands) > 0.15  # the Summer Sale backlog
    assert all(b.kept_promise(outlook.breach_target) for b in outlook.bands if b.high <= outlook.safe_daily_orders)


def test_a_volume_between_two_bands_is_read_against_the_busier_one():
    from fixfirst.capacity.outlook import CapacityOutlook, VolumeBand, _project

    quiet = VolumeBand(10, 20, 30, 400, 8, 0.02, 0.01, 0.04)
    busy = VolumeBand(22, 40, 30, 900, 180, 0.2, 0.17, 0.23)
    outlook = CapacityOutlook(15.0, 60, 1300, bands=[quiet, busy], safe_daily_orders=20)
    _project(outlook, 21.0)
    assert outlook.projected_breach_rate == 0.2
    _project(outlook, 5.0)
    assert outlook.projected_breach_rate == 0.02 and "below every day on record" in outlook.projection_basis
    _project(outlook, 50.0)
    assert outlook.projected_breach_rate == 0.2 and outlook.projection_basis.startswith("untested")


def test_healthy_sample_variant_is_ready_to_market(tmp_path, sample_dir):
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", sample_dir.parent / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    folder = tmp_path / "healthy"
    generate.generate(folder, healthy=True)
    for name in ("audit.yaml", "journey.yaml"):
        shutil.copy(sample_dir / name, folder / name)
    result = run_audit(folder)
    assert result.verdict.status == READY, result.verdict.capacity_basis
    assert result.ranking.weak_spots == []


def test_orders_without_delivery_dates_do_not_invent_breaches(tmp_path):
    folder = write_tiny_engagement(tmp_path / "nodates", late_every=3)
    orders = pd.read_csv(folder / "orders.csv").drop(columns=["Delivered At"])
    orders.to_csv(folder / "orders.csv", index=False)
    result = run_audit(folder)
    assert not [s for s in result.signals.signals if s.metric == "promise_breach"]
    assert result.outlook is None
    assert result.verdict.status == "NOT ENOUGH DATA"  # nothing blocks, but without deliveries it is never READY


def test_feedback_with_missing_sources_and_categories_is_summarised(tmp_path):
    folder = write_tiny_engagement(tmp_path / "sources", late_every=2)
    (folder / "feedback.csv").write_text("Date,Source,Text\n" + "".join(
        f"2026-03-{10 + i:02d},{'' if i % 3 == 0 else 'review'},Delivery was late again\n" for i in range(12)))
    result = run_audit(folder)
    complaints = next(s for s in result.signals.signals if s.metric == "complaint_share" and s.touchpoint == "delivery")
    line = next(e.text for e in complaints.evidence if e.text.startswith("Complaints by source"))
    assert "unknown 4" in line and "review 8" in line


def test_the_planned_campaign_is_chosen_once_for_money_and_capacity(sample_audit):
    outlook = sample_audit.outlook
    assert outlook is not None and outlook.campaign is not None
    for spot in sample_audit.ranking.weak_spots:
        assert spot.money.campaign == outlook.campaign.name
    if outlook.simulation is not None and outlook.simulation.demand.campaign is not None:
        assert outlook.simulation.demand.campaign.name == outlook.campaign.name
