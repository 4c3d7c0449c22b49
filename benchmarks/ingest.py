"""Benchmark: fixfirst's ingest of a full-height orders .xlsx and a 5M-row events CSV against the raw readers, per stage, with peak RSS."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_inputs  # noqa: E402  (benchmarks/ is not a package)
import targets  # noqa: E402

ORDER_MAPPING = {
    "order_id": "Order ID", "customer_id": "Customer ID", "ordered_at": "Ordered At", "paid_at": "Paid At",
    "shipped_at": "Shipped At", "delivered_at": "Delivered At", "promised_at": "Promised By", "status": "Status",
    "channel": "Channel", "item": "Item", "value": "Order Value (GBP)", "backordered": "Backordered",
}
EVENT_MAPPING = {"case_id": "case_id", "activity": "activity", "timestamp": "timestamp", "segment": "device"}
RSS_LIMIT_MB = targets.limit("ingest.xlsx.rss")


# --------------------------------------------------------------------------- what each child process measures

def _limits():
    from fixfirst.config.settings import Ingest

    return Ingest(max_rows=10_000_000)


def fastexcel_to_pandas(path: Path) -> dict:
    import fastexcel

    frame = fastexcel.read_excel(path).load_sheet(0).to_pandas()
    return {"rows": len(frame)}


def fastexcel_fixfirst_options(path: Path) -> dict:
    """The same read with the options fixfirst's reader passes (every row typed, whitespace as blank)."""
    import fastexcel

    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=0, schema_sample_rows=None, n_rows=_limits().max_rows + 1,
                                                  whitespace_as_null=True, skip_whitespace_tail_rows=True)
    return {"rows": len(sheet.to_pandas())}


def pyarrow_read(path: Path) -> dict:
    import pyarrow.csv

    table = pyarrow.csv.read_csv(path)
    return {"rows": table.num_rows}


def pyarrow_to_pandas(path: Path) -> dict:
    import pyarrow.csv

    frame = pyarrow.csv.read_csv(path).to_pandas()
    return {"rows": len(frame)}


def fixfirst_read_table(path: Path) -> dict:
    from fixfirst.ingest import readers

    stages = _Stages()
    stages.wrap_reader()
    raw = readers.read_table(path, _limits())
    return {"rows": len(raw.frame), "stages": stages.times}


def fixfirst_load_source(path: Path, kind: str, columns: dict[str, str]) -> dict:
    from fixfirst.config.engagement import SourceSpec
    from fixfirst.ingest import load_source

    stages = _Stages()
    stages.wrap_reader()
    stages.wrap_loader()
    table, problems = load_source(SourceSpec(kind=kind, file=path.name, columns=columns), path, _limits(), [])
    if table is None:
        raise SystemExit(f"load_source refused {path.name}: {[p.message for p in problems][:3]}")
    return {"rows": table.rows_read, "rows_kept": table.rows_kept, "problems": len(problems), "stages": stages.times}


class _Stages:
    """Wraps fixfirst's stage functions (in the measuring process only) to time each call.

    Calls are recorded in the order they start, with their nesting depth, so a function called from
    inside another wrapped one (read_table's parts, a mapping done while reading) is shown under it and
    not counted twice.
    """

    def __init__(self) -> None:
        self.times: list[list] = []  # [label, depth, seconds]
        self.depth = 0

    def wrap(self, module, attr: str, label) -> None:
        inner = getattr(module, attr, None)
        if inner is None:  # the code moved: time what is there, skip the rest
            return

        def timed(*args, **kwargs):
            entry = [label(*args) if callable(label) else label, self.depth, 0.0]
            self.times.append(entry)
            self.depth += 1
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                entry[2] = time.perf_counter() - start
                self.depth -= 1

        setattr(module, attr, timed)

    def wrap_reader(self) -> None:
        from fixfirst.ingest import loader, readers

        for attr in ("check_file", "peek_rows", "first_used_row", "_read_excel", "_read_text", "read_csv_arrow", "_drop_empty"):
            self.wrap(readers, attr, attr)
        self.wrap(readers, "read_table", "read_table")
        loader.read_table = readers.read_table

    def wrap_loader(self) -> None:
        from fixfirst.ingest import loader
        from fixfirst.ingest import values as V

        self.wrap(loader, "map_columns", "map_columns")
        for attr in ("parse_datetime", "parse_number", "parse_bool", "parse_id", "parse_text", "parse_scale", "parse_percent"):
            self.wrap(V, attr, lambda raw, *_, attr=attr: f"type {raw.name!r} ({attr})")
        self.wrap(V, "has_offsets", lambda raw, *_: f"has_offsets {raw.name!r}")
        self.wrap(loader, "_day_month_order", lambda raw, *_: f"day/month order {raw.name!r}")
        self.wrap(loader, "validate_rows", "validate_rows")
        # Checks added with related tables (#13), timed apart so their cost on a plain source shows.
        from fixfirst.ingest import validate

        for attr in ("_blank_wild_figures", "_check_orders"):
            self.wrap(validate, attr, attr)
        for attr in ("prepare_orders", "line_item_hint", "repeated_header_problems", "customer_key_problems"):
            self.wrap(loader, attr, attr)


MEASUREMENTS = {
    # name: (file, label, function, arguments after the path)
    "xlsx-fastexcel": ("xlsx", "fastexcel -> pandas (baseline)", fastexcel_to_pandas, ()),
    "xlsx-fastexcel-opts": ("xlsx", "  same, with read_table's load_sheet options", fastexcel_fixfirst_options, ()),
    "xlsx-read_table": ("xlsx", "fixfirst read_table", fixfirst_read_table, ()),
    "xlsx-load_source": ("xlsx", "fixfirst load_source", fixfirst_load_source, ("orders", ORDER_MAPPING)),
    "csv-pyarrow": ("csv", "pyarrow read_csv (baseline 2)", pyarrow_read, ()),
    "csv-pyarrow-pandas": ("csv", "pyarrow read_csv + to_pandas (baseline)", pyarrow_to_pandas, ()),
    "csv-read_table": ("csv", "fixfirst read_table", fixfirst_read_table, ()),
    "csv-load_source": ("csv", "fixfirst load_source", fixfirst_load_source, ("events", EVENT_MAPPING)),
}


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(name: str, path: Path) -> None:
    """Run one measurement in this (fresh) process and print its result as one JSON line."""
    _, _, function, extra = MEASUREMENTS[name]
    import fastexcel  # noqa: F401  imports are not part of any measurement
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    if function in (fixfirst_read_table, fixfirst_load_source, fastexcel_fixfirst_options):
        import fixfirst.ingest  # noqa: F401
    start_rss = _current_rss_mb()
    start = time.perf_counter()
    result = function(path, *extra)
    result["seconds"] = time.perf_counter() - start
    result["start_rss_mb"] = start_rss
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print("RESULT " + json.dumps(result))


# --------------------------------------------------------------------------- the parent: run, collect, report

def measure(name: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", name, str(path)], capture_output=True, text=True, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1][len("RESULT "):])


def _targets(name: str, best: dict, baselines: dict) -> list[tuple[str, float | None, str, str]]:
    """(measurement label, ratio, target text, verdict) rows for one measurement."""
    file, label, _, _ = MEASUREMENTS[name]
    if file == "xlsx":
        base = baselines.get("xlsx-fastexcel")
        ratio = best["seconds"] / base["seconds"] if base else None
        if name != "xlsx-load_source":
            return [(label, ratio, "", "")]
        ok_time = ratio is not None and targets.met("ingest.xlsx.time", ratio)
        ok_rss = targets.met("ingest.xlsx.rss", best["peak_rss_mb"])
        why = [] if ok_time else ["time"]
        why += [] if ok_rss else ["RSS"]
        wanted = f"<={targets.limit('ingest.xlsx.time')}x, <={RSS_LIMIT_MB / 1024:g} GB"
        return [(label, ratio, wanted, "PASS" if not why else f"FAIL ({', '.join(why)})")]
    base = baselines.get("csv-pyarrow-pandas")
    ratio = best["seconds"] / base["seconds"] if base else None
    if name != "csv-load_source":
        return [(label, ratio, "", "")]
    read_only = baselines.get("csv-pyarrow")
    ratio2 = best["seconds"] / read_only["seconds"] if read_only else None
    # The target is against the baseline (a frame in pandas, as load_source gives); the read alone is shown beside it.
    return [(label, ratio, f"<={targets.limit('ingest.csv.time')}x", "PASS" if ratio is not None and targets.met("ingest.csv.time", ratio) else "FAIL"),
            ("  same, vs pyarrow read_csv only", ratio2, "(shown)", "")]


def _record_targets(best: dict) -> None:
    """The figures behind the README's targets, for `make bench`'s summary (benchmarks/targets.py)."""
    for name, key, base in (("xlsx-load_source", "ingest.xlsx.time", "xlsx-fastexcel"),
                            ("csv-load_source", "ingest.csv.time", "csv-pyarrow-pandas"),
                            ("csv-load_source", "ingest.csv.read_only", "csv-pyarrow")):
        ours, theirs = best.get(name), best.get(base)
        if ours and theirs and "error" not in ours and "error" not in theirs:
            targets.record(key, ours["seconds"] / theirs["seconds"], f"{ours['seconds']:.2f} s vs {theirs['seconds']:.2f} s")
    xlsx = best.get("xlsx-load_source")
    if xlsx and "error" not in xlsx:
        targets.record("ingest.xlsx.rss", xlsx["peak_rss_mb"])


def _stage_report(label: str, best: dict, baseline: dict | None) -> None:
    """Where load_source's time goes, from the wrapped stage functions of its best run."""
    total = best["seconds"]
    merged: dict[tuple[str, int], float] = {}  # first-call order kept
    for stage, depth, seconds in best.get("stages") or []:
        merged[(stage, depth)] = merged.get((stage, depth), 0.0) + seconds
    print(f"\n{label}: where the {total:.2f} s go (best run; calls made inside another timed call are indented)")
    for (stage, depth), seconds in merged.items():
        print(f"  {'  ' * depth}{stage:<{60 - 2 * depth}} {seconds:7.2f} s {100 * seconds / total:5.1f}%")
    rest = total - sum(seconds for (_, depth), seconds in merged.items() if depth == 0)
    print(f"  {'rest (problem lists, frame assembly, row filter)':<60} {rest:7.2f} s {100 * rest / total:5.1f}%")
    if baseline and "error" not in baseline:
        read = sum(seconds for (stage, depth), seconds in merged.items() if stage == "read_table" and depth == 0)
        print(f"  beyond the raw read ({baseline['seconds']:.2f} s): {total - baseline['seconds']:.2f} s; "
              f"read_table alone is {read / baseline['seconds']:.2f}x the raw read")


def profile(file: str, data: Path, top: int) -> None:
    """cProfile of load_source on one input: the top entries by cumulative time inside fixfirst and pandas."""
    import cProfile
    import pstats

    name = f"{file}-load_source"
    _, _, function, extra = MEASUREMENTS[name]
    path = data / (make_inputs.ORDERS_FILE if file == "xlsx" else make_inputs.EVENTS_FILE)
    import fixfirst.ingest  # noqa: F401
    profiler = cProfile.Profile()
    profiler.enable()
    function(path, *extra)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(ct for (_, _, _, ct, _) in stats.stats.values())
    print(f"cProfile of fixfirst load_source on {path.name}: {total:.2f} s under the profiler; "
          f"top {top} by cumulative time among fixfirst and pandas functions")
    print(f"{'ncalls':>9} {'tottime':>8} {'cumtime':>8}  function")
    rows = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        for package in ("fixfirst", "pandas"):
            at = filename.replace("\\", "/").rfind(f"/{package}/")
            if at >= 0:
                rows.append((cumtime, ncalls, tottime, f"{filename[at + 1:]}:{line} {func}"))
                break
    for cumtime, ncalls, tottime, where in sorted(rows, reverse=True)[:top]:
        print(f"{ncalls:>9} {tottime:8.2f} {cumtime:8.2f}  {where}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2, help="Runs per measurement; the best time is reported (default 2).")
    parser.add_argument("--only", choices=["xlsx", "csv"], help="Measure one file only.")
    parser.add_argument("--data", type=Path, default=make_inputs.DATA, help="Folder of the inputs (made by make_inputs.py when missing).")
    parser.add_argument("--profile", choices=["xlsx", "csv"], help="Instead: profile fixfirst's load_source on one file with cProfile.")
    parser.add_argument("--top", type=int, default=15, help="Entries shown by --profile (default 15).")
    parser.add_argument("--child", nargs=2, metavar=("MEASUREMENT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    if args.profile:
        profile(args.profile, args.data, args.top)
        return

    import fastexcel
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    make_inputs.main(["--out", str(args.data)] + (["--only", args.only] if args.only else []))
    files = {"xlsx": (args.data / make_inputs.ORDERS_FILE, make_inputs.ORDER_ROWS),
             "csv": (args.data / make_inputs.EVENTS_FILE, make_inputs.EVENT_ROWS)}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nfixfirst ingest benchmark · {cores} cores · Python {platform.python_version()} · pandas {pd.__version__} · "
          f"numpy {np.__version__} · pyarrow {pa.__version__} · fastexcel {fastexcel.__version__}")
    try:
        import fixfirst

        print(f"  fixfirst {getattr(fixfirst, '__version__', '?')} from {Path(fixfirst.__file__).parent}")
    except Exception as exc:  # the children report the details
        print(f"  fixfirst cannot be imported: {exc}")
    for key, (path, rows) in files.items():
        if args.only in (None, key):
            print(f"  {key}: {path} ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} data rows)")
    load = os.getloadavg()[0]
    print(f"  load average before: {load:.2f}" + ("  (other processes are busy: expect noisy times; rerun on an idle machine)" if load >= 0.5 else ""))
    print(f"Each measurement runs {args.runs}x, each run in a fresh process; best time shown, peak RSS is the largest "
          "of the runs (ru_maxrss of that process, imports included).")

    names = [n for n, (f, *_rest) in MEASUREMENTS.items() if args.only in (None, f)]
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for run in range(args.runs):
        for name in names:
            path = files[MEASUREMENTS[name][0]][0]
            started = time.perf_counter()
            result = measure(name, path)
            runs[name].append(result)
            status = result.get("error") or f"{result['seconds']:.2f} s, peak {result['peak_rss_mb']:,.0f} MB"
            print(f"  run {run + 1}/{args.runs} {name:<20} {status}  (process {time.perf_counter() - started:.1f} s)", flush=True)

    best: dict[str, dict] = {}
    for name, results in runs.items():
        good = [r for r in results if "error" not in r]
        if good:
            best[name] = dict(min(good, key=lambda r: r["seconds"]), peak_rss_mb=max(r["peak_rss_mb"] for r in good))
        else:
            best[name] = results[-1]

    header = f"{'file':<5} {'rows':>10}  {'measurement':<42} {'seconds':>8} {'rows/s':>11} {'peak RSS MB':>11} {'start MB':>8} {'ratio':>6}  {'target':<15} {'result'}"
    print("\n" + header + "\n" + "-" * len(header))
    for name in names:
        file, label, _, _ = MEASUREMENTS[name]
        rows = files[file][1]
        result = best[name]
        if "error" in result:
            print(f"{file:<5} {rows:>10,}  {label:<42} ERROR {result['error']}")
            continue
        for i, (shown, ratio, target, verdict) in enumerate(_targets(name, result, best)):
            ratio_text = f"{ratio:5.2f}x" if ratio is not None else "     -"
            if i == 0:
                print(f"{file:<5} {rows:>10,}  {shown:<42} {result['seconds']:8.2f} {rows / result['seconds']:11,.0f} "
                      f"{result['peak_rss_mb']:11,.0f} {result['start_rss_mb']:8,.0f} {ratio_text}  {target:<15} {verdict}")
            else:
                print(f"{'':<5} {'':>10}  {shown:<42} {'':>8} {'':>11} {'':>11} {'':>8} {ratio_text}  {target:<15} {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("ratio: seconds / the file's baseline (xlsx: fastexcel -> pandas; csv: pyarrow read_csv + to_pandas). "
          "start MB: RSS after imports, before the measured call.")
    _record_targets(best)

    for name in names:
        if name.endswith("load_source") and "error" not in best[name]:
            file = MEASUREMENTS[name][0]
            extra = best[name]
            print(f"\n{file} load_source: {extra['rows']:,} rows read, {extra['rows_kept']:,} kept, {extra['problems']} problems listed")
            _stage_report(f"{file} load_source", extra, best.get("xlsx-fastexcel" if file == "xlsx" else "csv-pyarrow-pandas"))


if __name__ == "__main__":
    main()
    sys.exit(0)  # a benchmark reports; it is not a test
