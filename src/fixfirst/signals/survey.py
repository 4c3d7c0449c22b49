"""Friction from survey ratings: top-2-box share per touchpoint, plus the journey-wide NPS, CSAT and CES."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..journey import Journey
from .base import Evidence, FrictionSignal, Kpi, pct, proportion_signal, wilson_interval
from .context import SignalContext
from .late_attribution import backordered, clean_for_delivery
from .order_flow import failure_effect
from .targets import resolve_target

# The Customer Effort Score question ("The company made it easy for me to handle my issue") on the
# 1-7 agreement scale of CES 2.0: 5-7 agree that it was easy.
EFFORT_SCALE = (1, 7)
EFFORT_AGREE = 5
# Top-2-box on the 1-5 rating scale: 4 and 5 are satisfied answers, 1 to 3 are not (the labels say so).
TOP2BOX_FROM = 4
DISSATISFIED_UP_TO = 3
# Net Promoter Score on the 0-10 recommend scale: 9-10 are promoters, 0-6 detractors (the standard definition).
NPS_PROMOTER_FROM, NPS_DETRACTOR_UP_TO = 9, 6


def _special():
    """scipy.special, imported on first use; scipy.stats would cost most of a second more at every run."""
    from scipy import special

    return special


@dataclass(frozen=True)
class NetPromoterScore:
    score: float  # -100..100
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float


def survey_signals(survey: pd.DataFrame, journey: Journey, ctx: SignalContext, facts: pd.DataFrame | None = None) -> list[FrictionSignal]:
    """Top-2-box share per rated touchpoint, with what the dissatisfied answers cost in lost repeat purchases.

    Causes before symptoms: where answers link to orders, a touchpoint of the delivery leg is judged only on answers
    about orders that reached it without an earlier failure (in stock, not made late at dispatch), so a stock problem is not
    scored again as unhappy delivery ratings.
    """
    signals = []
    total = len(survey)
    rows = order_rows(facts, survey)
    for tp in journey.touchpoints:
        for header in tp.survey:
            column = f"rating:{header}"
            if column not in survey:
                continue
            ratings = survey[column]
            answered = ratings.notna()
            reach = int(answered.sum()) / total if total else None  # respondents who skip a question never met that touchpoint
            judged, note = _cause_filtered(ratings, tp, facts, rows, ctx)
            ratings = judged.dropna()
            n = len(ratings)
            if n == 0:
                continue
            top2 = int((ratings >= TOP2BOX_FROM).sum())
            choice = resolve_target("top2box", tp, None, ctx)
            signal = proportion_signal(touchpoint=tp.id, metric="top2box", label=f"Survey: '{header}' rated 4 or 5",
                                       source="survey", hits=top2, n=n, higher_is_better=True, settings=ctx.settings,
                                       target=choice.value, reach=reach, survey_column=column, basis=choice.basis,
                                       basis_note=choice.note)
            _price_ratings(signal, judged, facts, rows, ctx)
            counts = ratings.round().value_counts().reindex([1, 2, 3, 4, 5], fill_value=0)
            mean = float(ratings.mean())
            mean_low, mean_high = mean_interval(ratings.to_numpy(dtype="float64"), ctx.settings.scoring.ci_level)
            signal.detail.update(mean=mean, mean_ci=(mean_low, mean_high), survey_header=header,
                                 distribution={int(k): int(v) for k, v in counts.items()})
            signal.evidence.append(Evidence(
                f"{pct(signal.value)} rated it 4-5 (n={n:,}; {pct(signal.ci_low)}-{pct(signal.ci_high)}); mean rating "
                f"{mean:.2f}/5 ({mean_low:.2f}-{mean_high:.2f}); target {pct(signal.target)}{note}.", n=n))
            signal.evidence.append(Evidence("Ratings 1-5: " + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".", kind="breakdown", n=n))
            signals.append(signal)
    return signals


def order_rows(facts: pd.DataFrame | None, survey: pd.DataFrame) -> np.ndarray | None:
    """Row position in the order facts of each survey answer's order (-1 when unknown); None when answers do not link."""
    if facts is None or "order_id" not in survey or "order_id" not in facts or not len(facts):
        return None
    import pyarrow.compute as pc

    where = pc.index_in(_as_arrow(survey["order_id"]), value_set=_as_arrow(facts["order_id"]))
    rows = pc.fill_null(where, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return rows if (rows >= 0).any() else None


def _cause_filtered(ratings: pd.Series, tp, facts: pd.DataFrame | None, rows: np.ndarray | None,
                    ctx: SignalContext) -> tuple[pd.Series, str]:
    """The answers that judge this touchpoint: for the delivery leg, those about orders with no earlier failure."""
    if rows is None or not ({"delivery", "dispatch"} & set(tp.orders)):
        return ratings, ""
    ok = (clean_for_delivery(facts) if "delivery" in tp.orders else ~backordered(facts)).to_numpy()
    linked = rows >= 0
    keep = ~linked.copy()  # answers that do not link are kept: nothing says an earlier step failed them
    keep[linked] = ok[rows[linked]]
    filtered = ratings.where(keep)
    left_out = int((ratings.notna() & ~keep).sum())
    if not left_out or filtered.notna().sum() < ctx.settings.scoring.min_evidence_n:
        return ratings, ""
    what = "backordered or made late at dispatch" if "delivery" in tp.orders else "backordered"
    return filtered, f"; {left_out:,} answers about orders that were {what} are left to that earlier step's own figures"


def _price_ratings(signal: FrictionSignal, ratings: pd.Series, facts: pd.DataFrame | None, rows: np.ndarray | None,
                   ctx: SignalContext) -> None:
    """A rating shortfall costs what dissatisfied customers' lost repeat purchases cost, when answers link to orders."""
    if facts is None or rows is None:
        signal.money_basis = "survey answers do not link to orders: no lost purchases measurable"
        return
    answers = ratings.to_numpy(dtype=float, na_value=np.nan)  # one per survey row, in file order like `rows`
    usable = (rows >= 0) & ~np.isnan(answers)
    values = np.full(len(facts), np.nan)
    # Reversed so that, for an order answered twice, the first answer is the one kept.
    values[rows[usable][::-1]] = answers[usable][::-1]
    linked = pd.Series(values, index=facts.index)
    effect = failure_effect(facts, linked <= DISSATISFIED_UP_TO, linked.notna(), ctx, cancellable=False, what="rated 1-3")
    shortfall = max(0.0, signal.target - signal.shrunk_value)
    # Only a repeat gap clear of chance is money: a dip within noise is reported in the notes, not priced.
    extra = shortfall * (ctx.orders_per_month or 0.0) * (signal.reach or 1.0) * (max(0.0, effect.repeat_gap) if effect.repeat_clear else 0.0)
    signal.extra_purchases_per_month = extra
    signal.money_basis = effect.basis() if effect.notes else "too few linked answers to measure lost repeat purchases"
    signal.money_at_stake = ctx.money(extra)


def _as_arrow(ids: pd.Series):
    """Ids as one Arrow string array, without a round trip through Python objects when they already are Arrow."""
    import pyarrow as pa

    text = ids.astype("string")
    arrow = pa.array(text.array) if hasattr(text.array, "__arrow_array__") else pa.array(text.tolist(), pa.string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return arrow.cast(pa.string()) if arrow.type != pa.string() else arrow


def net_promoter_score(survey: pd.DataFrame, level: float = 0.95) -> NetPromoterScore | None:
    """NPS with an interval from the promoter/detractor shares: an adjusted Wald interval on their difference.

    One pseudo-answer is added to each of the three groups before the interval is computed (the estimate itself is
    the observed score), so three promoters give a wide interval rather than "100 to 100".
    """
    if "recommend" not in survey:
        return None
    scores = survey["recommend"].dropna()
    n = len(scores)
    if n == 0:
        return None
    promoters = int((scores >= NPS_PROMOTER_FROM).sum())
    detractors = int((scores <= NPS_DETRACTOR_UP_TO).sum())
    score = (promoters - detractors) / n * 100
    adjusted_n = n + 3
    p, d = (promoters + 1) / adjusted_n, (detractors + 1) / adjusted_n
    variance = (p + d - (p - d) ** 2) / adjusted_n
    z = NormalDist().inv_cdf(0.5 + level / 2)
    half = z * variance ** 0.5 * 100
    centre = (p - d) * 100
    low, high = max(-100.0, centre - half), min(100.0, centre + half)
    # The interval always holds the observed score, even when the pseudo-answers pull its centre away.
    return NetPromoterScore(score, promoters, n - promoters - detractors, detractors, n, min(low, score), max(high, score))


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of a mean; the mean itself (no width) for fewer than two answers or no spread."""
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return mean, mean
    half = float(_special().stdtrit(n - 1, 0.5 + level / 2) * values.std(ddof=1) / np.sqrt(n))
    return mean - half, mean + half


@dataclass(frozen=True)
class ScaleSummary:
    """A journey-wide survey question: its mean with interval, and the share answering at or above `top_from`."""

    name: str
    n: int
    mean: float
    mean_ci: tuple[float, float]
    top: int  # answers at or above top_from
    top_from: float
    share: float
    share_ci: tuple[float, float]


def summarise_scale(survey: pd.DataFrame, column: str, top_from: float, level: float = 0.95) -> ScaleSummary | None:
    if column not in survey:
        return None
    values = survey[column].to_numpy(dtype="float64", na_value=np.nan)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return None
    top = int((values >= top_from).sum())
    return ScaleSummary(column, n, float(values.mean()), mean_interval(values, level), top, top_from, top / n,
                        wilson_interval(top, n, level))


def customer_effort(survey: pd.DataFrame, level: float = 0.95) -> ScaleSummary | None:
    """Customer Effort Score on the 1-7 agreement scale: the mean, and the share agreeing (5-7) that it was easy."""
    return summarise_scale(survey, "effort", EFFORT_AGREE, level)


def survey_kpis(survey: pd.DataFrame | None, level: float = 0.95) -> list:
    """Headline survey figures besides NPS: CSAT (overall 4-5 of 5), the satisfied share, and CES, each with n."""
    if survey is None or not len(survey):
        return []
    kpis = []
    ci = f"{level:.0%} interval"
    csat = summarise_scale(survey, "overall", TOP2BOX_FROM, level)
    if csat is not None:
        kpis.append(Kpi("Overall satisfaction (CSAT)", csat.share, "pct", csat.n,
                        f"rated 4-5 of 5, {ci} {pct(csat.share_ci[0])} to {pct(csat.share_ci[1])}; mean {csat.mean:.2f}/5"))
    satisfied = summarise_scale(survey, "satisfied", 1, level)
    if satisfied is not None:
        kpis.append(Kpi("Satisfied customers", satisfied.share, "pct", satisfied.n,
                        f"answered satisfied, {ci} {pct(satisfied.share_ci[0])} to {pct(satisfied.share_ci[1])}"))
    effort = customer_effort(survey, level)
    if effort is not None:
        kpis.append(Kpi("Customer Effort Score", effort.mean, "number", effort.n,
                        f"mean of 1-7 agreement that it was easy (7 = strongly agree), {ci} {effort.mean_ci[0]:.2f} to "
                        f"{effort.mean_ci[1]:.2f}; {pct(effort.share)} agree (5-7), {pct(effort.share_ci[0])} to {pct(effort.share_ci[1])}"))
    return kpis


__all__ = ["NetPromoterScore", "ScaleSummary", "customer_effort", "mean_interval", "net_promoter_score", "summarise_scale",
           "survey_kpis", "survey_signals"]
