"""Friction from survey ratings: top-2-box share per touchpoint, plus the NPS of the whole journey."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..journey import Journey
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext


@dataclass(frozen=True)
class NetPromoterScore:
    score: float  # -100..100
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float


def survey_signals(survey: pd.DataFrame, journey: Journey, ctx: SignalContext) -> list[FrictionSignal]:
    signals = []
    total = len(survey)
    for tp in journey.touchpoints:
        for header in tp.survey:
            column = f"rating:{header}"
            if column not in survey:
                continue
            ratings = survey[column].dropna()
            n = len(ratings)
            if n == 0:
                continue
            top2 = int((ratings >= 4).sum())
            signal = proportion_signal(touchpoint=tp.id, metric="top2box", label=f"Survey: '{header}' rated 4 or 5",
                                       source="survey", hits=top2, n=n, higher_is_better=True, settings=ctx.settings,
                                       target=tp.targets.get("top2box"),
                                       # Respondents who skip a question never met that touchpoint (e.g. support).
                                       reach=n / total if total else None)
            dissatisfied_share = max(0.0, signal.target - signal.shrunk_value)
            signal.money_at_stake = ctx.money(dissatisfied_share * (ctx.orders_per_month or 0.0) * (signal.reach or 1.0))
            counts = ratings.round().value_counts().reindex([1, 2, 3, 4, 5], fill_value=0)
            signal.detail.update(mean=float(ratings.mean()), distribution={int(k): int(v) for k, v in counts.items()})
            signal.evidence.append(Evidence(
                f"{pct(signal.value)} rated it 4-5 (n={n:,}; mean {ratings.mean():.2f}/5); target {pct(signal.target)}.", n=n))
            signal.evidence.append(Evidence("Ratings 1-5: " + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".", kind="breakdown", n=n))
            signals.append(signal)
    return signals


def net_promoter_score(survey: pd.DataFrame, level: float = 0.95) -> NetPromoterScore | None:
    """NPS with an interval from the promoter/detractor shares (normal approximation on the difference)."""
    if "recommend" not in survey:
        return None
    scores = survey["recommend"].dropna()
    n = len(scores)
    if n == 0:
        return None
    promoters = int((scores >= 9).sum())
    detractors = int((scores <= 6).sum())
    p, d = promoters / n, detractors / n
    variance = (p + d - (p - d) ** 2) / n
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    half = z * variance ** 0.5 * 100
    score = (p - d) * 100
    return NetPromoterScore(score, promoters, n - promoters - detractors, detractors, n, max(-100.0, score - half), min(100.0, score + half))


__all__ = ["NetPromoterScore", "net_promoter_score", "survey_signals"]
