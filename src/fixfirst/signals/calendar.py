"""Working-day arithmetic for the delivery promise: deadlines and lead times in business days."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engagement import Promise


@dataclass(frozen=True)
class WorkingCalendar:
    weekmask: str
    holidays: tuple[np.datetime64, ...]

    @classmethod
    def from_promise(cls, promise: Promise) -> "WorkingCalendar":
        return cls(promise.weekmask, tuple(np.datetime64(d, "D") for d in promise.holidays))

    def _days(self, stamps: pd.Series) -> np.ndarray:
        return stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")

    def business_days_between(self, start: pd.Series, end: pd.Series) -> pd.Series:
        """Working days from start to end (0 = same day); NaN where either is missing."""
        ok = (start.notna() & end.notna()).to_numpy()
        out = np.full(len(start), np.nan)
        if ok.any():
            out[ok] = np.busday_count(self._days(start)[ok], self._days(end)[ok], weekmask=self.weekmask, holidays=list(self.holidays))
        return pd.Series(out, index=start.index)

    def promise_deadline(self, ordered_at: pd.Series, business_days: int, cutoff=None) -> pd.Series:
        """The last day the promise allows: orders after the cutoff, or on a closed day, start the next working day."""
        ok = ordered_at.notna().to_numpy()
        out = np.full(len(ordered_at), np.datetime64("NaT"), dtype="datetime64[D]")
        if ok.any():
            days = self._days(ordered_at)[ok]
            if cutoff is not None:
                seconds = (ordered_at.dt.hour * 3600 + ordered_at.dt.minute * 60 + ordered_at.dt.second).to_numpy()[ok]
                late = seconds > cutoff.hour * 3600 + cutoff.minute * 60 + cutoff.second
                days = days + late.astype("timedelta64[D]")
            start = np.busday_offset(days, 0, roll="forward", weekmask=self.weekmask, holidays=list(self.holidays))
            out[ok] = np.busday_offset(start, business_days, roll="forward", weekmask=self.weekmask, holidays=list(self.holidays))
        return pd.Series(out.astype("datetime64[ns]"), index=ordered_at.index)
