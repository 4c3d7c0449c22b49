"""The model's backtest: replay the last weeks of real orders through it, fitted only on what came before, and compare."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import pandas as pd

from ..config import Promise, Settings, WorkingCalendar
from .delivery import delivery_delay, joint_delay
from .dispatch import dispatch_history
from .flow import DemandPlan, run_flow
from .outlook import RecentOrders, in_stock
from .projection import _weighted_percentile, json_safe
from .steps import inferred_steps, steps_from_sheet

CHECKS = ("late_share", "lead_p50", "lead_p85")


@dataclass(frozen=True)
class BacktestWeek:
    """One week (seven clock-start days from the window's first) of the replay."""

    start: pd.Timestamp
    orders: int  # observed settled in-stock orders
    observed_late: float | None
    projected_late: float | None


@dataclass
class Backtest:
    """Projected against observed over the replayed window, and whether that is within the stated tolerance.

    `status`: "passed" (every check within tolerance: the model may forecast), "failed" (`failed` names the checks
    that missed: the model could not reproduce history), or "not_possible" (`reason`: too few settled orders in the
    window, or too little history before it to fit the model): either way short of "passed", observed evidence decides.
    """

    status: Literal["passed", "failed", "not_possible"]
    reason: str  # "" | "too_few_orders" | "too_little_history"
    first: pd.Timestamp  # window of clock-start days; the model is fitted on the history before `first`
    last: pd.Timestamp
    orders: int  # observed settled in-stock orders in the window
    start_backlog: float = 0.0  # orders waiting at the first step when the window opened
    capacity_per_day: float | None = None  # the fitted capacity level (first step)
    lower_bound: bool = False
    observed_late: float | None = None
    projected_late: float | None = None
    late_tolerance: float | None = None
    observed_p50: float | None = None
    projected_p50: float | None = None
    observed_p85: float | None = None
    projected_p85: float | None = None
    lead_tolerance: float = 1.0
    failed: list[str] = field(default_factory=list)
    weeks: list[BacktestWeek] = field(default_factory=list, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def late_error(self) -> float | None:
        """Projected minus observed late share (positive: the model is too pessimistic)."""
        if self.observed_late is None or self.projected_late is None:
            return None
        return self.projected_late - self.observed_late

    def to_dict(self) -> dict:
        return json_safe({
            "status": self.status, "reason": self.reason or None,
            "first": self.first.date().isoformat(), "last": self.last.date().isoformat(), "orders": self.orders,
            "start_backlog": self.start_backlog, "capacity_per_day": _round(self.capacity_per_day, 2), "lower_bound": self.lower_bound,
            "observed_late": _round(self.observed_late), "projected_late": _round(self.projected_late),
            "late_error": _round(self.late_error), "late_tolerance": _round(self.late_tolerance),
            "observed_lead": {"p50": self.observed_p50, "p85": self.observed_p85},
            "projected_lead": {"p50": self.projected_p50, "p85": self.projected_p85},
            "lead_tolerance_days": self.lead_tolerance, "failed": self.failed,
            "weeks": [{"start": w.start.date().isoformat(), "orders": w.orders, "observed_late": _round(w.observed_late),
                       "projected_late": _round(w.projected_late)} for w in self.weeks],
        })


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), digits)


def late_tolerance(observed: float, settings: Settings, orders: int = 0) -> float:
    """How far the projected late share may sit from the observed one: points, a share of it, or the observed share's
    own sampling noise (a two-sided interval half-width at the scoring's confidence level), whichever is widest.

    The noise term keeps a right model from failing on a small shop: at 5% late over 40 orders, chance alone moves
    the observed share by about 7 points.
    """
    rules = settings.simulation
    noise = 0.0
    if orders > 0:
        z = NormalDist().inv_cdf(0.5 + settings.scoring.ci_level / 2)
        p = min(max(observed, 1.0 / orders), 1.0 - 1.0 / orders) if orders > 1 else 0.5
        noise = z * math.sqrt(p * (1 - p) / orders)
    return max(rules.backtest_late_points, rules.backtest_late_relative * observed, noise)


def run_backtest(facts: pd.DataFrame, recent: RecentOrders | None, capacity_sheet: pd.DataFrame | None,
                 settings: Settings, calendar: WorkingCalendar, promise: Promise) -> Backtest | None:
    """Replay the window of `recent` (its real in-stock orders, by the day their promise clock started) through the
    same engine the forecast uses, with capacity and delivery times fitted on the history before the window, starting
    from the orders that were waiting when it opened. None without a recent window (no delivery outcomes at all)."""
    if recent is None:
        return None
    rules = settings.simulation
    first, last = recent.first, recent.last
    tolerance = late_tolerance(recent.late_share, settings, recent.orders)
    outcome = Backtest("not_possible", "", first, last, recent.orders, observed_late=recent.late_share,
                       observed_p50=recent.lead_p50, observed_p85=recent.lead_p85, lead_tolerance=rules.backtest_lead_days,
                       late_tolerance=tolerance)
    if recent.orders < rules.backtest_min_orders:
        outcome.reason = "too_few_orders"
        return outcome
    window = pd.date_range(first, last, freq="D")
    if capacity_sheet is not None and len(capacity_sheet):
        steps, _ = steps_from_sheet(capacity_sheet, window)
    else:
        steps, _ = inferred_steps(facts, calendar, settings, until=first)
    history = dispatch_history(facts, calendar, settings, until=first)
    if not steps or history is None and "shipped_at" in facts:
        outcome.reason = "too_little_history"
        return outcome
    shape = None if capacity_sheet is not None and len(capacity_sheet) else steps[0].weekday_capacity
    delivery = (delivery_delay(history, settings, shape) if history is not None
                else joint_delay(facts, calendar, settings, until=first))
    if delivery is None:
        outcome.reason = "too_little_history"
        return outcome
    live = facts[in_stock(facts) & facts["clock_start"].notna()]
    placed = live[(live["clock_start"] >= first) & (live["clock_start"] <= last)]
    counts = placed["clock_start"].value_counts().reindex(window, fill_value=0).to_numpy(dtype=float)
    backlog = _waiting_at(live, first)
    operational = [s.operational(window, calendar) for s in steps]
    flow = run_flow(operational, DemandPlan(first, counts, fixed=True), calendar, promise.business_days,
                    start_backlog={operational[0].name: backlog}, runs=1, seed=rules.seed, drain_days=rules.drain_days,
                    delivery=delivery.table)
    count, lead, breach = flow.segment_count, flow.segment_lead.astype(float), flow.segment_breach
    outcome.start_backlog = backlog
    outcome.capacity_per_day, outcome.lower_bound = steps[0].per_day, any(s.lower_bound for s in steps)
    projected_late = float((count * breach).sum() / count.sum()) if count.sum() else math.nan
    outcome.projected_late = projected_late
    outcome.projected_p50 = _weighted_percentile(lead, count, 0.50)
    outcome.projected_p85 = _weighted_percentile(lead, count, 0.85)
    outcome.weeks = _weeks(facts, recent, flow)
    outcome.failed = [name for name, ok in zip(CHECKS, (
        abs(projected_late - recent.late_share) <= tolerance + 1e-12,
        abs(outcome.projected_p50 - recent.lead_p50) <= rules.backtest_lead_days,
        abs(outcome.projected_p85 - recent.lead_p85) <= rules.backtest_lead_days), strict=False) if not ok]
    outcome.status = "failed" if outcome.failed else "passed"
    return outcome


def _waiting_at(live: pd.DataFrame, first: pd.Timestamp) -> float:
    """In-stock orders whose clock started before `first` and that had not left by then: the window's start backlog.

    Without dispatch dates nothing says what was still on the bench, so the replay starts empty.
    """
    if "shipped_at" not in live:
        return 0.0
    before = live[live["clock_start"] < first]
    left = before["shipped_at"].dt.normalize() < first
    if "delivered_at" in before:
        left |= before["shipped_at"].isna() & (before["delivered_at"].dt.normalize() < first)
    return float((~left).sum())


def _weeks(facts: pd.DataFrame, recent: RecentOrders, flow) -> list[BacktestWeek]:
    """Observed and projected late share per seven clock-start days from the window's first."""
    end = facts["ordered_at"].max().normalize()
    observed = facts[in_stock(facts) & facts["assessable"] & (facts["clock_start"] >= recent.first)
                     & (facts["clock_start"] <= recent.last) & (facts["deadline"] < end)]
    week_of = ((observed["clock_start"] - recent.first).dt.days // 7).to_numpy()
    late = observed["late"].to_numpy(dtype=float)
    segment_week = flow.segment_arrival // 7
    out = []
    for w in range(int(((recent.last - recent.first).days) // 7) + 1):
        mine = week_of == w
        weight = flow.segment_count * (segment_week == w)
        out.append(BacktestWeek(recent.first + pd.Timedelta(weeks=w), int(mine.sum()),
                                float(late[mine].mean()) if mine.any() else None,
                                float((weight * flow.segment_breach).sum() / weight.sum()) if weight.sum() else None))
    return out
