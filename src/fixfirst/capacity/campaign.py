"""The campaign question answered by simulation: demand forecast, capacity per step, projected lead times, headroom."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from ..engagement import Promise
from ..settings import Settings
from ..signals.calendar import WorkingCalendar
from .demand import DemandForecast, forecast_demand, lead_demand
from .flow import DemandPlan, run_flow
from .headroom import Headroom, headroom
from .outlook import PlannedCampaign
from .headroom import measured_breach_share
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

    def to_dict(self) -> dict:
        return json_safe({"dates": [d.date().isoformat() for d in self.dates], "p50": self.p50, "p85": self.p85,
                          "breach_share": self.breach_share})


@dataclass
class Scenario:
    """One projected future: the baseline (no campaign) or the campaign."""

    name: str
    projection: Projection
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
    observed_recent_breach: float | None  # in-stock orders of the last weeks, for comparison with the model
    observed_recent_n: int = 0
    notes: list[str] = field(default_factory=list)

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
            "headroom": {k: v for k, v in self.headroom.to_dict().items() if k != "trials"},
            "observed_recent_breach": self.observed_recent_breach,
        })

    def to_dict(self) -> dict:
        return json_safe({
            "step_basis": self.step_basis,
            "steps": [s.to_dict() for s in self.steps],
            "promise_days": self.promise_days,
            "breach_target": self.breach_target,
            "start_backlog": self.start_backlog,
            "demand": self.demand.to_dict(),
            "baseline": self.baseline.to_dict(),
            "campaign": None if self.campaign is None else self.campaign.to_dict(),
            "measured_days": self.measured_days,
            "campaign_breach_share": self.campaign_breach_share,
            "campaign_breaks_promise": self.campaign_breaks_promise,
            "headroom": self.headroom.to_dict(),
            "observed_recent_breach": self.observed_recent_breach,
            "observed_recent_n": self.observed_recent_n,
            "notes": self.notes,
        })


def project_campaign(facts: pd.DataFrame, campaigns: pd.DataFrame | None, campaign: PlannedCampaign | None,
                     capacity_sheet: pd.DataFrame | None, leads: pd.DataFrame | None, deals: pd.DataFrame | None,
                     settings: Settings, calendar: WorkingCalendar, promise: Promise, *,
                     uplift: float | None = None) -> CampaignProjection:
    """Forecast demand over the campaign window, simulate it through the steps, and search the headroom.

    Raises NoProjection, with the reason, when no demand can be forecast or no step can be modelled.
    """
    lead_view = lead_demand(_join_deals(leads, deals), settings)
    demand = forecast_demand(facts, campaigns, campaign, settings, uplift=uplift, leads=lead_view)
    if demand is None or demand.expected.empty:
        raise NoProjection("no live orders with an order date to forecast demand from")
    horizon = demand.expected.index
    notes: list[str] = list(demand.notes)
    if capacity_sheet is not None and len(capacity_sheet):
        steps, step_notes = steps_from_sheet(capacity_sheet, horizon)
        basis = "capacity sheet"
        if steps and "delivered_at" in facts and "shipped_at" in facts:
            # The sheet covers the client's own work; the carrier's transit still sits between dispatch and doorstep.
            inferred, _ = inferred_steps(facts, calendar, settings)
            if inferred and inferred[0].step.handoff_days:
                last = steps[-1]
                steps[-1] = StepCapacity(replace(last.step, handoff_days=inferred[0].step.handoff_days), last.basis,
                                         last.detail + f"; then {inferred[0].step.handoff_days} day(s) with the carrier", last.per_day,
                                         last.evidence_days)
    else:
        steps, step_notes = inferred_steps(facts, calendar, settings)
        basis = "inferred from history"
    notes += step_notes
    if not steps:
        raise NoProjection("; ".join(step_notes) or "no operational step could be modelled: add a capacity sheet, or orders with dispatch dates")
    operational = [s.step for s in steps]
    backlog = {operational[0].name: open_orders(facts)}
    options = settings.simulation
    target = settings.metrics.promise_breach.target
    campaign_days = demand.campaign_days
    # Late shares and the headroom count the orders the campaign itself brings: those placed on its dates.
    measured = np.asarray(horizon.isin(campaign_days)) if len(campaign_days) else np.ones(len(horizon), dtype=bool)

    def scenario(name: str, expected: pd.Series) -> Scenario:
        plan = DemandPlan(horizon[0], expected.to_numpy(), dispersion=demand.dispersion)
        flow = run_flow(operational, plan, calendar, promise.business_days, start_backlog=backlog, runs=options.runs,
                        seed=options.seed, drain_days=options.drain_days)
        projection = summarise(flow, operational, plan, promise.business_days, options.runs, options.seed, options)
        return Scenario(name, projection, _daily_lead(flow, horizon), measured_breach_share(flow, measured),
                        _lead_time(flow, measured))

    baseline = scenario("baseline", demand.baseline)
    projected = scenario("campaign", demand.expected) if demand.uplift is not None else None
    # The headroom adds +u of the baseline on the same days the campaign would, so it reads like a campaign's uplift.
    room = headroom(operational, DemandPlan(horizon[0], demand.baseline.to_numpy(), dispersion=demand.dispersion), calendar,
                    promise.business_days, target, extra_per_uplift=demand.baseline.to_numpy() * measured,
                    measure_days=measured, start_backlog=backlog, options=options)
    observed, n = _recent_breach(facts, settings)
    if observed is not None:
        modelled = baseline.projection.breach_share
        notes.append(f"model check: at today's volume the projection has {modelled:.1%} of orders late; in the last "
                     f"{settings.capacity.level_weeks} weeks {observed:.1%} of in-stock orders were late (n={n:,})"
                     + ("; the gap is lateness the model leaves out (carrier delays beyond the median transit, slips), so read "
                        "the projection as the capacity part of lateness" if observed - modelled > target / 2 else ""))
    return CampaignProjection(steps, basis, demand, baseline, projected, room, target, promise.business_days,
                              backlog[operational[0].name], observed, n, notes)


def _join_deals(leads: pd.DataFrame | None, deals: pd.DataFrame | None) -> pd.DataFrame | None:
    """Leads with their first won date from a separate deals table (CRM exports often split them)."""
    if leads is None or deals is None or deals.empty:
        return leads
    won = deals.groupby(deals["lead_id"].astype("string"))["won_at"].min()
    joined = leads.copy()
    from_deals = joined["lead_id"].astype("string").map(won)
    joined["won_at"] = joined["won_at"].fillna(from_deals) if "won_at" in joined else from_deals
    return joined


def _recent_breach(facts: pd.DataFrame, settings: Settings) -> tuple[float | None, int]:
    """Breach share of in-stock orders over the forecast's level weeks, whose promised date has passed."""
    end = facts["ordered_at"].max()
    recent = facts["assessable"] & (facts["ordered_at"] > end - pd.Timedelta(weeks=settings.capacity.level_weeks)) \
        & (facts["deadline"] < end.normalize())
    if "backordered" in facts:
        recent &= ~facts["backordered"].fillna(False).astype(bool)
    n = int(recent.sum())
    return (float(facts.loc[recent, "late"].mean()) if n else None), n


def _lead_time(flow, days: np.ndarray) -> LeadTime:
    """Lead-time percentiles of the orders placed on the marked window days, every run pooled."""
    inside = np.asarray(days, dtype=bool)[flow.segment_arrival]
    lead, count = flow.segment_lead[inside].astype(float), flow.segment_count[inside]
    total = count.sum()
    if total <= 0:
        return LeadTime(math.nan, math.nan, math.nan, math.nan)
    order = np.argsort(lead, kind="stable")
    cumulative = np.cumsum(count[order])
    pick = [float(lead[order][np.searchsorted(cumulative, q * total - 1e-9)]) for q in (0.5, 0.85, 0.95)]
    return LeadTime(*pick, float((lead * count).sum() / total))


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
