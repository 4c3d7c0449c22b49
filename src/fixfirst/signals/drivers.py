"""Key-driver analysis: how strongly each touchpoint rating drives the survey's overall outcome."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import Settings
from ..journey import Journey
from .base import Evidence, FrictionSignal, pct, wilson_interval
from .survey import TOP2BOX_FROM

# What each outcome is called in a sentence: "Drives <label>".
OUTCOME_LABELS = {
    "overall": "overall satisfaction",
    "recommend": "likelihood to recommend",
    "satisfied": "the share of satisfied customers",
}
AUTO_ORDER = ("overall", "recommend", "satisfied")
RATING_PREFIX = "rating:"
CONCENTRATE = "Concentrate here"
KEEP_UP = "Keep up the good work"
LOW_PRIORITY = "Low priority"
OVERKILL = "Possible overkill"
# Eigenvalues of the ratings' correlation matrix below this fraction of the largest mean an exact linear
# dependence (a rating that is a copy or a sum of others): regression coefficients are then not identified.
SINGULAR = 1e-10


def _special():
    """scipy.special, imported on first use; scipy.stats would cost most of a second more at every run."""
    from scipy import special

    return special


@dataclass(frozen=True)
class Driver:
    """One touchpoint rating as a driver of the outcome, with its importance and its performance."""

    column: str  # the survey header, as named in the journey file
    touchpoints: tuple[str, ...]
    rank: int  # 1 = most important
    raw_weight: float  # Johnson's relative weight; the drivers' weights sum to R²
    share: float  # raw_weight / R²: share of the explained variance
    beta: float  # standardised OLS coefficient (nan when collinearity makes it unidentified)
    std_error: float
    t: float
    p_value: float
    significant: bool
    vif: float  # variance inflation factor: 1 / (1 - R² of this rating on the others)
    collinear: bool
    correlation: float  # zero-order correlation with the outcome (complete responses)
    n_answered: int  # respondents who rated it: the base of performance
    top2: int
    performance: float  # top-2-box share (4-5 of 5) among n_answered
    performance_ci: tuple[float, float]
    mean_rating: float
    quadrant: str

    @property
    def p_text(self) -> str:
        return p_text(self.p_value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "column": self.column,
            "touchpoints": list(self.touchpoints),
            "raw_weight": _round(self.raw_weight, 5),
            "share": _round(self.share, 4),
            "beta": _round(self.beta, 4),
            "std_error": _round(self.std_error, 5),
            "t": _round(self.t, 3),
            "p_value": None if math.isnan(self.p_value) else float(f"{self.p_value:.3g}"),
            "significant": self.significant,
            "vif": None if not math.isfinite(self.vif) else round(self.vif, 3),
            "collinear": self.collinear,
            "correlation": _round(self.correlation, 4),
            "n_answered": self.n_answered,
            "performance": _round(self.performance, 4),
            "performance_ci": [_round(self.performance_ci[0], 4), _round(self.performance_ci[1], 4)],
            "mean_rating": _round(self.mean_rating, 3),
            "quadrant": self.quadrant,
        }


@dataclass(frozen=True)
class ExcludedDriver:
    column: str
    touchpoints: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "touchpoints": list(self.touchpoints), "reason": self.reason}


@dataclass(frozen=True)
class DriverAnalysis:
    """Touchpoint ratings ranked by how much of the outcome's variance each explains (listwise complete responses)."""

    outcome: str  # overall | recommend | satisfied
    outcome_label: str
    n: int  # complete responses used: outcome and every driver in the model answered
    n_responses: int  # survey rows
    n_outcome: int  # rows answering the outcome
    r_squared: float
    adjusted_r_squared: float
    f_statistic: float
    f_p_value: float
    drivers: tuple[Driver, ...]  # rank order
    excluded: tuple[ExcludedDriver, ...]
    importance_split: float
    performance_split: float
    split_rule: str  # mean | median
    significance_level: float
    skipped: bool = False

    def __repr__(self) -> str:
        # One line: the generated repr prints every driver and every rating left out.
        top = f", top {self.drivers[0].column[:40]!r}" if self.drivers else ""
        return (f"<DriverAnalysis of {self.outcome}: {len(self.drivers)} drivers on {self.n:,} complete responses, "
                f"R² {self.r_squared:.2f}{top}>")

    def driver(self, column: str) -> Driver | None:
        return next((d for d in self.drivers if d.column == column), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "method": "johnson_relative_weights",
            "missing": "listwise",
            "n": self.n,
            "n_responses": self.n_responses,
            "n_outcome": self.n_outcome,
            "r_squared": round(self.r_squared, 4),
            "adjusted_r_squared": round(self.adjusted_r_squared, 4),
            "f_statistic": _round(self.f_statistic, 2),
            "f_p_value": None if math.isnan(self.f_p_value) else float(f"{self.f_p_value:.3g}"),
            "significance_level": self.significance_level,
            "quadrant_split": {"rule": self.split_rule, "importance": round(self.importance_split, 4),
                               "performance": round(self.performance_split, 4)},
            "drivers": [d.to_dict() for d in self.drivers],
            "excluded": [e.to_dict() for e in self.excluded],
            "skipped": None,
        }


@dataclass(frozen=True)
class DriversSkipped:
    """The analysis could not be run on this survey; `reason` says why in plain words."""

    reason: str
    outcome: str | None
    n: int  # complete responses there were
    excluded: tuple[ExcludedDriver, ...] = ()
    skipped: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "n": self.n, "drivers": [], "excluded": [e.to_dict() for e in self.excluded],
                "skipped": self.reason}


def p_text(p: float) -> str:
    if math.isnan(p):
        return "p not estimable"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _round(value: float, digits: int) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def relative_weights(corr_xx: np.ndarray, corr_xy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from the predictors' correlation matrix and their correlations with y.

    The predictors are replaced by their closest orthogonal counterparts Z (Λ = Rxx^½ holds the correlations
    between X and Z), y is regressed on Z, and each predictor gets its share of every Z's contribution:
    ε_j = Σ_k Λ_jk² β_k². The weights sum to the model R², and stay meaningful under collinearity, where
    regression coefficients do not.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(corr_xx)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    root = np.sqrt(eigenvalues)
    lam = (eigenvectors * root) @ eigenvectors.T
    usable = eigenvalues > SINGULAR * eigenvalues.max()
    inverse_root = np.where(usable, 1.0 / np.where(usable, root, 1.0), 0.0)
    beta_z = ((eigenvectors * inverse_root) @ eigenvectors.T) @ corr_xy
    return (lam ** 2) @ (beta_z ** 2)


@dataclass(frozen=True)
class _Regression:
    beta: np.ndarray
    std_error: np.ndarray
    t: np.ndarray
    p: np.ndarray
    vif: np.ndarray
    r_squared: float
    f: float
    f_p: float


def standardised_regression(corr_xx: np.ndarray, corr_xy: np.ndarray, n: int) -> _Regression:
    """OLS of the standardised outcome on the standardised predictors, with classical t-tests.

    From correlations alone: β = Rxx⁻¹ r, R² = r'β, se_j = √((1 − R²)/(n − k − 1) · VIF_j), VIF_j = (Rxx⁻¹)_jj.
    Predictors caught in an exact linear dependence get nan (their split of the effect is arbitrary).
    """
    k = len(corr_xy)
    df = n - k - 1
    eigenvalues, eigenvectors = np.linalg.eigh(corr_xx)
    usable = eigenvalues > SINGULAR * max(eigenvalues.max(), 0.0)
    inverse = (eigenvectors[:, usable] / eigenvalues[usable]) @ eigenvectors[:, usable].T
    beta = inverse @ corr_xy
    r_squared = float(np.clip(corr_xy @ beta, 0.0, 1.0))
    vif = np.diag(inverse).copy()
    unidentified = np.zeros(k, dtype=bool)
    if not usable.all():
        unidentified = (np.abs(eigenvectors[:, ~usable]) > 1e-6).any(axis=1)
        vif[unidentified] = np.inf
    residual = max(1.0 - r_squared, 0.0) / df
    std_error = np.sqrt(residual * vif)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta / std_error
    p = 2 * _special().stdtr(df, -np.abs(t))  # two-sided: twice the t distribution's lower tail at -|t|
    beta, std_error, t, p = (np.where(unidentified, np.nan, a) for a in (beta, std_error, t, p))
    if r_squared < 1:
        f = (r_squared / k) / ((1 - r_squared) / df)
        f_p = float(_special().fdtrc(k, df, f))  # the F distribution's upper tail
    else:
        f, f_p = math.inf, 0.0
    return _Regression(beta, std_error, t, p, vif, r_squared, float(f), f_p)


def choose_outcome(survey: pd.DataFrame, wanted: str) -> tuple[str, None] | tuple[None, str]:
    """(outcome column, None) or (None, why not)."""
    answered = {name: name in survey and survey[name].notna().any() for name in AUTO_ORDER}
    if wanted != "auto":
        if answered[wanted]:
            return wanted, None
        return None, f"settings.drivers.outcome is {wanted!r}, but the survey has no answered {wanted!r} field"
    for name in AUTO_ORDER:
        if answered[name]:
            return name, None
    return None, "the survey has no overall outcome (an overall rating, a 0-10 recommend score or a satisfied yes/no)"


def driver_columns(survey: pd.DataFrame, journey: Journey | None) -> dict[str, tuple[str, ...]]:
    """Every rating column of the survey (by its header) with the touchpoints that name it."""
    owners: dict[str, list[str]] = {}
    if journey is not None:
        for tp in journey.touchpoints:
            for header in tp.survey:
                owners.setdefault(header, []).append(tp.id)
    headers = [c[len(RATING_PREFIX):] for c in survey.columns if isinstance(c, str) and c.startswith(RATING_PREFIX)]
    return {h: tuple(dict.fromkeys(owners.get(h, ()))) for h in headers}


def _as_float(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):  # never expected for typed fields, but cheap to survive
        column = column.astype(object)
    return column.to_numpy(dtype="float64", na_value=np.nan)


def key_drivers(survey: pd.DataFrame, journey: Journey | None, settings: Settings) -> DriverAnalysis | DriversSkipped:
    """Rank the survey's touchpoint ratings by Johnson's relative weight on the outcome.

    Missing answers: listwise. A respondent counts when they answered the outcome and every rating in the
    model; ratings answered by fewer than `drivers.min_answer_share` of the outcome's respondents are left
    out of the model first (a touchpoint few customers meet would otherwise shrink the sample for all).
    """
    rules = settings.drivers
    choice = choose_outcome(survey, rules.outcome)
    if choice[0] is None:
        return DriversSkipped(choice[1], None, 0)
    outcome = choice[0]
    owners = driver_columns(survey, journey)
    y = _as_float(survey[outcome])
    has_y = ~np.isnan(y)
    n_outcome = int(has_y.sum())
    ratings = {h: _as_float(survey[RATING_PREFIX + h]) for h in owners}
    excluded: list[ExcludedDriver] = []
    kept: list[str] = []
    for header, values in ratings.items():
        answered = int((~np.isnan(values) & has_y).sum())
        if n_outcome and answered < rules.min_answer_share * n_outcome:
            excluded.append(ExcludedDriver(header, owners[header], f"answered by {answered:,} of the {n_outcome:,} respondents who gave "
                                           f"the outcome ({pct(answered / n_outcome)}), below drivers.min_answer_share "
                                           f"{pct(rules.min_answer_share)}"))
        else:
            kept.append(header)
    while True:
        complete = has_y.copy()
        for header in kept:
            complete &= ~np.isnan(ratings[header])
        n = int(complete.sum())
        constant = [h for h in kept if n and np.ptp(ratings[h][complete]) == 0]
        if not constant:
            break
        for header in constant:
            kept.remove(header)
            excluded.append(ExcludedDriver(header, owners[header], "every complete response gave it the same rating: it cannot explain differences"))
    if len(kept) < 2:
        return DriversSkipped(f"{len(kept)} touchpoint rating(s) usable as drivers; at least 2 are needed", outcome, n, tuple(excluded))
    needed = max(rules.min_complete_responses, len(kept) + 2)
    if n < needed:
        return DriversSkipped(f"{n:,} responses answered the outcome and every rating; at least {needed:,} are needed "
                              "(drivers.min_complete_responses)", outcome, n, tuple(excluded))
    matrix = np.column_stack([ratings[h][complete] for h in kept] + [y[complete]])
    if np.ptp(matrix[:, -1]) == 0:
        return DriversSkipped(f"every complete response gave the same {outcome} answer: nothing to explain", outcome, n, tuple(excluded))
    corr = np.corrcoef(matrix, rowvar=False)
    corr_xx, corr_xy = corr[:-1, :-1], corr[:-1, -1]
    weights = relative_weights(corr_xx, corr_xy)
    ols = standardised_regression(corr_xx, corr_xy, n)
    r_squared = float(weights.sum())
    k = len(kept)
    shares = weights / r_squared if r_squared > 0 else np.zeros(k)
    level = settings.scoring.ci_level
    performance = []
    for header in kept:
        answered = ratings[header][~np.isnan(ratings[header])]
        top2 = int((answered >= TOP2BOX_FROM).sum())
        performance.append((len(answered), top2, top2 / len(answered), wilson_interval(top2, len(answered), level), float(answered.mean())))
    split = np.median if rules.quadrant_split == "median" else np.mean
    importance_split = float(split(shares))
    performance_split = float(split([p[2] for p in performance]))
    order = sorted(range(k), key=lambda i: (-weights[i], kept[i]))
    drivers = []
    for rank, i in enumerate(order, start=1):
        n_answered, top2, perf, ci, mean = performance[i]
        p = float(ols.p[i])
        drivers.append(Driver(
            column=kept[i], touchpoints=owners[kept[i]], rank=rank, raw_weight=float(weights[i]), share=float(shares[i]),
            beta=float(ols.beta[i]), std_error=float(ols.std_error[i]), t=float(ols.t[i]), p_value=p,
            significant=bool(p < rules.significance_level), vif=float(ols.vif[i]), collinear=bool(ols.vif[i] > rules.max_vif),
            correlation=float(corr_xy[i]), n_answered=n_answered, top2=top2, performance=perf, performance_ci=ci,
            mean_rating=mean, quadrant=quadrant(shares[i], perf, importance_split, performance_split)))
    df = n - k - 1
    return DriverAnalysis(
        outcome=outcome, outcome_label=OUTCOME_LABELS[outcome], n=n, n_responses=len(survey), n_outcome=n_outcome,
        r_squared=r_squared, adjusted_r_squared=1 - (1 - r_squared) * (n - 1) / df, f_statistic=ols.f, f_p_value=ols.f_p,
        drivers=tuple(drivers), excluded=tuple(excluded), importance_split=importance_split,
        performance_split=performance_split, split_rule=rules.quadrant_split, significance_level=rules.significance_level)


def quadrant(importance: float, performance: float, importance_split: float, performance_split: float) -> str:
    """Importance-performance quadrant; a value exactly on a split line counts as high."""
    important = importance >= importance_split
    performing = performance >= performance_split
    if important:
        return KEEP_UP if performing else CONCENTRATE
    return OVERKILL if performing else LOW_PRIORITY


def driver_sentence(analysis: DriverAnalysis, driver: Driver) -> str:
    significance = driver.p_text if driver.significant or math.isnan(driver.p_value) else f"{driver.p_text}, not significant"
    sentence = (f"Drives {analysis.outcome_label}: {pct(driver.share)} of what the ratings explain together, rank {driver.rank} of "
                f"{len(analysis.drivers)} ({significance}; n={analysis.n:,} complete responses).")
    if driver.significant and driver.beta < 0:
        # A relative weight has no sign: say so when the rating pulls the other way once the rest are held equal.
        sentence += (" With the other ratings held equal its coefficient is negative: its weight comes through what it shares "
                     "with them, not from better ratings of it raising the outcome.")
    if driver.collinear:
        sentence += f" Its ratings overlap strongly with others (VIF {driver.vif:.1f}): its coefficient is unstable, its share is not."
    return sentence


def attach_driver_evidence(signals: list[FrictionSignal], analysis: DriverAnalysis | DriversSkipped | None) -> None:
    """Each survey top-2-box signal says how strongly its rating drives the outcome (scores are not changed)."""
    if analysis is None:
        return
    ranked = analysis if isinstance(analysis, DriverAnalysis) else None
    drivers = {d.column: d for d in ranked.drivers} if ranked is not None else {}
    excluded = {e.column: e for e in analysis.excluded}
    for signal in signals:
        header = signal.detail.get("survey_header")
        if signal.metric != "top2box" or header is None:
            continue
        if ranked is not None and header in drivers:
            driver = drivers[header]
            signal.detail["driver"] = {"rank": driver.rank, "share": driver.share, "p_value": driver.p_value, "quadrant": driver.quadrant}
            signal.evidence.append(Evidence(driver_sentence(ranked, driver), n=ranked.n))
        elif header in excluded:
            signal.evidence.append(Evidence(f"Left out of the key-driver analysis: {excluded[header].reason}.", n=signal.n))


__all__ = [
    "CONCENTRATE", "KEEP_UP", "LOW_PRIORITY", "OVERKILL", "Driver", "DriverAnalysis", "DriversSkipped", "ExcludedDriver",
    "attach_driver_evidence", "choose_outcome", "driver_columns", "key_drivers", "quadrant", "relative_weights",
    "standardised_regression",
]
