"""Periods in which a journey step's drop-off rose abnormally above its usual level, overall or in one segment, within segment cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..config import ProcessRules
from .base import pct
from .exact_tests import fisher_greater as _fisher
from .exact_tests import hypergeom_upper_tail, stratified_bounds, stratified_greater, stratified_lower_bounds
from .strata import Dimensions, joint_cells

__all__ = ["DropOffPeriod", "SegmentDropOff", "abnormal_drop_off", "date_range_text", "hypergeom_upper_tail"]

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
    dimension: str = "segment"  # the events column it belongs to: segment (device), channel, visitor_type

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "dimension": self.dimension, "n": self.n, "rate": round(self.rate, 4), "usual_n": self.usual_n,
                "usual_rate": round(self.usual_rate, 4), "p_value": _p(self.p_value), "carries": self.carries}


@dataclass(frozen=True)
class DropOffPeriod(_Rates):
    """A run of days or weeks in which more cases than usual stopped between `source` and `target`.

    Cases belong to the period in which they first reached `source`; `lost` did not reach `target` at all.
    The usual level comes from every other period of the same series except other abnormal ones. With segment
    columns the test runs within segment cells (device x channel x visitor type): `expected_lost` is what the
    period would have lost at each cell's usual rate, so a period that only drew more of a weaker segment (new
    visitors, say) is not abnormal. `p_value` is that within-cell test (Fisher's exact test without segments).
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
    segments: list[SegmentDropOff] = field(default_factory=list)  # the first segment column's breakdown (device)
    dimension: str | None = None  # the column of `segment`, for a period found in one segment
    expected_lost: float | None = None  # lost at each segment cell's usual rate (the period's own mix); None: no cells
    breakdowns: dict[str, list[SegmentDropOff]] = field(default_factory=dict)  # every segment column's breakdown

    @property
    def mix_usual_rate(self) -> float:
        """The usual drop-off at this period's own mix of segment cells."""
        return self.expected_lost / self.n if self.expected_lost is not None and self.n else self.usual_rate

    @property
    def excess_lost(self) -> float:
        """Cases lost beyond what the usual rate (at the period's mix) would have lost."""
        return self.lost - self.n * self.mix_usual_rate

    @property
    def carriers(self) -> list[SegmentDropOff]:
        return [s for s in self.segments if s.carries]

    @property
    def all_carriers(self) -> list[SegmentDropOff]:
        return [s for found in self.breakdowns.values() for s in found if s.carries] if self.breakdowns else self.carriers

    @property
    def dates(self) -> str:
        return date_range_text(self.start, self.end)

    def on(self, source: str, target: str) -> DropOffPeriod:
        return replace(self, source=source, target=target)

    def sentence(self) -> str:
        """The finding in one line, e.g. "Drop-off rose to 62% from 3 to 9 Mar 2024 (n=412; usual 41%), mostly mobile"."""
        who = f"On {self.segment}, drop-off" if self.segment is not None else "Drop-off"
        usual = f"usual {pct(self.usual_rate)}" + (f" on {self.segment}" if self.segment is not None else "")
        mix = f"; {pct(self.mix_usual_rate)} at this period's mix of segments" if pct(self.mix_usual_rate) != pct(self.usual_rate) else ""
        text = f"{who} rose to {pct(self.rate)} {self.dates} (n={self.n:,}; {usual}, n={self.usual_n:,}{mix})"
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
            "mix_usual_rate": round(self.mix_usual_rate, 4), "excess_lost": round(self.excess_lost, 1), "p_value": _p(self.p_value),
            "dimension": self.dimension, "segments": [s.to_dict() for s in self.segments],
            "breakdowns": {k: [s.to_dict() for s in v] for k, v in self.breakdowns.items()},
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
    """Cases and lost cases per segment cell and period (cells x periods) for all cases or one segment, and the
    windows found abnormal in it. One cell: no segment columns to compare within."""

    segment: str | None
    n: np.ndarray
    lost: np.ndarray
    found: list[tuple[int, int]] = field(default_factory=list)  # [start, end) period indexes
    dimension: str | None = None

    @property
    def crude_n(self) -> np.ndarray:
        return self.n.sum(axis=0)

    @property
    def crude_lost(self) -> np.ndarray:
        return self.lost.sum(axis=0)


def _windows(k: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of 1..longest consecutive periods out of k, as [start, end) index pairs."""
    starts = [np.arange(0, k - length + 1) for length in range(1, longest + 1)]
    ends = [s + length for s, length in zip(starts, range(1, longest + 1), strict=False)]
    return (np.concatenate(starts), np.concatenate(ends)) if starts else (np.zeros(0, int), np.zeros(0, int))


def _excluded_mask(k: int, found: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(k, bool)
    for s, e in found:
        mask[s:e] = True
    return mask


def _window_counts(series: _Series, starts, ends):
    """Per cell and window: cases and lost inside and outside (found windows left out), and whether a window
    overlaps a found one."""
    k = series.n.shape[1]
    excluded = _excluded_mask(k, series.found)
    n = np.where(excluded, 0, series.n)
    lost = np.where(excluded, 0, series.lost)
    zero = np.zeros((n.shape[0], 1), np.int64)
    cn, cl = np.concatenate([zero, np.cumsum(n, axis=1)], axis=1), np.concatenate([zero, np.cumsum(lost, axis=1)], axis=1)
    ce = np.r_[0, np.cumsum(excluded)]
    n_in, lost_in = cn[:, ends] - cn[:, starts], cl[:, ends] - cl[:, starts]
    n_out, lost_out = n.sum(axis=1)[:, None] - n_in, lost.sum(axis=1)[:, None] - lost_in
    # A cell with no cases outside has no usual level: its cases inside cannot be compared and are left out.
    usable = n_out > 0
    return np.where(usable, n_in, 0), np.where(usable, lost_in, 0), n_out, lost_out, ce[ends] != ce[starts]


# Cells x windows held in memory at once; longer logs with many cells are tested in chunks of windows.
CHUNK_CELLS = 2_000_000
# Windows bounded together in a scan: a few at first, so that the best found so far sets others aside early, then
# more at once (one pass of array operations for the whole batch).
BOUND_BATCH, BOUND_BATCH_MAX = 4, 256


@dataclass
class _Windows:
    """Per window of a chunk: cases and lost inside and outside per cell (cells x windows), whether it can be
    tested, the rise of its drop-off over the usual level (at its own mix of cells), and its z-statistic (within
    cells, only where it is testable and lifted by the minimum: 0 elsewhere)."""

    n_in: np.ndarray
    lost_in: np.ndarray
    n_out: np.ndarray
    lost_out: np.ndarray
    ok: np.ndarray
    lift: np.ndarray
    z: np.ndarray


_Table = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # one window's cases and lost inside and outside, per cell


def _chunks(series: _Series, starts: np.ndarray, ends: np.ndarray, rules: ProcessRules) -> Iterator[tuple[int, _Windows]]:
    """The windows in chunks that keep cells x windows under CHUNK_CELLS: each chunk's first index and figures."""
    size = max(1, CHUNK_CELLS // series.n.shape[0])
    for first in range(0, len(starts), size):
        yield first, _window_stats(series, starts[first:first + size], ends[first:first + size], rules)


def _window_stats(series: _Series, starts: np.ndarray, ends: np.ndarray, rules: ProcessRules) -> _Windows:
    n_in, lost_in, n_out, lost_out, overlaps = _window_counts(series, starts, ends)
    cells = n_in.shape[0]
    total_in, total_lost_in, total_out, total_lost_out = n_in.sum(0), lost_in.sum(0), n_out.sum(0), lost_out.sum(0)
    ok = ~overlaps & (total_in >= rules.min_period_cases) & (total_out >= rules.min_period_cases)
    with np.errstate(divide="ignore", invalid="ignore"):
        if cells == 1:
            rate_in, rate_out = total_lost_in / total_in, total_lost_out / total_out
            pooled = (total_lost_in + total_lost_out) / (total_in + total_out)
            z = np.where(ok, (rate_in - rate_out) / np.sqrt(pooled * (1 - pooled) * (1 / total_in + 1 / total_out)), 0.0)
            lift = np.where(ok, rate_in - rate_out, 0.0)
        else:
            # Within cells: each cell's usual rate applied to its own cases in the window (Mantel-Haenszel).
            expected = (n_in * lost_out / np.maximum(n_out, 1)).sum(0)
            lift = np.where(ok, (total_lost_in - expected) / total_in, 0.0)
            # z only where a test can follow; the same sums, column by column, as over every window.
            z = np.zeros(len(starts))
            lifted = np.flatnonzero(ok & (lift >= rules.min_lift))
            if len(lifted):
                n1, n0, both, lost_both = n_in[:, lifted], n_out[:, lifted], (n_in + n_out)[:, lifted], (lost_in + lost_out)[:, lifted]
                mean = (n1 * lost_both / np.maximum(both, 1)).sum(0)
                var = np.where(both > 1, n1 * n0 * lost_both * (both - lost_both) / (both * both * np.maximum(both - 1, 1)), 0.0).sum(0)
                z[lifted] = np.where(var > 0, (total_lost_in[lifted] - mean - 0.5) / np.sqrt(var), 0.0)
    return _Windows(n_in, lost_in, n_out, lost_out, ok, lift, z)


def _testable(series: _Series, starts: np.ndarray, ends: np.ndarray, rules: ProcessRules) -> int:
    """Windows clear of found ones with enough cases inside and outside: `_Windows.ok` counted, from the cases alone."""
    excluded = _excluded_mask(series.n.shape[1], series.found)
    n = np.where(excluded, 0, series.n)
    cn = np.concatenate([np.zeros((n.shape[0], 1), np.int64), np.cumsum(n, axis=1)], axis=1)
    ce = np.r_[0, np.cumsum(excluded)]
    cell_totals = n.sum(axis=1)
    size = max(1, CHUNK_CELLS // series.n.shape[0])
    count = 0
    for first in range(0, len(starts), size):
        s, e = starts[first:first + size], ends[first:first + size]
        n_in = cn[:, e] - cn[:, s]
        total_in = np.where(n_in < cell_totals[:, None], n_in, 0).sum(0)  # a cell with no cases outside is left out
        total_out = int(cell_totals.sum()) - n_in.sum(0)
        count += int(((ce[e] == ce[s]) & (total_in >= rules.min_period_cases) & (total_out >= rules.min_period_cases)).sum())
    return count


def _most_significant(series: _Series, starts: np.ndarray, ends: np.ndarray, threshold: float, rules: ProcessRules) -> int | None:
    """The window with the smallest p-value at or under `threshold` among those lifted by at least the minimum
    (ties: the larger lift, then the earlier start), or None.

    The exact test costs microseconds to milliseconds a window, and a long log with an incident has thousands
    of windows far beyond the threshold, so p-values are summed only where they can decide. Only windows a z-test
    puts near the threshold are tested at all. Within cells, a lower bound on each p-value costs a few operations
    a cell (`stratified_lower_bounds`); windows are taken from the lowest bound up, each bounded more closely
    (`stratified_bounds`, a few parts in a million), and a window whose lower bound exceeds `threshold` or the
    upper bound of a window under it cannot be the answer and is set aside, with every window after it. The few
    left are tested exactly, from the least they can be up, while they can still be the answer: the answer is the
    one testing every window gives (benchmarks/README.md, the process map).
    """
    cutoff = -_special().ndtri(threshold) - PREFILTER_MARGIN
    bound = threshold  # a flagged window has a p-value at most this: the least upper bound seen on one under it
    contenders: list[tuple[int, float, float, float, _Table | None, float]] = []  # index, lift, bounds on p, table, tilt
    for first, w in _chunks(series, starts, ends, rules):
        # The exact test costs microseconds a window: only windows a z-test puts near the threshold get it.
        check = np.flatnonzero(w.ok & (w.lift >= rules.min_lift) & (np.nan_to_num(w.z) > cutoff))
        if not len(check):
            continue
        if w.n_in.shape[0] == 1:
            p_value = np.atleast_1d(_fisher(w.n_in[0, check], w.lost_in[0, check], w.n_out[0, check], w.lost_out[0, check]))
            contenders += [(first + int(i), float(w.lift[i]), float(p), float(p), None, 0.0) for i, p in zip(check, p_value, strict=True) if p <= threshold]
            continue
        n_in, lost_in, n_out, lost_out = (np.ascontiguousarray(a[:, check].T) for a in (w.n_in, w.lost_in, w.n_out, w.lost_out))
        lower, tilts = stratified_lower_bounds(n_in, lost_in, n_out, lost_out)
        order, taken, batch = np.argsort(lower, kind="stable"), 0, BOUND_BATCH
        while taken < len(order):
            # Windows are bounded in batches (a few at first, so that the bound tightens early), as far as it reaches.
            rows = order[taken:taken + batch]
            rows = rows[lower[rows] <= bound]
            if not len(rows):
                break
            taken, batch = taken + len(rows), min(batch * 4, BOUND_BATCH_MAX)
            lows, highs = stratified_bounds(n_in[rows], lost_in[rows], n_out[rows], lost_out[rows], tilts[rows])
            for j, low, high in zip(rows.tolist(), lows.tolist(), highs.tolist(), strict=True):
                if high <= threshold:
                    bound = min(bound, high)
                if low <= bound:
                    table: _Table = (n_in[j], lost_in[j], n_out[j], lost_out[j])
                    contenders.append((first + int(check[j]), float(w.lift[check[j]]), low, high, table, float(tilts[j])))
    # The contenders from the least they can be up: a p-value is summed only while it could still be the answer.
    best: tuple[float, float, int, int] | None = None
    for low, lift, start, index, high, cells, tilt in sorted((low, -lift, int(starts[index]), index, high, cells, tilt)
                                                             for index, lift, low, high, cells, tilt in contenders):
        if low > bound or (best is not None and (low, lift, start, index) > best):
            break
        p = low if cells is None or low == high else stratified_greater(*cells, theta=tilt)
        key = (p, lift, start, index)
        if p <= threshold and (best is None or key < best):
            best = key
    return None if best is None else best[3]


def _window_test(series: _Series, window: tuple[int, int]) -> tuple[int, int, int, int, float | None, float]:
    """One window of a series: crude cases and lost inside and outside, lost expected at each cell's usual rate
    (None without cells), and the p-value of the test that decided."""
    s, e = window
    excluded = _excluded_mask(series.n.shape[1], series.found)
    n, lost = series.crude_n, series.crude_lost
    crude = (int(n[s:e].sum()), int(lost[s:e].sum()), int(n[~excluded].sum()), int(lost[~excluded].sum()))
    if series.n.shape[0] == 1:
        return (*crude, None, float(_fisher(*crude)))
    # The window itself is a found one: count it as inside, with every other found window left out of the usual level.
    others = _Series(series.segment, series.n, series.lost, [w for w in series.found if w != window])
    n_in, lost_in, n_out, lost_out, _ = _window_counts(others, np.array([s]), np.array([e]))
    expected = float((n_in[:, 0] * lost_out[:, 0] / np.maximum(n_out[:, 0], 1)).sum())
    return (*crude, expected, stratified_greater(n_in[:, 0], lost_in[:, 0], n_out[:, 0], lost_out[:, 0]))


def _scan(series: _Series, starts, ends, threshold: float, rules: ProcessRules) -> None:
    """Find abnormal windows one at a time, the most significant first; each found one leaves the baseline.

    Leaving found windows out of the usual level keeps one incident from hiding another (a second, smaller one
    would otherwise be compared with a baseline the first has inflated).
    """
    for _ in range(rules.max_periods_per_series):
        best = _most_significant(series, starts, ends, threshold, rules)
        if best is None:
            return
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


def _cell_counts(period: np.ndarray, lost: np.ndarray, cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cases and lost cases per segment cell and period, in one pass: index = cell * k + period."""
    size = (int(cells.max(initial=-1)) + 1) * k
    index = cells * k + period
    return (np.bincount(index, minlength=size).reshape(-1, k), np.bincount(index[lost], minlength=size).reshape(-1, k))


# Segments x cells of the other columns x periods counted at once, at most; beyond, segment by segment.
SEGMENT_TABLE_MAX = 4_000_000


def _cell_tables(columns: list[np.ndarray], group: np.ndarray | None, groups: int, period: np.ndarray, lost: np.ndarray,
                 k: int, max_cells: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """What `_cell_counts` gives within the joint cells of `columns` (`joint_cells` of them), for each of
    `groups` groups of cases (`group` per case, `groups` for cases in none; None: every case in one), from two
    counts over every case instead of a pass per group: each group's cells in joint_cells' order (ascending
    codes, the largest kept apart when they are more than `max_cells`). None when the table would be too large."""
    columns = columns if max_cells > 1 else []
    joint, span = None, 1
    for c in columns:  # the same ascending order of cells as joint_cells' codes, with one width per column
        width = int(c.max(initial=-1)) + 2
        code = np.add(c, 1, dtype=np.int64)
        joint, span = (code if joint is None else joint * width + code), span * width
    rows = groups + 1 if group is not None else 1
    size = rows * span * k
    if size > SEGMENT_TABLE_MAX:
        return None
    index = group
    if joint is not None:
        index = joint if index is None else index * span + joint
    index = period if index is None else index * k + period
    cases = np.bincount(index, minlength=size).reshape(rows, span, k)
    lost_cases = np.bincount(index[lost], minlength=size).reshape(rows, span, k)
    tables = []
    for j in range(rows if group is None else groups):
        per_cell = cases[j].sum(axis=1)
        present = np.flatnonzero(per_cell)
        n, gone = cases[j][present], lost_cases[j][present]
        if len(present) > max_cells:  # the smallest cells pooled into one, as joint_cells pools them
            keep = np.argsort(-per_cell[present], kind="stable")[:max_cells - 1]
            pooled = np.ones(len(present), bool)
            pooled[keep] = False
            n = np.concatenate([n[keep], n[pooled].sum(axis=0, keepdims=True)])
            gone = np.concatenate([gone[keep], gone[pooled].sum(axis=0, keepdims=True)])
        tables.append((n, gone))
    return tables


def _segment_counts(dims: Dimensions, name: str, chosen: list[int], period: np.ndarray, lost: np.ndarray, k: int,
                    max_cells: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """`_cell_tables` for each chosen segment of column `name`, within the cells of the other columns (as
    `joint_cells` with `leave_out=name`)."""
    if not chosen:
        return None
    codes = dims[name][0]
    segment = np.full(int(codes.max(initial=-1)) + 2, len(chosen), np.int64)
    segment[np.array(chosen) + 1] = np.arange(len(chosen))
    others = [c for other, (c, _) in dims.items() if other != name]
    return _cell_tables(others, segment[np.add(codes, 1, dtype=np.int64)], len(chosen), period, lost, k, max_cells)


def abnormal_drop_off(first_reach: np.ndarray, lost: np.ndarray, segments: Dimensions | tuple[np.ndarray, list[str]] | None,
                      rules: ProcessRules, max_cells: int = 64, scan: tuple[str, ...] | list[str] | None = None) -> tuple[list[DropOffPeriod], str, int]:
    """Abnormal drop-off periods of one transition, the period length used ('day' or 'week'), and the number of
    windows tested (the periods' Bonferroni correction was `rules.alarm_alpha` divided by it).

    `first_reach` holds, per case that reached the source step, when it first did (int64 ns); `lost` whether it
    never reached the target; `segments` each segment column's code per case (-1 unknown) and names (one column
    may be given as a bare (codes, names) pair). Every series is tested within the cells of the other columns,
    at most `max_cells` of them (fixfirst.signals.strata). The segments of the columns in `scan` (all when None)
    are also scanned on their own; every column's segments are broken down in an overall period.
    """
    if not len(first_reach):
        return [], "week", 0
    dims: Dimensions = {"segment": segments} if isinstance(segments, tuple) else dict(segments or {})
    dims = {name: (np.asarray(codes), names) for name, (codes, names) in dims.items() if len(names)}
    day = first_reach // DAY_NS
    first_unit = int(day.min())
    period = day - first_unit
    daily = np.bincount(period)
    granularity = "day" if np.median(daily) >= rules.min_cases_per_day else "week"
    if granularity == "week":  # day 0 (1 Jan 1970) was a Thursday: weeks start on Monday
        unit = (day + 3) // 7
        first_unit = int(unit.min())
        period = unit - first_unit
    k = int(period.max()) + 1 if granularity == "week" else len(daily)
    longest = min(k - 1, int(rules.max_alarm_share * k))
    starts, ends = _windows(k, longest)

    tables = _cell_tables([codes for codes, _ in dims.values()], None, 1, period, lost, k, max_cells)
    overall = _Series(None, *(tables[0] if tables is not None else _cell_counts(period, lost, joint_cells(dims, None, max_cells, n_cases=len(period)), k)))
    scanned = [overall]
    by_segment: dict[tuple[str, int], _Series] = {}  # every segment of every column, the largest of each first
    for name, (codes, names) in dims.items():
        sizes = np.bincount(codes[codes >= 0], minlength=len(names))
        chosen = [int(i) for i in np.argsort(-sizes, kind="stable")[:rules.max_segments] if sizes[i]]
        tables = _segment_counts(dims, name, chosen, period, lost, k, max_cells)
        for j, i in enumerate(chosen):
            if tables is None:
                rows = np.flatnonzero(codes == i)
                counts = _cell_counts(period[rows], lost[rows], joint_cells(dims, rows, max_cells, leave_out=name), k)
            else:
                counts = tables[j]
            series = _Series(names[i], *counts, dimension=name)
            by_segment[(name, i)] = series
            if sizes[i] >= 2 * rules.min_period_cases and (scan is None or name in scan):
                scanned.append(series)
    if not len(starts):
        return [], granularity, 0
    # Bonferroni over every window of every series: the chance of any false alarm on a transition whose
    # drop-off never changes stays under alarm_alpha, however finely the periods are cut.
    tests = sum(_testable(s, starts, ends, rules) for s in scanned)
    if not tests:
        return [], granularity, 0
    for series in scanned:
        _scan(series, starts, ends, rules.alarm_alpha / tests, rules)

    first_day = first_unit
    primary = next(iter(dims), None)

    def period_of(series: _Series, window: tuple[int, int], breakdowns: dict[str, list[SegmentDropOff]]) -> DropOffPeriod:
        n_in, lost_in, n_out, lost_out, expected, p_value = _window_test(series, window)
        first, last = window[0] + first_day, window[1] - 1 + first_day
        if granularity == "week":
            begin, finish = EPOCH + dt.timedelta(days=7 * first - 3), EPOCH + dt.timedelta(days=7 * last + 3)
        else:
            begin, finish = EPOCH + dt.timedelta(days=first), EPOCH + dt.timedelta(days=last)
        return DropOffPeriod("", "", series.segment, granularity, begin, finish, window[1] - window[0], n_in, lost_in,
                             n_out, lost_out, float(p_value), breakdowns.get(primary, []) if primary is not None else [], series.dimension,
                             expected, breakdowns)

    found: list[DropOffPeriod] = []
    overall.found = _merged(overall.found)
    excluded = _excluded_mask(k, overall.found)
    # Bonferroni over the segments present: naming one segment is a claim about each of them.
    attribution_alpha = rules.alarm_alpha / max(1, len(by_segment))
    for window in overall.found:
        breakdowns: dict[str, list[SegmentDropOff]] = {}
        for (dimension, _), series in by_segment.items():
            n_in, lost_in, n_out, lost_out = _inside_outside(series.crude_n, series.crude_lost, window, excluded)
            if not n_in or series.segment is None:
                continue
            p_value: float | None = None
            carries = False
            if n_out:  # else no usual level to compare with
                usual = lost_out / n_out
                p_value = float(_special().bdtrc(lost_in - 1, n_in, usual))
                carries = p_value <= attribution_alpha and lost_in / n_in - usual >= rules.min_lift
            breakdowns.setdefault(dimension, []).append(
                SegmentDropOff(series.segment, n_in, lost_in, n_out, lost_out, p_value, carries, dimension))
        found.append(period_of(overall, window, breakdowns))
    for series in scanned[1:]:
        series.found = _merged(series.found)
        for window in series.found:
            own = period_of(series, window, {})
            # Already told: an overall period over most of the same days names this segment as carrying the excess,
            # or the segment did no worse in it than everyone did.
            if any(_overlap_days(p, own) * 2 >= (own.end - own.start).days + 1
                   and ((series.dimension, series.segment) in {(c.dimension, c.segment) for c in p.all_carriers}
                        or own.rate - own.mix_usual_rate < p.rate - p.mix_usual_rate + rules.min_lift)
                   for p in found if p.segment is None):
                continue
            found.append(own)
    found.sort(key=lambda p: (p.start, p.segment is not None, p.dimension or "", p.segment or ""))
    return found, granularity, tests
