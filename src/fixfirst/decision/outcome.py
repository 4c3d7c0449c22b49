"""The decision: what to do with the planned campaign, the one headroom, the money at stake, and the dated fix plan.

Every headline figure of the report is computed here once, as a number with its basis; the presentation layer turns
them into words and the report, the CLI and the JSON all read them from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd

from ..capacity import CapacityOutlook
from ..scoring import Ranking
from .fix_plan import Action, FixPlan
from .verdict import FIX_FIRST, MARKET_WITH_LIMITS, NOT_ENOUGH_DATA, READY, Verdict


class CampaignAdvice(str, Enum):
    """What to do with the planned campaign (or with marketing in general when none is planned)."""

    POSTPONE = "postpone"  # fix first: do not launch until the blocking weak spots are fixed
    CAP = "cap"  # market with limits: keep the campaign's extra orders within the headroom
    GO = "go"  # ready: the planned campaign fits what operations carry
    WITHIN_HEADROOM = "within_headroom"  # no campaign planned: any campaign should stay within the headroom
    WAIT_FOR_DATA = "wait_for_data"  # not enough data to clear the business


class CampaignTiming(str, Enum):
    """Where the campaign's dates lie relative to the audit's as-of date (the data's last day)."""

    PLANNED = "planned"  # starts after the as-of date
    RUNNING = "running"  # started on or before the as-of date and not over
    PAST = "past"  # ended on or before the as-of date: history, not a plan


class HeadroomBasis(str, Enum):
    PROJECTION = "projection"  # the day-by-day model, trusted because it reproduced recent history (its backtest)
    HISTORY = "history"  # the order history's daily volume bands


@dataclass(frozen=True)
class HeadroomFigure:
    """The extra demand operations carry within the promise target, from one model."""

    basis: HeadroomBasis
    status: str  # found | over_target (no headroom) | beyond_search (more than `uplift`) | unknown (no volume kept the promise)
    uplift: float | None  # share of the usual volume (0.25 = +25%)
    extra_orders_per_week: float | None
    lower_bound: bool = False  # the team never showed its limit: "at least"
    breaks_first: str | None = None  # the step that falls behind first beyond the headroom

    def to_dict(self) -> dict[str, Any]:
        return {"basis": self.basis.value, "status": self.status,
                "uplift": None if self.uplift is None else round(self.uplift, 4),
                "extra_orders_per_week": None if self.extra_orders_per_week is None else round(self.extra_orders_per_week, 1),
                "lower_bound": self.lower_bound, "breaks_first": self.breaks_first}


@dataclass(frozen=True)
class CampaignFigures:
    """The planned (or latest) campaign as the decision judges it."""

    name: str
    start: dt.date
    end: dt.date
    timing: CampaignTiming
    uplift: float | None
    spend: float | None
    extra_orders_per_week: float | None  # usual weekly volume × uplift
    late_share: float | None  # projected share of the campaign's orders that miss the promise (the decision's model)
    late_basis: HeadroomBasis | None
    late_share_cross_check: float | None  # the other model's figure, shown as a cross-check in the appendix
    dates_passed: bool = False  # planned after the data ends, but over by the day the audit was prepared

    def to_dict(self) -> dict[str, Any]:
        def r(x, digits=4):
            return None if x is None else round(float(x), digits)
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat(), "timing": self.timing.value,
                "uplift": r(self.uplift), "spend": r(self.spend, 2), "extra_orders_per_week": r(self.extra_orders_per_week, 1),
                "late_share": r(self.late_share), "late_basis": None if self.late_basis is None else self.late_basis.value,
                "late_share_cross_check": r(self.late_share_cross_check), "dates_passed": self.dates_passed}


@dataclass(frozen=True)
class ScheduledAction:
    """A fix-plan action placed in the 30/60/90-day plan, dated from the day the plan starts (`Decision.plan_start`)."""

    action: Action
    phase_days: int  # 30, 60 or 90
    due: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.action.id, "title": self.action.title, "owner": self.action.owner, "phase_days": self.phase_days,
                "due": self.due.isoformat(), "effort": self.action.effort,
                "estimated_money_per_month": round(self.action.estimated_money, 2),
                "kpi": None if self.action.kpi is None else self.action.kpi.label}


@dataclass(frozen=True)
class Decision:
    """Page one of the report, as numbers."""

    status: str  # the verdict
    advice: CampaignAdvice
    as_of: dt.date  # the data's last day: the audit judges the business as of this date
    as_of_known: bool  # False when the data holds no dates (as_of is then the day the audit was prepared)
    plan_start: dt.date  # the day the plan's 30/60/90 days count from: the day the audit was prepared, never before as_of
    usual_orders_per_week: float | None
    headroom: HeadroomFigure | None
    headroom_cross_check: HeadroomFigure | None  # the other model, labelled as a cross-check in the appendix
    campaign: CampaignFigures | None
    money_at_stake_per_month: float | None  # sum over the ranked weak spots the data can price; None when it prices none
    money_at_stake_during_campaign_per_month: float | None  # the same weak spots with the campaign's extra customers
    schedule: list[ScheduledAction] = field(default_factory=list)

    def __repr__(self) -> str:
        # One line: the generated repr would print the whole dated plan, each action with its weak spots.
        room = self.headroom
        if room is None:
            head = "no headroom figure"
        elif room.uplift is None:
            head = f"headroom {room.status} ({room.basis.value})"
        else:
            head = f"headroom +{room.uplift:.0%}{' or more' if room.lower_bound else ''} ({room.basis.value})"
        money = self.money_at_stake_per_month
        stake = "money not measurable" if money is None else f"{money:,.0f} a month at stake"
        campaign = f" for {self.campaign.name[:40]!r}" if self.campaign is not None else ""  # a name from a data sheet
        return (f"<Decision {self.status} as of {self.as_of.isoformat()}: {self.advice.value}{campaign}; {head}; {stake}; "
                f"{len(self.schedule)} actions scheduled>")

    @property
    def first_actions(self) -> list[ScheduledAction]:
        return self.schedule[:3]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "advice": self.advice.value,
            "as_of": self.as_of.isoformat(),
            "as_of_known": self.as_of_known,
            "plan_start": self.plan_start.isoformat(),
            "usual_orders_per_week": None if self.usual_orders_per_week is None else round(self.usual_orders_per_week, 1),
            "headroom": None if self.headroom is None else self.headroom.to_dict(),
            "headroom_cross_check": None if self.headroom_cross_check is None else self.headroom_cross_check.to_dict(),
            "campaign": None if self.campaign is None else self.campaign.to_dict(),
            "money_at_stake_per_month": None if self.money_at_stake_per_month is None else round(self.money_at_stake_per_month, 2),
            "money_at_stake_during_campaign_per_month": (None if self.money_at_stake_during_campaign_per_month is None
                                                         else round(self.money_at_stake_during_campaign_per_month, 2)),
            "first_actions": [s.to_dict() for s in self.first_actions],
            "schedule": [s.to_dict() for s in self.schedule],
        }


# Quick wins land in the first 30 days; a systemic change of up to `fix_plan.medium_effort_days` by day 60; larger by 90.
PHASE_QUICK, PHASE_MEDIUM, PHASE_LONG = 30, 60, 90


def data_as_of(frames: dict[str, pd.DataFrame | None]) -> dt.date | None:
    """The last day the client's data covers: the latest order (the day the capacity model and the campaign plan are
    judged from), else the latest event, survey answer or feedback item; None when the data holds no dates.

    Orders come first on their own: one stray comment dated after the export must not move the audit's date.
    """
    order_end = _latest(frames, {"orders": "ordered_at"})
    if order_end is not None:
        return order_end
    return _latest(frames, {"events": "timestamp", "survey": "submitted_at", "feedback": "date"})


def _latest(frames: dict[str, pd.DataFrame | None], columns: dict[str, str]) -> dt.date | None:
    last: pd.Timestamp | None = None
    for kind, column in columns.items():
        frame = frames.get(kind)
        if frame is None or column not in frame or frame.empty:
            continue
        stamp = pd.to_datetime(frame[column], errors="coerce").max()
        if pd.notna(stamp):
            stamp = pd.Timestamp(stamp)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_localize(None)
            last = stamp if last is None or stamp > last else last
    return None if last is None else last.date()


def schedule_actions(plan: FixPlan | None, start: dt.date, medium_effort_days: float) -> list[ScheduledAction]:
    """Quick wins within 30 days, systemic changes within 60 or 90 by their effort, in the plan's order."""
    if plan is None:
        return []
    out = []
    for action in plan.actions:
        if action.quick_win:
            phase = PHASE_QUICK
        elif action.days is not None and action.days <= medium_effort_days:
            phase = PHASE_MEDIUM
        else:
            phase = PHASE_LONG
        out.append(ScheduledAction(action, phase, start + dt.timedelta(days=phase)))
    return sorted(out, key=lambda s: s.phase_days)  # stable: the plan's order within a phase


def _usual_week(outlook: CapacityOutlook | None, working_days_per_week: int) -> float | None:
    if outlook is None:
        return None
    sim = outlook.simulation
    if sim is not None:
        return float(sim.headroom.baseline_orders_per_week)
    return float(outlook.baseline_daily_orders) * working_days_per_week


def _history_headroom(outlook: CapacityOutlook, usual_week: float | None) -> HeadroomFigure:
    safe, usual = outlook.safe_daily_orders, outlook.baseline_daily_orders
    if safe is None or not usual:
        return HeadroomFigure(HeadroomBasis.HISTORY, "unknown", None, None)
    uplift = max(0.0, safe / usual - 1.0)
    status = "found" if uplift > 0 else "over_target"
    # The extra orders are the uplift on the decision's one usual week, so "+X% on a usual N a week" always adds up.
    extra = None if usual_week is None else uplift * usual_week
    return HeadroomFigure(HeadroomBasis.HISTORY, status, uplift, extra,
                          lower_bound=uplift > 0 and safe >= max(b.high for b in outlook.bands))


def _projection_headroom(outlook: CapacityOutlook) -> HeadroomFigure | None:
    sim = outlook.simulation
    if sim is None:
        return None
    room = sim.headroom
    lower = any(s.lower_bound for s in sim.steps)
    if room.status == "over_target":
        return HeadroomFigure(HeadroomBasis.PROJECTION, "over_target", 0.0, 0.0, False, room.breaks_first)
    return HeadroomFigure(HeadroomBasis.PROJECTION, room.status, float(room.uplift), float(room.extra_orders_per_week),
                          lower or room.status == "beyond_search", None if lower else room.breaks_first)


def _timing(start: dt.date, end: dt.date, as_of: dt.date) -> CampaignTiming:
    if end <= as_of:
        return CampaignTiming.PAST
    return CampaignTiming.RUNNING if start <= as_of else CampaignTiming.PLANNED


def _campaign(outlook: CapacityOutlook | None, usual_week: float | None, trusted: bool, as_of: dt.date,
              prepared_on: dt.date) -> CampaignFigures | None:
    if outlook is None or outlook.campaign is None:
        return None
    plan = outlook.campaign
    sim = outlook.simulation
    projected = sim.campaign_breach_share if sim is not None else None
    history = outlook.projected_breach_rate
    late, cross = (projected, history) if trusted else (history, projected)
    basis = None if late is None else HeadroomBasis.PROJECTION if trusted else HeadroomBasis.HISTORY
    uplift = outlook.uplift
    extra = None if uplift is None or usual_week is None else usual_week * uplift
    start, end = plan.start.date(), plan.end.date()
    timing = _timing(start, end, as_of)
    return CampaignFigures(plan.name, start, end, timing, uplift, plan.spend, extra, late, basis, cross,
                           dates_passed=timing is CampaignTiming.PLANNED and end < prepared_on)


def _advice(status: str, campaign: CampaignFigures | None) -> CampaignAdvice:
    if status == FIX_FIRST:
        return CampaignAdvice.POSTPONE
    if status == NOT_ENOUGH_DATA:
        return CampaignAdvice.WAIT_FOR_DATA
    if campaign is None or campaign.timing is CampaignTiming.PAST or campaign.uplift is None:
        return CampaignAdvice.WITHIN_HEADROOM
    return CampaignAdvice.CAP if status == MARKET_WITH_LIMITS else CampaignAdvice.GO


def make_decision(verdict: Verdict, ranking: Ranking, outlook: CapacityOutlook | None, plan: FixPlan | None,
                  as_of: dt.date | None, working_days_per_week: int, medium_effort_days: float,
                  prepared_on: dt.date | None = None) -> Decision:
    """The figures page one shows, each computed once from the verdict, the ranking, the capacity assessment and the plan."""
    assert verdict.status in (FIX_FIRST, MARKET_WITH_LIMITS, READY, NOT_ENOUGH_DATA)
    prepared_on = prepared_on or dt.date.today()
    as_of_known = as_of is not None
    as_of = as_of if as_of is not None else prepared_on
    plan_start = max(as_of, prepared_on)
    usual = _usual_week(outlook, working_days_per_week)
    trusted = outlook is not None and outlook.simulation is not None and outlook.simulation.reproduces_history
    headroom = cross = None
    if outlook is not None:
        history = _history_headroom(outlook, usual)
        projection = _projection_headroom(outlook)
        headroom, cross = (projection, history) if trusted else (history, projection)
    campaign = _campaign(outlook, usual, trusted, as_of, prepared_on)
    spots = ranking.weak_spots
    priced = [w for w in spots if w.money.measured]
    # No weak spot: nothing is at stake (0). Weak spots the data cannot price: not measurable (None), never a false 0.
    money_now = sum(w.money_at_stake for w in priced) if priced or not spots else None
    during = None
    campaign_priced = [r for w in priced if (r := w.money.campaign_revenue_per_month) is not None]
    if campaign is not None and campaign.timing is not CampaignTiming.PAST and (campaign.uplift or 0) > 0 and campaign_priced:
        during = sum(campaign_priced)
    return Decision(verdict.status, _advice(verdict.status, campaign), as_of, as_of_known, plan_start, usual, headroom, cross,
                    campaign, money_now, during, schedule_actions(plan, plan_start, medium_effort_days))
