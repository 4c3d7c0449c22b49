"""Where each signal's target comes from: the journey, a setting the client chose, the sourced benchmarks, or its own baseline."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..config import BusinessType, Metrics, Sector, load_model
from ..journey import StepKind
from .base import TargetBasis

if TYPE_CHECKING:
    from ..journey import Journey, Touchpoint, Transition
    from .context import SignalContext

BENCHMARK_FILE = Path(__file__).resolve().parent.parent / "config" / "benchmarks.yaml"
# Metrics read from the step-conversion table (by the kinds of the two steps); the others from `metrics:`.
CONVERSION_METRICS = ("conversion", "activity_conversion")
BUSINESS_LABELS = {"unknown": "any business", "online-shop": "online shop", "marketplace": "marketplace",
                   "local-service": "local service", "b2b": "B2B"}


# ---------------------------------------------------------------- the benchmark table


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SourceSpec(_Strict):
    publisher: str
    title: str
    year: int = Field(ge=1990, le=2100)
    figure: str


class RowSpec(_Strict):
    target: float = Field(ge=0, le=1)
    typical: float = Field(ge=0, le=1)
    sources: list[str] = Field(min_length=1)
    how: str
    business_types: list[str] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)


class ConversionRowSpec(RowSpec):
    source: StepKind = Field(alias="from")
    target_kind: StepKind = Field(alias="to")


class TableSpec(_Strict):
    sources: dict[str, SourceSpec]
    conversion: list[ConversionRowSpec] = Field(default_factory=list)
    metrics: dict[str, list[RowSpec]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_references(self) -> TableSpec:
        rows = [("conversion", r) for r in self.conversion] + [(m, r) for m, rs in self.metrics.items() for r in rs]
        for metric, row in rows:
            if metric not in Metrics.model_fields:
                raise ValueError(f"unknown metric {metric!r}")
            for name in row.sources:
                if name not in self.sources:
                    raise ValueError(f"{metric}: unknown source {name!r}; sources are: {', '.join(self.sources)}")
            for value, allowed in ((row.business_types, get_args(BusinessType)), (row.sectors, get_args(Sector))):
                unknown = [v for v in value if v not in allowed]
                if unknown:
                    raise ValueError(f"{metric}: unknown {', '.join(unknown)}; known: {', '.join(allowed)}")
        return self


@dataclass(frozen=True)
class BenchmarkSource:
    id: str
    publisher: str
    title: str
    year: int
    figure: str

    @property
    def short(self) -> str:
        return f"{self.publisher.split(' (')[0]} {self.year}"


@dataclass(frozen=True)
class Benchmark:
    """One row of the benchmark table: a planning target below (or above) which a step is genuinely poor."""

    metric: str
    target: float
    typical: float
    sources: tuple[BenchmarkSource, ...]
    how: str
    business_types: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    source_kind: str | None = None  # step conversion: the kinds of the two steps
    target_kind: str | None = None

    def applies(self, business_type: str, sector: str) -> int:
        """How specifically the row fits (higher is closer), or -1 when it does not apply."""
        if self.business_types and business_type not in self.business_types:
            return -1
        if self.sectors and sector not in self.sectors:
            return -1
        return 2 * bool(self.sectors) + bool(self.business_types)

    @property
    def cited(self) -> str:
        return "; ".join(s.short for s in self.sources)

    def note(self, business_type: str, sector: str) -> str:
        what = f"{self.source_kind} -> {self.target_kind}" if self.source_kind else self.metric.replace("_", " ")
        who = ", ".join(x for x in (BUSINESS_LABELS.get(business_type, business_type), sector if self.sectors else "") if x)
        typical = f"{self.typical:.0%}" if round(self.typical, 2) == round(self.typical, 3) else f"{self.typical:.1%}"
        return f"benchmark: {what}, {who}; typical {typical} ({self.cited})"


@dataclass(frozen=True)
class BenchmarkTable:
    sources: dict[str, BenchmarkSource]
    rows: tuple[Benchmark, ...]

    def find(self, metric: str, business_type: str = "unknown", sector: str = "general",
             source_kind: str | None = None, target_kind: str | None = None) -> Benchmark | None:
        """The most specific row for a metric (and, for step conversion, the two steps' kinds), or None."""
        table = "conversion" if metric in CONVERSION_METRICS else metric
        fits = [(row.applies(business_type, sector), row) for row in self.rows if row.metric == table
                and (table != "conversion" or (row.source_kind, row.target_kind) == (source_kind, target_kind))]
        fits = [(score, row) for score, row in fits if score >= 0]
        return max(fits, key=lambda f: f[0])[1] if fits else None


@functools.lru_cache(maxsize=4)
def load_benchmarks(path: Path = BENCHMARK_FILE) -> BenchmarkTable:
    """The shipped benchmark table, validated (a broken edit names its line)."""
    spec = load_model(path, TableSpec)
    sources = {k: BenchmarkSource(k, s.publisher, s.title, s.year, s.figure) for k, s in spec.sources.items()}

    def row(metric: str, r: RowSpec, kinds: tuple[str | None, str | None] = (None, None)) -> Benchmark:
        return Benchmark(metric, r.target, r.typical, tuple(sources[s] for s in r.sources), r.how,
                         tuple(r.business_types), tuple(r.sectors), *kinds)

    rows = [row("conversion", r, (r.source, r.target_kind)) for r in spec.conversion]
    rows += [row(metric, r) for metric, rs in spec.metrics.items() for r in rs]
    return BenchmarkTable(sources, tuple(rows))


# ---------------------------------------------------------------- resolution


@dataclass(frozen=True)
class Edge:
    """A step to the next one (two touchpoints, or two activities inside one touchpoint), with their kinds."""

    source: str
    target: str
    source_kind: str
    target_kind: str
    target_conversion: float | None = None  # written in the journey for this transition

    @classmethod
    def of(cls, journey: Journey, transition: Transition) -> Edge:
        a, b = journey.touchpoint(transition.source), journey.touchpoint(transition.target)
        return cls(a.id, b.id, a.kind, b.kind, transition.target_conversion)


@dataclass(frozen=True)
class TargetChoice:
    """A signal's target and where it came from. `value` None: nothing set one; judge the step on its own baseline."""

    value: float | None
    basis: TargetBasis
    note: str
    benchmark: Benchmark | None = None


def resolve_target(metric: str, touchpoint: Touchpoint | None, edge: Edge | None, ctx: SignalContext) -> TargetChoice:
    """A signal's target, in this order: the journey (the transition's target_conversion, then the touchpoint's
    `targets:`), a target the client set in audit.yaml settings, the benchmark table (by step kinds for conversion,
    by business type and sector), the settings default where the metric has one, else None: its own baseline."""
    settings = ctx.settings
    if edge is not None and edge.target_conversion is not None and metric == "conversion":
        return TargetChoice(edge.target_conversion, TargetBasis.JOURNEY, f"set in the journey file for {edge.source} -> {edge.target}")
    if touchpoint is not None and metric in touchpoint.targets:
        return TargetChoice(touchpoint.targets[metric], TargetBasis.JOURNEY, f"set in the journey file for {touchpoint.id}")
    rule = getattr(settings.metrics, metric)
    if "target" in rule.model_fields_set and rule.target is not None:
        return TargetChoice(rule.target, TargetBasis.SETTINGS, f"set in this engagement's settings (metrics.{metric}.target)")
    kinds = (edge.source_kind, edge.target_kind) if edge is not None else (None, None)
    if settings.targets.benchmarks:
        found = load_benchmarks().find(metric, ctx.business_type, ctx.sector, *kinds)
        if found is not None:
            return TargetChoice(found.target, TargetBasis.BENCHMARK, found.note(ctx.business_type, ctx.sector), found)
    if rule.target is not None:
        return TargetChoice(rule.target, TargetBasis.DEFAULT, f"general planning default; no published benchmark fits (metrics.{metric}.target)")
    where = f" for {kinds[0]} -> {kinds[1]}" if edge is not None else ""
    who = BUSINESS_LABELS.get(ctx.business_type, ctx.business_type)
    return TargetChoice(None, TargetBasis.BASELINE,
                        f"baseline: no target in the journey or settings and no benchmark{where} ({who}); judged against its own earlier level")
