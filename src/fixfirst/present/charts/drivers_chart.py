"""Lay out the importance-performance quadrant of the key-driver analysis as SVG coordinates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...signals import CONCENTRATE, KEEP_UP, LOW_PRIORITY, OVERKILL, DriverAnalysis
from ..numbers import Formatter

WIDTH = 560
HEIGHT = 330
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 44
POINT_RADIUS = 4.5
LABEL_HEIGHT = 9
# Where a rank label may sit around its dot, tried in turn until one is free: right, left, above, below, then further out.
LABEL_OFFSETS = ((7, 3.5, "start"), (-7, 3.5, "end"), (0, -7, "middle"), (0, 13, "middle"), (7, -6, "start"), (-7, -6, "end"),
                 (7, 12, "start"), (-7, 12, "end"), (15, 3.5, "start"), (-15, 3.5, "end"), (0, -16, "middle"), (0, 22, "middle"),
                 (14, -13, "start"), (-14, -13, "end"), (14, 20, "start"), (-14, 20, "end"))
QUADRANT_FILL = {CONCENTRATE: "#d9534f", KEEP_UP: "#5cb85c", LOW_PRIORITY: "#9e9e9e", OVERKILL: "#5b9bd5"}
# The quadrants as the report names them: what to do, in plain words ("Possible overkill" read as a reproach).
QUADRANT_LABEL = {CONCENTRATE: "Improve first", KEEP_UP: "Keep it up", LOW_PRIORITY: "Lower priority",
                  OVERKILL: "Rated well, matters less"}


@dataclass(frozen=True)
class ChartPoint:
    rank: int
    column: str
    quadrant: str
    x: float
    y: float
    ci_top: float  # performance interval, drawn as a whisker
    ci_bottom: float
    fill: str
    label_x: float
    label_y: float  # text baseline
    label_anchor: str


@dataclass(frozen=True)
class ChartTick:
    position: float
    label: str


@dataclass(frozen=True)
class QuadrantLabel:
    text: str
    x: float
    y: float
    anchor: str  # SVG text-anchor


@dataclass(frozen=True)
class DriverChart:
    width: float
    height: float
    left: float
    top: float
    right: float  # x of the plot's right edge
    bottom: float  # y of the plot's bottom edge
    split_x: float
    split_y: float
    x_ticks: tuple[ChartTick, ...]
    y_ticks: tuple[ChartTick, ...]
    labels: tuple[QuadrantLabel, ...]
    points: tuple[ChartPoint, ...]
    x_title: str
    y_title: str
    point_radius: float = POINT_RADIUS

    # Derived positions, so the template only places what is computed here.
    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def x_labels(self) -> tuple[QuadrantLabel, ...]:
        return tuple(QuadrantLabel(t.label, round(t.position, 1), self.bottom + 13, "middle") for t in self.x_ticks)

    @property
    def y_labels(self) -> tuple[QuadrantLabel, ...]:
        return tuple(QuadrantLabel(t.label, self.left - 5, round(t.position + 3, 1), "end") for t in self.y_ticks)

    @property
    def x_title_label(self) -> QuadrantLabel:
        return QuadrantLabel(self.x_title, (self.left + self.right) / 2, self.height - 8, "middle")

    @property
    def y_title_transform(self) -> str:
        return f"translate(12 {(self.top + self.bottom) / 2:.1f}) rotate(-90)"


def _step(span: float) -> float:
    """A round tick step giving about five ticks over `span` (0.05, 0.1, 0.2 ...)."""
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _label_box(x: float, y: float, anchor: str, text: str) -> Box:
    width = 5.5 * len(text) + 1
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return left, y - LABEL_HEIGHT + 1.5, left + width, y + 1.5


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(texts: list[str], centres: list[tuple[float, float]], frame: Box) -> list[tuple[float, float, str]]:
    """Greedy label placement: each rank goes to the first spot around its dot that hits no dot, no label and stays inside.

    Dots of drivers with similar importance and performance sit on top of each other; their numbers must not.
    """
    r = POINT_RADIUS
    taken = [(x - r, y - r, x + r, y + r) for x, y in centres]
    placed = []
    for text, (x, y) in zip(texts, centres, strict=False):
        choice = None
        for dx, dy, anchor in LABEL_OFFSETS:
            box = _label_box(x + dx, y + dy, anchor, text)
            inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
            if inside and not any(_overlaps(box, other) for other in taken):
                choice = (x + dx, y + dy, anchor)
                break
        if choice is None:  # crowded everywhere: keep the first spot; the table still lists every rank
            dx, dy, anchor = LABEL_OFFSETS[0]
            choice = (x + dx, y + dy, anchor)
        taken.append(_label_box(*choice, text))
        placed.append(choice)
    return placed


def layout_drivers(analysis: DriverAnalysis | None, fmt: Formatter | None = None) -> DriverChart | None:
    """Importance (share of explained variance) across, performance (top-2-box share) up; None when skipped."""
    fmt = fmt or Formatter()
    if analysis is None or analysis.skipped or not analysis.drivers:
        return None
    drivers = analysis.drivers
    widest = max(max(d.share for d in drivers), analysis.importance_split) * 1.08 or 1.0  # room for the dot at the edge
    x_step = _step(widest)
    x_max = x_step * math.ceil(widest / x_step)
    lowest = min(min(d.performance_ci[0] for d in drivers), analysis.performance_split)
    y_min = max(0.0, math.floor((lowest - 0.02) * 10) / 10)
    y_step = _step(1.0 - y_min)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def sx(share: float) -> float:
        return LEFT + (right - LEFT) * share / x_max

    def sy(performance: float) -> float:
        return bottom - (bottom - TOP) * (performance - y_min) / (1.0 - y_min)

    x_ticks = tuple(ChartTick(sx(i * x_step), fmt.percent(i * x_step)) for i in range(round(x_max / x_step) + 1))
    count = math.floor((1.0 - y_min) / y_step + 1e-9)  # no tick above 100%
    y_ticks = tuple(ChartTick(sy(y_min + i * y_step), fmt.percent(y_min + i * y_step)) for i in range(count + 1))
    centres = [(sx(d.share), sy(d.performance)) for d in drivers]
    placed = _place_labels([str(d.rank) for d in drivers], centres, (LEFT, TOP, right, bottom))
    points = tuple(ChartPoint(d.rank, d.column, d.quadrant, x, y, sy(d.performance_ci[1]), sy(d.performance_ci[0]),
                              QUADRANT_FILL[d.quadrant], *label) for d, (x, y), label in zip(drivers, centres, placed, strict=False))
    labels = (QuadrantLabel(QUADRANT_LABEL[OVERKILL], LEFT + 6, TOP + 12, "start"),
              QuadrantLabel(QUADRANT_LABEL[KEEP_UP], right - 6, TOP + 12, "end"),
              QuadrantLabel(QUADRANT_LABEL[LOW_PRIORITY], LEFT + 6, bottom - 6, "start"),
              QuadrantLabel(QUADRANT_LABEL[CONCENTRATE], right - 6, bottom - 6, "end"))
    return DriverChart(WIDTH, HEIGHT, LEFT, TOP, right, bottom, sx(analysis.importance_split), sy(analysis.performance_split),
                       x_ticks, y_ticks, labels, points, f"How much it matters: share of what the ratings explain of {analysis.outcome_label}",
                       "How well it does: rated 4–5")
