"""Working-day arithmetic for the delivery promise: deadlines and lead times in business days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .engagement import Promise


def public_holidays(country: str, region: str | None, years) -> list:
    """Public holidays from the `holidays` package; NotImplementedError for an unknown country or region."""
    import holidays

    return sorted(holidays.country_holidays(country.upper(), subdiv=region, years=list(years)))


@dataclass(frozen=True)
class WorkingCalendar:
    weekmask: str
    holidays: tuple[np.datetime64, ...]

    @classmethod
    def from_promise(cls, promise: Promise, country: str | None = None, years: range | list[int] | None = None) -> WorkingCalendar:
        """The promise's working days, its own closed days, and (unless switched off) the country's public holidays."""
        days = set(promise.holidays)
        if promise.public_holidays and country and years:
            days |= set(public_holidays(country, promise.region, years))
        return cls(promise.weekmask, tuple(np.datetime64(d, "D") for d in sorted(days)))

    def _days(self, stamps: pd.Series) -> np.ndarray:
        return stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")

    def business_days_between(self, start: pd.Series, end: pd.Series) -> pd.Series:
        """Working days from start to end (0 = same day); NaN where either is missing."""
        ok = (start.notna() & end.notna()).to_numpy()
        out = np.full(len(start), np.nan)
        if ok.any():
            out[ok] = np.busday_count(self._days(start)[ok], self._days(end)[ok], weekmask=self.weekmask, holidays=list(self.holidays))
        return pd.Series(out, index=start.index)

    def clock_start(self, ordered_at: pd.Series, cutoff=None) -> pd.Series:
        """The working day the promise clock starts: the order day, or the next working day when the
        order came after the cutoff or on a closed day."""
        ok = ordered_at.notna().to_numpy()
        out = np.full(len(ordered_at), np.datetime64("NaT"), dtype="datetime64[D]")
        if ok.any():
            days = self._days(ordered_at)[ok]
            if cutoff is not None:
                seconds = (ordered_at.dt.hour * 3600 + ordered_at.dt.minute * 60 + ordered_at.dt.second).to_numpy()[ok]
                late = seconds > cutoff.hour * 3600 + cutoff.minute * 60 + cutoff.second
                days = days + late.astype("timedelta64[D]")
            out[ok] = np.busday_offset(days, 0, roll="forward", weekmask=self.weekmask, holidays=list(self.holidays))
        return pd.Series(out.astype("datetime64[ns]"), index=ordered_at.index)

    def promise_deadline(self, ordered_at: pd.Series, business_days: int, cutoff=None) -> pd.Series:
        """The last day the promise allows: `business_days` working days after the clock starts."""
        start = self.clock_start(ordered_at, cutoff)
        ok = start.notna().to_numpy()
        out = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[D]")
        if ok.any():
            out[ok] = np.busday_offset(self._days(start)[ok], business_days, roll="forward", weekmask=self.weekmask, holidays=list(self.holidays))
        return pd.Series(out.astype("datetime64[ns]"), index=ordered_at.index)

    def working_days(self, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
        """Every working day from first to last, inclusive."""
        days = np.arange(np.datetime64(first.date(), "D"), np.datetime64(last.date(), "D") + 1)
        return pd.DatetimeIndex(days[np.is_busday(days, weekmask=self.weekmask, holidays=list(self.holidays))]).astype("datetime64[ns]")
