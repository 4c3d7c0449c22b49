"""Checklist questions filtered by the engagement: its business type and the touchpoints of its journey, the same in
the walkthrough, the scores, the signals and `check`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fixfirst.checklist.answers import AnswerFile, answers_path
from fixfirst.checklist.audience import EVERYONE, Audience, engagement_audience
from fixfirst.checklist.model import Checklist, find_checklist, load_checklist
from fixfirst.checklist.plain import run_plain
from fixfirst.checklist.scoring import score_checklist
from fixfirst.cli import app
from fixfirst.errors import InputProblems
from fixfirst.journey import load_journey
from fixfirst.config.settings import Settings
from fixfirst.signals.checklist import checklist_problems, checklist_signals
from fixfirst.starter import create_engagement

runner = CliRunner()

CHECKLIST = Checklist.model_validate({
    "id": "mixed", "title": "Mixed", "sections": [
        {"id": "goods", "title": "Goods", "items": [
            {"id": "parcels", "question": "Are parcels tracked?", "why": "Why it matters.", "answer": "yes_no", "weight": 2,
             "flag_when": ["no"], "touchpoints": ["delivery"], "business_types": ["online-shop", "marketplace"],
             "fix": "Track them.", "evidence": "Carrier report."},
            {"id": "packing", "question": "Is packing checked?", "why": "Why it matters.", "answer": "yes_no", "weight": 1,
             "flag_when": ["no"], "touchpoints": ["pick_pack", "fulfilment"], "fix": "Check it.", "evidence": "Bench."},
        ]},
        {"id": "service", "title": "Service", "items": [
            {"id": "wait", "question": "How long is the wait?", "why": "Why it matters.", "answer": "number", "unit": "days",
             "weight": 2, "flag_when": ["> 10"], "touchpoints": ["booking", "visit"], "business_types": ["local-service"],
             "fix": "Hold slots.", "evidence": "The diary."},
            {"id": "reply", "question": "Who replies to complaints?", "why": "Why it matters.", "answer": "yes_no", "weight": 1,
             "flag_when": ["no"], "touchpoints": ["support", "visit", "delivery"], "fix": "Name someone.", "evidence": "Inbox."},
        ]},
    ]})
ROOT = Path(__file__).resolve().parents[1]


def journey_of(starter: str):
    return load_journey(ROOT / "templates" / "engagements" / starter / "journey.yaml")


def test_business_type_and_journey_decide_what_is_asked():
    shop = Audience.of(journey_of("online-shop"), "online-shop")  # landing ... fulfilment, delivery, returns, repeat
    assert [shop.why_not_asked(CHECKLIST.item(i)) for i in ("parcels", "packing", "wait", "reply")] == [None, None, "business_type", None]
    service = Audience.of(journey_of("local-service"), "local-service")  # found, enquiry, quote, booking, visit, ...
    assert [service.why_not_asked(CHECKLIST.item(i)) for i in ("parcels", "packing", "wait", "reply")] == ["business_type", "journey", None, None]
    # unknown: every business type is asked; the journey still filters (the online-shop journey has no booking or visit)
    unknown = Audience.of(journey_of("online-shop"))
    assert [unknown.asks(CHECKLIST.item(i)) for i in ("parcels", "packing", "wait", "reply")] == [True, True, False, True]
    # without a journey (no audit.yaml yet) only the business type filters; EVERYONE filters nothing
    assert Audience("b2b").why_not_asked(CHECKLIST.item("parcels")) == "business_type" and Audience("b2b").asks(CHECKLIST.item("packing"))
    assert all(EVERYONE.asks(item) for _, item in CHECKLIST.items()) and not EVERYONE.filters


def test_an_item_reaches_a_touchpoint_by_its_step_kind_whatever_its_id():
    audience = Audience("online-shop", frozenset({"packing_bench"}), frozenset({"fulfilment"}))
    assert audience.asks(CHECKLIST.item("packing"))  # names fulfilment: the packing bench is of kind fulfilment
    assert audience.why_not_asked(CHECKLIST.item("reply")) == "journey"


def test_business_types_must_be_known_and_never_unknown(tmp_path):
    source = (ROOT / "checklists" / "fulfilment.yaml").read_text()
    for wrong, words in (("[online-shop, shop]", "'shop' is not a business type; use online-shop, marketplace, local-service, b2b"),
                         ("[unknown]", "asked every question")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(source.replace("business_types: [online-shop, marketplace, b2b]", f"business_types: {wrong}", 1))
        with pytest.raises(InputProblems) as caught:
            load_checklist(bad)
        problem = caught.value.problems[0]
        assert problem.column == "sections.0.items.0.business_types" and words in problem.message, problem
        assert problem.row == 20  # the line of business_types in the first item


def test_the_library_asks_an_online_shop_no_service_question_and_a_service_no_parcel_question():
    shop = Audience.of(journey_of("online-shop"), "online-shop")
    service = Audience.of(journey_of("local-service"), "local-service")
    for name in ("fulfilment", "technology", "journey-walk", "feedback-loops", "workforce-fit", "marketing-ops-alignment"):
        checklist = find_checklist(name)
        for item in (item for section in checklist.sections for item in section.items):
            words = item.question.casefold()
            if words.startswith("for services"):
                assert not shop.asks(item), item.id
            if "parcel" in words or "carrier" in words:
                assert not service.asks(item), item.id
    assert [n.item.id for n in shop.split(find_checklist("fulfilment"))[1]] == ["service-lead-time"]
    assert [n.item.id for n in shop.split(find_checklist("technology"))[1]] == ["booking-online"]
    asked, _ = service.split(find_checklist("fulfilment"))
    assert [item.id for _, item in asked] == ["service-lead-time"]
    # General questions keep a touchpoint in both starter journeys
    for item_id, name in (("biggest-complaint", "feedback-loops"), ("workload-signal", "workforce-fit"), ("mobile-speed", "technology")):
        item = find_checklist(name).item(item_id)
        assert shop.asks(item) and service.asks(item), item_id


@pytest.fixture
def shop(tmp_path) -> Path:
    folder = tmp_path / "shop"
    create_engagement(folder, "online-shop")
    return folder


def test_checklist_run_asks_an_online_shop_only_its_own_questions(shop):
    result = runner.invoke(app, ["checklist", "run", "fulfilment", str(shop), "--plain"],
                           input="jump service-lead-time\n" + "n/a\n" * 10)
    assert result.exit_code == 0, result.output
    assert "Fulfilment: 10 items, 0 already answered or skipped." in result.stdout
    assert "1 question not asked here, and not scored: 1 written for other business types than online-shop." in result.stdout
    assert ("Cannot jump: item 'service-lead-time' is not asked of this engagement: it is written for local-service, b2b "
            "businesses, and this one is online-shop.") in result.stdout
    assert "service-lead-time" not in result.stdout.split("Cannot jump")[0]
    saved = yaml.safe_load(answers_path(shop, "fulfilment").read_text())["answers"]
    assert len(saved) == 10 and "service-lead-time" not in saved
    assert "10 of 10 items have an answer or were skipped." in result.stdout


def test_scores_leave_out_what_is_not_asked_even_when_answered(shop):
    checklist = find_checklist("fulfilment")
    answer_file = AnswerFile.open(answers_path(shop, checklist.id), checklist)
    answer_file.record("service-lead-time", 30)  # flagged if it counted (> 10), but an online shop is not asked it
    answer_file.record("dispatch-same-day", 60)   # flagged, weight 3
    answer_file.record("backlog-visible", True)   # clear, weight 2
    audience, note = engagement_audience(shop)
    assert note == "" and audience.business_type == "online-shop"
    score = score_checklist(checklist, answer_file, audience)
    assert (score.flags, score.answered, score.total, len(score.not_asked)) == (1, 2, 10, 1)
    assert score.share_on_track == pytest.approx(2 / 5)
    cycle = score.sections[0]
    assert (cycle.total, cycle.filtered, cycle.answered, cycle.flags) == (3, 1, 2, 1)
    payload = score.to_dict()
    assert payload["filtered"] == 1 and payload["sections"][0]["filtered"] == 1
    assert payload["filtered_items"] == [{"item": "service-lead-time", "section": "cycle-time", "because": "business_type"}]
    assert score_checklist(checklist, answer_file).flags == 2  # asked of everyone, the same answers raise two flags
    # The import prints the same figures
    imported = shop / "import.yaml"
    imported.write_text("checklist: fulfilment\nanswers:\n  damage-rate: 1\n")
    result = runner.invoke(app, ["checklist", "run", "fulfilment", str(shop), "--answers", str(imported)])
    assert result.exit_code == 0, result.output
    assert "1 question not asked here, and not scored: 1 written for other business types than online-shop." in result.stdout
    assert "flags and share on track" in result.stdout and "57%" in result.stdout  # clear 2 + 2 of 7


def test_signals_and_check_follow_the_same_filter(shop):
    journey = journey_of("online-shop")
    answers = shop / "answers"
    answers.mkdir()
    (answers / "fulfilment.yaml").write_text(
        "checklist: fulfilment\nversion: 1\nanswers:\n  service-lead-time: 30\n  carrier-on-time-measured: 'no'\n")
    signals, results = checklist_signals(shop, journey, Settings(), business_type="online-shop")
    assert [(s.touchpoint, s.n) for s in signals] == [("delivery", 1)]  # service-lead-time reaches no signal
    assert results.findings == 1 and results.to_dict()[0]["filtered"] == 1
    problems = checklist_problems(shop, journey, business_type="online-shop")
    assert [(p.code, p.severity.value) for p in problems] == [("checklist.not_applicable", "warning")]
    assert problems[0].message == ("answered items that do not apply to this engagement (service-lead-time: written for other "
                                   "business types than online-shop); their answers are kept but not scored")
    # As a local service with this online-shop journey: the parcel question is written for shops, the service one has
    # no touchpoint in the journey; neither is asked
    problems = checklist_problems(shop, journey, business_type="local-service")
    assert [p.code for p in problems] == ["checklist.not_applicable"]
    assert ("(carrier-on-time-measured: written for other business types than local-service; service-lead-time: none of "
            "their touchpoints is in journey.yaml)") in problems[0].message


def test_an_engagement_that_cannot_be_read_is_asked_every_question(tmp_path, shop):
    empty = tmp_path / "empty"
    empty.mkdir()
    audience, note = engagement_audience(empty)
    assert audience is EVERYONE and note.startswith("no audit.yaml in ") and "every question is asked" in note
    (shop / "audit.yaml").write_text((shop / "audit.yaml").read_text().replace("business_type: online-shop", "business_type: shop"))
    audience, note = engagement_audience(shop)
    assert audience is EVERYONE and note.startswith("every question is asked: audit.yaml could not be read (")
    result = runner.invoke(app, ["checklist", "run", "fulfilment", str(shop), "--plain"], input="quit\n")
    assert result.exit_code == 0 and "Fulfilment: 11 items" in result.stdout
    assert "note: every question is asked: audit.yaml could not be read" in result.stderr


def test_checklist_show_says_whom_a_question_is_for():
    result = runner.invoke(app, ["checklist", "show", "fulfilment"])
    assert result.exit_code == 0
    assert "asked of: local-service, b2b businesses (and any of business type unknown) whose journey has one of its touchpoints" in result.stdout
    as_json = json.loads(runner.invoke(app, ["checklist", "show", "technology", "--json"]).stdout)
    assert {i["id"]: i["business_types"] for s in as_json["sections"] for i in s["items"]}["booking-online"] == ["local-service", "b2b"]


def test_a_walk_with_every_item_left_out_goes_straight_to_the_summary(tmp_path):
    checklist = find_checklist("fulfilment")
    answer_file = AnswerFile.open(answers_path(tmp_path, checklist.id), checklist)
    output = io.StringIO()
    assert run_plain(checklist, answer_file, io.StringIO("jump 1\nquit\n"), output, Audience("local-service", frozenset({"found"}))) == 0
    shown = output.getvalue()
    assert "Fulfilment: 0 items, 0 already answered or skipped." in shown
    assert "11 questions not asked here, and not scored: 10 written for other business types than local-service, 1 about touchpoints" in shown
    assert "Cannot jump: there is no item 1; the items are numbered 1 to 0" in shown
