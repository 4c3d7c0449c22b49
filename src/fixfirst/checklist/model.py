"""Consultation checklists: the item schema, how answers are parsed, flagged and read, and the bundled library."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..config.boundary import real_path
from ..config.engagement import BusinessType
from ..config.yamlfile import load_yaml, validation_problems
from ..errors import FixfirstError, InputProblems, Problem
from ..resources import checklists_dir

AnswerType = Literal["yes_no", "scale_1_5", "number", "choice", "text"]
AnswerValue = bool | int | float | str | None

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# The client.business_type values an item may be written for; unknown is asked every question, so it is not one.
ITEM_BUSINESS_TYPES: tuple[str, ...] = tuple(t for t in BusinessType.__args__ if t != "unknown")  # type: ignore[attr-defined]
# Every way a consultant may type "this question does not apply here".
NOT_APPLICABLE = ("na", "n/a", "n.a.", "not applicable")
YES_WORDS = ("y", "yes", "true")
NO_WORDS = ("n", "no", "false")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "!=": operator.ne, "==": operator.eq, "<": operator.lt, ">": operator.gt,
}
_COMPARISON = re.compile(r"^\s*(<=|>=|!=|==|<|>|=)?\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class FlagRule:
    """One parsed flag_when entry: a comparison with a number, or an answer that matches exactly."""

    text: str
    op: str | None = None  # a comparison operator for scale and number items
    number: float | None = None
    match: AnswerValue = None  # the exact answer (True/False/choice text) for yes_no and choice items
    not_applicable: bool = False

    def matches(self, value: AnswerValue) -> bool:
        if value is None:
            return self.not_applicable
        if self.not_applicable:
            return False
        if self.op is not None and self.number is not None:
            return not isinstance(value, (bool, str)) and COMPARISONS[self.op](float(value), self.number)
        return value == self.match if isinstance(self.match, bool) else str(value).casefold() == str(self.match).casefold()


def _is_not_applicable(text: str) -> bool:
    return text.strip().casefold() in NOT_APPLICABLE


def parse_flag_rule(rule: str, answer: str, choices: list[str] | None) -> FlagRule:
    """Parse one flag_when entry for an item of type `answer`; ValueError says what is allowed."""
    text = str(rule).strip()
    if _is_not_applicable(text):
        return FlagRule(text, not_applicable=True)
    if answer == "yes_no":
        word = text.casefold()
        if word in YES_WORDS or word in NO_WORDS:
            return FlagRule(text, match=word in YES_WORDS)
        raise ValueError(f"flag_when {text!r} does not fit a yes_no item; use \"yes\", \"no\" or \"n/a\" (in quotes)")
    if answer in ("scale_1_5", "number"):
        found = _COMPARISON.match(text)
        if not found:
            raise ValueError(f"flag_when {text!r} is not a comparison; write e.g. \"<= 2\", \"< 3\", \"> 10\" or \"n/a\"")
        op = "==" if found.group(1) in (None, "=") else found.group(1)
        number = float(found.group(2))
        if answer == "scale_1_5" and not 1 <= number <= 5:
            raise ValueError(f"flag_when {text!r} compares with {found.group(2)}, outside the 1-5 scale")
        return FlagRule(text, op=op, number=number)
    if answer == "choice":
        for choice in choices or []:
            if choice.casefold() == text.casefold():
                return FlagRule(text, match=choice)
        raise ValueError(f"flag_when {text!r} is not one of the choices ({', '.join(choices or [])})")
    raise ValueError("free-text answers cannot raise a flag; leave flag_when empty or use another answer type")


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

    @field_validator("unit")
    @classmethod
    def _unit_for_numbers(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("answer") != "number":
            raise ValueError("unit is only for answer: number")
        return value

    @field_validator("choices")
    @classmethod
    def _choices_fit(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        answer = info.data.get("answer")
        if answer != "choice":
            if value is not None:
                raise ValueError("choices are only for answer: choice")
            return value
        if value is None or len(value) < 2:
            raise ValueError("a choice item needs at least two choices")
        cleaned = [str(c).strip() for c in value]
        folded = [c.casefold() for c in cleaned]
        if any(not c for c in cleaned) or len(set(folded)) != len(folded):
            raise ValueError("choices must be non-empty and different from each other")
        if any(_is_not_applicable(c) for c in cleaned):
            raise ValueError("n/a is always available; do not list it as a choice")
        return cleaned

    @field_validator("scale")
    @classmethod
    def _scale_fits(cls, value: dict[int, str] | None, info: ValidationInfo) -> dict[int, str] | None:
        if value is not None:
            if info.data.get("answer") != "scale_1_5":
                raise ValueError("scale labels are only for answer: scale_1_5")
            if any(not 1 <= point <= 5 for point in value):
                raise ValueError("scale labels must be for points 1 to 5")
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
        answer = info.data.get("answer")
        if answer is None or (answer == "choice" and info.data.get("choices") is None):
            return value  # the answer type or the choices are invalid: reported on their own
        for rule in value:
            parse_flag_rule(rule, answer, info.data.get("choices"))
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
    def rules(self) -> list[FlagRule]:
        return [parse_flag_rule(rule, self.answer, self.choices) for rule in self.flag_when]

    @property
    def can_flag(self) -> bool:
        return bool(self.flag_when)

    def parse(self, raw: str) -> AnswerValue:
        """Read a typed answer; "n/a" gives None. Raises ValueError with a message fit for the person typing."""
        text = str(raw).strip()
        if not text:
            raise ValueError("no answer given; type an answer, or n/a if the question does not apply")
        if _is_not_applicable(text):
            return None
        if self.answer == "yes_no":
            word = text.casefold()
            if word in YES_WORDS:
                return True
            if word in NO_WORDS:
                return False
            raise ValueError(f"{text!r} is not an answer to a yes/no question; type y, n or n/a")
        if self.answer == "scale_1_5":
            if text.isdigit() and 1 <= int(text) <= 5:
                return int(text)
            for point, label in (self.scale or {}).items():
                if label.casefold() == text.casefold():
                    return point
            raise ValueError(f"{text!r} is not on the scale; type a whole number from 1 to 5, or n/a")
        if self.answer == "number":
            return self._parse_number(text)
        if self.answer == "choice":
            choices = self.choices or []
            for choice in choices:
                if choice.casefold() == text.casefold():
                    return choice
            if text.isdigit() and 1 <= int(text) <= len(choices):
                return choices[int(text) - 1]
            listed = "; ".join(f"{i} {c}" for i, c in enumerate(choices, 1))
            raise ValueError(f"{text!r} is not one of the choices; type its number or text ({listed}), or n/a")
        return text

    def _parse_number(self, text: str) -> int | float:
        cleaned = text
        if self.unit and cleaned.casefold().endswith(self.unit.casefold()):
            cleaned = cleaned[: -len(self.unit)]
        cleaned = cleaned.strip()
        # "1,500" groups thousands; "1,5" is a decimal comma or a slip: ask rather than read it as 15.
        if "," in cleaned and not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            raise ValueError(f"{text!r}: write a decimal with a point (1.5), and thousands as 1500 or 1,500")
        cleaned = cleaned.replace(",", "").replace("_", "")
        try:
            number = float(cleaned)
        except ValueError:
            unit = f" (in {self.unit})" if self.unit else ""
            raise ValueError(f"{text!r} is not a number; type a number{unit} such as 3 or 2.5, or n/a") from None
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        return int(number) if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower() else number

    def check_value(self, value: AnswerValue) -> AnswerValue:
        """Accept an already-typed value (from parse, or from YAML) if it fits the item; ValueError if not."""
        if value is None:
            return None
        if self.answer == "yes_no":
            if isinstance(value, bool):
                return value
        elif self.answer == "scale_1_5":
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
                return value
        elif self.answer == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                return value
        elif self.answer == "choice":
            if isinstance(value, str) and value in (self.choices or []):
                return value
        elif isinstance(value, str) and value.strip():
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
        if value is None:
            return "n/a"
        if self.answer == "yes_no":
            return "yes" if value else "no"
        if self.answer == "scale_1_5":
            label = (self.scale or {}).get(int(value))
            return f"{value} - {label}" if label else f"{value} of 5"
        if self.answer == "number":
            shown = f"{value:,}" if isinstance(value, int) else _decimal(float(value))
            if not self.unit:
                return shown
            return f"{shown}{self.unit}" if self.unit.startswith("%") else f"{shown} {self.unit}"
        return str(value)

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
        if self.answer == "yes_no":
            return "yes / no / n/a"
        if self.answer == "scale_1_5":
            labels = ", ".join(f"{p} {label}" for p, label in sorted((self.scale or {}).items()))
            return "scale 1-5" + (f" ({labels})" if labels else "")
        if self.answer == "number":
            return "number" + (f" ({self.unit})" if self.unit else "")
        if self.answer == "choice":
            return "choice: " + " | ".join(self.choices or [])
        return "free text"


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


def _decimal(value: float) -> str:
    """A float as people write it: 2.5, 1,234.75, 0.125 (no exponent, no trailing zeros)."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


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
