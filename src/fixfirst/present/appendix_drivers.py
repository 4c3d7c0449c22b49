"""Appendix: what drives the survey outcome (key-driver analysis), the one place the report shows p-values, read plainly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..signals import DriverAnalysis, DriversSkipped
from .charts.drivers_chart import QUADRANT_LABEL, DriverChart, layout_drivers
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult


@dataclass(frozen=True)
class DriverRow:
    rank: str
    question: str  # the survey header: client text, escaped by the template
    touchpoints: str
    importance: str
    coefficient: str
    p: str
    performance: str
    n: str
    quadrant: str  # the computation's quadrant name, for tests and styling
    action: str  # the quadrant in plain words
    significant: bool


@dataclass(frozen=True)
class DriversAppendix:
    letter: str
    title: str
    skipped: str  # why the analysis was not run ("" when it was)
    intro: str
    p_reading: str  # what p means, in plain words
    rows: list[DriverRow]
    chart: DriverChart | None
    chart_caption: str
    excluded: list[str] = field(default_factory=list)


def plain_reason(text: str) -> str:
    """The analysis's own reasons without setting names or 'rating(s)' (they are written for the command line)."""
    text = re.sub(r",? below drivers\.min_answer_share (\S+)", r", fewer than the \1 needed", text)
    text = re.sub(r"\s*\(drivers\.[a-z_]+\)", "", text)
    return re.sub(r"\b1 touchpoint rating\(s\)", "1 touchpoint rating", text).replace("rating(s)", "ratings")


def _p(value: float, fmt: Formatter) -> str:
    if value != value:  # NaN: collinearity left the coefficient unidentified
        return "not estimable"
    return f"p<{fmt.number(0.001, 3)}" if value < 0.001 else f"p={fmt.number(value, 3)}"


def _touchpoints(result: AuditResult, ids) -> str:
    names = []
    for tp in ids:
        try:
            names.append(result.journey.touchpoint(tp).name)
        except (KeyError, StopIteration, ValueError):
            names.append(tp)
    return ", ".join(names) or "–"


def build_drivers(result: AuditResult, fmt: Formatter, letter: str,
                  analysis: DriverAnalysis | DriversSkipped | None = None) -> DriversAppendix | None:
    """`analysis` defaults to the audit's; tests pass their own."""

    d = result.signals.drivers if analysis is None else analysis
    if d is None:
        return None
    excluded = [f"“{e.column}” ({plain_reason(e.reason)})" for e in d.excluded]
    if isinstance(d, DriversSkipped):
        return DriversAppendix(letter, "What drives the survey outcome", f"Key-driver analysis not run: {plain_reason(d.reason)}.",
                               "", "", [], None, "", excluded)
    level = fmt.percent(result.engagement.settings.scoring.ci_level)
    intro = (f"How strongly each touchpoint rating explains why some customers rate {d.outcome_label} higher than others, "
             f"from n = {fmt.count(d.n)} responses that answered it and every rating below. Together the ratings explain "
             f"{fmt.percent(d.r_squared)} of those differences; “matters” is each rating's share of that, and “rated 4–5” "
             "is how well the touchpoint does. Improve first what matters most and does worst.")
    alpha = d.significance_level
    p_reading = (f"p is the chance of seeing a link this strong if the rating did not matter at all: below "
                 f"{fmt.number(alpha, 2)} (one in {fmt.count(1 / alpha)}) the link is taken as real; p<{fmt.number(0.001, 3)} "
                 "means less than one in a thousand. The weight is the rating's coefficient in a regression on standardised ratings; "
                 "“overlaps” marks a rating so alike to others that its weight is uncertain.")
    rows = []
    for r in d.drivers:
        coefficient = fmt.number(r.beta, 2) + (f" (overlaps, ×{fmt.number(r.vif, 1)})" if r.collinear else "")
        p = _p(r.p_value, fmt) + ("" if r.significant else ", not significant")
        performance = f"{fmt.percent(r.performance)} ({fmt.number(r.performance_ci[0] * 100)}–{fmt.percent(r.performance_ci[1])})"
        rows.append(DriverRow(fmt.count(r.rank), r.column, _touchpoints(result, r.touchpoints), fmt.percent(r.share), coefficient,
                              p, performance, fmt.count(r.n_answered), r.quadrant, QUADRANT_LABEL.get(r.quadrant, r.quadrant),
                              r.significant))
    chart = layout_drivers(d, fmt)
    caption = (f"Each dot is a survey question, numbered by rank; its whisker is the {level} interval of the share rating "
               f"it 4–5. The dashed lines are the {d.split_rule} of how much the questions matter "
               f"({fmt.percent(d.importance_split, 1)}) and of how well they do ({fmt.percent(d.performance_split)}).")
    return DriversAppendix(letter, f"What drives {d.outcome_label}", "", intro, p_reading, rows, chart,
                           caption if chart is not None else "", excluded)
