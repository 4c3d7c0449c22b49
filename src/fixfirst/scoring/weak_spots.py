"""Combine a touchpoint's signals into one explainable score, and rank the weak spots."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import EllipsisType
from typing import Any

import pandas as pd

from ..capacity import PlannedCampaign
from ..config import Settings
from ..journey import Journey, Touchpoint
from ..signals import FrictionSignal, SignalSet, pct
from .money import JourneyChain, MoneyAtStake, MoneyModel

CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass
class Contribution:
    """One signal's part in a touchpoint's score."""

    signal: FrictionSignal
    weighted_severity: float  # weight x severity, the signal's input to the noisy-OR
    share: float  # its share of the touchpoint's combined severity


@dataclass
class WeakSpot:
    touchpoint: Touchpoint
    score: float  # 0-100
    severity: float  # combined, 0-1
    reach: float
    reach_basis: str
    money_at_stake: float  # per month
    confidence: str
    confidence_reason: str
    contributions: list[Contribution] = field(default_factory=list)
    rank: int = 0
    money: MoneyAtStake = field(default_factory=MoneyAtStake)
    current_score: float = math.nan  # the score of what still fails at the end of the data (left out: same as score)

    def __post_init__(self) -> None:
        if math.isnan(self.current_score):
            self.current_score = self.score

    def __repr__(self) -> str:
        # One line for a notebook or a log: the generated repr prints the touchpoint and every signal behind it.
        place = f"#{self.rank}" if self.rank else "not ranked"
        money = f"{self.money_at_stake:,.0f} a month at stake" if self.money_at_stake else "not priced"
        return (f"<WeakSpot {place} {self.touchpoint.id!r}: score {self.score:.1f}, {self.confidence} confidence, {money}, "
                f"{len(self.contributions)} signals>")

    @property
    def main_signal(self) -> FrictionSignal | None:
        return self.contributions[0].signal if self.contributions else None

    @property
    def headline(self) -> str:
        """The one sentence a consultant says to the client about this touchpoint."""
        main = self.main_signal
        if main is None:
            return "No data describes this touchpoint yet."
        if main.severity == 0:
            parts = [f"{c.signal.label} {pct(c.signal.value)} ("
                     + (f"target {pct(c.signal.target)}" if c.signal.judged else "measured; nothing sets a target") + f", n={c.signal.n:,})"
                     for c in self.contributions[:3]]
            judged = any(c.signal.judged for c in self.contributions)
            return ("Meets its targets. " if judged else "Not judged: no target applies. ") + "; ".join(parts) + "."
        side = "below" if main.higher_is_better else "above"
        sentence = f"{main.label}: {pct(main.value)}, {side} the {pct(main.target)} target (n={main.n:,})"
        others = sorted({c.signal.source for c in self.contributions[1:] if c.signal.severity > 0} - {main.source})
        if others:
            sentence += f"; {' and '.join(others)} data agree"
        return sentence + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "touchpoint": self.touchpoint.id,
            "name": self.touchpoint.name,
            "stage": self.touchpoint.stage,
            "owner": self.touchpoint.owner,
            "score": round(self.score, 1),
            "current_score": round(self.current_score, 1),
            "severity": round(self.severity, 4),
            "reach": round(self.reach, 4),
            "reach_basis": self.reach_basis,
            "confidence": self.confidence,
            "confidence_reason": self.confidence_reason,
            "money_at_stake": round(self.money_at_stake, 2),
            "money": self.money.to_dict(),
            "headline": self.headline,
            "signals": [
                {**c.signal.to_dict(), "weighted_severity": round(c.weighted_severity, 4), "share": round(c.share, 4)}
                for c in self.contributions
            ],
        }


@dataclass
class Ranking:
    """Every touchpoint scored; `weak_spots` are those at or above the minimum score, best first."""

    assessed: list[WeakSpot]
    chain: JourneyChain | None = None

    def __repr__(self) -> str:
        spots = self.weak_spots
        names = ", ".join(w.touchpoint.id for w in spots[:3]) + (", ..." if len(spots) > 3 else "")
        return f"<Ranking: {len(self.assessed)} touchpoints assessed, {len(spots)} weak spots" + (f" ({names})>" if spots else ">")

    @property
    def weak_spots(self) -> list[WeakSpot]:
        return [w for w in self.assessed if w.rank > 0]

    @property
    def healthy(self) -> list[WeakSpot]:
        return [w for w in self.assessed if w.rank == 0 and w.contributions]

    @property
    def without_data(self) -> list[WeakSpot]:
        return [w for w in self.assessed if not w.contributions]

    def for_touchpoint(self, touchpoint_id: str) -> WeakSpot:
        return next(w for w in self.assessed if w.touchpoint.id == touchpoint_id)


def score_touchpoint(tp: Touchpoint, signals: list[FrictionSignal], settings: Settings, money_model: MoneyModel | None = None) -> WeakSpot:
    """Noisy-OR of weighted severities, scaled by reach.

    severity = 1 - prod(1 - weight_i * severity_i): one strong signal is enough to matter, and
    each further signal that agrees can only raise it. score = 100 * severity * (floor + (1 - floor) * reach).
    """
    min_n = settings.scoring.min_evidence_n
    # Tiny samples never make a weak spot: below the minimum evidence a signal is listed but scores nothing.
    # Consultation answers are exempt: one answer describes a whole practice, and their confidence stays low.
    raw = [(s, s.weight * s.severity if (s.n >= min_n or s.source == "checklist") else 0.0) for s in signals]
    weighted = _deduplicated(raw)
    severity = _noisy_or(weighted)
    # What still fails at the end of the data: an incident that is over is a finding to learn from, not a present
    # reason to hold marketing back (the ranking uses the whole score, the verdict this one).
    still = _noisy_or(_deduplicated([(s, 0.0 if s.ended else w) for s, w in raw]))
    total = sum(w for _, w in weighted)
    contributions = sorted(
        (Contribution(s, w, (w / total) if total else 0.0) for s, w in weighted),
        key=lambda c: (-c.weighted_severity, -c.signal.n, c.signal.metric),
    )
    reach, basis = _reach(tp, signals)
    floor = settings.scoring.reach_floor
    score = 100.0 * severity * (floor + (1.0 - floor) * reach)
    current = 100.0 * still * (floor + (1.0 - floor) * reach)
    confidence, reason = _confidence(contributions, settings)
    if money_model is not None:
        money = money_model.for_touchpoint(tp, signals, reach)
        return WeakSpot(tp, score, severity, reach, basis, money.revenue_per_month, confidence, reason, contributions, money=money,
                        current_score=current)
    # Without a model: the largest per-signal figure, since signals at one touchpoint often count the same customers.
    at_stake = max((s.money_at_stake for s in signals), default=0.0)
    return WeakSpot(tp, score, severity, reach, basis, at_stake, confidence, reason, contributions, current_score=current)


def _noisy_or(weighted: list[tuple[FrictionSignal, float]]) -> float:
    remaining = 1.0
    for _, w in weighted:
        remaining *= 1.0 - w
    return 1.0 - remaining


def _deduplicated(weighted: list[tuple[FrictionSignal, float]]) -> list[tuple[FrictionSignal, float]]:
    """Several readings of one failure (a rate against its target and against its own history; a step's conversion,
    one segment's gap and an incident on the same transition) count once: only the strongest scores, so the
    noisy-OR does not add a failure to itself."""
    strongest: dict[tuple, float] = {}
    for s, w in weighted:
        key = failure_key(s)
        strongest[key] = max(strongest.get(key, 0.0), w)
    seen: set[tuple] = set()
    deduped = []
    for s, w in weighted:
        key = failure_key(s)
        if w == strongest[key] and key not in seen:
            seen.add(key)
            deduped.append((s, w))
        else:
            deduped.append((s, 0.0))
    return deduped


# Event metrics that read the same transition's loss: overall, for one segment, or during one period.
STEP_LOSS_METRICS = frozenset({"conversion", "segment_gap", "incident"})


def failure_key(signal: FrictionSignal) -> tuple:
    """What failure a signal measures: signals with one key are readings of one failure."""
    if signal.metric in STEP_LOSS_METRICS and signal.edge is not None:
        return ("step", signal.edge)
    if signal.metric == "top2box":
        return ("rating", signal.survey_column or signal.label)
    if signal.metric == "activity_conversion":
        return ("activity", signal.edge, signal.label)
    return (signal.metric, signal.edge, signal.source)


def _reach(tp: Touchpoint, signals: list[FrictionSignal]) -> tuple[float, str]:
    """Who passes the touchpoint: journey.yaml's `reach` when the consultant set it, else the best-measured figure."""
    if tp.reach is not None:
        return tp.reach, "set in journey.yaml"
    measured = [(s.reach, s) for s in signals if s.reach is not None]
    if measured:
        reach, best = max(measured, key=lambda m: m[1].n)
        return min(1.0, max(0.0, reach)), f"measured from {best.source} (n={best.n:,})"
    return 1.0, "assumed: every customer passes here"


def _confidence(contributions: list[Contribution], settings: Settings) -> tuple[str, str]:
    """Confidence grows with the main signal's sample and with independent sources that agree.

    high: interval clear of the target and either a large sample or a second source off target;
    medium: interval clear and at least `medium_confidence_n` observations; otherwise low.
    """
    rules = settings.scoring
    if not contributions or contributions[0].weighted_severity == 0:
        return "low", "no signal with enough evidence is off target"
    main = contributions[0].signal
    agreeing = sorted({c.signal.source for c in contributions if c.weighted_severity > 0})
    if not main.clear:
        return "low", f"the {main.source} figure's interval still reaches the target (n={main.n:,})"
    if main.source == "checklist" and len(agreeing) < 2:
        # A few consultation answers are a lead to check, not evidence enough on their own to block marketing.
        return "low", f"consultation answers alone (n={main.n:,}); no data source agrees yet"
    if main.n >= rules.high_confidence_n or (len(agreeing) >= 2 and main.n >= rules.medium_confidence_n):
        why = f"{len(agreeing)} independent sources agree ({', '.join(agreeing)})" if len(agreeing) >= 2 else f"a large sample (n={main.n:,})"
        return "high", f"interval clear of the target and {why}"
    if main.n >= rules.medium_confidence_n or len(agreeing) >= 2:
        return "medium", f"interval clear of the target, n={main.n:,}" + (f", {len(agreeing)} sources agree" if len(agreeing) >= 2 else "")
    return "low", f"interval clear of the target but a small sample (n={main.n:,}, fewer than {rules.medium_confidence_n})"


def rank_weak_spots(journey: Journey, signal_set: SignalSet, settings: Settings, campaigns: pd.DataFrame | None = None,
                    survey: pd.DataFrame | None = None, uplift: float | None = None, *,
                    campaign: PlannedCampaign | None | EllipsisType = ...) -> Ranking:
    model = MoneyModel.build(journey, signal_set, campaigns, survey, uplift, campaign=campaign)
    assessed = [score_touchpoint(tp, signal_set.for_touchpoint(tp.id), settings, model) for tp in journey.ordered()]
    weak = [w for w in assessed if w.contributions and w.score >= settings.scoring.weak_spot_min_score and w.score > 0]
    # What a weak spot costs ranks it; the score (severity x reach) and the confidence stand beside the money. Where
    # the data cannot price a shortfall, the spot follows the priced ones, ranked by score. The weak spots that block
    # marketing come first, so a severe spot the data cannot price never trails a minor priced one (stable sort:
    # journey order breaks ties).
    order = sorted(weak, key=lambda w: (0 if blocks(w, settings) else 1, *rank_key(w)))
    for rank, spot in enumerate(order, start=1):
        spot.rank = rank
    rest = sorted((w for w in assessed if w not in weak), key=lambda w: -round(w.score, 9))
    return Ranking(order + rest, model.chain)


def blocks(spot: WeakSpot, settings: Settings) -> bool:
    """Whether the weak spot blocks marketing: the verdict's rule (score and confidence), in one place."""
    rules = settings.verdict
    return spot.current_score >= rules.block_score and CONFIDENCE_ORDER[spot.confidence] >= CONFIDENCE_ORDER[rules.block_confidence]


def rank_key(spot: WeakSpot) -> tuple:
    """Priced weak spots first, by money at stake a month; then the unpriced ones by score."""
    # Purchases, not revenue: the same order, and still defined when the export has no order values.
    if spot.money.measured and spot.money.extra_purchases_per_month > 0:
        return (0, -round(spot.money.extra_purchases_per_month, 6), -round(spot.score, 9))
    return (1, -round(spot.score, 9), 0.0)
