"""Dispatch history per working day: what the team shipped, and the days it ended behind (orders waiting past the normal lag)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Settings, WorkingCalendar

_NAT = np.datetime64("NaT", "D")
# Dispatches are whole orders and a capacity may be fractional: a day within half an order of it used it all (rounding).
WHOLE_ORDER_SLACK = 0.5


@dataclass
class DispatchHistory:
    """In-stock orders known by `until`, and the team's daily dispatches over the working days before it.

    An order is overdue at the end of a working day once `capacity.normal_lag_days` working days have passed since
    its promise clock started and it is still waiting; a day ended *behind* when its overdue orders reach
    `capacity.backlog_min_share` of a usual day's dispatches. Packing that takes half a day leaves orders waiting
    every evening without any of them overdue, so a busy-but-coping team is not mistaken for a saturated one.
    """

    calendar: WorkingCalendar
    until: pd.Timestamp  # first day not seen (the backtest fits on the days before its window)
    days: pd.DatetimeIndex  # working days from the first clock start to the day before `until`
    dispatched: np.ndarray  # in-stock orders dispatched each working day (a closed day's dispatches count on the next)
    ready: np.ndarray  # in-stock orders whose promise clock started each working day
    overdue: np.ndarray  # orders waiting past the normal lag at the end of each working day
    behind: np.ndarray  # bool: the day ended with a real backlog
    threshold: float  # overdue orders that make a day behind
    shape: np.ndarray  # (7,) dispatches by weekday relative to the mean working day (0 where nothing is ever shipped)
    clock_start: np.ndarray  # datetime64[D] per order
    shipped: np.ndarray  # datetime64[D], NaT when not dispatched before `until`
    delivered: np.ndarray  # datetime64[D], NaT when not delivered before `until`

    @property
    def behind_days(self) -> int:
        return int(self.behind.sum())

    def busday_count(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        return np.busday_count(first, last, weekmask=self.calendar.weekmask, holidays=list(self.calendar.holidays))

    def calm(self, weekday_capacity: tuple[float, ...] | None = None) -> np.ndarray:
        """Orders whose wait was normal processing: their clock started on a quiet day (no more orders ready than that
        weekday's median), and from the evening before until they left no day ended behind or (given the step's
        capacity per weekday) used all of it. Their lag is what packing takes when capacity is not what holds an order
        back; the simulated queue adds the rest, so a team that spills every Monday into Tuesday is not counted twice."""
        full = self.behind.copy()
        if weekday_capacity is not None:
            ceiling = np.asarray(weekday_capacity)[self.days.day_of_week.to_numpy()]
            full |= (ceiling > 0) & (self.dispatched >= ceiling - WHOLE_ORDER_SLACK)
        day = self.days.to_numpy().astype("datetime64[D]")
        weekday = self.days.day_of_week.to_numpy()
        usual = np.zeros(7)
        for d in np.unique(weekday):
            usual[d] = np.median(self.ready[weekday == d])
        quiet = self.ready <= usual[weekday]
        known = ~np.isnat(self.shipped)
        seen = np.concatenate([[0], np.cumsum(full)])
        index = np.searchsorted(day, self.clock_start)
        low = np.clip(index - 1, 0, len(day))
        high = np.minimum(np.searchsorted(day, np.where(known, self.shipped, day[-1])) + 1, len(day))
        return known & quiet[np.minimum(index, len(day) - 1)] & (seen[high] - seen[low] == 0)


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def dispatch_history(facts: pd.DataFrame, calendar: WorkingCalendar, settings: Settings,
                     until: pd.Timestamp | None = None) -> DispatchHistory | None:
    """The history as it was known the day before `until` (default: the whole export). None without dispatch dates."""
    if "shipped_at" not in facts:
        return None
    live = ~facts["cancelled"] & facts["clock_start"].notna()
    if "backordered" in facts:
        live &= ~facts["backordered"].fillna(False).astype(bool)  # waiting for stock, not for hands
    end = facts["ordered_at"].max().normalize() + pd.Timedelta(days=1) if until is None else pd.Timestamp(until).normalize()
    live &= facts["clock_start"] < end
    orders = facts.loc[live]
    if orders.empty:
        return None
    cut = np.datetime64(end.date(), "D")
    start = _days(orders["clock_start"])
    shipped = _days(orders["shipped_at"].dt.normalize())
    shipped = np.where(shipped < cut, shipped, _NAT)
    delivered = _days(orders["delivered_at"].dt.normalize()) if "delivered_at" in orders else np.full(len(orders), _NAT)
    delivered = np.where(delivered < cut, delivered, _NAT)
    days = calendar.working_days(orders["clock_start"].min(), end - pd.Timedelta(days=1))
    if len(days) == 0:
        return None
    day = days.to_numpy().astype("datetime64[D]")
    known = ~np.isnat(shipped)
    ship_index = np.minimum(np.searchsorted(day, np.where(known, shipped, day[0])), len(day) - 1)
    dispatched = np.bincount(ship_index[known], minlength=len(day)).astype(float)
    # Waiting: until dispatch, or to the end when neither dispatched nor delivered (a delivery without a dispatch
    # date was dispatched at some unknown time, so it cannot be placed in the queue).
    waiting_until = np.where(known, ship_index, np.where(np.isnat(delivered), len(day), -1))
    first_overdue = np.searchsorted(day, start) + settings.capacity.normal_lag_days
    counted = first_overdue < waiting_until
    change = np.zeros(len(day) + 1)
    np.add.at(change, first_overdue[counted], 1)
    np.add.at(change, waiting_until[counted], -1)
    overdue = np.cumsum(change)[: len(day)]
    usual = float(np.median(dispatched)) if len(dispatched) else 0.0
    threshold = max(1.0, settings.capacity.backlog_min_share * usual)
    behind = overdue >= threshold
    weekday = days.day_of_week.to_numpy()
    mean = dispatched.mean() if dispatched.sum() else 1.0
    by_weekday = np.bincount(weekday, weights=dispatched, minlength=7) / np.maximum(np.bincount(weekday, minlength=7), 1)
    shape = by_weekday / mean
    ready = np.bincount(np.minimum(np.searchsorted(day, start), len(day) - 1), minlength=len(day)).astype(float)
    return DispatchHistory(calendar, end, days, dispatched, ready, overdue, behind, threshold, shape, start, shipped, delivered)
