"""The engagement boundary and sources that cannot be audited: links out of the folder, broken configuration, no data."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.pipeline import run_audit

from .conftest import write_tiny_engagement

runner = CliRunner()
SECRET = "root:x:0:0:SECRET-LINE-OUTSIDE"


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exit_code != 70, result.output
    return result


def check_json(folder) -> tuple[int, dict]:
    result = invoke("check", folder, "--json")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def outside(tmp_path):
    """A folder beside the engagement holding a file nobody may quote."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "passwd").write_text(SECRET + "\nother:line\n")
    (folder / "feedback.csv").write_text("Date,Text\n2026-03-10,\"" + SECRET + " was late\"\n")
    return folder


@pytest.fixture
def tiny(tmp_path):
    return write_tiny_engagement(tmp_path / "tiny", late_every=3, checkout_drop_every=2)


def _relink(path, target):
    path.unlink()
    os.symlink(target, path)


def test_a_data_file_linked_out_of_the_engagement_is_refused_unread(tiny, outside):
    _relink(tiny / "orders.csv", outside / "passwd")
    code, document = check_json(tiny)
    assert code == 1 and document["ok"] is False
    found = [p for p in document["problems"] if p["code"] == "file.outside_engagement"]
    assert found and found[0]["file"] == "orders.csv" and found[0]["severity"] == "error"
    assert "is a link that leads outside the engagement folder" in found[0]["message"]
    shown = invoke("check", tiny).output + json.dumps(document)
    assert "SECRET-LINE-OUTSIDE" not in shown and "root:x" not in shown


def test_a_feedback_file_linked_out_is_never_quoted(tiny, outside):
    _relink(tiny / "feedback.csv", outside / "feedback.csv")
    result = invoke("score", tiny, "--json")
    assert result.exit_code == 1
    assert "SECRET-LINE-OUTSIDE" not in result.output and "outside the engagement folder" in result.output


def test_an_absolute_path_outside_is_refused_unless_its_folder_is_allowed(tiny, outside):
    audit = (tiny / "audit.yaml").read_text().replace("file: feedback.csv", f"file: {outside / 'feedback.csv'}")
    (tiny / "audit.yaml").write_text(audit)
    code, document = check_json(tiny)
    assert code == 1
    assert any(p["code"] == "file.outside_engagement" and "lies outside the engagement folder" in p["message"]
               for p in document["problems"])
    (tiny / "audit.yaml").write_text(audit + f"allowed_folders: [{os.path.relpath(outside, tiny)}]\n")
    code, document = check_json(tiny)
    assert code == 0, document["problems"]
    result = run_audit(tiny)
    assert result.data.tables["feedback"].rows_kept == 1


def test_an_allowed_folder_that_does_not_exist_is_a_located_error(tiny):
    (tiny / "audit.yaml").write_text((tiny / "audit.yaml").read_text() + "allowed_folders: [../nowhere]\n")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert problem["code"] == "config.allowed_folder_missing" and isinstance(problem["row"], int) and problem["sheet"] is None
    assert "'../nowhere' is not a folder" in problem["message"]


@pytest.mark.parametrize("what,setup", [
    ("logo", lambda tiny, out: ("client:\n  name: \"Tiny Test Shop\"\n", "client:\n  name: \"Tiny Test Shop\"\n  logo: logo.png\n", "logo.png")),
    ("playbook", lambda tiny, out: ("sources:", "playbook: plays.yaml\nsources:", "plays.yaml")),
    ("settings file", lambda tiny, out: ("sources:", "settings: thresholds.yaml\nsources:", "thresholds.yaml")),
    ("lexicon", lambda tiny, out: ("sources:", "settings: {feedback: {lexicon: words.yaml}}\nsources:", "words.yaml")),
    ("template folder", lambda tiny, out: ("sources:", "report: {templates: overrides}\nsources:", "overrides")),
])
def test_configuration_files_linked_out_are_refused(tiny, outside, what, setup):
    old, new, name = setup(tiny, outside)
    (tiny / "audit.yaml").write_text((tiny / "audit.yaml").read_text().replace(old, new, 1))
    os.symlink(outside / "passwd" if name != "overrides" else outside, tiny / name)
    code, document = check_json(tiny)
    assert code == 1
    [problem] = [p for p in document["problems"] if p["code"] == "config.outside_engagement"]
    assert f"{name}: this {what} is a link that leads outside the engagement folder" in problem["message"]
    assert "SECRET" not in json.dumps(document)


def test_a_journey_linked_out_is_refused(tiny, outside):
    (outside / "journey.yaml").write_text((tiny / "journey.yaml").read_text())
    _relink(tiny / "journey.yaml", outside / "journey.yaml")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert problem["code"] == "config.outside_engagement" and problem["column"] == "journey"


def test_an_answers_file_linked_out_is_not_read(tiny, outside):
    (tiny / "answers").mkdir()
    os.symlink(outside / "passwd", tiny / "answers" / "online-shop.yaml")
    code, document = check_json(tiny)
    assert code == 1
    assert any("answers file is a link that leads outside" in p["message"] for p in document["problems"])
    assert "SECRET" not in json.dumps(document)


def test_a_link_inside_the_engagement_is_fine(tiny):
    (tiny / "data").mkdir()
    shutil.move(tiny / "orders.csv", tiny / "data" / "orders.csv")
    os.symlink(tiny / "data" / "orders.csv", tiny / "orders.csv")
    code, document = check_json(tiny)
    assert code == 0, document["problems"]


def test_audit_yaml_that_is_a_list_gets_a_located_json_document(tiny):
    (tiny / "audit.yaml").write_text("- client\n- promise\n")
    code, document = check_json(tiny)
    assert code == 1 and document["ok"] is False
    [problem] = document["problems"]
    assert problem["code"] == "config.not_a_mapping" and problem["file"].endswith("audit.yaml") and problem["row"] == 1
    assert "found a list" in problem["message"]


def test_a_missing_journey_is_located_in_audit_yaml(tiny):
    (tiny / "journey.yaml").unlink()
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert problem["code"] == "config.journey_missing" and problem["file"].endswith("audit.yaml")
    assert problem["column"] == "journey" and problem["value"] == "journey.yaml"


def test_a_journey_that_is_not_a_mapping_is_located_in_the_journey(tiny):
    (tiny / "journey.yaml").write_text("just a sentence\n")
    code, document = check_json(tiny)
    assert code in (1, 2) and document["ok"] is False
    [problem] = document["problems"]
    assert problem["file"].endswith("journey.yaml") and "mapping" in problem["message"]


def test_a_missing_folder_still_gets_a_json_document(tmp_path):
    code, document = check_json(tmp_path / "nope")
    assert code == 2 and document["ok"] is False
    assert "engagement folder not found" in document["problems"][0]["message"]


def test_an_orders_file_whose_every_date_is_unreadable_is_not_ready(tiny):
    lines = (tiny / "orders.csv").read_text().splitlines()
    broken = [lines[0]] + [",".join([r.split(",")[0], r.split(",")[1], "someday", *r.split(",")[3:]]) for r in lines[1:]]
    (tiny / "orders.csv").write_text("\n".join(broken) + "\n")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = [p for p in document["problems"] if p["code"] == "file.no_usable_rows"]
    assert problem["file"] == "orders.csv" and problem["severity"] == "error"
    assert problem["message"].startswith("0 of 60 rows can be used") and "'Ordered At'" in problem["message"]
    assert invoke("score", tiny).exit_code == 1


def test_a_header_only_orders_file_is_an_error(tiny):
    (tiny / "orders.csv").write_text((tiny / "orders.csv").read_text().splitlines()[0] + "\n")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = [p for p in document["problems"] if p["code"] == "file.no_rows"]
    assert problem["severity"] == "error" and "orders export" in problem["message"]
    assert "not ready to audit" in invoke("check", tiny).output


def test_one_file_as_survey_and_feedback_is_warned_about(tiny):
    (tiny / "feedback.csv").write_text("Date,Rating,Text\n2026-03-10,2,Late again\n2026-03-11,5,Lovely\n")
    audit = (tiny / "audit.yaml").read_text() + "  - kind: survey\n    file: feedback.csv\n    columns: {overall: Rating, comment: Text}\n"
    (tiny / "audit.yaml").write_text(audit)
    code, document = check_json(tiny)
    [problem] = [p for p in document["problems"] if p["code"] == "source.read_twice"]
    assert problem["severity"] == "warning" and "every comment is counted twice" in problem["message"]
    assert "comment: null" in problem["message"]
    (tiny / "audit.yaml").write_text(audit.replace("comment: Text}", "comment: null}"))
    code, document = check_json(tiny)
    assert not [p for p in document["problems"] if p["code"] == "source.read_twice"]


def test_too_little_data_never_reads_as_no_action_needed(tmp_path):
    folder = write_tiny_engagement(tmp_path / "thin", orders=8)
    result = invoke("score", folder, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    plan = document["fix_plan"]
    assert document["verdict"]["status"] == "NOT ENOUGH DATA" and not plan["quick_wins"] and not plan["systemic"]
    assert "No action is needed" not in plan["summary"] and "not enough to clear marketing" in plan["summary"]
    text = invoke("score", folder).output
    assert "No action is needed" not in text


# Timestamps: days and cut-offs on the local clock, waits on absolute time.

def _events_across_spring_forward(tmp_path, with_offsets: bool):
    from fixfirst.config.engagement import SourceSpec
    from fixfirst.ingest.loader import load_source
    from fixfirst.config.settings import Ingest

    # Europe/Rome moved from +01:00 to +02:00 at 02:00 on Sunday 29 March 2026: 01:30 to 03:30 on the wall is one hour.
    a, b = ("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00") if with_offsets else ("2026-03-29 01:30", "2026-03-29 03:30")
    rows = ["case,step,time", f"C1,ticket,{a}", f"C1,answer,{b}", "C2,ticket,2026-03-10T09:00:00+01:00" if with_offsets
            else "C2,ticket,2026-03-10 09:00", "C2,answer,2026-03-10T10:00:00+01:00" if with_offsets else "C2,answer,2026-03-10 10:00"]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = SourceSpec(kind="events", file="log.csv", columns={"case_id": "case", "activity": "step", "timestamp": "time"})
    table, problems = load_source(spec, path, Ingest(), [], "Europe/Rome")
    return table.frame


@pytest.mark.parametrize("with_offsets", [True, False])
def test_a_wait_across_a_clock_change_is_the_time_that_passed(tmp_path, with_offsets):
    from fixfirst.signals.process import directly_follows_graph

    frame = _events_across_spring_forward(tmp_path, with_offsets)
    # Shown on the business's clock, as written on the wall.
    assert str(frame.loc[0, "timestamp"]) == "2026-03-29 01:30:00" and str(frame.loc[1, "timestamp"]) == "2026-03-29 03:30:00"
    [edge] = directly_follows_graph(frame).edges
    assert edge.wait_median == 3600.0 and edge.wait_p85 == 3600.0  # both waits are one hour, the wall says two for one


def test_without_a_zone_nothing_extra_is_kept(tmp_path):
    from fixfirst.config.engagement import SourceSpec
    from fixfirst.ingest.loader import load_source
    from fixfirst.config.settings import Ingest

    (tmp_path / "log.csv").write_text("case,step,time\nC1,a,2026-03-29 01:30\nC1,b,2026-03-29 03:30\n")
    spec = SourceSpec(kind="events", file="log.csv", columns={"case_id": "case", "activity": "step", "timestamp": "time"})
    table, _ = load_source(spec, tmp_path / "log.csv", Ingest(), [], None)
    assert "_instant" not in table.frame


def test_helpdesk_waits_across_clock_changes_are_exact():
    """Real log (../shared/data/event-logs/helpdesk.csv, UTC offsets): with Europe/Rome, only the waits that span a
    clock change differ from the wall-clock difference, each by exactly one hour."""
    import numpy as np
    import pandas as pd

    from fixfirst.config.engagement import SourceSpec
    from fixfirst.ingest.loader import load_source
    from fixfirst.config.settings import Ingest
    from fixfirst.signals.ordered_log import order_events

    from .conftest import SHARED_DATA

    path = SHARED_DATA / "event-logs" / "helpdesk.csv"
    if not path.is_file():
        pytest.skip(f"needs {path} from the public data sets (see README, Testing with real data); absent in this checkout")
    table, _ = load_source(SourceSpec(kind="events", file="helpdesk.csv"), path, Ingest(), [], "Europe/Rome")
    log, *_ = order_events(table.frame)
    same = ~log.first[1:]
    wall, real = np.diff(log.ts)[same], np.diff(log.clock)[same]
    instants = pd.to_datetime(log.clock).tz_localize("UTC").tz_convert("Europe/Rome")
    offsets = np.asarray([t.utcoffset().total_seconds() for t in instants])
    spans_change = (np.diff(offsets) != 0)[same]
    assert int((wall != real).sum()) == int(spans_change.sum()) > 0
    assert set(np.abs(wall - real)[spans_change] // 10**9) == {3600}


def test_infinite_and_absurd_order_values_are_located_and_blanked(tiny):
    lines = (tiny / "orders.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",inf"
    lines[4] = lines[4].rsplit(",", 1)[0] + ",1e308"
    (tiny / "orders.csv").write_text("\n".join(lines) + "\n")
    code, document = check_json(tiny)
    assert code == 0
    found = [(p["row"], p["column"]) for p in document["problems"] if p["code"] == "value.out_of_range"]
    assert found == [(4, "Order Value"), (5, "Order Value")]
    scored = invoke("score", tiny, "--json")
    assert scored.exit_code == 0 and "Infinity" not in scored.stdout and "NaN" not in scored.stdout


def test_a_number_too_long_for_python_is_a_located_yaml_error(tiny):
    text = (tiny / "audit.yaml").read_text()
    (tiny / "audit.yaml").write_text(text + "x: " + "9" * 5000 + "\n")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert f"line {text.count(chr(10)) + 1}, column 4" in problem["message"] and "a value cannot be read" in problem["message"]
    assert problem["file"].endswith("audit.yaml")


def test_checklist_run_refuses_an_answers_file_linked_out(tiny, outside):
    (outside / "answers.yaml").write_text("answers: {}\n")
    (tiny / "answers").mkdir()
    os.symlink(outside / "answers.yaml", tiny / "answers" / "fulfilment.yaml")
    imported = tiny.parent / "import.yaml"
    imported.write_text("answers: {}\n")
    result = invoke("checklist", "run", "fulfilment", tiny, "--answers", imported)
    assert result.exit_code == 2
    assert "answers file is a link that leads outside the engagement folder" in result.output
    assert "allowed_folders" not in result.output  # it cannot let answers in: the advice would not work
    assert (tiny / "answers" / "fulfilment.yaml").is_symlink()  # not replaced by a copy of the outside file


def test_an_audit_yaml_linked_out_is_its_own_located_problem(tiny, outside):
    (outside / "audit.yaml").write_text((tiny / "audit.yaml").read_text())
    _relink(tiny / "audit.yaml", outside / "audit.yaml")
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert problem["code"] == "config.outside_engagement" and problem["file"].endswith("audit.yaml")
    assert "allowed_folders" not in problem["message"]


def test_a_configuration_problem_points_at_the_key_that_names_the_file(tiny):
    (tiny / "audit.yaml").write_text((tiny / "audit.yaml").read_text().replace(
        'client:\n  name: "Tiny Test Shop"\n', 'client:\n  name: "Tiny Test Shop"\n  logo: missing.png\n'))
    code, document = check_json(tiny)
    [problem] = document["problems"]
    assert (problem["row"], problem["column"]) == (3, "client.logo") and "logo file not found" in problem["message"]


def test_check_refuses_an_override_template_linked_out(tiny, outside):
    (outside / "decision.html").write_text("<p>" + SECRET + "</p>")
    (tiny / "overrides" / "_partials").mkdir(parents=True)
    os.symlink(outside / "decision.html", tiny / "overrides" / "_partials" / "decision.html")
    (tiny / "audit.yaml").write_text((tiny / "audit.yaml").read_text().replace("sources:", "report: {templates: overrides}\nsources:", 1))
    code, document = check_json(tiny)
    assert code == 1
    [problem] = document["problems"]
    assert problem["code"] == "config.outside_engagement" and problem["column"] == "report.templates"
    assert "_partials/decision.html: this template override is a link" in problem["message"] and "SECRET" not in problem["message"]


def test_a_checklist_linked_out_is_named_as_such(tiny, outside):
    (outside / "mine.yaml").write_text("id: mine\n")
    (tiny / "checklists").mkdir()
    os.symlink(outside / "mine.yaml", tiny / "checklists" / "mine.yaml")
    result = invoke("checklist", "run", "mine", tiny, "--answers", outside / "mine.yaml")
    assert result.exit_code == 2 and "this checklist is a link that leads outside the engagement folder" in result.output


def test_a_folder_named_as_a_file_and_a_sheet_of_a_csv_are_plain_problems(tiny):
    (tiny / "exports").mkdir()
    audit = (tiny / "audit.yaml").read_text()
    (tiny / "audit.yaml").write_text(audit.replace("file: feedback.csv", "file: exports").replace(
        "file: orders.csv", "file: orders.csv\n    sheet: Orders"))
    code, document = check_json(tiny)
    assert code == 1
    found = {p["code"]: p for p in document["problems"]}
    assert found["file.unreadable"]["file"] == "exports" and "is a folder, not a file" in found["file.unreadable"]["message"]
    assert found["mapping.sheet_ignored"]["severity"] == "warning" and found["mapping.sheet_ignored"]["file"] == "orders.csv"
