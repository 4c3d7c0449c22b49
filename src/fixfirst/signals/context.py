"""What every signal computation needs to know about the engagement: settings, promise, money scale."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import Promise, Settings, WorkingCalendar

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class SignalContext:
    # Settings and calendar stay out of the repr: every threshold of the audit, every holiday of the years covered.
    settings: Settings = field(repr=False)
    promise: Promise
    calendar: WorkingCalendar = field(repr=False)
    average_order_value: float | None = None
    orders_per_month: float | None = None
    # client.business_type and client.sector: which rows of the benchmark table apply (fixfirst.signals.targets).
    business_type: str = "unknown"
    sector: str = "general"

    def per_month(self, count: float, start: pd.Timestamp | None, end: pd.Timestamp | None) -> float:
        """Scale a count observed between start and end to a 30.4-day month."""
        if start is None or end is None or pd.isna(start) or pd.isna(end):
            return 0.0
        days = max(1.0, (end - start) / pd.Timedelta(days=1))
        return count * DAYS_PER_MONTH / days

    def money(self, units_per_month: float) -> float:
        """Monthly revenue represented by `units_per_month` orders, at the average order value."""
        return max(0.0, units_per_month) * (self.average_order_value or 0.0)
