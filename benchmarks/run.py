"""Benchmark: per-stage time and peak memory of the audit on the sample, a scaled-up engagement, and `fixfirst demo`."""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from fixfirst.config.engagement import load_engagement
from fixfirst.ingest import ingest
from fixfirst.journey import load_journey
from fixfirst.pipeline import CheckResult, audit_from
from fixfirst.report.html import render_html
from fixfirst.report.pdf import write_pdf
from fixfirst.resources import sample_engagement

HERE = Path(__file__).resolve().parent


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


@contextmanager
def timed(results: list, stage: str, rows: int | None = None):
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    results.append((stage, seconds, rows))


def scaled_engagement(factor: int, target: Path) -> Path:
    """The sample with orders and web sessions repeated `factor` times (ids made unique, dates kept)."""
    source = sample_engagement()
    shutil.copytree(source, target)
    orders = pd.read_excel(source / "orders.xlsx", sheet_name="Orders")
    big = pd.concat([orders.assign(**{"Order ID": orders["Order ID"].astype(str) + f"-{i}"}) for i in range(factor)], ignore_index=True)
    big.to_csv(target / "orders.csv", index=False)
    events = pd.read_csv(source / "web_sessions.csv")
    big_events = pd.concat([events.assign(session_id=events["session_id"].astype(str) + f"-{i}") for i in range(factor)], ignore_index=True)
    big_events.to_csv(target / "web_sessions.csv", index=False)
    audit = (target / "audit.yaml").read_text().replace("file: orders.xlsx\n    sheet: Orders", "file: orders.csv")
    (target / "audit.yaml").write_text(audit + "  ingest:\n    max_rows: 10000000\n")
    return target


def run_stages(folder: Path, label: str, with_pdf: bool) -> list:
    results: list = []
    with timed(results, "load audit.yaml + journey"):
        engagement = load_engagement(folder)
        journey = load_journey(engagement.journey_path)
    with timed(results, "ingest (read, map, type, validate)"):
        data = ingest(engagement, journey)
    if data.problems.has_errors:
        raise SystemExit(f"{label}: the data has errors: {[p.message for p in data.problems.errors][:3]}")
    rows = sum(t.rows_read for t in data.tables.values())
    results[-1] = (results[-1][0], results[-1][1], rows)
    with timed(results, "signals + scoring + capacity + verdict", rows):
        result = audit_from(CheckResult(engagement, journey, data))
    if with_pdf:
        with timed(results, "render HTML"):
            html = render_html(result)
        with timed(results, "write PDF (WeasyPrint)"):
            with tempfile.TemporaryDirectory() as tmp:
                write_pdf(html, Path(tmp) / "report.pdf")
    print(f"\n## {label}: {rows:,} rows, verdict {result.verdict.status}")
    print(f"{'stage':42} {'seconds':>8} {'rows/s':>12}")
    for stage, seconds, n in results:
        rate = f"{n / seconds:,.0f}" if n and seconds else ""
        print(f"{stage:42} {seconds:8.2f} {rate:>12}")
    print(f"{'total':42} {sum(s for _, s, _ in results):8.2f}   peak RSS so far {peak_rss_mb():,.0f} MB")
    return results


def run_demo() -> None:
    fixfirst = Path(sys.executable).with_name("fixfirst")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run([str(fixfirst), "demo", "-o", str(Path(tmp) / "demo.pdf")], capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"fixfirst demo failed: {done.stderr}")
    print(f"\n## `fixfirst demo` as a user runs it\nwall time {seconds:.2f} s, peak RSS {peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--factor", type=int, default=20, help="How many times to repeat the sample's orders and sessions.")
    args = parser.parse_args()
    print(f"fixfirst benchmark · Python {sys.version.split()[0]} · pandas {pd.__version__} · numpy {np.__version__}")
    run_demo()
    run_stages(sample_engagement(), "bundled sample (Juniper & Lark)", with_pdf=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = scaled_engagement(args.factor, Path(tmp) / "scaled")
        run_stages(folder, f"sample x{args.factor} (orders and sessions as CSV)", with_pdf=False)


if __name__ == "__main__":
    main()
