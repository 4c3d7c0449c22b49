"""Demand to plan for: a baseline from order history (weekday pattern and trend) plus the campaign's uplift over its dates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Capacity, Settings, WorkingCalendar
from .outlook import PlannedCampaign

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class DemandForecast:
    """Expected orders per calendar day over the horizon, and how the figure was built.

    `baseline` is what the history alone predicts; `expected` adds the campaign's uplift on its own dates.
    """

    baseline: pd.Series  # calendar day -> expected orders without the campaign
    expected: pd.Series  # calendar day -> expected orders with the campaign
    level: float  # orders per day in the recent weeks, past campaigns left out
    weekday_factors: dict[str, float]
    trend_per_week: float  # relative change per week applied to the forecast (0 when not significant)
    trend_observed: float
    trend_p_value: float
    history_days: int
    campaign: PlannedCampaign | None = None
    uplift: float | None = None
    uplift_source: str = ""
    leads: LeadDemand | None = None
    notes: list[str] = field(default_factory=list)
    dispersion: float | None = None  # negative-binomial k when order days swing more than Poisson; None = Poisson
    after_cutoff: tuple[float, ...] = (0.0,) * 7  # Mon..Sun: share of a working day's orders whose clock starts later

    def __repr__(self) -> str:
        # One line: the generated repr prints both series, a line a day, and every factor and note.
        campaign = f", campaign {self.campaign.name[:40]!r}" if self.campaign is not None else ""
        uplift = f" +{self.uplift:.0%}" if self.uplift is not None else ""
        return (f"<DemandForecast: {self.level:,.1f} orders/day over {len(self.baseline)} days, trend {self.trend_per_week:+.1%}/week"
                f"{campaign}{uplift}>")

    def ready(self, series: pd.Series) -> np.ndarray:
        """Orders by the day their promise clock starts: each day's after-cutoff share moves to the next day.

        The simulation works on these days, as the team does (an order after the cut-off is tomorrow's work), and
        its lead times count from them, as the promise does. Orders on a closed day stay there: the steps are closed
        too, so they wait for the next working day anyway. The window's last after-cutoff orders fall after it.
        """
        values = series.to_numpy(dtype=float)
        moved = values * np.asarray(self.after_cutoff)[series.index.day_of_week.to_numpy()]
        return values - moved + np.concatenate([[0.0], moved[:-1]])

    @property
    def campaign_days(self) -> pd.DatetimeIndex:
        if self.campaign is None:
            return pd.DatetimeIndex([])
        return self.expected.index[(self.expected.index >= self.campaign.start.normalize()) & (self.expected.index <= self.campaign.end.normalize())]

    def per_week(self, series: pd.Series) -> float:
        return float(series.mean() * 7) if len(series) else 0.0

    def to_dict(self) -> dict:
        days = self.campaign_days
        return {
            "level_per_day": round(self.level, 2),
            "weekday_factors": {k: round(v, 3) for k, v in self.weekday_factors.items()},
            "trend_per_week": round(self.trend_per_week, 4),
            "trend_observed_per_week": round(self.trend_observed, 4),
            "trend_p_value": round(self.trend_p_value, 4),
            "history_days": self.history_days,
            "horizon": [self.expected.index[0].date().isoformat(), self.expected.index[-1].date().isoformat()] if len(self.expected) else None,
            "campaign": self.campaign.name if self.campaign else None,
            "uplift": None if self.uplift is None else round(self.uplift, 4),
            "uplift_source": self.uplift_source,
            "baseline_orders_per_week": round(self.per_week(self.baseline.loc[days] if len(days) else self.baseline), 1),
            "expected_orders_per_week": round(self.per_week(self.expected.loc[days] if len(days) else self.expected), 1),
            "leads": None if self.leads is None else self.leads.to_dict(),
            "dispersion": None if self.dispersion is None else round(self.dispersion, 2),
            "after_cutoff_share": {d: round(v, 4) for d, v in zip(WEEKDAYS, self.after_cutoff, strict=False)},
            "notes": self.notes,
        }


@dataclass
class LeadDemand:
    """Marketing leads turned into deals: the conversion and lag that turn a campaign's leads into orders."""

    leads: int
    deals: int
    conversion: float
    median_days_to_deal: float | None
    by_channel: dict[str, tuple[int, float]]  # channel -> (leads, conversion)
    leads_per_week: float

    def to_dict(self) -> dict:
        return {"leads": self.leads, "deals": self.deals, "conversion": round(self.conversion, 4),
                "median_days_to_deal": self.median_days_to_deal, "leads_per_week": round(self.leads_per_week, 1),
                "by_channel": {k: {"leads": n, "conversion": round(c, 4)} for k, (n, c) in self.by_channel.items()}}


def daily_orders(facts: pd.DataFrame) -> pd.Series:
    """Live orders per calendar day (quiet days as zero), by the day they were placed."""
    placed = facts.loc[~facts["cancelled"] & facts["ordered_at"].notna(), "ordered_at"].dt.normalize()
    if placed.empty:
        return pd.Series(dtype=float)
    days = pd.date_range(placed.min(), placed.max(), freq="D")
    return placed.value_counts().reindex(days, fill_value=0).astype(float).sort_index()


def past_campaign_days(index: pd.DatetimeIndex, campaigns: pd.DataFrame | None, data_end: pd.Timestamp) -> np.ndarray:
    out = np.zeros(len(index), dtype=bool)
    if campaigns is None or campaigns.empty:
        return out
    for _, c in campaigns[campaigns["start"] <= data_end].iterrows():
        out |= (index >= c["start"].normalize()) & (index <= c["end"].normalize())
    return out


def forecast_demand(facts: pd.DataFrame, campaigns: pd.DataFrame | None, campaign: PlannedCampaign | None, settings: Settings,
                    *, uplift: float | None = None, horizon: tuple[pd.Timestamp, pd.Timestamp] | None = None,
                    leads: LeadDemand | None = None, calendar: WorkingCalendar | None = None) -> DemandForecast | None:
    """Baseline = recent level × weekday factor × trend, over past days outside campaigns.

    The trend is the least-squares slope of weekly totals over `capacity.history_weeks`, relative to their mean, and it is
    applied only when significant at `1 - scoring.ci_level`: a noisy slope must not invent growth or decline.
    `uplift` (e.g. from `--uplift 40%`) overrides the campaign plan's expected uplift.
    """
    rules = settings.capacity
    daily = daily_orders(facts)
    if daily.empty:
        return None
    data_end = daily.index[-1]
    history = daily[daily.index > data_end - pd.Timedelta(weeks=rules.history_weeks)]
    usual = history[~past_campaign_days(history.index, campaigns, data_end)]
    if len(usual) < rules.min_usual_days:
        usual = history
    recent = usual[usual.index > data_end - pd.Timedelta(weeks=rules.level_weeks)]
    level = float(recent.mean()) if len(recent) else float(usual.mean())
    by_weekday = usual.groupby(usual.index.day_of_week).mean().reindex(range(7), fill_value=0.0)
    mean = float(by_weekday.mean())
    factors = (by_weekday / mean).to_numpy() if mean > 0 else np.ones(7)
    trend, observed, p_value = _weekly_trend(usual, settings.scoring.ci_level, rules.trend_min_weeks)
    dispersion = _dispersion(usual, by_weekday, settings.simulation.dispersion_min_days, settings.simulation.overdispersion_ratio)

    if horizon is None:
        if campaign is not None:
            horizon = (data_end + pd.Timedelta(days=1), campaign.end.normalize())
        else:
            horizon = (data_end + pd.Timedelta(days=1), data_end + pd.Timedelta(weeks=rules.default_horizon_weeks))
    days = pd.date_range(horizon[0].normalize(), horizon[1].normalize(), freq="D")
    weeks_ahead = np.asarray((days - data_end) / pd.Timedelta(weeks=1), dtype=float)
    # The level describes the middle of the recent window, so the trend runs from there.
    weeks_ahead += rules.level_weeks / 2
    baseline = pd.Series(np.clip(level * factors[days.day_of_week] * (1 + trend * weeks_ahead), 0, None), index=days)

    source = ""
    if uplift is not None:
        source = "given on the command line"
    elif campaign is not None and campaign.uplift is not None:
        uplift, source = float(campaign.uplift), "the campaign plan"
    expected = baseline.copy()
    notes = []
    if campaign is not None and uplift is not None:
        inside = (days >= campaign.start.normalize()) & (days <= campaign.end.normalize())
        expected[inside] *= 1 + uplift
    elif uplift is not None:
        expected *= 1 + uplift
        notes.append("no planned campaign: the uplift is applied to the whole horizon")
    if trend == 0 and observed != 0:
        notes.append(f"a weekly trend of {observed:+.1%} was seen but is not significant (p={p_value:.2f}), so none is projected")
    if dispersion is not None:
        notes.append(f"order days swing more than chance alone (variance {1 + level / dispersion:.1f}x the Poisson one at "
                     f"{level:.0f} a day), so daily orders are drawn from a negative binomial with k={dispersion:.1f}")
    return DemandForecast(baseline, expected, level, {WEEKDAYS[i]: float(f) for i, f in enumerate(factors)}, trend, observed,
                          p_value, len(usual), campaign, uplift, source, leads, notes, dispersion, after_cutoff(facts, calendar))


def after_cutoff(facts: pd.DataFrame, calendar: WorkingCalendar | None) -> tuple[float, ...]:
    """Mon..Sun: share of live orders placed on a working day whose promise clock starts on a later day (the cut-off).

    Without a calendar nothing moves (every order is that day's work)."""
    if calendar is None or "clock_start" not in facts:
        return (0.0,) * 7
    live = facts[~facts["cancelled"] & facts["ordered_at"].notna() & facts["clock_start"].notna()]
    placed = live["ordered_at"].dt.normalize()
    day = placed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    working = np.is_busday(day, weekmask=calendar.weekmask, holidays=list(calendar.holidays))
    weekday = placed.dt.day_of_week.to_numpy()
    later = (live["clock_start"] > placed).to_numpy()
    total = np.bincount(weekday[working], minlength=7)
    moved = np.bincount(weekday[working & later], minlength=7)
    return tuple(float(m / t) if t else 0.0 for m, t in zip(moved, total, strict=False))


def _dispersion(daily: pd.Series, by_weekday: pd.Series, min_days: int, ratio: float) -> float | None:
    """Negative-binomial k from how far days stray from their weekday's mean: var = mean + mean² / k.

    Returns None (Poisson) unless the spread is clearly wider, more than `ratio` times the mean
    (`simulation.overdispersion_ratio`), since a few weeks of Poisson days also scatter a little above it by chance.
    """
    if len(daily) < min_days:
        return None
    expected = by_weekday.reindex(daily.index.day_of_week).to_numpy()
    mean = float(expected.mean())
    variance = float(((daily.to_numpy() - expected) ** 2).sum() / max(1, len(daily) - 7))
    if mean <= 0 or variance <= ratio * mean:
        return None
    return mean * mean / (variance - mean)


def _weekly_trend(daily: pd.Series, level: float,
                  min_weeks: int = Capacity.model_fields["trend_min_weeks"].default) -> tuple[float, float, float]:
    """(applied slope, observed slope, p-value): weekly totals regressed on week number, relative to their mean."""
    from scipy.special import stdtr  # scipy.stats would cost most of a second at every run

    weekly = daily.resample("W-SUN").agg(["sum", "size"])
    weekly = weekly[weekly["size"] == 7]["sum"]  # whole weeks only: a half week is not a dip
    if len(weekly) < min_weeks or weekly.mean() <= 0:
        return 0.0, 0.0, 1.0
    # Ordinary least squares with the usual t-test on the slope (what scipy.stats.linregress reports).
    x = np.arange(len(weekly), dtype=float)
    y = weekly.to_numpy(dtype=float)
    dx = x - x.mean()
    slope = float((dx * (y - y.mean())).sum() / (dx * dx).sum())
    residuals = y - y.mean() - slope * dx
    dof = len(y) - 2
    se = float(np.sqrt((residuals * residuals).sum() / dof / (dx * dx).sum()))
    p_value = 1.0 if se == 0 and slope == 0 else (0.0 if se == 0 else float(2 * stdtr(dof, -abs(slope / se))))
    observed = slope / float(weekly.mean())
    applied = observed if p_value < 1 - level else 0.0
    return applied, observed, p_value


def lead_demand(leads: pd.DataFrame | None, settings: Settings) -> LeadDemand | None:
    """Conversion of marketing leads into deals, per channel, from a leads export with an optional won date."""
    if leads is None or leads.empty or "created_at" not in leads:
        return None
    won = leads["won_at"].notna() if "won_at" in leads else pd.Series(False, index=leads.index)
    n = len(leads)
    deals = int(won.sum())
    lag = None
    if deals:
        days = (leads.loc[won, "won_at"] - leads.loc[won, "created_at"]) / pd.Timedelta(days=1)
        days = days[days >= 0]
        lag = float(days.median()) if len(days) else None
    by_channel: dict[str, tuple[int, float]] = {}
    if "channel" in leads:
        grouped = pd.DataFrame({"channel": leads["channel"].astype("string").fillna("unknown"), "won": won}).groupby("channel")["won"]
        for channel, part in grouped:
            if len(part) >= settings.capacity.min_leads_per_channel:
                by_channel[str(channel)] = (len(part), float(part.mean()))
    span_weeks = max(1.0, (leads["created_at"].max() - leads["created_at"].min()) / pd.Timedelta(weeks=1))
    return LeadDemand(n, deals, deals / n, lag, by_channel, n / span_weeks)


# A hard bound on input, not a judgement: demand cannot fall by more than 90% or grow a hundredfold in a plan.
MIN_UPLIFT, MAX_UPLIFT = -0.9, 100.0


def parse_uplift(text: str) -> float:
    """'40%' or '0.4' -> 0.4. A bare number of 1 or more is refused: '5' could mean +5% or +500%."""
    raw = str(text).strip().replace(" ", "")
    try:
        if raw.endswith("%"):
            value = float(raw[:-1]) / 100
        else:
            value = float(raw)
            if abs(value) >= 1:
                raise ValueError
    except ValueError:
        raise ValueError(f"{text!r} is not an uplift: write it as a percentage such as 40% (or 150%), or a fraction below 1 such as 0.4") from None
    if not MIN_UPLIFT <= value <= MAX_UPLIFT:
        raise ValueError(f"{text!r} is out of range: an uplift is between -90% and +10000%")
    return value
