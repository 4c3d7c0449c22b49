"""Checklist answers: parsing per type, the answers file (atomic, resumable, never overwritten when broken),
import through the CLI, scores by hand, and flags that become signals and report findings."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from fixfirst.checklist.answers import AnswerFile, answers_path, read_import
from fixfirst.checklist.model import Checklist, ChecklistItem, find_checklist
from fixfirst.checklist.scoring import score_checklist
from fixfirst.cli import app
from fixfirst.errors import FixfirstError, InputProblems

from .conftest import write_tiny_engagement

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def item(**fields) -> ChecklistItem:
    base = {"id": "x", "question": "A question?", "why": "Because it matters.", "weight": 1, "touchpoints": ["delivery"],
            "fix": "Do the fix.", "evidence": "Show the proof."}
    return ChecklistItem.model_validate(base | fields)


CHECKLIST = Checklist.model_validate({
    "id": "mini", "title": "Mini", "sections": [
        {"id": "one", "title": "One", "items": [
            {"id": "kpis", "question": "Shared KPIs?", "why": "Why it matters.", "answer": "yes_no", "weight": 3,
             "flag_when": ["no"], "touchpoints": ["delivery"], "fix": "Share them.", "evidence": "Reports."},
            {"id": "weeks", "question": "Weeks ahead?", "why": "Why it matters.", "answer": "number", "unit": "weeks", "weight": 2,
             "flag_when": ["< 3"], "touchpoints": ["delivery", "checkout"], "fix": "Four weeks ahead.", "evidence": "Calendar."},
        ]},
        {"id": "two", "title": "Two", "items": [
            {"id": "stock", "question": "Stock checked?", "why": "Why it matters.", "answer": "scale_1_5", "scale": {1: "never", 5: "always"},
             "weight": 2, "flag_when": ["<= 2"], "touchpoints": ["checkout"], "fix": "Check stock.", "evidence": "Stock report."},
            {"id": "review", "question": "What is reviewed?", "why": "Why it matters.", "answer": "choice",
             "choices": ["none", "sales only", "everything"], "weight": 1, "flag_when": ["none", "sales only"],
             "touchpoints": ["delivery"], "fix": "Review all.", "evidence": "Review doc."},
            {"id": "words", "question": "Anything else?", "why": "Why it matters.", "answer": "text", "weight": 1,
             "touchpoints": ["delivery"], "fix": "Compare with data.", "evidence": "Notes."},
        ]},
    ]})


# -- parse, describe, is_flagged -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value, text", [("y", True, "yes"), ("YES", True, "yes"), ("n", False, "no"), ("No", False, "no"),
                                              ("na", None, "n/a"), ("n/a", None, "n/a")])
def test_yes_no_answers(raw, value, text):
    kpis = CHECKLIST.item("kpis")
    assert kpis.parse(raw) is value
    assert kpis.describe(value) == text
    assert kpis.is_flagged(value) is (value is False)


def test_scale_answers_take_numbers_or_labels_and_flag_at_the_rule():
    stock = CHECKLIST.item("stock")
    assert stock.parse("4") == 4 and stock.parse("never") == 1
    assert stock.describe(1) == "1 - never" and stock.describe(4) == "4 of 5"
    assert [stock.is_flagged(v) for v in (1, 2, 3, 5)] == [True, True, False, False]
    for bad in ("0", "6", "2.5", "often"):
        with pytest.raises(ValueError, match="1 to 5"):
            stock.parse(bad)


def test_number_answers_accept_their_unit_and_thousands():
    weeks = CHECKLIST.item("weeks")
    assert weeks.parse("2 weeks") == 2 and weeks.parse("2.5") == 2.5 and weeks.parse("1,200") == 1200
    assert weeks.describe(2) == "2 weeks" and weeks.describe(2.5) == "2.5 weeks" and weeks.describe(1234.75) == "1,234.75 weeks"
    assert weeks.is_flagged(2.9) and not weeks.is_flagged(3)
    assert item(answer="number", unit="%", flag_when=["< 80"]).describe(60) == "60%"
    with pytest.raises(ValueError, match="not a number"):
        weeks.parse("soon")


def test_choice_answers_by_text_or_number():
    review = CHECKLIST.item("review")
    assert review.parse("2") == "sales only" and review.parse("EVERYTHING") == "everything"
    assert review.is_flagged("none") and not review.is_flagged("everything")
    with pytest.raises(ValueError, match="1 none; 2 sales only; 3 everything"):
        review.parse("4")


def test_text_answers_never_flag_and_blank_is_no_answer():
    words = CHECKLIST.item("words")
    assert words.parse("  late vans  ") == "late vans" and not words.is_flagged("late vans")
    with pytest.raises(ValueError, match="no answer"):
        words.parse("   ")


@pytest.mark.parametrize("fields, words", [
    ({"answer": "yes_no", "flag_when": ["maybe"]}, "yes_no"),
    ({"answer": "scale_1_5", "flag_when": ["< 9"]}, "outside the 1-5 scale"),
    ({"answer": "number", "flag_when": ["lots"]}, "not a comparison"),
    ({"answer": "choice", "choices": ["a", "b"], "flag_when": ["c"]}, "not one of the choices"),
    ({"answer": "text", "flag_when": ["x"]}, "free-text"),
    ({"answer": "choice", "choices": ["a", "A"]}, "different"),
    ({"answer": "number", "scale": {1: "low"}}, "scale_1_5"),
])
def test_flag_rules_must_fit_the_answer_type(fields, words):
    with pytest.raises(ValueError, match=words):
        item(**fields)


def test_n_a_can_itself_be_a_flag():
    rule = item(answer="yes_no", flag_when=["n/a", "no"])
    assert rule.is_flagged(None) and rule.is_flagged(False) and not rule.is_flagged(True)


# -- the answers file ------------------------------------------------------------------------------------------------


@pytest.fixture
def answer_file(tmp_path):
    return AnswerFile.open(answers_path(tmp_path, "mini"), CHECKLIST)


def test_each_answer_is_on_disk_when_record_returns_and_reopening_resumes(answer_file):
    assert not answer_file.path.exists() and answer_file.first_unanswered() == "kpis"
    answer_file.record("kpis", False, note="never monthly")
    on_disk = AnswerFile.open(answer_file.path, CHECKLIST)
    assert on_disk.answers["kpis"].value is False and on_disk.answers["kpis"].note == "never monthly"
    assert on_disk.first_unanswered() == "weeks"
    answer_file.record("weeks", None, status="skipped")  # a skip counts as given
    answer_file.record("stock", None)  # n/a
    reopened = AnswerFile.open(answer_file.path, CHECKLIST)
    assert reopened.first_unanswered() == "review"
    assert reopened.answers["weeks"].status == "skipped" and reopened.answers["stock"].not_applicable
    assert reopened.started and reopened.updated >= reopened.started
    assert reopened.answers["kpis"].answered_at.endswith("Z")
    assert not list(answer_file.path.parent.glob(".*.tmp"))


def test_the_file_reads_like_the_documented_format(answer_file):
    answer_file.record("kpis", False)
    answer_file.record("review", "sales only")
    text = answer_file.path.read_text()
    assert "checklist: mini" in text and "version: 1" in text
    assert "answer: 'no'" in text and "answer: sales only" in text


def test_a_note_alone_is_saved_but_is_not_an_answer(answer_file):
    noted = answer_file.set_note("kpis", "ask the finance lead")
    assert (noted.status, noted.value, noted.given) == ("unanswered", None, False)
    entry = yaml.safe_load(answer_file.path.read_text())["answers"]["kpis"]
    assert entry == {"status": "unanswered", "note": "ask the finance lead", "at": entry["at"]}
    reopened = AnswerFile.open(answer_file.path, CHECKLIST)
    assert reopened.first_unanswered() == "kpis" and not reopened.complete  # still open: resumes there
    score = score_checklist(CHECKLIST, reopened)
    assert (score.answered, score.skipped, score.given, score.flags, score.share_on_track) == (0, 0, 0, 0, None)
    assert score.sections[0].answered == 0 and score.to_dict()["answered"] == 0
    answer_file.record("kpis", False)  # answering keeps the note
    assert AnswerFile.open(answer_file.path, CHECKLIST).answers["kpis"].note == "ask the finance lead"
    answer_file.set_note("kpis", "checked the dashboard")
    assert AnswerFile.open(answer_file.path, CHECKLIST).answers["kpis"].value is False


def test_clearing_the_only_note_of_an_open_item_removes_its_entry(answer_file):
    answer_file.set_note("weeks", "later")
    assert answer_file.set_note("weeks", "  ") is None
    assert "weeks" not in AnswerFile.open(answer_file.path, CHECKLIST).answers


def test_record_refuses_a_value_that_does_not_fit_and_keeps_the_file(answer_file):
    answer_file.record("kpis", True)
    before = answer_file.path.read_bytes()
    for item_id, value in (("stock", 9), ("review", "sometimes"), ("weeks", "soon")):
        with pytest.raises(ValueError):
            answer_file.record(item_id, value)
    with pytest.raises(KeyError):
        answer_file.record("nope", True)
    assert answer_file.path.read_bytes() == before


def test_a_failed_write_leaves_the_old_file_and_the_old_answers(answer_file, monkeypatch):
    answer_file.record("kpis", True)
    before = answer_file.path.read_bytes()

    def failing_replace(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        answer_file.record("kpis", False)
    monkeypatch.undo()
    assert answer_file.path.read_bytes() == before
    assert answer_file.answers["kpis"].value is True  # memory never claims what the disk does not hold
    assert not list(answer_file.path.parent.glob(".*.tmp"))


BROKEN_FILES = [
    ("invalid YAML", "checklist: mini\nanswers:\n  kpis: no: yes\n  weeks: 2\n", 3, None, "invalid YAML"),
    ("a value that does not parse", "checklist: mini\nversion: 1\nanswers:\n  stock:\n    answer: 9\n", 5, "answers.stock.answer", "1 to 5"),
    ("an unknown item", "checklist: mini\nversion: 1\nanswers:\n  kpis: no\n  kpi: yes\n", 5, "answers.kpi", "has no item 'kpi'"),
    ("another checklist", "checklist: fulfilment\nversion: 1\nanswers:\n  kpis: no\n", 1, "checklist", "not 'mini'"),
    ("a skipped item with an answer", "checklist: mini\nversion: 1\nanswers:\n  kpis:\n    status: skipped\n    answer: no\n", 6, "answers.kpis.answer", "skipped"),
    ("a note-only item with an answer", "checklist: mini\nversion: 1\nanswers:\n  kpis:\n    status: unanswered\n    note: ask\n    answer: no\n",
     7, "answers.kpis.answer", "holds only a note"),
    ("an unknown status", "checklist: mini\nversion: 1\nanswers:\n  kpis:\n    status: later\n", 5, "answers.kpis.status", "unanswered"),
    ("a key written twice", "checklist: mini\nversion: 1\nanswers:\n  kpis: no\n  kpis: yes\n", 5, "answers.kpis", "twice"),
    ("a missing answer", "checklist: mini\nversion: 1\nanswers:\n  weeks:\n    note: ask\n", 4, "answers.weeks.answer", "missing"),
    ("a bad time", "checklist: mini\nversion: 1\nupdated: yesterday\nanswers: {}\n", 3, "updated", "ISO 8601"),
    ("a list, not a file of answers", "- kpis\n- weeks\n", 1, None, "expected an answers file"),
]


@pytest.mark.parametrize("what, text, line, field, words", BROKEN_FILES, ids=[b[0] for b in BROKEN_FILES])
def test_a_broken_answers_file_is_located_and_never_overwritten(tmp_path, what, text, line, field, words):
    path = answers_path(tmp_path, "mini")
    path.parent.mkdir(parents=True)
    path.write_text(text)
    before = path.read_bytes()
    with pytest.raises(InputProblems) as caught:
        AnswerFile.open(path, CHECKLIST)
    problem = next(p for p in caught.value.problems if words in p.message)
    assert problem.file == str(path) and problem.row == line and problem.column == field, problem
    assert "docs/checklists.md" in caught.value.fix
    # Nothing that holds an object bound to this path may replace it: a stale or blank object refuses to save.
    blank = AnswerFile(path, CHECKLIST)
    with pytest.raises(FixfirstError, match="not overwriting"):
        blank.record("kpis", True)
    assert path.read_bytes() == before


def test_a_file_edited_by_hand_during_a_walkthrough_is_not_overwritten(answer_file):
    answer_file.record("kpis", True)
    edited = answer_file.path.read_text().replace("answer: 'yes'", "answer: 'no'\n    note: owner corrected this")
    answer_file.path.write_text(edited)
    with pytest.raises(FixfirstError, match="changed on disk"):
        answer_file.record("weeks", 4)
    assert answer_file.path.read_text() == edited
    assert AnswerFile.open(answer_file.path, CHECKLIST).answers["kpis"].note == "owner corrected this"


# -- scoring -----------------------------------------------------------------------------------------------------------


def test_flags_and_share_on_track_by_hand(answer_file):
    answer_file.record("kpis", False)      # flagged, weight 3
    answer_file.record("weeks", 4)         # clear, weight 2
    answer_file.record("stock", None)      # n/a: not scored
    answer_file.record("review", "sales only")  # flagged, weight 1
    answer_file.record("words", "late vans")    # free text: not scored
    score = score_checklist(CHECKLIST, answer_file)
    one, two = score.sections
    assert one.share_on_track == pytest.approx(2 / 5) and (one.answered, one.total, one.flags) == (2, 2, 1)
    assert two.share_on_track == pytest.approx(0.0) and (two.answered, two.scored, two.total, two.flags) == (3, 1, 3, 1)
    assert score.share_on_track == pytest.approx(2 / 6) and score.flags == 2
    assert [f.item.id for f in score.findings] == ["kpis", "review"]  # heaviest first
    assert score.findings[1].answer_text == "sales only"
    payload = score.to_dict()
    assert (payload["flags"], payload["share_on_track"], payload["answered"], payload["scored"], payload["total"],
            payload["filtered"]) == (2, 0.333, 5, 3, 5, 0)
    assert payload["sections"][0] == {"id": "one", "title": "One", "flags": 1, "share_on_track": 0.4, "answered": 2,
                                      "scored": 2, "skipped": 0, "total": 2, "filtered": 0}
    assert payload["findings"][0]["fix"] == "Share them." and payload["filtered_items"] == []
    # The old names ran higher-is-better beside report scores that run higher-is-worse: gone from the JSON.
    assert not {"overall", "flagged", "score"} & (set(payload) | set(payload["sections"][0]))


def test_nothing_scored_is_no_share_not_zero(answer_file):
    answer_file.record("words", "fine")
    answer_file.record("kpis", None, status="skipped")
    score = score_checklist(CHECKLIST, answer_file)
    assert score.share_on_track is None and all(s.share_on_track is None for s in score.sections)
    assert score.to_dict()["share_on_track"] is None and score.flags == 0


# -- import through the CLI, signals, report ---------------------------------------------------------------------------

IMPORT = """\
checklist: marketing-ops-alignment
answers:
  shared-kpis: no
  calendar-shared: 2 weeks
  capacity-checked:
    answer: no
    note: nobody checked
  frontline-briefed: no
  post-campaign-review: 4
"""


def test_import_validates_everything_first_then_merges(tmp_path):
    engagement = write_tiny_engagement(tmp_path / "shop")
    bad = tmp_path / "bad.yaml"
    bad.write_text(IMPORT.replace("calendar-shared: 2 weeks", "calendar-shared: soon").replace("frontline-briefed", "front-line-briefed"))
    result = invoke("checklist", "run", "marketing-ops-alignment", engagement, "--answers", bad)
    assert result.exit_code == 1
    assert "and 1 more error" in " ".join(result.output.split())
    assert not answers_path(engagement, "marketing-ops-alignment").exists()
    checklist = find_checklist("marketing-ops-alignment")
    with pytest.raises(InputProblems) as caught:
        read_import(bad, checklist)
    assert {(p.row, p.column) for p in caught.value.problems} == {(4, "answers.calendar-shared.answer"), (8, "answers.front-line-briefed")}

    kept = AnswerFile.open(answers_path(engagement, checklist.id), checklist)
    kept.record("shared-kpis", True)
    kept.record("launch-go-no-go", False)
    good = tmp_path / "good.yaml"
    good.write_text(IMPORT.replace("post-campaign-review: 4", "post-campaign-review: 2"))
    result = invoke("checklist", "run", "marketing-ops-alignment", engagement, "--answers", good)
    assert result.exit_code == 0, result.output
    assert "4 new, 1 replaced" in result.output and "fix:" in result.output
    merged = AnswerFile.open(answers_path(engagement, checklist.id), checklist)
    assert merged.answers["shared-kpis"].value is False  # replaced by the import
    assert merged.answers["launch-go-no-go"].value is False  # kept
    assert merged.answers["capacity-checked"].note == "nobody checked"
    assert merged.answers["post-campaign-review"].value == "sales only"


def test_list_and_show(tmp_path):
    listed = invoke("checklist", "list", "--json")
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert sum(r["items"] for r in rows) >= 60 and {r["id"] for r in rows} >= {"fulfilment", "journey-walk"}
    shown = invoke("checklist", "show", "fulfilment")
    assert shown.exit_code == 0
    for words in ("Order cycle time", "why it matters", "flag when the answer is < 80", "fix:", "evidence:"):
        assert words in shown.output
    as_json = json.loads(invoke("checklist", "show", "fulfilment", "--json").stdout)
    assert as_json["id"] == "fulfilment" and as_json["sections"][0]["items"][0]["flag_when"] == ["< 80"]
    unknown = invoke("checklist", "show", "fulfillment")
    assert unknown.exit_code == 2 and "known checklists" in unknown.output


@pytest.fixture
def answered_engagement(tmp_path):
    engagement = write_tiny_engagement(tmp_path / "shop")
    source = tmp_path / "import.yaml"
    source.write_text(IMPORT.replace("post-campaign-review: 4", "post-campaign-review: 3"))
    assert invoke("checklist", "run", "marketing-ops-alignment", engagement, "--answers", source).exit_code == 0
    return engagement


def test_flags_become_signals_on_their_touchpoints(answered_engagement):
    from fixfirst.pipeline import run_audit

    result = run_audit(answered_engagement)
    signals = {s.touchpoint: s for s in result.signals.signals if s.metric == "checklist"}
    # Tiny journey: checkout, paid, delivery. frontline-briefed (flag, weight 2) is the one item on checkout; delivery
    # has shared-kpis (flag, 3), calendar-shared (flag, 2), capacity-checked (flag, 3) and post-campaign-review (clear, 1).
    assert set(signals) == {"checkout", "delivery"}
    delivery = signals["delivery"]
    assert delivery.source == "checklist" and not delivery.higher_is_better
    assert delivery.n == 4 and delivery.value == pytest.approx(8 / 9)
    assert delivery.severity > 0.5
    assert len(delivery.evidence) == 3
    assert any("“no”" in e.text and "Make a capacity check" in e.text for e in delivery.evidence)
    assert signals["checkout"].value == pytest.approx(1.0) and signals["checkout"].n == 1
    payload = json.loads(invoke("score", answered_engagement, "--json").stdout)
    checklist = payload["checklists"][0]
    assert checklist["id"] == "marketing-ops-alignment"
    assert {f["item"] for f in checklist["findings"]} == {"shared-kpis", "calendar-shared", "capacity-checked", "frontline-briefed"}
    assert checklist["flags"] == 4 and checklist["share_on_track"] == pytest.approx(1 / 11, abs=1e-3)
    # The tiny journey (checkout, paid, delivery) has none of the touchpoints of stock-for-promoted-items (pick_pack,
    # fulfilment, product): it is not asked, and counted as filtered.
    assert checklist["filtered"] == 1 and checklist["total"] == 9
    assert checklist["filtered_items"] == [{"item": "stock-for-promoted-items", "section": "campaign-planning", "because": "journey"}]


def test_the_report_lists_findings_with_their_fixes(answered_engagement):
    from fixfirst.pipeline import run_audit
    from fixfirst.report import render_html

    tree = HTMLParser(render_html(run_audit(answered_engagement)))
    block = tree.css_first("#checklist-marketing-ops-alignment")
    assert block is not None
    findings = {li.attributes["data-item"]: li for li in block.css("li.finding")}
    assert set(findings) == {"shared-kpis", "calendar-shared", "capacity-checked", "frontline-briefed"}
    assert findings["calendar-shared"].css_first(".answer").text() == "2 weeks"
    assert "four weeks ahead" in findings["calendar-shared"].css_first(".fix").text()
    headers = [th.text() for th in block.css("table.checklist-sections thead th")]
    assert headers == ["Section", "Flags", "On track", "Answered"]
    rows = {tr.attributes["data-section"]: [td.text() for td in tr.css("td")] for tr in block.css("table.checklist-sections tbody tr")}
    assert rows["shared-goals"][1:] == ["1", "0%", "1/2"]
    # Scored: calendar-shared (2, flag), capacity-checked (3, flag), post-campaign-review (1, clear), frontline-briefed (2, flag).
    # stock-for-promoted-items is not asked (the tiny journey has none of its touchpoints): 4 of 5, not of 6.
    assert rows["campaign-planning"][1:] == ["3", "13%", "4/5"]  # 12.5 rounds half up, as the Formatter writes every figure
    assert block.css_first(".checklist-headline").text() == "4 flags · 9% on track"
    assert "5 of 9 questions answered; 4 findings. 1 question of the checklist did not apply" in block.text()


def test_check_reports_a_broken_answers_file_and_score_refuses(answered_engagement):
    path = answers_path(answered_engagement, "marketing-ops-alignment")
    path.write_text(path.read_text().replace("answer: 2", "answer: two"))
    before = path.read_bytes()
    checked = invoke("check", answered_engagement, "--json")
    assert checked.exit_code == 1
    problems = [p for p in json.loads(checked.stdout)["problems"] if p["file"] == str(path)]
    assert problems and problems[0]["column"] == "answers.calendar-shared.answer" and problems[0]["row"]
    assert invoke("score", answered_engagement).exit_code == 1
    assert path.read_bytes() == before


def test_an_answers_file_with_no_checklist_is_reported(answered_engagement):
    shutil.copy(answers_path(answered_engagement, "marketing-ops-alignment"), answers_path(answered_engagement, "gone"))
    checked = invoke("check", answered_engagement, "--json")
    assert checked.exit_code == 1
    assert any(p["code"] == "checklist.answers" and "unknown checklist 'gone'" in p["message"] for p in json.loads(checked.stdout)["problems"])


def test_a_decimal_comma_is_refused_not_read_as_thousands():
    weeks = CHECKLIST.item("weeks")
    with pytest.raises(ValueError, match="decimal with a point"):
        weeks.parse("1,5")
    assert weeks.parse("12,500") == 12500


def test_consultation_answers_alone_never_block_marketing(answered_engagement):
    from fixfirst.pipeline import run_audit

    result = run_audit(answered_engagement)
    spot = result.ranking.for_touchpoint("checkout")
    # In the tiny shop every checkout session pays: only the one flagged answer (n=1) speaks against checkout.
    assert spot.main_signal.source == "checklist" and spot.main_signal.clear
    assert not any(c.signal.severity > 0 and c.signal.source != "checklist" for c in spot.contributions)
    assert spot.confidence == "low" and "consultation answers alone" in spot.confidence_reason
    assert spot not in result.verdict.blocking


def test_a_checklist_run_from_a_path_is_kept_with_the_engagement(tmp_path):
    engagement = write_tiny_engagement(tmp_path / "shop")
    own = tmp_path / "my-fulfilment.yaml"
    text = (find_checklist("fulfilment").model_dump_json())  # any valid checklist, saved under another file name and id
    data = json.loads(text)
    data["id"] = "our-fulfilment"
    own.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist: our-fulfilment\nanswers:\n  dispatch-same-day: 60\n")
    result = invoke("checklist", "run", own, engagement, "--answers", answers)
    assert result.exit_code == 0, result.output
    assert (engagement / "checklists" / "our-fulfilment.yaml").read_bytes() == own.read_bytes()
    scored = invoke("score", engagement, "--json")
    assert scored.exit_code == 0, scored.output
    assert [c["id"] for c in json.loads(scored.stdout)["checklists"]] == ["our-fulfilment"]
