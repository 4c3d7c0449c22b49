"""Lay out the journey map: stages as columns left to right, touchpoints stacked, edges with drop-off."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..journey import Journey
from ..scoring import Ranking
from .formatting import friction_colour

COLUMN_WIDTH = 180
NODE_WIDTH = 124
NODE_HEIGHT = 54
ROW_GAP = 34
TOP = 44


@dataclass(frozen=True)
class MapNode:
    id: str
    lines: tuple[str, ...]
    x: float
    y: float
    fill: str
    score: float
    rank: int
    has_data: bool


@dataclass(frozen=True)
class MapEdge:
    path: str  # SVG path data
    label: str
    label_x: float
    label_y: float
    alarming: bool
    vertical: bool


@dataclass(frozen=True)
class MapStage:
    name: str
    x: float


@dataclass(frozen=True)
class JourneyMap:
    width: float
    height: float
    node_width: float
    node_height: float
    stages: tuple[MapStage, ...]
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]


def _route(a: tuple[float, float], b: tuple[float, float], between: bool) -> tuple[str, float, float, bool]:
    """An edge that never crosses a box: curves through the gap between columns, or along a column.

    Returns the path, where its label goes, and whether it runs down a column.
    """
    (x1, y1), (x2, y2) = a, b
    half_w, half_h = NODE_WIDTH / 2, NODE_HEIGHT / 2
    if abs(x1 - x2) > 1:
        sign = 1 if x2 > x1 else -1
        sx, tx = x1 + sign * half_w, x2 - sign * half_w
        mid = (sx + tx) / 2
        return f"M {sx:.1f} {y1:.1f} C {mid:.1f} {y1:.1f}, {mid:.1f} {y2:.1f}, {tx:.1f} {y2:.1f}", mid, (y1 + y2) / 2 - 5, False
    sign = 1 if y2 > y1 else -1
    if not between:  # neighbours in a column: straight down (or up)
        sy, ty = y1 + sign * half_h, y2 - sign * half_h
        return f"M {x1:.1f} {sy:.1f} L {x2:.1f} {ty:.1f}", x1 + 6, (sy + ty) / 2 + 4, True
    # Skipping a box in the same column: bow out to the right of the column.
    sx, bow = x1 + half_w, x1 + half_w + 22
    return f"M {sx:.1f} {y1:.1f} C {bow:.1f} {y1:.1f}, {bow:.1f} {y2:.1f}, {sx:.1f} {y2:.1f}", bow + 2, (y1 + y2) / 2, True


def layout_journey(journey: Journey, ranking: Ranking) -> JourneyMap:
    by_stage: dict[str, list] = {s: [] for s in journey.stages}
    for tp in journey.ordered():
        by_stage[tp.stage].append(tp)
    rows = max((len(v) for v in by_stage.values()), default=1)
    centres: dict[str, tuple[float, float]] = {}
    nodes = []
    for col, stage in enumerate(journey.stages):
        cx = col * COLUMN_WIDTH + COLUMN_WIDTH / 2
        for row, tp in enumerate(by_stage[stage]):
            cy = TOP + row * (NODE_HEIGHT + ROW_GAP) + NODE_HEIGHT / 2
            centres[tp.id] = (cx, cy)
            spot = ranking.for_touchpoint(tp.id)
            has_data = bool(spot.contributions)
            nodes.append(MapNode(tp.id, tuple(textwrap.wrap(tp.name, 20)[:2]), cx, cy,
                                 friction_colour(spot.score, has_data), spot.score, spot.rank, has_data))
    conversions = {}
    for spot in ranking.assessed:
        for c in spot.contributions:
            if c.signal.edge:
                conversions[c.signal.edge] = c.signal
    edges = []
    for tr in journey.transitions:
        a, b = centres[tr.source], centres[tr.target]
        rows_between = abs(a[1] - b[1]) > NODE_HEIGHT + ROW_GAP + 1
        path, label_x, label_y, vertical = _route(a, b, between=abs(a[0] - b[0]) <= 1 and rows_between)
        signal = conversions.get((tr.source, tr.target))
        label = f"−{(1 - signal.value) * 100:.0f}%" if signal else ""
        edges.append(MapEdge(path, label, label_x, label_y, bool(signal and signal.severity > 0), vertical))
    stages = tuple(MapStage(s, i * COLUMN_WIDTH + COLUMN_WIDTH / 2) for i, s in enumerate(journey.stages))
    height = TOP + rows * (NODE_HEIGHT + ROW_GAP)
    return JourneyMap(len(journey.stages) * COLUMN_WIDTH, height, NODE_WIDTH, NODE_HEIGHT, stages, tuple(nodes), tuple(edges))
