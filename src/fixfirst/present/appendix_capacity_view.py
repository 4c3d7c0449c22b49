"""What the capacity appendix shows, as written text: the decision's figures, the projection, the history, the cross-check."""

from __future__ import annotations

from dataclasses import dataclass, field

from .charts.capacity_chart import BacktestChart, LeadChart


@dataclass(frozen=True)
class KeyFigure:
    """One of the decision's figures as page 1 writes it, with the model it comes from."""

    key: str  # usual-week | headroom | campaign | campaign-late
    label: str
    value: str
    basis: str


@dataclass(frozen=True)
class StepRow:
    name: str
    capacity: str
    how: str
    weekdays: str  # "Mon 68, Tue 55, ..." or ""
    load: str
    peak_queue: str


@dataclass(frozen=True)
class ScenarioRow:
    key: str  # baseline | campaign
    name: str
    orders_per_week: str
    lead_times: str  # "1 / 2 / 2"
    late: str


@dataclass(frozen=True)
class BacktestRow:
    key: str  # projected | observed | tolerance
    label: str
    late: str
    lead: str


@dataclass(frozen=True)
class BacktestView:
    status: str  # passed | failed | not_possible
    text: str
    observed_note: str  # what the observed recent orders decide
    rows: list[BacktestRow] = field(default_factory=list)
    chart: BacktestChart | None = None
    caption: str = ""


@dataclass(frozen=True)
class ProjectionView:
    """The day-by-day model: demand, steps, delivery, scenarios, chart and its backtest."""

    heading: str
    warning: str  # set when it does not reproduce history
    intro: str
    steps: list[StepRow]
    load_heading: str
    delivery: str
    scenarios: list[ScenarioRow]
    orders_heading: str
    late_heading: str
    chart: LeadChart | None
    chart_caption: str
    backtest: BacktestView | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BandRow:
    volume: str
    days: str
    orders: str
    missed: str
    interval: str
    campaign: bool  # the band the campaign's daily volume falls in


@dataclass(frozen=True)
class HistoryView:
    """The order history's reading: how often the promise held on past days of each volume."""

    heading: str
    paragraphs: list[str]
    bands: list[BandRow]
    footnote: str


@dataclass(frozen=True)
class KpiCell:
    name: str
    value: str
    n: str


@dataclass(frozen=True)
class KpiRow:
    cells: list[KpiCell | None]  # one per side shown (marketing, operations)


@dataclass(frozen=True)
class CapacityAppendix:
    letter: str
    title: str
    basis_note: str  # which model the decision uses, and why
    key_figures: list[KeyFigure]
    headroom: str  # the decision's headroom in one sentence
    history_first: bool  # the order history is the decision's basis: it comes first, the projection is the cross-check
    projection: ProjectionView | None
    history: HistoryView | None
    cross_check: list[str]  # the other model's figures, each once, and why the decision does not use them
    no_projection: str  # why there is no day-by-day projection
    kpi_sides: list[str]  # "Marketing", "Operations": the sides with figures
    kpis: list[KpiRow]
    kpi_notes: list[str]
