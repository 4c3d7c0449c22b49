"""Why orders missed the promise: each late order is credited to the earliest cause the export shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .context import SignalContext

# In the order an order meets them: a backorder holds it before picking, late dispatch holds it at the bench,
# and whatever happens after dispatch (carrier, local van, address problems) is the delivery leg's.
CAUSES = ("backorder", "dispatch", "after_dispatch")
CAUSE_LABELS = {"backorder": "backorders", "dispatch": "dispatch too late to keep the promise",
                "after_dispatch": "the delivery leg after a timely dispatch"}


def mark_dispatch(facts: pd.DataFrame, ctx: SignalContext) -> None:
    """`dispatch_days`, `dispatched_late` and `dispatch_too_late`, computed once for every order signal.

    `dispatch_days`: working days from payment (else ordering) to dispatch. `dispatch_too_late`: dispatched with fewer
    working days left before the promised date than the delivery leg usually takes (the median working days from
    dispatch to doorstep in this export), so the promise was lost before the parcel left. `dispatched_late`: what the
    dispatch signal counts: more working days than `orders.dispatch_target_business_days` when the client set one,
    else the same as `dispatch_too_late`, so the yardstick follows the promise (a shop whose carrier is quick may
    dispatch on day two and still keep it). The cause split always uses `dispatch_too_late`. NA where unknown.
    """
    if "shipped_at" not in facts:
        return
    began = facts["paid_at"].fillna(facts["ordered_at"]) if "paid_at" in facts else facts["ordered_at"]
    days = ctx.calendar.business_days_between(began, facts["shipped_at"])
    facts["dispatch_days"] = days
    target = ctx.settings.orders.dispatch_target_business_days
    if "delivered_at" in facts:
        transit = ctx.calendar.business_days_between(facts["shipped_at"], facts["delivered_at"])
        transit = transit[transit >= 0]
        if not transit.empty:
            usual = float(transit.median())
            slack = ctx.calendar.business_days_between(facts["shipped_at"], facts["deadline"])
            facts["dispatch_too_late"] = _flag(slack < usual, slack.notna())
    if target is not None:
        facts["dispatched_late"] = _flag(days > target, days.notna())
    elif "dispatch_too_late" in facts:
        facts["dispatched_late"] = facts["dispatch_too_late"]


def _flag(values: pd.Series, known: pd.Series) -> pd.Series:
    out = pd.Series(pd.array(values.fillna(False).astype(bool).to_numpy(), dtype="boolean"), index=values.index)
    out[~known.to_numpy()] = pd.NA
    return out


def backordered(facts: pd.DataFrame) -> pd.Series:
    """True for orders flagged as backordered; False where unflagged or unknown."""
    if "backordered" not in facts:
        return pd.Series(False, index=facts.index)
    return facts["backordered"].fillna(False).astype(bool)


def dispatched_too_late(facts: pd.DataFrame) -> pd.Series:
    """True for orders dispatched too late for the usual delivery leg to keep the promise."""
    if "dispatch_too_late" not in facts:
        return pd.Series(False, index=facts.index)
    return facts["dispatch_too_late"].fillna(False).astype(bool)


def clean_for_delivery(facts: pd.DataFrame) -> pd.Series:
    """Orders that reached the delivery leg without an earlier failure: in stock and dispatched on time.

    The delivery leg is judged only on these, so a backorder or a packing backlog is not scored twice (once where it
    happens and again as a late delivery).
    """
    return ~backordered(facts) & ~dispatched_too_late(facts)


@dataclass(frozen=True)
class LateCauses:
    """The share of orders that missed the promise, split by the earliest cause the export shows.

    `points[c]` is the share of all assessed orders that were late with cause c, so the points add up to the late
    share. `rate_given[c]` is the late share among the orders that met cause c (backordered orders, in-stock orders
    dispatched too late, clean orders), with its n.
    """

    late: int
    assessed: int
    counts: dict[str, int]
    rate_given: dict[str, tuple[float, int]]
    known_causes: tuple[str, ...]  # causes the export can tell apart (without backorder flags, none is a backorder)

    @property
    def late_share(self) -> float:
        return self.late / self.assessed if self.assessed else 0.0

    @property
    def points(self) -> dict[str, float]:
        return {c: (self.counts[c] / self.assessed if self.assessed else 0.0) for c in CAUSES}

    def to_dict(self) -> dict:
        return {"late": self.late, "assessed": self.assessed, "late_share": round(self.late_share, 4),
                "points": {c: round(v, 4) for c, v in self.points.items()}, "counts": dict(self.counts),
                "late_share_given": {c: {"share": round(r, 4), "n": n} for c, (r, n) in self.rate_given.items()},
                "known_causes": list(self.known_causes)}


def late_causes(facts: pd.DataFrame) -> LateCauses | None:
    """Split the late orders by earliest cause; None when the export cannot tell any cause apart."""
    known = tuple(c for c, present in (("backorder", "backordered" in facts), ("dispatch", "dispatch_too_late" in facts)) if present)
    assessed = facts["assessable"].to_numpy(dtype=bool)
    if not known or not assessed.any():
        return None
    late = facts["late"].to_numpy(dtype=bool) & assessed
    back = backordered(facts).to_numpy() & assessed
    slow = dispatched_too_late(facts).to_numpy() & assessed & ~back
    clean = assessed & ~back & ~slow
    counts = {"backorder": int((late & back).sum()), "dispatch": int((late & slow).sum()), "after_dispatch": int((late & clean).sum())}
    rate_given = {}
    for cause, group in (("backorder", back), ("dispatch", slow), ("after_dispatch", clean)):
        n = int(group.sum())
        if n:
            rate_given[cause] = (float((late & group).sum() / n), n)
    return LateCauses(int(late.sum()), int(assessed.sum()), counts, rate_given, known)
