"""Consultation answers as evidence: flagged checklist answers become `checklist` signals on their touchpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..checklist import ANSWERS_FOLDER, AnswerFile, Audience, counts_toward_score, find_checklist, score_checklist
from ..config import Settings, inside_boundary
from ..errors import ConfigError, FixfirstError, InputProblems, Problem, Severity
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
        return sum(score.flags for score in self.scores)

    def to_dict(self) -> list[dict]:
        return [score.to_dict() for score in self.scores]


def answer_files(folder: Path) -> list[Path]:
    """ENGAGEMENT/answers/*.yaml, without hidden and temporary files."""
    answers = Path(folder) / ANSWERS_FOLDER
    if not answers.is_dir():
        return []
    return sorted(p for p in answers.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file())


def load_engagement_answers(folder: Path) -> tuple[list, list[Problem]]:
    """Load every answers file of the engagement with its checklist; a broken file is a located problem, not a crash.

    The checklist is found by the file's name: the engagement's own checklists/ folder first, then the library.
    """
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


def checklist_problems(folder: Path, journey, business_type: str = "unknown") -> list[Problem]:
    """What `fixfirst check` reports about the answers: broken files (errors); answers to items the engagement is not
    asked (warnings: kept, not scored); scored answers that reach no touchpoint id of the journey (warnings)."""
    loaded, problems = load_engagement_answers(folder)
    audience = Audience.of(journey, business_type)
    known = {tp.id for tp in journey.touchpoints}
    for answer_file in loaded:
        not_asked = [n for n in audience.split(answer_file.checklist)[1]
                     if (answer := answer_file.answers.get(n.item.id)) is not None and answer.given]
        if not_asked:
            why = {"business_type": f"written for other business types than {business_type}",
                   "journey": "none of their touchpoints is in journey.yaml"}
            reasons = "; ".join(f"{', '.join(n.item.id for n in not_asked if n.because == because)}: {words}"
                                for because, words in why.items() if any(n.because == because for n in not_asked))
            problems.append(Problem(
                code="checklist.not_applicable", severity=Severity.WARNING, file=str(answer_file.path), column=None,
                message=f"answered items that do not apply to this engagement ({reasons}); their answers are kept but not scored",
                value=", ".join(n.item.id for n in not_asked)[:80]))
        # Library items name the touchpoint ids of every starter journey (pick_pack or fulfilment): an item asked
        # through a step kind alone (a touchpoint of kind delivery with another id) is scored but reaches no signal.
        stranded = [item_id for item_id, answer in answer_file.answers.items()
                    if audience.asks(answer_file.checklist.item(item_id))
                    and counts_toward_score(answer_file.checklist.item(item_id), answer)
                    and not set(answer_file.checklist.item(item_id).touchpoints) & known]
        if stranded:
            missing = sorted({t for item_id in stranded for t in answer_file.checklist.item(item_id).touchpoints})
            problems.append(Problem(
                code="checklist.unknown_touchpoint", severity=Severity.WARNING, file=str(answer_file.path), column=None,
                message=f"answered items {', '.join(stranded)} concern touchpoints ({', '.join(missing)}) that journey.yaml does not have; "
                        "they are scored but give no signal (rename a touchpoint, or add one)", value=", ".join(missing)[:80]))
    return problems


def _unknown_touchpoints(answer_file, known: set[str], audience) -> dict[str, list[str]]:
    unknown: dict[str, list[str]] = {}
    for item_id, answer in answer_file.answers.items():
        item = answer_file.checklist.item(item_id)
        if answer.status != "answered" or not audience.asks(item):
            continue
        for touchpoint in item.touchpoints:
            if touchpoint not in known:
                unknown.setdefault(touchpoint, []).append(item_id)
    return unknown


def checklist_signals(folder: Path, journey, settings: Settings, business_type: str = "unknown") -> tuple[list[FrictionSignal], ChecklistResults]:
    """One `checklist` signal per touchpoint with scored answers; raises InputProblems if an answers file is broken.

    Only the items the engagement is asked count (client.business_type `business_type`, the journey's touchpoints).
    value = (weight of flagged answers) / (weight of scored answers) among the items that concern the touchpoint,
    n = number of those answers; shrunk toward the target by `checklists.prior_answers` pseudo-answers.
    """
    loaded, problems = load_engagement_answers(folder)
    if any(p.severity is Severity.ERROR for p in problems):
        raise InputProblems(problems)
    results = ChecklistResults()
    audience = Audience.of(journey, business_type)
    known = {tp.id for tp in journey.touchpoints}
    per_touchpoint: dict[str, list] = {}
    for answer_file in loaded:
        results.scores.append(score_checklist(answer_file.checklist, answer_file, audience))
        for touchpoint, items in _unknown_touchpoints(answer_file, known, audience).items():
            results.unknown_touchpoints.setdefault(touchpoint, []).extend(f"{answer_file.checklist_id}/{i}" for i in items)
        for item_id in answer_file.checklist.item_ids:
            item, answer = answer_file.checklist.item(item_id), answer_file.answers.get(item_id)
            if not audience.asks(item) or not counts_toward_score(item, answer):
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
    if target is None:
        raise ConfigError("settings: metrics.checklist.target is empty, so consultation answers have no share of flags to be judged against",
                          "set metrics.checklist.target (at most this share of weighted answers flagged; default 0.1), see docs/settings.md")
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
