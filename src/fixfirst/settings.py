"""Every threshold and weight of the audit, in one typed model that audit.yaml can override."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class MetricRule(_Strict):
    """How one kind of friction signal turns into severity.

    severity = clip(shortfall / critical_gap, 0, 1), where the shortfall is how far the
    (shrunk) value sits on the wrong side of `target`. `weight` caps what a maxed-out signal
    of this kind can add to a touchpoint's severity.
    """

    target: float = Field(ge=0, le=1)
    critical_gap: float = Field(gt=0, le=1)
    weight: float = Field(ge=0, le=1)


class Metrics(_Strict):
    """One rule per signal metric; all metrics are proportions between 0 and 1."""

    top2box: MetricRule = MetricRule(target=0.80, critical_gap=0.30, weight=0.7)
    conversion: MetricRule = MetricRule(target=0.60, critical_gap=0.30, weight=0.9)
    promise_breach: MetricRule = MetricRule(target=0.05, critical_gap=0.20, weight=1.0)
    late_dispatch: MetricRule = MetricRule(target=0.05, critical_gap=0.25, weight=0.6)
    stockout: MetricRule = MetricRule(target=0.02, critical_gap=0.10, weight=0.9)
    returns: MetricRule = MetricRule(target=0.08, critical_gap=0.15, weight=0.6)
    repeat: MetricRule = MetricRule(target=0.25, critical_gap=0.20, weight=0.5)
    complaint_share: MetricRule = MetricRule(target=0.05, critical_gap=0.20, weight=0.5)


class Scoring(_Strict):
    shrinkage_strength: float = Field(
        default=30.0,
        ge=0,
        description="Pseudo-observations placed at the target before the data speaks (empirical-Bayes style prior).",
    )
    reach_floor: float = Field(
        default=0.5, ge=0, le=1, description="Score multiplier for a touchpoint nobody passes; 1.0 for one everybody passes."
    )
    weak_spot_min_score: float = Field(default=10.0, ge=0, le=100, description="A touchpoint scoring this or more is a weak spot.")
    high_confidence_n: int = Field(default=300, ge=1, description="Sample size that earns high confidence from one source alone.")
    ci_level: float = Field(default=0.95, gt=0.5, lt=1, description="Confidence level of every interval.")


class Verdict(_Strict):
    block_score: float = Field(
        default=30.0, ge=0, le=100, description="A weak spot at or above this score blocks marketing (FIX FIRST)."
    )
    block_confidence: Literal["low", "medium", "high"] = Field(default="medium", description="Least confidence a blocking weak spot needs.")
    min_orders_for_ready: int = Field(default=100, ge=1, description="Fewest in-stock orders with a delivery outcome before any verdict but FIX FIRST is given.")


class Orders(_Strict):
    dispatch_target_business_days: int = Field(default=1, ge=0, description="Working days from payment to dispatch before an order counts as dispatched late.")
    repeat_window_days: int = Field(default=60, ge=1, description="Days after a first order within which a second one counts as a repeat purchase.")


class Feedback(_Strict):
    negative_rating_max: int = Field(default=2, ge=1, le=5, description="A feedback rating at or below this is a complaint.")
    quotes_per_touchpoint: int = Field(default=3, ge=0, le=10, description="Representative complaints quoted per touchpoint (redacted).")


class Ingest(_Strict):
    max_file_mb: float = Field(default=300.0, gt=0, description="Refuse input files larger than this.")
    max_uncompressed_mb: float = Field(default=2048.0, gt=0, description="Refuse workbooks that unpack to more than this.")
    max_compression_ratio: float = Field(default=150.0, gt=1, description="Refuse workbooks packed tighter than this (zip bombs).")
    max_rows: int = Field(default=1_048_576, ge=1, description="Refuse sheets or CSVs with more data rows than this.")
    detailed_problems_per_column: int = Field(default=25, ge=1, description="Problems listed one by one per column and reason; the rest are counted.")


class Capacity(_Strict):
    min_days_per_volume_band: int = Field(default=3, ge=1, description="Fewest days in a daily-volume band of the capacity outlook.")


class Settings(_Strict):
    """The whole tunable surface of an audit. Defaults are documented benchmarks, not client data."""

    metrics: Metrics = Metrics()
    scoring: Scoring = Scoring()
    verdict: Verdict = Verdict()
    orders: Orders = Orders()
    feedback: Feedback = Feedback()
    ingest: Ingest = Ingest()
    capacity: Capacity = Capacity()


def merge_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `overrides` into `base` so a YAML file can change one leaf and keep the rest."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_with(overrides: dict[str, Any] | None) -> Settings:
    """Default settings with a (possibly nested, partial) override mapping applied."""
    if not overrides:
        return Settings()
    return Settings.model_validate(merge_overrides(Settings().model_dump(), overrides))
