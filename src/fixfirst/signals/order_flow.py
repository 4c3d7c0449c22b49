"""How orders move and what failures cost: stage cycle times, weekly trends, and the effect of a failure on the customer."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from .base import pct
from .context import SignalContext

# The order timestamps in the sequence an order passes them; a stage is the gap between two present in the export.
STAGE_COLUMNS = (("ordered_at", "ordered"), ("paid_at", "paid"), ("shipped_at", "shipped"), ("delivered_at", "delivered"))


@dataclass(frozen=True)
class StageCycle:
    """Working days an order spends between two timestamps, over the orders that have both."""

    start: str
    end: str
    n: int
    p50: float
    p85: float
    p95: float
    mean: float

    @property
    def label(self) -> str:
        return f"{self.start} to {self.end}"

    def to_dict(self) -> dict:
        return {"from": self.start, "to": self.end, "n": self.n, "p50": self.p50, "p85": self.p85, "p95": self.p95,
                "mean": round(self.mean, 2)}


def stage_cycle_times(facts: pd.DataFrame, ctx: SignalContext) -> list[StageCycle]:
    """p50/p85/p95 working days per stage (ordered -> paid -> shipped -> delivered) and end to end.

    Cancelled orders are left out (they never finish), and so is any order whose later timestamp comes
    before the earlier one: ingest reports those as data-entry slips, and a negative duration is not a time.
    """
    present = [(column, name) for column, name in STAGE_COLUMNS if column in facts and facts[column].notna().any()]
    live = facts.loc[~facts["cancelled"], [column for column, _ in present]]
    pairs = list(itertools.pairwise(present))
    if len(present) > 2:
        pairs.append((present[0], present[-1]))
    out = []
    for (a, a_name), (b, b_name) in pairs:
        days = ctx.calendar.business_days_between(live[a], live[b]).dropna()
        days = days[days >= 0]
        if days.empty:
            continue
        p50, p85, p95 = np.percentile(days, [50, 85, 95])
        out.append(StageCycle(a_name, b_name, len(days), float(p50), float(p85), float(p95), float(days.mean())))
    return out


@dataclass(frozen=True)
class WeeklyTrend:
    """A failure rate week by week, and whether the most recent weeks differ from the weeks before."""

    weeks: list[tuple[str, int, float]]  # (week starting, orders, rate)
    recent_weeks: int
    recent_rate: float
    recent_n: int
    earlier_rate: float
    earlier_n: int
    p_value: float
    level: float

    @property
    def direction(self) -> str:
        if self.p_value >= 1 - self.level:
            return "steady"
        return "worse" if self.recent_rate > self.earlier_rate else "better"

    def sentence(self, failure: str) -> str:
        verdict = {"worse": "getting worse", "better": "improving", "steady": "no clear change"}[self.direction]
        return (f"Trend: {pct(self.recent_rate, 1)} {failure} in the last {self.recent_weeks} weeks (n={self.recent_n:,}) "
                f"vs {pct(self.earlier_rate, 1)} before (n={self.earlier_n:,}): {verdict} (two-proportion test, p={self.p_value:.2g}).")

    def to_dict(self) -> dict:
        return {"direction": self.direction, "recent_weeks": self.recent_weeks, "recent_rate": round(self.recent_rate, 4),
                "recent_n": self.recent_n, "earlier_rate": round(self.earlier_rate, 4), "earlier_n": self.earlier_n,
                "p_value": round(self.p_value, 4),
                "weeks": [{"week": w, "n": n, "rate": round(r, 4)} for w, n, r in self.weeks]}


def weekly_trend(flag: pd.Series, base: pd.Series, week: pd.Series, recent_weeks: int, level: float) -> WeeklyTrend | None:
    """Weekly rate of `flag` among `base` orders; the last `recent_weeks` weeks against all earlier ones.

    Needs at least one earlier week for each recent one, so a short export says nothing rather than something noisy.
    """
    frame = pd.DataFrame({"week": week[base], "hit": flag[base].astype(bool)})
    weekly = frame.groupby("week")["hit"].agg(["size", "mean"]).sort_index()
    if len(weekly) < 2 * recent_weeks:
        return None
    recent, earlier = weekly.iloc[-recent_weeks:], weekly.iloc[:-recent_weeks]
    n1, n2 = int(recent["size"].sum()), int(earlier["size"].sum())
    x1, x2 = float((recent["size"] * recent["mean"]).sum()), float((earlier["size"] * earlier["mean"]).sum())
    p_value = two_proportion_p(x1, n1, x2, n2)
    weeks = [(w.strftime("%Y-%m-%d"), int(r["size"]), float(r["mean"])) for w, r in weekly.iterrows()]
    return WeeklyTrend(weeks, recent_weeks, x1 / n1, n1, x2 / n2, n2, p_value, level)


def two_proportion_p(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of a pooled two-proportion z-test; 1.0 when either side is empty or nothing varies."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = abs(x1 / n1 - x2 / n2) / se
    return 2 * (1 - NormalDist().cdf(z))


@dataclass
class FailureEffect:
    """What a failure (late, backordered, returned...) did to the customer's next steps, measured in the data.

    `cancel_gap`: extra share of affected orders that were cancelled. `repeat_gap`: how many fewer of the
    customers whose first order was affected came back within the repeat window, shrunk toward zero with the
    scoring's pseudo-observations so that a handful of affected customers cannot claim a large effect.
    """

    cancel_gap: float = 0.0
    cancel_n: tuple[int, int] = (0, 0)  # affected, unaffected orders
    repeat_gap: float = 0.0
    repeat_gap_observed: float = 0.0
    repeat_rates: tuple[float, float] | None = None  # affected, unaffected
    repeat_n: tuple[int, int] = (0, 0)  # affected, unaffected first-time customers
    notes: list[str] = field(default_factory=list)
    # Whether each gap is clear of chance (one-sided two-proportion test at the scoring's confidence level): only a
    # clear gap is money at stake; a gap within chance is reported, not priced.
    cancel_clear: bool = False
    repeat_clear: bool = False

    def basis(self) -> str:
        """The notes as one clause list for a money basis (each note is a sentence of its own in the evidence)."""
        return "; ".join(note.rstrip(".") for note in self.notes)

    @property
    def purchases_lost_per_affected_order(self) -> float:
        return (max(0.0, self.cancel_gap) if self.cancel_clear else 0.0) + (max(0.0, self.repeat_gap) if self.repeat_clear else 0.0)

    def to_dict(self) -> dict:
        return {"cancel_gap": round(self.cancel_gap, 4), "cancel_n": list(self.cancel_n), "cancel_clear": self.cancel_clear,
                "repeat_clear": self.repeat_clear,
                "repeat_gap": round(self.repeat_gap, 4), "repeat_gap_observed": round(self.repeat_gap_observed, 4),
                "repeat_rates": None if self.repeat_rates is None else [round(r, 4) for r in self.repeat_rates],
                "repeat_n": list(self.repeat_n)}


def failure_effect(facts: pd.DataFrame, affected: pd.Series, known: pd.Series, ctx: SignalContext, *,
                   cancellable: bool, what: str) -> FailureEffect:
    """Cancellation and repeat-purchase gaps between orders with and without the failure.

    `known`: orders where the failure flag means something (e.g. a delivery outcome exists). `cancellable`:
    whether cancelled orders can carry the flag at all (a backorder can cause a cancellation; a late delivery cannot).
    """
    effect = FailureEffect()
    min_n = ctx.settings.orders.min_effect_group
    affected = affected.fillna(False).astype(bool)
    if cancellable:
        groups = [facts.loc[known & affected, "cancelled"], facts.loc[known & ~affected, "cancelled"]]
        if min(len(g) for g in groups) >= min_n:
            effect.cancel_n = (len(groups[0]), len(groups[1]))
            effect.cancel_gap = float(groups[0].mean() - groups[1].mean())
            effect.cancel_clear = _clearly_higher(float(groups[0].sum()), len(groups[0]), float(groups[1].sum()), len(groups[1]), ctx)
            effect.notes.append(f"{pct(groups[0].mean(), 1)} of all {what} orders, cancelled ones included, were cancelled (n={len(groups[0]):,}) "
                                f"vs {pct(groups[1].mean(), 1)} of the others (n={len(groups[1]):,})"
                                + ("." if effect.cancel_clear or effect.cancel_gap <= 0 else ": within chance, not counted as lost purchases."))
    rates = _repeat_by_first_order(facts, affected & known, known, ctx)
    if rates is not None:
        (hit_a, n_a), (hit_u, n_u) = rates
        if min(n_a, n_u) >= min_n:
            observed = hit_u / n_u - hit_a / n_a
            strength = ctx.settings.scoring.shrinkage_strength
            effect.repeat_gap_observed = observed
            effect.repeat_gap = observed * n_a / (n_a + strength)
            effect.repeat_rates = (hit_a / n_a, hit_u / n_u)
            effect.repeat_n = (n_a, n_u)
            # Fewer comebacks among the affected: "higher" for the unaffected group.
            effect.repeat_clear = _clearly_higher(float(hit_u), n_u, float(hit_a), n_a, ctx)
            effect.notes.append(
                f"Customers whose first order was {what} came back {pct(hit_a / n_a)} of the time (n={n_a:,}) "
                f"vs {pct(hit_u / n_u)} otherwise (n={n_u:,}; repeat within {ctx.settings.orders.repeat_window_days} days)"
                + ("." if effect.repeat_clear or observed <= 0 else ": within chance, not counted as lost purchases."))
    return effect


def _clearly_higher(x1: float, n1: int, x2: float, n2: int, ctx: SignalContext) -> bool:
    """Whether x1/n1 is above x2/n2 beyond chance: one-sided two-proportion test at the scoring's confidence level."""
    if not n1 or not n2 or x1 / n1 <= x2 / n2:
        return False
    return two_proportion_p(x1, n1, x2, n2) / 2 < 1 - ctx.settings.scoring.ci_level


def _repeat_by_first_order(facts: pd.DataFrame, affected: pd.Series, known: pd.Series, ctx: SignalContext):
    """((repeaters, customers) affected, (repeaters, customers) unaffected) over first orders with a full window."""
    if "came_back" not in facts:
        return None
    judged = (facts["came_back"].notna() & known).to_numpy()
    if not judged.any():
        return None
    came_back = facts["came_back"].to_numpy(dtype=bool, na_value=False)[judged]
    hit = affected.to_numpy(dtype=bool, na_value=False)[judged]
    return (int(came_back[hit].sum()), int(hit.sum())), (int(came_back[~hit].sum()), int((~hit).sum()))
