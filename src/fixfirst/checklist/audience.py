"""Which checklist items an engagement is asked: those written for its business type and reaching its journey."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import AUDIT_FILE, load_engagement
from ..errors import FixfirstError
from ..journey import Journey, load_journey
from .model import Checklist, ChecklistItem, ChecklistSection

# Why an item is not asked: it is written for other business types, or the journey has none of its touchpoints.
NotAskedBecause = Literal["business_type", "journey"]


@dataclass(frozen=True)
class NotAsked:
    """An item left out for this engagement; its answer, if the file holds one, is kept but not scored."""

    item: ChecklistItem
    section: ChecklistSection
    because: NotAskedBecause


@dataclass(frozen=True)
class Audience:
    """The engagement the questions are put to: its client.business_type and the touchpoints of its journey.

    `business_type` unknown is asked every question the journey allows. Without a journey (`touchpoint_ids` None: no
    audit.yaml yet) no item is left out for its touchpoints.
    """

    business_type: str = "unknown"
    touchpoint_ids: frozenset[str] | None = None
    step_kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, journey: Journey | None, business_type: str = "unknown") -> Audience:
        if journey is None:
            return cls(business_type)
        touchpoints = journey.touchpoints
        return cls(business_type, frozenset(tp.id for tp in touchpoints), frozenset(tp.kind for tp in touchpoints))

    @property
    def filters(self) -> bool:
        return self.business_type != "unknown" or self.touchpoint_ids is not None

    def why_not_asked(self, item: ChecklistItem) -> NotAskedBecause | None:
        """None when the item is asked. An item reaches the journey through a touchpoint id it names, or a step kind:
        an item naming `delivery` reaches a touchpoint of kind delivery whatever its id."""
        if item.business_types and self.business_type != "unknown" and self.business_type not in item.business_types:
            return "business_type"
        if self.touchpoint_ids is not None and not set(item.touchpoints) & (self.touchpoint_ids | self.step_kinds):
            return "journey"
        return None

    def asks(self, item: ChecklistItem) -> bool:
        return self.why_not_asked(item) is None

    def split(self, checklist: Checklist) -> tuple[list[tuple[ChecklistSection, ChecklistItem]], list[NotAsked]]:
        """The items asked, in checklist order, and those left out with the reason."""
        asked: list[tuple[ChecklistSection, ChecklistItem]] = []
        left_out: list[NotAsked] = []
        for section, item in checklist.items():
            because = self.why_not_asked(item)
            if because is None:
                asked.append((section, item))
            else:
                left_out.append(NotAsked(item, section, because))
        return asked, left_out


EVERYONE = Audience()


def engagement_audience(folder: Path) -> tuple[Audience, str]:
    """The audience of an engagement folder for `checklist run`, and a note when it could not be read in full.

    A walkthrough must not be blocked by a half-set-up engagement: without audit.yaml, or with one that does not load,
    every question is asked and the note says why (the audit itself refuses a broken audit.yaml later, located).
    """
    folder = Path(folder)
    if not (folder / AUDIT_FILE).is_file():
        return EVERYONE, f"no {AUDIT_FILE} in {folder} yet, so every question is asked (none is filtered by business type or journey)"
    try:
        engagement = load_engagement(folder)
    except FixfirstError as exc:
        return EVERYONE, (f"every question is asked: {AUDIT_FILE} could not be read ({exc.cause}); "
                          f"`fixfirst check {folder}` lists its problems")
    business_type = engagement.audit.client.business_type
    try:
        journey = load_journey(engagement.journey_path)
    except FixfirstError as exc:
        return Audience(business_type), (f"questions are filtered by business type only: the journey could not be read "
                                          f"({exc.cause}); `fixfirst check {folder}` lists its problems")
    return Audience.of(journey, business_type), ""
