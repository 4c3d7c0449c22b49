"""Score a checklist's answers per section and overall: the flags raised, the share on track, and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .answers import Answer, AnswerFile
from .audience import EVERYONE, Audience, NotAsked
from .model import Checklist, ChecklistItem, ChecklistSection

# Shares in the JSON keep three decimals: a tenth of a per cent, finer than any checklist can resolve.
SHARE_DECIMALS = 3


@dataclass(frozen=True)
class Finding:
    """A flagged answer: the item (question, why, fix, evidence), what was said, and its section."""

    item: ChecklistItem
    answer: Answer
    section: ChecklistSection

    @property
    def answer_text(self) -> str:
        return self.item.describe(self.answer.value)


@dataclass(frozen=True)
class SectionScore:
    """`flags` counts the answers that raise a flag (fewer is better); `share_on_track` is the weighted share (0-1)
    of scored answers that raised none (higher is better), None when nothing was scored.

    `total` counts the items asked; `filtered` those left out for this engagement (business type, journey).
    `answered` counts items with an answer (n/a included; skips and notes alone not); `scored` those that count.
    """

    id: str
    title: str
    share_on_track: float | None
    answered: int
    total: int
    flags: int
    scored: int = 0
    skipped: int = 0
    filtered: int = 0


@dataclass
class ChecklistScore:
    checklist: Checklist
    sections: list[SectionScore]
    share_on_track: float | None
    answered: int
    total: int  # items asked: the checklist's items less those filtered out
    findings: list[Finding] = field(default_factory=list)
    not_asked: list[NotAsked] = field(default_factory=list)

    @property
    def flags(self) -> int:
        return len(self.findings)

    @property
    def flagged(self) -> list[Finding]:
        """The findings under the name the fix plan (decision.fix_plan) reads."""
        return self.findings

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)

    @property
    def scored(self) -> int:
        return sum(s.scored for s in self.sections)

    @property
    def given(self) -> int:
        """Items asked that were answered or skipped: the walkthrough's progress."""
        return self.answered + self.skipped

    @property
    def complete(self) -> bool:
        return self.given >= self.total

    def to_dict(self) -> dict:
        return {
            "id": self.checklist.id,
            "title": self.checklist.title,
            "flags": self.flags,
            "share_on_track": _share(self.share_on_track),
            "answered": self.answered,
            "scored": self.scored,
            "skipped": self.skipped,
            "total": self.total,
            "filtered": len(self.not_asked),
            "sections": [
                {"id": s.id, "title": s.title, "flags": s.flags, "share_on_track": _share(s.share_on_track),
                 "answered": s.answered, "scored": s.scored, "skipped": s.skipped, "total": s.total, "filtered": s.filtered}
                for s in self.sections
            ],
            "findings": [
                {"item": f.item.id, "section": f.section.id, "question": f.item.question, "answer": f.answer_text,
                 "note": f.answer.note, "weight": f.item.weight, "touchpoints": list(f.item.touchpoints),
                 "fix": f.item.fix, "evidence": f.item.evidence}
                for f in self.findings
            ],
            "filtered_items": [{"item": n.item.id, "section": n.section.id, "because": n.because} for n in self.not_asked],
        }


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, SHARE_DECIMALS)


def counts_toward_score(item: ChecklistItem, answer: Answer | None) -> bool:
    """An answer counts when it was given, the item can raise a flag, and it is not an n/a that the item ignores.

    Free-text items and items without flag rules are recorded for context but cannot pass or fail. Whether the item
    is asked of the engagement at all is the audience's to say (score_checklist).
    """
    if answer is None or answer.status != "answered" or not item.can_flag:
        return False
    return answer.value is not None or item.is_flagged(None)


def score_checklist(checklist: Checklist, answer_file: AnswerFile, audience: Audience = EVERYONE) -> ChecklistScore:
    """Flags and the share on track per section and overall, over the items `audience` is asked (the answers of the
    others stay in the file and count nowhere)."""
    asked, not_asked = audience.split(checklist)
    asked_ids = {item.id for _, item in asked}
    sections: list[SectionScore] = []
    findings: list[Finding] = []
    total_weight = clear_weight = 0.0
    for section in checklist.sections:
        weight = clear = 0.0
        answered = scored = skipped = flags = total = 0
        for item in section.items:
            if item.id not in asked_ids:
                continue
            total += 1
            answer = answer_file.answers.get(item.id)
            if answer is None or not answer.given:
                continue
            if answer.status == "skipped":
                skipped += 1
                continue
            answered += 1
            if not counts_toward_score(item, answer):
                continue
            scored += 1
            weight += item.weight
            if item.is_flagged(answer.value):
                flags += 1
                findings.append(Finding(item, answer, section))
            else:
                clear += item.weight
        filtered = sum(1 for n in not_asked if n.section.id == section.id)
        sections.append(SectionScore(section.id, section.title, clear / weight if weight else None,
                                     answered, total, flags, scored, skipped, filtered))
        total_weight += weight
        clear_weight += clear
    # The heaviest flags first: they are the fixes that matter most.
    findings.sort(key=lambda f: -f.item.weight)
    share = clear_weight / total_weight if total_weight else None
    return ChecklistScore(checklist, sections, share, sum(s.answered for s in sections), len(asked), findings, not_asked)
