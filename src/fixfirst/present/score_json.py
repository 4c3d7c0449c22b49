"""The documented JSON form of an audit's ranking (`fixfirst score --json`, schema fixfirst.score/2)."""

from __future__ import annotations

from typing import Any

from .capacity_json import history_payload
from .numbers import formatter_for
from .verdict_words import verdict_payload

SCHEMA = "fixfirst.score/2"


def ranking_payload(result) -> dict[str, Any]:
    outlook = result.outlook
    decision = result.decision
    capacity = None
    if outlook is not None:
        capacity = {
            # One headroom: the decision's model; the other model's figure is labelled a cross-check.
            "headroom": None if decision.headroom is None else decision.headroom.to_dict(),
            "headroom_cross_check": (None if decision.headroom_cross_check is None
                                     else decision.headroom_cross_check.to_dict()),
            # Each model under its own name: the order history's reading and the day-by-day projection. The decision's
            # figures (headroom, campaign late share) are in `decision`; the model it did not use is a cross-check.
            "history": history_payload(outlook),
            "simulation": None if outlook.simulation is None else outlook.simulation.summary(),
            "simulation_skipped": outlook.simulation_skipped or None,
            "kpis": [k.to_dict() for k in outlook.kpis],
        }
    return {
        "schema": SCHEMA,
        "client": result.engagement.audit.client.name,
        "generated_on": result.generated_on.isoformat(),
        "as_of": result.as_of.isoformat(),
        "currency": result.engagement.audit.client.currency_code,
        "verdict": verdict_payload(result, formatter_for(result.engagement.audit.client)),
        "decision": decision.to_dict(),
        "weak_spots": [w.to_dict() for w in result.ranking.weak_spots],
        "touchpoints": [w.to_dict() for w in result.ranking.assessed],
        "kpis": [{"name": k.name, "value": round(float(k.value), 4), "unit": k.unit, "n": k.n, "note": k.note} for k in result.signals.kpis],
        "capacity": capacity,
        "journey_chain": result.ranking.chain.to_dict() if result.ranking.chain is not None else None,
        "drivers": None if result.signals.drivers is None else result.signals.drivers.to_dict(),
        "process": None if result.signals.process is None else result.signals.process.to_dict(),
        "checklists": [] if result.signals.checklists is None else result.signals.checklists.to_dict(),
        "fix_plan": result.fix_plan.to_dict(),
        "data_quality": {
            "errors": len(result.data.problems.errors),
            "warnings": len(result.data.problems.warnings),
            "sources": [{"kind": t.kind, "file": t.file, "rows_read": t.rows_read, "rows_kept": t.rows_kept} for t in result.data.tables.values()],
        },
    }
