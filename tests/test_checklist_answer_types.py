"""One strategy per checklist answer type: the schema, the docs and the registry agree, and nothing else branches on the type."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

import fixfirst.checklist as checklist_package
from fixfirst.checklist.answer_types import ANSWER_KINDS, AnswerKind, AnswerType, GivenValue, ItemSpec, Number
from fixfirst.checklist.answers import AnswerFile
from fixfirst.checklist.model import Checklist, ChecklistItem, ChecklistSection, find_checklist, library
from fixfirst.checklist.plain import how_to_answer, run_plain

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(checklist_package.__file__).parent
BASE = {"id": "item", "question": "Is it so?", "why": "Because it matters.", "weight": 1, "touchpoints": ["checkout"],
        "fix": "Fix it soon.", "evidence": "Show it to us."}
# The optional item fields that only some answer types take.
TYPE_FIELDS = {"unit": "weeks", "choices": ["One", "Two"], "scale": {1: "never", 5: "always"}}
# One item of every answer type, with what it needs; test_every_type_has_a_sample keeps it complete.
SAMPLES = {"yes_no": {}, "scale_1_5": {"scale": {1: "never", 5: "always"}}, "number": {"unit": "weeks"},
           "choice": {"choices": ["Phone", "Email", "Chat"]}, "text": {}}


def _item(answer: str, **fields) -> ChecklistItem:
    return ChecklistItem(**BASE, answer=answer, **fields)


def test_the_answer_types_the_model_accepts_are_the_registry():
    assert set(get_args(ChecklistItem.model_fields["answer"].annotation)) == set(ANSWER_KINDS)
    assert set(get_args(AnswerType)) == set(ANSWER_KINDS), "a new answer type is a strategy in ANSWER_KINDS and its name in AnswerType"


def test_the_answer_types_the_docs_name_are_the_registry():
    docs = (ROOT / "docs" / "checklists.md").read_text(encoding="utf-8")
    listed = re.search(r"answer: \w+ +# ([\w |]+)\n", docs)
    assert listed, "docs/checklists.md lists the answer types in its example item"
    assert [name.strip() for name in listed.group(1).split("|")] == list(ANSWER_KINDS)
    row = next(line for line in docs.splitlines() if line.startswith("| `answer` |"))
    assert set(re.findall(r"`(\w+)` \(", row)) == set(ANSWER_KINDS)


def test_every_strategy_is_registered_under_its_own_name():
    for name, kind in ANSWER_KINDS.items():
        assert isinstance(kind, AnswerKind) and kind.name == name
        assert kind.fields <= set(TYPE_FIELDS), f"{name}: an optional field the item model does not have"
    assert set(TYPE_FIELDS) == {field for kind in ANSWER_KINDS.values() for field in kind.fields}


def test_every_type_has_a_sample():
    assert set(SAMPLES) == set(ANSWER_KINDS)


def test_the_bundled_library_uses_only_registered_types():
    for name in library():
        for _, item in find_checklist(name).items():
            assert item.kind is ANSWER_KINDS[item.answer]


def test_no_module_but_the_strategies_branches_on_the_answer_type():
    # A new answer type must need no change outside answer_types.py: no other checklist module names a type or compares it.
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "answer_types.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ANSWER_KINDS:
                found.append(f"{path.name}:{node.lineno} names {node.value!r}")
            if isinstance(node, ast.Compare) and any(isinstance(side, ast.Attribute) and side.attr == "answer"
                                                     for side in (node.left, *node.comparators)):
                found.append(f"{path.name}:{node.lineno} compares an answer type")
    assert not found


@pytest.mark.parametrize("answer", list(SAMPLES))
def test_a_field_of_another_type_is_refused_naming_its_owner(answer):
    kind = ANSWER_KINDS[answer]
    for field, value in TYPE_FIELDS.items():
        if field in kind.fields:
            continue
        owners = [name for name, other in ANSWER_KINDS.items() if field in other.fields]
        with pytest.raises(ValidationError, match=f"only for answer: {' or '.join(owners)}"):
            _item(answer, **SAMPLES[answer], **{field: value})


@pytest.mark.parametrize("answer", list(SAMPLES))
def test_every_type_keeps_its_contract(answer):
    item = _item(answer, **SAMPLES[answer])
    kind = item.kind
    assert item.parse(" n/a ") is None and item.describe(None) == "n/a"
    assert kind.needs_typing(item) == (not kind.keys(item))
    assert kind.numeric == (answer == "number")
    for key in kind.keys(item):  # every key of the walkthrough answers the item, and the answer survives the answers file
        value = item.parse(key)
        assert value is not None and kind.fits(value, item) and item.check_value(value) == value
        assert item.describe(value)
    for text in (item.describe_answer_type(), how_to_answer(item), kind.key_hint(item), kind.key_bar(item)):
        assert text and "\n" not in text


def test_a_choice_beyond_the_digit_keys_is_typed():
    keyed = _item("choice", choices=[f"Option {i}" for i in range(1, 10)])
    typed = _item("choice", choices=[f"Option {i}" for i in range(1, 11)])
    assert keyed.kind.keys(keyed)[-1] == "9" and not keyed.kind.needs_typing(keyed)
    assert typed.kind.keys(typed) == () and typed.kind.needs_typing(typed)
    assert typed.kind.key_bar(typed) == "i type  a n/a" and keyed.kind.key_bar(keyed) == "1-9/a answer"


class Days(Number):
    """A made-up answer type: a number of days, read as `3d`."""

    name = "days"
    fields = frozenset()

    def parse(self, text: str, item: ItemSpec) -> GivenValue:
        return super().parse(text.removesuffix("d"), item)

    def describe(self, value: GivenValue, item: ItemSpec) -> str:
        return f"{value} days"

    def describe_type(self, item: ItemSpec) -> str:
        return "days"

    def how_to_answer(self, item: ItemSpec) -> str:
        return "a number of days such as 3d, or n/a"


def test_a_new_strategy_is_all_the_item_and_the_walkthrough_need(tmp_path, monkeypatch):
    # The schema's Literal is the one other place a type is named (pinned above); past it, everything goes through the registry.
    monkeypatch.setitem(ANSWER_KINDS, "days", Days())
    item = ChecklistItem.model_construct(**BASE, answer="days", unit=None, choices=None, scale=None, flag_when=["> 5"],
                                         business_types=[])
    assert item.parse("3d") == 3 and item.check_value(7) == 7 and item.is_flagged(7) and not item.is_flagged(3)
    assert item.describe(3) == "3 days" and item.describe_answer_type() == "days"
    checklist = Checklist.model_construct(id="new-type", title="New type", description="",
                                          sections=[ChecklistSection.model_construct(id="only", title="Only", items=[item])])
    answers = AnswerFile.open(tmp_path / "answers.yaml", checklist)
    output = io.StringIO()
    assert run_plain(checklist, answers, io.StringIO("9d\nquit\n"), output) == 0
    assert "Answer with a number of days such as 3d, or n/a." in output.getvalue()
    assert "Saved: 9 days (flagged)." in output.getvalue()
    saved = answers.get("item")
    assert saved is not None and saved.value == 9
    reread = AnswerFile.open(tmp_path / "answers.yaml", checklist).get("item")  # read back through check_value
    assert reread is not None and reread.value == 9
