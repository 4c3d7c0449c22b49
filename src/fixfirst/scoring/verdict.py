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
            f"or when no daily volume on record kept promise breaches within {settings.metrics.promise_breach.target:.0%}. "
            f"Otherwise NOT ENOUGH DATA when fewer than {v.min_orders_for_ready} in-stock orders show a delivery outcome; "
            f"MARKET WITH LIMITS when the planned campaign's expected daily orders exceed the busiest volume at which the "
            f"promise held (market up to that volume), or when no campaign with an expected uplift is planned (stay within it); "
            f"READY TO MARKET when the planned campaign stays within the volume operations have proven they carry.")


def decide(ranking: Ranking, outlook: CapacityOutlook | None, settings: Settings) -> Verdict:
    rules = settings.verdict
    needed = CONFIDENCE_ORDER[rules.block_confidence]
    blocking = [w for w in ranking.weak_spots if w.score >= rules.block_score and CONFIDENCE_ORDER[w.confidence] >= needed]
    reasons = [f"{w.touchpoint.name} scores {w.score:.0f} ({w.confidence} confidence): {w.headline}" for w in blocking]
    rule = verdict_rule(settings)
    enough = outlook is not None and outlook.assessed_orders >= rules.min_orders_for_ready and bool(outlook.bands)
    no_proven_volume = enough and outlook.safe_daily_orders is None
    if outlook is not None and outlook.campaign_daily_orders is not None:
        reasons.append(f"The planned campaign '{outlook.campaign.name}' means about {outlook.campaign_daily_orders:.0f} orders a day "
                       f"against a usual {outlook.baseline_daily_orders:.0f}; {outlook.projection_basis}.")
    if no_proven_volume:
        reasons.append(f"No daily volume on record kept promise breaches within {outlook.breach_target:.0%}.")
    if blocking or no_proven_volume:
        names = ", ".join(w.touchpoint.name for w in blocking) or "delivery capacity"
        summary = f"Fix {names} before spending on marketing: a campaign would send more customers into these weak spots."
        return Verdict(FIX_FIRST, summary, rule, blocking, reasons)
    if not enough:
        have = 0 if outlook is None else outlook.assessed_orders
        reasons.append(f"Only {have} in-stock orders show a delivery outcome; at least {rules.min_orders_for_ready} are needed "
                       "to judge the promise and capacity.")
        summary = "Not enough data to clear this business for marketing: provide order history with delivery dates."
        return Verdict(NOT_ENOUGH_DATA, summary, rule, [], reasons)
    safe, headroom = outlook.safe_daily_orders, outlook.headroom
    proven = f"operations kept the promise up to about {safe:.0f} orders a day ({headroom:.0%} above the usual volume)"
    if outlook.campaign_daily_orders is None:
        reasons.append("No planned campaign with an expected uplift was found, so no campaign volume could be tested.")
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: {proven}; keep any campaign within that.", rule, [], reasons)
    if outlook.campaign_breaks_promise:
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: {proven}; size the campaign to stay below that.", rule, [], reasons)
    reasons.append(f"No weak spot reaches the blocking score with enough confidence, and {proven}.")
    summary = "Ready to market: no weak spot blocks, and the planned campaign stays within the volume operations have proven they carry."
    return Verdict(READY, summary, rule, [], reasons)
