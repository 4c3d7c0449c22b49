"""Capacity outlook from history: how the promise held at each daily order volume, and what a campaign would bring."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import EllipsisType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..config import Settings, WorkingCalendar
from ..signals import wilson_interval

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


@dataclass(frozen=True)
class RecentOrders:
    """The in-stock orders of the last weeks whose promised date has passed: what operations deliver today.

    The window is of promise-clock start days, ending on the last day whose orders are all due before the export
    ends, so every order in it has an outcome. Lead times are working days from the clock start to the doorstep;
    an order still undelivered counts with its days so far (it is late either way).
    """

    first: pd.Timestamp
    last: pd.Timestamp
    orders: int
    late: int
    late_share: float
    ci_low: float
    ci_high: float
    lead_p50: float
    lead_p85: float

    def misses_promise(self, target: float) -> bool:
        """Clearly above target: the whole interval, not one unlucky week, says so."""
        return self.ci_low > target

    def to_dict(self) -> dict:
        return {"first": self.first.date().isoformat(), "last": self.last.date().isoformat(), "orders": self.orders,
                "late": self.late, "late_share": round(self.late_share, 4), "ci": [round(self.ci_low, 4), round(self.ci_high, 4)],
                "lead_p50": self.lead_p50, "lead_p85": self.lead_p85}


def settled_window(facts: pd.DataFrame, calendar: WorkingCalendar, promise_days: int, weeks: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first, last) clock-start day of the last `weeks` weeks whose orders were all due before the export's last day."""
    end = np.datetime64(facts["ordered_at"].max().date(), "D")
    # The latest clock start whose deadline (promise_days working days later) falls before the export's last day.
    last = np.busday_offset(end - 1, -promise_days, roll="backward", weekmask=calendar.weekmask, holidays=list(calendar.holidays))
    last = pd.Timestamp(last)
    return last - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1), last


def in_stock(facts: pd.DataFrame) -> pd.Series:
    """Live orders not waiting for stock: the orders capacity is judged on."""
    mask = ~facts["cancelled"]
    if "backordered" in facts:
        mask &= ~facts["backordered"].fillna(False).astype(bool)
    return mask


def recent_orders(facts: pd.DataFrame, calendar: WorkingCalendar, promise_days: int, settings: Settings) -> RecentOrders | None:
    """Late share and lead times of the settled in-stock orders of the last `simulation.backtest_weeks` weeks."""
    if "delivered_at" not in facts or facts.empty:
        return None
    first, last = settled_window(facts, calendar, promise_days, settings.simulation.backtest_weeks)
    end = facts["ordered_at"].max().normalize()
    picked = facts[in_stock(facts) & facts["assessable"] & (facts["clock_start"] >= first) & (facts["clock_start"] <= last)
                   & (facts["deadline"] < end)]
    if picked.empty:
        return None
    start = picked["clock_start"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    done = picked["delivered_at"].dt.normalize().fillna(end).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    lead = np.maximum(np.busday_count(start, done, weekmask=calendar.weekmask, holidays=list(calendar.holidays)), 0)
    late = int(picked["late"].sum())
    low, high = wilson_interval(late, len(picked), settings.scoring.ci_level)
    p50, p85 = (float(np.percentile(lead, q, method="inverted_cdf")) for q in (50, 85))
    return RecentOrders(first, last, len(picked), late, late / len(picked), low, high, p50, p85)


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
    recent: RecentOrders | None = None  # the observed recent late share: the verdict's "already misses the promise"

    def __repr__(self) -> str:
        # One line: the generated repr prints every volume band and the whole day-by-day projection.
        safe = "no volume kept the promise" if self.safe_daily_orders is None else f"safe up to {self.safe_daily_orders:,.0f}/day"
        campaign = f", campaign {self.campaign.name[:40]!r}" if self.campaign is not None else ""
        uplift = f" +{self.uplift:.0%}" if self.uplift is not None else ""
        model = "" if self.simulation is None else (", projection trusted" if self.simulation.reproduces_history
                                                    else ", projection not trusted")
        return (f"<CapacityOutlook: usually {self.baseline_daily_orders:,.1f} orders/day, {safe}, "
                f"{self.assessed_orders:,} orders assessed{campaign}{uplift}{model}>")

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
                     calendar: WorkingCalendar, uplift: float | None = None, *,
                     campaign: PlannedCampaign | None | EllipsisType = ...) -> CapacityOutlook | None:
    """`uplift` (from `fixfirst capacity --uplift`) replaces the campaign plan's expected uplift. `campaign`: the
    planned campaign the audit chose once (`pipeline`); left out, it is chosen here from `campaigns`."""
    assessable = facts[facts["assessable"]]
    if "backordered" in assessable:
        assessable = assessable[~assessable["backordered"].fillna(False).astype(bool)]
    if assessable.empty:
        return None
    placed = facts[~facts["cancelled"] & facts["clock_start"].notna()]
    # Orders per working day, quiet days counted as zero.
    days = calendar.working_days(placed["clock_start"].min(), placed["clock_start"].max())
    volume = placed["clock_start"].value_counts().reindex(days, fill_value=0)
    target = settings.metrics.promise_breach.fixed_target("promise_breach")
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
    outlook.bands = _bands(per_day, settings.capacity.min_days_per_volume_band, settings.scoring.ci_level,
                           settings.capacity.max_volume_bands)
    for band in outlook.bands:  # the busiest band such that every band at or below it kept the promise
        if not band.kept_promise(target):
            break
        outlook.safe_daily_orders = band.high

    outlook.campaign = planned_campaign(campaigns, data_end) if campaign is ... else campaign
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


def _bands(per_day: pd.DataFrame, min_days: int, level: float, max_bands: int) -> list[VolumeBand]:
    """Split order days into at most `max_bands` volume bands of at least `min_days` days each (quantile edges)."""
    if per_day.empty:
        return []
    count = int(max(1, min(max_bands, len(per_day) // max(1, min_days))))
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
