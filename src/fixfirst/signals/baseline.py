"""A step judged on its own history: its recent level against its earlier one, within segment cells, and whether the drop holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import TargetRules
from .base import pct
from .dropoff import date_range_text
from .strata import Comparison, compare_lower

DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True)
class Baseline:
    """The recent period's cases (the group) against the earlier ones (the reference), cell by cell.

    `parts` cut the recent period into equal spans, each against the same earlier cases: a drop that is real and
    lasting shows in every part (each carries at least half of it), a one-off blip in one.
    """

    recent: Comparison
    parts: list[Comparison]
    start: dt.date  # first day of the recent period
    end: dt.date  # its last day
    alpha: float

    @property
    def significant(self) -> bool:
        return self.recent.p_value <= self.alpha

    @property
    def persistent(self) -> bool:
        """Every part of the recent period carries at least half the recent drop: a bad week followed by normal ones
        puts the whole drop in one part."""
        drop = self.recent.reference_rate - self.recent.rate
        return all(part.n and part.reference_rate - part.rate >= drop / 2 for part in self.parts)

    @property
    def worse(self) -> bool:
        """Got worse and stays worse: significantly below its earlier level, in every part of the recent period."""
        return self.significant and self.persistent and self.recent.rate < self.recent.reference_rate

    @property
    def dates(self) -> str:
        return date_range_text(self.start, self.end)

    def sentence(self, step: str) -> str:
        r = self.recent
        text = (f"Judged against its own history: {pct(r.rate)} of {r.n:,} customers {self.dates} {step}, against "
                f"{pct(r.reference_rate)} of the {r.reference_n:,} customers before at the same mix of segments "
                f"({pct(r.crude_reference_rate)} as recorded)")
        if self.worse:
            return text + f"; lower in each part of the recent period ({', '.join(pct(p.rate) for p in self.parts)}): it got worse and stays worse."
        if r.rate >= r.reference_rate:
            return text + ": no drop."
        if not self.significant:
            return text + f": a dip within chance (p={r.p_value:.2g}), not a drop."
        return text + f": not in every part of the recent period ({', '.join(pct(p.rate) for p in self.parts)}), a blip rather than a lasting drop."

    def to_dict(self) -> dict:
        r = self.recent
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "n": r.n, "rate": round(r.rate, 4),
                "earlier_n": r.reference_n, "earlier_rate": round(r.crude_reference_rate, 4),
                "earlier_rate_at_recent_mix": round(r.reference_rate, 4), "p_value": float(f"{r.p_value:.3g}"),
                "parts": [round(p.rate, 4) for p in self.parts], "worse": self.worse}


def recent_against_earlier(times: np.ndarray, success: np.ndarray, cells: np.ndarray, rules: TargetRules) -> Baseline | None:
    """The last `rules.baseline_recent_days` of cases against every earlier one; None when either side is too small.

    `times` (int64 ns) when each case was first seen, `success` whether it went on, `cells` its segment cell.
    """
    if not len(times):
        return None
    last = int(times.max())
    cut = last - rules.baseline_recent_days * DAY_NS
    recent = times > cut
    if recent.sum() < rules.baseline_min_cases or (~recent).sum() < rules.baseline_min_cases:
        return None
    size = int(cells.max()) + 1
    overall = compare_lower(recent, success, cells, size)
    edges = np.linspace(cut, last, rules.baseline_parts + 1)
    parts = []
    for i in range(rules.baseline_parts):
        inside = recent & (times > edges[i]) & ((times <= edges[i + 1]) if i < rules.baseline_parts - 1 else True)
        rows = inside | ~recent
        parts.append(compare_lower(inside[rows], success[rows], cells[rows], size))
    day = pd.Timestamp(int(times[recent].min())).date(), pd.Timestamp(last).date()
    return Baseline(overall, parts, day[0], day[1], rules.baseline_alpha)
