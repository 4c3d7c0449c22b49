"""Geometry of a weak spot's chart: a weekly rate against its target with the campaign's dates, or bars by segment or item.

The charts are drawn as plain shapes (boxes, strokes, paths, dots, labels) whose coordinates are computed here, so the
template only places them. One user unit prints as about one point (the card is as wide as the chart's viewBox), so
a label's size is its printed size.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .journey_map import ELLIPSIS, text_width

WIDTH = 490.0
LABEL_SIZE = 8.5
TICK_SIZE = 8.0
ROW = 21.0  # one bar's row
BAR = 12.0  # one bar's thickness
MIN_PLOT = 220.0  # the narrowest a bar chart's plot may be

FAILING = "#B3261E"
PASSING = "#2F5D50"
OTHER = "#7F8F89"
MUTED = "#C9D0CD"
TARGET = "#222222"
GRID = "#E3E3E3"
INK = "#333333"
SOFT_INK = "#666666"
CAMPAIGN = "#F6E1DE"
INCIDENT = "#FBEFD5"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    cls: str = ""


@dataclass(frozen=True)
class Stroke:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 0.8
    dash: str = ""
    cls: str = ""


@dataclass(frozen=True)
class Path:
    points: str  # "x,y x,y ..."
    colour: str
    width: float = 1.4
    cls: str = ""


@dataclass(frozen=True)
class Dot:
    cx: float
    cy: float
    r: float
    fill: str
    stroke: str = "none"
    cls: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start | middle | end
    size: float = LABEL_SIZE
    colour: str = INK
    bold: bool = False
    cls: str = ""


@dataclass(frozen=True)
class SpotChart:
    """One chart, as shapes in drawing order: grid, boxes, strokes, paths, dots, labels."""

    kind: str  # weekly | segments | items | measures
    width: float
    height: float
    description: str  # what the chart shows, for screen readers
    grid: tuple[Stroke, ...] = ()
    boxes: tuple[Box, ...] = ()
    strokes: tuple[Stroke, ...] = ()
    paths: tuple[Path, ...] = ()
    dots: tuple[Dot, ...] = ()
    labels: tuple[Label, ...] = ()


def _r(value: float) -> float:
    return round(value, 1)


def _fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """`text`, cut with an ellipsis when wider than `width` points."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + ELLIPSIS, size, bold) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def nice_top(value: float) -> tuple[float, float]:
    """An axis end at or above `value` (a share) and its tick step: 1, 2, 2.5 or 5 times a power of ten, four to six ticks."""
    value = max(value, 0.01)
    for step in (0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25):
        if value / step <= 5:
            return min(1.0, math.ceil(value / step - 1e-9) * step), step
    return 1.0, 0.25


# ------------------------------------------------------------------------------------------------------ bar charts

@dataclass(frozen=True)
class BarInput:
    """One bar: its name, its share (0-1), what is written beside it, and how it is coloured."""

    name: str
    value: float
    text: str  # "54% of 3,566"
    tone: str = "other"  # failing | passing | other | muted
    target: float | None = None  # this bar's own target (measures), drawn as a tick across it


TONES = {"failing": FAILING, "passing": PASSING, "other": OTHER, "muted": MUTED}


def bar_chart(kind: str, bars: Sequence[BarInput], percent: Callable[[float], str], *, target: float | None = None,
              target_label: str = "", axis_top: float | None = None, description: str = "") -> SpotChart:
    """Horizontal bars, one row each, with a shared target line (or a tick per bar) and a share axis below."""
    # Names are measured bold (the flagged bar's is), so none is cut that would fit.
    name_width = min(150.0, max(text_width(b.name, LABEL_SIZE, True) for b in bars) + 10)
    # The bars keep at least MIN_PLOT points; a value text longer than the room left is cut.
    text_room = min(max(text_width(b.text, LABEL_SIZE) for b in bars) + 10, WIDTH - name_width - MIN_PLOT)
    left, right = name_width, WIDTH - text_room
    top = 16.0 if target is not None else 4.0
    bottom = top + ROW * len(bars)
    height = bottom + 16
    values = [b.value for b in bars] + [t for t in [target, *(b.target for b in bars)] if t is not None]
    end, step = (axis_top, 0.25) if axis_top is not None else nice_top(max(values) * 1.05)

    def x(v: float) -> float:
        return left + (right - left) * min(1.0, max(0.0, v / end))

    grid, boxes, strokes, labels = [], [], [], []
    ticks = [i * step for i in range(int(round(end / step)) + 1)]
    for t in ticks:
        grid.append(Stroke(_r(x(t)), top, _r(x(t)), bottom, GRID, 0.6))
        labels.append(Label(_r(x(t)), _r(bottom + 11), percent(t), "middle", TICK_SIZE, SOFT_INK, cls="tick"))
    for i, bar in enumerate(bars):
        y = top + ROW * i + (ROW - BAR) / 2
        width = max(0.8, x(bar.value) - left)
        boxes.append(Box(_r(left), _r(y), _r(width), BAR, TONES.get(bar.tone, OTHER), f"bar bar-{bar.tone}"))
        labels.append(Label(_r(left - 6), _r(y + BAR - 3), _fit(bar.name, name_width - 8, LABEL_SIZE, True), "end",
                            bold=bar.tone == "failing", cls="bar-name"))
        # The value text starts after the bar; a target line just beyond the bar's end would cross it, so it starts
        # after the line there.
        start = left + width + 4
        line = bar.target if bar.target is not None else target
        if line is not None and start - 4 <= x(line) < start + text_width(bar.text, LABEL_SIZE):
            start = x(line) + 4
        labels.append(Label(_r(start), _r(y + BAR - 3), _fit(bar.text, WIDTH - start, LABEL_SIZE), "start", colour=INK, cls="bar-value"))
        if bar.target is not None:
            tx = _r(x(bar.target))
            strokes.append(Stroke(tx, _r(y - 3), tx, _r(y + BAR + 3), TARGET, 1.4, cls="target"))
    if target is not None:
        tx = _r(x(target))
        strokes.append(Stroke(tx, top - 2, tx, bottom, TARGET, 1.0, "3 2", cls="target"))
        labels.append(Label(tx, top - 5, target_label, "middle", TICK_SIZE, TARGET, cls="target-label"))
    return SpotChart(kind, WIDTH, _r(height), description, tuple(grid), tuple(boxes), tuple(strokes), (), (), tuple(labels))


# ---------------------------------------------------------------------------------------------------- weekly chart

@dataclass(frozen=True)
class WeekInput:
    start: dt.date
    rate: float | None  # None: no observation that week
    solid: bool  # enough observations to read on its own
    failing: bool  # on the wrong side of the target


@dataclass(frozen=True)
class Span:
    """A shaded stretch of days (the planned campaign, an incident), with its label."""

    start: dt.date
    end: dt.date
    label: str
    colour: str = CAMPAIGN
    cls: str = "campaign-band"


@dataclass
class WeeklyInput:
    weeks: list[WeekInput]
    target: float | None
    target_label: str
    spans: list[Span] = field(default_factory=list)
    description: str = ""


HEIGHT = 150.0


def weekly_chart(data: WeeklyInput, percent: Callable[[float], str], short_date: Callable[[dt.date], str]) -> SpotChart | None:
    """The weekly rate as dots joined by a line (broken where a week is thin or empty), the target as a dashed line,
    and each span shaded over the weeks it covers; the axis runs on to the end of the last span."""
    weeks = data.weeks
    if not weeks:
        return None
    first = weeks[0].start
    last = max([weeks[-1].start] + [s.end for s in data.spans])
    slots = (last - first).days // 7 + 1
    left, right, top, bottom = 34.0, WIDTH - 6, 16.0, HEIGHT - 18
    solid = [w.rate for w in weeks if w.solid and w.rate is not None]
    if not solid:
        return None
    end, step = nice_top(max(solid + ([data.target] if data.target is not None else [])) * 1.1)
    slot = (right - left) / slots

    def x_day(day: dt.date) -> float:
        return left + slot * ((day - first).days / 7)

    def x(week: dt.date) -> float:
        return x_day(week) + slot / 2

    def y(v: float) -> float:
        return bottom - (bottom - top) * min(1.0, v / end)

    grid, boxes, strokes, paths, dots, labels = [], [], [], [], [], []
    for span in data.spans:
        a, b = max(left, x_day(span.start)), min(right, x_day(span.end + dt.timedelta(days=1)))
        if b > a:
            boxes.append(Box(_r(a), top, _r(b - a), bottom - top, span.colour, span.cls))
            # Above the band from its start, or ending at the plot's right edge when it would run off the chart.
            if a + text_width(span.label, TICK_SIZE) <= WIDTH - 2:
                labels.append(Label(_r(a), top - 4, span.label, "start", TICK_SIZE, SOFT_INK, cls=f"{span.cls}-label"))
            else:
                labels.append(Label(right, top - 4, span.label, "end", TICK_SIZE, SOFT_INK, cls=f"{span.cls}-label"))
    ticks = [i * step for i in range(int(round(end / step)) + 1)]
    for t in ticks:
        grid.append(Stroke(left, _r(y(t)), right, _r(y(t)), GRID, 0.6))
        labels.append(Label(left - 4, _r(y(t) + 3), percent(t), "end", TICK_SIZE, SOFT_INK, cls="tick"))
    # A date under the first week of each month (every other month on a long axis).
    months, seen = [], set()
    for i in range(slots):
        day = first + dt.timedelta(days=7 * i)
        if (day.year, day.month) not in seen:
            seen.add((day.year, day.month))
            months.append(day)
    every = 1 if len(months) <= 8 else 2
    placed: list[float] = []
    for day in months[::every]:
        # A month whose first week sits right after the previous label (an axis that starts late in a month) stays
        # unlabelled rather than print over it.
        if placed and x(day) - placed[-1] < 40:
            continue
        placed.append(x(day))
        labels.append(Label(_r(x(day)), bottom + 12, short_date(day), "middle", TICK_SIZE, SOFT_INK, cls="tick"))
    strokes.append(Stroke(left, bottom, right, bottom, "#999999", 0.6))
    if data.target is not None:
        ty = _r(y(data.target))
        strokes.append(Stroke(left, ty, right, ty, TARGET, 1.0, "3 2", cls="target"))
        labels.append(Label(right - 2, _r(ty - 3), data.target_label, "end", TICK_SIZE, TARGET, cls="target-label"))
    run: list[str] = []
    for w in weeks + [WeekInput(last + dt.timedelta(days=7), None, False, False)]:
        if w.solid and w.rate is not None:
            run.append(f"{_r(x(w.start))},{_r(y(w.rate))}")
            continue
        if len(run) > 1:
            paths.append(Path(" ".join(run), INK, 1.2, "trend"))
        run = []
    for w in weeks:
        if w.rate is None:
            continue
        if w.solid:
            dots.append(Dot(_r(x(w.start)), _r(y(w.rate)), 2.4, FAILING if w.failing else PASSING, cls="week"))
        elif w.rate <= end:
            # A thin week is drawn pale and unjoined: a handful of orders must not read as a spike.
            dots.append(Dot(_r(x(w.start)), _r(y(w.rate)), 2.0, "#FFFFFF", MUTED, cls="week week-thin"))
    return SpotChart("weekly", WIDTH, HEIGHT, data.description, tuple(grid), tuple(boxes), tuple(strokes), tuple(paths),
                     tuple(dots), tuple(labels))
