"""Lay out the journey map: stages as columns left to right, touchpoints stacked, edges with drop-off."""

from __future__ import annotations

import math
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
    x1: float
    y1: float
    x2: float
    y2: float
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


def _anchor(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where a line from the node centre towards (dx, dy) leaves the node's rectangle."""
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (NODE_WIDTH / 2) / abs(dx) if dx else math.inf
    sy = (NODE_HEIGHT / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


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
        (x1, y1), (x2, y2) = centres[tr.source], centres[tr.target]
        ax, ay = _anchor(x1, y1, x2 - x1, y2 - y1)
        bx, by = _anchor(x2, y2, x1 - x2, y1 - y2)
        signal = conversions.get((tr.source, tr.target))
        label = f"−{(1 - signal.value) * 100:.0f}%" if signal else ""
        # Labels sit beside vertical arrows and above the others, never under a box.
        vertical = abs(x1 - x2) < 1
        label_x = (ax + bx) / 2 + (6 if vertical else 0)
        label_y = (ay + by) / 2 + (4 if vertical else -5)
        edges.append(MapEdge(ax, ay, bx, by, label, label_x, label_y, bool(signal and signal.severity > 0), vertical))
    stages = tuple(MapStage(s, i * COLUMN_WIDTH + COLUMN_WIDTH / 2) for i, s in enumerate(journey.stages))
    height = TOP + rows * (NODE_HEIGHT + ROW_GAP)
    return JourneyMap(len(journey.stages) * COLUMN_WIDTH, height, NODE_WIDTH, NODE_HEIGHT, stages, tuple(nodes), tuple(edges))
