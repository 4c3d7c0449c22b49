"""The journey page of the report view: the map, the stage-by-evidence heat strip and the tone of comments per stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..scoring import STEP_LOSS_METRICS
from . import figures
from .charts import journey_map
from .charts.journey_map import BoxInput, EdgeInput, MapGeometry
from .numbers import Formatter

if TYPE_CHECKING:
    from ..config import Settings
    from ..decision import AuditResult
    from ..scoring import WeakSpot
    from ..signals import FrictionSignal


@dataclass(frozen=True)
class Band:
    """How far a touchpoint (or one figure) is from its targets, as a colour and the words the legend gives it."""

    key: str
    label: str
    fill: str  # pale, behind dark text
    stroke: str  # strong: the border, the legend swatch


FAR, OFF, NEAR, UNJUDGED, NO_DATA = "far", "off", "near", "unjudged", "none"
BANDS = {
    FAR: Band(FAR, "Far off target", "#f7d4d1", "#c9302c"),
    OFF: Band(OFF, "Off target", "#fde5c0", "#d98a0b"),
    NEAR: Band(NEAR, "On target or close", "#dcefd8", "#4c9a4c"),
    UNJUDGED: Band(UNJUDGED, "Not judged (no target, or too little data)", "#e6ebf3", "#7d8ca6"),
    NO_DATA: Band(NO_DATA, "No data", "#f3f3f3", "#a5a5a5"),
}
TONE_COLOURS = {"negative": "#c9302c", "neutral": "#b9b9b9", "positive": "#4c9a4c"}

# What a figure says, by signal metric: "{v}" is the measured share. Short enough for a box a fifth of a page wide.
PHRASES = {
    "conversion": "{v} of visitors go on",
    "activity_conversion": "{v} go on within this step",
    "segment_gap": "{v} of {segment} visitors go on",
    "incident": "{v} went on {when}",
    "promise_breach": "{v} of orders arrive late",
    "late_dispatch": "{v} of orders dispatched late",
    "stockout": "{v} of orders hit a stock-out",
    "cancellation": "{v} of orders cancelled",
    "returns": "{v} of orders returned",
    "repeat": "{v} of customers order again",
    "complaint_share": "{v} of comments complain",
    "top2box": "{v} rate it 4 or 5",
    "checklist": "{v} of practices flagged",
}
# The heat strip's rows: kinds of evidence, in the order a customer meets them, and the signal metrics each gathers.
EVIDENCE_ROWS = (
    ("Visitors going on", frozenset(STEP_LOSS_METRICS | {"conversion", "activity_conversion"})),
    ("Out of stock", frozenset({"stockout"})),
    ("Late dispatch", frozenset({"late_dispatch"})),
    ("Late delivery", frozenset({"promise_breach"})),
    ("Cancelled orders", frozenset({"cancellation"})),
    ("Returned orders", frozenset({"returns"})),
    ("Repeat customers", frozenset({"repeat"})),
    ("Complaints", frozenset({"complaint_share"})),
    ("Rated 4 or 5", frozenset({"top2box"})),
    ("Practices flagged", frozenset({"checklist"})),
)
OTHER_ROW = "Other measures"


@dataclass(frozen=True)
class HeatCell:
    band: Band
    value: str  # "54%", or "" when nothing measures this kind of evidence in the stage
    target: str  # "target 89%", "usual 70%", "no target"
    where: str  # the touchpoint (and segment) the figure belongs to; "no data" for an empty cell


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: tuple[HeatCell, ...]  # one per stage, in journey order


@dataclass(frozen=True)
class ToneCell:
    """The tone of the comments that name a stage's touchpoints, as a stacked bar."""

    stage: str
    comments: int
    count: str  # "79 comments"
    summary: str  # "65% negative"
    negative_width: float  # percentages of the bar
    neutral_width: float
    positive_width: float


@dataclass(frozen=True)
class LegendItem:
    label: str
    fill: str
    stroke: str


@dataclass(frozen=True)
class JourneyView:
    how_to_read: str
    map: MapGeometry
    stages: tuple[str, ...]
    legend: tuple[LegendItem, ...]
    badge_note: str
    arrow_note: str
    heat_rows: tuple[HeatRow, ...]
    heat_note: str
    tone: tuple[ToneCell, ...] | None  # None: no comments were provided
    tone_note: str
    tone_colours: dict
    weak_spot_count: int


def score_band(score: float, settings: Settings) -> str:
    """The band a score falls in: the verdict's blocking score and the weak-spot minimum are the edges."""
    if score >= settings.verdict.block_score:
        return FAR
    if score >= settings.scoring.weak_spot_min_score and score > 0:
        return OFF
    return NEAR


def _counts(signal: FrictionSignal, settings: Settings) -> bool:
    """Whether a signal is judged on enough evidence to score (the ranking's rule: consultation answers are exempt)."""
    return signal.judged and (signal.n >= settings.scoring.min_evidence_n or signal.source == "checklist")


def touchpoint_band(spot: WeakSpot, settings: Settings) -> str:
    if not spot.contributions:
        return NO_DATA
    if spot.rank:
        return FAR if spot.score >= settings.verdict.block_score else OFF
    if not any(_counts(c.signal, settings) for c in spot.contributions):
        return UNJUDGED
    return NEAR


def signal_score(signal: FrictionSignal, settings: Settings) -> float:
    """What the signal alone would score at a touchpoint every customer passes (the ranking's scale, 0-100)."""
    return 100.0 * signal.weight * signal.severity if _counts(signal, settings) else 0.0


def signal_band(signal: FrictionSignal, settings: Settings) -> str:
    return score_band(signal_score(signal, settings), settings) if _counts(signal, settings) else UNJUDGED


def _share(fmt: Formatter, value: float, other: float | None = None) -> str:
    """A share with a decimal where whole percentages would hide the difference (7.9% against 2%, 5.3% against 5%)."""
    digits = 1 if (value < 0.1 and round(value * 100, 1) != round(value * 100)) else 0
    if other is not None and fmt.percent(value, digits) == fmt.percent(other, 0) and abs(value - other) > 1e-9:
        digits = 1
    return fmt.percent(value, digits)


def _when(signal: FrictionSignal, fmt: Formatter) -> str:
    start, end = signal.detail.get("start"), signal.detail.get("end")
    if not start or not end:
        return "during a drop"
    return f"{fmt.short_date(dt.date.fromisoformat(start[:10]))}–{fmt.short_date(dt.date.fromisoformat(end[:10]))}"


def figure_words(signal: FrictionSignal, fmt: Formatter) -> tuple[str, str, str]:
    """(the figure against its target, the figure alone, the target alone) in plain words."""
    value = _share(fmt, signal.value, signal.target if signal.judged else None)
    phrase = PHRASES.get(signal.metric, "{v} measured").format(
        v=value, segment=str(signal.detail.get("segment") or "some"), when=_when(signal, fmt))
    if not signal.judged:
        target = "no target"
    elif signal.metric == "incident":
        target = f"usual {_share(fmt, signal.target)}"
    else:
        target = f"target {_share(fmt, signal.target)}"
    return f"{phrase} ({target})", phrase, target


def _where(signal: FrictionSignal, name: str, fmt: Formatter) -> str:
    if signal.metric == "segment_gap" and signal.detail.get("segment"):
        return f"{name}, {signal.detail['segment']}"
    if signal.metric == "incident":
        return f"{name}, {_when(signal, fmt)}"
    return name


def _worst(signals: list[FrictionSignal], settings: Settings) -> FrictionSignal:
    """The figure furthest from its target: highest score, then the smallest margin to the target, then the largest sample."""
    def margin(s: FrictionSignal) -> float:
        return (s.value - s.target) if s.higher_is_better else (s.target - s.value)
    return max(signals, key=lambda s: (_counts(s, settings), signal_score(s, settings), -margin(s), s.n))


def _heat_rows(result: AuditResult, fmt: Formatter) -> tuple[HeatRow, ...]:
    settings = result.engagement.settings
    journey = result.journey
    stage_of = {tp.id: tp.stage for tp in journey.touchpoints}
    names = {tp.id: tp.name for tp in journey.touchpoints}
    signals = [s for s in result.signals.signals if s.touchpoint in stage_of]
    known = frozenset().union(*(m for _, m in EVIDENCE_ROWS))
    kinds = [*EVIDENCE_ROWS, (OTHER_ROW, frozenset({s.metric for s in signals} - known))]
    rows = []
    for label, metrics in kinds:
        of_kind = [s for s in signals if s.metric in metrics]
        if not of_kind:
            continue
        cells = []
        for stage in journey.stages:
            here = [s for s in of_kind if stage_of[s.touchpoint] == stage]
            if not here:
                cells.append(HeatCell(BANDS[NO_DATA], "", "", "no data"))
                continue
            worst = _worst(here, settings)
            _, _, target = figure_words(worst, fmt)
            written = _share(fmt, worst.value, worst.target if worst.judged else None)
            # Name the step only where the stage has several with this kind of evidence (or the figure is one segment's).
            several = len({s.touchpoint for s in here}) > 1 or worst.metric in ("segment_gap", "incident")
            where = _where(worst, names[worst.touchpoint], fmt) if several else ""
            if worst.n < settings.scoring.medium_confidence_n and worst.source != "checklist":
                where = ", ".join(filter(None, [where, f"n = {fmt.count(worst.n)}"]))
            cells.append(HeatCell(BANDS[signal_band(worst, settings)], written, target, where))
        rows.append(HeatRow(label, tuple(cells)))
    return tuple(rows)


def _tone(result: AuditResult, fmt: Formatter) -> tuple[tuple[ToneCell, ...] | None, str]:
    tagged = result.signals.feedback
    journey = result.journey
    if tagged is None or tagged.frame is None or len(tagged.frame) == 0:
        return None, "No customer comments were provided, so the tone of each stage is not known."
    frame = tagged.frame
    stage_of = {tp.id: tp.stage for tp in journey.touchpoints}
    stages_named = frame["tags"].map(lambda tags: {stage_of[t] for t in tags if t in stage_of})
    tones = frame["tone"].to_numpy()
    cells = []
    for stage in journey.stages:
        mask = stages_named.map(lambda named, stage=stage: stage in named).to_numpy(dtype=bool)
        n = int(mask.sum())
        if n == 0:
            cells.append(ToneCell(stage, 0, "No comments name this stage", "", 0.0, 0.0, 0.0))
            continue
        here = tones[mask]
        negative, positive = float((here < 0).mean()), float((here > 0).mean())
        neutral = max(0.0, 1.0 - negative - positive)
        count = f"{fmt.count(n)} comment" + ("" if n == 1 else "s")
        cells.append(ToneCell(stage, n, count, f"{fmt.percent(negative)} negative",
                              round(negative * 100, 2), round(neutral * 100, 2), round(positive * 100, 2)))
    unnamed = int((stages_named.map(len) == 0).sum())
    note = (f"Tone is read from each comment's words; {fmt.count(unnamed)} of {fmt.count(len(frame))} comments name no step "
            "and are left out.")
    return tuple(cells), note


def _geometry():
    """The map's geometry module, imported when a view is built rather than when this module loads: the report
    package's __init__ imports the HTML renderer, which imports this package."""

    return journey_map


def _edges(result: AuditResult, fmt: Formatter) -> list[EdgeInput]:
    """Each transition with the share of visitors measured going on (its conversion signal, else the purchase chain)."""
    EdgeInput = _geometry().EdgeInput
    settings = result.engagement.settings
    conversions = {s.edge: s for s in result.signals.signals if s.metric == "conversion" and s.edge}
    off_target = {s.edge for s in result.signals.signals
                  if s.edge and s.metric in STEP_LOSS_METRICS and s.severity > 0 and _counts(s, settings) and not s.ended}
    chain = result.ranking.chain
    edges = []
    for tr in result.journey.transitions:
        key = (tr.source, tr.target)
        share = conversions[key].value if key in conversions else (chain.probability.get(key) if chain is not None else None)
        edges.append(EdgeInput(tr.source, tr.target, "" if share is None else fmt.percent(share), key in off_target))
    return edges


def _boxes(result: AuditResult, fmt: Formatter) -> list[BoxInput]:
    BoxInput = _geometry().BoxInput
    settings = result.engagement.settings
    boxes = []
    for tp in result.journey.ordered():
        spot = result.ranking.for_touchpoint(tp.id)
        band = BANDS[touchpoint_band(spot, settings)]
        main = figures.key_signal(spot)  # the same figure the healthy table gives
        if main is None:
            full = short = "no data"
        else:
            full, short, _ = figure_words(main, fmt)
        boxes.append(BoxInput(tp.id, tp.stage_index, tp.name, full, short, f"#{spot.rank}" if spot.rank else None,
                              band.key, band.fill, band.stroke, dashed=band.key == NO_DATA))
    return boxes


def _arrow_note(edges: list[EdgeInput]) -> str:
    if not any(e.label for e in edges):
        return "No visitor data measures the steps between the boxes."
    note = "Figure on an arrow: share of visitors who go on to the next step"
    return note + (" (red: below its target)." if any(e.alarming for e in edges) else ".")


def build(result: AuditResult, fmt: Formatter) -> JourneyView:
    journey = result.journey
    settings = result.engagement.settings
    boxes, edges = _boxes(result, fmt), _edges(result, fmt)
    geometry = _geometry().layout_map(list(journey.stages), boxes, edges)
    heat_rows = _heat_rows(result, fmt)
    block, least = fmt.number(settings.verdict.block_score), fmt.number(settings.scoring.weak_spot_min_score)
    # The score ranges go beside the colours: the same bands colour the map and the heat strip. The three score bands
    # are always listed (a healthy journey shows what red would mean); the other two only where they appear.
    ranges = {FAR: f"score {block} or more", OFF: f"score {least} to {block}", NEAR: f"score under {least}"}
    used = {b.band for b in boxes} | {c.band.key for row in heat_rows for c in row.cells}
    legend = tuple(LegendItem(f"{b.label} ({ranges[k]})" if k in ranges else b.label, b.fill, b.stroke)
                   for k, b in BANDS.items() if k in ranges or k in used)
    weak = len(result.ranking.weak_spots)
    how = ("Read left to right, one lane per stage. Each box is a step with its key figure, coloured by how far it falls "
           "short of its targets; ")
    how += "numbered badges mark the weak spots, in the order to fix them." if weak else "no step falls short enough to be a weak spot."
    tone, tone_note = _tone(result, fmt)
    return JourneyView(
        how_to_read=how,
        map=geometry,
        stages=tuple(journey.stages),
        legend=legend,
        badge_note="#1, #2 …: weak spots in the order to fix them" if weak else "",
        arrow_note=_arrow_note(edges),
        heat_rows=heat_rows,
        heat_note=("Each cell shows the stage's figure furthest from its target, coloured by how far that figure alone is from "
                   "it (the bands of the map)." if heat_rows else "No data measures any step of the journey yet."),
        tone=tone,
        tone_note=tone_note,
        tone_colours=dict(TONE_COLOURS),
        weak_spot_count=weak,
    )
