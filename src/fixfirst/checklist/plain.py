"""The line-by-line checklist walkthrough for plain terminals and screen readers, and the moves both walkthroughs share."""

from __future__ import annotations

import sys
from typing import TextIO

from .answers import Answer, AnswerFile, is_open
from .audience import EVERYONE, Audience, NotAsked
from .model import Checklist, ChecklistItem, ChecklistSection
from .scoring import ChecklistScore, score_checklist

# The exit code of a walkthrough stopped by Ctrl+C, as a shell reports a process ended by SIGINT (128 + 2).
INTERRUPTED_EXIT = 130
# How a left-out item's reason reads, after "not asked: ".
NOT_ASKED_WORDS = {"business_type": "written for other business types", "journey": "the journey has none of its touchpoints"}

PLAIN_HELP = """\
Type the answer and press Enter. n/a means the question does not apply.
Commands:
  skip          leave this item for now (saved as skipped) and go on
  back          the previous item
  next          the next item, without answering
  note TEXT     attach a note to this item (a note is not an answer: an open item stays open)
  jump ID       go to an item by its number or id
  search WORDS  list the items whose question or id holds all the words
  answer TEXT   answer with text that starts with a command word
  summary       the flags and the share on track so far, and the flagged items
  help or ?     this help
  quit          stop; every answer given is already saved (end of input and Ctrl+C stop too)"""


class ChecklistWalk:
    """Where a walkthrough stands in a checklist, and the moves both modes make.

    Every answer, skip and note goes to the answer file (which saves atomically) before the position moves.
    Position len(entries) is the summary that follows the last item. Only the items `audience` is asked are entries;
    the others are listed in `not_asked`.
    """

    def __init__(self, checklist: Checklist, answer_file: AnswerFile, audience: Audience = EVERYONE) -> None:
        self.checklist = checklist
        self.answer_file = answer_file
        self.audience = audience
        self.entries, self.not_asked = audience.split(checklist)
        self.position = self.first_open()

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
        """Items asked with something given (answered, n/a or skipped; a note alone is not)."""
        return sum(1 for _, item in self.entries if not self.is_open(item))

    def is_open(self, item: ChecklistItem) -> bool:
        return is_open(self.answer_file.get(item.id))

    def first_open(self) -> int:
        """The resume point: the first item asked with nothing given, else the summary."""
        return next((i for i, (_, item) in enumerate(self.entries) if self.is_open(item)), len(self.entries))

    def index_of(self, item_id: str) -> int:
        return next(i for i, (_, item) in enumerate(self.entries) if item.id == item_id)

    @property
    def sections(self) -> list[ChecklistSection]:
        """The sections with an item asked, in checklist order."""
        return list({section.id: section for section, _ in self.entries}.values())

    def section_number(self) -> int:
        return next(i for i, section in enumerate(self.sections, 1) if section.id == self.section.id)

    def score(self) -> ChecklistScore:
        return score_checklist(self.checklist, self.answer_file, self.audience)

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

    def note(self, text: str) -> Answer | None:
        """Attach a note and save it; the position stays so the item can still be answered.

        A note is never an answer: on an open item it is saved on its own (status unanswered) and the item stays
        open in the progress, the scores and the report; answering later keeps it.
        """
        return self.answer_file.set_note(self.item.id, text)

    def advance_to_open_item(self) -> None:
        """After an answer: the next item with nothing given, wrapping round; the summary when none is left."""
        count = len(self.entries)
        for step in range(1, count + 1):
            candidate = (self.position + step) % count
            if self.is_open(self.entries[candidate][1]):
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
        for left_out in self.not_asked:
            if left_out.item.id == text.casefold():
                raise ValueError(f"item {left_out.item.id!r} is not asked of this engagement: {not_asked_reason(left_out, self.audience)}")
        raise ValueError(f"no item has the id {text!r}; search finds items by their words")

    def search(self, words: str) -> list[int]:
        """Positions of the items whose question or id holds every word (any case)."""
        wanted = words.casefold().split()
        return [index for index, (_, item) in enumerate(self.entries)
                if wanted and all(word in f"{item.id} {item.question}".casefold() for word in wanted)]


def how_to_answer(item: ChecklistItem) -> str:
    """The accepted answers of an item, in words."""
    return item.kind.how_to_answer(item)


def describe_answer(item: ChecklistItem, answer: Answer | None) -> str:
    if answer is None or not answer.given:  # a note alone is not an answer
        return "not answered yet"
    if answer.status == "skipped":
        return "skipped"
    flag = " (flagged)" if item.is_flagged(answer.value) else ""
    return item.describe(answer.value) + flag


def not_asked_reason(left_out: NotAsked, audience: Audience) -> str:
    """Why an item is left out, in words."""
    if left_out.because == "business_type":
        return f"it is written for {', '.join(left_out.item.business_types)} businesses, and this one is {audience.business_type}"
    return f"the journey has none of its touchpoints ({', '.join(left_out.item.touchpoints)})"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def not_asked_sentence(not_asked: list[NotAsked], business_type: str) -> str:
    """How many items were filtered out and why, or "" when none was."""
    if not not_asked:
        return ""
    by_type = sum(n.because == "business_type" for n in not_asked)
    reasons = [f"{by_type} written for other business types than {business_type}" if by_type else "",
               f"{len(not_asked) - by_type} about touchpoints the journey does not have" if len(not_asked) > by_type else ""]
    return f"{plural(len(not_asked), 'question')} not asked here, and not scored: {', '.join(r for r in reasons if r)}."


def share_text(share: float | None) -> str:
    return "nothing scored yet" if share is None else f"{100 * share:.0f}%"


def summary_lines(score: ChecklistScore, business_type: str = "unknown") -> list[str]:
    """Flags and the share on track per section and overall, and the flagged items, as plain sentences."""
    lines = [f"{score.given} of {score.total} items have an answer or were skipped."]
    if score.not_asked:
        lines.append(not_asked_sentence(score.not_asked, business_type))
    for section in score.sections:
        if not section.total:
            continue
        lines.append(f"  {section.title}: {section.flags} flag{'s' if section.flags != 1 else ''}, on track "
                     f"{share_text(section.share_on_track)} ({section.answered} of {section.total} answered, {section.skipped} skipped)")
    lines.append(f"Overall: {score.flags} flag{'s' if score.flags != 1 else ''} (answers that raise a problem; fewer is better), "
                 f"on track {share_text(score.share_on_track)} (the weighted share of scored answers that raised no flag; higher is better)")
    if score.findings:
        lines.append("Flagged items, heaviest first:")
        for finding in score.findings:
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
        """Ask until quit or the end of input (exit code 0), or Ctrl+C (130); every answer given is already saved."""
        try:
            return self.ask()
        except KeyboardInterrupt:
            # The answer being saved when Ctrl+C came is either whole on disk or not there: saves are atomic, and the
            # answer file puts its memory back to what the disk holds when a save is cut short.
            self.say()
            return self.stop("Interrupted", INTERRUPTED_EXIT)

    def ask(self) -> int:
        checklist = self.walk.checklist
        self.say(f"{checklist.title}: {plural(len(self.walk.entries), 'item')}, {self.walk.given} already answered or skipped.")
        if self.walk.not_asked:
            self.say(not_asked_sentence(self.walk.not_asked, self.walk.audience.business_type))
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

    def stop(self, word: str = "Stopped", code: int = 0) -> int:
        self.say(f"{word}. {self.walk.given} of {len(self.walk.entries)} items have an answer or were skipped, "
                 f"saved in {self.walk.answer_file.path}.")
        return code

    def show_current(self) -> None:
        walk = self.walk
        if walk.at_summary:
            self.say()
            self.say("Summary.")
            for line in summary_lines(walk.score(), walk.audience.business_type):
                self.say(line)
            self.say("Type back or jump ID to revise an answer, or quit.")
            return
        item, section = walk.item, walk.section
        answer = walk.current_answer
        self.say()
        self.say(f"Item {walk.position + 1} of {len(walk.entries)}, id {item.id}. "
                 f"Section {walk.section_number()} of {len(walk.sections)}: {section.title}.")
        self.say(f"Question: {item.question}")
        self.say(f"Why it matters: {item.why}")
        self.say(f"Evidence to ask for: {item.evidence}")
        self.say(f"Answer with {how_to_answer(item)}.")
        if answer is not None:
            if answer.given:
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
            for text in summary_lines(walk.score(), walk.audience.business_type):
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
                saved = walk.note(rest)
                self.say("Note saved; the item is still unanswered (a note is not an answer)." if is_open(saved) else "Note saved.")
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


def run_plain(checklist: Checklist, answer_file: AnswerFile, input: TextIO | None = None, output: TextIO | None = None,
              audience: Audience = EVERYONE) -> int:
    """Walk through the items of `checklist` that `audience` is asked, line by line on `input`/`output`
    (stdin/stdout by default); returns the exit code: 0, or 130 after Ctrl+C."""
    walk = ChecklistWalk(checklist, answer_file, audience)
    return PlainWalkthrough(walk, input or sys.stdin, output or sys.stdout).run()
