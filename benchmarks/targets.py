"""The targets of benchmarks/README.md in one place: each benchmark records its figures here, `make bench` prints them as one table."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Figures of the latest run of each benchmark (benchmarks/data/ is git-ignored), so that `make accuracy`, run
# apart, still shows in the table, with the time it was measured.
RESULTS = Path(os.environ.get("FIXFIRST_BENCH_RESULTS", HERE / "data" / "targets.json"))


@dataclass(frozen=True)
class Target:
    key: str
    script: str
    what: str
    limit: float | None  # None: a figure shown beside a target, not judged
    unit: str  # "x" (ratio to a baseline), "s", "s/M events", "MB"

    def text(self, value: float) -> str:
        if self.unit == "x":
            return f"{value:.2f}x"
        if self.unit == "MB":
            return f"{value:,.0f} MB"
        return f"{value:.2f} {self.unit}"

    def limit_text(self) -> str:
        return "(shown)" if self.limit is None else f"<= {self.text(self.limit)}"


# In the order of benchmarks/README.md.
TARGETS = [
    Target("ingest.xlsx.time", "ingest.py", "orders .xlsx, 1M rows: load_source / fastexcel's read", 1.3, "x"),
    Target("ingest.xlsx.rss", "ingest.py", "orders .xlsx, 1M rows: load_source peak RSS", 2048, "MB"),
    Target("ingest.csv.time", "ingest.py", "events .csv, 5M rows: load_source / pyarrow read + to_pandas", 1.5, "x"),
    Target("ingest.csv.read_only", "ingest.py", "events .csv, 5M rows: load_source / pyarrow read alone", None, "x"),
    Target("signals.time", "signals.py", "signals to verdict: 1M orders, 5M events, 200k answers", 10.0, "s"),
    Target("signals.rss", "signals.py", "signals to verdict: peak RSS", 3072, "MB"),
    Target("dfg.grouped", "dfg.py", "directly-follows graph, 5M events grouped by case", 0.5, "s/M events"),
    Target("dfg.interleaved", "dfg.py", "directly-follows graph, 5M events in arrival order", 0.5, "s/M events"),
    Target("process.grouped", "dfg.py", "whole process map, 5M events grouped by case", 3.0, "s"),
    Target("process.interleaved", "dfg.py", "whole process map, 5M events in arrival order", 3.0, "s"),
    Target("capacity.projection", "capacity.py", "capacity projection: 90 days x 30 steps x 200 runs", 2.0, "s"),
    Target("accuracy.audit", "accuracy.py", "audit of one generated business (slowest of the family)", 3.0, "s"),
]
BY_KEY = {t.key: t for t in TARGETS}


def limit(key: str) -> float:
    """A target's limit, for the script that judges its own figure as it prints it."""
    value = BY_KEY[key].limit
    assert value is not None, key
    return value


def met(key: str, value: float) -> bool:
    wanted = BY_KEY[key].limit
    return wanted is None or value <= wanted


def _load() -> dict:
    try:
        return json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {"started": None, "figures": {}}


def record(key: str, value: float, note: str = "") -> None:
    """Keep a benchmark's figure for the summary (the latest one of each target)."""
    BY_KEY[key]  # an unknown key is a typo in a benchmark script: fail loudly
    results = _load()
    results["figures"][key] = {"value": float(value), "note": note, "at": dt.datetime.now().isoformat(timespec="seconds")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))


def start() -> None:
    """Mark the start of a `make bench` run: figures recorded before it are shown with their date."""
    results = _load()
    results["started"] = dt.datetime.now().isoformat(timespec="seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))


def summary() -> int:
    """Print every target with its latest figure; 1 when a target of this run has no figure (a benchmark failed)."""
    results = _load()
    started = results.get("started")
    rows, unmeasured = [], []
    for target in TARGETS:
        found = results["figures"].get(target.key)
        fresh = found is not None and (started is None or found["at"] >= started)
        if found is None:
            figure, verdict, when = "-", "NOT MEASURED", f"run {target.script}"
            if target.script != "accuracy.py":
                unmeasured.append(target.key)
        else:
            figure = target.text(found["value"])
            verdict = "-" if target.limit is None else ("PASS" if met(target.key, found["value"]) else "FAIL")
            when = "this run" if fresh else found["at"].replace("T", " ")[:16]
            if not fresh and target.script != "accuracy.py":
                unmeasured.append(target.key)
                verdict += " (old)"
        rows.append((target.what, figure, target.limit_text(), verdict, when, found["note"] if found else ""))
    header = ("target (benchmarks/README.md)", "figure", "target", "result", "measured", "")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    print(f"\nbenchmark targets · load average now {os.getloadavg()[0]:.2f} · 2-core targets; times vary by tens of percent "
          "when anything else runs")
    print(line.format(*header).rstrip())
    print("-" * (sum(widths) + 2 * len(widths)))
    for row in rows:
        print(line.format(*row).rstrip())
    judged = [r for r in rows if r[3] in ("PASS", "FAIL")]
    print(f"{sum(r[3] == 'PASS' for r in judged)} of {len(judged)} targets met"
          + (f"; not measured in this run: {', '.join(unmeasured)}" if unmeasured else ""))
    return 1 if unmeasured else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", action="store_true", help="mark the start of a run (before the benchmarks)")
    args = parser.parse_args(argv)
    if args.start:
        start()
        return 0
    return summary()


if __name__ == "__main__":
    sys.exit(main())
