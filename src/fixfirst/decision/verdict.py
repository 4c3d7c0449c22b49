"""The fix-first verdict: may this business market now, within limits, or must it fix first?"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..capacity import CapacityOutlook
from ..config import Settings
from ..scoring import Ranking, WeakSpot, blocks

FIX_FIRST = "FIX FIRST"
MARKET_WITH_LIMITS = "MARKET WITH LIMITS"
READY = "READY TO MARKET"
NOT_ENOUGH_DATA = "NOT ENOUGH DATA"


class CapacityBasis(str, Enum):
    """Which fact decided the capacity side of the verdict."""

    RECENT_ORDERS = "recent_orders"  # the last weeks' observed in-stock orders missed the promise, clearly
    NO_SAFE_VOLUME = "no_safe_volume"  # no daily volume on record kept the promise (no recent orders to judge)
    PROJECTION = "projection"  # the day-by-day projection, trusted because it reproduced recent history
    HISTORY = "history"  # the order history's daily volume bands
    NONE = "none"  # not enough orders with a delivery outcome


@dataclass
class Verdict:
    """The verdict as facts: its status, the weak spots that block, and which capacity fact decided.

    The sentences that explain it (summary, reasons, the rule) are written by the presentation layer
    (`fixfirst.present.verdict_words`), from these facts and the decision's figures.
    """

    status: str
    blocking: list[WeakSpot] = field(default_factory=list)
    capacity_basis: CapacityBasis = CapacityBasis.NONE
    already_missing: bool = False  # operations already miss the promise, judged on observed orders
    campaign_planned: bool = False  # a campaign with an expected uplift was judged
    assessed_orders: int = 0  # in-stock orders with a delivery outcome
    min_orders: int = 0  # the least that clears a business (verdict.min_orders_for_ready)

    def __repr__(self) -> str:
        # One line: the generated repr would print every blocking weak spot in full.
        names = ", ".join(w.touchpoint.id for w in self.blocking[:3]) + (", ..." if len(self.blocking) > 3 else "")
        blocked = f"{len(self.blocking)} blocking ({names})" if self.blocking else "nothing blocks"
        missing = ", already missing the promise" if self.already_missing else ""
        return (f"<Verdict {self.status}: {blocked}{missing}; capacity judged on {self.capacity_basis.value}, "
                f"{self.assessed_orders:,} orders assessed (needs {self.min_orders:,})>")

    @property
    def slug(self) -> str:
        return self.status.lower().replace(" ", "-")


def _already_missing(outlook: CapacityOutlook) -> CapacityBasis | None:
    """Operations already miss the promise, judged on observed orders: the recent in-stock orders, else the volume bands."""
    recent = outlook.recent
    if recent is not None:
        return CapacityBasis.RECENT_ORDERS if recent.misses_promise(outlook.breach_target) else None
    return CapacityBasis.NO_SAFE_VOLUME if outlook.safe_daily_orders is None else None


def decide(ranking: Ranking, outlook: CapacityOutlook | None, settings: Settings) -> Verdict:
    rules = settings.verdict
    blocking = [w for w in ranking.weak_spots if blocks(w, settings)]
    assessed = 0 if outlook is None else outlook.assessed_orders
    # The outlook when it has enough orders with a delivery outcome to judge capacity on, else None.
    enough = outlook if outlook is not None and assessed >= rules.min_orders_for_ready and outlook.bands else None
    facts = {"assessed_orders": assessed, "min_orders": rules.min_orders_for_ready}
    missing = _already_missing(enough) if enough is not None else None
    if blocking or missing is not None:
        basis = missing or (_model(enough) if enough is not None else CapacityBasis.NONE)
        return Verdict(FIX_FIRST, blocking, basis, missing is not None, _planned(outlook), **facts)
    if enough is None:
        return Verdict(NOT_ENOUGH_DATA, [], CapacityBasis.NONE, False, _planned(outlook), **facts)
    basis = _model(enough)
    sim = enough.simulation
    if basis is CapacityBasis.PROJECTION and sim is not None:  # _model trusts the projection only when there is one
        planned = sim.campaign is not None
        status = MARKET_WITH_LIMITS if not planned or sim.campaign_breaks_promise else READY
    else:
        planned = enough.campaign_daily_orders is not None
        status = MARKET_WITH_LIMITS if not planned or enough.campaign_breaks_promise else READY
    return Verdict(status, [], basis, False, planned, **facts)


def _model(outlook: CapacityOutlook) -> CapacityBasis:
    sim = outlook.simulation
    return CapacityBasis.PROJECTION if sim is not None and sim.reproduces_history else CapacityBasis.HISTORY


def _planned(outlook: CapacityOutlook | None) -> bool:
    if outlook is None:
        return False
    sim = outlook.simulation
    if sim is not None and sim.reproduces_history:
        return sim.campaign is not None
    return outlook.campaign_daily_orders is not None
