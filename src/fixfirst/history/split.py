"""A before/after split inside one export: each change's period before against its period after, weekday- and season-adjusted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from ..config import Change, Settings
from ..decision import data_as_of
from ..errors import FixfirstError, ProblemLog
from ..ingest import IngestResult
from ..signals import FrictionSignal, compute_signals
from .stats import ChangeReading, ProportionChange, proportion_change

SCHEMA = "fixfirst.split/1"
# Fewest days after a change before its effect is judged: a week or two of noise is not evidence.
YEAR_DAYS = 364  # 52 weeks: the same calendar weeks a year earlier, on the same weekdays
# The date each dated source is split on. Events are split by the first event of their case, so that a case is never cut.
DATE_COLUMNS = {"orders": "ordered_at", "events": "timestamp", "survey": "submitted_at", "feedback": "date"}
WEEKDAY_METHOD = "direct standardisation: the after period's weekday rates weighted by the before period's weekday mix"
# Signals that do not come from dated data (consultation answers) cannot be split by date.
UNSPLIT_SOURCES = frozenset({"checklist"})

SignalKey = tuple[str, str, str, str]  # touchpoint, metric, label, source


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return max(0, (self.end - self.start).days + 1)

    def shifted(self, days: int) -> Period:
        return Period(self.start - dt.timedelta(days=days), self.end - dt.timedelta(days=days))

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


@dataclass(frozen=True)
class YearEarlier:
    """The same signal in the same calendar weeks a year earlier (52 weeks back), for the difference in differences."""

    before: Period
    after: Period
    value_before: float
    n_before: int
    value_after: float
    n_after: int
    difference: float  # the year-earlier after minus before, on the same weekday mix as this year's

    def to_dict(self) -> dict:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(), "value_before": round(self.value_before, 4),
                "n_before": self.n_before, "value_after": round(self.value_after, 4), "n_after": self.n_after,
                "difference": round(self.difference, 4)}


@dataclass(frozen=True)
class SignalSplit:
    """One signal (a share) before and after a change, and the judgement of its change.

    `before`/`after` are the periods' own values; `before_adjusted`/`after_adjusted` are both on the before period's weekday
    mix (None when the weekday mix could not be adjusted). `difference`, `low`, `high`, `p_value` and `reading` judge the
    adjusted change: weekday-adjusted where possible, and less the same weeks' change a year earlier where the data reach
    back that far (`year_earlier`). `unadjusted` is the plain two-period comparison of the raw values, for transparency.
    """

    touchpoint: str
    touchpoint_name: str
    metric: str
    label: str
    source: str
    higher_is_better: bool
    before: float
    n_before: int
    after: float
    n_after: int
    before_adjusted: float | None
    after_adjusted: float | None
    weekday_adjusted: bool
    year_earlier: YearEarlier | None
    difference: float
    low: float
    high: float
    p_value: float
    reading: ChangeReading
    too_early: str | None  # why it is too early: short_after_period | few_after | few_before; None otherwise
    unadjusted: ProportionChange

    @property
    def season_adjusted(self) -> bool:
        return self.year_earlier is not None

    def to_dict(self) -> dict:
        def r(value):
            return None if value is None else round(value, 4)

        return {"touchpoint": self.touchpoint, "touchpoint_name": self.touchpoint_name, "metric": self.metric, "label": self.label,
                "source": self.source, "higher_is_better": self.higher_is_better, "before": r(self.before), "n_before": self.n_before,
                "after": r(self.after), "n_after": self.n_after, "before_adjusted": r(self.before_adjusted),
                "after_adjusted": r(self.after_adjusted), "weekday_adjusted": self.weekday_adjusted,
                "season_adjusted": self.season_adjusted,
                "year_earlier": None if self.year_earlier is None else self.year_earlier.to_dict(),
                "difference": r(self.difference), "ci": [r(self.low), r(self.high)], "p_value": round(self.p_value, 6),
                "reading": self.reading.value, "too_early": self.too_early, "unadjusted": self.unadjusted.to_dict()}


@dataclass(frozen=True)
class ChangeComparison:
    """One change: the period before it (from the previous change or the data's start) against the period after it (to the
    next change or the data's end), on the touchpoints it concerns.

    `window`: ok | no_data_before (the change is on or before the data's first day) | no_data_after (after the data's last day).
    `seasonality`: adjusted | no_year_earlier (the data do not reach a year before the before period) | after_too_long
    (the after period is longer than a year) | not_compared.
    """

    what: str
    date: dt.date
    action: str | None
    touchpoints: list[str]  # as the change names them; empty: every touchpoint
    window: str
    before: Period | None
    after: Period | None
    seasonality: str
    signals: list[SignalSplit] = field(default_factory=list)
    # Signals measured in only one of the two periods (no comparison possible), as {touchpoint, metric, label, source}.
    only_before: list[dict] = field(default_factory=list)
    only_after: list[dict] = field(default_factory=list)
    min_after_days: int = 14  # settings.history.min_after_days

    @property
    def after_days(self) -> int:
        return 0 if self.after is None else self.after.days

    @property
    def too_short(self) -> bool:
        return self.after_days < self.min_after_days

    def to_dict(self) -> dict:
        return {"what": self.what, "date": self.date.isoformat(), "action": self.action, "touchpoints": list(self.touchpoints),
                "window": self.window, "before": None if self.before is None else self.before.to_dict(),
                "after": None if self.after is None else self.after.to_dict(), "after_days": self.after_days,
                "too_short": self.too_short, "seasonality": self.seasonality,
                "signals": [s.to_dict() for s in self.signals], "only_before": self.only_before, "only_after": self.only_after}


@dataclass(frozen=True)
class SplitComparison:
    """Every change's before/after comparison inside one export, with the rules that judged them."""

    data_start: dt.date
    data_end: dt.date
    level: float
    min_n: int
    min_after_days: int
    changes: list[ChangeComparison]
    rows_undated: dict[str, int] = field(default_factory=dict)  # by source kind: rows without a date, in no period
    weekday_method: str = WEEKDAY_METHOD

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "data_start": self.data_start.isoformat(), "data_end": self.data_end.isoformat(),
                "level": self.level, "min_n": self.min_n, "min_after_days": self.min_after_days,
                "weekday_method": self.weekday_method, "rows_undated": dict(self.rows_undated), "changes": [c.to_dict() for c in self.changes]}


def split_comparison(checked, changes: list[Change], settings: Settings) -> SplitComparison:
    """Compare the periods before and after each change on the touchpoints it concerns.

    `checked` is a `fixfirst.decision.CheckResult` without errors. Raises FixfirstError when the data hold no dates or a
    change names a touchpoint the journey does not have.
    """
    dated = _DatedData(checked.data)
    if dated.first is None or dated.last is None:
        raise FixfirstError("the data hold no dated rows (orders, events, survey answers or feedback), so no period can be split",
                            "add a dated source to audit.yaml, or compare two audits instead")
    known = {tp.id for tp in checked.journey.touchpoints}
    for change in changes:
        unknown = [t for t in change.touchpoints if t not in known]
        if unknown:
            raise FixfirstError(f"the change {change.what!r} names touchpoint(s) the journey does not have: {', '.join(unknown)}",
                                f"use touchpoint ids from the journey: {', '.join(sorted(known))}")
    order = {tp.id: i for i, tp in enumerate(checked.journey.ordered())}
    names = {tp.id: tp.name for tp in checked.journey.touchpoints}
    runner = _Runner(checked, dated, dated.first, dated.last, settings, order, names)
    dates = sorted({c.date for c in changes})
    compared = []
    for change in sorted(changes, key=lambda c: c.date):
        previous = max((d for d in dates if d < change.date), default=None)
        following = min((d for d in dates if d > change.date), default=None)
        compared.append(runner.compare(change, previous, following))
    return SplitComparison(dated.first, dated.last, settings.scoring.ci_level, settings.scoring.min_evidence_n, settings.history.min_after_days,
                           compared, rows_undated=dated.undated)


class _DatedData:
    """The ingested tables with each dated row's day, ready to be cut into periods and weekdays."""

    def __init__(self, data: IngestResult) -> None:
        self.data = data
        self.days: dict[str, np.ndarray] = {}
        for kind, column in DATE_COLUMNS.items():
            frame = data.frame(kind)
            if frame is None or frame.empty:
                continue
            if column in frame:
                stamps = pd.to_datetime(frame[column], errors="coerce")
            elif kind == "survey":  # answers without a date of their own can still be placed on their order's day
                stamps = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            else:
                continue
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = stamps.dt.tz_localize(None)
            if kind == "events" and "case_id" in frame:
                stamps = stamps.groupby(frame["case_id"].to_numpy()).transform("min")
            if kind == "survey":
                stamps = _answered_order_day(frame, data.frame("orders"), stamps)
            self.days[kind] = stamps.dt.normalize().to_numpy(dtype="datetime64[D]")
        # Rows without a date cannot be placed before or after a change: they are left out of every period, and counted.
        self.undated: dict[str, int] = {}
        for kind in DATE_COLUMNS:
            frame = data.frame(kind)
            if kind in self.days:
                missing = int(np.isnat(self.days[kind]).sum())
            else:
                missing = 0 if frame is None else len(frame)
            if missing:
                self.undated[kind] = missing
        firsts = [d[~np.isnat(d)].min() for d in self.days.values() if (~np.isnat(d)).any()]
        self.first = pd.Timestamp(min(firsts)).date() if firsts else None
        # The data's end is the audit's as-of date: the latest order, else the latest event, answer or feedback item.
        self.last = data_as_of({kind: data.frame(kind) for kind in DATE_COLUMNS})
        self.weekdays = {kind: ((days.astype("int64") + 3) % 7) for kind, days in self.days.items()}  # 1970-01-01 was a Thursday

    def subset(self, period: Period, weekday: int | None = None) -> IngestResult:
        """Every table with only the dated rows inside `period` (and on `weekday`, 0 = Monday); undated tables whole."""
        start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
        out = IngestResult(problems=ProblemLog())
        for kind, table in self.data.tables.items():
            days = self.days.get(kind)
            if days is not None:
                keep = (days >= start) & (days <= end)
                if weekday is not None:
                    keep &= self.weekdays[kind] == weekday
                table = dataclasses.replace(table, frame=table.frame[keep])
            elif kind in DATE_COLUMNS:  # a dated kind without its date column cannot be split: left out of both periods
                table = dataclasses.replace(table, frame=table.frame.iloc[0:0])
            out.tables[kind] = table
        return out


@dataclass
class _Measured:
    """A period's signals, whole and by weekday."""

    whole: dict[SignalKey, FrictionSignal]
    by_weekday: dict[int, dict[SignalKey, FrictionSignal]]


class _Runner:
    # `first` and `last` are the data's first and last days, known to exist (the caller refuses data without dates).
    def __init__(self, checked, dated: _DatedData, first: dt.date, last: dt.date, settings: Settings, order: dict[str, int],
                 names: dict[str, str]) -> None:
        self.checked, self.dated, self.settings = checked, dated, settings
        self.first, self.last = first, last
        self.order, self.names = order, names
        self.level, self.min_n = settings.scoring.ci_level, settings.scoring.min_evidence_n
        self.min_after_days = settings.history.min_after_days

    def measure(self, period: Period) -> _Measured:
        whole = self._signals(self.dated.subset(period))
        by_weekday = {wd: self._signals(self.dated.subset(period, wd)) for wd in range(7)}
        return _Measured(whole, by_weekday)

    def _signals(self, data: IngestResult) -> dict[SignalKey, FrictionSignal]:
        found = compute_signals(self.checked.engagement, self.checked.journey, data)
        out: dict[SignalKey, FrictionSignal] = {}
        for s in found.signals:
            if s.source in UNSPLIT_SOURCES or s.n <= 0:
                continue
            out.setdefault((s.touchpoint, s.metric, s.label, s.source), s)
        return out

    def compare(self, change: Change, previous: dt.date | None, following: dt.date | None) -> ChangeComparison:
        first, last = self.first, self.last
        one_day = dt.timedelta(days=1)

        def not_compared(window: str, before: Period | None) -> ChangeComparison:
            return ChangeComparison(what=change.what, date=change.date, action=change.action, touchpoints=list(change.touchpoints),
                                    window=window, before=before, after=None, seasonality="not_compared",
                                    min_after_days=self.min_after_days)

        if change.date <= first:
            return not_compared("no_data_before", None)
        before = Period(max(first, previous) if previous else first, change.date - one_day)
        after = Period(change.date, min(last, following - one_day) if following else last)
        if change.date > last:
            return not_compared("no_data_after", before)
        # Seasonality: the same weeks a year earlier must be in the data. A before period reaching further back than that is
        # trimmed to the part whose year-earlier weeks are there, when that part is long enough on its own.
        seasonality, seasonal_before = "no_year_earlier", None
        if after.days > YEAR_DAYS:
            seasonality = "after_too_long"
        else:
            trimmed = Period(max(before.start, first + dt.timedelta(days=YEAR_DAYS)), before.end)
            if trimmed.days >= self.min_after_days:
                seasonality, seasonal_before = "adjusted", trimmed
        if seasonal_before is not None:
            before = seasonal_before
        now_before, now_after = self.measure(before), self.measure(after)
        last_year = None
        if seasonality == "adjusted":
            last_year = (before.shifted(YEAR_DAYS), after.shifted(YEAR_DAYS),
                         self.measure(before.shifted(YEAR_DAYS)), self.measure(after.shifted(YEAR_DAYS)))
        concerned = set(change.touchpoints)

        def wanted(key: SignalKey) -> bool:
            return not concerned or key[0] in concerned

        keys_before = {k for k in now_before.whole if wanted(k)}
        keys_after = {k for k in now_after.whole if wanted(k)}
        rows = [self._split(key, now_before, now_after, last_year, after) for key in keys_before & keys_after]
        rows.sort(key=lambda s: (self.order.get(s.touchpoint, len(self.order)), s.source, s.metric, s.label))
        return ChangeComparison(what=change.what, date=change.date, action=change.action, touchpoints=list(change.touchpoints),
                                window="ok", before=before, after=after, seasonality=seasonality, signals=rows,
                                only_before=_keys(keys_before - keys_after), only_after=_keys(keys_after - keys_before),
                                min_after_days=self.min_after_days)

    def _split(self, key: SignalKey, before: _Measured, after: _Measured, last_year, after_period: Period) -> SignalSplit:
        b, a = before.whole[key], after.whole[key]
        unadjusted = proportion_change(round(b.value * b.n), b.n, round(a.value * a.n), a.n, higher_is_better=b.higher_is_better,
                                       level=self.level, min_n=self.min_n)
        mix = _weekday_mix(before, key)
        std_before, std_after = _standardised(before, key, mix), _standardised(after, key, mix)
        adj_before: tuple[float, float]
        adj_after: tuple[float, float]
        if std_before is not None and std_after is not None:
            weekday_adjusted, adj_before, adj_after = True, std_before, std_after
        else:  # the periods' own values, judged as they are
            weekday_adjusted, adj_before, adj_after = False, (b.value, b.n), (a.value, a.n)
        now = proportion_change(adj_before[0] * adj_before[1], adj_before[1], adj_after[0] * adj_after[1], adj_after[1],
                                higher_is_better=b.higher_is_better, level=self.level, min_n=1)
        difference, low, high, p_value = now.difference, now.low, now.high, now.p_value
        year_earlier = None
        if last_year is not None:
            year_earlier, did = self._year_earlier(key, mix, weekday_adjusted, now, adj_before, adj_after, last_year)
            if did is not None:
                difference, low, high, p_value = did
        too_early = None
        if after_period.days < self.min_after_days:
            too_early = "short_after_period"
        elif a.n < self.min_n:
            too_early = "few_after"
        elif b.n < self.min_n:
            too_early = "few_before"
        if too_early:
            reading = ChangeReading.TOO_EARLY
        elif low > 0 or high < 0:
            reading = ChangeReading.BETTER if (low > 0) == b.higher_is_better else ChangeReading.WORSE
        else:
            reading = ChangeReading.NO_CLEAR_CHANGE
        return SignalSplit(
            touchpoint=b.touchpoint, touchpoint_name=self.names.get(b.touchpoint, b.touchpoint), metric=b.metric, label=b.label,
            source=b.source, higher_is_better=b.higher_is_better, before=b.value, n_before=b.n, after=a.value, n_after=a.n,
            before_adjusted=adj_before[0] if weekday_adjusted else None, after_adjusted=adj_after[0] if weekday_adjusted else None,
            weekday_adjusted=weekday_adjusted, year_earlier=year_earlier, difference=difference, low=low, high=high,
            p_value=p_value, reading=reading, too_early=too_early, unadjusted=unadjusted)

    def _year_earlier(self, key, mix, weekday_adjusted, now: ProportionChange, adj_before, adj_after, last_year):
        """The year-earlier counterpart and the difference in differences (MOVER interval from the two Newcombe intervals)."""
        period_before, period_after, then_before, then_after = last_year
        if key not in then_before.whole or key not in then_after.whole:
            return None, None
        tb, ta = then_before.whole[key], then_after.whole[key]
        if weekday_adjusted:
            old_before, old_after = _standardised(then_before, key, mix), _standardised(then_after, key, mix)
            if old_before is None or old_after is None:
                return None, None
        else:
            old_before, old_after = (tb.value, tb.n), (ta.value, ta.n)
        then = proportion_change(old_before[0] * old_before[1], old_before[1], old_after[0] * old_after[1], old_after[1],
                                 higher_is_better=tb.higher_is_better, level=self.level, min_n=1)
        did = now.difference - then.difference
        low = did - math.sqrt((now.difference - now.low) ** 2 + (then.high - then.difference) ** 2)
        high = did + math.sqrt((now.high - now.difference) ** 2 + (then.difference - then.low) ** 2)
        variance = sum(p * (1 - p) / n for p, n in (adj_before, adj_after, old_before, old_after) if n > 0)
        p_value = 1.0 if variance <= 0 else 2 * (1 - NormalDist().cdf(abs(did) / math.sqrt(variance)))
        counterpart = YearEarlier(period_before, period_after, tb.value, tb.n, ta.value, ta.n, then.difference)
        return counterpart, (did, low, high, p_value)


def _weekday_mix(before: _Measured, key: SignalKey) -> dict[int, float]:
    """The before period's share of the signal's observations on each weekday (0 = Monday)."""
    counts = {wd: found[key].n for wd, found in before.by_weekday.items() if key in found and found[key].n > 0}
    total = sum(counts.values())
    return {wd: n / total for wd, n in counts.items()} if total else {}


def _standardised(measured: _Measured, key: SignalKey, mix: dict[int, float]) -> tuple[float, float] | None:
    """The period's rate on the before period's weekday mix, with its effective sample size; None when a weekday of the
    mix has no observation in this period, the period has observations on a weekday the mix lacks (no common strata), or
    the signal's weekday parts do not add up to its whole (observations and hits): it does not split by weekday.

    The effective size n* = r(1-r) / Σ w² r_d(1-r_d)/n_d makes a Wilson interval on the standardised rate as wide as its
    variance says (capped at the period's observations: weighting never adds information).
    """
    if not mix:
        return None
    rates: dict[int, tuple[float, int]] = {}
    for wd, found in measured.by_weekday.items():
        signal = found.get(key)
        if signal is not None and signal.n > 0:
            rates[wd] = (signal.value, signal.n)
    if set(rates) != set(mix):
        return None
    whole = measured.whole[key]
    hits = sum(round(rate * n) for rate, n in rates.values())
    if sum(n for _, n in rates.values()) != whole.n or abs(hits - round(whole.value * whole.n)) > 1:
        return None  # the weekday parts do not add up to the whole (a repeat within 60 days spans weekdays): no strata
    rate = sum(w * rates[wd][0] for wd, w in mix.items())
    variance = sum(w * w * rates[wd][0] * (1 - rates[wd][0]) / rates[wd][1] for wd, w in mix.items())
    observed = sum(n for _, n in rates.values())
    n_effective = min(observed, rate * (1 - rate) / variance) if variance > 0 else observed
    return rate, max(1.0, n_effective)


def _answered_order_day(survey: pd.DataFrame, orders: pd.DataFrame | None, submitted: pd.Series) -> pd.Series:
    """A survey answer about an order belongs to the day of that order (the experience it rates), else to its own day:
    an answer and its order always land in the same period and weekday, so the order-linked filters see both."""
    if orders is None or "order_id" not in survey or "order_id" not in orders or "ordered_at" not in orders:
        return submitted
    ordered = pd.to_datetime(orders["ordered_at"], errors="coerce")
    if getattr(ordered.dt, "tz", None) is not None:
        ordered = ordered.dt.tz_localize(None)
    by_order = pd.Series(ordered.to_numpy(), index=orders["order_id"].astype("string").to_numpy())
    by_order = by_order[~by_order.index.duplicated()]
    linked = pd.Series(survey["order_id"].astype("string").map(by_order).to_numpy(), index=submitted.index)
    return linked.where(linked.notna(), submitted)


def _keys(keys: set[SignalKey]) -> list[dict]:
    return [{"touchpoint": t, "metric": m, "label": label, "source": s} for t, m, label, s in sorted(keys)]
