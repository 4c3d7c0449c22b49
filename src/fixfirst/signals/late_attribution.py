"""Why orders missed the promise: each late order is credited to the earliest cause the export shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .context import SignalContext

# In the order an order meets them: a backorder holds it before picking, late dispatch holds it at the bench,
# and whatever happens after dispatch (carrier, local van, address problems) is the delivery leg's.
CAUSES = ("backorder", "dispatch", "after_dispatch")
CAUSE_LABELS = {"backorder": "backorders", "dispatch": "late dispatch",
                "after_dispatch": "the delivery leg"}


def mark_dispatch(facts: pd.DataFrame, ctx: SignalContext) -> None:
    """`dispatch_days`, `dispatch_too_late`, `dispatched_late` and `late_from_dispatch`, computed once for every signal.

    `dispatch_days`: working days from payment (else ordering) to dispatch. `dispatch_too_late`: the order left later
    than the shop's normal processing allows (more than `capacity.normal_lag_days` working days after its promise
    clock started, the yardstick the capacity model uses for a backlog), or with fewer working days left before its
    promised date than the delivery leg usually takes (the median working days from dispatch to doorstep in this
    export). `dispatched_late`: what the dispatch signal counts: more working days than
    `orders.dispatch_target_business_days` when the client set one, else `dispatch_too_late`.
    `late_from_dispatch`: a late order the bench made late: it would have been on time had it left at the normal lag
    (it was late by no more working days than it was held), or it left too little time for the usual delivery leg,
    or it never left before its promised date. NA where unknown.
    """
    if "shipped_at" not in facts:
        return
    calendar, lag = ctx.calendar, ctx.settings.capacity.normal_lag_days
    began = facts["paid_at"].fillna(facts["ordered_at"]) if "paid_at" in facts else facts["ordered_at"]
    days = calendar.business_days_between(began, facts["shipped_at"])
    facts["dispatch_days"] = days
    target = ctx.settings.orders.dispatch_target_business_days
    hold = (calendar.business_days_between(facts["clock_start"], facts["shipped_at"]) - lag).clip(lower=0)
    too_late = hold > 0
    short = pd.Series(False, index=facts.index)
    late_by = pd.Series(np.nan, index=facts.index)
    if "delivered_at" in facts:
        transit = calendar.business_days_between(facts["shipped_at"], facts["delivered_at"])
        transit = transit[transit >= 0]
        if not transit.empty:
            slack = calendar.business_days_between(facts["shipped_at"], facts["deadline"])
            short = (slack < float(transit.median())).fillna(False)
            too_late = too_late | short
        late_by = calendar.business_days_between(facts["deadline"], facts["delivered_at"])
    facts["dispatch_too_late"] = _flag(too_late, days.notna())
    facts["dispatched_late"] = _flag(days > target, days.notna()) if target is not None else facts["dispatch_too_late"]
    late = facts["late"].to_numpy(dtype=bool)
    unshipped = facts["shipped_at"].isna() | (facts["shipped_at"].dt.normalize() > facts["deadline"])
    explained = ((hold > 0) & (late_by <= hold)) | short | ((hold > 0) & late_by.isna())
    facts["late_from_dispatch"] = late & (explained | unshipped).fillna(False).to_numpy(dtype=bool)


def _flag(values: pd.Series, known: pd.Series) -> pd.Series:
    out = pd.Series(pd.array(values.fillna(False).astype(bool).to_numpy(), dtype="boolean"), index=values.index)
    out[~known.to_numpy()] = pd.NA
    return out


def backordered(facts: pd.DataFrame) -> pd.Series:
    """True for orders flagged as backordered; False where unflagged or unknown."""
    if "backordered" not in facts:
        return pd.Series(False, index=facts.index)
    return facts["backordered"].fillna(False).astype(bool)


def late_from_dispatch(facts: pd.DataFrame) -> pd.Series:
    """True for late orders the packing bench made late (see `mark_dispatch`)."""
    if "late_from_dispatch" not in facts:
        return pd.Series(False, index=facts.index)
    return facts["late_from_dispatch"].astype(bool)


def clean_for_delivery(facts: pd.DataFrame) -> pd.Series:
    """Orders that reached the delivery leg without an earlier failure: in stock, and not made late by the bench.

    The delivery leg is judged only on these, so a backorder or a packing backlog is not scored twice (once where it
    happens and again as a late delivery).
    """
    return ~backordered(facts) & ~late_from_dispatch(facts)


@dataclass(frozen=True)
class LateCauses:
    """The share of orders that missed the promise, split by the earliest cause the export shows.

    `points[c]` is the share of all assessed orders that were late with cause c, so the points add up to the late
    share. `rate_given[c]` is the late share of the orders as they left the bench (backordered, in stock but dispatched
    late, in stock and dispatched in time), with its n.
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
    known = tuple(c for c, present in (("backorder", "backordered" in facts), ("dispatch", "late_from_dispatch" in facts)) if present)
    assessed = facts["assessable"].to_numpy(dtype=bool)
    if not known or not assessed.any():
        return None
    late = facts["late"].to_numpy(dtype=bool) & assessed
    back = backordered(facts).to_numpy() & assessed
    from_bench = late_from_dispatch(facts).to_numpy() & assessed & ~back
    counts = {"backorder": int((late & back).sum()), "dispatch": int((late & from_bench).sum()),
              "after_dispatch": int((late & assessed & ~back & ~from_bench).sum())}
    # The late share of each group of orders as it left the bench: backordered, in stock but dispatched late, on time.
    held = facts["dispatch_too_late"].fillna(False).to_numpy(dtype=bool) if "dispatch_too_late" in facts else np.zeros(len(facts), bool)
    held &= assessed & ~back
    on_time = assessed & ~back & ~held
    rate_given = {}
    for cause, group in (("backorder", back), ("dispatch", held), ("after_dispatch", on_time)):
        n = int(group.sum())
        if n:
            rate_given[cause] = (float((late & group).sum() / n), n)
    return LateCauses(int(late.sum()), int(assessed.sum()), counts, rate_given, known)
