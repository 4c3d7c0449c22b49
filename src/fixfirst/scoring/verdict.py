"""The fix-first verdict: may this business market now, within limits, or must it fix first?"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..capacity import CapacityOutlook
from ..settings import Settings
from .weak_spots import CONFIDENCE_ORDER, Ranking, WeakSpot

FIX_FIRST = "FIX FIRST"
MARKET_WITH_LIMITS = "MARKET WITH LIMITS"
READY = "READY TO MARKET"
NOT_ENOUGH_DATA = "NOT ENOUGH DATA"


@dataclass
class Verdict:
    status: str
    summary: str
    rule: str
    blocking: list[WeakSpot] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.status.lower().replace(" ", "-")

    def to_dict(self) -> dict:
        return {"status": self.status, "summary": self.summary, "rule": self.rule,
                "blocking": [w.touchpoint.id for w in self.blocking], "reasons": self.reasons}


def verdict_rule(settings: Settings) -> str:
    v = settings.verdict
    return (f"FIX FIRST when any weak spot scores {v.block_score:.0f} or more with at least {v.block_confidence} confidence, "
            f"or when the planned campaign would push promise breaches above {settings.metrics.promise_breach.target:.0%} "
            f"and history shows no volume at which operations kept the promise; MARKET WITH LIMITS when no weak spot blocks "
            f"but the campaign's expected volume exceeds what operations carried within the promise (market up to that volume); "
            f"READY TO MARKET otherwise, but only when order data let the promise and capacity be checked "
            f"(NOT ENOUGH DATA when they could not).")


def decide(ranking: Ranking, outlook: CapacityOutlook | None, settings: Settings) -> Verdict:
    rules = settings.verdict
    needed = CONFIDENCE_ORDER[rules.block_confidence]
    blocking = [w for w in ranking.weak_spots if w.score >= rules.block_score and CONFIDENCE_ORDER[w.confidence] >= needed]
    reasons = [f"{w.touchpoint.name} scores {w.score:.0f} ({w.confidence} confidence): {w.headline}" for w in blocking]
    breaks = outlook is not None and outlook.campaign_breaks_promise
    if breaks:
        reasons.append(f"The planned campaign '{outlook.campaign.name}' means about {outlook.campaign_daily_orders:.0f} orders a day "
                       f"against a usual {outlook.baseline_daily_orders:.0f}; projected breach rate {outlook.projected_breach_rate:.0%} "
                       f"({outlook.projection_basis}).")
    rule = verdict_rule(settings)
    if blocking or (breaks and outlook.safe_daily_orders is None):
        names = ", ".join(w.touchpoint.name for w in blocking) or "delivery capacity"
        summary = f"Fix {names} before spending on marketing: a campaign would send more customers into these weak spots."
        return Verdict(FIX_FIRST, summary, rule, blocking, reasons)
    if breaks:
        summary = (f"Market with limits: operations kept the promise up to about {outlook.safe_daily_orders:.0f} orders a day "
                   f"({outlook.headroom:.0%} above the usual volume); size the campaign to stay below that.")
        return Verdict(MARKET_WITH_LIMITS, summary, rule, [], reasons)
    if outlook is None or not any(w.contributions for w in ranking.assessed):
        reasons.append("No order data with delivery dates was usable, so the promise and capacity could not be checked."
                       if outlook is None else "No source describes any touchpoint.")
        summary = "Not enough data to clear this business for marketing: provide order history (with delivery dates) and customer feedback."
        return Verdict(NOT_ENOUGH_DATA, summary, rule, [], reasons)
    summary = "Ready to market: no weak spot blocks, and operations have carried the expected campaign volume within the promise."
    if not reasons:
        reasons.append("No weak spot reaches the blocking score with enough confidence.")
    return Verdict(READY, summary, rule, [], reasons)
