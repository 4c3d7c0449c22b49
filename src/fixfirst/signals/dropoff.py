"""Periods in which a journey step's drop-off rose abnormally above its usual level, overall or in one segment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..settings import ProcessRules
from .base import pct

DAY_NS = 86_400 * 1_000_000_000
EPOCH = dt.date(1970, 1, 1)
PREFILTER_MARGIN = 1.5  # z below the threshold's own z that still gets the exact test: far beyond approximation error


def _special():
    """scipy.special, imported on first use: scipy.stats would cost most of a second at every run."""
    from scipy import special

    return special


class _Rates:
    """Drop-off inside (`lost` of `n`) and at the usual level (`usual_lost` of `usual_n`)."""

    n: int
    lost: int
    usual_n: int
    usual_lost: int

    @property
    def rate(self) -> float:
        return self.lost / self.n if self.n else 0.0

    @property
    def usual_rate(self) -> float:
        return self.usual_lost / self.usual_n if self.usual_n else 0.0


@dataclass(frozen=True)
class SegmentDropOff(_Rates):
    """One segment's drop-off inside an abnormal period against its own usual level."""

    segment: str
    n: int
    lost: int
    usual_n: int
    usual_lost: int
    p_value: float | None
    carries: bool  # significantly above its own usual level, by at least the minimum lift

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "n": self.n, "rate": round(self.rate, 4), "usual_n": self.usual_n,
                "usual_rate": round(self.usual_rate, 4), "p_value": _p(self.p_value), "carries": self.carries}


@dataclass(frozen=True)
class DropOffPeriod(_Rates):
    """A run of days or weeks in which more cases than usual stopped between `source` and `target`.

    Cases belong to the period in which they first reached `source`; `lost` did not reach `target` at all.
    The usual level comes from every other period of the same series except other abnormal ones.
    """

    source: str
    target: str
    segment: str | None  # None: all cases
    granularity: str  # day | week
    start: dt.date
    end: dt.date  # inclusive
    periods: int
    n: int
    lost: int
    usual_n: int
    usual_lost: int
    p_value: float
    segments: list[SegmentDropOff] = field(default_factory=list)

    @property
    def excess_lost(self) -> float:
        """Cases lost beyond what the usual rate would have lost."""
        return self.lost - self.n * self.usual_rate

    @property
    def carriers(self) -> list[SegmentDropOff]:
        return [s for s in self.segments if s.carries]

    @property
    def dates(self) -> str:
        return date_range_text(self.start, self.end)

    def on(self, source: str, target: str) -> DropOffPeriod:
        return replace(self, source=source, target=target)

    def sentence(self) -> str:
        """The finding in one line, e.g. "Drop-off rose to 62% from 3 to 9 Mar 2024 (n=412; usual 41%), mostly mobile"."""
        who = f"On {self.segment}, drop-off" if self.segment is not None else "Drop-off"
        usual = f"usual {pct(self.usual_rate)}" + (f" on {self.segment}" if self.segment is not None else "")
        text = f"{who} rose to {pct(self.rate)} {self.dates} (n={self.n:,}; {usual}, n={self.usual_n:,})"
        carriers, present = self.carriers, [s for s in self.segments if s.n]
        if carriers and len(carriers) == len(present) > 1:
            text += ", in every segment"
        elif carriers:
            text += ", mostly " + " and ".join(
                f"{s.segment} ({pct(s.rate)}, n={s.n:,}; usual {pct(s.usual_rate)})" for s in carriers)
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source, "to": self.target, "segment": self.segment, "granularity": self.granularity,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "periods": self.periods, "n": self.n, "lost": self.lost,
            "rate": round(self.rate, 4), "usual_n": self.usual_n, "usual_rate": round(self.usual_rate, 4),
            "excess_lost": round(self.excess_lost, 1), "p_value": _p(self.p_value),
            "segments": [s.to_dict() for s in self.segments],
        }


def _p(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.3g}")


def date_range_text(start: dt.date, end: dt.date) -> str:
    """'on 3 Mar 2024', 'from 3 to 9 Mar 2024', 'from 15 Apr to 12 May 2024', 'from 28 Dec 2023 to 3 Jan 2024'."""
    if start == end:
        return f"on {start.day} {start:%b %Y}"
    if start.year != end.year:
        return f"from {start.day} {start:%b %Y} to {end.day} {end:%b %Y}"
    if start.month != end.month:
        return f"from {start.day} {start:%b} to {end.day} {end:%b %Y}"
    return f"from {start.day} to {end.day} {end:%b %Y}"


@dataclass
class _Series:
    """Cases and lost cases per period for all cases or one segment, and the windows found abnormal in it."""

    segment: str | None
    n: np.ndarray
    lost: np.ndarray
    found: list[tuple[int, int]] = field(default_factory=list)  # [start, end) period indexes


def _windows(k: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of 1..longest consecutive periods out of k, as [start, end) index pairs."""
    starts = [np.arange(0, k - length + 1) for length in range(1, longest + 1)]
    ends = [s + length for s, length in zip(starts, range(1, longest + 1))]
    return (np.concatenate(starts), np.concatenate(ends)) if starts else (np.zeros(0, int), np.zeros(0, int))


def _excluded_mask(k: int, found: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(k, bool)
    for s, e in found:
        mask[s:e] = True
    return mask


def _fisher(n_in, lost_in, n_out, lost_out):
    """One-sided Fisher exact test that the rate inside exceeds the rate outside: P(lost inside >= observed).

    Exact rather than a z-test: at the tiny p-values a Bonferroni correction asks for, the normal approximation
    understates how often a skewed binomial count runs high, and would raise false alarms.
    """
    tail = hypergeom_upper_tail(lost_in, n_in + n_out, lost_in + lost_out, n_in)
    return tail if np.ndim(lost_in) else float(tail[0])  # a scalar in, a scalar out, as scipy.stats gave it


MAX_TAIL_TERMS = 20_000  # terms summed per test; above the mean each is smaller than the last, so the rest cannot matter


def hypergeom_upper_tail(at_least, population, successes, draws) -> np.ndarray:
    """P(X >= at_least) for X ~ Hypergeometric(population, successes, draws), element by element.

    Summed in log space from scipy.special's gammaln, the way scipy.stats.hypergeom.sf would give it, without
    importing scipy.stats (most of a second at every run). Every window tested has its count above the mean.
    """
    from scipy.special import gammaln

    k, m, big_k, n = (np.atleast_1d(np.asarray(a, dtype=np.int64)) for a in (at_least, population, successes, draws))
    if not len(k):
        return np.zeros(0)
    top = np.minimum(big_k, n)
    lengths = np.clip(top - k + 1, 0, MAX_TAIL_TERMS)
    empty = lengths == 0
    lengths = np.where(empty, 1, lengths)  # one harmless term keeps the arrays aligned; its result is set to 0 below
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    owner = np.repeat(np.arange(len(k)), lengths)
    x = (k[owner] + np.arange(lengths.sum()) - starts[owner]).astype(float)
    mm, kk, nn = m[owner].astype(float), big_k[owner].astype(float), n[owner].astype(float)

    def log_choose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    with np.errstate(invalid="ignore"):
        log_pmf = log_choose(kk, x) + log_choose(mm - kk, nn - x) - log_choose(mm, nn)
    log_pmf = np.where(np.isfinite(log_pmf), log_pmf, -np.inf)
    peak = np.maximum.reduceat(log_pmf, starts)
    safe_peak = np.where(np.isfinite(peak), peak, 0.0)
    total = np.add.reduceat(np.exp(log_pmf - safe_peak[owner]), starts) * np.exp(safe_peak)
    return np.where(empty, 0.0, np.clip(total, 0.0, 1.0))


def _candidates(series: _Series, starts, ends, rules: ProcessRules, threshold: float | None = None):
    """Windows clear of found ones with enough cases inside and outside, their p-value against the rest, and lift."""
    excluded = _excluded_mask(len(series.n), series.found)
    n = np.where(excluded, 0, series.n)
    lost = np.where(excluded, 0, series.lost)
    cn, cl, ce = (np.r_[0, np.cumsum(a)] for a in (n, lost, excluded))
    n_in, lost_in = cn[ends] - cn[starts], cl[ends] - cl[starts]
    n_out, lost_out = n.sum() - n_in, lost.sum() - lost_in
    ok = (ce[ends] == ce[starts]) & (n_in >= rules.min_period_cases) & (n_out >= rules.min_period_cases)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_in, rate_out = lost_in / n_in, lost_out / n_out
        pooled = (lost_in + lost_out) / (n_in + n_out)
        z = np.where(ok, (rate_in - rate_out) / np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out)), 0.0)
    lift = np.where(ok, rate_in - rate_out, 0.0)
    p_value = np.ones(len(starts))
    if threshold is None:
        return ok, p_value, lift
    # The exact test costs microseconds a window: only windows a z-test puts near the threshold get it.
    check = np.flatnonzero(ok & (lift >= rules.min_lift) & (np.nan_to_num(z) > -_special().ndtri(threshold) - PREFILTER_MARGIN))
    p_value[check] = _fisher(n_in[check], lost_in[check], n_out[check], lost_out[check])
    return ok, p_value, lift


def _scan(series: _Series, starts, ends, threshold: float, rules: ProcessRules) -> None:
    """Find abnormal windows one at a time, the most significant first; each found one leaves the baseline.

    Leaving found windows out of the usual level keeps one incident from hiding another (a second, smaller one
    would otherwise be compared with a baseline the first has inflated).
    """
    for _ in range(rules.max_periods_per_series):
        ok, p_value, lift = _candidates(series, starts, ends, rules, threshold)
        flagged = np.flatnonzero(ok & (lift >= rules.min_lift) & (p_value <= threshold))
        if not len(flagged):
            return
        best = min(flagged, key=lambda i: (p_value[i], -lift[i], starts[i]))
        series.found.append((int(starts[best]), int(ends[best])))


def _overlap_days(a: DropOffPeriod, b: DropOffPeriod) -> int:
    return max(0, (min(a.end, b.end) - max(a.start, b.start)).days + 1)


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _inside_outside(n: np.ndarray, lost: np.ndarray, window: tuple[int, int], excluded: np.ndarray) -> tuple[int, int, int, int]:
    s, e = window
    keep = ~excluded
    return int(n[s:e].sum()), int(lost[s:e].sum()), int(n[keep].sum()), int(lost[keep].sum())


def abnormal_drop_off(first_reach: np.ndarray, lost: np.ndarray, segments: tuple[np.ndarray, list[str]] | None,
                      rules: ProcessRules) -> tuple[list[DropOffPeriod], str]:
    """Abnormal drop-off periods of one transition, and the period length used ('day' or 'week').

    `first_reach` holds, per case that reached the source step, when it first did (int64 ns); `lost` whether it
    never reached the target; `segments` the case's segment code (-1 unknown) and the segment names.
    """
    if not len(first_reach):
        return [], "week"
    day = first_reach // DAY_NS
    daily = np.bincount(day - day.min())
    granularity = "day" if np.median(daily) >= rules.min_cases_per_day else "week"
    unit = day if granularity == "day" else (day + 3) // 7  # day 0 (1 Jan 1970) was a Thursday: weeks start on Monday
    period = unit - unit.min()
    k = int(period.max()) + 1
    longest = min(k - 1, int(rules.max_alarm_share * k))
    starts, ends = _windows(k, longest)

    overall = _Series(None, np.bincount(period, minlength=k), np.bincount(period[lost], minlength=k))
    scanned = [overall]
    segment_codes, segment_names = segments if segments is not None else (None, [])
    by_segment: dict[int, _Series] = {}
    if segment_codes is not None and len(segment_names):
        # One pass for every segment: cell = segment * k + period.
        known = segment_codes >= 0
        cell = segment_codes[known] * k + period[known]
        size = len(segment_names) * k
        cases = np.bincount(cell, minlength=size).reshape(len(segment_names), k)
        lost_cases = np.bincount(cell[lost[known]], minlength=size).reshape(len(segment_names), k)
        sizes = cases.sum(axis=1)
        largest = [int(i) for i in np.argsort(-sizes, kind="stable")[:rules.max_segments] if sizes[i]]
        by_segment = {i: _Series(segment_names[i], cases[i], lost_cases[i]) for i in largest}
        scanned += [s for i, s in by_segment.items() if sizes[i] >= 2 * rules.min_period_cases]
    if not len(starts):
        return [], granularity
    # Bonferroni over every window of every series: the chance of any false alarm on a transition whose
    # drop-off never changes stays under alarm_alpha, however finely the periods are cut.
    tests = sum(int(_candidates(s, starts, ends, rules)[0].sum()) for s in scanned)
    if not tests:
        return [], granularity
    for series in scanned:
        _scan(series, starts, ends, rules.alarm_alpha / tests, rules)

    first_day = int(unit.min())

    def period_of(series: _Series, window: tuple[int, int], breakdown: list[SegmentDropOff]) -> DropOffPeriod:
        excluded = _excluded_mask(k, series.found)
        n_in, lost_in, n_out, lost_out = _inside_outside(series.n, series.lost, window, excluded)
        p_value = _fisher(n_in, lost_in, n_out, lost_out)
        first, last = window[0] + first_day, window[1] - 1 + first_day
        if granularity == "week":
            begin, finish = EPOCH + dt.timedelta(days=7 * first - 3), EPOCH + dt.timedelta(days=7 * last + 3)
        else:
            begin, finish = EPOCH + dt.timedelta(days=first), EPOCH + dt.timedelta(days=last)
        return DropOffPeriod("", "", series.segment, granularity, begin, finish, window[1] - window[0], n_in, lost_in,
                             n_out, lost_out, float(p_value), breakdown)

    found: list[DropOffPeriod] = []
    overall.found = _merged(overall.found)
    excluded = _excluded_mask(k, overall.found)
    # Bonferroni over the segments present: naming one segment is a claim about each of them.
    attribution_alpha = rules.alarm_alpha / max(1, len(by_segment))
    for window in overall.found:
        breakdown = []
        for series in by_segment.values():
            n_in, lost_in, n_out, lost_out = _inside_outside(series.n, series.lost, window, excluded)
            if not n_in:
                continue
            usual = lost_out / n_out if n_out else None
            p_value = float(_special().bdtrc(lost_in - 1, n_in, usual)) if usual is not None else None
            carries = p_value is not None and p_value <= attribution_alpha and lost_in / n_in - usual >= rules.min_lift
            breakdown.append(SegmentDropOff(series.segment, n_in, lost_in, n_out, lost_out, p_value, carries))
        found.append(period_of(overall, window, breakdown))
    for series in scanned[1:]:
        series.found = _merged(series.found)
        for window in series.found:
            period = period_of(series, window, [])
            # Already told: an overall period over most of the same days names this segment as carrying the excess.
            if any(_overlap_days(p, period) * 2 >= (period.end - period.start).days + 1
                   and series.segment in {c.segment for c in p.carriers} for p in found):
                continue
            found.append(period)
    found.sort(key=lambda p: (p.start, p.segment is not None, p.segment or ""))
    return found, granularity
