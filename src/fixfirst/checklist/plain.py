"""The line-by-line checklist walkthrough for plain terminals and screen readers, and the moves both walkthroughs share."""

from __future__ import annotations

import sys
from typing import TextIO

from .answers import Answer, AnswerFile
from .model import Checklist, ChecklistItem, ChecklistSection
from .scoring import ChecklistScore, score_checklist

PLAIN_HELP = """\
Type the answer and press Enter. n/a means the question does not apply.
Commands:
  skip          leave this item for now (saved as skipped) and go on
  back          the previous item
  next          the next item, without answering
  note TEXT     attach a note to this item (an item with no answer yet is saved as skipped)
  jump ID       go to an item by its number or id
  search WORDS  list the items whose question or id holds all the words
  answer TEXT   answer with text that starts with a command word
  summary       the scores so far and the flagged items
  help          this help
  quit          stop; every answer given is already saved (end of input stops too)"""


class ChecklistWalk:
    """Where a walkthrough stands in a checklist, and the moves both modes make.

    Every answer, skip and note goes to the answer file (which saves atomically) before the position moves.
    Position len(entries) is the summary that follows the last item.
    """

    def __init__(self, checklist: Checklist, answer_file: AnswerFile) -> None:
        self.checklist = checklist
        self.answer_file = answer_file
        self.entries: list[tuple[ChecklistSection, ChecklistItem]] = checklist.items()
        resume = answer_file.first_unanswered(checklist)
        self.position = self.index_of(resume) if resume is not None else len(self.entries)

    # -- where we are ----------------------------------------------------------------------------------------------

    @property
    def at_summary(self) -> bool:
        return self.position >= len(self.entries)

    @property
    def section(self) -> ChecklistSection:
        return self.entries[self.position][0]

    @property
    def item(self) -> ChecklistItem:
        return self.entries[self.position][1]

    @property
    def current_answer(self) -> Answer | None:
        return None if self.at_summary else self.answer_file.get(self.item.id)

    @property
    def given(self) -> int:
        """Items with something recorded (answered, n/a or skipped)."""
        return sum(1 for _, item in self.entries if item.id in self.answer_file.answers)

    def index_of(self, item_id: str) -> int:
        return next(i for i, (_, item) in enumerate(self.entries) if item.id == item_id)

    def section_number(self) -> int:
        return next(i for i, section in enumerate(self.checklist.sections, 1) if section.id == self.section.id)

    def score(self) -> ChecklistScore:
        return score_checklist(self.checklist, self.answer_file)

    # -- changes: saved first, then the position moves -----------------------------------------------------------

    def answer(self, raw: str) -> Answer:
        """Parse and save an answer to the current item, then go to the next open one; ValueError saves nothing."""
        value = self.item.parse(raw)
        saved = self.answer_file.record(self.item.id, value)
        self.advance_to_open_item()
        return saved

    def skip(self) -> Answer:
        saved = self.answer_file.record(self.item.id, None, status="skipped")
        self.advance_to_open_item()
        return saved

    def note(self, text: str) -> Answer:
        """Attach a note; the position stays so the item can still be answered.

        The answers file keeps a note only with an answer, so an item not yet answered is saved as skipped
        with its note: the note is on disk at once, and answering later keeps it.
        """
        if self.current_answer is None:
            return self.answer_file.record(self.item.id, None, status="skipped", note=text)
        return self.answer_file.set_note(self.item.id, text)

    def advance_to_open_item(self) -> None:
        """After an answer: the next item with nothing recorded, wrapping round; the summary when none is left."""
        count = len(self.entries)
        for step in range(1, count + 1):
            candidate = (self.position + step) % count
            if self.entries[candidate][1].id not in self.answer_file.answers:
                self.position = candidate
                return
        self.position = count

    # -- moving without saving ----------------------------------------------------------------------------------

    def back(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def forward(self) -> bool:
        if self.at_summary:
            return False
        self.position += 1
        return True

    def jump(self, target: str) -> None:
        self.position = self.find(target)

    def find(self, target: str) -> int:
        """The position of an item given by its number (1-based, checklist order) or its id; ValueError says what is allowed."""
        text = target.strip()
        if not text:
            raise ValueError("give an item number or id")
        if text.isdigit():
            number = int(text)
            if not 1 <= number <= len(self.entries):
                raise ValueError(f"there is no item {number}; the items are numbered 1 to {len(self.entries)}")
            return number - 1
        for index, (_, item) in enumerate(self.entries):
            if item.id == text.casefold():
                return index
        raise ValueError(f"no item has the id {text!r}; search finds items by their words")

    def search(self, words: str) -> list[int]:
        """Positions of the items whose question or id holds every word (any case)."""
        wanted = words.casefold().split()
        return [index for index, (_, item) in enumerate(self.entries)
                if wanted and all(word in f"{item.id} {item.question}".casefold() for word in wanted)]


def how_to_answer(item: ChecklistItem) -> str:
    """The accepted answers of an item, in words."""
    if item.answer == "yes_no":
        return "y (yes), n (no) or n/a"
    if item.answer == "scale_1_5":
        labels = "".join(f"; {point} {label}" for point, label in sorted((item.scale or {}).items()))
        return f"a whole number from 1 to 5{' (' + labels[2:] + ')' if labels else ''}, or n/a"
    if item.answer == "number":
        return f"a number{' of ' + item.unit if item.unit else ''}, or n/a"
    if item.answer == "choice":
        listed = "; ".join(f"{number} {choice}" for number, choice in enumerate(item.choices or [], 1))
        return f"the number or the text of a choice ({listed}), or n/a"
    return "free text, or n/a"


def describe_answer(item: ChecklistItem, answer: Answer | None) -> str:
    if answer is None:
        return "not answered yet"
    if answer.status == "skipped":
        return "skipped"
    flag = " (flagged)" if item.is_flagged(answer.value) else ""
    return item.describe(answer.value) + flag


def summary_lines(score: ChecklistScore) -> list[str]:
    """The section and overall scores and the flagged items, as plain sentences."""
    given = score.answered + sum(s.skipped for s in score.sections)
    lines = [f"{given} of {score.total} items have an answer or were skipped."]
    for section in score.sections:
        shown = "no score yet" if section.score is None else f"{section.score:.0f}%"
        lines.append(f"  {section.title}: {shown} ({section.answered} of {section.total} answered, "
                     f"{section.skipped} skipped, {section.flagged} flagged)")
    lines.append("Overall: " + ("no score yet" if score.overall is None else f"{score.overall:.0f}%")
                 + " (the weighted share of scored answers that raised no flag)")
    if score.flagged:
        lines.append("Flagged items, heaviest first:")
        for finding in score.flagged:
            lines.append(f"  - {finding.item.id} ({finding.section.title}): {finding.answer_text}. Fix: {finding.item.fix}")
    else:
        lines.append("No item is flagged.")
    return lines


class PlainWalkthrough:
    """One question at a time on a text stream: no colours, no cursor movement, commands typed as words."""

    def __init__(self, walk: ChecklistWalk, input: TextIO, output: TextIO) -> None:
        self.walk = walk
        self.input = input
        self.output = output

    def say(self, text: str = "") -> None:
        # Flushed at once: a screen reader or a piped reader must see the question before we wait for input.
        self.output.write(text + "\n")
        self.output.flush()

    def run(self) -> int:
        checklist = self.walk.checklist
        self.say(f"{checklist.title}: {len(self.walk.entries)} items, {self.walk.given} already answered or skipped.")
        self.say(f"Answers are saved to {self.walk.answer_file.path} as you give them. Type help for the commands.")
        self.show_current()
        while True:
            self.output.write("answer> " if not self.walk.at_summary else "command> ")
            self.output.flush()
            line = self.input.readline()
            if not line:  # end of input: everything given is already on disk
                self.say()
                return self.stop()
            if self.handle(line.strip()) is False:
                return self.stop()

    def stop(self) -> int:
        self.say(f"Stopped. {self.walk.given} of {len(self.walk.entries)} items have an answer or were skipped, "
                 f"saved in {self.walk.answer_file.path}.")
        return 0

    def show_current(self) -> None:
        walk = self.walk
        if walk.at_summary:
            self.say()
            self.say("Summary.")
            for line in summary_lines(walk.score()):
                self.say(line)
            self.say("Type back or jump ID to revise an answer, or quit.")
            return
        item, section = walk.item, walk.section
        answer = walk.current_answer
        self.say()
        self.say(f"Item {walk.position + 1} of {len(walk.entries)}, id {item.id}. "
                 f"Section {walk.section_number()} of {len(walk.checklist.sections)}: {section.title}.")
        self.say(f"Question: {item.question}")
        self.say(f"Why it matters: {item.why}")
        self.say(f"Evidence to ask for: {item.evidence}")
        self.say(f"Answer with {how_to_answer(item)}.")
        if answer is not None:
            self.say(f"Current answer: {describe_answer(item, answer)}.")
            if answer.note:
                self.say(f"Note: {answer.note}")

    def handle(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        word, _, rest = line.partition(" ")
        command, rest = word.casefold(), rest.strip()
        walk = self.walk
        if command in ("quit", "exit") and not rest:
            return False
        if command in ("help", "?") and not rest:
            self.say(PLAIN_HELP)
        elif command == "back" and not rest:
            if walk.back():
                self.show_current()
            else:
                self.say("This is the first item.")
        elif command == "next" and not rest:
            if walk.forward():
                self.show_current()
            else:
                self.say("This is the summary, after the last item.")
        elif command == "summary" and not rest:
            for text in summary_lines(walk.score()):
                self.say(text)
        elif command == "jump":
            try:
                walk.jump(rest)
            except ValueError as exc:
                self.say(f"Cannot jump: {exc}.")
            else:
                self.show_current()
        elif command == "search":
            self.show_search(rest)
        elif walk.at_summary:
            self.say("Every item is behind you. Type back, jump ID, summary or quit.")
        elif command == "skip" and not rest:
            walk.skip()
            self.say("Skipped; saved.")
            self.show_current()
        elif command == "note":
            if not rest:
                note = walk.current_answer.note if walk.current_answer else ""
                self.say(f"Note: {note}" if note else "No note yet. Type note followed by the text.")
            else:
                walk.note(rest)
                self.say("Note saved." if walk.current_answer.status == "answered"
                         else "Note saved; the item is marked skipped until you answer it.")
        else:
            self.give_answer(rest if command == "answer" else line)
        return True

    def give_answer(self, raw: str) -> None:
        item = self.walk.item
        try:
            saved = self.walk.answer(raw)
        except ValueError as exc:
            self.say(f"Not saved: {exc}.")
            return
        self.say(f"Saved: {describe_answer(item, saved)}.")
        self.show_current()

    def show_search(self, words: str) -> None:
        if not words:
            self.say("Type search followed by words from the question or the id.")
            return
        found = self.walk.search(words)
        if not found:
            self.say(f"No item matches {words!r}.")
            return
        self.say(f"{len(found)} item(s) match; type jump and the number:")
        for index in found:
            _, item = self.walk.entries[index]
            self.say(f"  {index + 1}. {item.id}: {item.question}")


def run_plain(checklist: Checklist, answer_file: AnswerFile, input: TextIO | None = None, output: TextIO | None = None) -> int:
    """Walk through `checklist` line by line on `input`/`output` (stdin/stdout by default); returns the exit code."""
    walk = ChecklistWalk(checklist, answer_file)
    return PlainWalkthrough(walk, input or sys.stdin, output or sys.stdout).run()
