"""Consultation answers as evidence: flagged checklist answers become `checklist` signals on their touchpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..boundary import inside_boundary
from ..errors import FixfirstError, InputProblems, Problem, Severity
from ..settings import Settings
from .base import Evidence, FrictionSignal, severity_of, wilson_interval

SOURCE = "checklist"
METRIC = "checklist"


@dataclass
class ChecklistResults:
    """Every answered checklist of an engagement, scored, and the touchpoint ids its items name that the journey lacks."""

    scores: list = field(default_factory=list)  # ChecklistScore, in file-name order
    unknown_touchpoints: dict[str, list[str]] = field(default_factory=dict)  # touchpoint id -> "checklist/item" ids

    @property
    def findings(self) -> int:
        return sum(len(score.flagged) for score in self.scores)

    def to_dict(self) -> list[dict]:
        return [score.to_dict() for score in self.scores]


def answer_files(folder: Path) -> list[Path]:
    """ENGAGEMENT/answers/*.yaml, without hidden and temporary files."""
    from ..checklist.answers import ANSWERS_FOLDER

    answers = Path(folder) / ANSWERS_FOLDER
    if not answers.is_dir():
        return []
    return sorted(p for p in answers.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file())


def load_engagement_answers(folder: Path) -> tuple[list, list[Problem]]:
    """Load every answers file of the engagement with its checklist; a broken file is a located problem, not a crash.

    The checklist is found by the file's name: the engagement's own checklists/ folder first, then the library.
    """
    from ..checklist.answers import AnswerFile
    from ..checklist.model import find_checklist

    loaded, problems = [], []
    for path in answer_files(folder):
        try:
            inside_boundary(path.relative_to(folder), folder, what="answers file", may_be_allowed=False)  # a link out of the engagement is not read
            checklist = find_checklist(path.stem, search=[Path(folder) / "checklists"])
            loaded.append(AnswerFile.open(path, checklist))
        except InputProblems as exc:
            problems += exc.problems
        except FixfirstError as exc:
            problems.append(Problem(code="checklist.answers", message=f"{exc.cause}; {exc.fix}" if exc.fix else exc.cause, file=str(path)))
    return loaded, problems


def checklist_problems(folder: Path, journey) -> list[Problem]:
    """What `fixfirst check` reports about the answers: broken files (errors) and touchpoints the journey lacks (warnings)."""
    from ..checklist.scoring import counts_toward_score

    loaded, problems = load_engagement_answers(folder)
    known = {tp.id for tp in journey.touchpoints}
    for answer_file in loaded:
        # Library items name the touchpoint ids of every starter journey (pick_pack or fulfilment): only an item
        # none of whose touchpoints this journey has is worth a warning, as its answer can reach no touchpoint.
        stranded = [item_id for item_id, answer in answer_file.answers.items()
                    if counts_toward_score(answer_file.checklist.item(item_id), answer)
                    and not set(answer_file.checklist.item(item_id).touchpoints) & known]
        if stranded:
            missing = sorted({t for item_id in stranded for t in answer_file.checklist.item(item_id).touchpoints})
            problems.append(Problem(
                code="checklist.unknown_touchpoint", severity=Severity.WARNING, file=str(answer_file.path), column=None,
                message=f"answered items {', '.join(stranded)} concern touchpoints ({', '.join(missing)}) that journey.yaml does not have; "
                        "they are scored but give no signal (rename a touchpoint, or add one)", value=", ".join(missing)[:80]))
    return problems


def _unknown_touchpoints(answer_file, known: set[str]) -> dict[str, list[str]]:
    unknown: dict[str, list[str]] = {}
    for item_id, answer in answer_file.answers.items():
        item = answer_file.checklist.item(item_id)
        if answer.status != "answered":
            continue
        for touchpoint in item.touchpoints:
            if touchpoint not in known:
                unknown.setdefault(touchpoint, []).append(item_id)
    return unknown


def checklist_signals(folder: Path, journey, settings: Settings) -> tuple[list[FrictionSignal], ChecklistResults]:
    """One `checklist` signal per touchpoint with scored answers; raises InputProblems if an answers file is broken.

    value = (weight of flagged answers) / (weight of scored answers) among the items that concern the touchpoint,
    n = number of those answers; shrunk toward the target by `checklists.prior_answers` pseudo-answers.
    """
    from ..checklist.scoring import counts_toward_score, score_checklist

    loaded, problems = load_engagement_answers(folder)
    if any(p.severity is Severity.ERROR for p in problems):
        raise InputProblems(problems)
    results = ChecklistResults()
    known = {tp.id for tp in journey.touchpoints}
    per_touchpoint: dict[str, list] = {}
    for answer_file in loaded:
        results.scores.append(score_checklist(answer_file.checklist, answer_file))
        for touchpoint, items in _unknown_touchpoints(answer_file, known).items():
            results.unknown_touchpoints.setdefault(touchpoint, []).extend(f"{answer_file.checklist_id}/{i}" for i in items)
        for section, item in answer_file.checklist.items():
            answer = answer_file.answers.get(item.id)
            if not counts_toward_score(item, answer):
                continue
            for touchpoint in item.touchpoints:
                if touchpoint in known:
                    per_touchpoint.setdefault(touchpoint, []).append((answer_file.checklist, item, answer))
    signals = [_signal(tp.id, per_touchpoint[tp.id], settings, tp.targets.get(METRIC))
               for tp in journey.touchpoints if tp.id in per_touchpoint]
    return signals, results


def _signal(touchpoint: str, answered: list, settings: Settings, target: float | None) -> FrictionSignal:
    rule = settings.metrics.checklist
    target = rule.target if target is None else target
    total_weight = sum(item.weight for _, item, _ in answered)
    flagged = [(checklist, item, answer) for checklist, item, answer in answered if item.is_flagged(answer.value)]
    value = sum(item.weight for _, item, _ in flagged) / total_weight
    n = len(answered)
    hits = value * n  # flagged answers, counted by weight: a heavy flag counts for more than a light one
    prior = settings.checklists.prior_answers
    shrunk = (hits + prior * target) / (n + prior)
    low, high = wilson_interval(hits, n, settings.scoring.ci_level)
    evidence = [Evidence(f"{checklist.title}: \u201c{item.question}\u201d answered \u201c{item.describe(answer.value)}\u201d. Fix: {item.fix}", "fact")
                for checklist, item, answer in sorted(flagged, key=lambda f: -f[1].weight)]
    return FrictionSignal(
        touchpoint=touchpoint, metric=METRIC, label="Consultation answers that raise a flag", source=SOURCE,
        value=value, target=target, higher_is_better=False, n=n, ci_low=low, ci_high=high, shrunk_value=shrunk,
        severity=severity_of(shrunk, target, rule.critical_gap, False), weight=rule.weight, evidence=evidence,
        detail={"flagged": [f"{c.id}/{i.id}" for c, i, _ in flagged], "answered": [f"{c.id}/{i.id}" for c, i, _ in answered]},
    )
