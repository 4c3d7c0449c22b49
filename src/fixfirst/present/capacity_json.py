"""The documented JSON form of the capacity outlook (`fixfirst capacity --json`, schema fixfirst.capacity/2)."""

from __future__ import annotations

from typing import Any

from ..capacity import json_safe
from .numbers import formatter_for
from .verdict_words import verdict_payload

SCHEMA = "fixfirst.capacity/2"


def history_payload(outlook) -> dict[str, Any]:
    """What the order history alone says: daily volume bands and the busiest volume that kept the promise."""
    return json_safe({
        "baseline_daily_orders": round(outlook.baseline_daily_orders, 2),
        "campaign": outlook.campaign.name if outlook.campaign else None,
        "campaign_daily_orders": None if outlook.campaign_daily_orders is None else round(outlook.campaign_daily_orders, 2),
        "projected_breach_rate": None if outlook.projected_breach_rate is None else round(outlook.projected_breach_rate, 4),
        "breach_target": outlook.breach_target,
        "safe_daily_orders": outlook.safe_daily_orders,
        "basis": outlook.projection_basis,
        "bands": [{"low": b.low, "high": b.high, "days": b.days, "orders": b.orders, "late": b.late,
                   "breach_rate": round(b.breach_rate, 4), "ci": [round(b.ci_low, 4), round(b.ci_high, 4)]} for b in outlook.bands],
        "recent": None if outlook.recent is None else outlook.recent.to_dict(),
    })


def capacity_payload(result) -> dict[str, Any]:
    outlook = result.outlook
    decision = result.decision
    return {
        "schema": SCHEMA,
        "client": result.engagement.audit.client.name,
        "generated_on": result.generated_on.isoformat(),
        "as_of": result.as_of.isoformat(),
        "verdict": verdict_payload(result, formatter_for(result.engagement.audit.client)),
        # One headroom: the decision's model; the other model's figure is labelled a cross-check.
        "headroom": None if decision.headroom is None else decision.headroom.to_dict(),
        "headroom_cross_check": (None if decision.headroom_cross_check is None
                                 else decision.headroom_cross_check.to_dict()),
        "usual_orders_per_week": None if decision.usual_orders_per_week is None else round(decision.usual_orders_per_week, 1),
        "campaign": None if decision.campaign is None else decision.campaign.to_dict(),
        "history": None if outlook is None else history_payload(outlook),
        "simulation": None if outlook is None or outlook.simulation is None else outlook.simulation.to_dict(),
        "simulation_skipped": ("no orders with a delivery outcome to measure the promise against" if outlook is None
                               else (outlook.simulation_skipped or None)),
        "kpis": [] if outlook is None else [k.to_dict() for k in outlook.kpis],
    }
