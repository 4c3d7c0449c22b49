"""Reason codes: one enum, one documented table, and no problem raised with a code outside it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fixfirst.errors import Problem, ReasonCode, Severity

ROOT = Path(__file__).resolve().parents[1]
TABLE = (ROOT / "docs" / "reason-codes.md").read_text()
CODE_SHAPE = re.compile(r"^[a-z]+\.[a-z0-9_]+$")


def documented_rows() -> dict[str, str]:
    return dict(re.findall(r"^\| `([a-z]+\.[a-z0-9_]+)` \| (error|warning) \|", TABLE, re.M))


def test_every_reason_code_is_documented_once_and_every_documented_code_exists():
    rows = re.findall(r"^\| `([a-z]+\.[a-z0-9_]+)` \|", TABLE, re.M)
    assert len(rows) == len(set(rows)), "a code listed twice"
    assert set(rows) == {code.value for code in ReasonCode}


def test_the_other_docs_point_at_the_one_table_instead_of_keeping_their_own():
    for name in ("engagement.md", "report.md", "checklists.md"):
        text = (ROOT / "docs" / name).read_text()
        assert "reason-codes.md" in text, name
        assert not re.search(r"^\| `[a-z]+\.[a-z0-9_]+` \| (error|warning) \|", text, re.M), f"{name} keeps its own code table"


def string_codes_in_source() -> dict[str, str]:
    """Every string literal in src/ shaped like a code and written where a Problem's code is given."""
    found: dict[str, str] = {}
    families = {code.value.split(".")[0] for code in ReasonCode}
    for path in sorted((ROOT / "src" / "fixfirst").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_SHAPE.match(node.value):
                if node.value.split(".")[0] in families:
                    found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


# Strings shaped like codes that name something else: modules, settings, file names.
NOT_CODES = {"config.engagement", "config.settings", "journey.yaml", "orders.dispatch_target_business_days", "orders.repeat_window_days",
             "orders.return_window_days"}


def test_every_code_shaped_string_in_the_source_is_a_member():
    members = {code.value for code in ReasonCode}
    stray = {code: where for code, where in string_codes_in_source().items() if code not in members and code not in NOT_CODES}
    assert not stray, f"codes used but not in ReasonCode: {stray}"


def test_a_problem_takes_a_member_or_its_value_and_refuses_anything_else():
    by_value = Problem("file.unreadable", "cannot read", Severity.ERROR, "orders.csv")
    by_member = Problem(ReasonCode.FILE_UNREADABLE, "cannot read", Severity.ERROR, "orders.csv")
    assert by_value == by_member and by_value.code is ReasonCode.FILE_UNREADABLE
    assert by_value.code == "file.unreadable" and f"{by_value.code}" == "file.unreadable" and str(by_value.code) == "file.unreadable"
    assert by_value.to_dict()["code"] == "file.unreadable" and type(by_value.to_dict()["code"]) is str
    with pytest.raises(ValueError, match="ReasonCode"):
        Problem("file.misspelt", "cannot read")


@pytest.mark.parametrize(("pydantic_type", "code"), [("missing", "config.missing"), ("extra_forbidden", "config.unknown_field"),
                                                     ("value_error", "config.value_error"), ("int_parsing", "config.invalid_value"),
                                                     ("literal_error", "config.invalid_value")])
def test_configuration_errors_fold_pydantic_types_into_documented_codes(tmp_path, pydantic_type, code):
    from fixfirst.config.yamlfile import _config_code

    assert _config_code(pydantic_type) == code and code in documented_rows()


def test_a_bad_audit_yaml_reports_documented_codes(tmp_path):
    from fixfirst.config.engagement import load_engagement
    from fixfirst.errors import InputProblems

    (tmp_path / "audit.yaml").write_text("client:\n  name: Test\n  colour: blue\njourney: journey.yaml\nsources: []\nprmise: {}\n")
    with pytest.raises(InputProblems) as caught:
        load_engagement(tmp_path)
    codes = {str(p.code) for p in caught.value.problems}
    assert codes and codes <= set(documented_rows()), codes
