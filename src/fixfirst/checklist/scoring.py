"""Score a checklist's answers per section and overall, and list the flagged items with their fixes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .answers import Answer, AnswerFile
from .model import Checklist, ChecklistItem, ChecklistSection


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
    """`score` is the weighted share (0-100) of scored answers that raised no flag; None when nothing was scored.

    `answered` counts items with an answer (n/a included, skips not); `scored` those that count toward the score.
    """

    id: str
    title: str
    score: float | None
    answered: int
    total: int
    flagged: int
    scored: int = 0
    skipped: int = 0


@dataclass
class ChecklistScore:
    checklist: Checklist
    sections: list[SectionScore]
    overall: float | None
    answered: int
    total: int
    flagged: list[Finding] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.answered + sum(s.skipped for s in self.sections) >= self.total

    def to_dict(self) -> dict:
        return {
            "id": self.checklist.id,
            "title": self.checklist.title,
            "overall": None if self.overall is None else round(self.overall, 1),
            "answered": self.answered,
            "total": self.total,
            "sections": [
                {"id": s.id, "title": s.title, "score": None if s.score is None else round(s.score, 1),
                 "answered": s.answered, "scored": s.scored, "skipped": s.skipped, "total": s.total, "flagged": s.flagged}
                for s in self.sections
            ],
            "flagged": [
                {"item": f.item.id, "section": f.section.id, "question": f.item.question, "answer": f.answer_text,
                 "note": f.answer.note, "weight": f.item.weight, "touchpoints": list(f.item.touchpoints),
                 "fix": f.item.fix, "evidence": f.item.evidence}
                for f in self.flagged
            ],
        }


def counts_toward_score(item: ChecklistItem, answer: Answer | None) -> bool:
    """An answer counts when it was given, the item can raise a flag, and it is not an n/a that the item ignores.

    Free-text items and items without flag rules are recorded for context but cannot pass or fail.
    """
    if answer is None or answer.status != "answered" or not item.can_flag:
        return False
    return answer.value is not None or item.is_flagged(None)


def score_checklist(checklist: Checklist, answer_file: AnswerFile) -> ChecklistScore:
    sections: list[SectionScore] = []
    findings: list[Finding] = []
    total_weight = clear_weight = 0.0
    for section in checklist.sections:
        weight = clear = 0.0
        answered = scored = skipped = flagged = 0
        for item in section.items:
            answer = answer_file.answers.get(item.id)
            if answer is None:
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
                flagged += 1
                findings.append(Finding(item, answer, section))
            else:
                clear += item.weight
        sections.append(SectionScore(section.id, section.title, 100 * clear / weight if weight else None,
                                     answered, len(section.items), flagged, scored, skipped))
        total_weight += weight
        clear_weight += clear
    # The heaviest flags first: they are the fixes that matter most.
    findings.sort(key=lambda f: -f.item.weight)
    overall = 100 * clear_weight / total_weight if total_weight else None
    return ChecklistScore(checklist, sections, overall, sum(s.answered for s in sections), len(checklist.items()), findings)
