"""The campaign question answered by simulation: demand forecast, capacity per step, projected lead times, headroom."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ..config import Promise, Settings, WorkingCalendar
from .backtest import Backtest, run_backtest
from .delivery import DeliveryDelay, delivery_delay, joint_delay
from .demand import DemandForecast, forecast_demand, lead_demand
from .dispatch import dispatch_history
from .flow import DemandPlan, run_flow
from .headroom import Headroom, headroom, measured_breach_share
from .outlook import PlannedCampaign, RecentOrders
from .projection import LeadTime, Projection, json_safe, summarise
from .steps import StepCapacity, inferred_steps, open_orders, steps_from_sheet


class NoProjection(Exception):
    """Why no day-by-day projection could be made, in words for the report and the command line."""


@dataclass
class DailyLead:
    """Projected working days from order to doorstep by the day the order is placed (over all simulated futures)."""

    dates: list[pd.Timestamp]
    p50: list[float]
    p85: list[float]
    breach_share: list[float]

    def __repr__(self) -> str:
        # One line: the generated repr prints four lists a day long.
        span = f" from {self.dates[0].date().isoformat()}" if self.dates else ""
        return f"<DailyLead: {len(self.dates)} days{span}>"

    def to_dict(self) -> dict:
        return json_safe({"dates": [d.date().isoformat() for d in self.dates], "p50": self.p50, "p85": self.p85,
                          "breach_share": self.breach_share})


@dataclass
class Scenario:
    """One projected future: the baseline (no campaign) or the campaign."""

    name: str
    projection: Projection = field(repr=False)  # its steps and figures in full; the breach share below sums it up
    daily: DailyLead
    breach_share_campaign_days: float  # over orders placed while the campaign runs (the whole window without one)
    lead_time_campaign_days: LeadTime  # the same orders' lead-time percentiles

    def to_dict(self) -> dict:
        return {"name": self.name, "breach_share_campaign_days": round(self.breach_share_campaign_days, 4),
                "lead_time_campaign_days": json_safe(asdict(self.lead_time_campaign_days)),
                "projection": self.projection.to_dict(), "daily": self.daily.to_dict()}


@dataclass
class CampaignProjection:
    """Everything `fixfirst capacity` reports, computed from the engagement's own data."""

    steps: list[StepCapacity]
    step_basis: str  # capacity sheet | inferred from history
    demand: DemandForecast
    baseline: Scenario
    campaign: Scenario | None
    headroom: Headroom
    breach_target: float
    promise_days: int
    start_backlog: float
    delivery: DeliveryDelay | None  # working days from the team to the door (None without delivery dates)
    backtest: Backtest | None  # the model replaying the last weeks of real orders (None without delivery outcomes)
    recent: RecentOrders | None  # what those weeks' in-stock orders actually did
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        # One line: the generated repr prints the demand series, every scenario's daily arrays and the headroom search.
        late = self.campaign_breach_share
        campaign = "" if late is None else f", {late:.1%} late with the campaign"
        test = "no backtest" if self.backtest is None else f"backtest {self.backtest.status}"
        room = self.headroom
        head = {"over_target": "no headroom", "beyond_search": f"headroom over +{room.uplift:.0%}"}.get(room.status, f"headroom +{room.uplift:.0%}")
        return (f"<CampaignProjection: {len(self.steps)} step{'s' * (len(self.steps) != 1)} ({self.step_basis}), {self.baseline.breach_share_campaign_days:.1%} "
                f"late at baseline{campaign} (target {self.breach_target:.0%}), {head}, {test}>")

    @property
    def reproduces_history(self) -> bool:
        """The backtest passed: the projection may speak for the verdict."""
        return self.backtest is not None and self.backtest.passed

    @property
    def observed_recent_breach(self) -> float | None:
        return None if self.recent is None else self.recent.late_share

    @property
    def observed_recent_n(self) -> int:
        return 0 if self.recent is None else self.recent.orders

    @property
    def measured_days(self) -> str:
        """Which orders the late shares and headroom count: the campaign's own days, or the whole window."""
        return "campaign days" if len(self.demand.campaign_days) else "whole window"

    @property
    def campaign_breach_share(self) -> float | None:
        return None if self.campaign is None else self.campaign.breach_share_campaign_days

    @property
    def campaign_breaks_promise(self) -> bool:
        share = self.campaign_breach_share
        return share is not None and share > self.breach_target

    def summary(self) -> dict:
        """The headline figures, for `score --json`: no daily arrays."""
        def lead(s):  # over the same orders as the late share: the campaign's own days
            return None if s is None else {"p50": s.lead_time_campaign_days.p50, "p85": s.lead_time_campaign_days.p85,
                                           "p95": s.lead_time_campaign_days.p95}
        test = self.backtest
        return json_safe({
            "step_basis": self.step_basis,
            "steps": [s.to_dict() for s in self.steps],
            "campaign": self.demand.campaign.name if self.demand.campaign else None,
            "uplift": self.demand.uplift,
            "measured_days": self.measured_days,
            "baseline_breach_share": self.baseline.breach_share_campaign_days,
            "campaign_breach_share": self.campaign_breach_share,
            "campaign_breaks_promise": self.campaign_breaks_promise,
            "baseline_lead_time": lead(self.baseline),
            "campaign_lead_time": lead(self.campaign),
            # The search behind the projection's headroom (its runs and boundary); the headroom itself is capacity.headroom.
            "headroom_search": {k: v for k, v in self.headroom.to_dict().items() if k != "trials"},
            "observed_recent_breach": self.observed_recent_breach,
            "reproduces_history": self.reproduces_history,
            "backtest": None if test is None else {k: v for k, v in test.to_dict().items() if k != "weeks"},
        })

    def to_dict(self) -> dict:
        return json_safe({
            "step_basis": self.step_basis,
            "steps": [s.to_dict() for s in self.steps],
            "promise_days": self.promise_days,
            "breach_target": self.breach_target,
            "start_backlog": self.start_backlog,
            "delivery": None if self.delivery is None else self.delivery.to_dict(),
            "demand": self.demand.to_dict(),
            "baseline": self.baseline.to_dict(),
            "campaign": None if self.campaign is None else self.campaign.to_dict(),
            "measured_days": self.measured_days,
            "campaign_breach_share": self.campaign_breach_share,
            "campaign_breaks_promise": self.campaign_breaks_promise,
            "headroom_search": self.headroom.to_dict(),
            "observed_recent_breach": self.observed_recent_breach,
            "observed_recent_n": self.observed_recent_n,
            "reproduces_history": self.reproduces_history,
            "backtest": None if self.backtest is None else self.backtest.to_dict(),
            "notes": self.notes,
        })


def project_campaign(facts: pd.DataFrame, campaigns: pd.DataFrame | None, campaign: PlannedCampaign | None,
                     capacity_sheet: pd.DataFrame | None, leads: pd.DataFrame | None, deals: pd.DataFrame | None,
                     settings: Settings, calendar: WorkingCalendar, promise: Promise, *,
                     uplift: float | None = None, recent: RecentOrders | None = None) -> CampaignProjection:
    """Forecast demand over the campaign window, simulate it through the steps, search the headroom, and backtest the
    model on the last weeks of real orders (`recent`: their observed outcome).

    Raises NoProjection, with the reason, when no demand can be forecast or no step can be modelled.
    """
    lead_view = lead_demand(_join_deals(leads, deals), settings)
    demand = forecast_demand(facts, campaigns, campaign, settings, uplift=uplift, leads=lead_view, calendar=calendar)
    if demand is None or demand.expected.empty:
        raise NoProjection("no live orders with an order date to forecast demand from")
    horizon = demand.expected.index
    notes: list[str] = list(demand.notes)
    if capacity_sheet is not None and len(capacity_sheet):
        steps, step_notes = steps_from_sheet(capacity_sheet, horizon)
        basis = "capacity sheet"
    else:
        steps, step_notes = inferred_steps(facts, calendar, settings)
        basis = "inferred from history"
    notes += step_notes
    if not steps:
        raise NoProjection("; ".join(step_notes) or "no operational step could be modelled: add a capacity sheet, or orders with dispatch dates")
    # After the last step, each order takes the lag and transit the data shows to reach the door (by weekday).
    history = dispatch_history(facts, calendar, settings)
    shape = steps[0].weekday_capacity if basis == "inferred from history" else None
    delivery = delivery_delay(history, settings, shape) if history is not None else joint_delay(facts, calendar, settings)
    operational = [s.operational(horizon, calendar) for s in steps]
    backlog = {operational[0].name: open_orders(facts)}
    options = settings.simulation
    target = settings.metrics.promise_breach.fixed_target("promise_breach")
    campaign_days = demand.campaign_days
    # Late shares and the headroom count the orders the campaign itself brings: those whose clock starts on its dates.
    measured = np.asarray(horizon.isin(campaign_days)) if len(campaign_days) else np.ones(len(horizon), dtype=bool)
    table = None if delivery is None else delivery.table

    def scenario(name: str, expected: pd.Series) -> Scenario:
        plan = DemandPlan(horizon[0], demand.ready(expected), dispersion=demand.dispersion)
        flow = run_flow(operational, plan, calendar, promise.business_days, start_backlog=backlog, runs=options.runs,
                        seed=options.seed, drain_days=options.drain_days, delivery=table)
        projection = summarise(flow, operational, plan, promise.business_days, options.runs, options.seed, options)
        return Scenario(name, projection, _daily_lead(flow, horizon), measured_breach_share(flow, measured),
                        _lead_time(flow, measured))

    baseline = scenario("baseline", demand.baseline)
    projected = scenario("campaign", demand.expected) if demand.uplift is not None else None
    # The headroom adds +u of the baseline on the same days the campaign would, so it reads like a campaign's uplift.
    ready = demand.ready(demand.baseline)
    room = headroom(operational, DemandPlan(horizon[0], ready, dispersion=demand.dispersion), calendar,
                    promise.business_days, target, extra_per_uplift=ready * measured, measure_days=measured,
                    start_backlog=backlog, options=options, delivery=table)
    test = run_backtest(facts, recent, capacity_sheet, settings, calendar, promise)
    return CampaignProjection(steps, basis, demand, baseline, projected, room, target, promise.business_days,
                              backlog[operational[0].name], delivery, test, recent, notes)


def _join_deals(leads: pd.DataFrame | None, deals: pd.DataFrame | None) -> pd.DataFrame | None:
    """Leads with their first won date from a separate deals table (CRM exports often split them)."""
    if leads is None or deals is None or deals.empty:
        return leads
    won = deals.groupby(deals["lead_id"].astype("string"))["won_at"].min()
    joined = leads.copy()
    from_deals = joined["lead_id"].astype("string").map(won)
    joined["won_at"] = joined["won_at"].fillna(from_deals) if "won_at" in joined else from_deals
    return joined


def _lead_time(flow, days: np.ndarray) -> LeadTime:
    """Lead-time percentiles of the orders placed on the marked window days, every run pooled."""
    inside = np.asarray(days, dtype=bool)[flow.segment_arrival]
    lead, count = flow.segment_lead[inside].astype(float), flow.segment_count[inside]
    total = count.sum()
    if total <= 0:
        return LeadTime(math.nan, math.nan, math.nan, math.nan)
    order = np.argsort(lead, kind="stable")
    cumulative = np.cumsum(count[order])
    p50, p85, p95 = (float(lead[order][np.searchsorted(cumulative, q * total - 1e-9)]) for q in (0.5, 0.85, 0.95))
    return LeadTime(p50, p85, p95, float((lead * count).sum() / total))


def _daily_lead(flow, horizon: pd.DatetimeIndex) -> DailyLead:
    """p50 and p85 lead time by order day, from the simulation's (arrival day, completion day) segments."""
    p50, p85, share = [], [], []
    arrival, lead, count, breach = flow.segment_arrival, flow.segment_lead.astype(float), flow.segment_count, flow.segment_breach
    order = np.lexsort((lead, arrival))
    arrival, lead, count, breach = arrival[order], lead[order], count[order], breach[order]
    bounds = np.searchsorted(arrival, np.arange(len(horizon) + 1))
    for d in range(len(horizon)):
        part = slice(bounds[d], bounds[d + 1])
        weights = count[part]
        total = weights.sum()
        if total <= 0:
            p50.append(math.nan)
            p85.append(math.nan)
            share.append(math.nan)
            continue
        cumulative = np.cumsum(weights)
        values = lead[part]
        p50.append(float(values[np.searchsorted(cumulative, 0.50 * total - 1e-9)]))
        p85.append(float(values[np.searchsorted(cumulative, 0.85 * total - 1e-9)]))
        share.append(float((weights * breach[part]).sum() / total))
    return DailyLead(list(horizon), p50, p85, share)
