"""Layout of the capacity chart: projected lead time by order day against the promise, baseline and campaign."""

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
class LeadChart:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
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
