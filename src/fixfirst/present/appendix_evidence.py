"""The evidence appendix: the statistics behind each weak spot's card (signals, n, intervals, targets and their sources)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import figures
from .numbers import Formatter

if TYPE_CHECKING:
    from ..scoring import WeakSpot


@dataclass(frozen=True)
class SignalRow:
    label: str
    source: str
    value: str
    target: str
    basis: str  # journey | settings | benchmark | baseline | segment | default
    n: str
    interval: str
    share: str


@dataclass(frozen=True)
class SpotEvidence:
    """The statistics behind one card, for the appendix."""

    touchpoint_id: str
    rank: str
    name: str
    summary: str  # score, confidence and why, reach, how the money was measured
    rows: tuple[SignalRow, ...]
    targets: tuple[str, ...]
    evidence: tuple[str, ...]



def _no_setting_name(note: str) -> str:
    """A target's basis without the settings key in brackets: the reader needs where the figure comes from, not its key."""
    return re.sub(r"\s*\((?:metrics|scoring|capacity|drivers|verdict)\.[\w.]+\)", "", note)


def spot_evidence(spot: WeakSpot, fmt: Formatter) -> SpotEvidence:
    rows = tuple(SignalRow(c.signal.label, c.signal.source, fmt.percent(c.signal.value, 1), fmt.percent(c.signal.target),
                           c.signal.basis.value, fmt.count(c.signal.n),
                           f"{fmt.percent(c.signal.ci_low)}–{fmt.percent(c.signal.ci_high)}", fmt.percent(c.share))
                 for c in spot.contributions)
    targets = tuple(f"{c.signal.label}: {_no_setting_name(c.signal.basis_note or c.signal.basis.value)}" for c in spot.contributions)
    evidence = tuple(e.text for c in spot.contributions for e in c.signal.evidence if e.kind != "quote")
    money = spot.money.basis or "not measured"
    summary = (f"Score {figures.spot_score(spot, fmt)} of 100. Confidence {spot.confidence}: {spot.confidence_reason}. "
               f"Reach {fmt.percent(spot.reach)}: {spot.reach_basis}. Money at stake: {figures.spot_money(spot, fmt)} a month. "
               f"How it is measured: {money}.")
    return SpotEvidence(spot.touchpoint.id, f"#{spot.rank}", spot.touchpoint.name, summary, rows, targets, evidence)
