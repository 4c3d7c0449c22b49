"""The bundled checklist library: every file validates, items are complete, ids unique, rules and touchpoints real."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixfirst.checklist.model import (
    Checklist,
    find_checklist,
    library,
    load_checklist,
    parse_flag_rule,
)
from fixfirst.errors import FixfirstError, InputProblems
from fixfirst.resources import samples_dir, templates_dir

EXPECTED = {"journey-walk", "workforce-fit", "technology", "fulfilment", "feedback-loops", "marketing-ops-alignment"}
TEXT_FIELDS = ("question", "why", "fix", "evidence")


def _journey_touchpoints() -> set[str]:
    ids: set[str] = set()
    for path in [*(templates_dir() / "engagements").glob("*/journey.yaml"), *samples_dir().glob("*/journey.yaml")]:
        ids |= {tp["id"] for tp in yaml.safe_load(path.read_text())["touchpoints"]}
    return ids


@pytest.fixture(scope="module")
def checklists() -> dict[str, Checklist]:
    return {name: load_checklist(path) for name, path in library().items()}


def test_the_library_has_the_six_checklists_named_after_their_files(checklists):
    assert set(checklists) == EXPECTED
    for name, checklist in checklists.items():
        assert checklist.id == name


def test_the_library_holds_at_least_sixty_items(checklists):
    total = sum(len(c.items()) for c in checklists.values())
    assert total >= 60, total
    assert all(len(c.items()) >= 8 for c in checklists.values())


def test_every_item_has_every_field_filled_in(checklists):
    for checklist in checklists.values():
        for _, item in checklist.items():
            for name in TEXT_FIELDS:
                text = getattr(item, name)
                assert len(text.split()) >= 5, f"{checklist.id}/{item.id}.{name} is too thin: {text!r}"
            assert item.weight > 0 and item.touchpoints
            if item.answer == "choice":
                assert item.choices and len(item.choices) >= 2
            if item.answer != "text":
                assert item.flag_when or item.id == "peak-throughput-known", f"{checklist.id}/{item.id} can never raise a flag"


def test_item_and_section_ids_are_unique_across_the_library(checklists):
    # Unique library-wide, not just per checklist: a finding's item id then names one question unambiguously.
    item_ids = [item.id for c in checklists.values() for _, item in c.items()]
    assert len(item_ids) == len(set(item_ids))
    for checklist in checklists.values():
        section_ids = [s.id for s in checklist.sections]
        assert len(section_ids) == len(set(section_ids))


def test_every_flag_rule_parses_and_can_fire(checklists):
    for checklist in checklists.values():
        for _, item in checklist.items():
            for rule in item.flag_when:
                parsed = parse_flag_rule(rule, item.answer, item.choices)
                assert parsed.text == rule
            candidates = {"yes_no": [True, False], "scale_1_5": [1, 2, 3, 4, 5], "number": [0, 1, 3, 5, 10, 25, 50, 99, 1000],
                          "choice": item.choices or [], "text": ["anything"]}[item.answer]
            if item.flag_when:
                assert any(item.is_flagged(v) for v in candidates), f"{item.id}: no answer raises its flag"
                assert not all(item.is_flagged(v) for v in candidates), f"{item.id}: every answer raises its flag"


def test_every_touchpoint_exists_in_a_starter_or_sample_journey(checklists):
    known = _journey_touchpoints()
    assert {"pick_pack", "fulfilment", "visit"} <= known
    for checklist in checklists.values():
        for _, item in checklist.items():
            unknown = set(item.touchpoints) - known
            assert not unknown, f"{checklist.id}/{item.id}: {unknown}"


def test_the_sample_journey_is_reached_by_every_checklist(checklists):
    sample = {tp["id"] for tp in yaml.safe_load((samples_dir() / "juniper-lark" / "journey.yaml").read_text())["touchpoints"]}
    for checklist in checklists.values():
        assert set(checklist.touchpoints) & sample, checklist.id


def test_find_checklist_by_name_by_path_and_in_an_engagement_folder(tmp_path):
    assert find_checklist("technology").id == "technology"
    assert find_checklist(str(library()["fulfilment"])).id == "fulfilment"
    own = tmp_path / "checklists"
    own.mkdir()
    text = library()["fulfilment"].read_text().replace("title: Fulfilment", "title: Fulfilment for Acme", 1)
    (own / "fulfilment.yaml").write_text(text)
    assert find_checklist("fulfilment", search=[own]).title == "Fulfilment for Acme"
    with pytest.raises(FixfirstError) as caught:
        find_checklist("fulfillment")
    assert "known checklists" in caught.value.cause and "fulfilment" in caught.value.cause


BAD_ITEMS = [
    # (what is wrong, the replacement text, the field named, words in the message)
    ("flag rule unfit for yes/no", ('flag_when: ["no"]', 'flag_when: ["< 3"]'), "flag_when", "yes_no"),
    ("unknown answer type", ("answer: yes_no", "answer: boolean"), "answer", "yes_no"),
    ("choice without choices", ("answer: yes_no", "answer: choice"), "choices", "at least two"),
    ("unit on a yes/no item", ("answer: yes_no", "answer: yes_no\n        unit: days"), "unit", "number"),
    ("unknown field", ("weight: 3", "weight: 3\n        wieght: 2"), "wieght", "unknown field"),
    ("missing fix", ("        fix: Put on-time delivery", "        fixx: Put on-time delivery"), "fix", "missing"),
    ("zero weight", ("weight: 3", "weight: 0"), "weight", "greater than 0"),
]


@pytest.mark.parametrize("what, change, field, words", BAD_ITEMS, ids=[b[0] for b in BAD_ITEMS])
def test_a_bad_checklist_is_refused_with_file_line_and_field(tmp_path, what, change, field, words):
    source = library()["marketing-ops-alignment"].read_text()
    old, new = change
    assert old in source
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace(old, new, 1))
    changed_line = next(i for i, line in enumerate(bad.read_text().splitlines(), 1) if line != (source.splitlines() + [""])[i - 1])
    with pytest.raises(InputProblems) as caught:
        load_checklist(bad)
    problem = next(p for p in caught.value.problems if p.column.endswith(field))
    assert problem.file == str(bad)
    assert problem.column.startswith("sections.0.items.0") and problem.column.endswith(field), problem.column
    assert words in problem.message, problem.message
    # The first item starts on line 13; the error points at the field, or at the item when the field is absent.
    assert 13 <= problem.row <= changed_line + 1, (problem.row, changed_line)


def test_a_repeated_item_id_names_both_lines(tmp_path):
    source = library()["marketing-ops-alignment"].read_text()
    bad = tmp_path / "dup.yaml"
    bad.write_text(source.replace("- id: calendar-shared", "- id: shared-kpis", 1))
    with pytest.raises(InputProblems) as caught:
        load_checklist(bad)
    message = caught.value.problems[0].message
    lines = [i for i, line in enumerate(bad.read_text().splitlines(), 1) if "- id: shared-kpis" in line]
    assert "'shared-kpis' is used more than once" in message
    assert all(f"line {n}" in message for n in lines), (message, lines)


def test_invalid_yaml_in_a_checklist_is_a_located_error(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: x\ntitle: [unclosed\nsections: []\n")
    with pytest.raises(FixfirstError) as caught:
        load_checklist(bad)
    assert str(bad) in caught.value.cause and "line" in caught.value.cause


def test_checklist_files_ship_in_the_bundled_folder():
    assert all(Path(p).parent.name == "checklists" for p in library().values())
