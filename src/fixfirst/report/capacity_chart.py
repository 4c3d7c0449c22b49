"""Layout of the capacity charts: projected lead time by day against the promise, and the backtest week by week."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChartLine:
    name: str
    points: str  # SVG polyline points "x,y x,y ..."
    colour: str
    dash: str = ""


@dataclass
class ChartFrame:
    """The drawing area of a small SVG chart: its size and the plot's margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float


@dataclass
class LeadChart(ChartFrame):
    promise_y: float
    promise_label: str
    campaign_band: tuple[float, float] | None
    lines: list[ChartLine] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)


def layout_lead_chart(sim, width: float = 640, height: float = 230) -> LeadChart | None:
    """85th-percentile lead time of the orders placed each day (working days), baseline and campaign, with the promise."""
    if sim is None:
        return None
    scenarios = [s for s in (sim.baseline, sim.campaign) if s is not None]
    values = [v for s in scenarios for v in s.daily.p85 if not math.isnan(v)]
    if not values:
        return None
    left, right, top, bottom = 44.0, width - 12, 14.0, height - 34
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
    y_ticks = [(y(v), str(v)) for v in range(0, int(top_value) + 1, step)]
    every = max(1, days // 6)
    x_ticks = [(x(i), dates[i].strftime("%d %b")) for i in range(0, days, every)]
    return LeadChart(width, height, left, right, top, bottom, y(sim.promise_days), f"promise: {sim.promise_days} working days",
                     band, lines, y_ticks, x_ticks)


@dataclass
class BacktestChart(ChartFrame):
    """Observed against projected late share per replayed week, with the promise target."""

    target_y: float
    target_label: str
    lines: list[ChartLine] = field(default_factory=list)
    dots: list[tuple[str, float, float, str]] = field(default_factory=list)  # (series, x, y, colour)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)


def layout_backtest_chart(sim, width: float = 360, height: float = 170) -> BacktestChart | None:
    """Late share of each replayed week: what the orders did (observed) and what the model said (projected)."""
    test = None if sim is None else sim.backtest
    if test is None or not test.weeks or test.projected_late is None:
        return None
    weeks = test.weeks
    series = {"observed": [w.observed_late for w in weeks], "projected": [w.projected_late for w in weeks]}
    values = [v for vs in series.values() for v in vs if v is not None] + [sim.breach_target]
    # Whole percentage points on the axis, at least up to twice the target so a small gap does not look huge.
    top_value = max(max(values) * 1.15, 2 * sim.breach_target, 0.01)
    left, right, top, bottom = 40.0, width - 10, 12.0, height - 30

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
    y_ticks = [(y(v), f"{v:.0%}") for v in ticks]
    x_ticks = [(x(i), w.start.strftime("%d %b")) for i, w in enumerate(weeks)]
    return BacktestChart(width, height, left, right, top, bottom, y(sim.breach_target), f"target {sim.breach_target:.0%}",
                         lines, dots, y_ticks, x_ticks)


def _nice_step(top: float) -> float:
    """A tick step of 1, 2 or 5 points (or tens of them) giving at most five ticks."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if top / step <= 5:
            return step
    return 0.5
