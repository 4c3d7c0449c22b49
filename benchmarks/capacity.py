"""Benchmark: a 90-day capacity projection over 30 operational steps (200 runs) and its headroom search (target <= 2 s)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import targets  # benchmarks/targets.py: run as a script, this folder is on the path


def scenario(days: int, steps: int):
    """A busy shop's line: weekly pattern, a gentle trend, a two-week campaign, mixed capacities and closures."""
    import numpy as np

    from fixfirst.capacity.simulation import DemandPlan, OperationalStep
    from fixfirst.config.calendar import WorkingCalendar

    calendar = WorkingCalendar("1111100", (np.datetime64("2026-04-03"), np.datetime64("2026-04-06")))  # Easter
    weekday = np.arange(days) % 7
    expected = 120 * np.array([1.1, 1.0, 1.0, 1.05, 1.2, 0.7, 0.6])[weekday] * np.linspace(1.0, 1.1, days)
    expected[35:49] *= 1.3  # the campaign
    demand = DemandPlan("2026-03-02", expected, dispersion=15.0)
    line = []
    for k in range(steps):
        capacity: float | np.ndarray = 260.0 + 10 * (k % 5)
        if k == 7:  # a capacity sheet: a week of leave in the campaign
            capacity = np.full(days, 270.0)
            capacity[40:47] = 220.0
        line.append(OperationalStep(
            f"step {k + 1:02d}", capacity, servers=1 + k % 3, capacity_cv=0.1 if k % 4 == 0 else 0.0,
            works_on="Mon Tue Wed Thu Fri Sat" if k % 6 == 5 else None, handoff_days=1 if k == steps - 1 else 0))
    return line, demand, calendar


def measure(days: int, steps: int, runs: int, repeats: int) -> dict:
    """Runs in a fresh process: imports, then the projection `repeats` times and the headroom search once."""
    t0 = time.perf_counter()
    from fixfirst.capacity.simulation import headroom, simulate

    imported = time.perf_counter() - t0
    line, demand, calendar = scenario(days, steps)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        projection = simulate(line, demand, calendar, 3, runs=runs, seed=1)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    room = headroom(line, demand, calendar, 3, 0.05, runs=runs, seed=1)
    search = time.perf_counter() - t
    return {
        "import_s": imported, "projection_s": min(times), "headroom_s": search, "trials": len(room.trials),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "breach_share": projection.breach_share, "p95": projection.lead_time.p95, "bottleneck": projection.bottleneck,
        "little_gap": projection.littles_law.relative_difference,
        "headroom": {"status": room.status, "uplift": room.uplift, "breaks_first": room.breaks_first},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--sim-runs", type=int, default=200, help="Monte Carlo runs per projection")
    parser.add_argument("--repeats", type=int, default=3, help="projections timed per process; the best is kept")
    parser.add_argument("--runs", type=int, default=2, help="fresh processes to measure in; the best time is shown")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.days, args.steps, args.sim_runs, args.repeats)))
        return 0
    load_before = os.getloadavg()
    results = []
    for _ in range(args.runs):
        command = [sys.executable, __file__, "--measure", "--days", str(args.days), "--steps", str(args.steps),
                   "--sim-runs", str(args.sim_runs), "--repeats", str(args.repeats)]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(results, key=lambda r: r["projection_s"])
    peak = max(r["peak_rss_mb"] for r in results)
    print(f"capacity simulation: {args.days} days x {args.steps} steps x {args.sim_runs} runs "
          f"(load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after)")
    print(f"  import              {best['import_s']:6.2f} s")
    print(f"  projection          {best['projection_s']:6.2f} s   (best of {args.repeats} x {args.runs} processes)")
    print(f"  headroom search     {min(r['headroom_s'] for r in results):6.2f} s   ({best['trials']} projections)")
    print(f"  peak RSS            {peak:6.0f} MB")
    print(f"  breach share {best['breach_share']:.1%}, lead time p95 {best['p95']:.0f} working days, bottleneck "
          f"{best['bottleneck']}, Little's law gap {best['little_gap']:.1%}; headroom {best['headroom']}")
    met = targets.met("capacity.projection", best["projection_s"])
    print(f"target: projection <= {targets.limit('capacity.projection'):g} s on 2 cores -> {'met' if met else 'NOT met'}")
    targets.record("capacity.projection", best["projection_s"], f"best of {args.repeats} x {args.runs} processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
