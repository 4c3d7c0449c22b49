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


# ---------------------------------------------------------------------------------------------------- --help

def _every_command_path():
    """["score"], ["checklist", "run"], ...: every command and group, and the root ([])."""
    import typer

    def walk(group, prefix):
        yield prefix
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])
            else:
                yield [*prefix, name]

    return list(walk(typer.main.get_command(app), []))


@pytest.mark.parametrize("path", _every_command_path(), ids=lambda p: " ".join(p) or "fixfirst")
def test_help_shows_no_value_type_beside_a_flag_and_fits_80_columns(path):
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "--help" in result.output and "Show this message and exit." in result.output
    assert "<bool>" not in result.output
    assert [line for line in result.output.splitlines() if len(line) > 80] == []


def test_help_names_values_as_the_readme_does():
    runner = CliRunner(env={"COLUMNS": "100"})
    score = runner.invoke(app, ["score", "--help"]).output
    assert "fixfirst score [OPTIONS] {ENGAGEMENT}" in score or "fixfirst score [OPTIONS] ENGAGEMENT" in score
    assert "--snapshot" in score and "--no-snapshot" in score
    assert "PERCENT" in runner.invoke(app, ["capacity", "--help"]).output
    compare = runner.invoke(app, ["compare", "--help"]).output
    assert "SNAPSHOT|DATE" in compare and "DATE" in compare
    assert "NAME" in runner.invoke(app, ["init", "--help"]).output and "PATH" in runner.invoke(app, ["report", "--help"]).output


def test_a_flag_given_a_value_is_still_a_usage_error_naming_the_flag(sample_dir):
    result = invoke("score", sample_dir, "--json=yes")
    assert result.exit_code == 2
    assert "Option '--json' does not take a value." in result.output


# ---------------------------------------------------------------------------------------------------- score at 80 columns

def test_score_at_80_columns_puts_each_why_whole_under_its_row(sample_dir, sample_audit):
    from fixfirst.present import figures, formatter_for
    from fixfirst.present.weak_spots import build as weak_spots_view

    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["score", str(sample_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    assert [line for line in lines if line != line.rstrip()] == []  # no trailing spaces to paste into an e-mail
    assert lines[0] == "Juniper & Lark: weak spots, ranked by money at stake a month (GBP)"
    assert lines[1] == "#  touchpoint         at stake/month  score  confidence"
    fmt = formatter_for(sample_audit.engagement.audit.client)
    causes = {c.touchpoint_id: c.cause for c in weak_spots_view(sample_audit, fmt).cards}
    spots = sample_audit.ranking.weak_spots
    assert len(spots) == 3
    rows = [lines.index(next(line for line in lines if line.startswith(f"{s.rank}  {s.touchpoint.name} "))) for s in spots]
    verdict = next(i for i, line in enumerate(lines) if line.startswith("Verdict: FIX FIRST"))
    assert rows == sorted(rows) and rows[0] == 2
    for spot, row, end in zip(spots, rows, [*rows[1:], verdict]):
        assert lines[row].split()[-2:] == [figures.spot_score(spot, fmt), spot.confidence]
        assert figures.spot_money(spot, fmt) in lines[row]
        # The why: every line from the row to the next, indented under the name, reads as the whole sentence.
        why = lines[row + 1:end]
        assert why and all(line.startswith("   ") and line[3] != " " for line in why)
        assert " ".join(" ".join(why).split()) == " ".join(causes[spot.touchpoint.id].split())
    assert lines[rows[0]] == "1  Checkout                  £10,852     62  high"  # the money in the client's currency


def test_score_fits_a_narrow_terminal_too(sample_dir):
    result = CliRunner(env={"COLUMNS": "50"}).invoke(app, ["score", str(sample_dir), "--no-snapshot"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if len(line) > 50] == []
    assert "   picking" in result.stdout.splitlines()  # "Stock and picking" wraps inside its column


def test_score_lists_the_first_three_actions_and_counts_the_rest(sample_dir, sample_audit):
    from fixfirst.present import formatter_for
    from fixfirst.present.plan import build as plan_view

    plan = plan_view(sample_audit, formatter_for(sample_audit.engagement.audit.client))
    actions = [a for phase in plan.phases for a in phase.actions]
    assert len(actions) == 11
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["score", str(sample_dir)])
    text = result.stdout
    for a in actions[:3]:
        assert f"{a.number}. {a.title.split()[0]}" in text
    assert "  and 8 more: all 11 are in the report's fix plan (fixfirst report)" in text.splitlines()
    assert f"{actions[3].number}. " not in text.split("Fix plan:")[1]


def test_score_writes_money_in_the_clients_currency(tmp_path):
    folder = write_tiny_engagement(tmp_path / "euro", late_every=3, checkout_drop_every=2)
    audit = (folder / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(audit.replace('  name: "Tiny Test Shop"\n', '  name: "Tiny Test Shop"\n  currency: EUR\n', 1))
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["score", str(folder), "--no-snapshot"])
    assert result.exit_code == 0, result.output
    assert "ranked by money at stake a month (EUR)" in result.stdout
    assert "€" in result.stdout and "£" not in result.stdout


# ------------------------------------------------------------------------------------------ demo and capacity at 80 columns

def _at_80_and_wide(monkeypatch, audit, args) -> tuple[list[str], list[str]]:
    """The command's output at 80 columns and at 250, printing `audit` (computed once, not per run)."""
    import fixfirst.pipeline

    monkeypatch.setattr(fixfirst.pipeline, "run_audit", lambda *_, **__: audit)
    outputs = []
    for columns in ("80", "250"):
        result = CliRunner(env={"COLUMNS": columns}).invoke(app, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout.splitlines())
    return outputs[0], outputs[1]


def _words(lines: list[str]) -> list[str]:
    """The words, in order, without the tables' box drawing (its width changes with the terminal's)."""
    import re

    return sorted(re.sub("[\u2500-\u257f]", " ", "\n".join(lines)).split())


def _assert_wrapped_between_words(narrow: list[str], wide: list[str], *, whole: tuple[str, ...] = ()) -> None:
    """At 80 columns no line is longer (but a path in `whole`, never split), and wrapping only moved line breaks.

    A word split across two lines would leave two pieces where the wide output has one word: the words would differ.
    """
    from rich.cells import cell_len

    assert max(cell_len(line) for line in wide) > 80  # the wide output has lines to wrap: the test tests something
    assert [line for line in narrow if cell_len(line) > 80 and line not in whole] == []
    assert [line for line in narrow if line != line.rstrip()] == []  # no trailing spaces to paste into an e-mail
    assert _words(narrow) == _words(wide)


@pytest.mark.parametrize("follow_up", [False, True], ids=["demo", "demo --compare"])
def test_demo_at_80_columns_wraps_between_words(monkeypatch, tmp_path, sample_audit, follow_up):
    from fixfirst.pipeline import run_audit
    from fixfirst.present import formatter_for
    from fixfirst.present.verdict_words import verdict_summary
    from fixfirst.resources import sample_engagement

    audit = run_audit(sample_engagement("juniper-lark-after")) if follow_up else sample_audit
    target = tmp_path / "demo.html"  # the report is not what is tested here: HTML is the quickest to write
    narrow, wide = _at_80_and_wide(monkeypatch, audit, ["demo", "-o", target, *(["--compare"] if follow_up else [])])
    path = str(target.resolve())
    _assert_wrapped_between_words(narrow, wide, whole=(path,))
    fmt = formatter_for(audit.engagement.audit.client)
    verdict = f"Verdict: {audit.verdict.status} - {verdict_summary(audit, fmt)}"
    assert len(verdict) > 80 and " ".join(narrow).startswith(verdict)  # wrapped, from the first line, whole
    assert "Juniper & Lark: weak spots, ranked by money at stake a month (GBP)" in narrow  # the currency, in the title
    for spot in audit.ranking.weak_spots:
        assert any(line.startswith(f"  #{spot.rank} {spot.touchpoint.name}: ") for line in narrow)
    assert path in narrow or f"Report written to: {path}" in narrow  # the path whole, on one line
    assert ("Since the last audit (data up to 30 Sep 2026)" in narrow) is follow_up


def test_capacity_at_80_columns_wraps_between_words_and_says_how_each_capacity_was_found(monkeypatch, sample_dir, sample_audit):
    from fixfirst.present import formatter_for
    from fixfirst.present.verdict_words import verdict_reasons, verdict_summary

    fmt = formatter_for(sample_audit.engagement.audit.client)
    narrow, wide = _at_80_and_wide(monkeypatch, sample_audit, ["capacity", sample_dir, "--no-snapshot"])
    _assert_wrapped_between_words(narrow, wide)
    text = " ".join(" ".join(narrow).split())
    # Each reason is a hanging "- " item: its lines, joined, read as the whole sentence.
    for reason in verdict_reasons(sample_audit, fmt):
        assert f"- {' '.join(reason.split())}" in text
    found = narrow.index("How each step's capacity was found:")
    for step in sample_audit.outlook.simulation.steps:  # the sentence under the table, at full width, not in a column
        assert f"- {step.step.name}: {step.basis}: {step.detail}" in text
        assert narrow[found + 1].startswith(f"  - {step.step.name}: ")
    verdict = f"Verdict: FIX FIRST - {verdict_summary(sample_audit, fmt)}"
    assert len(verdict) > 80 and text.endswith(verdict)  # the last word: wrapped, whole


# ---------------------------------------------------------------------------------------------------- the test commands

def test_every_test_named_slow_exists():
    """tests/conftest.py marks tests slow by name: a renamed test would silently rejoin `make test-fast`."""
    import ast
    from pathlib import Path

    from . import conftest

    here = Path(__file__).parent
    for name in conftest.SLOW_FILES:
        assert (here / name).is_file(), name
    for entry in conftest.SLOW_TESTS:
        file, test = entry.split("::")
        tree = ast.parse((here / file).read_text())
        defined = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assert test in defined, entry


def test_skips_are_summed_up_one_line_per_reason(request):
    from types import SimpleNamespace

    from . import conftest

    class Reporter:
        def __init__(self, skipped):
            self.stats = {"skipped": skipped}
            self.lines = []

        def section(self, title, sep):
            self.lines.append(f"-- {title}")

        def line(self, text):
            self.lines.append(text)

    missing = "needs the public data sets in ../shared/data (see README, Testing with real data); absent in this checkout"
    skipped = [SimpleNamespace(longrepr=("tests/test_shared_data.py", n, f"Skipped: {missing}")) for n in range(29)]
    skipped.append(SimpleNamespace(longrepr=("tests/test_checklist_walkthrough.py", 9, "Skipped: needs a POSIX pseudo-terminal")))
    reporter = Reporter(skipped)
    conftest.pytest_terminal_summary(reporter, 0, request.config)
    assert reporter.lines == ["-- skipped", f"29 skipped: {missing}", "1 skipped: needs a POSIX pseudo-terminal"]
    quiet = Reporter([])
    conftest.pytest_terminal_summary(quiet, 0, request.config)
    assert quiet.lines == []
    # pytest's own line per skipped test (-rs, or -ra) is off by default.
    report_chars = "".join(opt[2:] for opt in request.config.getini("addopts") if opt.startswith("-r"))
    assert report_chars and "s" not in report_chars and "a" not in report_chars
