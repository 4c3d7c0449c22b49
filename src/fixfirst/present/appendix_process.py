"""Appendix: how customers move through the journey (the process map of the event log), written for the report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..signals import redact
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult

MAX_PATH_STEPS = 12  # a longer path is cut, saying how many steps were left out


@dataclass(frozen=True)
class DropOffRow:
    edge: str  # "source-target", for tests and styling
    step: str
    dates: str
    who: str
    rate: str
    usual: str
    lost: str
    carriers: list[str]


@dataclass(frozen=True)
class StepTimeRow:
    source: str
    target: str
    median: str
    p85: str
    n: str


@dataclass(frozen=True)
class MoveRow:
    source: str
    target: str
    times: str
    customers: str
    share: str
    median: str
    p85: str


@dataclass(frozen=True)
class PathRow:
    path: str
    customers: str
    share: str


@dataclass(frozen=True)
class ReworkRow:
    step: str
    reached: str
    returned: str
    share: str


@dataclass(frozen=True)
class ProcessAppendix:
    letter: str
    title: str
    intro: str
    timed: bool
    drop_offs: list[DropOffRow]
    no_drop_off: str
    step_times: list[StepTimeRow]
    moves: list[MoveRow]
    moves_note: str
    paths: list[PathRow]
    paths_note: str
    rework: list[ReworkRow]
    no_rework: str
    loops: list[str] = field(default_factory=list)


def duration(seconds: float | None, fmt: Formatter) -> str:
    """A wait as people say it: 45 s, 3.5 min, 2.1 h, 4.0 days (the same steps as the process map's own)."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 90:
        return f"{fmt.number(seconds)} s"
    if seconds < 90 * 60:
        minutes = seconds / 60
        return f"{fmt.number(minutes, 1 if minutes < 10 else 0)} min"
    if seconds < 36 * 3600:
        return f"{fmt.number(seconds / 3600, 1)} h"
    return f"{fmt.number(seconds / 86400, 1)} days"


def _dates(start, end, fmt: Formatter) -> str:
    first = fmt.date(start) if start.year != end.year else fmt.short_date(start)
    return f"{first} – {fmt.date(end)}"


def _drop_offs(pm, fmt: Formatter) -> list[DropOffRow]:
    rows = []
    for p in pm.drop_off_periods:
        carriers = [f"{s.segment} {fmt.percent(s.rate)} (n={fmt.count(s.n)}; usual {fmt.percent(s.usual_rate)})"
                    for s in p.carriers]
        rows.append(DropOffRow(f"{p.source}-{p.target}", f"{pm.name(p.source)} → {pm.name(p.target)}",
                               _dates(p.start, p.end, fmt), p.segment if p.segment is not None else "all customers",
                               f"{fmt.percent(p.rate)} (n={fmt.count(p.n)})", f"{fmt.percent(p.usual_rate)} (n={fmt.count(p.usual_n)})",
                               fmt.count(p.excess_lost), carriers))
    return rows


def _step_name(pm, level: str, step: str) -> str:
    return pm.name(step) if level == "touchpoint" else redact(step)


def build_process(result: AuditResult, fmt: Formatter, letter: str) -> ProcessAppendix | None:
    pm = result.signals.process
    if pm is None:
        return None
    rules = result.engagement.settings.process
    paths = pm.journey_variants if pm.journey_variants is not None and pm.journey_variants.top else pm.variants
    rework = pm.touchpoint_rework if pm.touchpoint_rework is not None else pm.rework
    if pm.timed:
        intro = (f"From {fmt.count(pm.events)} events of {fmt.count(pm.cases)} customers, ordered by time within each "
                 "customer's journey; events at the same moment keep their order in the file.")
    else:
        intro = (f"From {fmt.count(pm.events)} events of {fmt.count(pm.cases)} customers. The log has no "
                 "times, so events are taken in file order and no waits can be given.")
    if pm.untimed_events:
        intro += f" {fmt.count(pm.untimed_events)} events without a time are left out of the order."
    edges = pm.activities.edges
    moves = [MoveRow(redact(e.source), redact(e.target), fmt.count(e.events), fmt.count(e.cases), fmt.percent(e.share),
                     duration(e.wait_median, fmt), duration(e.wait_p85, fmt)) for e in edges[:rules.top_edges]]
    moves_note = (f"The {fmt.count(rules.top_edges)} most frequent of {fmt.count(len(edges))} moves; the data export lists all."
                  if len(edges) > rules.top_edges else "")
    path_rows = []
    for v in paths.top:
        names = [_step_name(pm, paths.level, s) for s in v.steps[:MAX_PATH_STEPS]]
        more = len(v.steps) - MAX_PATH_STEPS
        path_rows.append(PathRow(" → ".join(names) + (f" … (+{fmt.count(more)} steps)" if more > 0 else ""),
                                 fmt.count(v.cases), fmt.percent(v.share, 1)))
    paths_note = (f"{fmt.count(paths.distinct)} different paths among {fmt.count(paths.cases)} customers; these "
                  f"{fmt.count(len(paths.top))} cover {fmt.percent(paths.top_share)}."
                  + (" A step repeated straight away counts once." if paths.collapsed else ""))
    rework_rows = [ReworkRow(_step_name(pm, rework.level, r.step), fmt.count(r.cases), fmt.count(r.returned), fmt.percent(r.share))
                   for r in rework.steps if r.returned]
    loops = []
    for loop in rework.loops:
        step, via = _step_name(pm, rework.level, loop.step), _step_name(pm, rework.level, loop.via)
        loops.append(f"{step} → {via} → {step}: {fmt.count(loop.cases)} customers ({fmt.percent(loop.share)} of those "
                     f"reaching {step}), {fmt.count(loop.occurrences)} times")
    times = [StepTimeRow(pm.name(t.source), pm.name(t.target), duration(t.median, fmt), duration(t.p85, fmt), fmt.count(t.n))
             for t in pm.step_times] if pm.timed else []
    return ProcessAppendix(
        letter, "How customers move through the journey", intro, pm.timed, _drop_offs(pm, fmt) if pm.timed else [],
        "No day or week stands out: drop-off at every step stayed within the ups and downs of its usual level.",
        times, moves, moves_note, path_rows, paths_note, rework_rows, "No customer came back to a step they had left.", loops)
