"""What a simulated window means: lead-time percentiles, breaches, backlog and load per step, and Little's law."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ..config import Simulation
from .flow import DemandPlan, Flow, OperationalStep
from .queueing import allen_cunneen_mean_wait


@dataclass(frozen=True)
class LeadTime:
    """Working days from the promise clock's start to completion (0 = same day), over every order of the window.

    Percentiles are of the pooled orders of all runs (the smallest lead time that at least that share of orders
    meets). Orders still open when the simulation ended count with their lead time so far.
    """

    p50: float
    p85: float
    p95: float
    mean: float


@dataclass(frozen=True)
class StepProjection:
    name: str
    open_days: int  # in the window
    capacity_per_open_day: float
    demand_per_open_day: float  # the window's orders spread over the step's open days
    load: float  # demand / capacity = cycle time / takt time; above 1 the step cannot keep up
    utilisation: float  # simulated work done / capacity offered over the window
    takt_minutes: float | None  # available working time / orders to serve
    cycle_minutes: float | None  # available working time / capacity
    throughput_per_day: float  # orders finished per calendar day of the window
    mean_backlog: float  # orders waiting or in progress at the end of a day, over days and runs
    peak_backlog_p95: float  # 95th percentile over runs of each run's largest end-of-day backlog
    queue_wait_minutes: float | None  # within-day wait if orders came at random over open hours; None when overloaded


@dataclass(frozen=True)
class LittlesLaw:
    """L = lambda W over the steady part of the window (from `from_day` on): mean end-of-day orders in the system
    against throughput x mean calendar days from an order's arrival day to its completion day.

    The two sides come from different bookkeeping (cumulative counts against each order's own days), so a gap
    flags an inconsistency. Orders straddling the span's two ends make them differ by about time in system / span
    even when all is right, and more when demand changes inside the window (a campaign): `holds` is meant for
    steady windows.
    """

    from_day: int
    mean_wip: float
    throughput_per_day: float
    mean_days_in_system: float
    throughput_x_days: float
    relative_difference: float
    holds: bool


@dataclass
class Projection:
    """The window projected over many simulated futures. Daily arrays are over the window's calendar days."""

    start: pd.Timestamp
    days: int
    runs: int
    seed: int
    promise_days: int
    steps: list[StepProjection]
    orders_per_run: float  # mean new orders in the window
    lead_time: LeadTime
    breach_share: float  # orders late against the promise, all runs pooled
    breach_share_p05: float  # across runs: a lucky and an unlucky future
    breach_share_p95: float
    breached_orders_per_run: float
    unfinished_share: float  # still open when the simulation ended (they count as breaches)
    throughput_per_day: float  # orders completed per calendar day of the window
    bottleneck: str | None  # the step with the highest load (None without demand)
    littles_law: LittlesLaw
    backlog_mean: np.ndarray = field(repr=False)  # (days, steps)
    backlog_p95: np.ndarray = field(repr=False)  # (days, steps), over runs
    utilisation_daily: np.ndarray = field(repr=False)  # (days, steps), NaN on closed days
    wip_mean: np.ndarray = field(repr=False)  # (days,) orders in the system, between steps and start backlog included
    breach_share_by_day: np.ndarray = field(repr=False)  # (days,) by the day orders were placed; NaN without orders

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.days, freq="D")

    def step(self, name: str) -> StepProjection:
        return next(s for s in self.steps if s.name == name)

    def to_dict(self) -> dict:
        """Plain JSON types; NaN and infinity become null."""
        out = {key: value for key, value in asdict(self).items() if not isinstance(value, np.ndarray)}
        out["start"] = self.start.date().isoformat()
        out["dates"] = [d.date().isoformat() for d in self.dates]
        out["step_names"] = [s.name for s in self.steps]
        for name in ("backlog_mean", "backlog_p95", "utilisation_daily", "wip_mean", "breach_share_by_day"):
            out[name] = np.round(getattr(self, name), 4).tolist()
        return json_safe(out)


def json_safe(value):
    """Values JSON can carry: NaN and infinity become None, numpy scalars Python ones."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def _weighted_percentile(values: np.ndarray, weights: np.ndarray, share: float) -> float:
    """Smallest value whose cumulative weight reaches `share` of the total (the inverted-CDF percentile)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    if not len(cumulative) or cumulative[-1] <= 0:
        return math.nan
    return float(values[order][np.searchsorted(cumulative, share * cumulative[-1] - 1e-9)])


def daily_work(flow: Flow) -> np.ndarray:
    """(sim_days, steps, runs) work done each day."""
    start = np.broadcast_to(flow.start_passed[:, None], flow.work.shape[1:])
    return np.diff(flow.work, axis=0, prepend=start[None])


def summarise(flow: Flow, steps: Sequence[OperationalStep], demand: DemandPlan, promise_days: int, runs: int, seed: int,
              options: Simulation) -> Projection:
    window = flow.window
    backlog = flow.backlog()  # (window, steps, runs)
    worked = daily_work(flow)[:window]
    offered = np.broadcast_to(flow.capacity[:window], worked.shape)
    offered_total = offered.sum(axis=2)
    utilisation_daily = np.where(offered_total > 0, worked.sum(axis=2) / np.where(offered_total > 0, offered_total, 1), np.nan)
    ordered = float(demand.expected.sum())
    mean_capacity = flow.capacity[:window].mean(axis=2)  # (window, steps)
    step_views = []
    for k, step in enumerate(steps):
        open_days = int((mean_capacity[:, k] > 0).sum())
        capacity = float(mean_capacity[:, k].sum() / open_days) if open_days else 0.0
        total_capacity = capacity * open_days
        hours = step.hours_per_day or options.hours_per_day
        per_open_day = ordered / open_days if open_days else math.inf
        load = ordered / total_capacity if total_capacity else (math.inf if ordered else 0.0)
        wait = None
        if 0 < load < 1:
            wait = allen_cunneen_mean_wait(per_open_day / (hours * 60), step.servers * hours * 60 / capacity,
                                           step.servers, 1.0, step.service_cv)
        step_views.append(StepProjection(
            name=step.name, open_days=open_days, capacity_per_open_day=capacity, demand_per_open_day=per_open_day,
            load=load, utilisation=float(worked[:, k].sum() / offered[:, k].sum()) if offered[:, k].sum() else math.nan,
            takt_minutes=open_days * hours * 60 / ordered if ordered else None,
            cycle_minutes=hours * 60 / capacity if capacity else None,
            throughput_per_day=float((flow.finished[window - 1, k] - flow.start_passed[k]).mean() / window),
            mean_backlog=float(backlog[:, k].mean()),
            peak_backlog_p95=float(np.quantile(backlog[:, k].max(axis=0), 0.95)),
            queue_wait_minutes=wait,
        ))

    count, breach = flow.segment_count, flow.segment_breach
    orders = flow.window_orders
    breached_per_run = np.bincount(flow.segment_run, weights=count * breach, minlength=runs)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_per_run = np.where(orders > 0, breached_per_run / np.where(orders > 0, orders, 1), np.nan)
        by_day_orders = np.bincount(flow.segment_arrival, weights=count, minlength=window)
        by_day = np.where(by_day_orders > 0, np.bincount(flow.segment_arrival, weights=count * breach, minlength=window)
                          / np.where(by_day_orders > 0, by_day_orders, 1), np.nan)
    total = float(count.sum())
    lead = flow.segment_lead.astype(float)
    loads = [s.load for s in step_views]
    p50, p85, p95 = (_weighted_percentile(lead, count, q) for q in (0.50, 0.85, 0.95))
    return Projection(
        start=demand.start, days=window, runs=runs, seed=seed, promise_days=promise_days, steps=step_views,
        orders_per_run=float(orders.mean()),
        lead_time=LeadTime(p50, p85, p95, float((lead * count).sum() / total) if total else math.nan),
        breach_share=flow.breach_share,
        breach_share_p05=float(np.nanquantile(share_per_run, 0.05)) if np.isfinite(share_per_run).any() else math.nan,
        breach_share_p95=float(np.nanquantile(share_per_run, 0.95)) if np.isfinite(share_per_run).any() else math.nan,
        breached_orders_per_run=float(breached_per_run.mean()),
        unfinished_share=float(count[flow.segment_completion >= flow.sim_days].sum() / total) if total else 0.0,
        throughput_per_day=float(flow.done[window - 1].mean() / window),
        bottleneck=steps[int(np.argmax(loads))].name if ordered else None,
        littles_law=littles_law(flow, options),
        backlog_mean=backlog.mean(axis=2),
        backlog_p95=np.quantile(backlog, 0.95, axis=2),
        utilisation_daily=utilisation_daily,
        wip_mean=(flow.arrived[:window] - flow.done[:window]).mean(axis=1),
        breach_share_by_day=by_day,
    )


def littles_law(flow: Flow, options: Simulation) -> LittlesLaw:
    """Both sides of L = lambda W from the same simulated curves, measured independently: WIP from the cumulative
    arrival and completion counts, time in system from each order's own arrival and completion day."""
    window = flow.window
    first = min(int(window * options.warmup_share), window - 1)
    wip = float((flow.arrived[first:window] - flow.done[first:window]).mean())
    done_before = flow.done[first - 1] if first > 0 else np.zeros(flow.done.shape[1])
    throughput = float((flow.done[window - 1] - done_before).mean() / (window - first))
    steady = flow.segment_arrival >= first
    weights = flow.segment_count[steady]
    days = (flow.segment_completion[steady] - flow.segment_arrival[steady]).astype(float)
    in_system = float((days * weights).sum() / weights.sum()) if weights.sum() else 0.0
    product = throughput * in_system
    scale = max(wip, product)
    gap = abs(wip - product) / scale if scale > 0 else 0.0
    return LittlesLaw(first, wip, throughput, in_system, product, gap, gap <= options.littles_law_tolerance)
