"""Capacity outlook from history: how the promise held at each daily order volume, and what a campaign would bring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..settings import Settings
from ..signals.base import wilson_interval
from ..signals.calendar import WorkingCalendar

if TYPE_CHECKING:
    from .campaign import CampaignProjection


@dataclass(frozen=True)
class VolumeBand:
    low: float
    high: float
    days: int
    orders: int
    late: int
    breach_rate: float
    ci_low: float
    ci_high: float

    def kept_promise(self, target: float) -> bool:
        """Not clearly above target: a band of few days must not fail on one bad afternoon."""
        return self.ci_low <= target


@dataclass(frozen=True)
class PlannedCampaign:
    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    uplift: float | None
    spend: float | None
    channel: str | None


@dataclass
class CapacityOutlook:
    """Empirical: the breach rate of in-stock orders grouped by how busy the day their promise clock started was.

    Backordered orders are left out: they are late for want of stock, not of capacity. Days are working
    days; an order placed after the cutoff or on a closed day loads the next working day.
    """

    baseline_daily_orders: float
    baseline_days: int
    assessed_orders: int = 0
    bands: list[VolumeBand] = field(default_factory=list)
    safe_daily_orders: float | None = None  # busiest volume up to which every band kept the promise
    campaign: PlannedCampaign | None = None
    campaign_daily_orders: float | None = None
    projected_breach_rate: float | None = None
    projection_basis: str = ""
    breach_target: float = 0.05
    simulation: CampaignProjection | None = None  # the day-by-day projection, when a step could be modelled
    simulation_skipped: str = ""  # why there is no projection
    uplift: float | None = None  # the uplift projected: given on the command line, or the campaign plan's
    kpis: list = field(default_factory=list)  # marketing and operations KPIs side by side (capacity.kpis.SideKpi)

    @property
    def headroom(self) -> float | None:
        """Extra demand, as a share of baseline, that history says operations carried within target."""
        if self.safe_daily_orders is None or not self.baseline_daily_orders:
            return None
        return max(0.0, self.safe_daily_orders / self.baseline_daily_orders - 1.0)

    @property
    def campaign_breaks_promise(self) -> bool:
        """The campaign asks for more than the busiest volume at which the promise held on record."""
        if self.campaign_daily_orders is None:
            return False
        return self.safe_daily_orders is None or self.campaign_daily_orders > self.safe_daily_orders


def planned_campaign(campaigns: pd.DataFrame | None, data_end: pd.Timestamp) -> PlannedCampaign | None:
    """The next campaign: starting after the order history ends, or marked planned and not over before it ends.

    A campaign marked "planned" that ended before the last order is history the status column forgot to update.
    """
    if campaigns is None or campaigns.empty:
        return None
    future = campaigns["start"] > data_end
    if "status" in campaigns:
        marked = campaigns["status"].astype("string").str.lower().str.contains("plan|upcoming|draft", regex=True).fillna(False)
        future |= marked & (campaigns["end"].dt.normalize() > data_end.normalize())
    upcoming = campaigns[future].sort_values("start")
    if upcoming.empty:
        return None
    row = upcoming.iloc[0]

    def get(name):
        value = row.get(name)
        return None if value is None or pd.isna(value) else value

    return PlannedCampaign(str(row["name"]), row["start"], row["end"], get("uplift"), get("spend"), get("channel"))


def capacity_outlook(facts: pd.DataFrame, campaigns: pd.DataFrame | None, settings: Settings,
                     calendar: WorkingCalendar, uplift: float | None = None) -> CapacityOutlook | None:
    """`uplift` (from `fixfirst capacity --uplift`) replaces the campaign plan's expected uplift."""
    assessable = facts[facts["assessable"]]
    if "backordered" in assessable:
        assessable = assessable[~assessable["backordered"].fillna(False).astype(bool)]
    if assessable.empty:
        return None
    placed = facts[~facts["cancelled"] & facts["clock_start"].notna()]
    # Orders per working day, quiet days counted as zero.
    days = calendar.working_days(placed["clock_start"].min(), placed["clock_start"].max())
    volume = placed["clock_start"].value_counts().reindex(days, fill_value=0)
    target = settings.metrics.promise_breach.target
    data_end = facts["ordered_at"].max()
    in_campaign = pd.Series(False, index=volume.index)
    if campaigns is not None and len(campaigns):
        for _, c in campaigns[campaigns["start"] <= data_end].iterrows():
            in_campaign |= (volume.index >= c["start"].normalize()) & (volume.index <= c["end"].normalize())
    normal = volume[~in_campaign] if (~in_campaign).any() else volume
    outlook = CapacityOutlook(float(normal.median()), int(len(normal)), len(assessable), breach_target=target)

    per_day = assessable.groupby("clock_start")["late"].agg(["size", "sum"])
    per_day["volume"] = volume.reindex(per_day.index).to_numpy()
    per_day = per_day.dropna()
    outlook.bands = _bands(per_day, settings.capacity.min_days_per_volume_band, settings.scoring.ci_level)
    for band in outlook.bands:  # the busiest band such that every band at or below it kept the promise
        if not band.kept_promise(target):
            break
        outlook.safe_daily_orders = band.high

    outlook.campaign = planned_campaign(campaigns, data_end)
    planned_uplift = outlook.campaign.uplift if outlook.campaign is not None else None
    uplift = uplift if uplift is not None else planned_uplift
    outlook.uplift = None if uplift is None else float(uplift)
    if uplift is not None and outlook.bands:
        expected = outlook.baseline_daily_orders * (1.0 + float(uplift))
        outlook.campaign_daily_orders = expected
        _project(outlook, expected)
    return outlook


def _project(outlook: CapacityOutlook, expected: float) -> None:
    """The breach rate on record at the campaign's volume; between two bands, the busier one (the cautious reading)."""
    bands = outlook.bands
    if expected > bands[-1].high:
        band = bands[-1]
        outlook.projection_basis = (f"untested: the busiest days on record had at most {band.high:.0f} orders; "
                                    f"at {band.low:.0f}-{band.high:.0f} orders the promise was missed {band.breach_rate:.0%} of the time, "
                                    f"so {expected:.0f} a day is at least that risky")
    else:
        band = next(b for b in bands if b.high >= expected)
        below = " (below every day on record)" if expected < bands[0].low else ""
        outlook.projection_basis = (f"history{below}: {band.days} days with {band.low:.0f}-{band.high:.0f} orders "
                                    f"({band.orders:,} in-stock orders) missed the promise {band.breach_rate:.0%} of the time")
    outlook.projected_breach_rate = band.breach_rate


def _bands(per_day: pd.DataFrame, min_days: int, level: float) -> list[VolumeBand]:
    """Split order days into volume bands of at least `min_days` days each (quantile edges)."""
    if per_day.empty:
        return []
    count = int(max(1, min(6, len(per_day) // max(1, min_days))))
    edges = np.unique(np.quantile(per_day["volume"], np.linspace(0, 1, count + 1)))
    if len(edges) < 2:
        edges = np.array([per_day["volume"].min(), per_day["volume"].max()])
    labels = np.clip(np.searchsorted(edges, per_day["volume"], side="right") - 1, 0, len(edges) - 2)
    bands = []
    for i in range(len(edges) - 1):
        part = per_day[labels == i]
        if part.empty:
            continue
        orders, late = int(part["size"].sum()), int(part["sum"].sum())
        low, high = wilson_interval(late, orders, level)
        bands.append(VolumeBand(float(part["volume"].min()), float(part["volume"].max()), len(part), orders, late,
                                late / orders if orders else 0.0, low, high))
    return bands
