"""The command line, driven in-process: outputs, exit codes, and clear errors instead of tracebacks."""

from __future__ import annotations

import json
import shutil

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from fixfirst.cli import COMMANDS, app

from .conftest import write_tiny_engagement

runner = CliRunner()
PLANTED = {"delivery", "pick_pack", "checkout"}


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="session")
def demo_pdf(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo") / "nested" / "demo.pdf"
    result = invoke("demo", "-o", target)
    assert result.exit_code == 0, result.output
    return target, result.output


def test_every_command_is_registered():
    names = {c.name for c in app.registered_commands}
    assert names == set(COMMANDS) == {"demo", "init", "check", "score", "capacity", "report", "compare"}
    assert {g.name for g in app.registered_groups} == {"checklist"}


def test_demo_writes_a_multi_page_pdf_and_prints_its_path(demo_pdf):
    target, output = demo_pdf
    assert target.is_file()
    assert str(target.resolve()) in output.replace("\n", "")
    reader = PdfReader(target)
    assert len(reader.pages) >= 6
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Juniper & Lark" in text
    assert "FIX FIRST" in text
    for name in ("Delivery", "Stock and picking", "Checkout"):
        assert name in text
    assert not list(target.parent.glob(".*.tmp")), "the atomic write left a temp file behind"


def test_demo_pdf_has_no_embedded_files(demo_pdf):
    reader = PdfReader(demo_pdf[0])
    assert dict(reader.attachments) == {}


def test_score_json_puts_the_planted_weak_spots_on_top(sample_dir):
    result = invoke("score", sample_dir, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    spots = payload["weak_spots"]
    assert [s["rank"] for s in spots] == list(range(1, len(spots) + 1))
    assert {s["touchpoint"] for s in spots[:3]} == PLANTED
    for spot in spots:
        assert {"rank", "touchpoint", "name", "score", "confidence", "money_at_stake", "signals"} <= set(spot)
        assert spot["signals"], "every weak spot carries its signals"
        for signal in spot["signals"]:
            assert signal["n"] > 0 and 0 <= signal["severity"] <= 1
            assert abs(sum(s["share"] for s in spot["signals"]) - 1) < 1e-3  # each share is rounded to 4 places
    healthy = [t for t in payload["touchpoints"] if t["rank"] == 0]
    assert max(t["score"] for t in healthy) < min(s["score"] for s in spots[:3])
    assert payload["verdict"]["status"] == "FIX FIRST"
    assert set(payload["verdict"]["blocking"]) <= {s["touchpoint"] for s in spots}
    assert payload["schema"] == "fixfirst.score/2"


def test_score_table_names_the_verdict(sample_dir):
    result = invoke("score", sample_dir)
    assert result.exit_code == 0
    assert "FIX FIRST" in result.output and "Delivery" in result.output


def test_check_reports_mapping_and_the_planted_data_problems(sample_dir):
    result = invoke("check", sample_dir, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    codes = {p["code"] for p in payload["problems"]}
    assert {"duplicate.id", "sequence.out_of_order", "value.out_of_scale"} <= codes
    orders = next(s for s in payload["sources"] if s["kind"] == "orders")
    assert {"field": "order_id", "column": "Order ID", "how": "explicit"} in orders["mapping"]
    for problem in payload["problems"]:
        assert problem["file"] and problem["severity"] in {"error", "warning"}


def test_check_exits_non_zero_and_lists_every_error(tmp_path):
    folder = write_tiny_engagement(tmp_path / "bad")
    (folder / "orders.csv").write_text("Reference,When\nA1,2026-01-01\n")
    (folder / "events.csv").write_text("foo,bar\n1,2\n")
    result = invoke("check", folder, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    missing = {(p["file"], p["column"]) for p in problems if p["code"] == "mapping.required_missing"}
    assert ("orders.csv", "order_id") in missing and ("orders.csv", "ordered_at") in missing
    assert ("events.csv", "case_id") not in missing  # mapped explicitly, so it is a column_not_found instead
    assert any(p["code"] == "mapping.column_not_found" and p["file"] == "events.csv" for p in problems)


def test_report_refuses_data_with_errors_with_a_one_line_cause(tmp_path):
    folder = write_tiny_engagement(tmp_path / "bad")
    (folder / "orders.csv").write_text("Reference,When\nA1,2026-01-01\n")
    result = invoke("report", folder)
    assert result.exit_code == 1
    assert "error:" in result.output and "orders.csv" in result.output and "fix:" in result.output


@pytest.mark.parametrize(
    "audit_text, expected",
    [
        ("client: [unclosed\n", "invalid YAML"),
        ("client:\n  name: X\n  colour: red\npromise: {description: d, business_days: 2}\nsources: [{kind: orders, file: o.csv}]\n", "line 3"),
        ("client: {name: X, brand_colour: 'red; background: url(x)'}\npromise: {description: d, business_days: 2}\nsources: [{kind: orders, file: o.csv}]\n", "brand_colour"),
        ("client: {name: X}\nsources: [{kind: orders, file: o.csv}]\n", "promise"),
    ],
)
def test_bad_audit_yaml_gives_a_located_error(tmp_path, audit_text, expected):
    (tmp_path / "audit.yaml").write_text(audit_text)
    result = invoke("check", tmp_path)
    assert result.exit_code in (1, 2)
    assert expected in result.output
    assert "audit.yaml" in result.output


def test_missing_engagement_folder_is_a_clear_error(tmp_path):
    result = invoke("score", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "engagement folder not found" in result.output and "fix:" in result.output


def test_report_writes_into_the_engagement_by_default(tmp_path, sample_dir):
    folder = tmp_path / "copy"
    shutil.copytree(sample_dir, folder)
    result = invoke("report", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "fixfirst-report.pdf").is_file()


@pytest.mark.parametrize("template", ["online-shop", "local-service"])
def test_init_creates_a_starter_that_is_not_ready_until_data_arrives(tmp_path, template):
    folder = tmp_path / "clients" / template
    result = invoke("init", folder, "--template", template)
    assert result.exit_code == 0, result.output
    assert (folder / "audit.yaml").is_file() and (folder / "journey.yaml").is_file()
    checked = invoke("check", folder, "--json")
    assert checked.exit_code == 1, checked.output
    document = json.loads(checked.stdout)
    assert document["ok"] is False
    # The configuration is sound (every file maps); only the data is missing, one error per empty source.
    empty = [p for p in document["problems"] if p["code"] == "file.no_rows"]
    assert empty and all(p["severity"] == "error" for p in empty)
    assert {p["code"] for p in document["problems"]} == {"file.no_rows"}
    assert "not ready to audit" in invoke("check", folder).output
    scored = invoke("score", folder, "--json")
    assert scored.exit_code == 1 and "no data rows" in scored.output


def test_init_never_overwrites_a_folder_with_content(tmp_path):
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    result = invoke("init", folder)
    assert result.exit_code == 2
    assert (folder / "notes.txt").read_text() == "precious"
    assert not (folder / "audit.yaml").exists()


def test_init_names_the_templates_when_one_is_unknown(tmp_path):
    result = invoke("init", tmp_path / "x", "--template", "bakery-on-mars")
    assert result.exit_code == 2
    assert "online-shop" in result.output and "local-service" in result.output


def test_version_flag():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("fixfirst ")


def test_unwritable_output_is_a_user_error(tmp_path, sample_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("report", sample_dir, "-o", blocker / "report.pdf")
    assert result.exit_code == 2
    assert "cannot write the PDF" in result.output and "internal error" not in result.output


def test_report_file_gets_the_users_normal_file_mode(demo_pdf):
    import os
    import stat

    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(demo_pdf[0].stat().st_mode) == 0o666 & ~mask


def test_check_json_reports_an_unreadable_configuration_file_as_a_document(tmp_path, sample_dir):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(sample_dir, folder)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text() + "playbook: playbook.yaml\n")
    (folder / "playbook.yaml").write_text("plays:\n  - id: x\n    title: [unclosed\n")
    result = invoke("check", str(folder), "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["sources"] == []
    assert payload["problems"][0]["code"] == "config.unreadable" and "invalid YAML" in payload["problems"][0]["message"]
    plain = invoke("check", str(folder))
    assert plain.exit_code == 1 and "invalid YAML" in plain.output
