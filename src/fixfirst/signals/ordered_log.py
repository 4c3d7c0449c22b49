"""The event log as numpy arrays grouped by case and ordered by time: the common ground of the process measures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min
# Above this many (source, target) pairs the edge ids come from hashing instead of a dense table.
DENSE_PAIRS = 1 << 22


def run_starts(values: np.ndarray) -> np.ndarray:
    """True where a value differs from the one before it (and at the first row)."""
    starts = np.empty(len(values), bool)
    if len(values):
        starts[0] = True
        np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def compound_keys(major: np.ndarray, minor: np.ndarray, size: int) -> np.ndarray:
    """major * size + minor in the narrowest integer type that holds it: 32-bit keys sort several times faster."""
    top = (int(major.max()) + 1) * size if len(major) else 0
    dtype = np.int32 if top < (1 << 31) else np.int64
    return major.astype(dtype, copy=False) * dtype(size) + minor.astype(dtype, copy=False)


def distinct_per_id(major: np.ndarray, ids: np.ndarray, size: int) -> np.ndarray:
    """Per id (0..size-1), how many distinct `major` values (cases) it occurs with."""
    keys = np.sort(compound_keys(major, ids, size))
    return np.bincount(keys[run_starts(keys)] % size, minlength=size)


@dataclass
class OrderedLog:
    """Events grouped by case (case codes never fall), in time order within a case, ties in file order."""

    case: np.ndarray  # case code per row
    code: np.ndarray  # step code per row (activity or touchpoint)
    ts: np.ndarray | None  # int64 nanoseconds per row
    names: list[str]
    row: np.ndarray | None  # position of each row in the events frame; None when the frame is already in this order
    n_cases: int  # case codes run from 0 to n_cases - 1; a case may have no rows at this level
    _first: np.ndarray | None = None
    _collapsed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    # Absolute time (UTC ns) per row where it differs from the local clock `ts` (promise.timezone set): waits are
    # measured on it, so one across a clock change is the time that passed. None: `ts` serves for both.
    elapsed: np.ndarray | None = None

    @property
    def clock(self) -> np.ndarray | None:
        """The times durations are measured on: absolute where known, else the local clock."""
        return self.elapsed if self.elapsed is not None else self.ts

    @property
    def first(self) -> np.ndarray:
        """Rows that open a case."""
        if self._first is None:
            self._first = run_starts(self.case)
        return self._first

    def take(self, rows: np.ndarray | None, code: np.ndarray, names: list[str]) -> OrderedLog:
        if rows is None:
            return OrderedLog(self.case, code, self.ts, names, self.row, self.n_cases, self._first, elapsed=self.elapsed)
        return OrderedLog(self.case[rows], code[rows], None if self.ts is None else self.ts[rows], names,
                          rows if self.row is None else self.row[rows], self.n_cases,
                          elapsed=None if self.elapsed is None else self.elapsed[rows])

    def collapsed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Case, step and case-opening flag per visit: immediate repeats of a step within a case read as one."""
        if self._collapsed is None:
            keep = self.first | run_starts(self.code)
            self._collapsed = (self.case[keep], self.code[keep], self.first[keep])
        return self._collapsed


def value_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer code per row (-1 for blank) and the names; categoricals keep their codes, nothing is re-hashed."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), [str(c) for c in values.cat.categories]
    codes, uniques = pd.factorize(values)
    return codes, [str(u) for u in uniques]


def arrow_array(values: pd.Series):
    import pyarrow as pa

    arrow = values.array.__arrow_array__()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks() if arrow.num_chunks != 1 else arrow.chunk(0)
    return arrow


def case_codes(case: pd.Series) -> tuple[np.ndarray, int, bool]:
    """Case code per row, the number of cases, and whether each case's rows are already together (codes then rise).

    Exports usually list a case's events together, so only the first id of each run of equal neighbours is hashed
    (none at all when those ids are sorted): far cheaper than hashing millions of ids. Interleaved logs cost one
    hash of every id, as a plain factorize would.
    """
    n = len(case)
    arrow = arrow_array(case) if hasattr(case.array, "__arrow_array__") and not isinstance(case.dtype, pd.CategoricalDtype) else None
    if n < 2 or (arrow.null_count if arrow is not None else case.isna().sum()):
        codes, uniques = pd.factorize(case)
        return codes, len(uniques), n < 2
    if arrow is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        change = np.r_[True, pc.not_equal(arrow.slice(1), arrow.slice(0, n - 1)).to_numpy(zero_copy_only=False)]
        starts = np.flatnonzero(change)
        heads = arrow.take(pa.array(starts))
        if len(heads) < 2 or pc.all(pc.less(heads.slice(0, len(heads) - 1), heads.slice(1))).as_py():
            return np.cumsum(change, dtype=np.int64) - 1, len(starts), True  # sorted ids are distinct ids
        encoded = pc.dictionary_encode(heads)
        head_codes, n_cases = encoded.indices.to_numpy(zero_copy_only=False), len(encoded.dictionary)
    else:
        values = case.cat.codes.to_numpy() if isinstance(case.dtype, pd.CategoricalDtype) else case.to_numpy()
        change = run_starts(values)
        starts = np.flatnonzero(change)
        head_codes, uniques = pd.factorize(values[starts])
        n_cases = len(uniques)
    codes = np.repeat(head_codes.astype(np.int64), np.diff(np.r_[starts, n]))
    return codes, n_cases, n_cases == len(starts)


def timestamps_ns(events: pd.DataFrame, column: str = "timestamp") -> np.ndarray | None:
    """Event times as int64 nanoseconds (the local clock; `column="_instant"`: absolute time); None without any."""
    if column not in events:
        return None
    stamps = events[column]
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    ts = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return None if (ts == NAT).all() else ts


def _by_case(case: np.ndarray) -> np.ndarray:
    """Row order grouping each case's rows, in file order within the case.

    case * n + position is unique, so an unstable sort (vectorised quicksort) gives exactly the stable order.
    """
    n = len(case)
    return np.argsort(case.astype(np.int64) * n + np.arange(n))


def _in_time(case: np.ndarray, ts: np.ndarray, order: np.ndarray | None) -> np.ndarray | None:
    """Reorder the cases whose rows are not in time order (equal times keep file order); None when none needs it."""
    c = case if order is None else case[order]
    t = ts if order is None else ts[order]
    early = np.flatnonzero((t[1:] < t[:-1]) & (c[1:] == c[:-1]))
    if not len(early):
        return order
    order = np.arange(len(c)) if order is None else order
    unsorted = np.zeros(int(c.max()) + 1, bool)
    unsorted[c[early]] = True
    at = np.flatnonzero(unsorted[c])  # the rows of those cases: whole blocks, each in file order
    rows = order[at]
    # Rank by time (stable: ties keep file order), then one unique key per row: case first, then that rank.
    by_time = np.argsort(ts[rows], kind="stable")
    rank = np.empty(len(rows), np.int64)
    rank[by_time] = np.arange(len(rows))
    order[at] = rows[np.argsort(case[rows].astype(np.int64) * len(rows) + rank)]
    return order


def order_events(events: pd.DataFrame, cases: tuple[np.ndarray, int, bool] | None = None) -> tuple[OrderedLog, np.ndarray, int]:
    """The log ordered for process measures, the case code of every frame row, and the rows left out for a blank time.

    `cases`: `case_codes(events["case_id"])` when the caller already has it (the funnel needs the same codes).
    """
    case, n_cases, grouped = cases if cases is not None else case_codes(events["case_id"])
    activity, names = value_codes(events["activity"])
    ts = timestamps_ns(events)
    usable = (case >= 0) & (activity >= 0)
    untimed = 0
    if ts is not None:
        untimed = int((usable & (ts == NAT)).sum())
        usable &= ts != NAT
    rows = None if usable.all() else np.flatnonzero(usable)
    c = case if rows is None else case[rows]
    t = ts if rows is None or ts is None else ts[rows]
    order = None if grouped else _by_case(c)
    if t is not None:
        order = _in_time(c, t, order)
    if order is not None:
        rows = order if rows is None else rows[order]
    # 32-bit case codes halve the memory every later pass reads.
    narrow = case.astype(np.int32) if n_cases < (1 << 31) else case
    elapsed = timestamps_ns(events, "_instant") if ts is not None else None
    if rows is None:
        return OrderedLog(narrow, activity, ts, names, None, n_cases, elapsed=elapsed), case, untimed
    return OrderedLog(narrow[rows], activity[rows], None if ts is None else ts[rows], names, rows, n_cases,
                      elapsed=None if elapsed is None else elapsed[rows]), case, untimed


def pair_ids(left: np.ndarray, right: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Compact id per (left, right) pair, and the distinct pairs as left * width + right."""
    if width * width <= DENSE_PAIRS:
        pair = left.astype(np.int32) * np.int32(width) + right
        present = np.flatnonzero(np.bincount(pair, minlength=width * width))
        lookup = np.zeros(width * width, np.int32)
        lookup[present] = np.arange(len(present))
        return lookup[pair], present
    ids, uniques = pd.factorize(left.astype(np.int64) * width + right)
    return ids, np.asarray(uniques, np.int64)
