"""Accuracy benchmark: audit a seeded family of varied businesses with planted defects and score ranking and verdict against the truth."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the generator and the measures live with the tests (tests/family)

from tests.family.generator import BusinessSpec, family, make_business  # noqa: E402
from tests.family.measure import VERDICTS, record, summarise  # noqa: E402
import targets  # noqa: E402  (benchmarks/targets.py: this folder is on the path when run as a script)


def _warm() -> None:
    """Import the audit once per worker, so per-business audit times leave imports out."""
    import fixfirst.pipeline  # noqa: F401


def audit_one(spec: BusinessSpec, workdir: str, keep: bool) -> dict:
    from fixfirst.pipeline import run_audit

    folder = Path(workdir) / f"seed-{spec.seed}"
    started = time.perf_counter()
    truth = make_business(spec.seed, folder, spec=spec)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    try:
        result = run_audit(folder)
        rec = record(truth, result, seconds=time.perf_counter() - started)
    except Exception as exc:  # a crash is a finding for this business, not the end of the benchmark
        rec = record(truth, error=f"{type(exc).__name__}: {exc}"[:400], seconds=time.perf_counter() - started)
    rec["generate_seconds"] = generated
    if keep:
        (Path(workdir) / f"seed-{spec.seed}.truth.json").write_text(json.dumps(truth.to_dict(), indent=1))
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return rec


def run(n: int, seed: int, jobs: int, keep_dir: Path | None) -> tuple[list[dict], float]:
    specs = list(family(n, seed))
    started = time.perf_counter()
    workdir = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="fixfirst-accuracy-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if jobs <= 1:
            _warm()
            records = [audit_one(s, str(workdir), keep_dir is not None) for s in specs]
        else:
            context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm) as pool:
                records = list(pool.map(audit_one, specs, [str(workdir)] * len(specs), [keep_dir is not None] * len(specs)))
    finally:
        if keep_dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return records, time.perf_counter() - started


def _pct(figure: dict | None) -> str:
    if not figure or figure.get("value") is None:
        return "n/a"
    return f"{figure['value']:.2f}  ({figure['hits']}/{figure['n']})"


def _num(value, fmt: str = "{:.2f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def report(figures: dict, *, n: int, seed: int, jobs: int, wall: float, show_failures: bool) -> str:
    two = figures["defective"] - figures["single_defect"]
    lines = [f"fixfirst accuracy: {figures['businesses']} businesses (family seed {seed}): {figures['healthy']} healthy, "
             f"{figures['defective']} defective ({figures['single_defect']} with one defect, {two} with two); {jobs} job(s)", ""]
    backtest = figures["backtest"]
    campaign = figures["campaign_projection"]
    capacity = figures["capacity_binding"]
    timing = figures["audit_seconds"]
    rows = [
        ("recall@1: rank-1 weak spot is the planted root (single-defect)", _pct(figures["recall_at_1"])),
        ("recall@3: every planted root in the top 3 weak spots", _pct(figures["recall_at_3"])),
        ("false FIX FIRST on healthy businesses", _pct(figures["false_fix_first"])),
        ("a red herring outranks a planted root (businesses with one)", _pct(figures["herring_above_defect"])),
        ("any unplanted touchpoint outranks a planted root", _pct(figures["innocent_above_defect"])),
        ("a symptom outranks its own cause (defects with a symptom)", _pct(figures["symptom_above_cause"])),
        ("capacity backtest: mean |projected - observed| late share",
         "n/a" if not backtest or backtest["mae"] is None else
         f"{backtest['mae']:.3f}  (n={backtest['with_figures']}; passed {backtest['passed']}/{backtest['n']})"),
        ("campaign projection vs the generator's simulated truth: mean |error|",
         "n/a" if not campaign else f"{campaign['mae']:.3f}  (n={campaign['n']})"),
        ("slow packing: inferred capacity vs the true one, median relative error",
         "n/a" if not capacity else f"{capacity['median_relative_error']:.2f}  (n={capacity['n']}, no capacity sheet)"),
        ("others: inferred capacity below 90% of what the bench carried", _pct(figures["capacity_under_read"])),
        ("audit errors (crashes); businesses whose folder drew check warnings", f"{figures['errors']}; {figures['with_check_warnings']}"),
        ("audit seconds per business: mean / max", "n/a" if not timing else f"{timing['mean']:.2f} / {timing['max']:.2f}"),
        ("wall time (generation + audits)", f"{wall:.1f} s"),
    ]
    width = max(len(r[0]) for r in rows)
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    lines += ["", "per defect kind (recall@3 and symptom>cause per planted defect; recall@1 on single-defect businesses):",
              f"  {'kind':<18}{'businesses':>11}{'single':>8}{'recall@1':>10}{'recall@3':>10}{'symptom>cause':>15}{'FIX FIRST':>11}"]
    for kind, row in figures["per_defect"].items():
        lines.append(f"  {kind:<18}{row['businesses']:>11}{row['single']:>8}{_num(row['recall_at_1']):>10}"
                     f"{_num(row['recall_at_3']):>10}{_num(row['symptom_above_cause']):>15}{_num(row['fix_first']):>11}")
    lines += ["", "verdict confusion (rows: truth; columns: verdict):",
              "  " + " " * 11 + "".join(f"{v:>20}" for v in VERDICTS)]
    for row, counts in figures["confusion"].items():
        lines.append(f"  {row:<11}" + "".join(f"{counts[v]:>20}" for v in VERDICTS))
    if show_failures:
        lines += ["", "failing seeds (reproduce: python tests/family/generator.py OUT --seed SEED --defects KINDS, or --healthy):"]
        for name, fails in figures["failures"].items():
            lines.append(f"  {name} ({len(fails)}):")
            for f in fails:
                why = f"  [{f['why']}]" if f["why"] else ""
                lines.append(f"    seed {f['seed']} {f['label']}: {f['verdict']}; top 3: {', '.join(f['top3']) or '(none)'}{why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100, help="businesses in the family (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="family seed (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures (and every business's record) as JSON")
    parser.add_argument("--show-failures", action="store_true", help="list the seeds failing each property with their top 3")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the engagement folders and truth files in DIR")
    args = parser.parse_args(argv)
    records, wall = run(args.n, args.seed, max(1, args.jobs), args.keep)
    figures = summarise(records)
    print(report(figures, n=args.n, seed=args.seed, jobs=args.jobs, wall=wall, show_failures=args.show_failures))
    timing = figures["audit_seconds"]
    if timing:
        targets.record("accuracy.audit", timing["max"], f"mean {timing['mean']:.2f} s over {args.n} businesses")
    if args.json:
        payload = {"n": args.n, "seed": args.seed, "wall_seconds": round(wall, 2), "figures": figures, "records": records}
        args.json.write_text(json.dumps(payload, indent=1, default=str))
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
