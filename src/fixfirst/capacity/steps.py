"""Capacity per operational step: from the client's capacity sheet, or inferred from how fast orders moved when work was waiting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings import Settings
from ..signals.calendar import WorkingCalendar
from .flow import OperationalStep


@dataclass
class StepCapacity:
    """One step with the capacity the projection uses and where that figure comes from."""

    step: OperationalStep
    basis: str  # "capacity sheet" | "inferred from history" | "carrier transit"
    detail: str
    per_day: float  # typical capacity per working day (the mean of a per-day sheet)
    evidence_days: int = 0
    lower_bound: bool = False  # history never saturated the step: it can do at least this much


    def to_dict(self) -> dict:
        return {"name": self.step.name, "basis": self.basis, "detail": self.detail, "capacity_per_day": round(self.per_day, 2),
                "handoff_days": self.step.handoff_days, "evidence_days": self.evidence_days, "lower_bound": self.lower_bound}


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


def inferred_steps(facts: pd.DataFrame, calendar: WorkingCalendar, settings: Settings) -> tuple[list[StepCapacity], list[str]]:
    """Pick-and-pack capacity from dispatch history, and the carrier's transit time, when the export has the dates.

    Capacity is the median number of orders dispatched on working days that ended with orders still waiting: on
    those days the step worked flat out, so what it shipped is what it can do. With too few such days the busiest
    day on record is used instead, a lower bound (the step never had to show its limit).
    """
    notes: list[str] = []
    if "shipped_at" not in facts or facts["shipped_at"].notna().sum() < settings.capacity.min_history_days:
        return [], ["no dispatch dates: capacity cannot be inferred from history (add a capacity sheet)"]
    live = ~facts["cancelled"] & facts["clock_start"].notna()
    if "backordered" in facts:
        live &= ~facts["backordered"].fillna(False).astype(bool)  # waiting for stock, not for hands
    ready = facts.loc[live, "clock_start"].dt.normalize()
    shipped = facts.loc[live, "shipped_at"].dt.normalize()
    days = calendar.working_days(ready.min(), facts["ordered_at"].max())
    if len(days) == 0:
        return [], ["no working days in the order history"]
    ready_cum = ready.value_counts().reindex(days, fill_value=0).cumsum()
    # Dispatches on closed days count toward the next working day's output.
    shipped_day = pd.Series(days[np.minimum(np.searchsorted(days, shipped.dropna()), len(days) - 1)])
    out_per_day = shipped_day.value_counts().reindex(days, fill_value=0)
    waiting = ready_cum - out_per_day.cumsum()
    busy = out_per_day[(waiting > 0) & (out_per_day > 0)]
    steps: list[StepCapacity] = []
    if len(busy) >= settings.capacity.min_history_days:
        capacity = float(busy.median())
        detail = (f"median {capacity:.1f} orders dispatched on the {len(busy)} working days that ended with orders "
                  f"still waiting (busiest {int(busy.max())})")
        if busy.max() > 1.5 * capacity:
            notes.append(f"on its busiest day the team dispatched {int(busy.max())} orders, well above the sustained {capacity:.0f} the "
                         "projection uses: with extra hands or overtime it has done more for a day or two, so the projected lateness "
                         "is the cautious reading")
    else:
        capacity = float(out_per_day.max())
        detail = (f"busiest day on record, {capacity:.0f} orders: only {len(busy)} working days ended with a backlog, "
                  "so the step never showed its limit (a lower bound)")
        notes.append("pick and pack capacity is a lower bound: history never saturated it")
    handoff = 0
    if "delivered_at" in facts:
        transit = (facts.loc[live, "delivered_at"].dt.normalize() - shipped) / pd.Timedelta(days=1)
        transit = transit[transit >= 0].dropna()
        if len(transit):
            handoff = int(round(float(transit.median())))
            notes.append(f"carrier transit: median {transit.median():.0f} calendar days from dispatch to doorstep "
                         f"(85th percentile {transit.quantile(0.85):.0f}; n={len(transit):,}); the projection uses the median")
    steps.append(StepCapacity(OperationalStep("Pick and pack", capacity, handoff_days=handoff), "inferred from history", detail,
                              capacity, len(busy), lower_bound=len(busy) < settings.capacity.min_history_days))
    return steps, notes


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
