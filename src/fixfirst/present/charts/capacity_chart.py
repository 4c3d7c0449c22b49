"""Layout of the capacity charts: projected lead time by day against the promise, and the backtest week by week."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..numbers import Formatter


@dataclass(frozen=True)
class ChartLine:
    name: str
    points: str  # SVG polyline points "x,y x,y ..."
    colour: str
    dash: str = ""


@dataclass(frozen=True)
class ChartLabel:
    """A piece of text placed on the chart: where its anchor sits and how it is aligned (SVG text-anchor)."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


# Axis labels sit this far from the plot's edge (SVG user units, about points).
Y_LABEL_GAP, X_LABEL_DROP = 6.0, 13.0


@dataclass
class ChartFrame:
    """The drawing area of a small SVG chart: its size and the plot's margins.

    Templates place only what this computes (positions rounded to a tenth of a unit), never add or subtract.
    """

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    # (position, text) of each axis tick; keyword-only so each chart's own fields can follow without defaults.
    y_ticks: list[tuple[float, str]] = field(default_factory=list, kw_only=True)
    x_ticks: list[tuple[float, str]] = field(default_factory=list, kw_only=True)

    @property
    def plot_width(self) -> float:
        return round(self.right - self.left, 1)

    @property
    def plot_height(self) -> float:
        return round(self.bottom - self.top, 1)

    @property
    def y_labels(self) -> list[ChartLabel]:
        """Tick labels left of the plot, from the chart's `y_ticks`."""
        return [ChartLabel(round(self.left - Y_LABEL_GAP, 1), round(ty + 3, 1), text, "end") for ty, text in self.y_ticks]

    @property
    def x_labels(self) -> list[ChartLabel]:
        return [ChartLabel(round(tx, 1), round(self.bottom + X_LABEL_DROP, 1), text) for tx, text in self.x_ticks]


@dataclass
class LeadChart(ChartFrame):
    promise_y: float
    promise_label: str
    campaign_band: tuple[float, float] | None
    lines: list[ChartLine] = field(default_factory=list)

    @property
    def band_x(self) -> float | None:
        return None if self.campaign_band is None else round(self.campaign_band[0], 1)

    @property
    def band_width(self) -> float | None:
        return None if self.campaign_band is None else round(self.campaign_band[1] - self.campaign_band[0], 1)

    @property
    def promise_line_y(self) -> float:
        return round(self.promise_y, 1)

    @property
    def promise_text(self) -> ChartLabel:
        return ChartLabel(round(self.right - 4, 1), round(self.promise_y - 4, 1), self.promise_label, "end")


def layout_lead_chart(sim, fmt: Formatter | None = None, width: float = 640, height: float = 190) -> LeadChart | None:
    """85th-percentile lead time of the orders placed each day (working days), baseline and campaign, with the promise.

    The caption goes beside the chart in the page, not inside it: SVG text does not wrap and ran off the right edge.
    """
    fmt = fmt or Formatter()
    if sim is None:
        return None
    scenarios = [s for s in (sim.baseline, sim.campaign) if s is not None]
    values = [v for s in scenarios for v in s.daily.p85 if not math.isnan(v)]
    if not values:
        return None
    left, right, top, bottom = 44.0, width - 12, 14.0, height - 20
    top_value = max(max(values), sim.promise_days) + 1
    days = len(scenarios[0].daily.dates)

    def x(i: int) -> float:
        return left + (right - left) * (i / max(1, days - 1))

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v / top_value)

    colours = {"baseline": "#2F5D50", "campaign": "#B3261E"}
    lines = []
    for s in scenarios:
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.daily.p85) if not math.isnan(v))
        lines.append(ChartLine(s.name, pts, colours.get(s.name, "#444"), "" if s.name == "campaign" else "4 3"))
    band = None
    dates = scenarios[0].daily.dates
    campaign = sim.demand.campaign
    if campaign is not None:
        inside = [i for i, d in enumerate(dates) if campaign.start.normalize() <= d <= campaign.end.normalize()]
        if inside:
            band = (x(inside[0]), x(inside[-1]))
    step = max(1, math.ceil(top_value / 5))
    y_ticks = [(y(v), fmt.count(v)) for v in range(0, int(top_value) + 1, step)]
    every = max(1, days // 6)
    x_ticks = [(x(i), fmt.short_date(dates[i].date())) for i in range(0, days, every)]
    return LeadChart(width, height, left, right, top, bottom, y(sim.promise_days), f"promise: {fmt.days(sim.promise_days)}",
                     band, lines, y_ticks=y_ticks, x_ticks=x_ticks)


@dataclass
class BacktestChart(ChartFrame):
    """Observed against projected late share per replayed week, with the promise target."""

    target_y: float
    target_label: str
    lines: list[ChartLine] = field(default_factory=list)
    dots: list[tuple[str, float, float, str]] = field(default_factory=list)  # (series, x, y, colour)

    @property
    def target_line_y(self) -> float:
        return round(self.target_y, 1)

    @property
    def target_text(self) -> ChartLabel:
        return ChartLabel(round(self.right - 4, 1), round(self.target_y - 3, 1), self.target_label, "end")

    @property
    def dot_marks(self) -> list[tuple[str, float, float, str]]:
        return [(name, round(x, 1), round(y, 1), colour) for name, x, y, colour in self.dots]


def layout_backtest_chart(sim, fmt: Formatter | None = None, width: float = 360, height: float = 150) -> BacktestChart | None:
    """Late share of each replayed week: what the orders did (observed) and what the model said (projected)."""
    fmt = fmt or Formatter()
    test = None if sim is None else sim.backtest
    if test is None or not test.weeks or test.projected_late is None:
        return None
    weeks = test.weeks
    series = {"observed": [w.observed_late for w in weeks], "projected": [w.projected_late for w in weeks]}
    values = [v for vs in series.values() for v in vs if v is not None] + [sim.breach_target]
    # Whole percentage points on the axis, at least up to twice the target so a small gap does not look huge.
    top_value = max(max(values) * 1.15, 2 * sim.breach_target, 0.01)
    left, right, top, bottom = 40.0, width - 10, 12.0, height - 18

    def x(i: int) -> float:
        return left + (right - left) * ((i + 0.5) / len(weeks))

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v / top_value)

    colours = {"observed": "#222222", "projected": "#2F5D50"}
    lines, dots = [], []
    for name, vs in series.items():
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        lines.append(ChartLine(name, " ".join(f"{px:.1f},{py:.1f}" for px, py in points), colours[name],
                               "" if name == "observed" else "4 3"))
        dots += [(name, px, py, colours[name]) for px, py in points]
    step = _nice_step(top_value)
    ticks = [i * step for i in range(int(top_value / step) + 1)]
    y_ticks = [(y(v), fmt.percent(v)) for v in ticks]
    x_ticks = [(x(i), fmt.short_date(w.start.date())) for i, w in enumerate(weeks)]
    return BacktestChart(width, height, left, right, top, bottom, y(sim.breach_target), f"target {fmt.percent(sim.breach_target)}",
                         lines, dots, y_ticks=y_ticks, x_ticks=x_ticks)


def _nice_step(top: float) -> float:
    """A tick step of 1, 2 or 5 points (or tens of them) giving at most five ticks."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if top / step <= 5:
            return step
    return 0.5
