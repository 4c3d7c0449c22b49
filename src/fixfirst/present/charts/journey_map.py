"""Geometry of the journey map: stage lanes side by side, touchpoint boxes sized to their words, arrows that avoid boxes."""

from __future__ import annotations

from dataclasses import dataclass

# The map fills the A4 content box: 210 mm less two 16 mm page margins, less the body's default 8 px (6 pt) margin
# each side. Its viewBox is no wider than that in points, so one user unit prints as at least one point and a
# font-size below is the smallest printed size.
CONTENT_WIDTH_PT = 178 / 25.4 * 72 - 2 * 6
VIEW_WIDTH = 492.0
NAME_SIZE = 8.0
FIGURE_SIZE = 8.0
LABEL_SIZE = 8.0
STAGE_SIZE = 9.0
BADGE_SIZE = 8.0
NAME_LINE = 10.0
FIGURE_LINE = 9.4
STAGE_LINE = 11.0
PAD = 3.5  # inside a box, around its words
ROW_GAP = 16.0  # between boxes in a lane: room for an arrow and its label
LANE_INSET = 2.0  # white between neighbouring lanes
BADGE_RADIUS = 9.0
MAX_NAME_LINES = 2
MAX_FIGURE_LINES = 3
FULL_WORDS_MAX_ROWS = 6  # deeper lanes than this get shorter figures, so the map still fits an A4 page

# Advance widths (thousandths of an em) of DejaVu Sans, the report's first font, for ASCII 32-126: wrapping needs the
# width of a line before the PDF is drawn. Other characters count as a wide letter; fallback fonts are narrower.
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636,
            636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863,
            748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635,
            615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636,
            337, 636, 838)
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696,
         696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995,
         837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716,
         678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712,
         365, 712, 838)
_OTHER = 700
ELLIPSIS = "…"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The printed width of `text` in points at `size` (DejaVu Sans metrics)."""
    table = _BOLD if bold else _REGULAR
    return sum(table[ord(c) - 32] if 32 <= ord(c) < 127 else _OTHER for c in text) * size / 1000


def _cut(word: str, width: float, size: float, bold: bool) -> str:
    """The longest start of `word` that fits `width` with an ellipsis."""
    while word and text_width(word + ELLIPSIS, size, bold) > width:
        word = word[:-1]
    return word + ELLIPSIS


def wrap(text: str, width: float, size: float, bold: bool = False, max_lines: int = 2) -> tuple[str, ...]:
    """Greedy word wrap to `width` points; what does not fit in `max_lines` ends in an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word if text_width(word, size, bold) <= width else _cut(word, width, size, bold))
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[:max_lines - 1] + [last + ELLIPSIS if text_width(last + ELLIPSIS, size, bold) <= width else _cut(last, width, size, bold)]
    return tuple(lines)


def fits(text: str, width: float, size: float, bold: bool = False, max_lines: int = 2) -> bool:
    return not any(line.endswith(ELLIPSIS) for line in wrap(text, width, size, bold, max_lines))


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float  # baseline
    size: float
    bold: bool = False


@dataclass(frozen=True)
class BoxInput:
    """One touchpoint as the map shows it: words already written, colours already chosen."""

    id: str
    stage_index: int
    name: str
    figure: str
    short_figure: str  # the figure without its target, used when the whole figure does not fit
    badge: str | None  # "#1" for a weak spot
    band: str  # the colour band's key, for styling and tests
    fill: str
    stroke: str
    dashed: bool = False


@dataclass(frozen=True)
class EdgeInput:
    source: str
    target: str
    label: str  # "68%", or "" when nothing measures the step
    alarming: bool


@dataclass(frozen=True)
class MapBox:
    id: str
    name: str
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str
    stroke_width: float
    dashed: bool
    name_lines: tuple[TextLine, ...]
    figure_lines: tuple[TextLine, ...]
    badge: str | None
    badge_x: float  # centre of the badge's circle
    badge_y: float
    badge_baseline: float
    band: str


@dataclass(frozen=True)
class MapEdge:
    source: str
    target: str
    path: str  # SVG path data
    label: str
    label_x: float
    label_y: float  # baseline
    label_anchor: str
    label_box: tuple[float, float, float, float]  # x, y, width, height of the white patch behind the label
    alarming: bool


@dataclass(frozen=True)
class MapLane:
    x: float
    y: float
    width: float
    height: float
    title_lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class MapGeometry:
    width: float
    height: float
    lanes: tuple[MapLane, ...]
    boxes: tuple[MapBox, ...]
    edges: tuple[MapEdge, ...]
    badge_radius: float = BADGE_RADIUS
    badge_size: float = BADGE_SIZE
    label_size: float = LABEL_SIZE


def _box_words(box: BoxInput, inner: float, figure_lines: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # The badge sits on the top right corner: the first name line leaves it room.
    name_width = inner - (BADGE_RADIUS if box.badge else 0)
    name = wrap(box.name, name_width, NAME_SIZE, bold=True, max_lines=MAX_NAME_LINES)
    figure_text = box.figure if fits(box.figure, inner, FIGURE_SIZE, max_lines=figure_lines) else box.short_figure
    return name, wrap(figure_text, inner, FIGURE_SIZE, max_lines=figure_lines)


def layout_map(stages: list[str], boxes: list[BoxInput], edges: list[EdgeInput]) -> MapGeometry:
    """Stages become lanes left to right; each lane stacks its touchpoints in journey order (the order of `boxes`)."""
    lanes_n = max(1, len(stages))
    column = VIEW_WIDTH / lanes_n
    gap = min(24.0, max(16.0, column * 0.19))  # between a lane's boxes and the next lane's: room for arrows and labels
    box_width = column - gap
    inner = box_width - 2 * PAD
    deepest = max((sum(1 for b in boxes if b.stage_index == i) for i in range(lanes_n)), default=1)
    # A lane too deep for the page at full words keeps each figure to two lines (its target goes first).
    figure_max = MAX_FIGURE_LINES if deepest <= FULL_WORDS_MAX_ROWS else MAX_FIGURE_LINES - 1
    words = {b.id: _box_words(b, inner, figure_max) for b in boxes}
    name_lines = max((len(n) for n, _ in words.values()), default=1)
    figure_lines = max((len(f) for _, f in words.values()), default=1)
    box_height = PAD + name_lines * NAME_LINE + 2 + figure_lines * FIGURE_LINE + PAD - 1
    titles = [wrap(s.upper(), column - 2 * LANE_INSET - 6, STAGE_SIZE, bold=True, max_lines=2) for s in stages]
    header = max((len(t) for t in titles), default=1) * STAGE_LINE + 8
    top = header + 6
    rows: dict[int, int] = {}
    placed: dict[str, tuple[float, float]] = {}  # centre of each box
    map_boxes = []
    for b in boxes:
        row = rows.get(b.stage_index, 0)
        rows[b.stage_index] = row + 1
        x = b.stage_index * column + (column - box_width) / 2
        y = top + row * (box_height + ROW_GAP)
        placed[b.id] = (x + box_width / 2, y + box_height / 2)
        name, figure = words[b.id]
        name_text = tuple(TextLine(t, x + PAD, y + PAD + NAME_SIZE + i * NAME_LINE, NAME_SIZE, True) for i, t in enumerate(name))
        first_figure = y + PAD + name_lines * NAME_LINE + 2 + FIGURE_SIZE
        figure_text = tuple(TextLine(t, x + PAD, first_figure + i * FIGURE_LINE, FIGURE_SIZE) for i, t in enumerate(figure))
        map_boxes.append(MapBox(b.id, b.name, x, y, box_width, box_height, b.fill, b.stroke, 1.0 if b.dashed else 1.6, b.dashed,
                                name_text, figure_text, b.badge, x + box_width - 3, y + 3, y + 3 + BADGE_SIZE * 0.36, b.band))
    height = top + deepest * (box_height + ROW_GAP) - ROW_GAP + 8
    lanes = tuple(MapLane(i * column + LANE_INSET, 0.0, column - 2 * LANE_INSET, height,
                          tuple(TextLine(t, i * column + column / 2, 4 + STAGE_SIZE + j * STAGE_LINE, STAGE_SIZE, True)
                                for j, t in enumerate(title)))
                  for i, title in enumerate(titles))
    half = (box_width / 2, box_height / 2)
    map_edges = tuple(_edge(e, placed[e.source], placed[e.target], half, box_height + ROW_GAP, gap)
                      for e in edges if e.source in placed and e.target in placed)
    return MapGeometry(VIEW_WIDTH, round(height, 1), lanes, tuple(map_boxes), map_edges)


def _edge(e: EdgeInput, a: tuple[float, float], b: tuple[float, float], half: tuple[float, float], pitch: float, gap: float) -> MapEdge:
    """An arrow that never crosses a box: a curve through the gap between lanes, straight down a lane to the next box,
    or bowed out beside the lane when it skips boxes (to the right going down, to the left going up)."""
    (x1, y1), (x2, y2) = a, b
    half_w, half_h = half
    label_w = text_width(e.label, LABEL_SIZE, bold=e.alarming) + 2

    def made(path: str, lx: float, ly: float, anchor: str) -> MapEdge:
        left = lx - label_w / 2 if anchor == "middle" else lx - 2 if anchor == "start" else lx - label_w + 2
        return MapEdge(e.source, e.target, path, e.label, round(lx, 1), round(ly, 1), anchor,
                       (round(left, 1), round(ly - LABEL_SIZE, 1), round(label_w, 1), LABEL_SIZE + 3), e.alarming)

    if abs(x1 - x2) > 1:
        sign = 1 if x2 > x1 else -1
        sx, tx = x1 + sign * half_w, x2 - sign * half_w
        mid = (sx + tx) / 2
        path = f"M {sx:.1f} {y1:.1f} C {mid:.1f} {y1:.1f}, {mid:.1f} {y2:.1f}, {tx:.1f} {y2:.1f}"
        if abs(y1 - y2) < 1:  # a straight arrow between lanes: its label sits just above it, the arrow stays whole
            return made(path, mid, y1 - 3, "middle")
        return made(path, mid, (y1 + y2) / 2 + LABEL_SIZE / 2 - 1, "middle")
    down = y2 > y1
    if abs(abs(y2 - y1) - pitch) < 1:  # neighbours in a lane: straight down (or up)
        sign = 1 if down else -1
        sy, ty = y1 + sign * half_h, y2 - sign * half_h
        return made(f"M {x1:.1f} {sy:.1f} L {x2:.1f} {ty:.1f}", x1 + 5, (sy + ty) / 2 + LABEL_SIZE / 2 - 1, "start")
    side = 1 if down else -1
    sx, bow = x1 + side * half_w, x1 + side * (half_w + gap * 0.55)
    path = f"M {sx:.1f} {y1:.1f} C {bow:.1f} {y1:.1f}, {bow:.1f} {y2:.1f}, {sx:.1f} {y2:.1f}"
    return made(path, bow, (y1 + y2) / 2 + LABEL_SIZE / 2 - 1, "middle")
