"""Consultation checklists: the item schema, how answers are parsed, flagged and read, and the bundled library."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..config import BusinessType, load_yaml, real_path, validation_problems
from ..errors import FixfirstError, InputProblems, Problem
from ..resources import checklists_dir
from .answer_types import (
    ANSWER_KINDS,
    AnswerKind,
    AnswerType,
    AnswerValue,
    FlagRule,
    ItemFields,
    ItemSpec,
    is_not_applicable,
    owners_of,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# The client.business_type values an item may be written for; unknown is asked every question, so it is not one.
ITEM_BUSINESS_TYPES: tuple[str, ...] = tuple(t for t in get_args(BusinessType) if t != "unknown")
# How the optional fields of an item read in "unit is only for answer: number".
_FIELD_WORDS = {"unit": "unit is", "choices": "choices are", "scale": "scale labels are"}


def parse_flag_rule(rule: str, answer: str, choices: list[str] | None) -> FlagRule:
    """Parse one flag_when entry for an item of type `answer`; ValueError says what is allowed."""
    return _flag_rule(rule, ANSWER_KINDS[answer], ItemFields(choices=choices))


def _flag_rule(rule: str, kind: AnswerKind, item: ItemSpec) -> FlagRule:
    text = str(rule).strip()
    if is_not_applicable(text):
        return FlagRule(text, not_applicable=True)
    return kind.flag_rule(text, item)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChecklistItem(_Strict):
    """One diagnostic question: what to ask, why, how it is answered, which answers are a problem, and the fix."""

    # Field order matters: validators of later fields read the answer type, choices and scale declared above them.
    id: str = Field(pattern=ID_PATTERN, max_length=60)
    question: str = Field(min_length=5, max_length=400)
    why: str = Field(min_length=5, max_length=600, description="Why it matters, for the owner.")
    answer: AnswerType
    unit: str | None = Field(default=None, max_length=30, description="Unit of a number answer (weeks, %, orders).")
    # validate_default: a choice item that leaves out choices must be reported, not pass as None.
    choices: list[str] | None = Field(default=None, validate_default=True, description="The options of a choice item, in order.")
    scale: dict[int, str] | None = Field(default=None, description="Labels of some points of a 1-5 scale, e.g. {1: never, 5: always}.")
    weight: float = Field(gt=0, le=10, description="How much the item counts in its section's score.")
    flag_when: list[str] = Field(default_factory=list, description="Answers that raise a flag.")
    touchpoints: list[str] = Field(min_length=1, description="Journey touchpoint ids (or step kinds) the item concerns.")
    business_types: list[str] = Field(
        default_factory=list, description="The client.business_type values the question is written for; empty: every business.")
    fix: str = Field(min_length=5, max_length=600)
    evidence: str = Field(min_length=5, max_length=400, description="What to ask the owner to show.")

    @field_validator("unit", "choices", "scale")
    @classmethod
    def _fields_of_the_answer_type(cls, value: Any, info: ValidationInfo) -> Any:
        # validate_default runs this for a choice item that leaves out its choices, so that it is reported.
        field = info.field_name or ""
        kind = ANSWER_KINDS.get(info.data.get("answer", ""))
        if kind is not None and field in kind.fields:
            return kind.check_field(field, value)
        if value is not None:
            raise ValueError(f"{_FIELD_WORDS[field]} only for answer: {owners_of(field)}")
        return value

    @field_validator("flag_when", mode="before")
    @classmethod
    def _rules_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted no as False and 3 as an int; a rule is text either way.
        if isinstance(value, list):
            return ["no" if v is False else "yes" if v is True else str(v) if isinstance(v, (int, float)) else v for v in value]
        return value

    @field_validator("flag_when")
    @classmethod
    def _rules_fit(cls, value: list[str], info: ValidationInfo) -> list[str]:
        kind = ANSWER_KINDS.get(info.data.get("answer", ""))
        item = ItemFields(info.data.get("unit"), info.data.get("choices"), info.data.get("scale"))
        if kind is None or not kind.ready_for_rules(item):
            return value  # the answer type or a field the rules read (the choices) is invalid: reported on its own
        for rule in value:
            _flag_rule(rule, kind, item)
        return value

    @field_validator("touchpoints")
    @classmethod
    def _touchpoint_ids(cls, value: list[str]) -> list[str]:
        bad = [t for t in value if not re.fullmatch(ID_PATTERN, t)]
        if bad:
            raise ValueError(f"touchpoint ids are lower-case journey ids like pick_pack; not {', '.join(map(repr, bad))}")
        return list(dict.fromkeys(value))

    @field_validator("business_types")
    @classmethod
    def _known_business_types(cls, value: list[str]) -> list[str]:
        if "unknown" in value:
            raise ValueError(f"an engagement of business type unknown is asked every question; list only the business types "
                             f"the question is written for ({', '.join(ITEM_BUSINESS_TYPES)})")
        wrong = [v for v in value if v not in ITEM_BUSINESS_TYPES]
        if wrong:
            raise ValueError(f"{', '.join(map(repr, wrong))} is not a business type; use {', '.join(ITEM_BUSINESS_TYPES)} "
                             "(the values of client.business_type)")
        return list(dict.fromkeys(value))

    @property
    def kind(self) -> AnswerKind:
        """The strategy of the item's answer type: everything that differs by type goes through it."""
        return ANSWER_KINDS[self.answer]

    @property
    def rules(self) -> list[FlagRule]:
        return [_flag_rule(rule, self.kind, self) for rule in self.flag_when]

    @property
    def can_flag(self) -> bool:
        return bool(self.flag_when)

    def parse(self, raw: str) -> AnswerValue:
        """Read a typed answer; "n/a" gives None. Raises ValueError with a message fit for the person typing."""
        text = str(raw).strip()
        if not text:
            raise ValueError("no answer given; type an answer, or n/a if the question does not apply")
        if is_not_applicable(text):
            return None
        return self.kind.parse(text, self)

    def check_value(self, value: AnswerValue) -> AnswerValue:
        """Accept an already-typed value (from parse, or from YAML) if it fits the item; ValueError if not."""
        if value is None:
            return None
        if self.kind.fits(value, self):
            return value
        if isinstance(value, str):  # the text form, as typed or hand-written in the file
            return self.parse(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.parse(str(value))
        raise ValueError(f"{value!r} is not a valid answer for a {self.answer} item")

    def is_flagged(self, value: AnswerValue) -> bool:
        return any(rule.matches(value) for rule in self.rules)

    def describe(self, value: AnswerValue) -> str:
        """How an answer reads to a human: "yes", "4 - mostly", "3 weeks", "n/a"."""
        return "n/a" if value is None else self.kind.describe(value, self)

    def describe_rule(self) -> str:
        """The flag rule in words, for `checklist show` and the report."""
        if not self.flag_when:
            return "never flagged (recorded for context)"
        return "flag when the answer is " + " or ".join(self.flag_when)

    def describe_audience(self) -> str:
        """Whom the question is for, in words, for `checklist show`."""
        if not self.business_types:
            return "every business whose journey has one of its touchpoints"
        return f"{', '.join(self.business_types)} businesses (and any of business type unknown) whose journey has one of its touchpoints"

    def describe_answer_type(self) -> str:
        return self.kind.describe_type(self)


class ChecklistSection(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    items: list[ChecklistItem] = Field(min_length=1)


class Checklist(_Strict):
    """A checklist file: sections of items, every item id unique across the whole checklist."""

    id: str = Field(pattern=ID_PATTERN, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    description: str = ""
    sections: list[ChecklistSection] = Field(min_length=1)

    @field_validator("sections")
    @classmethod
    def _unique_ids(cls, value: list[ChecklistSection], info: ValidationInfo) -> list[ChecklistSection]:
        # Answers are keyed by item id alone, so an id repeated in another section would share one answer.
        lines = (info.context or {}).get("lines", {})
        problems = []
        for kind, positions in (("section", _positions(value, of_sections=True)), ("item", _positions(value, of_sections=False))):
            for ident, where in positions.items():
                if len(where) > 1:
                    at = " and ".join(f"line {lines[w]}" if w in lines else ".".join(map(str, w)) for w in where)
                    problems.append(f"{kind} id {ident!r} is used more than once ({at})")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    def items(self) -> list[tuple[ChecklistSection, ChecklistItem]]:
        return [(section, item) for section in self.sections for item in section.items]

    def item(self, item_id: str) -> ChecklistItem:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return item
        raise KeyError(f"checklist {self.id!r} has no item {item_id!r}")

    def section_of(self, item_id: str) -> ChecklistSection:
        for section, item in self.items():
            if item.id == item_id:
                return section
        raise KeyError(f"checklist {self.id!r} has no item {item_id!r}")

    @property
    def item_ids(self) -> list[str]:
        return [item.id for _, item in self.items()]

    @property
    def touchpoints(self) -> list[str]:
        return list(dict.fromkeys(t for _, item in self.items() for t in item.touchpoints))


def _positions(sections: list[ChecklistSection], *, of_sections: bool) -> dict[str, list[tuple]]:
    """Where each section id (or item id) appears, as key paths into the file."""
    found: dict[str, list[tuple]] = {}
    for i, section in enumerate(sections):
        if of_sections:
            found.setdefault(section.id, []).append(("sections", i, "id"))
            continue
        for j, item in enumerate(section.items):
            found.setdefault(item.id, []).append(("sections", i, "items", j, "id"))
    return found


def load_checklist(path: Path) -> Checklist:
    """Load and validate one checklist file; every schema error names the file, line and field."""
    path = Path(path)
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise FixfirstError(f"{path}: expected a checklist (id, title, sections) at the top level, found {type(data).__name__}",
                            "see the checklist format in docs/checklists.md")
    try:
        return Checklist.model_validate(data, context={"lines": lines})
    except ValidationError as exc:
        problems = validation_problems(exc, path, lines)
        # validation_problems points unknown fields at the engagement docs; a checklist has its own.
        problems = [p if "docs/engagement.md" not in p.message else _with_message(p, p.message.replace("the engagement format in docs/engagement.md", "the checklist format in docs/checklists.md"))
                    for p in problems]
        raise InputProblems(problems) from None


def _with_message(problem: Problem, message: str) -> Problem:
    return replace(problem, message=message)


def library() -> dict[str, Path]:
    """The bundled checklists, by id (the file name without .yaml)."""
    return {path.stem: path for path in sorted(checklists_dir().glob("*.yaml"))}


def _inside(path: Path, folder: Path) -> bool:
    """Whether a checklist file of an engagement's checklists/ folder really lies in the engagement (the folder's
    parent): a link out of it, the file's or the folder's own, is never read."""
    try:
        return real_path(path).is_relative_to(real_path(Path(folder).absolute().parent))
    except FixfirstError:  # a link loop: nothing to read there
        return False


def find_checklist(name_or_path: str | Path, *, search: list[Path] | None = None) -> Checklist:
    """A checklist by library id, or by the path of a YAML file.

    `search` lists extra folders (an engagement's own checklists/ folder) looked in before the library.
    """
    text = str(name_or_path)
    candidate = Path(text).expanduser()
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise FixfirstError(f"{candidate}: checklist file not found", "check the path, or give a checklist name from `fixfirst checklist list`")
        return load_checklist(candidate)
    for folder in search or []:
        for suffix in (".yaml", ".yml"):
            if (Path(folder) / f"{text}{suffix}").is_file() and not _inside(Path(folder) / f"{text}{suffix}", folder):
                raise FixfirstError(f"{Path(folder) / f'{text}{suffix}'}: this checklist is a link that leads outside the "
                                    "engagement folder; it was not read", "copy the checklist into the engagement's checklists/ folder")
            if (Path(folder) / f"{text}{suffix}").is_file():
                found = load_checklist(Path(folder) / f"{text}{suffix}")
                if found.id == text:
                    return found
    known = library()
    if text in known:
        return load_checklist(known[text])
    # Answers are saved under the checklist's id, which need not be its file name: look the id up inside the files.
    for folder in search or []:
        for path in sorted(Path(folder).glob("*.y*ml")) if Path(folder).is_dir() else []:
            if not _inside(path, folder):
                continue
            try:
                found = load_checklist(path)
            except FixfirstError:
                continue  # a broken file is reported when it is run; it cannot be the one asked for by id
            if found.id == text:
                return found
    raise FixfirstError(f"unknown checklist {text!r}; known checklists: {', '.join(known) or '(none)'}",
                        "run `fixfirst checklist list`, or give the path of a checklist YAML file")
