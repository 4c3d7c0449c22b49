"""Capacity against demand: the forecast, capacity per step, the simulated campaign, headroom, verdict, CLI and report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from fixfirst.capacity import PlannedCampaign
from fixfirst.capacity.demand import forecast_demand, lead_demand, parse_uplift
from fixfirst.capacity.kpis import marketing_ops_kpis
from fixfirst.capacity.steps import inferred_steps, steps_from_sheet
from fixfirst.cli import app
from fixfirst.config.engagement import Promise
from fixfirst.pipeline import run_audit
from fixfirst.report import render_html
from fixfirst.present import formatter_for
from fixfirst.present.verdict_words import verdict_reasons
from fixfirst.decision import FIX_FIRST, MARKET_WITH_LIMITS, READY
from fixfirst.config.settings import Settings
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.orders import order_facts

from .conftest import write_tiny_engagement

SETTINGS = Settings()
PROMISE = Promise(description="Two working days", business_days=2, public_holidays=False)
CALENDAR = WorkingCalendar.from_promise(PROMISE)
runner = CliRunner()


def _facts(daily_counts, start="2026-01-05", ship_per_day=None, seed=0) -> pd.DataFrame:
    """Orders at 10:00 per calendar day; dispatch FIFO at `ship_per_day` a working day (unlimited when None); next-day delivery."""
    rng = np.random.default_rng(seed)
    rows, queue = [], []
    days = pd.date_range(start, periods=len(daily_counts), freq="D")
    n = 0
    for day, count in zip(days, daily_counts):
        for _ in range(int(count)):
            rows.append({"order_id": f"O{n}", "customer_id": f"C{rng.integers(0, 10**6)}", "ordered_at": day + pd.Timedelta(hours=10),
                         "status": "delivered", "value": 30.0})
            queue.append(n)
            n += 1
        if day.day_of_week < 5:
            take = len(queue) if ship_per_day is None else min(len(queue), ship_per_day)
            for i in queue[:take]:
                rows[i]["shipped_at"] = day + pd.Timedelta(hours=16)
                rows[i]["delivered_at"] = day + pd.Timedelta(days=1, hours=12)
            queue = queue[take:]
    frame = pd.DataFrame(rows)
    for column in ("shipped_at", "delivered_at"):
        frame[column] = pd.to_datetime(frame.get(column))
    return order_facts(frame, SignalContext(SETTINGS, PROMISE, CALENDAR))


@pytest.mark.parametrize("text, value", [("40%", 0.4), ("0.4", 0.4), ("12.5 %", 0.125), ("-10%", -0.1), ("150%", 1.5)])
def test_uplift_reads_percentages_and_fractions(text, value):
    assert parse_uplift(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["40", "forty", "", "-95%"])
def test_uplift_refuses_ambiguous_or_impossible_values(text):
    with pytest.raises(ValueError):
        parse_uplift(text)


def test_forecast_keeps_the_weekday_pattern_and_applies_the_campaign_on_its_dates():
    # Mondays bring twice a usual day, no trend: 12 weeks of history.
    counts = [40 if d % 7 == 0 else 20 for d in range(84)]
    facts = _facts(counts)
    campaign = PlannedCampaign("Push", pd.Timestamp("2026-04-06"), pd.Timestamp("2026-04-12"), 0.5, None, None)
    forecast = forecast_demand(facts, None, campaign, SETTINGS)
    assert forecast.weekday_factors["Mon"] == pytest.approx(40 / (160 / 7), rel=1e-6)
    assert forecast.trend_per_week == 0
    monday = pd.Timestamp("2026-04-06")
    assert forecast.baseline[monday] == pytest.approx(2 * forecast.baseline[monday + pd.Timedelta(days=1)])
    assert forecast.expected[monday] == pytest.approx(1.5 * forecast.baseline[monday])
    before = forecast.expected.index < monday
    assert (forecast.expected[before] == forecast.baseline[before]).all()  # the uplift lands on its own dates only
    assert forecast.uplift_source == "the campaign plan"
    override = forecast_demand(facts, None, campaign, SETTINGS, uplift=0.1)
    assert override.expected[monday] == pytest.approx(1.1 * override.baseline[monday]) and override.uplift_source == "given on the command line"


def test_forecast_applies_a_significant_trend_and_ignores_noise():
    rng = np.random.default_rng(4)
    growing = [round(20 * (1.03 ** (d / 7)) + rng.normal(0, 1)) for d in range(84)]
    forecast = forecast_demand(_facts(growing), None, None, SETTINGS)
    assert forecast.trend_per_week == pytest.approx(0.03, abs=0.01) and forecast.trend_p_value < 0.05
    flat = [20 + int(rng.integers(-3, 4)) for _ in range(84)]
    forecast = forecast_demand(_facts(flat), None, None, SETTINGS)
    assert forecast.trend_per_week == 0 and forecast.trend_p_value >= 0.05


def test_capacity_sheet_gives_units_per_day_or_staff_hours_times_rate_and_dated_days():
    horizon = pd.date_range("2026-05-04", periods=7, freq="D")
    sheet = pd.DataFrame({
        "step": ["Pick", "Pack", "Pack", "Ship", "Ship", "Ghost"],
        "date": [pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-05-04"), pd.Timestamp("2026-05-05"), pd.NaT],
        "units_per_day": [50, np.nan, np.nan, 30, 60, np.nan],
        "staff_hours": [np.nan, 8, 4, np.nan, np.nan, np.nan],
        "units_per_staff_hour": [np.nan, 5, 5, np.nan, np.nan, np.nan],
    })
    steps, notes = steps_from_sheet(sheet, horizon)
    by_name = {s.step.name: s for s in steps}
    assert list(by_name) == ["Pick", "Pack", "Ship"]
    assert by_name["Pick"].per_day == 50 and by_name["Pick"].basis == "capacity sheet"
    assert by_name["Pack"].per_day == 60  # two staff rows: 8 h × 5 + 4 h × 5
    ship = np.asarray(by_name["Ship"].step.capacity)
    assert list(ship[:2]) == [30, 60] and (ship[2:] == 45).all()  # undated days take the median
    assert any("Ghost" in n for n in notes)


def test_capacity_is_what_the_team_dispatched_on_the_days_it_ended_behind():
    # 30 orders every day against a step that dispatches 25 a working day: a real backlog builds, so capacity shows.
    facts = _facts([30] * 56, ship_per_day=25)
    (step,), notes = inferred_steps(facts, CALENDAR, SETTINGS)
    assert step.basis == "inferred from history" and step.method == "days behind" and not step.lower_bound
    assert step.per_day == pytest.approx(25) and step.weekday_capacity[:5] == pytest.approx((25,) * 5)
    assert step.weekday_capacity[5:] == (0.0, 0.0)  # nothing is ever dispatched at the weekend
    assert step.step.handoff_days == 0  # the trip to the door is the delivery model's, not a fixed handoff
    assert step.evidence_days == step.behind_days >= SETTINGS.capacity.min_history_days
    # A quiet shop never showed its limit: every working day can do at least what its busiest day did.
    quiet = _facts([10] * 56)
    (step,), notes = inferred_steps(quiet, CALENDAR, SETTINGS)
    assert step.lower_bound and step.method == "busiest day" and "lower bound" in step.detail
    assert step.weekday_capacity == (30, 30, 30, 30, 30, 0, 0)  # Monday ships Saturday's, Sunday's and Monday's ten


def test_leads_give_conversion_per_channel_and_days_to_a_deal():
    created = pd.date_range("2026-01-01", periods=100, freq="D")
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(100)], "created_at": created,
                          "channel": ["paid"] * 60 + ["organic"] * 40,
                          "won_at": [created[i] + pd.Timedelta(days=10) if i % 5 == 0 else pd.NaT for i in range(100)]})
    view = lead_demand(leads, Settings.model_validate({"capacity": {"min_leads_per_channel": 30}}))
    assert view.leads == 100 and view.deals == 20 and view.conversion == pytest.approx(0.2)
    assert view.median_days_to_deal == 10 and set(view.by_channel) == {"paid", "organic"}


def test_sample_campaign_breaks_the_promise_and_the_verdict_gives_the_headroom(sample_audit):
    sim = sample_audit.outlook.simulation
    assert sim is not None and sim.step_basis == "inferred from history"
    assert sim.campaign_breaks_promise and sim.campaign_breach_share > 0.3
    assert sim.baseline.projection.breach_share <= sim.breach_target  # today's volume is carried
    assert sim.headroom.status == "found" and 0 < sim.headroom.uplift < sim.demand.uplift
    assert sim.campaign.projection.lead_time.p85 > PROMISE.business_days >= sim.baseline.projection.lead_time.p85
    # Both sides of Little's law agree up to the window's edges (a few orders straddle them).
    assert sim.campaign.projection.littles_law.relative_difference < 0.1
    assert sim.reproduces_history and sim.backtest.status == "passed"
    verdict = sample_audit.verdict
    assert verdict.status == FIX_FIRST
    reasons = verdict_reasons(sample_audit, formatter_for(sample_audit.engagement.audit.client))
    assert any(r.startswith("Headroom: about") for r in reasons)
    assert any("Autumn Launch" in r and "of the campaign's orders" in r for r in reasons)


def _with_capacity_sheet(tmp_path, units: int, uplift: str | None = "20%"):
    folder = write_tiny_engagement(tmp_path / f"cap{units}", orders=120, campaign_uplift=uplift,
                                   extra_audit="  - kind: capacity\n    file: capacity.csv\n")
    # The tiny engagement's audit.yaml ends with its sources list, so the capacity source joins it.
    (folder / "capacity.csv").write_text(f"Step,Units per day\nPick and pack,{units}\n")
    return folder


def test_a_capacity_sheet_that_history_contradicts_is_not_trusted(tmp_path):
    # One order a day, seven a week, all delivered next day; the sheet says one a working day. The projection has no
    # headroom, but replaying the last four weeks through it cannot reproduce the on-time deliveries that happened.
    folder = _with_capacity_sheet(tmp_path, units=1)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text() + "settings:\n  simulation: {backtest_min_orders: 20}\n")
    result = run_audit(folder)
    sim = result.outlook.simulation
    assert sim.step_basis == "capacity sheet" and sim.steps[0].per_day == 1
    assert sim.headroom.status == "over_target"
    assert sim.backtest.status == "failed" and "late_share" in sim.backtest.failed and not sim.reproduces_history
    assert sim.backtest.observed_late == 0 and sim.backtest.projected_late > 0.5
    # Observed orders decide: nothing was late, so operations do not already miss the promise; the bands set the limit.
    assert result.verdict.status != FIX_FIRST
    reasons = verdict_reasons(result, formatter_for(result.engagement.audit.client))
    assert any("could not reproduce the last 4 weeks" in r for r in reasons)
    assert not any(r.startswith("No headroom: at today's volume") for r in reasons)
    assert result.decision.headroom.basis.value == "history"
    html = HTMLParser(render_html(result))
    assert "does not reproduce history" in html.css_first("#capacity-not-reproduced").text().lower()
    backtest = html.css_first("#capacity-backtest")
    assert backtest.attributes["class"] == "backtest-failed" and "late share" in backtest.text()
    # The order history is the decision's basis and comes first; the projection follows, labelled as the cross-check.
    assert html.css_first("#capacity-history h3").text() == "The order history: the decision's basis"
    assert html.css_first("#capacity-projection h3").text().startswith("Cross-check:")
    cross = html.css_first("#capacity-projection #capacity-cross-check").text()
    assert "Headroom by this projection: none" in cross and "Why the decision does not use it" in cross


def test_a_roomy_capacity_sheet_clears_the_campaign(tmp_path):
    folder = _with_capacity_sheet(tmp_path, units=50)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text() + "settings:\n  simulation: {backtest_min_orders: 20}\n")
    result = run_audit(folder)
    sim = result.outlook.simulation
    assert sim.step_basis == "capacity sheet" and not sim.campaign_breaks_promise
    assert sim.reproduces_history and sim.delivery.basis == "clock start to doorstep"  # no dispatch dates in this export
    assert result.verdict.status in (READY, MARKET_WITH_LIMITS)
    assert result.verdict.status == READY or result.ranking.weak_spots == []


def test_marketing_and_operations_kpis_sit_side_by_side(sample_audit):
    kpis = {k.name: k for k in sample_audit.outlook.kpis}
    cost = kpis["Acquisition cost"]
    assert cost.side == "marketing" and cost.n > 0 and cost.value > 0
    facts = sample_audit.signals.order_facts
    assert kpis["On-time rate"].value == pytest.approx(1 - facts.loc[facts["assessable"], "late"].mean())
    assert {k.side for k in sample_audit.outlook.kpis} == {"marketing", "operations"}
    again = marketing_ops_kpis(facts, sample_audit.data.frame("campaigns"), None)
    assert [k.to_dict() for k in again] == [k.to_dict() for k in sample_audit.outlook.kpis]


def test_capacity_command_prints_json_with_the_uplift_given(sample_dir):
    result = runner.invoke(app, ["capacity", str(sample_dir), "--uplift", "15%", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["schema"] == "fixfirst.capacity/2"
    sim = payload["simulation"]
    assert sim["demand"]["uplift"] == 0.15 and sim["demand"]["uplift_source"] == "given on the command line"
    assert sim["campaign_breach_share"] < json.loads(runner.invoke(app, ["capacity", str(sample_dir), "--json"]).stdout)["simulation"]["campaign_breach_share"]


def test_capacity_command_refuses_an_ambiguous_uplift(sample_dir):
    result = runner.invoke(app, ["capacity", str(sample_dir), "--uplift", "40"])
    assert result.exit_code == 2
    assert "40%" in result.output


def test_capacity_command_prints_steps_projection_backtest_and_verdict(sample_dir):
    result = runner.invoke(app, ["capacity", str(sample_dir)])
    assert result.exit_code == 0, result.output
    assert "Pick and pack" in result.stdout and "Headroom: about" in result.stdout and "Verdict: FIX FIRST" in result.stdout
    assert "the model reproduces history" in result.stdout and "observed (n=" in result.stdout


def test_report_shows_the_projection_chart_headroom_and_kpis(sample_audit):
    html = HTMLParser(render_html(sample_audit))
    assert len(html.css("#capacity-steps tbody tr")) == len(sample_audit.outlook.simulation.steps)
    assert html.css_first("#capacity-scenarios .scenario-campaign") is not None
    chart = html.css_first("svg.lead-chart")
    assert chart.css_first("polyline.line-campaign") is not None and chart.css_first("polyline.line-baseline") is not None
    assert chart.css_first("line.promise") is not None and chart.css_first("rect.campaign-band") is not None
    assert html.css_first("#headroom").text().strip().startswith("Headroom: about")
    assert html.css_first("#capacity-not-reproduced") is None
    backtest = html.css_first("#capacity-backtest")
    assert "reproduces history" in backtest.text() and backtest.attributes["class"] == "backtest-passed"
    test = sample_audit.outlook.simulation.backtest
    assert f"{test.projected_late:.1%}" in backtest.css_first(".backtest-projected").text()
    assert f"{test.observed_late:.1%}" in backtest.css_first(".backtest-observed").text()
    bars = backtest.css_first("svg.backtest-chart")
    assert bars.css_first("polyline.line-observed") is not None and bars.css_first("polyline.line-projected") is not None
    assert len(bars.css("circle.dot-observed")) == len(test.weeks) and bars.css_first("line.target") is not None
    assert "not the projection, decide whether operations already miss the promise" in html.css_first("#capacity-observed").text()
    kpis = html.css_first("#marketing-ops-kpis").text()
    assert "Cost per new customer" in kpis and "Spend on past campaigns" in kpis  # the past spend is never read as the plan's
    assert "Backtest:" in html.css_first("#method-capacity-projection").text()


def test_headroom_reads_like_a_campaign_uplift(sample_dir, sample_audit):
    """Just below the headroom the campaign meets the target; just above, it does not (the same days, the same measure)."""
    room = sample_audit.outlook.simulation.headroom
    assert room.status == "found"
    below = run_audit(sample_dir, uplift=room.uplift).outlook.simulation
    above = run_audit(sample_dir, uplift=room.failing_uplift).outlook.simulation
    assert below.campaign_breach_share <= room.breach_target < above.campaign_breach_share
    assert below.measured_days == "campaign days"


def test_an_uplift_without_a_planned_campaign_is_measured_over_the_whole_window(tmp_path):
    folder = write_tiny_engagement(tmp_path / "nocamp", orders=120, extra_audit="  - kind: capacity\n    file: capacity.csv\n")
    (folder / "capacity.csv").write_text("Step,Units per day\nPick and pack,2\n")
    result = run_audit(folder, uplift=3.0)  # four times the usual one order a day against two a working day
    sim = result.outlook.simulation
    assert sim.measured_days == "whole window" and sim.campaign_breaks_promise
    assert result.verdict.status != READY


def test_a_roster_for_the_coming_campaign_is_used_not_dropped_as_future(tmp_path):
    folder = _with_capacity_sheet(tmp_path, units=50)
    future = pd.Timestamp.today().normalize() + pd.Timedelta(days=400)
    (folder / "capacity.csv").write_text(f"Step,Date,Units per day\nPick and pack,{future:%Y-%m-%d},3\nPick and pack,,50\n")
    result = run_audit(folder)
    assert not [p for p in result.data.problems if p.code == "value.in_future"]
    assert result.outlook.simulation.step_basis == "capacity sheet"


def test_a_zero_capacity_row_without_a_date_is_reported(tmp_path):
    folder = _with_capacity_sheet(tmp_path, units=0)
    from fixfirst.pipeline import check_engagement

    problems = [p for p in check_engagement(folder).data.problems if p.code == "value.zero_capacity"]
    assert len(problems) == 1 and problems[0].row == 2


def test_a_planned_campaign_that_already_ended_is_history(sample_dir):
    from fixfirst.capacity import planned_campaign

    campaigns = pd.DataFrame({"name": ["Old"], "start": [pd.Timestamp("2026-09-01")], "end": [pd.Timestamp("2026-09-10")],
                              "status": pd.array(["Planned"], dtype="string"), "uplift": [0.5]})
    assert planned_campaign(campaigns, pd.Timestamp("2026-09-30")) is None
    assert planned_campaign(campaigns, pd.Timestamp("2026-09-05")).name == "Old"  # still running: it is the one to plan for


def test_without_dispatch_dates_the_reason_is_given_and_the_uplift_still_counts(tmp_path):
    folder = write_tiny_engagement(tmp_path / "nodispatch", orders=120, campaign_uplift="10%")
    result = run_audit(folder, uplift=2.0)
    outlook = result.outlook
    assert outlook.simulation is None and "dispatch dates" in outlook.simulation_skipped
    assert outlook.uplift == 2.0 and outlook.campaign_daily_orders == pytest.approx(outlook.baseline_daily_orders * 3)
    shown = runner.invoke(app, ["capacity", str(folder), "--uplift", "200%"])
    assert shown.exit_code == 0 and "No day-by-day projection" in shown.stdout


def test_client_text_with_markup_is_printed_as_text(tmp_path, sample_dir):
    import shutil

    folder = tmp_path / "markup"
    shutil.copytree(sample_dir, folder)
    audit = (folder / "audit.yaml").read_text().replace("name: Juniper & Lark", 'name: "[/] Acme [link=http://x]y"', 1)
    (folder / "audit.yaml").write_text(audit)
    for command in ("score", "capacity"):
        result = runner.invoke(app, [command, str(folder)])
        assert result.exit_code == 0, result.output
    assert "[/] Acme [link=http://x]y" in runner.invoke(app, ["score", str(folder)]).stdout


def test_the_weekly_trend_test_matches_scipy_linregress():
    from scipy.stats import linregress

    from fixfirst.capacity.demand import _weekly_trend

    rng = np.random.default_rng(11)
    daily = pd.Series(rng.poisson(20 + np.arange(84) * 0.05), index=pd.date_range("2026-01-05", periods=84, freq="D"), dtype=float)
    applied, observed, p_value = _weekly_trend(daily, 0.95)
    weekly = daily.resample("W-SUN").sum()
    reference = linregress(np.arange(len(weekly)), weekly.to_numpy())
    assert observed == pytest.approx(reference.slope / weekly.mean()) and p_value == pytest.approx(reference.pvalue)
