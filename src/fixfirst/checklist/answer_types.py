"""One strategy per checklist answer type: how its answers are read, checked, flagged, described and keyed in."""

from __future__ import annotations

import math
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

# The `answer:` values of a checklist item; test_checklist_answer_types pins them to the keys of ANSWER_KINDS.
AnswerType = Literal["yes_no", "scale_1_5", "number", "choice", "text"]
GivenValue = bool | int | float | str
AnswerValue = GivenValue | None  # None: n/a, the question does not apply

# Every way a consultant may type "this question does not apply here".
NOT_APPLICABLE = ("na", "n/a", "n.a.", "not applicable")
YES_WORDS = ("y", "yes", "true")
NO_WORDS = ("n", "no", "false")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "!=": operator.ne, "==": operator.eq, "<": operator.lt, ">": operator.gt,
}
_COMPARISON = re.compile(r"^\s*(<=|>=|!=|==|<|>|=)?\s*(-?\d+(?:\.\d+)?)\s*$")
# Choice items with more options than digit keys are answered by typing in the walkthrough, like numbers and text.
MAX_KEYED_CHOICES = 9
# The walkthrough's key bar for an item answered in the box.
TYPING_KEYS = "i type  a n/a"


def is_not_applicable(text: str) -> bool:
    return text.strip().casefold() in NOT_APPLICABLE


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


class ItemSpec(Protocol):
    """What a strategy reads of an item besides its answer type: a ChecklistItem, or the fields validated so far."""

    @property
    def unit(self) -> str | None: ...

    @property
    def choices(self) -> list[str] | None: ...

    @property
    def scale(self) -> dict[int, str] | None: ...


@dataclass(frozen=True)
class ItemFields:
    """An ItemSpec from loose values: the fields of an item still being validated, or the arguments of parse_flag_rule."""

    unit: str | None = None
    choices: list[str] | None = None
    scale: dict[int, str] | None = None


class AnswerKind(ABC):
    """How one answer type behaves. The item calls these after its shared steps: a typed answer arrives stripped,
    non-empty and not n/a; a value to describe is never None (n/a); a flag rule is stripped and not n/a."""

    name: ClassVar[str]
    # The optional item fields the type takes (unit, choices, scale); another type's item may not set them.
    fields: ClassVar[frozenset[str]] = frozenset()
    # The walkthrough's answer box takes only a number, so `?` there is always the help.
    numeric: ClassVar[bool] = False

    # -- the checklist file --------------------------------------------------------------------------------------

    def check_field(self, field: str, value: object) -> object:
        """Validate one of `fields` as written in the checklist file; ValueError says what is wrong."""
        return value

    def ready_for_rules(self, item: ItemSpec) -> bool:
        """Whether the fields the flag rules read are valid (a broken one is reported on its own, not once per rule)."""
        return True

    @abstractmethod
    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        """Parse one flag_when entry; ValueError says what the type allows."""

    # -- answers -----------------------------------------------------------------------------------------------

    @abstractmethod
    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        """Read a typed answer; ValueError with a message fit for the person typing."""

    @abstractmethod
    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        """Whether an already-typed value (from parse, or from YAML) is an answer of this type as it is stored."""

    def describe(self, value: GivenValue, item: ItemSpec) -> str:
        """How an answer reads to a human."""
        return str(value)

    @abstractmethod
    def describe_type(self, item: ItemSpec) -> str:
        """The answer type in words, for `checklist show`."""

    # -- the walkthroughs ----------------------------------------------------------------------------------------

    @abstractmethod
    def how_to_answer(self, item: ItemSpec) -> str:
        """The accepted answers in words, for the plain walkthrough's prompt and the answer box."""

    def keys(self, item: ItemSpec) -> tuple[str, ...]:
        """The single keys that answer the item in the walkthrough (each is parsed as typed); `a` for n/a is common to all."""
        return ()

    def needs_typing(self, item: ItemSpec) -> bool:
        """Whether the walkthrough shows the answer box: the answers are not all on keys."""
        return not self.keys(item)

    def key_hint(self, item: ItemSpec) -> str:
        """How to answer in the walkthrough, after "Answer: "."""
        return f"type it in the box and press Enter: {self.how_to_answer(item)}"

    def key_bar(self, item: ItemSpec) -> str:
        """The answering part of the walkthrough's key bar."""
        return TYPING_KEYS


def _comparison(text: str) -> tuple[str, float, str]:
    """A flag rule that compares with a number: the operator, the number, and the number as written."""
    found = _COMPARISON.match(text)
    if not found:
        raise ValueError(f"flag_when {text!r} is not a comparison; write e.g. \"<= 2\", \"< 3\", \"> 10\" or \"n/a\"")
    return "==" if found.group(1) in (None, "=") else found.group(1), float(found.group(2)), found.group(2)


def _decimal(value: float) -> str:
    """A float as people write it: 2.5, 1,234.75, 0.125 (no exponent, no trailing zeros)."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


class YesNo(AnswerKind):
    name = "yes_no"

    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        word = text.casefold()
        if word in YES_WORDS or word in NO_WORDS:
            return FlagRule(text, match=word in YES_WORDS)
        raise ValueError(f"flag_when {text!r} does not fit a yes_no item; use \"yes\", \"no\" or \"n/a\" (in quotes)")

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        word = text.casefold()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError(f"{text!r} is not an answer to a yes/no question; type y, n or n/a")

    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        return isinstance(value, bool)

    def describe(self, value: GivenValue, item: ItemSpec) -> str:
        return "yes" if value else "no"

    def describe_type(self, item: ItemSpec) -> str:
        return "yes / no / n/a"

    def how_to_answer(self, item: ItemSpec) -> str:
        return "y (yes), n (no) or n/a"

    def keys(self, item: ItemSpec) -> tuple[str, ...]:
        return ("y", "n")

    def key_hint(self, item: ItemSpec) -> str:
        return "press y (yes), n (no) or a (n/a)"

    def key_bar(self, item: ItemSpec) -> str:
        return "y/n/a answer"


class Scale1To5(AnswerKind):
    name = "scale_1_5"
    fields = frozenset({"scale"})

    def check_field(self, field: str, value: object) -> object:
        if isinstance(value, dict) and any(not 1 <= point <= 5 for point in value):
            raise ValueError("scale labels must be for points 1 to 5")
        return value

    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        op, number, written = _comparison(text)
        if not 1 <= number <= 5:
            raise ValueError(f"flag_when {text!r} compares with {written}, outside the 1-5 scale")
        return FlagRule(text, op=op, number=number)

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        if text.isdigit() and 1 <= int(text) <= 5:
            return int(text)
        for point, label in (item.scale or {}).items():
            if label.casefold() == text.casefold():
                return point
        raise ValueError(f"{text!r} is not on the scale; type a whole number from 1 to 5, or n/a")

    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5

    def describe(self, value: GivenValue, item: ItemSpec) -> str:
        label = (item.scale or {}).get(int(value))
        return f"{value} - {label}" if label else f"{value} of 5"

    def describe_type(self, item: ItemSpec) -> str:
        labels = ", ".join(f"{p} {label}" for p, label in sorted((item.scale or {}).items()))
        return "scale 1-5" + (f" ({labels})" if labels else "")

    def how_to_answer(self, item: ItemSpec) -> str:
        labels = "".join(f"; {point} {label}" for point, label in sorted((item.scale or {}).items()))
        return f"a whole number from 1 to 5{' (' + labels[2:] + ')' if labels else ''}, or n/a"

    def keys(self, item: ItemSpec) -> tuple[str, ...]:
        return ("1", "2", "3", "4", "5")

    def key_hint(self, item: ItemSpec) -> str:
        labels = "; ".join(f"{point} {label}" for point, label in sorted((item.scale or {}).items()))
        return f"press 1 to 5{' (' + labels + ')' if labels else ''}, or a (n/a)"

    def key_bar(self, item: ItemSpec) -> str:
        return "1-5/a answer"


class Number(AnswerKind):
    name = "number"
    fields = frozenset({"unit"})
    numeric = True

    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        op, number, _ = _comparison(text)
        return FlagRule(text, op=op, number=number)

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        cleaned = text
        if item.unit and cleaned.casefold().endswith(item.unit.casefold()):
            cleaned = cleaned[: -len(item.unit)]
        cleaned = cleaned.strip()
        # "1,500" groups thousands; "1,5" is a decimal comma or a slip: ask rather than read it as 15.
        if "," in cleaned and not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            raise ValueError(f"{text!r}: write a decimal with a point (1.5), and thousands as 1500 or 1,500")
        cleaned = cleaned.replace(",", "").replace("_", "")
        try:
            number = float(cleaned)
        except ValueError:
            unit = f" (in {item.unit})" if item.unit else ""
            raise ValueError(f"{text!r} is not a number; type a number{unit} such as 3 or 2.5, or n/a") from None
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        return int(number) if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower() else number

    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    def describe(self, value: GivenValue, item: ItemSpec) -> str:
        shown = f"{value:,}" if isinstance(value, int) else _decimal(float(value))
        if not item.unit:
            return shown
        return f"{shown}{item.unit}" if item.unit.startswith("%") else f"{shown} {item.unit}"

    def describe_type(self, item: ItemSpec) -> str:
        return "number" + (f" ({item.unit})" if item.unit else "")

    def how_to_answer(self, item: ItemSpec) -> str:
        return f"a number{' of ' + item.unit if item.unit else ''}, or n/a"


class Choice(AnswerKind):
    name = "choice"
    fields = frozenset({"choices"})

    def check_field(self, field: str, value: object) -> object:
        if not isinstance(value, list) or len(value) < 2:
            raise ValueError("a choice item needs at least two choices")
        cleaned = [str(c).strip() for c in value]
        folded = [c.casefold() for c in cleaned]
        if any(not c for c in cleaned) or len(set(folded)) != len(folded):
            raise ValueError("choices must be non-empty and different from each other")
        if any(is_not_applicable(c) for c in cleaned):
            raise ValueError("n/a is always available; do not list it as a choice")
        return cleaned

    def ready_for_rules(self, item: ItemSpec) -> bool:
        return item.choices is not None

    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        for choice in item.choices or []:
            if choice.casefold() == text.casefold():
                return FlagRule(text, match=choice)
        raise ValueError(f"flag_when {text!r} is not one of the choices ({', '.join(item.choices or [])})")

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        choices = item.choices or []
        for choice in choices:
            if choice.casefold() == text.casefold():
                return choice
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1]
        listed = "; ".join(f"{i} {c}" for i, c in enumerate(choices, 1))
        raise ValueError(f"{text!r} is not one of the choices; type its number or text ({listed}), or n/a")

    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        return isinstance(value, str) and value in (item.choices or [])

    def describe_type(self, item: ItemSpec) -> str:
        return "choice: " + " | ".join(item.choices or [])

    def how_to_answer(self, item: ItemSpec) -> str:
        listed = "; ".join(f"{number} {choice}" for number, choice in enumerate(item.choices or [], 1))
        return f"the number or the text of a choice ({listed}), or n/a"

    def keys(self, item: ItemSpec) -> tuple[str, ...]:
        count = len(item.choices or [])
        return tuple(str(number) for number in range(1, count + 1)) if count <= MAX_KEYED_CHOICES else ()

    def key_hint(self, item: ItemSpec) -> str:
        if self.needs_typing(item):
            return super().key_hint(item)
        listed = "  ".join(f"{number} {choice}" for number, choice in enumerate(item.choices or [], 1))
        return f"press the number of a choice: {listed}; or a (n/a)"

    def key_bar(self, item: ItemSpec) -> str:
        return super().key_bar(item) if self.needs_typing(item) else f"1-{len(item.choices or [])}/a answer"


class Text(AnswerKind):
    name = "text"

    def flag_rule(self, text: str, item: ItemSpec) -> FlagRule:
        raise ValueError("free-text answers cannot raise a flag; leave flag_when empty or use another answer type")

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        return text

    def fits(self, value: GivenValue, item: ItemSpec) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def describe_type(self, item: ItemSpec) -> str:
        return "free text"

    def how_to_answer(self, item: ItemSpec) -> str:
        return "free text, or n/a"


# The strategy of each `answer:` value, in the order the docs list them.
ANSWER_KINDS: dict[str, AnswerKind] = {kind.name: kind for kind in (YesNo(), Scale1To5(), Number(), Choice(), Text())}


def owners_of(field: str) -> str:
    """The answer types that take an optional item field, for "unit is only for answer: number"."""
    return " or ".join(name for name, kind in ANSWER_KINDS.items() if field in kind.fields)
