"""Row-level checks per source kind: duplicates, impossible sequences, dates in the future."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ORDER_SEQUENCE = ("ordered_at", "paid_at", "shipped_at", "delivered_at")
# Sanity bounds of a capacity sheet (value.out_of_range in docs/engagement.md): far beyond what one step of a client's
# operation handles, so only typing slips, "inf" and figures that would overflow the simulation are caught. A hundred
# thousand people working round the clock is 2.4 million staff hours in a day.
MAX_UNITS_PER_DAY = 10_000_000
MAX_STAFF_HOURS_PER_DAY = 24 * 100_000
MAX_UNITS_PER_STAFF_HOUR = 100_000
MIN_UNITS_PER_DAY = 0.01
CAPACITY_BOUNDS = {"units_per_day": (MAX_UNITS_PER_DAY, "units a day"),
                   "staff_hours": (MAX_STAFF_HOURS_PER_DAY, "hours a day"),
                   "units_per_staff_hour": (MAX_UNITS_PER_STAFF_HOUR, "units an hour")}


# Any other figure (an order value, a quantity, a spend, a deal value): no business's figure comes near a million
# billion, and "inf" or 1e308 would overflow every sum made of them.
MAX_ABS_FIGURE = 1e15


def validate_rows(kind: str, frame: pd.DataFrame, headers: dict[str, str], sink, today: dt.date) -> pd.Series:
    """Report row problems through `sink`; return the mask of rows to leave out."""
    drop = pd.Series(False, index=frame.index)
    if kind != "capacity":  # a capacity sheet has bounds of its own, and its rows are left out instead
        _blank_wild_figures(frame, headers, sink)
    future_limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    # A capacity roster plans days to come; every other date records something that has happened.
    for name in ("ordered_at", "submitted_at", "timestamp", "date"):
        if name in frame and not (kind == "capacity" and name == "date"):
            future = frame[name] > future_limit
            sink.cells(future, "value.in_future", f"{name} is in the future; row left out", headers[name], frame[name])
            drop |= future.fillna(False)
    if kind == "orders":
        drop |= _check_orders(frame, headers, sink)
    elif kind == "campaigns":
        backwards = frame["end"] < frame["start"]
        sink.cells(backwards, "sequence.end_before_start", "campaign ends before it starts; row left out", headers["end"], frame["end"])
        drop |= backwards.fillna(False)
    elif kind == "feedback":
        drop |= frame["text"].isna()
    elif kind == "capacity":
        drop |= _check_capacity(frame, headers, sink)
    elif kind in ("leads", "deals"):
        duplicated = frame["lead_id"].notna() & frame["lead_id"].duplicated(keep="first")
        sink.cells(duplicated, "duplicate.id", "lead id already seen in an earlier row; this row left out", headers["lead_id"], frame["lead_id"])
        drop |= duplicated
    return drop


def _blank_wild_figures(frame: pd.DataFrame, headers: dict[str, str], sink) -> None:
    """Infinite or absurdly large figures are not figures: reported, and blanked (the row stays for its other fields)."""
    for name in frame.columns:
        if name not in headers or not pd.api.types.is_float_dtype(frame[name].dtype):
            continue
        values = frame[name]
        wild = pd.Series(~np.isfinite(values.fillna(0).to_numpy()), index=frame.index) | (values.abs() > MAX_ABS_FIGURE).fillna(False)
        if wild.any():
            sink.cells(wild, "value.out_of_range", f"{name} is infinite or larger than {MAX_ABS_FIGURE:,.0f}: not a real figure; "
                       "treated as missing", headers[name], values)
            frame[name] = values.mask(wild)


def _check_orders(frame: pd.DataFrame, headers: dict[str, str], sink) -> pd.Series:
    drop = pd.Series(False, index=frame.index)
    duplicated = frame["order_id"].notna() & frame["order_id"].duplicated(keep="first")
    sink.cells(duplicated, "duplicate.id", "order id already seen in an earlier row; this row left out", headers["order_id"], frame["order_id"])
    drop |= duplicated
    present = [c for c in ORDER_SEQUENCE if c in frame]
    stamps = {c: frame[c].to_numpy(dtype="datetime64[ns]") for c in present}
    days = {c: stamps[c].astype("datetime64[D]") for c in present}
    # A date without a time (midnight) only says which day: a same-day delivery recorded as a date
    # is not "before" a 10:00 shipment, so such pairs are compared by day.
    midnight = {c: stamps[c] == days[c].astype("datetime64[ns]") for c in present}
    for i, earlier in enumerate(present):
        for later in present[i + 1:]:
            by_day = midnight[earlier] | midnight[later]
            before = np.where(by_day, days[later] < days[earlier], stamps[later] < stamps[earlier])  # NaT compares False
            backwards = pd.Series(before, index=frame.index) & ~drop
            sink.cells(backwards, "sequence.out_of_order", f"{later} is before {earlier}; row left out", headers[later], frame[later])
            drop |= backwards
    if "value" in frame:
        negative = (frame["value"] < 0).fillna(False)
        sink.cells(negative, "value.negative", "order value is negative (a refund line?); row left out", headers["value"], frame["value"])
        drop |= negative
    return drop


def _check_capacity(frame: pd.DataFrame, headers: dict[str, str], sink) -> pd.Series:
    """Each capacity row needs units per day, or staff hours with units per staff hour, finite and within CAPACITY_BOUNDS."""
    nothing = pd.Series(float("nan"), index=frame.index)
    daily = frame["units_per_day"] if "units_per_day" in frame else nothing
    hours = frame["staff_hours"] if "staff_hours" in frame else nothing
    rate = frame["units_per_staff_hour"] if "units_per_staff_hour" in frame else nothing
    missing = daily.isna() & (hours.isna() | rate.isna())
    sink.cells(missing, "value.no_capacity", "no units per day, nor staff hours with units per staff hour; row left out",
               headers["step"], frame["step"])
    negative = (daily < 0).fillna(False) | (hours < 0).fillna(False) | (rate < 0).fillna(False)
    sink.cells(negative & ~missing, "value.negative", "a capacity figure is negative; row left out", headers["step"], frame["step"])
    # An infinite figure ("inf" in a CSV) or one past any real operation: the simulation cannot use it, and a product
    # of two huge figures overflows to infinity. Each is named in its own column.
    out_of_range = pd.Series(False, index=frame.index)
    for field, values in (("units_per_day", daily), ("staff_hours", hours), ("units_per_staff_hour", rate)):
        limit, unit = CAPACITY_BOUNDS[field]
        number = values.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            wrong = ~np.isnan(number) & (~np.isfinite(number) | (number > limit))
        bad = pd.Series(wrong, index=frame.index) & ~missing & ~negative & ~out_of_range
        if field in frame:
            sink.cells(bad, "value.out_of_range", f"{field.replace('_', ' ')} must be a finite number of at most {limit:,} {unit}; "
                       "row left out", headers[field], frame[field])
        out_of_range |= bad
    units = daily.fillna(hours * rate)
    too_many = (units > MAX_UNITS_PER_DAY).fillna(False) & daily.isna() & ~missing & ~negative & ~out_of_range
    sink.cells(too_many, "value.out_of_range", f"staff hours times units per staff hour is more than {MAX_UNITS_PER_DAY:,} "
               "units a day; row left out", headers.get("staff_hours", headers["step"]), frame["step"])
    out_of_range |= too_many
    # A positive capacity below one unit in a hundred days is a typing slip (1e-26), not a step: the simulation would
    # need centuries to clear one order, and its load figures overflow. Zero stays a closed day (below).
    too_few = (units > 0).fillna(False) & (units < MIN_UNITS_PER_DAY).fillna(False) & ~missing & ~negative & ~out_of_range
    sink.cells(too_few, "value.out_of_range", f"a capacity of less than {MIN_UNITS_PER_DAY:g} units a day (one unit in "
               f"{1 / MIN_UNITS_PER_DAY:,.0f} days) is not a working step; give the real daily capacity, or 0 for a closed day; "
               "row left out", headers.get("units_per_day", headers.get("staff_hours", headers["step"])), frame["step"])
    out_of_range |= too_few
    undated = frame["date"].isna() if "date" in frame else pd.Series(True, index=frame.index)
    # Zero on a dated row is a closed day; on an undated row it would stop the step for ever.
    zero = (units == 0).fillna(False) & undated & ~missing & ~negative & ~out_of_range
    sink.cells(zero, "value.zero_capacity", "capacity of 0 on a row without a date: the step would never work; give the "
               "real daily capacity, or a date for a closed day; row left out", headers["step"], frame["step"])
    return missing | negative | out_of_range | zero
