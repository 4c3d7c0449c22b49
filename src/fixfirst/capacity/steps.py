"""Capacity per operational step: from the client's capacity sheet, or the throughput the team demonstrated in its dispatch history."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config import Settings, WorkingCalendar
from .dispatch import DispatchHistory, dispatch_history
from .flow import OperationalStep

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class StepCapacity:
    """One step with the capacity the projection uses and where that figure comes from."""

    step: OperationalStep
    basis: str  # "capacity sheet" | "inferred from history"
    detail: str  # how the figure was found, in a phrase
    per_day: float  # typical capacity per working day (the mean of a per-day sheet; the level of a weekly shape)
    evidence_days: int = 0  # days behind the figure: sheet rows, days behind, or the working days searched for the busiest
    lower_bound: bool = False  # history never saturated the step: it can do at least this much
    weekday_capacity: tuple[float, ...] | None = None  # Mon..Sun, when capacity follows the usual week's shape
    behind_days: int = 0  # working days on record that ended with a real backlog
    method: str = "capacity sheet"  # "capacity sheet" | "days behind" | "busiest day"

    def operational(self, horizon: pd.DatetimeIndex, calendar: WorkingCalendar | None = None) -> OperationalStep:
        """The step over a window of calendar days: a weekly shape becomes one capacity per day.

        A holiday on a day the team usually works moves that day's capacity to the next working day: the orders
        of the closed day are still there, and the team catches up (history shows it, in the busy day after).
        """
        if self.weekday_capacity is None:
            return self.step
        daily = np.asarray(self.weekday_capacity)[horizon.day_of_week.to_numpy()].copy()
        if calendar is not None and len(calendar.holidays):
            days = horizon.to_numpy().astype("datetime64[D]")
            shut = np.isin(days, np.asarray(calendar.holidays, dtype="datetime64[D]")) & (daily > 0)
            for i in np.flatnonzero(shut):
                after = i + 1 + np.flatnonzero(~shut[i + 1:] & np.is_busday(days[i + 1:], weekmask=calendar.weekmask))
                if len(after):
                    daily[after[0]] += daily[i]
            daily[shut] = 0.0
        return replace(self.step, capacity=daily)

    def to_dict(self) -> dict:
        return {"name": self.step.name, "basis": self.basis, "detail": self.detail, "capacity_per_day": round(self.per_day, 2),
                "weekday_capacity": None if self.weekday_capacity is None else
                {d: round(v, 2) for d, v in zip(WEEKDAY_NAMES, self.weekday_capacity, strict=False)},
                "handoff_days": self.step.handoff_days, "evidence_days": self.evidence_days, "lower_bound": self.lower_bound,
                "behind_days": self.behind_days, "method": self.method}


def steps_from_sheet(sheet: pd.DataFrame, horizon: pd.DatetimeIndex) -> tuple[list[StepCapacity], list[str]]:
    """Steps in the sheet's order. A row gives units per day, or staff hours × units per staff hour; rows with a
    date give that day's capacity (other days of the window take the step's median), rows without one apply to every day."""
    notes: list[str] = []
    out: list[StepCapacity] = []
    frame = sheet.copy()
    units = frame["units_per_day"] if "units_per_day" in frame else pd.Series(np.nan, index=frame.index)
    if "staff_hours" in frame and "units_per_staff_hour" in frame:
        units = units.fillna(frame["staff_hours"] * frame["units_per_staff_hour"])
    frame["_units"] = units
    for name in pd.unique(frame["step"].astype("string").str.strip()):
        if name is pd.NA or not name:
            continue
        rows = frame[frame["step"].astype("string").str.strip() == name]
        known = rows["_units"].dropna()
        if known.empty:
            notes.append(f"capacity sheet: step '{name}' has no units per day and no staff hours × rate; left out")
            continue
        if "date" in rows and rows["date"].notna().any():
            dated = rows.dropna(subset=["date", "_units"])
            by_day = dated.groupby(dated["date"].dt.normalize())["_units"].sum()
            typical = float(by_day.median())
            daily = by_day.reindex(horizon).fillna(typical).to_numpy()
            detail = f"{len(by_day)} dated rows; days without a row take the median {typical:.1f}"
            step = OperationalStep(str(name), daily)
            per_day = float(np.mean(daily))
        else:
            # Several undated rows of one step are its teams, shifts or machines: they add up.
            per_day = float(known.sum())
            detail = f"{per_day:.1f} a working day" + (f" ({len(known)} rows added up)" if len(known) > 1 else "")
            step = OperationalStep(str(name), per_day)
        out.append(StepCapacity(step, "capacity sheet", detail, per_day, len(known)))
    return out, notes


def inferred_steps(facts: pd.DataFrame, calendar: WorkingCalendar, settings: Settings, *,
                   until: pd.Timestamp | None = None) -> tuple[list[StepCapacity], list[str]]:
    """Pick-and-pack capacity from dispatch history as known before `until` (default: all of it); see `demonstrated`."""
    history = dispatch_history(facts, calendar, settings, until)
    if history is None:
        return [], ["no dispatch dates: capacity cannot be inferred from history (add a capacity sheet)"]
    if int((history.dispatched > 0).sum()) < settings.capacity.min_history_days:
        return [], [f"dispatches on fewer than {settings.capacity.min_history_days} working days: too little history to infer "
                    "capacity from (add a capacity sheet)"]
    return [demonstrated(history, settings)], []


def demonstrated(history: DispatchHistory, settings: Settings) -> StepCapacity:
    """What the team has shown it can dispatch on each weekday: throughput it demonstrated, never the demand it met.

    With at least `capacity.min_history_days` working days that ended behind (orders waiting past the normal lag),
    the team was flat out on those days: the median of what it dispatched then, each day divided by its weekday's
    share of a usual week, is its level, and each weekday gets the level times its share (a team that ships Sunday's
    orders on Monday keeps the Monday it has always managed). Otherwise the step never showed its limit: each weekday
    can do at least what the team dispatched on its busiest day on record (a weekday quieter than a usual working day,
    such as a half-day Saturday, in proportion, but never less than its own busiest): a lower bound, which queues none
    of the busy days the team has always cleared on the day.
    """
    weekday = history.days.day_of_week.to_numpy()
    share = history.shape[weekday]
    open_days = share > 0
    behind = history.behind & open_days
    if int(behind.sum()) >= settings.capacity.min_history_days:
        per_share = np.divide(history.dispatched, share, out=np.zeros_like(history.dispatched), where=open_days)
        level = float(np.median(per_share[behind]))
        weekday_capacity = level * history.shape
        method, evidence, lower = "days behind", int(behind.sum()), False
        detail = f"median dispatched on the {evidence} working days that ended behind, per usual working day"
    else:
        weekday_capacity = np.zeros(7)
        np.maximum.at(weekday_capacity, weekday, history.dispatched)
        # A weekday as busy as a usual working day can do what the team did on its busiest day (a quiet Wednesday never
        # met a big day, but a spill after a bank holiday lands there); a short day, in proportion to its share.
        worked = history.shape > 0
        if worked.any():
            usual = float(np.median(history.shape[worked]))
            weekday_capacity = np.maximum(weekday_capacity, weekday_capacity.max() * np.minimum(1.0, history.shape / usual))
        worked = weekday_capacity > 0
        level = float(weekday_capacity[worked].mean()) if worked.any() else 0.0
        method, evidence, lower = "busiest day", int(len(history.days)), True
        detail = (f"the busiest day in {evidence} working days; fewer than {settings.capacity.min_history_days} ended "
                  "behind, so the step never showed its limit (a lower bound)")
    return StepCapacity(OperationalStep("Pick and pack", level), "inferred from history", detail, level, evidence,
                        lower_bound=lower, weekday_capacity=tuple(float(v) for v in weekday_capacity),
                        behind_days=history.behind_days, method=method)


def open_orders(facts: pd.DataFrame) -> float:
    """Orders ready for picking and not yet dispatched when the export ends: the projection starts with them."""
    if "shipped_at" not in facts:
        return 0.0
    live = ~facts["cancelled"] & facts["shipped_at"].isna() & facts["clock_start"].notna()
    if "backordered" in facts:
        live &= ~facts["backordered"].fillna(False).astype(bool)
    if "delivered_at" in facts:
        live &= facts["delivered_at"].isna()
    return float(live.sum())
