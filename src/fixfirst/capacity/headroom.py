"""Headroom: the largest extra demand whose simulated promise breaches stay within target, found by bisection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np

from ..config import Settings, Simulation, WorkingCalendar
from .flow import DemandPlan, OperationalStep, run_flow
from .projection import json_safe


@dataclass(frozen=True)
class HeadroomTrial:
    uplift: float
    breach_share: float


@dataclass
class Headroom:
    """The largest tested uplift that kept the breach share at or under target, and the smallest that did not.

    `status`: "found" (the boundary lies between `uplift` and `failing_uplift`), "over_target" (the baseline
    already breaches too often: no headroom), or "beyond_search" (even the largest uplift tried met the target).
    """

    status: Literal["found", "over_target", "beyond_search"]
    breach_target: float
    uplift: float  # share of the baseline volume (0.25 = +25%)
    extra_orders_per_week: float
    baseline_orders_per_week: float
    breach_share: float  # at `uplift`
    failing_uplift: float | None
    failing_breach_share: float | None
    breaks_first: str | None  # the step whose backlog grows most from the baseline to the failing uplift
    runs: int
    seed: int
    trials: list[HeadroomTrial] = field(default_factory=list, repr=False)  # every uplift evaluated, in search order

    def to_dict(self) -> dict:
        return json_safe(asdict(self))


def headroom(steps: Sequence[OperationalStep], baseline: DemandPlan, calendar: WorkingCalendar, promise_days: int,
             breach_target: float, *, extra_profile: np.ndarray | None = None,
             extra_per_uplift: np.ndarray | None = None, measure_days: np.ndarray | None = None,
             start_backlog: Mapping[str, float] | Sequence[float] | None = None, runs: int | None = None,
             seed: int | None = None, options: Simulation | None = None, delivery: np.ndarray | None = None) -> Headroom:
    """Bisect over the uplift u (demand = baseline + u x its volume, spread like `extra_profile`, default like the
    baseline) for the largest u whose pooled breach share is at or under `breach_target`.

    Every trial uses the same seed: each day's order count comes from the same uniform draw through the Poisson
    inverse CDF, so more demand means at least as many orders on every day of every run and, with FIFO service,
    no order finishes earlier. The number of breached orders can therefore only grow with u; the share is
    monotone in expectation and, with common random numbers, in practice, which keeps the bisection stable.
    `extra_per_uplift` (orders per day added per unit of u, e.g. the baseline on a campaign's dates and 0 elsewhere)
    replaces `extra_profile`, so that u means "+u on those days" like a campaign's own uplift; `measure_days` (a mask
    over the window) counts only orders placed on those days in the breach share, as the campaign projection does.
    The search doubles u from 1 until the target fails (up to `options.headroom_max_uplift`), then halves the
    bracket down to `options.headroom_precision`. `delivery` is passed to every run (see `run_flow`).
    """
    options = options or Settings().simulation
    runs = options.runs if runs is None else runs
    seed = options.seed if seed is None else seed
    if not 0 <= breach_target < 1:
        raise ValueError("breach_target must be in [0, 1)")
    trials: list[HeadroomTrial] = []
    backlogs: dict[float, np.ndarray] = {}

    def breach_share(uplift: float) -> float:
        if extra_per_uplift is not None:
            demand = replace(baseline, expected=baseline.expected + uplift * np.asarray(extra_per_uplift, dtype=float))
        else:
            demand = baseline.with_extra(uplift, extra_profile) if uplift else baseline
        flow = run_flow(steps, demand, calendar, promise_days, start_backlog=start_backlog, runs=runs, seed=seed,
                        drain_days=options.drain_days, delivery=delivery)
        backlogs[uplift] = flow.backlog().mean(axis=(0, 2))
        share = flow.breach_share if measure_days is None else measured_breach_share(flow, measure_days)
        trials.append(HeadroomTrial(uplift, share))
        return share

    if extra_per_uplift is not None:
        affected = np.asarray(extra_per_uplift) > 0
        per_week = float(baseline.expected[affected].mean() * 7) if affected.any() else 0.0
    else:
        per_week = float(baseline.expected.sum() / baseline.days * 7)

    def result(status, good: float, good_share: float, bad: float | None, bad_share: float | None) -> Headroom:
        grown = None
        if bad is not None:
            growth = backlogs[bad] - backlogs[0.0]
            grown = steps[int(np.argmax(growth))].name
        return Headroom(status, breach_target, good, good * per_week, per_week, good_share, bad, bad_share, grown,
                        runs, seed, trials)

    at_baseline = breach_share(0.0)
    if at_baseline > breach_target:
        # Nothing to spare: the step holding most backlog today is where the promise already breaks.
        out = result("over_target", 0.0, at_baseline, 0.0, at_baseline)
        out.breaks_first = steps[int(np.argmax(backlogs[0.0]))].name
        return out
    good, good_share = 0.0, at_baseline
    bad = min(1.0, options.headroom_max_uplift)
    bad_share = breach_share(bad)
    while bad_share <= breach_target:
        if bad >= options.headroom_max_uplift:
            return result("beyond_search", bad, bad_share, None, None)
        good, good_share = bad, bad_share
        bad = min(bad * 2, options.headroom_max_uplift)
        bad_share = breach_share(bad)
    while bad - good > options.headroom_precision:
        middle = (good + bad) / 2
        share = breach_share(middle)
        if share <= breach_target:
            good, good_share = middle, share
        else:
            bad, bad_share = middle, share
    return result("found", good, good_share, bad, bad_share)


def measured_breach_share(flow, days: np.ndarray) -> float:
    """Late share of the orders placed on the window days marked in `days`, every run pooled."""
    inside = np.asarray(days, dtype=bool)[flow.segment_arrival]
    total = float((flow.segment_count * inside).sum())
    return float((flow.segment_count * flow.segment_breach * inside).sum() / total) if total else 0.0
