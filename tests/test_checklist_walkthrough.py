"""The checklist walkthrough: the Textual app driven by keys, the plain line mode, crash safety and broken files."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from textual.geometry import Region
from typer.testing import CliRunner

from fixfirst.checklist.answers import AnswerFile, answers_path
from fixfirst.checklist.model import find_checklist, load_checklist
from fixfirst.checklist.plain import run_plain
from fixfirst.checklist.walkthrough import PromptScreen, WalkthroughApp
from fixfirst.cli import app as cli_app
from fixfirst.errors import FixfirstError, InputProblems

SMALL_CHECKLIST = """\
id: small-test
title: Small test checklist
sections:
  - id: basics
    title: Basics
    items:
      - id: has-returns-policy
        question: Is the returns policy shown before checkout?
        why: Buyers who cannot find it abandon the cart or return more.
        answer: yes_no
        weight: 3
        flag_when: ["no"]
        touchpoints: [checkout]
        fix: Link the returns policy from the cart.
        evidence: A screenshot of the cart page.
      - id: stock-checks
        question: How often is stock counted against the system?
        why: Phantom stock sells items you do not have.
        answer: scale_1_5
        scale: {1: never, 5: weekly}
        weight: 2
        flag_when: ["<= 2"]
        touchpoints: [pick_pack]
        fix: Count the fast movers weekly.
        evidence: The last stock count sheet.
  - id: delivery
    title: Delivery and follow-up
    items:
      - id: lead-time
        question: How many days does a typical order take to arrive?
        why: Promises beyond real lead time create complaints.
        answer: number
        unit: days
        weight: 2
        flag_when: ["> 3"]
        touchpoints: [delivery]
        fix: Promise what you deliver on 85% of orders.
        evidence: The carrier report.
      - id: carrier
        question: Which carrier delivers most orders?
        why: Each carrier has its own failure modes and cut-off times.
        answer: choice
        choices: [Royal Mail, DPD, Own van]
        weight: 1
        flag_when: ["Own van"]
        touchpoints: [delivery]
        fix: Review the van's capacity before a campaign.
        evidence: The dispatch log.
      - id: biggest-worry
        question: What worries the owner most about a busy month?
        why: The owner's worry often names the weakest step.
        answer: text
        weight: 1
        touchpoints: [delivery]
        fix: Address the worry in the plan.
        evidence: The owner's own words.
"""
ITEM_IDS = ["has-returns-policy", "stock-checks", "lead-time", "carrier", "biggest-worry"]
# Long enough for a slow CI machine to start Python and Textual; the loops end as soon as the condition holds.
WAIT_SECONDS = 60
CLI = [sys.executable, "-c", "import sys; from fixfirst.cli import main; sys.argv[0] = 'fixfirst'; main()"]
needs_pty = pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs a POSIX pseudo-terminal")


@pytest.fixture
def checklist_path(tmp_path) -> Path:
    path = tmp_path / "small-test.yaml"
    path.write_text(SMALL_CHECKLIST, encoding="utf-8")
    return path


@pytest.fixture
def engagement(tmp_path) -> Path:
    folder = tmp_path / "client"
    folder.mkdir()
    return folder


def open_answers(engagement: Path, checklist_path: Path) -> AnswerFile:
    checklist = load_checklist(checklist_path)
    return AnswerFile.open(answers_path(engagement, checklist.id), checklist)


def saved_entries(engagement: Path, checklist_id: str = "small-test") -> dict:
    return yaml.safe_load(answers_path(engagement, checklist_id).read_text(encoding="utf-8"))["answers"]


def drive(app: WalkthroughApp, scenario, size=(80, 24)) -> None:
    """Run `scenario(pilot)` against the app in a headless terminal of `size`."""
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(run())


def screen_text(app: WalkthroughApp, selector: str) -> str:
    """The plain text a Static widget holds (a string, a Rich Text or a Rich table)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(app.screen.query_one(selector).content)
    return console.export_text()


# -- the Textual app, driven by keys -------------------------------------------------------------------------------


def test_a_whole_run_by_keys_saves_every_answer_skip_and_note(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        assert app.walk.item.id == "has-returns-policy"
        await pilot.press("right")  # next without answering saves nothing
        assert app.walk.item.id == "stock-checks" and not answer_file.answers
        await pilot.press("left")
        await pilot.press("n")  # "no" on a yes/no question, then on to the next open item
        assert answer_file.answers["has-returns-policy"].value is False and app.walk.item.id == "stock-checks"
        await pilot.press("9")  # off the scale: explained in place and nothing is saved
        assert "9 does not answer this item: press 1 to 5 (1 never; 5 weekly), or a (n/a)." in screen_text(app, "#message")
        assert "stock-checks" not in answer_file.answers and app.walk.item.id == "stock-checks"
        await pilot.press("4")
        assert app.walk.item.id == "lead-time" and app.focused is app.query_one("#typed")
        await pilot.press(*"abc", "enter")
        assert "not a number" in screen_text(app, "#message") and "lead-time" not in answer_file.answers
        await pilot.press("backspace", "backspace", "backspace", "3", "enter")
        assert app.walk.item.id == "carrier"
        await pilot.press("e", *"own van", "enter")  # a note before the answer is saved at once, as a note only
        await pilot.pause()
        assert answer_file.answers["carrier"].note == "own van" and app.walk.item.id == "carrier"
        assert answer_file.answers["carrier"].status == "unanswered" and "still unanswered" in screen_text(app, "#message")
        await pilot.press("3")  # the third choice; the note stays
        assert app.walk.item.id == "biggest-worry"
        await pilot.press(*"rush", "enter")
        assert app.walk.at_summary
        assert app.query_one("#summary").display and "Overall" in screen_text(app, "#summary")
        await pilot.press("left", "shift+tab")  # back from the summary to the text item, and from its box back again
        assert app.walk.item.id == "carrier"
        await pilot.press("s")
        await pilot.press("j", "2", "enter")
        await pilot.pause()
        assert app.walk.item.id == "stock-checks"
        await pilot.press("a")  # n/a replaces the 4
        await pilot.press("slash", *"worr", "enter")
        await pilot.pause()
        assert app.walk.item.id == "biggest-worry"
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert "skip the item" in screen_text(app, "#help-text")
        await pilot.press("escape", "q")

    drive(app, scenario)
    assert app.return_code == 0
    entries = saved_entries(engagement)
    assert list(entries) == ITEM_IDS
    assert entries["has-returns-policy"]["answer"] == "no"
    assert entries["stock-checks"]["answer"] == "n/a"
    assert entries["lead-time"]["answer"] == 3
    assert entries["carrier"] == {"status": "skipped", "note": "own van", "at": entries["carrier"]["at"]}
    assert entries["biggest-worry"]["answer"] == "rush"
    reopened = open_answers(engagement, checklist_path)  # the saved file validates
    assert reopened.first_unanswered() is None


def test_jump_and_search_explain_what_they_cannot_find(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        await pilot.press("j", *"nope", "enter")
        await pilot.pause()
        assert "no item has the id" in screen_text(app, "#prompt-error")
        await pilot.press("ctrl+shift+a", "backspace", *"99", "enter")
        await pilot.pause()
        assert "numbered 1 to 5" in screen_text(app, "#prompt-error")
        await pilot.press("escape", "slash", *"carrier")
        await pilot.pause()
        assert "1 match" in screen_text(app, "#search-count")
        await pilot.press("escape")
        await pilot.pause()
        assert app.walk.item.id == "has-returns-policy"
        await pilot.press("slash", *"the", "down", "down", "enter")  # the second of three matches
        await pilot.pause()
        assert app.walk.item.id == "stock-checks"

    drive(app, scenario)
    assert not answers_path(engagement, "small-test").exists()


def test_layout_fits_80x24_on_every_item_of_a_bundled_checklist(engagement):
    checklist = find_checklist("marketing-ops-alignment")
    answer_file = AnswerFile.open(answers_path(engagement, checklist.id), checklist)
    app = WalkthroughApp(checklist, answer_file)
    screen = Region(0, 0, 80, 24)

    async def scenario(pilot):
        for _ in range(len(app.walk.entries) + 1):
            for selector in ("#title-bar", "#sections", "#keys"):
                widget = app.query_one(selector)
                assert widget.display and screen.contains_region(widget.region), selector
            assert app.query_one("#keys").region.y == 23
            assert len(screen_text(app, "#keys").rstrip()) <= 78  # 80 less the bar's padding: no key is cut off
            if app.walk.at_summary:
                assert app.query_one("#summary").region.height > 0
                break
            main = app.query_one("#main").region
            assert main.width >= 50
            question = app.query_one("#question").region
            assert question.height > 0 and main.overlaps(question)
            typed = app.query_one("#typed")
            if typed.display:  # the box is scrolled into view when it has the focus
                assert main.contains_region(typed.region)
            await pilot.press("escape", "right")

    drive(app, scenario)


def test_a_narrow_terminal_hides_the_section_list_for_the_question(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        assert not app.query_one("#sections").display
        assert app.query_one("#question").region.width >= 50

    drive(app, scenario, size=(60, 20))


def test_reopening_resumes_at_the_first_unanswered_item(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    answer_file.record("has-returns-policy", True)
    answer_file.record("stock-checks", None, status="skipped")
    answer_file.record("carrier", "DPD")
    app = WalkthroughApp(answer_file.checklist, open_answers(engagement, checklist_path))

    async def scenario(pilot):
        assert app.walk.item.id == "lead-time"
        assert "lead-time" in screen_text(app, "#where") and "Item 3 of 5" in screen_text(app, "#where")
        assert "3/5" in screen_text(app, "#title-bar")
        await pilot.press("7", "enter")  # carrier already has an answer: on to the next open item
        assert app.walk.item.id == "biggest-worry"

    drive(app, scenario)


def test_a_complete_file_opens_on_the_summary(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    for item_id in ITEM_IDS:
        answer_file.record(item_id, None)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        assert app.walk.at_summary and app.query_one("#summary").display
        await pilot.press("s", "y")  # nothing to answer on the summary
        await pilot.press("left")
        assert app.walk.item.id == "biggest-worry"

    before = answers_path(engagement, "small-test").read_bytes()
    drive(app, scenario)
    assert answers_path(engagement, "small-test").read_bytes() == before


def test_a_file_changed_by_hand_during_the_run_stops_the_app_and_is_kept(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    answer_file.record("has-returns-policy", True)
    app = WalkthroughApp(answer_file.checklist, answer_file)
    path = answers_path(engagement, "small-test")
    edited = path.read_bytes() + b"# the consultant's hand edit\n"

    async def scenario(pilot):
        path.write_bytes(edited)
        await pilot.press("4")

    drive(app, scenario)
    assert app.return_code == 1
    assert isinstance(app.failure, FixfirstError) and "changed on disk" in app.failure.cause
    assert path.read_bytes() == edited


def test_every_key_means_the_same_on_every_answer_type(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        await pilot.press("tab")  # Tab moves on, whatever the item
        assert app.walk.item.id == "stock-checks" and not answer_file.answers
        for key in ("n", "y"):  # yes and no on a scale question: explained, nothing saved, no move
            await pilot.press(key)
            assert app.walk.item.id == "stock-checks" and not answer_file.answers
            assert screen_text(app, "#message").startswith(f"{key} does not answer this item: press 1 to 5")
        await pilot.press("tab", "tab")  # from the number box too: Tab is never typed
        assert app.walk.item.id == "carrier" and not answer_file.answers
        await pilot.press("n")  # n never means "next": on a choice question it saves nothing and stays
        assert app.walk.item.id == "carrier" and not answer_file.answers
        assert "press the number of a choice: 1 Royal Mail  2 DPD  3 Own van" in screen_text(app, "#message")
        await pilot.press("shift+tab")
        assert app.walk.item.id == "lead-time" and app.focused is app.query_one("#typed")
        await pilot.press("1", "2", "shift+tab")  # moving discards what was typed and saves nothing
        assert app.walk.item.id == "stock-checks" and not answer_file.answers
        await pilot.press("shift+tab", "n")  # on a yes/no question n is no
        assert answer_file.answers["has-returns-policy"].value is False

    drive(app, scenario)


@pytest.mark.parametrize("position, keys", [
    (0, "y/n/a answer  s skip  ←/→ Tab move  j jump  / find  e note  ? help  q quit"),
    (1, "1-5/a answer  s skip  ←/→ Tab move  j jump  / find  e note  ? help  q quit"),
    (2, "Enter saves  type n/a if it does not apply  Tab/S-Tab move  Esc keys  ? help"),
    (3, "1-3/a answer  s skip  ←/→ Tab move  j jump  / find  e note  ? help  q quit"),
    (4, "Enter saves  type n/a if it does not apply  Tab/S-Tab move  Esc keys  F1 help"),
])
def test_the_footer_shows_the_keys_of_each_answer_type(engagement, checklist_path, position, keys):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        for _ in range(position):
            await pilot.press("tab")
        assert screen_text(app, "#keys").strip() == keys
        if app.focused is app.query_one("#typed"):
            await pilot.press("escape")
            assert screen_text(app, "#keys").strip() == "i type  a n/a  s skip  ←/→ Tab move  j jump  / find  e note  ? help  q quit"

    drive(app, scenario)


def test_the_keys_of_the_app_are_the_keys_documented():
    from fixfirst.checklist.walkthrough import WALKTHROUGH_HELP

    doc = (Path(__file__).resolve().parents[1] / "docs" / "checklists.md").read_text()
    table = doc[doc.index("| key | what it does |"):doc.index("### Plain mode")]
    shown = {"question_mark": "`?`", "slash": "`/`", "left": "`←`", "right": "`→`", "tab": "`Tab`", "shift+tab": "`Shift+Tab`",
             "escape": "`Esc`", "enter": "`Enter`", "f1": "`F1`", "ctrl+c": "`Ctrl+C`"}
    for binding in WalkthroughApp.BINDINGS:
        for key in binding.key.split(","):
            assert shown.get(key, "`1`-`9`" if key.isdigit() else f"`{key}`") in table, key
    for words in ("y n", "a", "→ or Tab", "← or S-Tab", "? or F1", "Ctrl+C"):
        assert words in WALKTHROUGH_HELP


def test_question_mark_opens_the_help_from_every_field(engagement, checklist_path):
    from fixfirst.checklist.walkthrough import HelpScreen

    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def help_opens(pilot, key="question_mark") -> bool:
        await pilot.press(key)
        await pilot.pause()
        opened = isinstance(app.screen, HelpScreen)
        if opened:
            assert "Ctrl+C" in screen_text(app, "#help-text")
            await pilot.press(key)  # the same key closes it
            await pilot.pause()
            assert not isinstance(app.screen, HelpScreen)
        return opened

    async def scenario(pilot):
        assert await help_opens(pilot)  # a yes/no question
        await pilot.press("tab", "tab")
        assert app.walk.item.id == "lead-time"
        await pilot.press("1", "2")
        assert await help_opens(pilot)  # a number box: help, and no question mark typed into the number
        assert app.query_one("#typed").value == "12" and app.focused is app.query_one("#typed")
        await pilot.press("enter")
        assert answer_file.answers["lead-time"].value == 12
        await pilot.press("tab")
        assert app.walk.item.id == "biggest-worry"
        assert await help_opens(pilot)  # an empty text box
        await pilot.press(*"why")
        assert not await help_opens(pilot)  # in a text being typed, ? is a character
        assert app.query_one("#typed").value == "why?"
        assert await help_opens(pilot, "f1")  # F1 is the help everywhere
        await pilot.press("escape", "e")
        await pilot.pause()
        assert await help_opens(pilot)  # the empty note box
        assert isinstance(app.screen, PromptScreen)

    drive(app, scenario)


def test_a_note_on_an_open_item_is_a_note_not_an_answer(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)

    async def scenario(pilot):
        await pilot.press("e", *"ask the web agency", "enter")
        await pilot.pause()
        assert app.walk.item.id == "has-returns-policy"  # the note does not move on
        assert "still unanswered" in screen_text(app, "#message")
        assert "Current answer: not answered yet" in screen_text(app, "#current")
        assert "Note: ask the web agency" in screen_text(app, "#current")
        assert "0/5 given · 0 flags" in screen_text(app, "#title-bar")
        assert "0/2" in screen_text(app, "#sections")
        await pilot.press("tab", "2", "4", "enter", "1", "x", "enter")  # the rest answered: back to the item with only a note
        assert app.walk.item.id == "has-returns-policy" and "4/5 given" in screen_text(app, "#title-bar")
        await pilot.press("y")
        assert app.walk.at_summary

    drive(app, scenario)
    entry = saved_entries(engagement)["has-returns-policy"]
    assert entry["answer"] == "yes" and entry["note"] == "ask the web agency"


def test_ctrl_c_saves_and_quits_with_130_from_anywhere(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    app = WalkthroughApp(answer_file.checklist, answer_file)
    path = answers_path(engagement, "small-test")

    async def scenario(pilot):
        await pilot.press("y", "4")
        await pilot.press("1", "2", "ctrl+c")  # in the number box, with an answer half typed

    drive(app, scenario)
    assert app.return_code == 130 and app.failure is None
    assert {item: entry["answer"] for item, entry in saved_entries(engagement).items()} == {"has-returns-policy": "yes", "stock-checks": 4}
    assert open_answers(engagement, checklist_path).first_unanswered() == "lead-time"  # the file validates
    assert not list(path.parent.glob(".*.tmp"))

    reopened = open_answers(engagement, checklist_path)
    app = WalkthroughApp(reopened.checklist, reopened)

    async def in_a_dialog(pilot):
        await pilot.press("e", *"half a note", "ctrl+c")

    drive(app, in_a_dialog)
    assert app.return_code == 130
    assert "lead-time" not in saved_entries(engagement)  # a note not yet saved with Enter is not kept


# -- the plain line mode --------------------------------------------------------------------------------------------


def test_plain_mode_whole_run_with_every_command(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    typed = "\n".join([
        "help", "next", "back", "maybe", "y", "0", "2", "back", "note counted in January", "next",
        "search carrier", "jump 4", "DPD", "jump lead-time", "skip", "answer skip the busy season",
        "jump 3", "3", "summary", "quit", "never read",
    ]) + "\n"
    output = io.StringIO()
    assert run_plain(answer_file.checklist, answer_file, io.StringIO(typed), output) == 0
    shown = output.getvalue()
    assert "\x1b" not in shown  # no colours or cursor movement for screen readers
    assert "Item 1 of 5, id has-returns-policy. Section 1 of 2: Basics." in shown
    assert "Why it matters: Buyers who cannot find it" in shown and "Evidence to ask for: A screenshot" in shown
    assert "Answer with y (yes), n (no) or n/a." in shown
    assert "Not saved: 'maybe' is not an answer to a yes/no question" in shown
    assert "Not saved: '0' is not on the scale" in shown
    assert "4. carrier: Which carrier delivers most orders?" in shown
    assert "Note saved." in shown and "Overall:" in shown and "Stopped." in shown
    entries = saved_entries(engagement)
    assert entries["has-returns-policy"]["answer"] == "yes"
    assert entries["stock-checks"]["answer"] == 2 and entries["stock-checks"]["note"] == "counted in January"
    assert entries["carrier"]["answer"] == "DPD"
    assert entries["biggest-worry"]["answer"] == "skip the busy season"
    assert entries["lead-time"]["answer"] == 3  # skipped first, then answered after a jump back
    assert "never read" not in str(entries)


def test_plain_mode_end_of_input_keeps_what_was_saved_and_resumes(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    assert run_plain(answer_file.checklist, answer_file, io.StringIO("n\n5\n"), io.StringIO()) == 0
    output = io.StringIO()
    reopened = open_answers(engagement, checklist_path)
    assert run_plain(reopened.checklist, reopened, io.StringIO(""), output) == 0
    assert "2 already answered or skipped" in output.getvalue()
    assert "Item 3 of 5, id lead-time." in output.getvalue()
    assert saved_entries(engagement)["stock-checks"]["answer"] == 5


def test_plain_mode_over_a_bundled_checklist(engagement):
    checklist = find_checklist("marketing-ops-alignment")
    answer_file = AnswerFile.open(answers_path(engagement, checklist.id), checklist)
    output = io.StringIO()
    run_plain(checklist, answer_file, io.StringIO("n/a\n" * len(checklist.items())), output)
    assert set(saved_entries(engagement, checklist.id)) == set(checklist.item_ids)
    assert f"{len(checklist.items())} of {len(checklist.items())} items have an answer" in output.getvalue()


def test_cli_without_a_terminal_falls_back_to_the_line_mode(engagement, checklist_path):
    result = CliRunner().invoke(cli_app, ["checklist", "run", str(checklist_path), str(engagement)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "not a terminal" in result.stderr
    assert "Question: Is the returns policy shown before checkout?" in result.stdout
    assert saved_entries(engagement)["has-returns-policy"]["answer"] == "yes"


def test_plain_mode_note_on_an_open_item_stays_unanswered(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    output = io.StringIO()
    run_plain(answer_file.checklist, answer_file, io.StringIO("note ask the web agency\nsummary\nquit\n"), output)
    shown = output.getvalue()
    assert "Note saved; the item is still unanswered (a note is not an answer)." in shown
    assert "0 of 5 items have an answer or were skipped." in shown
    assert "Overall: 0 flags (answers that raise a problem; fewer is better), on track nothing scored yet" in shown
    assert saved_entries(engagement)["has-returns-policy"]["status"] == "unanswered"
    resumed = io.StringIO()
    reopened = open_answers(engagement, checklist_path)
    run_plain(reopened.checklist, reopened, io.StringIO(""), resumed)
    assert "0 already answered or skipped" in resumed.getvalue()
    assert "Item 1 of 5, id has-returns-policy." in resumed.getvalue() and "Note: ask the web agency" in resumed.getvalue()


class InterruptedInput(io.StringIO):
    """Typed lines, then Ctrl+C while waiting for the next one."""

    def readline(self, *args):
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line


def test_plain_mode_ctrl_c_keeps_the_answers_and_returns_130(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    output = io.StringIO()
    assert run_plain(answer_file.checklist, answer_file, InterruptedInput("y\n4\n"), output) == 130
    assert (f"Interrupted. 2 of 5 items have an answer or were skipped, saved in {answers_path(engagement, 'small-test')}."
            in output.getvalue())
    reopened = open_answers(engagement, checklist_path)
    assert reopened.first_unanswered() == "lead-time" and reopened.answers["stock-checks"].value == 4


def test_plain_mode_question_mark_is_the_help_on_a_number_question(engagement, checklist_path):
    answer_file = open_answers(engagement, checklist_path)
    answer_file.record("has-returns-policy", True)
    answer_file.record("stock-checks", 3)
    output = io.StringIO()
    run_plain(answer_file.checklist, answer_file, io.StringIO("?\n"), output)
    assert "Item 3 of 5, id lead-time." in output.getvalue() and "help or ?     this help" in output.getvalue()
    assert "lead-time" not in saved_entries(engagement)


# -- crash safety: SIGKILL midway, then resume --------------------------------------------------------------------


def wait_until(condition, what: str, while_waiting=lambda: None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        while_waiting()
        time.sleep(0.02)


def answers_on_disk(engagement: Path) -> dict:
    """The saved answers, or {} while there is no file yet; the file is always whole (atomic rename)."""
    return saved_entries(engagement) if answers_path(engagement, "small-test").exists() else {}


def test_sigkill_in_plain_mode_loses_no_answer_given(engagement, checklist_path):
    command = [*CLI, "checklist", "run", str(checklist_path), str(engagement), "--plain"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for count, answer in enumerate(["n", "4", "12"], 1):
            process.stdin.write(f"{answer}\n".encode())
            process.stdin.flush()
            wait_until(lambda count=count: len(answers_on_disk(engagement)) == count, f"{count} saved answer(s)")
        before_kill = answers_on_disk(engagement)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    resumed = subprocess.run(command, check=False, input="", capture_output=True, text=True, timeout=WAIT_SECONDS)
    assert resumed.returncode == 0 and "Item 4 of 5, id carrier." in resumed.stdout, resumed.stderr
    assert answers_on_disk(engagement) == before_kill
    assert [before_kill[i]["answer"] for i in ITEM_IDS[:3]] == ["no", 4, 12]


class TerminalProcess:
    """A command run in a pseudo-terminal of 80x24, as a consultant's terminal would run it."""

    def __init__(self, command: list[str]) -> None:
        try:
            controller, terminal = os.openpty()
        except OSError as exc:  # a container without /dev/ptmx: the plain-mode kill test still covers saving
            pytest.skip(f"no pseudo-terminal here ({exc})")
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {key: value for key, value in os.environ.items() if key != "TEXTUAL"} | {"TERM": "xterm-256color"}
        self.process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, start_new_session=True)
        os.close(terminal)
        self.controller = controller
        self.screen = bytearray()

    def read_available(self) -> None:
        # The app blocks when nobody reads what it draws, so every wait keeps reading.
        while select.select([self.controller], [], [], 0)[0]:
            try:
                chunk = os.read(self.controller, 65536)
            except OSError:  # the other end is closed: the process has gone
                return
            if not chunk:
                return
            self.screen.extend(chunk)

    def type(self, keys: str) -> None:
        os.write(self.controller, keys.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.controller)


@needs_pty
def test_sigkill_of_the_textual_app_loses_no_answer_given(engagement, checklist_path):
    command = [*CLI, "checklist", "run", str(checklist_path), str(engagement)]
    terminal = TerminalProcess(command)
    try:
        wait_until(lambda: b"has-returns-policy" in terminal.screen, "the first question", terminal.read_available)
        for count, keys in enumerate(["y", "2", "5\r"], 1):
            terminal.type(keys)
            wait_until(lambda count=count: len(answers_on_disk(engagement)) == count, f"{count} saved answer(s)", terminal.read_available)
        before_kill = answers_on_disk(engagement)
        os.kill(terminal.process.pid, signal.SIGKILL)
        terminal.process.wait()
        assert terminal.process.returncode == -signal.SIGKILL
    finally:
        terminal.close()
    assert [before_kill[i]["answer"] for i in ITEM_IDS[:3]] == ["yes", 2, 5]
    reopened = open_answers(engagement, checklist_path)
    assert reopened.first_unanswered() == "carrier"
    resumed = WalkthroughApp(reopened.checklist, reopened)
    assert resumed.walk.item.id == "carrier"
    assert answers_on_disk(engagement) == before_kill


def test_sigint_in_plain_mode_exits_130_with_the_file_whole(engagement, checklist_path):
    command = [*CLI, "checklist", "run", str(checklist_path), str(engagement), "--plain"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for count, answer in enumerate(["y", "2"], 1):
            process.stdin.write(f"{answer}\n".encode())
            process.stdin.flush()
            wait_until(lambda count=count: len(answers_on_disk(engagement)) == count, f"{count} saved answer(s)")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT_SECONDS)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, err.decode()
    assert "Interrupted. 2 of 5 items have an answer or were skipped" in out.decode()
    assert b"Traceback" not in err
    reopened = open_answers(engagement, checklist_path)  # the file validates
    assert [reopened.answers[i].value for i in ITEM_IDS[:2]] == [True, 2] and reopened.first_unanswered() == "lead-time"


@needs_pty
def test_ctrl_c_in_the_terminal_app_exits_130_with_the_file_whole(engagement, checklist_path):
    terminal = TerminalProcess([*CLI, "checklist", "run", str(checklist_path), str(engagement)])
    try:
        wait_until(lambda: b"has-returns-policy" in terminal.screen, "the first question", terminal.read_available)
        for count, keys in enumerate(["n", "5"], 1):
            terminal.type(keys)
            wait_until(lambda count=count: len(answers_on_disk(engagement)) == count, f"{count} saved answer(s)", terminal.read_available)
        terminal.type("7\x03")  # a number half typed, then Ctrl+C (the terminal is raw: it arrives as a key)
        wait_until(lambda: terminal.process.poll() is not None, "the app to stop", terminal.read_available)
        terminal.read_available()
    finally:
        terminal.close()
    assert terminal.process.returncode == 130
    assert "every answer given is saved" in terminal.screen.decode(errors="replace")
    reopened = open_answers(engagement, checklist_path)
    assert [reopened.answers[i].value for i in ITEM_IDS[:2]] == [False, 5] and reopened.first_unanswered() == "lead-time"


# -- broken answers files: a located error, exit 1, the file left as it was ----------------------------------------

BROKEN_FILES = {
    "truncated": b"checklist: small-test\nversion: 1\nanswers:\n  has-returns-policy: {answer: yes, at: '2026-03-0",
    "binary": b"\x00\xff\xfe garbage \x80\x81",
    "bad-value": b"checklist: small-test\nversion: 1\nanswers:\n  has-returns-policy: yes\n  stock-checks: 9\n",
    "unknown-item": b"checklist: small-test\nversion: 1\nanswers:\n  has-returns-polcy: yes\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN_FILES))
def test_a_broken_answers_file_is_refused_with_its_line_and_kept(engagement, checklist_path, kind):
    path = answers_path(engagement, "small-test")
    path.parent.mkdir(parents=True)
    path.write_bytes(BROKEN_FILES[kind])
    with pytest.raises(InputProblems) as refused:
        open_answers(engagement, checklist_path)
    assert str(path) in refused.value.cause
    if kind != "binary":
        assert "line " in refused.value.cause
    for extra in (["--plain"], []):
        result = CliRunner().invoke(cli_app, ["checklist", "run", str(checklist_path), str(engagement), *extra], input="y\n")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "error:" in result.output and path.name in result.output
    assert path.read_bytes() == BROKEN_FILES[kind]


@needs_pty
def test_a_broken_answers_file_is_refused_in_a_terminal_too(engagement, checklist_path):
    path = answers_path(engagement, "small-test")
    path.parent.mkdir(parents=True)
    path.write_bytes(BROKEN_FILES["bad-value"])
    terminal = TerminalProcess([*CLI, "checklist", "run", str(checklist_path), str(engagement)])
    try:
        wait_until(lambda: terminal.process.poll() is not None, "the command to stop", terminal.read_available)
        terminal.read_available()
    finally:
        terminal.close()
    assert terminal.process.returncode == 1
    shown = terminal.screen.decode(errors="replace")
    assert "not on the scale" in shown and "line 5" in shown
    assert path.read_bytes() == BROKEN_FILES["bad-value"]
