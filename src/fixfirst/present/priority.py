"""The priority matrix of the report view: each fix-plan action placed by its effort and the money a month it wins back."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import EFFORT_DAYS, EFFORT_ORDER
from .charts.journey_map import text_width as width
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult, ScheduledAction

# Like the journey map (present.charts.journey_map.VIEW_WIDTH), the viewBox is no wider than the content box in points: a
# font-size is the smallest printed size.
WIDTH = 492.0
FONT = 8.0
RADIUS = 8.5
PRICED_HEIGHT = 122.0
UNPRICED_HEIGHT = 30.0
TOP = 20.0  # room for the money axis title
BAND_GAP = 8.0  # between the priced plot and the "not priced" band
RIGHT = WIDTH - 2
# An action worth this share of the month's money at stake or more counts as high value (the matrix's horizontal split).
EFFORT_WORDS = {"low": "Low effort", "medium": "Medium effort", "high": "High effort"}
QUADRANTS = {  # (high value, low effort) -> label and tint
    (True, True): ("Quick wins: do first", "#e3f1df"),
    (True, False): ("Big bets: plan them", "#e2ecf6"),
    (False, True): ("Fill-ins: when time allows", "#f1f1f1"),
    (False, False): ("Reconsider: costly for little", "#f8e6e3"),
}
PRICED_FILL, UNPRICED_FILL = "#24405c", "#7a7a7a"
UNPRICED_LABEL = "Not priced"


@dataclass(frozen=True)
class MatrixPoint:
    number: str  # the action's number in the plan table
    action_id: str
    title: str
    money: str  # "£3,256 a month" or "not priced"
    effort: str
    priced: bool
    x: float
    y: float
    baseline: float
    fill: str


@dataclass(frozen=True)
class MatrixRegion:
    label: str
    x: float
    y: float
    width: float
    height: float
    fill: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class MatrixText:
    text: str
    x: float
    y: float
    anchor: str = "middle"
    bold: bool = False


@dataclass(frozen=True)
class MatrixLine:
    x1: float
    y1: float
    x2: float
    y2: float
    dashed: bool = False


@dataclass(frozen=True)
class PriorityMatrixView:
    heading: str
    width: float
    height: float
    font_size: float
    radius: float
    regions: tuple[MatrixRegion, ...]
    grid: tuple[MatrixLine, ...]
    split: MatrixLine | None  # the high-value line
    texts: tuple[MatrixText, ...]  # axis titles, money ticks, effort labels
    points: tuple[MatrixPoint, ...]
    caption: str


def _effort_fraction(effort: str, days: float | None) -> float:
    """Where in its effort column an action sits, 0 (left) to 1, by its working days within the column's range."""
    if days is None:
        return 0.5
    low, high = EFFORT_DAYS.get(effort, (0.0, 1.0))
    if effort == "high":  # a long range: a log scale keeps 15 and 20 days apart
        share = math.log(max(days, low + 0.1) / max(low, 0.1)) / math.log(high / max(low, 0.1))
    else:
        share = (days - low) / (high - low) if high > low else 0.5
    return min(1.0, max(0.0, share))


def _money_axis(values: list[float], threshold: float) -> tuple[float, float]:
    """Powers of ten around every priced value and the high-value line, at least two decades (widened downward first)."""
    lo = max(1.0, min([*values, threshold]))
    hi = max(lo, max([*values, threshold]))
    lo_exp, hi_exp = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if hi_exp == lo_exp:
        hi_exp += 1
    if hi_exp - lo_exp < 2:
        if lo_exp > 0:
            lo_exp -= 1
        else:
            hi_exp += 1
    return float(lo_exp), float(hi_exp)


def _nudged(wanted: list[tuple[float, float, tuple[float, float, float, float]]],
            blocked: list[tuple[float, float, float, float]]) -> list[tuple[float, float]]:
    """Each point at its place, or the nearest free spot within its own region, so no two circles or a circle and a
    quadrant label overlap. `wanted`: (x, y, region bounds x0, y0, x1, y1); `blocked`: label boxes."""
    step = 2 * RADIUS + 2
    offsets = sorted(((dx * step / 2, dy * step / 2) for dx in range(-12, 13) for dy in range(-6, 7)),
                     key=lambda o: (o[0] ** 2 + (1.3 * o[1]) ** 2, abs(o[1]), o[0]))
    placed: list[tuple[float, float]] = []

    def free(x: float, y: float, bounds) -> bool:
        x0, y0, x1, y1 = bounds
        if not (x0 + RADIUS <= x <= x1 - RADIUS and y0 + RADIUS <= y <= y1 - RADIUS):
            return False
        if any((x - px) ** 2 + (y - py) ** 2 < (step - 0.5) ** 2 for px, py in placed):
            return False
        return not any(bx - RADIUS < x < bx + bw + RADIUS and by - RADIUS < y < by + bh + RADIUS for bx, by, bw, bh in blocked)

    for x, y, bounds in wanted:
        spot = next(((x + dx, y + dy) for dx, dy in offsets if free(x + dx, y + dy, bounds)), (x, y))
        placed.append(spot)
    return placed


def _spread(wanted: list[tuple[float, float, tuple]]) -> list[tuple[float, float, tuple]]:
    """Points wanting the same place are set side by side in plan order (1 left of 2), centred on that place; the
    nudge then only settles what still touches."""
    groups: dict[tuple, list[int]] = {}
    for i, (x, y, _) in enumerate(wanted):
        groups.setdefault((round(x, 1), round(y, 1)), []).append(i)
    step = 2 * RADIUS + 2
    spread = list(wanted)
    for members in groups.values():
        for k, i in enumerate(members):
            x, y, bounds = wanted[i]
            x0, _, x1, _ = bounds
            centre = min(max(x, x0 + RADIUS + (len(members) - 1) * step / 2), x1 - RADIUS - (len(members) - 1) * step / 2)
            spread[i] = (centre + (k - (len(members) - 1) / 2) * step, y, bounds)
    return spread


def _money_words(item: ScheduledAction, fmt: Formatter) -> str:
    money = item.action.estimated_money
    return f"{fmt.money(money)} a month" if money > 0 else "not priced"


def text_width(text: str, size: float, bold: bool = False) -> float:
    return width(text, size, bold)


def build(result: AuditResult, fmt: Formatter) -> PriorityMatrixView | None:
    decision = result.decision
    schedule = list(decision.schedule)
    if not schedule:
        return None
    priced = [s for s in schedule if s.action.estimated_money > 0]
    unpriced = [s for s in schedule if s.action.estimated_money <= 0]
    at_stake = decision.money_at_stake_per_month or 0.0
    values = [s.action.estimated_money for s in priced]
    high_share = result.engagement.settings.fix_plan.matrix_high_value_share
    threshold = high_share * at_stake if at_stake > 0 else (sorted(values)[len(values) // 2] if values else 0.0)

    lo_exp, hi_exp = _money_axis(values, threshold) if priced else (0.0, 1.0)
    tick_values = [10 ** e for e in range(int(lo_exp), int(hi_exp) + 1)]
    tick_labels = [fmt.money(v) for v in tick_values]
    margin_labels = [*(tick_labels if priced else []), *([UNPRICED_LABEL] if unpriced else [])]
    left = max(text_width(t, FONT, bold=t == UNPRICED_LABEL) for t in margin_labels) + 10
    column = (RIGHT - left) / 3
    priced_top, priced_bottom = TOP, TOP + (PRICED_HEIGHT if priced else 0.0)
    band_top = priced_bottom + (BAND_GAP if priced else 0.0)
    band_bottom = band_top + (UNPRICED_HEIGHT if unpriced else 0.0)
    height = band_bottom + 2 * 10 + 8

    def y_of(money: float) -> float:
        share = (math.log10(max(money, 10 ** lo_exp)) - lo_exp) / (hi_exp - lo_exp)
        return priced_bottom - min(1.0, max(0.0, share)) * (priced_bottom - priced_top)

    regions, texts, grid, blocked = [], [], [], []
    split = None
    split_x = left + column  # low effort against the rest
    if priced:
        split_y = y_of(threshold)
        for (high_value, low_effort), (label, tint) in QUADRANTS.items():
            x0, x1 = (left, split_x) if low_effort else (split_x, RIGHT)
            y0, y1 = (priced_top, split_y) if high_value else (split_y, priced_bottom)
            label_y = y0 + FONT + 3 if high_value else y1 - 4
            regions.append(MatrixRegion(label, x0, round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1), tint, x0 + 4, round(label_y, 1)))
            blocked.append((x0 + 2, label_y - FONT - 1, text_width(label, FONT, bold=True) + 4, FONT + 3))
        split = MatrixLine(left, round(split_y, 1), RIGHT, round(split_y, 1), dashed=True)
        for value, label in zip(tick_values, tick_labels, strict=False):
            y = round(y_of(value), 1)
            grid.append(MatrixLine(left, y, RIGHT, y))
            texts.append(MatrixText(label, left - 4, y + FONT * 0.35, "end"))
        texts.append(MatrixText("Money a month it wins back (each line up: ten times more)", left, TOP - 8, "start", True))
    if unpriced:
        # The band reads as one more step of the money axis: its name stands where the money ticks do.
        regions.append(MatrixRegion("", left, band_top, RIGHT - left, UNPRICED_HEIGHT, "#ececec", left, band_top))
        texts.append(MatrixText(UNPRICED_LABEL, left - 4, band_top + UNPRICED_HEIGHT / 2 + FONT * 0.35, "end", True))
    for i in (1, 2):
        x = round(left + i * column, 1)
        grid.append(MatrixLine(x, priced_top if priced else band_top, x, band_bottom))
    for effort, order in EFFORT_ORDER.items():
        centre = round(left + (order + 0.5) * column, 1)
        low, high = EFFORT_DAYS[effort]
        span = (f"up to {fmt.days(high)}" if order == 0 else
                f"more than {fmt.days(low)}" if order == len(EFFORT_ORDER) - 1 else f"{fmt.number(low)} to {fmt.days(high)}")
        texts.append(MatrixText(EFFORT_WORDS[effort], centre, band_bottom + 12, "middle", True))
        texts.append(MatrixText(span, centre, band_bottom + 22))

    wanted = []
    for item in schedule:
        action = item.action
        order = EFFORT_ORDER.get(action.effort, 1)
        x0, x1 = left + order * column, left + (order + 1) * column
        x = x0 + RADIUS + 4 + _effort_fraction(action.effort, action.days) * (column - 2 * RADIUS - 8)
        if action.estimated_money > 0:
            wanted.append((x, y_of(action.estimated_money), (x0, priced_top, x1, priced_bottom)))
        else:
            wanted.append((x, band_top + UNPRICED_HEIGHT / 2, (x0, band_top, x1, band_bottom)))
    spots = _nudged(_spread(wanted), blocked)
    points = []
    for number, (item, (x, y)) in enumerate(zip(schedule, spots, strict=False), start=1):
        action = item.action
        is_priced = action.estimated_money > 0
        effort = EFFORT_WORDS.get(action.effort, action.effort) + (f", about {fmt.days(action.days)}" if action.days else "")
        points.append(MatrixPoint(str(number), action.id, action.title, _money_words(item, fmt), effort, is_priced,
                                  round(x, 1), round(y, 1), round(y + FONT * 0.35, 1), PRICED_FILL if is_priced else UNPRICED_FILL))

    caption = "Each number is an action of the plan, placed by its effort (left to right)"
    if not priced:
        caption += ". The data prices none of them, so the weak spot each one fixes and its effort decide the order."
    elif at_stake > 0:
        caption += (f" and the money a month it is estimated to win back (up). Above the dashed line an action wins back at least "
                    f"{fmt.money(threshold)} a month, {fmt.percent(high_share)} of the {fmt.money(at_stake)} at stake.")
    else:
        caption += " and the money a month it is estimated to win back (up)."
    if priced and unpriced:
        caption += " Actions the data cannot price sit in the grey band."
    return PriorityMatrixView("Where each action stands: money against effort", WIDTH, round(height, 1), FONT, RADIUS,
                              tuple(regions), tuple(grid), split, tuple(texts), tuple(points), caption)
