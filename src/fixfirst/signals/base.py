"""FrictionSignal, its evidence, and the statistics every signal shares (Wilson interval, shrinkage)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from statistics import NormalDist
from typing import Any

from ..config import MetricRule, Settings
from .redaction import redact


class TargetBasis(str, Enum):
    """Where a signal's target came from: every signal says which basis judged it (docs/settings.md, Targets)."""

    JOURNEY = "journey"  # a target written in journey.yaml (transition target_conversion, touchpoint targets)
    SETTINGS = "settings"  # a target set explicitly in audit.yaml settings
    BENCHMARK = "benchmark"  # the sourced benchmark table, by step kind and business type
    BASELINE = "baseline"  # the business's own earlier level: judged on getting worse and staying worse
    SEGMENT = "segment"  # the other segments (device, channel, new vs returning) of the same step
    DEFAULT = "default"  # the settings model's generic default, documented with its source


@dataclass(frozen=True)
class Evidence:
    """A fact, a breakdown line or a customer quote that backs a signal.

    Evidence is written for the client's report, and may carry client text (item names, return reasons,
    quotes): e-mail addresses and phone numbers are redacted here, once, for every kind.
    """

    text: str
    kind: str = "fact"  # fact | breakdown | quote
    n: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", redact(self.text))


@dataclass
class FrictionSignal:
    """One measured symptom of friction at a touchpoint (or on the edge leaving it).

    All values are proportions. `value` is observed; `shrunk_value` pulls it toward the target
    by `shrinkage_strength` pseudo-observations so that small samples cannot outrank large ones
    on noise; severity is computed from the shrunk value.
    """

    touchpoint: str
    metric: str
    label: str
    source: str
    value: float
    target: float
    higher_is_better: bool
    n: int
    ci_low: float
    ci_high: float
    shrunk_value: float
    severity: float
    weight: float
    money_at_stake: float = 0.0
    reach: float | None = None
    edge: tuple[str, str] | None = None
    evidence: list[Evidence] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    # Purchases per month that meeting the target would win back, and how that was measured: the money model reads
    # these typed fields (never the label or `detail`).
    extra_purchases_per_month: float = 0.0
    money_basis: str = ""
    survey_column: str | None = None  # the survey column a rating signal reads ("rating:Checkout (1-5)")
    basis: TargetBasis = TargetBasis.DEFAULT
    judged: bool = True  # False: measured only, nothing set a target and its own history cannot say (severity 0)
    ended: bool = False  # the failure is over before the data ends (an incident that stopped): a finding, not a block
    basis_note: str = ""  # what exactly set the target, e.g. "benchmark: checkout -> payment, online shop"

    def __repr__(self) -> str:
        # One line: the generated repr prints every piece of evidence and the whole `detail`.
        where = f"{self.edge[0]}->{self.edge[1]}" if self.edge else self.touchpoint
        target = f"target {self.target:.3g}" if self.judged else "not judged"
        return (f"<FrictionSignal {self.metric} at {where!r} ({self.source}): {self.value:.3g} vs {target}, "
                f"severity {self.severity:.2f}, n={self.n:,}>")

    @property
    def clear(self) -> bool:
        """The whole confidence interval sits on the wrong side of the target."""
        return self.ci_high < self.target if self.higher_is_better else self.ci_low > self.target

    @property
    def shortfall(self) -> float:
        gap = self.target - self.value if self.higher_is_better else self.value - self.target
        return max(0.0, gap)

    def to_dict(self) -> dict[str, Any]:
        return {
            "touchpoint": self.touchpoint,
            "edge": list(self.edge) if self.edge else None,
            "metric": self.metric,
            "label": self.label,
            "source": self.source,
            "value": round(self.value, 4),
            "target": round(self.target, 4),
            "higher_is_better": self.higher_is_better,
            "n": self.n,
            "ci": [round(self.ci_low, 4), round(self.ci_high, 4)],
            "shrunk_value": round(self.shrunk_value, 4),
            "severity": round(self.severity, 4),
            "weight": self.weight,
            "money_at_stake": round(self.money_at_stake, 2),
            "extra_purchases_per_month": round(self.extra_purchases_per_month, 2),
            "money_basis": self.money_basis,
            "reach": None if self.reach is None else round(self.reach, 4),
            "basis": self.basis.value,
            "judged": self.judged,
            "ended": self.ended,
            "basis_note": self.basis_note,
            "evidence": [e.text for e in self.evidence],
        }


def wilson_interval(successes: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: sane at 0%, 100% and small n, unlike p +/- z*se."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # All-or-nothing samples end exactly at 0 or 1: rounding must not make a perfect record miss a zero target.
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def severity_of(value: float, rule_target: float, critical_gap: float, higher_is_better: bool) -> float:
    gap = rule_target - value if higher_is_better else value - rule_target
    return min(1.0, max(0.0, gap / critical_gap))


def proportion_signal(*, touchpoint: str, metric: str, label: str, source: str, hits: float, n: int,
                      higher_is_better: bool, settings: Settings, target: float | None = None,
                      **extra: Any) -> FrictionSignal:
    """Build a signal from `hits` out of `n` (hits are the good outcomes when higher is better)."""
    rule: MetricRule = getattr(settings.metrics, metric)
    target = rule.target if target is None else target
    if target is None:  # metrics such as conversion have no default: fixfirst.signals.targets.resolve_target gives one
        raise ValueError(f"no target for metric {metric!r}: resolve one with fixfirst.signals.targets.resolve_target")
    strength = settings.scoring.shrinkage_strength
    value = hits / n if n else 0.0
    shrunk = (hits + strength * target) / (n + strength) if (n + strength) else target
    low, high = wilson_interval(hits, n, settings.scoring.ci_level)
    return FrictionSignal(
        touchpoint=touchpoint, metric=metric, label=label, source=source, value=value, target=target,
        higher_is_better=higher_is_better, n=int(n), ci_low=low, ci_high=high, shrunk_value=shrunk,
        severity=severity_of(shrunk, target, rule.critical_gap, higher_is_better), weight=rule.weight, **extra,
    )


def pct(value: float, digits: int = 0) -> str:
    return f"{value * 100:.{digits}f}%"


@dataclass(frozen=True)
class Kpi:
    """A headline figure with its sample size; `unit` says how to show it (pct, money, count, nps, number)."""

    name: str
    value: float
    unit: str
    n: int | None = None
    note: str = ""
