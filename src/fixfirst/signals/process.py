"""Process mining of the event log: directly-follows graph, step times, variants, rework and abnormal drop-off periods."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..config import Settings
from ..journey import Journey
from .dropoff import DropOffPeriod, abnormal_drop_off
from .ordered_log import OrderedLog, compound_keys, distinct_per_id, order_events, pair_ids, run_starts, value_codes
from .strata import SEGMENT_DIMENSIONS, Dimensions

NS_PER_S = 1_000_000_000
NEVER = np.iinfo(np.int64).max  # "first reached at" for a case that never reached the step
# Two independent 64-bit polynomial hashes plus the length identify a variant; a false merge needs both to collide.
_HASH_BASES = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class DirectlyFollows:
    """How often `target` came straight after `source` within one case, and the wait in between (seconds)."""

    source: str
    target: str
    events: int
    cases: int
    share: float  # of the source's occurrences that had a next step in their case
    wait_median: float | None
    wait_p85: float | None

    @property
    def median_text(self) -> str:
        return format_duration(self.wait_median)

    @property
    def p85_text(self) -> str:
        return format_duration(self.wait_p85)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "events": self.events, "cases": self.cases, "share": round(self.share, 4),
                "wait_median_s": _round_s(self.wait_median), "wait_p85_s": _round_s(self.wait_p85)}


@dataclass(frozen=True)
class StepCount:
    """An activity (or touchpoint) and the number of cases it starts or ends."""

    name: str
    cases: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "cases": self.cases, "share": round(self.share, 4)}


@dataclass
class DirectlyFollowsGraph:
    """The directly-follows graph of one level (activities, or journey touchpoints); edges most frequent first."""

    level: str  # activity | touchpoint
    events: int
    cases: int
    timed: bool
    edges: list[DirectlyFollows]
    starts: list[StepCount]
    ends: list[StepCount]

    def edge(self, source: str, target: str) -> DirectlyFollows | None:
        return next((e for e in self.edges if e.source == source and e.target == target), None)

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "events": self.events, "cases": self.cases, "timed": self.timed,
                "edges": [e.to_dict() for e in self.edges], "starts": [s.to_dict() for s in self.starts], "ends": [s.to_dict() for s in self.ends]}


@dataclass(frozen=True)
class Variant:
    """One path through the process, and how many cases took exactly it."""

    steps: tuple[str, ...]
    cases: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "cases": self.cases, "share": round(self.share, 4)}


@dataclass
class VariantSummary:
    level: str
    collapsed: bool  # immediate repeats (home, home) read as one step
    cases: int
    distinct: int
    top: list[Variant]

    @property
    def top_share(self) -> float:
        return sum(v.cases for v in self.top) / self.cases if self.cases else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "collapsed": self.collapsed, "cases": self.cases, "distinct": self.distinct,
                "top": [v.to_dict() for v in self.top]}


@dataclass(frozen=True)
class StepRework:
    """Cases that came back to a step after leaving it for another one."""

    step: str
    cases: int  # cases that reached the step: the n
    returned: int

    @property
    def share(self) -> float:
        return self.returned / self.cases if self.cases else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "cases": self.cases, "returned": self.returned, "share": round(self.share, 4)}


@dataclass(frozen=True)
class ReworkLoop:
    """A back-and-forth: `step`, straight on to `via`, straight back to `step`."""

    step: str
    via: str
    occurrences: int
    cases: int
    share: float  # of the cases that reached `step`

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "via": self.via, "occurrences": self.occurrences, "cases": self.cases, "share": round(self.share, 4)}


@dataclass
class ReworkSummary:
    level: str
    steps: list[StepRework]  # most returned-to share first
    loops: list[ReworkLoop]  # most cases first

    def for_step(self, step: str) -> StepRework | None:
        return next((s for s in self.steps if s.step == step), None)

    def loops_at(self, step: str) -> list[ReworkLoop]:
        return [loop for loop in self.loops if loop.step == step]

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "steps": [s.to_dict() for s in self.steps], "loops": [loop.to_dict() for loop in self.loops]}


@dataclass(frozen=True)
class StepTiming:
    """Time from a case's first reach of `source` to its first reach of `target`, among cases reaching target later."""

    source: str
    target: str
    n: int
    median: float | None  # seconds
    p85: float | None

    @property
    def median_text(self) -> str:
        return format_duration(self.median)

    @property
    def p85_text(self) -> str:
        return format_duration(self.p85)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "n": self.n, "median_s": _round_s(self.median), "p85_s": _round_s(self.p85)}


@dataclass
class ProcessMap:
    """What the event log says about how cases move: the `process` part of the signals."""

    events: int
    cases: int
    timed: bool
    untimed_events: int  # events left out of the ordered measures because their time is blank
    activities: DirectlyFollowsGraph
    touchpoints: DirectlyFollowsGraph | None
    variants: VariantSummary
    journey_variants: VariantSummary | None
    rework: ReworkSummary
    touchpoint_rework: ReworkSummary | None
    step_times: list[StepTiming]
    drop_off_periods: list[DropOffPeriod]
    granularity: dict[tuple[str, str], str] = field(default_factory=dict)  # transition -> day | week
    # Transition -> drop-off windows tested on it; over the whole log they set how significant a period must be to
    # be scored as an incident (fixfirst.signals.incidents).
    alarm_tests: dict[tuple[str, str], int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # touchpoint id -> name
    rework_min_share: float = 0.0  # rework at or above this share becomes evidence on the step's conversion signal

    def __repr__(self) -> str:
        # One line: the generated repr prints both graphs, the variants, the rework and every drop-off period.
        return (f"<ProcessMap: {self.events:,} events in {self.cases:,} cases, {len(self.activities.edges)} activity transitions, "
                f"{len(self.drop_off_periods)} drop-off periods>")

    def name(self, touchpoint_id: str) -> str:
        return self.names.get(touchpoint_id, touchpoint_id)

    def step_time(self, source: str, target: str) -> StepTiming | None:
        return next((t for t in self.step_times if t.source == source and t.target == target), None)

    def periods_for(self, source: str, target: str) -> list[DropOffPeriod]:
        return [p for p in self.drop_off_periods if p.source == source and p.target == target]

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": self.events, "cases": self.cases, "timed": self.timed, "untimed_events": self.untimed_events,
            "activity_graph": self.activities.to_dict(),
            "touchpoint_graph": self.touchpoints.to_dict() if self.touchpoints else None,
            "variants": self.variants.to_dict(),
            "journey_variants": self.journey_variants.to_dict() if self.journey_variants else None,
            "rework": self.rework.to_dict(),
            "touchpoint_rework": self.touchpoint_rework.to_dict() if self.touchpoint_rework else None,
            "step_times": [t.to_dict() for t in self.step_times],
            "drop_off_periods": [p.to_dict() for p in self.drop_off_periods],
        }


def _round_s(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def format_duration(seconds: float | None) -> str:
    """A wait as people say it: 45 s, 3.5 min, 2.1 h, 4.0 days."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        minutes = seconds / 60
        return f"{minutes:.1f} min" if minutes < 10 else f"{minutes:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# ---------------------------------------------------------------- directly-follows graph


def _graph(log: OrderedLog, level: str) -> DirectlyFollowsGraph:
    width = len(log.names)
    same = ~log.first[1:]
    src, dst = log.code[:-1][same], log.code[1:][same]
    ids, pairs = pair_ids(src, dst, width)
    events = np.bincount(ids, minlength=len(pairs))
    cases = distinct_per_id(log.case[:-1][same], ids, len(pairs))
    outgoing = np.bincount(src, minlength=width)
    medians: list[float | None] = [None] * len(pairs)
    p85s: list[float | None] = [None] * len(pairs)
    clock = log.clock
    if log.ts is not None and clock is not None and len(ids):
        waits = np.diff(clock)[same]
        small = len(pairs) < (1 << 15)  # 16-bit ids sort by radix, in linear time
        grouped = waits[np.argsort(ids.astype(np.int16) if small else ids, kind="stable")]
        bounds = np.r_[0, np.cumsum(events)]
        for i in range(len(pairs)):
            median, p85 = np.quantile(grouped[bounds[i]:bounds[i + 1]], (0.5, 0.85)) / NS_PER_S
            medians[i], p85s[i] = float(median), float(p85)
    edges = [DirectlyFollows(log.names[p // width], log.names[p % width], int(events[i]), int(cases[i]),
                             float(events[i] / outgoing[p // width]), medians[i], p85s[i]) for i, p in enumerate(pairs)]
    edges.sort(key=lambda e: (-e.events, -e.cases, e.source, e.target))
    first = log.first
    n_cases = int(first.sum())
    last = np.r_[first[1:], True] if len(first) else first
    return DirectlyFollowsGraph(level, len(log.code), n_cases, log.ts is not None, edges,
                                _step_counts(log.code[first], log.names, n_cases), _step_counts(log.code[last], log.names, n_cases))


def _step_counts(codes: np.ndarray, names: list[str], total: int) -> list[StepCount]:
    counts = np.bincount(codes, minlength=len(names))
    order = sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], names[i]))
    return [StepCount(names[i], int(counts[i]), float(counts[i] / total)) for i in order]


def directly_follows_graph(events: pd.DataFrame) -> DirectlyFollowsGraph:
    """The activity-level directly-follows graph of an events frame (`case_id`, `activity`, optional `timestamp`)."""
    log, *_ = order_events(events)
    return _graph(log, "activity")


# ---------------------------------------------------------------- variants and rework


def _variants(log: OrderedLog, level: str, top: int, collapse: bool) -> VariantSummary:
    case, code, first = log.collapsed() if collapse else (log.case, log.code, log.first)
    if not len(code):
        return VariantSummary(level, collapse, 0, 0, [])
    starts = np.flatnonzero(first)
    lengths = np.diff(np.r_[starts, len(code)])
    position = np.arange(len(code)) - np.repeat(starts, lengths)
    rng = np.random.default_rng(20240229)  # random 64-bit values per step spread the hash better than the codes
    digests = []
    for base in _HASH_BASES:
        values = rng.integers(1, np.iinfo(np.int64).max, len(log.names), dtype=np.int64).view(np.uint64)
        powers = np.cumprod(np.r_[np.uint64(1), np.full(int(lengths.max()) - 1, base, dtype=np.uint64)], dtype=np.uint64)
        digests.append(np.add.reduceat(values[code] * powers[position], starts))
    key = pd.factorize(digests[0])[0]
    # The second hash and the length must agree within every group of the first; if they ever do not (a 64-bit
    # collision), group by all three.
    for other in (digests[1], lengths):
        seen = np.empty(int(key.max()) + 1, other.dtype)
        seen[key] = other
        if (seen[key] != other).any():
            codes = pd.factorize(other)[0].astype(np.int64)
            key = pd.factorize(key.astype(np.int64) * (int(codes.max()) + 1) + codes)[0]
    counts = np.bincount(key)
    chosen = np.argsort(-counts, kind="stable")[:top]  # ties: the variant seen first comes first
    result = []
    for variant in chosen:
        case_row = int(np.argmax(key == variant))
        begin = starts[case_row]
        steps = tuple(log.names[c] for c in code[begin:begin + lengths[case_row]])
        result.append(Variant(steps, int(counts[variant]), float(counts[variant] / len(starts))))
    return VariantSummary(level, collapse, len(starts), len(counts), result)


def _rework(log: OrderedLog, level: str, top_loops: int | None) -> ReworkSummary:
    case, code, _ = log.collapsed()
    width = len(log.names)
    keys = np.sort(compound_keys(case, code, width))
    head = run_starts(keys)
    visits = np.diff(np.r_[np.flatnonzero(head), len(keys)])
    step_of = keys[head] % width
    reached = np.bincount(step_of, minlength=width)
    returned = np.bincount(step_of[visits > 1], minlength=width)
    steps = [StepRework(log.names[i], int(reached[i]), int(returned[i])) for i in np.flatnonzero(reached)]
    steps.sort(key=lambda s: (-s.share, -s.cases, s.step))
    # a -> b -> a inside one case; collapsing guarantees b differs from a.
    rows = np.flatnonzero((case[2:] == case[:-2]) & (code[2:] == code[:-2]))
    ids, pairs = pair_ids(code[rows], code[rows + 1], width)
    occurrences = np.bincount(ids, minlength=len(pairs))
    cases = distinct_per_id(case[rows], ids, len(pairs))
    loops = [ReworkLoop(log.names[p // width], log.names[p % width], int(occurrences[i]), int(cases[i]), float(cases[i] / reached[p // width]))
             for i, p in enumerate(pairs)]
    loops.sort(key=lambda lp: (-lp.cases, -lp.occurrences, lp.step, lp.via))
    return ReworkSummary(level, steps, loops[:top_loops])


def _touchpoints_of(codes: np.ndarray, names: list[str], step_of: dict[str, int]) -> list[int]:
    return [step_of.get(names[i], -1) for i in codes]


def _rename_to_touchpoints(result: ProcessMap, rename: dict[str, str], top_loops: int) -> None:
    """Fill the touchpoint view from the activity view when every activity is its own touchpoint."""
    graph, variants, rework = result.activities, result.variants, result.rework
    edges = sorted((replace(e, source=rename[e.source], target=rename[e.target]) for e in graph.edges),
                   key=lambda e: (-e.events, -e.cases, e.source, e.target))
    result.touchpoints = DirectlyFollowsGraph("touchpoint", graph.events, graph.cases, graph.timed, edges,
                                              [replace(s, name=rename[s.name]) for s in graph.starts],
                                              [replace(s, name=rename[s.name]) for s in graph.ends])
    for counts in (result.touchpoints.starts, result.touchpoints.ends):
        counts.sort(key=lambda s: (-s.cases, s.name))
    result.journey_variants = VariantSummary("touchpoint", True, variants.cases, variants.distinct,
                                             [replace(v, steps=tuple(rename[x] for x in v.steps)) for v in variants.top])
    steps = sorted((replace(s, step=rename[s.step]) for s in rework.steps), key=lambda s: (-s.share, -s.cases, s.step))
    loops = sorted((replace(lp, step=rename[lp.step], via=rename[lp.via]) for lp in rework.loops),
                   key=lambda lp: (-lp.cases, -lp.occurrences, lp.step, lp.via))
    result.touchpoint_rework = ReworkSummary("touchpoint", steps, loops[:top_loops])


# ---------------------------------------------------------------- journey steps

# Memory for the case x touchpoint table of first-reach times, in cells; larger journeys go in blocks of touchpoints.
FIRST_REACH_CELLS = 1 << 23


def _first_reach(log: OrderedLog, steps: list[int]) -> dict[int, np.ndarray]:
    """For each touchpoint asked for, the time each case first reached it (NEVER when it did not)."""
    ts = log.ts
    if ts is None:  # the caller returns before this on an untimed log: without times nothing is reached first
        raise ValueError("first-reach times need a log with timestamps")
    reach: dict[int, np.ndarray] = {}
    block = max(1, FIRST_REACH_CELLS // max(1, log.n_cases))
    for begin in range(0, len(steps), block):
        chunk = steps[begin:begin + block]
        column = np.full(len(log.names), -1, np.int64)
        column[chunk] = np.arange(len(chunk))
        slot = column[log.code]
        rows = None if len(chunk) == len(log.names) else np.flatnonzero(slot >= 0)
        at = np.full(log.n_cases * len(chunk), NEVER, np.int64)
        if rows is None:
            np.minimum.at(at, compound_keys(log.case, slot, len(chunk)), ts)
        else:
            np.minimum.at(at, compound_keys(log.case[rows], slot[rows], len(chunk)), ts[rows])
        table = at.reshape(log.n_cases, len(chunk))
        reach.update({step: table[:, j] for j, step in enumerate(chunk)})
    return reach


def _case_segments(events: pd.DataFrame, log: OrderedLog) -> Dimensions:
    """Per segment column (device, channel, visitor type) and case, the value of its first journey event (in time
    order) that has one, as the funnel takes it; -1 if none. Columns without any value are left out."""
    found: Dimensions = {}
    for column in SEGMENT_DIMENSIONS:
        if column not in events:
            continue
        segment, names = value_codes(events[column])
        known = segment if log.row is None else segment[log.row]
        per_case = np.full(log.n_cases, -1, np.int64)
        if (known >= 0).all():
            per_case[log.case[log.first]] = known[log.first]
            found[column] = (per_case, names)
            continue
        rows = np.flatnonzero(known >= 0)
        if not len(rows):
            continue
        first = run_starts(log.case[rows])
        per_case[log.case[rows][first]] = known[rows][first]
        found[column] = (per_case, names)
    return found


def _reached_anytime(events: pd.DataFrame, case_of_row: np.ndarray, step_of: dict[str, int], n_cases: int, n_steps: int) -> np.ndarray:
    """Case x touchpoint: reached at all, whatever the time (blank times included), as the funnel counts it."""
    activity, names = value_codes(events["activity"])
    row_step = np.array([step_of.get(name, -1) for name in names] + [-1], np.int64)[activity]
    mapped = (row_step >= 0) & (case_of_row >= 0)
    reached = np.zeros((n_cases, n_steps), bool)
    reached[case_of_row[mapped], row_step[mapped]] = True
    return reached


def process_map(events: pd.DataFrame, journey: Journey, settings: Settings,
                cases: tuple[np.ndarray, int, bool] | None = None) -> ProcessMap | None:
    """Everything the process section reports, from an events frame and the journey that names its steps."""
    if events is None or not len(events):
        return None
    rules = settings.process
    log, case_of_row, untimed = order_events(events, cases)
    if not len(log.code):
        return None
    result = ProcessMap(len(events), log.n_cases, log.ts is not None, untimed, _graph(log, "activity"),
                        None, _variants(log, "activity", rules.top_variants, rules.collapse_repeats), None,
                        _rework(log, "activity", None), None, [], [],
                        names={tp.id: tp.name for tp in journey.touchpoints}, rework_min_share=rules.rework_evidence_min_share)
    ordered = [tp for tp in journey.ordered() if tp.events]
    step_of = {activity: i for i, tp in enumerate(ordered) for activity in tp.events}
    ids = [tp.id for tp in ordered]
    tp_code = np.array([step_of.get(name, -1) for name in log.names] + [-1], np.int32)[log.code]
    mapped = tp_code >= 0
    if not mapped.any():
        result.rework.loops = result.rework.loops[:rules.top_loops]
        return result
    tp_log = log.take(None if mapped.all() else np.flatnonzero(mapped), tp_code, ids)
    present = np.flatnonzero(np.bincount(log.code, minlength=len(log.names)))
    if mapped.all() and rules.collapse_repeats and len(set(_touchpoints_of(present, log.names, step_of))) == len(present):
        # Each activity is its own touchpoint (a funnel export): the touchpoint view is the activity view renamed.
        _rename_to_touchpoints(result, {log.names[i]: ids[step_of[log.names[i]]] for i in present}, rules.top_loops)
    else:
        result.touchpoints = _graph(tp_log, "touchpoint")
        result.journey_variants = _variants(tp_log, "touchpoint", rules.top_variants, True)
        result.touchpoint_rework = _rework(tp_log, "touchpoint", rules.top_loops)
    result.rework.loops = result.rework.loops[:rules.top_loops]
    if log.ts is None:
        return result
    index = {tp_id: i for i, tp_id in enumerate(ids)}
    transitions = [(t.source, t.target, index[t.source], index[t.target]) for t in journey.transitions
                   if t.source in index and t.target in index]
    steps = sorted({i for _, _, a, b in transitions for i in (a, b)})
    first = _first_reach(tp_log, steps)
    # Waits between first reaches on absolute time (a clock change between them does not add or take an hour);
    # the periods of drop-offs stay on the local clock, as the business counts its days.
    first_elapsed = first if tp_log.elapsed is None else _first_reach(replace(tp_log, ts=tp_log.elapsed, elapsed=None), steps)
    reached = _reached_anytime(events, case_of_row, step_of, log.n_cases, len(ids)) if untimed else None
    segments = _case_segments(events, tp_log)
    log_end = int(log.ts.max())
    for source, target, a, b in transitions:
        at_a, at_b = first[a], first[b]
        el_a, el_b = first_elapsed[a], first_elapsed[b]
        later = (el_a != NEVER) & (el_b != NEVER) & (el_b >= el_a)
        waits = (el_b[later] - el_a[later]) / NS_PER_S
        median, p85 = (float(q) for q in np.quantile(waits, (0.5, 0.85))) if len(waits) else (None, None)
        result.step_times.append(StepTiming(source, target, len(waits), median, p85))
        # Cases that reached the step too close to the end of the log may simply not have had time to go on.
        horizon = np.quantile(el_b[later] - el_a[later], rules.follow_up_quantile) if len(waits) else 0
        cohort = np.flatnonzero((at_a != NEVER) & (at_a <= log_end - horizon))
        lost = at_b[cohort] == NEVER if reached is None else ~reached[cohort, b]
        seg = {name: (codes[cohort], names) for name, (codes, names) in segments.items()}
        periods, granularity, tests = abnormal_drop_off(at_a[cohort], lost, seg, rules, settings.targets.max_strata,
                                                        tuple(settings.targets.segment_dimensions))
        result.granularity[(source, target)] = granularity
        result.alarm_tests[(source, target)] = tests
        result.drop_off_periods += [p.on(source, target) for p in periods]
    return result
