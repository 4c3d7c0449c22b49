"""Row-level checks per source kind: duplicates, impossible sequences, dates in the future."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ORDER_SEQUENCE = ("ordered_at", "paid_at", "shipped_at", "delivered_at")


def validate_rows(kind: str, frame: pd.DataFrame, headers: dict[str, str], sink, today: dt.date) -> pd.Series:
    """Report row problems through `sink`; return the mask of rows to leave out."""
    drop = pd.Series(False, index=frame.index)
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
    """Each capacity row needs units per day, or staff hours with units per staff hour."""
    daily = frame["units_per_day"] if "units_per_day" in frame else pd.Series(float("nan"), index=frame.index)
    hours = frame["staff_hours"] if "staff_hours" in frame else pd.Series(float("nan"), index=frame.index)
    rate = frame["units_per_staff_hour"] if "units_per_staff_hour" in frame else pd.Series(float("nan"), index=frame.index)
    missing = daily.isna() & (hours.isna() | rate.isna())
    sink.cells(missing, "value.no_capacity", "no units per day, nor staff hours with units per staff hour; row left out",
               headers["step"], frame["step"])
    negative = (daily < 0).fillna(False) | (hours < 0).fillna(False) | (rate < 0).fillna(False)
    sink.cells(negative & ~missing, "value.negative", "a capacity figure is negative; row left out", headers["step"], frame["step"])
    units = daily.fillna(hours * rate)
    undated = frame["date"].isna() if "date" in frame else pd.Series(True, index=frame.index)
    # Zero on a dated row is a closed day; on an undated row it would stop the step for ever.
    zero = (units == 0).fillna(False) & undated & ~missing & ~negative
    sink.cells(zero, "value.zero_capacity", "capacity of 0 on a row without a date: the step would never work; give the "
               "real daily capacity, or a date for a closed day; row left out", headers["step"], frame["step"])
    return missing | negative | zero
