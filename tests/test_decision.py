"""The decision's figures: the data's last day, the campaign's timing and advice, the dated plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fixfirst.decision.outcome import (CampaignAdvice, CampaignFigures, CampaignTiming, _advice, _timing, data_as_of,
                                       schedule_actions)
from fixfirst.decision.fix_plan import Action, FixPlan
from fixfirst.decision.verdict import FIX_FIRST, MARKET_WITH_LIMITS, NOT_ENOUGH_DATA, READY


def test_the_as_of_date_is_the_last_order_else_the_latest_day_any_source_covers():
    orders = pd.DataFrame({"ordered_at": pd.to_datetime(["2026-03-01 09:00", "2026-03-20 23:10"])})
    events = pd.DataFrame({"timestamp": pd.to_datetime(["2026-03-22 08:00"]).tz_localize("Europe/London")})
    stray = pd.DataFrame({"date": pd.to_datetime(["2026-04-30"])})  # one comment dated after the export
    # The orders set the date the capacity model and the campaign plan are judged from: a later comment does not move it.
    assert data_as_of({"orders": orders, "events": events, "feedback": stray}) == dt.date(2026, 3, 20)
    assert data_as_of({"events": events, "survey": pd.DataFrame({"submitted_at": [pd.NaT]}), "feedback": None}) == dt.date(2026, 3, 22)
    assert data_as_of({"orders": pd.DataFrame({"ordered_at": []})}) is None  # no dates at all


@pytest.mark.parametrize("start, end, timing", [
    ("2026-04-01", "2026-04-30", CampaignTiming.PLANNED),
    ("2026-03-01", "2026-04-30", CampaignTiming.RUNNING),
    ("2026-02-01", "2026-03-22", CampaignTiming.PAST),
])
def test_a_campaign_is_planned_running_or_past_relative_to_the_data(start, end, timing):
    assert _timing(dt.date.fromisoformat(start), dt.date.fromisoformat(end), dt.date(2026, 3, 22)) is timing


def _campaign(timing=CampaignTiming.PLANNED, uplift=0.3):
    return CampaignFigures("Spring", dt.date(2026, 4, 1), dt.date(2026, 4, 30), timing, uplift, 1000.0, 50.0, 0.1, None, None)


@pytest.mark.parametrize("status, campaign, advice", [
    (FIX_FIRST, _campaign(), CampaignAdvice.POSTPONE),
    (FIX_FIRST, None, CampaignAdvice.POSTPONE),
    (MARKET_WITH_LIMITS, _campaign(), CampaignAdvice.CAP),
    (MARKET_WITH_LIMITS, None, CampaignAdvice.WITHIN_HEADROOM),
    (READY, _campaign(), CampaignAdvice.GO),
    (READY, _campaign(CampaignTiming.PAST), CampaignAdvice.WITHIN_HEADROOM),  # a past plan is not judged as a plan
    (READY, _campaign(uplift=None), CampaignAdvice.WITHIN_HEADROOM),
    (NOT_ENOUGH_DATA, _campaign(), CampaignAdvice.WAIT_FOR_DATA),
])
def test_the_advice_follows_the_verdict_and_the_plan(status, campaign, advice):
    assert _advice(status, campaign) is advice


def _action(id_, kind, days):
    return Action(id_, "playbook", id_, "cause", kind, "low" if kind == "quick_win" else "high", days, [], "", 0.2, "Owner")


def test_the_plan_is_dated_30_60_90_days_from_the_as_of_date():
    plan = FixPlan("", quick_wins=[_action("q1", "quick_win", 2), _action("q2", "quick_win", None)],
                   systemic=[_action("big", "systemic", 40), _action("mid", "systemic", 10), _action("unknown", "systemic", None)])
    as_of = dt.date(2026, 3, 22)
    schedule = schedule_actions(plan, as_of, medium_effort_days=20)
    assert [(s.action.id, s.phase_days) for s in schedule] == [("q1", 30), ("q2", 30), ("mid", 60), ("big", 90), ("unknown", 90)]
    assert all(s.due == as_of + dt.timedelta(days=s.phase_days) for s in schedule)
    assert schedule_actions(None, as_of, 20) == []
