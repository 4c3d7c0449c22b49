"""Money at stake: the journey as an absorbing Markov chain, and what meeting each touchpoint's target is worth."""

from __future__ import annotations

from dataclasses import dataclass
from types import EllipsisType

import numpy as np
import pandas as pd

from ..capacity import PlannedCampaign, planned_campaign
from ..journey import Journey, Touchpoint
from ..signals import FrictionSignal, SignalSet


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

    def __repr__(self) -> str:
        # One line: the generated repr prints every transition's probability and count. The observed rate, not the
        # chain's solved one: a repr must not run a linear solve (nor fail on a singular one).
        return (f"<JourneyChain: {len(self.states)} states to {self.purchase!r}, {self.entries:,} entering, "
                f"{self.observed_purchase_rate:.1%} bought>")

    def purchase_probability(self, probability: dict[tuple[str, str], float] | None = None) -> float:
        visits, r = self._solve(self.probability if probability is None else probability)
        return float(visits @ r)

    def visits(self) -> dict[str, float]:
        visits, _ = self._solve(self.probability)
        return {s: float(v) for s, v in zip(self.states, visits, strict=False)}

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
    conversions = [(s.edge, s) for s in signal_set.signals if s.metric == "conversion" and s.edge]
    if funnel is None or not funnel.purchase_step or not conversions:
        return None
    purchase = funnel.purchase_step
    probability = {edge: s.value for edge, s in conversions if edge[0] != purchase}
    if not probability:
        return None
    n = {edge: s.n for edge, s in conversions if edge in probability}
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


def choose_campaign(campaigns: pd.DataFrame | None, signal_set: SignalSet) -> PlannedCampaign | None:
    """The planned campaign, chosen once per audit: the next one after the data ends (the orders' last day, else the
    event log's), as `capacity.outlook.planned_campaign` defines it."""
    facts = signal_set.order_facts
    if facts is not None and len(facts) and facts["ordered_at"].notna().any():
        end = facts["ordered_at"].max()
    elif signal_set.funnel is not None and signal_set.funnel.end is not None and not pd.isna(signal_set.funnel.end):
        end = signal_set.funnel.end
    else:
        return None
    return planned_campaign(campaigns, end)


@dataclass
class MoneyAtStake:
    """What one touchpoint's shortfall costs per month, and how much of a campaign's extra demand meets it."""

    extra_purchases_per_month: float = 0.0
    revenue_per_month: float = 0.0
    basis: str = ""
    campaign: str | None = None
    campaign_extra_per_month: float | None = None  # extra cases reaching the touchpoint while the campaign runs
    campaign_failing_per_month: float | None = None  # of those, how many today's failure rate would fail
    measured: bool = False  # False: the data cannot price this touchpoint's shortfall (it is ranked by severity instead)
    campaign_revenue_per_month: float | None = None  # the same shortfall while the campaign's extra demand runs

    def to_dict(self) -> dict:
        def r(x, d=2):
            return None if x is None else round(x, d)
        return {"extra_purchases_per_month": r(self.extra_purchases_per_month), "revenue_per_month": r(self.revenue_per_month),
                "measured": self.measured, "basis": self.basis, "campaign": self.campaign,
                "campaign_revenue_per_month": r(self.campaign_revenue_per_month),
                "campaign_extra_per_month": r(self.campaign_extra_per_month, 1),
                "campaign_failing_per_month": r(self.campaign_failing_per_month, 1)}


@dataclass
class MoneyModel:
    """Everything needed to price a touchpoint's shortfall: the chain, the order economics, the planned campaign."""

    signal_set: SignalSet
    chain: JourneyChain | None
    campaign: PlannedCampaign | None
    survey: pd.DataFrame | None = None
    uplift_override: float | None = None

    @classmethod
    def build(cls, journey: Journey, signal_set: SignalSet, campaigns: pd.DataFrame | None = None,
              survey: pd.DataFrame | None = None, uplift: float | None = None, *,
              campaign: PlannedCampaign | None | EllipsisType = ...) -> MoneyModel:
        """`uplift` replaces the planned campaign's (`fixfirst capacity --uplift`). `campaign`: the one the audit chose
        (`pipeline.choose_campaign`), so the money and the capacity judge the same plan; left out, chosen here."""
        if campaign is ...:
            campaign = choose_campaign(campaigns, signal_set)
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
            self._price_conversion(tp, self.chain, conversions, money)
            # Segment gaps, incidents and outcome signals price their own shortfall; the larger figure stands, since
            # they count the same lost customers as the step's overall conversion.
            others = [s for s in signals if s not in conversions]
            best = max(others, key=lambda s: s.extra_purchases_per_month, default=None)
            if best is not None and best.extra_purchases_per_month > money.extra_purchases_per_month:
                money.extra_purchases_per_month = best.extra_purchases_per_month
                money.basis = best.money_basis or f"{best.source}: lost purchases measured in the data"
            money.measured = money.extra_purchases_per_month > 0
        else:
            self._price_outcome(tp, signals, money, reach)
        money.revenue_per_month = ctx.money(money.extra_purchases_per_month)
        if money.measured and not ctx.average_order_value:
            # Purchases are counted, but without order values they cannot be put in money: say so rather than show 0.
            money.measured = False
            money.basis += "; not priced: the orders carry no value (map an order-value column to price it)"
        if self.uplift is not None and money.measured:
            # The shortfall is a share of the customers passing by: more demand means proportionally more of it.
            # The money already counts only the customers passing by; the campaign brings proportionally more of them.
            money.campaign_revenue_per_month = money.revenue_per_month * (1.0 + max(0.0, self.uplift))
        return money

    def _price_conversion(self, tp: Touchpoint, chain: JourneyChain, conversions: list[FrictionSignal], money: MoneyAtStake) -> None:
        improved = dict(chain.probability)
        min_n = self.signal_set.context.settings.scoring.min_evidence_n
        for s in conversions:
            # Only a step the scoring finds short (off target, on enough evidence) is priced: a value within its own
            # usual range, or a handful of cases, has nothing to win back.
            if s.edge in improved and s.shrunk_value < s.target and s.severity > 0 and s.n >= min_n:
                # Raise by the shrunk shortfall, so a thin sample claims less than its raw gap.
                improved[s.edge] = min(1.0, improved[s.edge] + (s.target - s.shrunk_value))
        gain = chain.purchase_probability(improved) - chain.purchase_probability()
        money.extra_purchases_per_month = max(0.0, gain) * chain.entries_per_month
        money.measured = money.extra_purchases_per_month > 0
        money.basis = (f"journey chain: {chain.entries:,} customers entering; purchase probability "
                       f"{chain.purchase_probability():.1%} today, +{max(0.0, gain):.2%} if {tp.name} met its target")
        if not chain.entries_per_month:
            money.basis += ("; not priced: the event log has no times, so customers per month are unknown (map its timestamp "
                            "column to price this step)")
        if self.uplift is not None and chain.entries_per_month:
            visits = chain.visits().get(tp.id, 0.0)
            money.campaign_extra_per_month = self.uplift * chain.entries_per_month * visits
            money.campaign_failing_per_month = money.campaign_extra_per_month * chain.leave_probability(tp.id)

    def _price_outcome(self, tp: Touchpoint, signals: list[FrictionSignal], money: MoneyAtStake, reach: float) -> None:
        # The largest measured figure, not the sum: signals at one touchpoint often count the same lost customers.
        best = max(signals, key=lambda s: s.extra_purchases_per_month, default=None)
        extra = best.extra_purchases_per_month if best is not None else 0.0
        money.extra_purchases_per_month = extra
        money.measured = bool(extra)
        money.basis = (best.money_basis or f"{best.source}: lost purchases measured in the data") if best is not None and extra else \
            "no lost purchases measurable in the data"
        orders_per_month = self.signal_set.context.orders_per_month
        if self.uplift is not None and orders_per_month:
            money.campaign_extra_per_month = self.uplift * orders_per_month * reach
            failing = [s for s in signals if s.source == "orders" and not s.higher_is_better]
            if failing:
                worst = max(failing, key=lambda s: s.value)
                money.campaign_failing_per_month = money.campaign_extra_per_month * worst.value
