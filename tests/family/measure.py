"""Accuracy of an audit against a generated business's ground truth: one record per business, then the family's figures."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from typing import Any

from .generator import DEFECT_KINDS, BusinessTruth

FIX_FIRST = "FIX FIRST"
VERDICTS = ("FIX FIRST", "MARKET WITH LIMITS", "READY TO MARKET", "NOT ENOUGH DATA", "error")
UNRANKED = math.inf  # a planted root that is not a weak spot at all ranks below everything


def record(truth: BusinessTruth, result=None, *, error: str | None = None, seconds: float | None = None) -> dict[str, Any]:
    """What the audit said about one business, next to what was planted: small and JSON-able, so workers can return it."""
    out: dict[str, Any] = {
        "seed": truth.seed, "label": truth.label(), "healthy": truth.healthy,
        "defects": [{"kind": d.kind, "root": d.root, "symptoms": list(d.symptoms)} for d in truth.defects],
        "herrings": truth.herring_touchpoints,
        "herring_kinds": {tp: [h.kind for h in truth.red_herrings if h.touchpoint == tp] for tp in truth.herring_touchpoints},
        "slow_packing": any(d.kind == "slow_packing" for d in truth.defects),
        "error": error, "seconds": seconds, "measured": {k: truth.measured.get(k) for k in (
            "orders", "orders_per_day", "late_share", "late_share_in_stock", "capacity_per_day", "carried_peak_per_day",
            "campaign_late_share_in_stock", "recent_late_share_in_stock")},
        "capacity_sheet": bool(truth.params.get("capacity_sheet")),
    }
    if result is None:
        out.update(verdict="error", weak_spots=[], ranks={})
        return out
    spots = result.ranking.weak_spots
    out["verdict"] = result.verdict.status
    out["check_warnings"] = sorted({p.code for p in result.data.problems.warnings})
    out["ranks"] = {w.touchpoint.id: w.rank for w in spots}
    out["main_metric"] = {w.touchpoint.id: w.main_signal.metric if w.main_signal else None for w in spots}
    out["weak_spots"] = [{"id": w.touchpoint.id, "rank": w.rank, "score": round(w.score, 1), "confidence": w.confidence,
                          "metric": w.main_signal.metric if w.main_signal else None,
                          "source": w.main_signal.source if w.main_signal else None} for w in spots[:5]]
    out["capacity"] = capacity_figures(result)
    return out


def capacity_figures(result) -> dict[str, Any]:
    """The capacity projection's figures that the generator's truth can check, and the model's own backtest."""
    figures: dict[str, Any] = {"backtest": find_backtest(result)}
    outlook = getattr(result, "outlook", None)
    sim = getattr(outlook, "simulation", None) if outlook is not None else None
    if sim is None:
        return figures
    steps = getattr(sim, "steps", None) or []
    if steps:
        first = steps[0]
        figures["capacity_per_day"] = _number(getattr(first, "per_day", None))
        figures["capacity_basis"] = getattr(first, "basis", None)
        figures["capacity_lower_bound"] = bool(getattr(first, "lower_bound", False))
    figures["campaign_breach_share"] = _number(getattr(sim, "campaign_breach_share", None))
    return figures


def find_backtest(result) -> dict[str, Any] | None:
    """The capacity model's backtest (projected against observed late share), wherever the audit result carries it.

    Looked for as `backtest` on the simulation, then on the outlook; read from `projected_late`/`observed_late`
    attributes, or from any keys of its dict form that say projected and observed. None when there is none.
    """
    outlook = getattr(result, "outlook", None)
    owners = [getattr(outlook, "simulation", None), outlook] if outlook is not None else []
    for owner in owners:
        test = getattr(owner, "backtest", None) if owner is not None else None
        if test is None:
            continue
        projected = _number(getattr(test, "projected_late", None))
        observed = _number(getattr(test, "observed_late", None))
        if projected is None or observed is None:
            projected, observed = _pair_from_dict(_as_dict(test))
        status = getattr(test, "status", None)
        return {"projected": projected, "observed": observed, "status": status if isinstance(status, str) else None}
    return None


def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return {}


def _pair_from_dict(d: dict) -> tuple[float | None, float | None]:
    projected = observed = None
    for key, value in d.items():
        k = key.lower()
        if isinstance(value, (int, float)) and ("late" in k or "breach" in k):
            if "projected" in k and projected is None:
                projected = _number(value)
            elif "observed" in k and observed is None:
                observed = _number(value)
    return projected, observed


def _number(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


# ---------------------------------------------------------------------------------------------------------- properties

def _rank(rec: dict, touchpoint: str) -> float:
    return rec["ranks"].get(touchpoint, UNRANKED)


def top(rec: dict, k: int = 3) -> list[str]:
    return [w["id"] for w in rec["weak_spots"][:k]]


def root_at_1(rec: dict) -> bool:
    return bool(rec["weak_spots"]) and rec["weak_spots"][0]["id"] in {d["root"] for d in rec["defects"]}


def roots_in_top_3(rec: dict) -> bool:
    return all(_rank(rec, d["root"]) <= 3 for d in rec["defects"])


def false_fix_first(rec: dict) -> bool:
    return rec["healthy"] and rec["verdict"] == FIX_FIRST


def symptoms_above_cause(rec: dict) -> list[tuple[str, str, str]]:
    """(kind, root, symptom) for each planted defect whose symptom outranks its root (symptoms that are another
    planted defect's root are left out: ranking those high is right)."""
    roots = {d["root"] for d in rec["defects"]}
    out = []
    for d in rec["defects"]:
        for s in d["symptoms"]:
            if s not in roots and s in rec["ranks"] and _rank(rec, s) < _rank(rec, d["root"]):
                out.append((d["kind"], d["root"], s))
    return out


# The signal each red herring plants: a herring touchpoint counts as "outranking because of the herring" only when its
# main signal is of that kind (the rare touchpoint carries nothing else, so any signal of it counts). A funnel step with a
# one-week tablet blip that ranks high on its overall conversion is still counted; the blip cannot move that figure much,
# so such a count says the step's target is off as much as that the blip was taken seriously.
HERRING_METRICS = {"rare_touchpoint": None, "angry_comment": {"complaint_share"}, "segment_blip": {"conversion"}}


def herrings_above_defect(rec: dict) -> list[tuple[str, str]]:
    """(red-herring touchpoint, planted root) pairs where the herring, by the signal it planted, ranks above the root."""
    out = []
    for h in rec["herrings"]:
        if h not in rec["ranks"]:
            continue
        metric = rec.get("main_metric", {}).get(h)
        if not any(HERRING_METRICS[k] is None or metric in HERRING_METRICS[k] for k in rec["herring_kinds"].get(h, [])):
            continue
        out += [(h, d["root"]) for d in rec["defects"] if _rank(rec, h) < _rank(rec, d["root"])]
    return out


def innocents_above_defect(rec: dict) -> list[tuple[str, str]]:
    """(touchpoint with nothing planted, planted root) pairs where the innocent one ranks above the root."""
    planted = {d["root"] for d in rec["defects"]} | {s for d in rec["defects"] for s in d["symptoms"]}
    return [(tp, d["root"]) for tp in rec["ranks"] if tp not in planted for d in rec["defects"]
            if _rank(rec, tp) < _rank(rec, d["root"])]


def summarise(records: list[dict]) -> dict[str, Any]:
    """The family's accuracy figures, the per-defect table, the verdict confusion table and the failing seeds."""
    healthy = [r for r in records if r["healthy"]]
    defective = [r for r in records if not r["healthy"]]
    single = [r for r in defective if len(r["defects"]) == 1]
    with_herrings = [r for r in defective if r["herrings"]]
    with_symptoms = [(r, d) for r in defective for d in r["defects"]
                     if any(s not in {x["root"] for x in r["defects"]} for s in d["symptoms"])]

    def share(hits: int, n: int) -> dict:
        return {"value": (hits / n) if n else None, "hits": hits, "n": n}

    figures: dict[str, Any] = {
        "businesses": len(records), "healthy": len(healthy), "defective": len(defective), "single_defect": len(single),
        "errors": sum(r["verdict"] == "error" for r in records),
        "with_check_warnings": sum(bool(r.get("check_warnings")) for r in records),
        "recall_at_1": share(sum(root_at_1(r) for r in single), len(single)),
        "recall_at_3": share(sum(roots_in_top_3(r) for r in defective), len(defective)),
        "false_fix_first": share(sum(false_fix_first(r) for r in healthy), len(healthy)),
        "herring_above_defect": share(sum(bool(herrings_above_defect(r)) for r in with_herrings), len(with_herrings)),
        "innocent_above_defect": share(sum(bool(innocents_above_defect(r)) for r in defective), len(defective)),
        "symptom_above_cause": share(sum(any(k == d["kind"] and root == d["root"] for k, root, _ in symptoms_above_cause(r))
                                         for r, d in with_symptoms), len(with_symptoms)),
    }
    tests = [r["capacity"]["backtest"] for r in records if r.get("capacity") and r["capacity"].get("backtest")]
    pairs = [(t["projected"], t["observed"]) for t in tests if t["projected"] is not None and t["observed"] is not None]
    figures["backtest"] = None if not tests else {
        "n": len(tests), "with_figures": len(pairs),
        "mae": (sum(abs(p - o) for p, o in pairs) / len(pairs)) if pairs else None,
        "passed": sum(t.get("status") == "passed" for t in tests)}
    # The generator's own truth for the planned campaign: in-stock orders on its dates, simulated with the same process.
    projected = [(r["capacity"]["campaign_breach_share"], r["measured"]["campaign_late_share_in_stock"]) for r in records
                 if r.get("capacity") and r["capacity"].get("campaign_breach_share") is not None
                 and r["measured"].get("campaign_late_share_in_stock") is not None]
    figures["campaign_projection"] = None if not projected else {
        "n": len(projected), "mae": sum(abs(p - t) for p, t in projected) / len(projected)}
    # Capacity read from dispatch history (no sheet). A bench is only seen at its limit when it binds (slow packing):
    # there the inferred figure is compared with the true one. Elsewhere the truth is merely "more than was needed", so
    # the check is that the model does not read less than the bench demonstrably carried (its 95th-percentile day).
    inferred = [r for r in records if r.get("capacity") and r["capacity"].get("capacity_per_day") and not r["capacity_sheet"]]
    binding = [(r["capacity"]["capacity_per_day"], r["measured"]["capacity_per_day"]) for r in inferred if r["slow_packing"]]
    slack = [r for r in inferred if not r["slow_packing"] and r["measured"].get("carried_peak_per_day")]
    figures["capacity_binding"] = None if not binding else {
        "n": len(binding), "median_relative_error": _median([abs(p / t - 1) for p, t in binding])}
    figures["capacity_under_read"] = None if not slack else share(
        sum(r["capacity"]["capacity_per_day"] < 0.9 * r["measured"]["carried_peak_per_day"] for r in slack), len(slack))
    seconds = [r["seconds"] for r in records if r.get("seconds") is not None]
    figures["audit_seconds"] = None if not seconds else {"mean": sum(seconds) / len(seconds), "max": max(seconds)}
    figures["per_defect"] = per_defect(records)
    figures["confusion"] = confusion(records)
    figures["failures"] = failures(records)
    return figures


def per_defect(records: list[dict]) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for kind in DEFECT_KINDS:
        holding = [r for r in records if any(d["kind"] == kind for d in r["defects"])]
        single = [r for r in holding if len(r["defects"]) == 1]
        instances = [(r, d) for r in holding for d in r["defects"] if d["kind"] == kind]
        with_symptoms = [(r, d) for r, d in instances if any(s not in {x["root"] for x in r["defects"]} for s in d["symptoms"])]
        table[kind] = {
            "businesses": len(holding), "single": len(single),
            "recall_at_1": (sum(root_at_1(r) for r in single) / len(single)) if single else None,
            "recall_at_3": (sum(_rank(r, d["root"]) <= 3 for r, d in instances) / len(instances)) if instances else None,
            "symptom_above_cause": (sum(any(k == kind and root == d["root"] for k, root, _ in symptoms_above_cause(r))
                                        for r, d in with_symptoms) / len(with_symptoms)) if with_symptoms else None,
            "fix_first": (sum(r["verdict"] == FIX_FIRST for r in holding) / len(holding)) if holding else None,
        }
    return table


def confusion(records: list[dict]) -> dict[str, dict[str, int]]:
    table = {"healthy": Counter(), "defective": Counter()}
    for r in records:
        table["healthy" if r["healthy"] else "defective"][r["verdict"]] += 1
    return {row: {v: counts.get(v, 0) for v in VERDICTS} for row, counts in table.items()}


def failures(records: list[dict]) -> dict[str, list[dict]]:
    """The seeds failing each property, with what ranked in the top 3 instead."""
    out: dict[str, list[dict]] = defaultdict(list)

    def role(r: dict, tp: str) -> str:
        """What the touchpoint is in truth, so a listing shows at a glance what outranked what."""
        if tp in {d["root"] for d in r["defects"]}:
            return " =root"
        if tp in {s for d in r["defects"] for s in d["symptoms"]}:
            return " =symptom"
        if tp in r["herrings"]:
            return " =herring:" + "/".join(r["herring_kinds"].get(tp, []))
        return ""

    def add(name: str, r: dict, why: str = "") -> None:
        out[name].append({"seed": r["seed"], "label": r["label"], "verdict": r["verdict"], "why": why,
                          "top3": [f"{w['id']}{role(r, w['id'])} {w['score']} ({w['metric']}/{w['source']})" for w in r["weak_spots"][:3]]})

    for r in records:
        if r["verdict"] == "error":
            add("error", r, r.get("error") or "")
            continue
        roots = [d["root"] for d in r["defects"]]
        if r["healthy"] and r["verdict"] == FIX_FIRST:
            add("false_fix_first", r)
        if not r["healthy"] and len(r["defects"]) == 1 and not root_at_1(r):
            add("recall_at_1", r, f"root {roots[0]} ranked {_rank(r, roots[0])}")
        if not r["healthy"] and not roots_in_top_3(r):
            add("recall_at_3", r, ", ".join(f"root {x} ranked {_rank(r, x)}" for x in roots))
        for kind, root, symptom in symptoms_above_cause(r):
            add("symptom_above_cause", r, f"{kind}: {symptom} #{_rank(r, symptom)} above {root} #{_rank(r, root)}")
        for herring, root in herrings_above_defect(r):
            add("herring_above_defect", r, f"{'/'.join(r['herring_kinds'].get(herring, []))} {herring} #{_rank(r, herring)} "
                                           f"above {root} #{_rank(r, root)}")
    return dict(out)


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
