"""From the team's work to the customer's door: the normal dispatch lag and the carrier's transit, from the data by weekday."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Settings
from .dispatch import DispatchHistory
from .steps import WEEKDAY_NAMES

MAX_DAYS = 30  # working days; longer lags or transits are data slips, counted at this length


@dataclass
class DeliveryDelay:
    """Working days from the day the team takes an order on to the doorstep, by that day's weekday.

    Measured in working days of the promise calendar, so a weekend between dispatch and delivery does not count,
    and by weekday, because a Friday dispatch meets the weekend and a Monday one does not: that is how dispatch and
    transit days are correlated in exports, and why a single calendar-day spread convolved with every order
    overshoots. `table[weekday, k]` is the chance of k working days.
    """

    # The arrays stay out of the repr: a few numbers a line, over several lines.
    table: np.ndarray = field(repr=False)  # (7, days)
    basis: str  # "lag and transit" | "transit only" | "clock start to doorstep"
    lag_orders: int  # calm orders behind the lag distribution (0 when not modelled)
    transit_orders: int  # orders behind the transit (or clock-start-to-doorstep) distribution
    lag: np.ndarray = field(repr=False)  # pooled chance of each dispatch lag in working days (empty when not modelled)
    transit: np.ndarray = field(repr=False)  # pooled chance of each transit in working days
    transit_calendar_p50: float | None = None  # calendar days from dispatch to doorstep, for comparison
    transit_calendar_p85: float | None = None

    def percentile(self, share: float, what: str = "total") -> float:
        """Smallest working days that at least `share` of orders meet: of the pooled lag, transit or whole delay."""
        chances = {"lag": self.lag, "transit": self.transit, "total": self.table.mean(axis=0)}[what]
        if not len(chances):
            return float("nan")
        return float(np.searchsorted(np.cumsum(chances), share * chances.sum() - 1e-9))

    def to_dict(self) -> dict:
        return {
            "basis": self.basis,
            "lag_orders": self.lag_orders,
            "transit_orders": self.transit_orders,
            "lag_share": [round(float(p), 4) for p in self.lag],
            "transit_share": [round(float(p), 4) for p in self.transit],
            "by_weekday": {d: [round(float(p), 4) for p in row] for d, row in zip(WEEKDAY_NAMES, self.table, strict=False)},
            "transit_p50": self.percentile(0.5, "transit"), "transit_p85": self.percentile(0.85, "transit"),
            "transit_calendar_p50": self.transit_calendar_p50, "transit_calendar_p85": self.transit_calendar_p85,
        }


def _by_weekday(weekday: np.ndarray, days: np.ndarray, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """(7, n) chances per weekday, each weekday with fewer than `minimum` orders taking the pooled row; and the pooled row."""
    days = np.clip(days, 0, MAX_DAYS).astype(int)
    width = int(days.max()) + 1 if len(days) else 1
    pooled = np.bincount(days, minlength=width) / max(len(days), 1)
    table = np.tile(pooled, (7, 1))
    for d in range(7):
        mine = days[weekday == d]
        if len(mine) >= minimum:
            table[d] = np.bincount(mine, minlength=width) / len(mine)
    return table, pooled


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[D]").view("int64") + 3) % 7  # 1970-01-01 was a Thursday


def delivery_delay(history: DispatchHistory, settings: Settings,
                   weekday_capacity: tuple[float, ...] | None = None) -> DeliveryDelay | None:
    """Lag (calm orders: clock start to dispatch) composed with transit (every order: dispatch to doorstep), by weekday.

    Lag comes only from calm orders (`DispatchHistory.calm`: ready on a quiet day, and no backlog or full day, given
    the step's `weekday_capacity`, while they waited), so the simulated queue is not counted twice; with too few of them the lag is left to the queue (transit only). Each lag lands on a weekday of its own,
    and the transit of that dispatch weekday follows it. Without delivery dates there is nothing to add (None).
    """
    minimum = settings.capacity.min_delay_orders
    both = ~np.isnat(history.shipped) & ~np.isnat(history.delivered)
    transit_days = history.busday_count(history.shipped[both], history.delivered[both])
    fine = transit_days >= 0  # a delivery dated before its dispatch is a slip
    if not fine.any():
        return None
    transit, transit_pooled = _by_weekday(_weekday(history.shipped[both][fine]), transit_days[fine], minimum)
    calendar_days = (history.delivered[both][fine] - history.shipped[both][fine]).astype(int)
    p50, p85 = (float(np.percentile(calendar_days, q, method="inverted_cdf")) for q in (50, 85))
    calm = history.calm(weekday_capacity)
    if int(calm.sum()) < minimum:
        return DeliveryDelay(transit, "transit only", 0, int(fine.sum()), np.array([]), transit_pooled, p50, p85)
    lag_days = np.maximum(history.busday_count(history.clock_start[calm], history.shipped[calm]), 0)
    lag, lag_pooled = _by_weekday(_weekday(history.clock_start[calm]), lag_days, minimum)
    table = np.zeros((7, lag.shape[1] + transit.shape[1] - 1))
    mask = history.calendar.weekmask
    for d in range(7):
        for waited, chance in enumerate(lag[d]):
            if chance == 0:
                continue
            # The weekday the order leaves on: `waited` working days after a day of weekday d.
            leaves = _weekday_after(d, waited, mask)
            table[d, waited: waited + transit.shape[1]] += chance * transit[leaves]
    return DeliveryDelay(table, "lag and transit", int(calm.sum()), int(fine.sum()), lag_pooled, transit_pooled, p50, p85)


def _weekday_after(weekday: int, working_days: int, weekmask: str) -> int:
    """Weekday reached `working_days` working days after a day of `weekday` (holidays aside)."""
    monday = np.datetime64("2024-01-01")  # a Monday
    day = monday + weekday
    if working_days == 0:
        return weekday
    return int(_weekday(np.array([np.busday_offset(day, working_days, roll="forward", weekmask=weekmask)]))[0])


def joint_delay(facts: pd.DataFrame, calendar, settings: Settings, until: pd.Timestamp | None = None) -> DeliveryDelay | None:
    """Without dispatch dates: clock start to doorstep of every in-stock order delivered before `until`, by clock-start weekday."""
    if "delivered_at" not in facts:
        return None
    live = ~facts["cancelled"] & facts["clock_start"].notna() & facts["delivered_at"].notna()
    if until is not None:
        live &= facts["delivered_at"] < pd.Timestamp(until).normalize()
    if "backordered" in facts:
        live &= ~facts["backordered"].fillna(False).astype(bool)
    if not live.any():
        return None
    start = facts.loc[live, "clock_start"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    done = facts.loc[live, "delivered_at"].dt.normalize().to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    days = np.maximum(np.busday_count(start, done, weekmask=calendar.weekmask, holidays=list(calendar.holidays)), 0)
    table, pooled = _by_weekday(_weekday(start), days, settings.capacity.min_delay_orders)
    return DeliveryDelay(table, "clock start to doorstep", 0, int(live.sum()), np.array([]), pooled)
