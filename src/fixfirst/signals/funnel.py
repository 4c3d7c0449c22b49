"""The funnel of an event log: which touchpoints (and activities) each case reached, its segments and when it was seen."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..journey import Journey
from .ordered_log import NAT, timestamps_ns, value_codes
from .ordered_log import case_codes as case_codes_of
from .strata import SEGMENT_DIMENSIONS, Dimensions

NEVER = np.iinfo(np.int64).max  # first seen at: unknown


@dataclass
class Funnel:
    """Which touchpoints each case (session, ticket...) reached."""

    reached: pd.DataFrame  # index case_id, one bool column per touchpoint with events
    segment: pd.Series | None  # case_id -> segment (device, platform...), when the log has one
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    purchase_step: str | None  # the last event touchpoint in journey order
    # Every segment column the log has (segment, channel, visitor_type): case -> value, as first seen.
    segments: dict[str, pd.Series] = field(default_factory=dict)
    first_seen: np.ndarray | None = None  # per case, its first journey event (int64 ns; NEVER when unknown)
    last_seen: np.ndarray | None = None  # per case, its last journey event (int64 ns)
    # Case x activity, for the activities of touchpoints that have two or more (conversion inside a touchpoint).
    activities: pd.DataFrame | None = None
    _dimensions: Dimensions | None = None

    def __repr__(self) -> str:
        # One line: the generated repr prints the case x touchpoint table and every per-case array.
        span = f" from {self.start.date()} to {self.end.date()}" if self.start is not None and self.end is not None else ""
        return (f"<Funnel: {self.cases:,} cases at {self.reached.shape[1]} touchpoints{span}, "
                f"purchase at {self.purchase_step!r}>")

    @property
    def cases(self) -> int:
        return len(self.reached)

    @property
    def timed(self) -> bool:
        return self.first_seen is not None

    def dimensions(self) -> Dimensions:
        """Each segment column as a code per case (-1 unknown) and its names."""
        if self._dimensions is None:
            self._dimensions = {name: value_codes(values) for name, values in self.segments.items()}
        return self._dimensions

    def buy_rate(self, reached: pd.Series) -> float:
        """Share of the cases in `reached` that went on to buy: what a case kept at a step is worth."""
        mask = reached.to_numpy()
        if not self.purchase_step or not mask.any():
            return 0.0
        return float(self.reached[self.purchase_step].to_numpy()[mask].mean())

    def followed_up(self, success: np.ndarray, quantile: float) -> np.ndarray:
        """Cases first seen early enough to have gone on before the log ends: not later than its end minus the
        `quantile` of how long cases that went on stayed (from first to last event)."""
        if self.first_seen is None or self.last_seen is None:
            return np.zeros(self.cases, bool)
        known = self.first_seen != NEVER
        durations = (self.last_seen - self.first_seen)[known & success]
        horizon = np.quantile(durations, quantile) if len(durations) else 0
        last = self.last_seen[known].max() if known.any() else 0
        return known & (self.first_seen <= last - horizon)


def build_funnel(events: pd.DataFrame, journey: Journey, cases: tuple[np.ndarray, int, bool] | None = None) -> Funnel | None:
    """Which touchpoints each case reached. `cases`: `ordered_log.case_codes(events["case_id"])`, when already known."""
    step_of = {activity: tp.id for tp in journey.touchpoints for activity in tp.events}
    if not step_of:
        return None
    # Map the few distinct activities, not every row: a log of millions has a handful of activity names.
    activity_codes, activities = pd.factorize(events["activity"])
    step_codes_all, steps = pd.factorize(pd.Series([step_of.get(str(a)) for a in activities], dtype="object"), sort=True)
    row_step = np.where(activity_codes >= 0, step_codes_all[np.maximum(activity_codes, 0)], -1)
    keep = row_step >= 0
    if not keep.any():
        return None
    # A boolean case x step matrix; pd.crosstab would aggregate group by group in Python.
    # Cases numbered by the shared routine that hashes only the first id of each run of equal neighbours; the
    # numbering follows the file, but nothing computed from the funnel depends on row order.
    all_codes, n_all, _ = cases if cases is not None else case_codes_of(events["case_id"])
    case_codes = all_codes[keep]
    valid = case_codes >= 0
    if not valid.all():
        keep = keep & (all_codes >= 0)
        case_codes = case_codes[valid]
    # Renumber the cases that have a journey step, in the same order, so the funnel has no empty rows.
    present = np.zeros(n_all, dtype=bool)
    present[case_codes] = True
    case_codes = (np.cumsum(present) - 1)[case_codes]
    n_cases = int(present.sum())
    step_codes = row_step[keep]
    matrix = np.zeros((n_cases, len(steps)), dtype=bool)
    matrix[case_codes, step_codes] = True
    reached = pd.DataFrame(matrix, index=pd.RangeIndex(n_cases, name="case"), columns=list(steps))
    timed = "timestamp" in events
    first_seen = last_seen = None
    columns = [c for c in SEGMENT_DIMENSIONS if c in events]
    if timed or columns:
        # A case's segment is the one it was first seen with (earliest timestamp, then file order). numpy's
        # ufunc.at reduces per case many times faster than a pandas groupby over millions of rows.
        rows = np.arange(len(case_codes))
        first_row = np.full(n_cases, len(case_codes), np.int64)
        if timed:
            all_stamps = timestamps_ns(events)
            stamps = np.full(len(case_codes), NAT, np.int64) if all_stamps is None else all_stamps[keep]
            unknown = stamps == NAT
            first_seen = np.full(n_cases, NEVER, np.int64)
            np.minimum.at(first_seen, case_codes, np.where(unknown, NEVER, stamps))  # an unknown time is never the first
            last_seen = np.full(n_cases, NAT, np.int64)
            np.maximum.at(last_seen, case_codes, stamps)
            earliest = np.flatnonzero(np.where(unknown, NEVER, stamps) == first_seen[case_codes])
            np.minimum.at(first_row, case_codes[earliest], rows[earliest])
        else:
            np.minimum.at(first_row, case_codes, rows)
    segments = {}
    if columns:
        # Take the first rows from the column itself: categoricals and Arrow strings keep their type, nothing is boxed.
        in_file = np.flatnonzero(keep)[first_row]
        for column in columns:
            segments[column] = pd.Series(events[column].take(in_file).array, index=reached.index)
    ordered = [tp.id for tp in journey.ordered() if tp.id in reached.columns]
    # Funnel tables without times still give conversion; only per-month figures need the period.
    start, end = (events["timestamp"].min(), events["timestamp"].max()) if timed else (None, None)
    funnel = Funnel(reached[ordered], segments.get("segment"), start, end, ordered[-1] if ordered else None, segments,
                    first_seen, last_seen)
    funnel.activities = _activities_reached(journey, activity_codes[keep], activities, case_codes, n_cases)
    return funnel


def _activities_reached(journey: Journey, codes: np.ndarray, names, case_codes: np.ndarray, n_cases: int) -> pd.DataFrame | None:
    """Case x activity, for the activities of touchpoints that list two or more (kept rows only)."""
    wanted = [a for tp in journey.touchpoints if len(tp.events) > 1 for a in tp.events]
    column_of = {str(name): i for i, name in enumerate(names)}
    present = [a for a in wanted if a in column_of]
    if not present:
        return None
    slot = np.full(len(names), -1, np.int64)
    slot[[column_of[a] for a in present]] = np.arange(len(present))
    row_slot = slot[codes]
    mapped = row_slot >= 0
    matrix = np.zeros((n_cases, len(present)), bool)
    matrix[case_codes[mapped], row_slot[mapped]] = True
    return pd.DataFrame(matrix, index=pd.RangeIndex(n_cases, name="case"), columns=present)
