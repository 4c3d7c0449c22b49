"""Money at stake: the journey as an absorbing Markov chain, and what meeting each touchpoint's target is worth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..capacity.outlook import PlannedCampaign, planned_campaign
from ..journey import Journey, Touchpoint
from ..signals import FrictionSignal, SignalSet
from ..signals.order_flow import failure_effect


@dataclass
class JourneyChain:
    """The pre-purchase journey as an absorbing Markov chain.

    Transient states are the touchpoints that event data measures; the absorbing states are the purchase
    step and "left". A transition's probability is the share of cases at its source that reached its
    target. Those shares come from "reached" sets, so a touchpoint's outgoing shares can add up to more
    than 1 when cases branch and come back; they are then scaled to sum to 1.
    """

    states: list[str]
    purchase: str
    probability: dict[tuple[str, str], float]
    n: dict[tuple[str, str], int]
    start: dict[str, float]  # share of cases whose first measured step is each state
    entries_per_month: float
    entries: int
    observed_purchase_rate: float = 0.0  # share of entering cases that did reach the purchase step: checks the chain

    def _solve(self, probability: dict[tuple[str, str], float]) -> tuple[np.ndarray, np.ndarray]:
        """(expected visits per state, probability of ending in a purchase) for one entering case."""
        index = {s: i for i, s in enumerate(self.states)}
        k = len(self.states)
        q = np.zeros((k, k))
        r = np.zeros(k)
        for (a, b), p in probability.items():
            if b == self.purchase:
                r[index[a]] += p
            elif b in index:
                q[index[a], index[b]] += p
        totals = q.sum(axis=1) + r
        over = totals > 1
        q[over] /= totals[over, None]
        r[over] /= totals[over]
        start = np.array([self.start.get(s, 0.0) for s in self.states])
        # Visits = start (I - Q)^-1: solve rather than invert; a loop with probability 1 would be singular.
        visits = np.linalg.solve((np.eye(k) - q).T, start)
        return visits, r

    def purchase_probability(self, probability: dict[tuple[str, str], float] | None = None) -> float:
        visits, r = self._solve(self.probability if probability is None else probability)
        return float(visits @ r)

    def visits(self) -> dict[str, float]:
        visits, _ = self._solve(self.probability)
        return {s: float(v) for s, v in zip(self.states, visits)}

    def leave_probability(self, state: str) -> float:
        out = sum(p for (a, _), p in self.probability.items() if a == state)
        return max(0.0, 1.0 - min(1.0, out))

    def to_dict(self) -> dict:
        return {
            "states": self.states, "purchase": self.purchase, "entries": self.entries,
            "entries_per_month": round(self.entries_per_month, 1),
            "purchase_probability": round(self.purchase_probability(), 4),
            "observed_purchase_rate": round(self.observed_purchase_rate, 4),
            "transitions": [{"from": a, "to": b, "probability": round(p, 4), "n": self.n[(a, b)]} for (a, b), p in self.probability.items()],
        }


def journey_chain(signal_set: SignalSet, journey: Journey) -> JourneyChain | None:
    """The chain over every transition that has a conversion signal, ending at the funnel's purchase step."""
    funnel = signal_set.funnel
    conversions = [s for s in signal_set.signals if s.metric == "conversion" and s.edge]
    if funnel is None or not funnel.purchase_step or not conversions:
        return None
    purchase = funnel.purchase_step
    probability = {s.edge: s.value for s in conversions if s.edge[0] != purchase}
    if not probability:
        return None
    n = {s.edge: s.n for s in conversions if s.edge in probability}
    order = [tp.id for tp in journey.ordered()]
    states = sorted({a for a, _ in probability} | {b for _, b in probability if b != purchase}, key=order.index)
    reached = funnel.reached[[s for s in states if s in funnel.reached]]
    first = reached.idxmax(axis=1)[reached.any(axis=1)]  # journey order is column order: idxmax is the first True
    counts = first.value_counts()
    entries = int(counts.sum())
    if entries == 0:
        return None
    start = {s: float(counts.get(s, 0)) / entries for s in states}
    per_month = signal_set.context.per_month(entries, funnel.start, funnel.end)
    observed = float(funnel.reached.loc[first.index, purchase].mean()) if purchase in funnel.reached else 0.0
    return JourneyChain(states, purchase, probability, n, start, per_month, entries, observed)


@dataclass
class MoneyAtStake:
    """What one touchpoint's shortfall costs per month, and how much of a campaign's extra demand meets it."""

    extra_purchases_per_month: float = 0.0
    revenue_per_month: float = 0.0
    basis: str = ""
    campaign: str | None = None
    campaign_extra_per_month: float | None = None  # extra cases reaching the touchpoint while the campaign runs
    campaign_failing_per_month: float | None = None  # of those, how many today's failure rate would fail

    def to_dict(self) -> dict:
        def r(x, d=2):
            return None if x is None else round(x, d)
        return {"extra_purchases_per_month": r(self.extra_purchases_per_month), "revenue_per_month": r(self.revenue_per_month),
                "basis": self.basis, "campaign": self.campaign, "campaign_extra_per_month": r(self.campaign_extra_per_month, 1),
                "campaign_failing_per_month": r(self.campaign_failing_per_month, 1)}


@dataclass
class MoneyModel:
    """Everything needed to price a touchpoint's shortfall: the chain, the order economics, the planned campaign."""

    signal_set: SignalSet
    chain: JourneyChain | None
    campaign: PlannedCampaign | None
    survey: pd.DataFrame | None = None
    uplift_override: float | None = None
    _order_index: object | None = field(default=None, repr=False)  # the order ids as one Arrow array, built once
    _order_positions: np.ndarray | None = field(default=None, repr=False)
    _survey_rows: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def build(cls, journey: Journey, signal_set: SignalSet, campaigns: pd.DataFrame | None = None,
              survey: pd.DataFrame | None = None, uplift: float | None = None) -> MoneyModel:
        """`uplift` replaces the planned campaign's (`fixfirst capacity --uplift`)."""
        facts = signal_set.order_facts
        ends = [t for t in (facts["ordered_at"].max() if facts is not None and len(facts) else None,
                            signal_set.funnel.end if signal_set.funnel is not None else None) if t is not None and not pd.isna(t)]
        campaign = planned_campaign(campaigns, max(ends)) if ends else None
        return cls(signal_set, journey_chain(signal_set, journey), campaign, survey, uplift_override=uplift)

    @property
    def uplift(self) -> float | None:
        if self.uplift_override is not None:
            return self.uplift_override
        return None if self.campaign is None or self.campaign.uplift is None else float(self.campaign.uplift)

    def for_touchpoint(self, tp: Touchpoint, signals: list[FrictionSignal], reach: float) -> MoneyAtStake:
        ctx = self.signal_set.context
        money = MoneyAtStake(campaign=self.campaign.name if self.campaign else ("extra demand" if self.uplift is not None else None))
        conversions = [s for s in signals if s.metric == "conversion" and s.edge]
        if self.chain is not None and tp.id in self.chain.states and conversions:
            self._price_conversion(tp, conversions, money)
        else:
            self._price_outcome(tp, signals, money, reach)
        money.revenue_per_month = ctx.money(money.extra_purchases_per_month)
        return money

    def _price_conversion(self, tp: Touchpoint, conversions: list[FrictionSignal], money: MoneyAtStake) -> None:
        chain = self.chain
        improved = dict(chain.probability)
        for s in conversions:
            if s.edge in improved and s.shrunk_value < s.target:
                # Raise by the shrunk shortfall, so a thin sample claims less than its raw gap.
                improved[s.edge] = min(1.0, improved[s.edge] + (s.target - s.shrunk_value))
        gain = chain.purchase_probability(improved) - chain.purchase_probability()
        money.extra_purchases_per_month = max(0.0, gain) * chain.entries_per_month
        money.basis = (f"journey chain: {chain.entries:,} cases entering; purchase probability "
                       f"{chain.purchase_probability():.1%} today, +{max(0.0, gain):.2%} if {tp.name} met its target")
        if not chain.entries_per_month:
            money.basis += ("; not priced: the event log has no times, so cases per month are unknown (map its timestamp "
                            "column to price this step)")
        if self.uplift is not None and chain.entries_per_month:
            visits = chain.visits().get(tp.id, 0.0)
            money.campaign_extra_per_month = self.uplift * chain.entries_per_month * visits
            money.campaign_failing_per_month = money.campaign_extra_per_month * chain.leave_probability(tp.id)

    def _price_outcome(self, tp: Touchpoint, signals: list[FrictionSignal], money: MoneyAtStake, reach: float) -> None:
        priced = [self._survey_money(s) if s.metric == "top2box" else s for s in signals]
        best = max(priced, key=lambda s: s.detail.get("extra_purchases_per_month", 0.0), default=None)
        extra = best.detail.get("extra_purchases_per_month", 0.0) if best is not None else 0.0
        money.extra_purchases_per_month = extra
        money.basis = best.detail.get("money_basis", f"{best.source}: lost purchases measured in the data") if best is not None and extra else \
            "no lost purchases measurable in the data"
        orders_per_month = self.signal_set.context.orders_per_month
        if self.uplift is not None and orders_per_month:
            money.campaign_extra_per_month = self.uplift * orders_per_month * reach
            failing = [s for s in signals if s.source == "orders" and not s.higher_is_better]
            if failing:
                worst = max(failing, key=lambda s: s.value)
                money.campaign_failing_per_month = money.campaign_extra_per_month * worst.value

    def _order_rows(self, order_ids: pd.Series) -> np.ndarray:
        """Row position in the order facts of each id (-1 when unknown); the orders' index is built once."""
        import pyarrow.compute as pc

        if self._order_index is None:
            self._order_index = _as_arrow(self.signal_set.order_facts["order_id"])
        # index_in finds each id's first row (duplicate order ids are refused at ingest anyway); null when absent.
        where = pc.index_in(_as_arrow(order_ids), value_set=self._order_index)
        return pc.fill_null(where, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def _survey_money(self, signal: FrictionSignal) -> FrictionSignal:
        """A rating shortfall costs what dissatisfied customers' lost repeat purchases cost, when answers link to orders."""
        facts, survey = self.signal_set.order_facts, self.survey
        column = signal.detail.get("column") or _rating_column(signal.label)
        if facts is None or survey is None or column is None or "order_id" not in survey or column not in survey:
            signal.detail.setdefault("money_basis", "survey answers do not link to orders: no lost purchases measurable")
            return signal
        ctx = self.signal_set.context
        if self._survey_rows is None:
            self._survey_rows = self._order_rows(survey["order_id"])  # once for every rating column
        answers = survey[column].to_numpy(dtype=float, na_value=np.nan)
        rows = self._survey_rows
        usable = (rows >= 0) & ~np.isnan(answers)
        values = np.full(len(facts), np.nan)
        # Reversed so that, for an order answered twice, the first answer is the one kept.
        values[rows[usable][::-1]] = answers[usable][::-1]
        ratings = pd.Series(values, index=facts.index)
        known = ratings.notna()
        effect = failure_effect(facts, ratings <= 3, known, ctx, cancellable=False, what="rated 1-3")
        shortfall = max(0.0, signal.target - signal.shrunk_value)
        extra = shortfall * (ctx.orders_per_month or 0.0) * (signal.reach or 1.0) * max(0.0, effect.repeat_gap)
        signal.detail["extra_purchases_per_month"] = round(extra, 2)
        signal.detail["money_basis"] = "; ".join(effect.notes) if effect.notes else "too few linked answers to measure lost repeat purchases"
        signal.money_at_stake = ctx.money(extra)
        return signal


def _rating_column(label: str) -> str | None:
    """The survey column a top-2-box signal's label names ("Survey: 'Checkout (1-5)' rated 4 or 5")."""
    import re

    match = re.match(r"Survey: '(.*)' rated", label)
    return f"rating:{match.group(1)}" if match else None


def _as_arrow(ids: pd.Series):
    """Ids as one Arrow string array, without a round trip through Python objects when they already are Arrow."""
    import pyarrow as pa

    text = ids.astype("string")
    arrow = pa.array(text.array) if hasattr(text.array, "__arrow_array__") else pa.array(text.tolist(), pa.string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return arrow.cast(pa.string()) if arrow.type != pa.string() else arrow
