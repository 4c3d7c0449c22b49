"""Day-by-day queueing projection of a campaign window per operational step: backlog, lead times, breaches, headroom.

Orders arrive each calendar day at random (Poisson, or negative binomial when days swing more), pass the steps in
series, each working first-in first-out up to its capacity on its open days, and finish; many simulated futures
give the lead-time percentiles against the promise, the breach share, backlog and utilisation per step, and the
largest extra demand operations can carry (`headroom`). Vectorised across runs with numpy; deterministic per seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import Settings, Simulation, WorkingCalendar
from .flow import DemandPlan, Flow, OperationalStep, run_flow, weekmask
from .headroom import Headroom, HeadroomTrial, headroom
from .projection import LeadTime, LittlesLaw, Projection, StepProjection, summarise
from .queueing import (
    QueueSimulation,
    allen_cunneen_mean_wait,
    erlang_c,
    kingman_mean_wait,
    mmc_mean_wait,
    simulate_queue,
)

__all__ = [
    "DemandPlan", "Flow", "Headroom", "HeadroomTrial", "LeadTime", "LittlesLaw", "OperationalStep", "Projection",
    "QueueSimulation", "StepProjection", "allen_cunneen_mean_wait", "erlang_c", "headroom", "kingman_mean_wait",
    "mmc_mean_wait", "run_flow", "simulate", "simulate_queue", "weekmask",
]


def simulate(steps: Sequence[OperationalStep], demand: DemandPlan, calendar: WorkingCalendar, promise_days: int, *,
             start_backlog: Mapping[str, float] | Sequence[float] | None = None, runs: int | None = None,
             seed: int | None = None, options: Simulation | None = None) -> Projection:
    """Project the demand window over `runs` simulated futures (default and seed from `options`, i.e. settings).

    `calendar` is the promise's: lead times are its working days from the clock start (the order day, or the next
    working day) to completion, and an order breaches when that exceeds `promise_days`. `start_backlog` gives the
    orders already waiting at each step on the first day (by step name, or one count per step); they go first.
    """
    options = options or Settings().simulation
    runs = options.runs if runs is None else runs
    seed = options.seed if seed is None else seed
    flow = run_flow(steps, demand, calendar, promise_days, start_backlog=start_backlog, runs=runs, seed=seed,
                    drain_days=options.drain_days)
    return summarise(flow, steps, demand, promise_days, runs, seed, options)
