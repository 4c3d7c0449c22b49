"""Appendices on the inputs: what the consultation found, and the data's quality (sources, problems, column mapping)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..signals import redact
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult

MAX_PROBLEM_GROUPS = 60  # beyond this the command line lists them all
MAX_ROWS_NAMED = 8  # rows named per problem group; the rest are counted


@dataclass(frozen=True)
class SourceRow:
    kind: str
    file: str  # with its sheet, and its header row when that is not the first
    read: str
    used: str
    left_out: str


@dataclass(frozen=True)
class ProblemRow:
    """Problems of one kind in one column of one file, with the rows they sit on."""

    kind: str  # Error | Warning
    css: str  # sev-error | sev-warning
    where: str  # the file and sheet
    column: str  # the column as the file names it, or ""
    problem: str
    rows: str
    example: str  # the value of the first one, redacted


@dataclass(frozen=True)
class MappingLine:
    file: str
    pairs: list[str]


@dataclass(frozen=True)
class DataQualityAppendix:
    letter: str
    title: str
    intro: str
    sources: list[SourceRow]
    problems_heading: str
    problems: list[ProblemRow]
    problems_note: str
    mapping: list[MappingLine]
    mapping_note: str = ("* found automatically from the column's name; the others were named in the engagement's files or "
                         "known from the export's layout.")


@dataclass(frozen=True)
class SectionRow:
    id: str
    title: str
    flags: str  # answers that raise a flag: fewer is better
    on_track: str  # "60%", the weighted share of scored answers without a flag, or "–" with nothing scored
    answered: str


@dataclass(frozen=True)
class FindingView:
    item: str
    question: str
    answer: str
    note: str
    why: str
    fix: str
    evidence: str
    touchpoints: str


@dataclass(frozen=True)
class ChecklistView:
    id: str
    title: str
    headline: str  # "3 flags · 60% on track", or "1 flag · nothing scored yet"
    answered: str  # how much was answered, the findings, and how many questions were not asked
    sections: list[SectionRow]
    findings: list[FindingView] = field(default_factory=list)


@dataclass(frozen=True)
class FindingsAppendix:
    letter: str
    title: str
    intro: str
    checklists: list[ChecklistView]


def _plural(n: int, word: str, fmt: Formatter) -> str:
    return f"{fmt.count(n)} {word}" + ("" if n == 1 else "s")


def _field(name: str) -> str:
    """A mapped field as a reader says it: 'ordered at', 'rating' (the survey question is the column itself)."""
    if name.startswith("rating:"):
        return "rating"
    return name.replace("_", " ")


def _problem_groups(problems: list, fmt: Formatter) -> list[ProblemRow]:
    groups: dict[tuple, list] = {}
    for p in problems:
        groups.setdefault((p.severity.value, p.file, p.sheet, p.column, p.message), []).append(p)
    rows = []
    for (severity, file, sheet, column, message), items in groups.items():
        where = (file or "?") + (f", sheet {sheet}" if sheet else "")
        numbers = sorted({p.row for p in items if p.row is not None})
        unit = "line" if (file or "").endswith((".yaml", ".yml")) else "row"
        shown = ", ".join(fmt.count(n) for n in numbers[:MAX_ROWS_NAMED])
        more = f" and {fmt.count(len(numbers) - MAX_ROWS_NAMED)} more" if len(numbers) > MAX_ROWS_NAMED else ""
        rows_text = (f"{unit}{'s' if len(numbers) != 1 else ''} {shown}{more}" if numbers else _plural(len(items), "time", fmt))
        example = next((redact(str(p.value)) for p in items if p.value not in (None, "")), "")
        rows.append(ProblemRow(severity.capitalize(), f"sev-{severity}", where, f"“{column}”" if column else "", message,
                               rows_text, example))
    return rows


def build_data_quality(result: AuditResult, fmt: Formatter, letter: str) -> DataQualityAppendix:
    tables = list(result.data.tables.values())
    sources = []
    for t in tables:
        file = t.file + (f", sheet {t.sheet}" if t.sheet else "")
        if t.header_row != 1 or t.header_rows > 1:
            file += f"; header on row {fmt.count(t.header_row)}" + (" (two rows)" if t.header_rows > 1 else "")
        used = fmt.count(t.rows_kept) + (f" ({fmt.count(t.rows_merged)} line-item rows folded)" if t.rows_merged else "")
        sources.append(SourceRow(t.kind.capitalize(), file, fmt.count(t.rows_read), used, fmt.count(t.rows_dropped)))
    problems = list(result.data.problems)
    groups = _problem_groups(problems, fmt)
    note = (f"The first {fmt.count(MAX_PROBLEM_GROUPS)} of {fmt.count(len(groups))} kinds of problem are listed; the data "
            "check lists them all." if len(groups) > MAX_PROBLEM_GROUPS else "")
    mapping = [MappingLine(t.file, [f"{_field(f)} ← “{column}”" + ("*" if t.mapping_how.get(f) == "auto" else "")
                                    for f, column in t.mapping.items()]) for t in tables]
    heading = (f"Problems found: {fmt.count(len(problems))}, of {_plural(len(groups), 'kind', fmt)}" if problems
               else "Problems found: none")
    return DataQualityAppendix(
        letter, "Data quality",
        "Every figure in this report is computed from the files below. Rows with problems that make them unusable were "
        "left out and are counted here; problems of one kind in one column are listed once, with their rows.",
        sources, heading, groups[:MAX_PROBLEM_GROUPS], note, mapping)


def build_findings(result: AuditResult, fmt: Formatter, letter: str) -> FindingsAppendix | None:
    cl = result.signals.checklists
    if cl is None or not cl.scores or not any(score.flagged for score in cl.scores):
        return None
    known = {tp.id: tp.name for tp in result.journey.touchpoints}
    target = fmt.percent(result.engagement.settings.metrics.checklist.target)
    views = []
    for score in cl.scores:
        sections = [SectionRow(s.id, s.title, fmt.count(s.flags), "–" if s.share_on_track is None else fmt.percent(s.share_on_track),
                               f"{fmt.count(s.answered)}/{fmt.count(s.total)}") for s in score.sections if s.total]
        findings = []
        for f in score.findings:
            names = [known[tp] for tp in f.item.touchpoints if tp in known]
            findings.append(FindingView(f.item.id, f.item.question, f.answer_text,
                                        redact(str(f.answer.note)) if f.answer.note else "", f.item.why, f.item.fix,
                                        f.item.evidence, ", ".join(names) or "none in this journey"))
        on_track = "nothing scored yet" if score.share_on_track is None else f"{fmt.percent(score.share_on_track)} on track"
        headline = f"{_plural(score.flags, 'flag', fmt)} · {on_track}"
        answered = f"{fmt.count(score.answered)} of {fmt.count(score.total)} questions answered; {_plural(score.flags, 'finding', fmt)}."
        if score.not_asked:
            answered += (f" {_plural(len(score.not_asked), 'question', fmt)} of the checklist did not apply to this "
                         "business or its journey: not asked, not scored.")
        views.append(ChecklistView(score.checklist.id, score.checklist.title, headline, answered, sections, findings))
    intro = ("During the consultation the owner answered the diagnostic questions below. An answer the checklist marks as a "
             "problem is a flag, and a finding here; each comes with its fix and the evidence to keep. Flags are counted "
             "(fewer is better); “on track” is the weighted share of the scored answers that raised no flag (higher is "
             "better; not applicable, skipped and free-text answers do not count). Findings also weigh on the touchpoints "
             f"they concern: the weighted share of flagged answers there, against a target of at most {target}.")
    return FindingsAppendix(letter, "What the consultation found", intro, views)
