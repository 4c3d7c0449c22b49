"""The interactive checklist walkthrough: a Textual app that saves every answer, skip and note the moment it is given."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ListItem, ListView, Static

from ..errors import FixfirstError
from ..fsutil import remove_stale_temps
from .answers import AnswerFile, is_open
from .audience import EVERYONE, Audience
from .model import Checklist
from .plain import (
    INTERRUPTED_EXIT,
    ChecklistWalk,
    describe_answer,
    how_to_answer,
    not_asked_sentence,
)
from .scoring import ChecklistScore

# Every key means the same on every item (docs/checklists.md, Walkthrough): letters answer or act, arrows and Tab move.
WALKTHROUGH_HELP = """\
[b]Answer[/b]  (every answer is saved the moment it is given)
  y n         yes, no (yes/no questions only; never "next")
  a           n/a: the question does not apply (any item)
  1-5 / 1-9   a point on the 1-5 scale / a numbered choice
  the box     numbers and text: type, Enter saves; Esc leaves the
              box for the keys, i or Enter goes back in
[b]Move[/b]  (moving saves nothing)
  → or Tab    the next item
  ← or S-Tab  the previous item (← → edit the text once the box
              holds some; Tab and Shift+Tab always move)
  j           jump to an item by its number or id
  /           search the questions and ids
[b]More[/b]
  s           skip the item (saved as skipped) and go on
  e           write a note (a note is not an answer)
  ? or F1     this help; in a number box ? is always help, in a
              text box it is help while the box is empty
  q           quit; reopening resumes at the first open item
  Ctrl+C      save and quit at once (exit code 130)
Press Esc to close."""

# The key bar, per place; each fits 78 columns (an 80-column terminal less the bar's padding).
KEYS_ON_SUMMARY = "←/S-Tab back  j jump  / find  ? help  q quit"
KEYS_IN_NUMBER_BOX = "Enter saves  type n/a if it does not apply  Tab/S-Tab move  Esc keys  ? help"
KEYS_IN_TEXT_BOX = "Enter saves  type n/a if it does not apply  Tab/S-Tab move  Esc keys  F1 help"


class HelpfulInput(Input):
    """A box from which `?` opens the help unless it may be part of what is typed: a number box never takes it, a
    text box takes it once it holds some text. (Textual drops the bindings of keys a focused box would type.)"""

    numeric = False

    def question_mark_is_help(self) -> bool:
        return self.numeric or not self.value

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character == "?" and self.question_mark_is_help():
            return False
        return super().check_consume_key(key, character)


class AnswerBox(HelpfulInput):
    """The box for typed answers; while it is empty, ← and → still move between items."""

    numeric = False  # set for number items: `?` there is always the help, never a character

    def action_cursor_left(self, select: bool = False) -> None:
        if not self.value:
            raise SkipAction()
        super().action_cursor_left(select)

    def action_cursor_right(self, select: bool = False) -> None:
        if not self.value:
            raise SkipAction()
        super().action_cursor_right(select)


class HelpScreen(ModalScreen[None]):
    """The keys, over the walkthrough (`?` and F1 close it through the app's help action)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(WALKTHROUGH_HELP, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of input over the walkthrough: Enter gives the text, Esc gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield HelpfulInput(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.accept(event.value)

    def accept(self, value: str) -> None:
        self.dismiss(value)


class JumpScreen(PromptScreen):
    """Asks for an item number or id; an unknown one is explained in place and the dialog stays open."""

    def __init__(self, walk: ChecklistWalk) -> None:
        example = f"e.g. 1 or {walk.entries[-1][1].id}" if walk.entries else ""
        super().__init__(f"Jump to item: a number from 1 to {len(walk.entries)}, or an id", placeholder=example)
        self.walk = walk

    def accept(self, value: str) -> None:
        try:
            position = self.walk.find(value)
        except ValueError as exc:
            self.query_one("#prompt-error", Static).update(Text(f"{exc}.", style="bold"))
            return
        self.dismiss(str(position))


class SearchScreen(ModalScreen[int | None]):
    """Searches the questions and ids as you type; Enter takes the first match, ↓ then Enter picks another."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False), Binding("down", "to_matches", show=False)]

    def __init__(self, walk: ChecklistWalk) -> None:
        super().__init__()
        self.walk = walk
        self.matches: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Search questions and ids (Enter: first, ↓: choose, Esc: cancel)", classes="dialog-title")
            yield HelpfulInput(placeholder="words from the question or the id", id="search-input")
            yield ListView(id="search-matches")
            yield Static("", id="search-count")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()

    @on(Input.Changed, "#search-input")
    async def refill(self, event: Input.Changed) -> None:
        self.matches = self.walk.search(event.value)
        matches = self.query_one("#search-matches", ListView)
        await matches.clear()
        shown = self.matches[:50]
        await matches.extend(ListItem(Label(f"{index + 1}. {self.walk.entries[index][1].id}: {self.walk.entries[index][1].question}"),
                                      name=str(index)) for index in shown)
        more = f" (first {len(shown)} shown)" if len(self.matches) > len(shown) else ""
        self.query_one("#search-count", Static).update(f"{len(self.matches)} match(es){more}" if event.value.strip() else "")

    @on(Input.Submitted, "#search-input")
    def take_first(self, event: Input.Submitted) -> None:
        if self.matches:
            self.dismiss(self.matches[0])

    @on(ListView.Selected, "#search-matches")
    def take_chosen(self, event: ListView.Selected) -> None:
        if event.item.name is not None:  # every match is named by its position when it is listed
            self.dismiss(int(event.item.name))

    def action_to_matches(self) -> None:
        if not self.matches or isinstance(self.focused, ListView):
            raise SkipAction()
        matches = self.query_one("#search-matches", ListView)
        matches.index = 0
        matches.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def summary_table(score: ChecklistScore, business_type: str = "unknown") -> Group:
    """Flags and the share on track per section and overall, then the flagged items with their fixes."""
    heading = Text(f"Summary: {score.given} of {score.total} items answered or skipped", style="bold")
    table = Table(box=None, expand=True, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("Section", ratio=1, overflow="fold")
    for name in ("Flags", "On track", "Done", "Skip"):
        table.add_column(name, justify="right", no_wrap=True)

    def shown(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.0f}%"

    for section in score.sections:
        if section.total:
            table.add_row(section.title, str(section.flags), shown(section.share_on_track),
                          f"{section.answered + section.skipped}/{section.total}", str(section.skipped))
    table.add_row(Text("Overall", style="bold"), Text(str(score.flags), style="bold"), Text(shown(score.share_on_track), style="bold"),
                  f"{score.given}/{score.total}", str(score.skipped))
    parts: list = [heading, table, Text("Flags: answers that raise a problem (fewer is better). On track: the weighted share "
                                        "of scored answers that raised no flag (higher is better).", style="dim")]
    if score.not_asked:
        parts.append(Text(not_asked_sentence(score.not_asked, business_type), style="dim"))
    if score.findings:
        parts.append(Text("\nFlagged, heaviest first:", style="bold"))
        for finding in score.findings:
            parts.append(Text.assemble(("⚑ ", "bold"), (finding.item.id, "bold"), f" ({finding.section.title}): ",
                                       f"{finding.answer_text}. Fix: {finding.item.fix}"))
    else:
        parts.append(Text("\nNo item is flagged."))
    return Group(*parts)


class WalkthroughApp(App[int]):
    """Sections with progress on the left, the current item on the right, the keys at the bottom."""

    TITLE = "fixfirst checklist"
    ENABLE_COMMAND_PALETTE = False
    # Below 64 columns the section list gives its room to the question; from 100 it widens.
    # Textual declares it an instance attribute, so it is not annotated ClassVar (mypy would refuse the override).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (64, "-normal"), (100, "-wide")]  # noqa: RUF012
    CSS = """
    #title-bar { height: 1; background: $primary; color: $text; padding: 0 1; }
    #body { height: 1fr; }
    #sections { width: 24; padding: 0 1; border-right: vkey $primary; }
    Screen.-wide #sections { width: 34; }
    Screen.-narrow #sections { display: none; }
    #main { width: 1fr; padding: 0 1; }
    #where { color: $text-muted; }
    #question { text-style: bold; margin-top: 1; }
    #why, #evidence, #how { margin-top: 1; }
    .error { color: $error; text-style: bold; }
    .saved { color: $success; }
    #keys { height: 1; background: $panel; color: $text; padding: 0 1; }
    ModalScreen { align: center middle; }
    .dialog { width: 90%; max-width: 90; height: auto; max-height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    .dialog-title { text-style: bold; }
    #search-matches { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Letters answer (y n a, digits) or act (s e j / q); they are never a move, so y and n mean yes and no only.
        Binding("y", "key_answer('y')", show=False),
        Binding("n", "key_answer('n')", show=False),
        Binding("a", "key_answer('n/a')", show=False),
        *(Binding(str(digit), f"key_answer('{digit}')", show=False) for digit in range(1, 10)),
        Binding("s", "skip", show=False),
        Binding("left", "previous_item", show=False),
        Binding("right", "next_item", show=False),
        # Priority: Tab moves between questions even from the answer box (Textual would move the focus instead).
        Binding("tab", "next_item", show=False, priority=True),
        Binding("shift+tab", "previous_item", show=False, priority=True),
        Binding("j", "jump", show=False),
        Binding("slash", "search", show=False),
        Binding("e", "note", show=False),
        # Priority: the help opens from every field, the boxes included (question_mark_is_help says when ? is text).
        Binding("question_mark,f1", "help", show=False, priority=True),
        Binding("q", "quit_walkthrough", show=False),
        # Priority: Ctrl+C leaves from anywhere, a dialog or the box included; every answer given is already saved.
        Binding("ctrl+c", "interrupt", show=False, priority=True),
        Binding("escape", "leave_input", show=False),
        Binding("i,enter", "enter_input", show=False),
    ]

    def __init__(self, checklist: Checklist, answer_file: AnswerFile, audience: Audience = EVERYONE) -> None:
        super().__init__()
        self.walk = ChecklistWalk(checklist, answer_file, audience)
        # A save that failed (the file changed on disk meanwhile): the app stops and run_app reports it.
        self.failure: FixfirstError | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="title-bar")
        with Horizontal(id="body"):
            yield Static(id="sections")
            with VerticalScroll(id="main"):
                yield Static(id="where")
                yield Static(id="question")
                yield Static(id="why")
                yield Static(id="evidence")
                yield Static(id="how")
                yield AnswerBox(id="typed")
                yield Static(id="message")
                yield Static(id="current")
                yield Static(id="summary")
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.show_position()

    # The key bar tells which keys work: typing in the box or the single-key commands.
    def on_descendant_focus(self) -> None:
        self.draw_keys()

    def on_descendant_blur(self) -> None:
        self.draw_keys()

    # -- drawing ---------------------------------------------------------------------------------------------------

    def show_position(self, message: str = "", *, error: bool = False) -> None:
        """Redraw everything for the current position; `message` is the result of the last key."""
        walk = self.walk
        score = walk.score()
        self.draw_title(score)
        self.draw_sections(score)
        item_widgets = ("#where", "#question", "#why", "#evidence", "#how", "#current")
        for selector in item_widgets:
            self.query_one(selector).display = not walk.at_summary
        self.query_one("#summary").display = walk.at_summary
        typed = self.query_one("#typed", AnswerBox)
        typed.display = not walk.at_summary and walk.item.kind.needs_typing(walk.item)
        typed.numeric = typed.display and walk.item.kind.numeric
        status = self.query_one("#message", Static)
        status.update(Text(message))
        status.set_class(error, "error")
        status.set_class(bool(message) and not error, "saved")
        if walk.at_summary:
            self.query_one("#summary", Static).update(summary_table(score, walk.audience.business_type))
        else:
            self.draw_item()
        self.query_one("#main", VerticalScroll).scroll_home(animate=False)
        if typed.display:
            typed.value = ""
            typed.placeholder = f"{how_to_answer(walk.item)}; Enter saves"
            typed.focus()  # scrolls the box into view when the item is long
        else:
            self.query_one("#main").focus()  # ↑ ↓ PgUp PgDn scroll a long item or the summary
        self.draw_keys()

    def draw_title(self, score) -> None:
        walk = self.walk
        progress = f"{walk.given}/{len(walk.entries)} given · {score.flags} flag{'s' if score.flags != 1 else ''}"
        if walk.not_asked:
            progress += f" · {len(walk.not_asked)} not asked"
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(walk.checklist.title, style="bold")
        title.append(f"  {progress}")
        self.query_one("#title-bar", Static).update(title)

    def draw_sections(self, score) -> None:
        grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
        grid.add_column(width=1)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        current = None if self.walk.at_summary else self.walk.section.id
        for section in score.sections:
            if not section.total:  # every item of it left out for this engagement
                continue
            here = section.id == current
            counts = f"{section.answered + section.skipped}/{section.total}" + (f" ⚑{section.flags}" if section.flags else "")
            style = "bold reverse" if here else ""
            grid.add_row("▸" if here else " ", Text(section.title, style=style), counts)
        grid.add_row(" ", Text("Summary", style="bold reverse" if current is None else "dim"), "")
        self.query_one("#sections", Static).update(grid)

    def draw_item(self) -> None:
        walk = self.walk
        item = walk.item
        self.query_one("#where", Static).update(Text(
            f"Item {walk.position + 1} of {len(walk.entries)} · {walk.section.title} · {item.id}"))
        self.query_one("#question", Static).update(Text(item.question))
        self.query_one("#why", Static).update(Text.assemble(("Why it matters: ", "bold"), item.why))
        self.query_one("#evidence", Static).update(Text.assemble(("Evidence to ask for: ", "bold"), item.evidence))
        self.query_one("#how", Static).update(Text.assemble(("Answer: ", "bold"), item.kind.key_hint(item)))
        answer = walk.current_answer
        current = Text.assemble(("Current answer: ", "bold"), describe_answer(item, answer))
        if answer is not None and answer.note:  # a note alone leaves the answer "not answered yet"
            current.append("\n")
            current.append_text(Text.assemble(("Note: ", "bold"), answer.note))
        self.query_one("#current", Static).update(current)

    def keys_text(self) -> str:
        """The key bar for where the walkthrough stands: the same keys with the same meaning on every item."""
        walk = self.walk
        typed = self.query_one("#typed", AnswerBox)
        if self.focused is typed:
            return KEYS_IN_NUMBER_BOX if typed.numeric else KEYS_IN_TEXT_BOX
        if walk.at_summary:
            return KEYS_ON_SUMMARY
        item = walk.item
        return f"{item.kind.key_bar(item)}  s skip  ←/→ Tab move  j jump  / find  e note  ? help  q quit"

    def draw_keys(self) -> None:
        self.query_one("#keys", Static).update(Text(self.keys_text(), no_wrap=True, overflow="ellipsis"))

    # -- saving ----------------------------------------------------------------------------------------------------

    def save(self, change, describe) -> None:
        """Run one saving change of the walk; a parse error is shown in place, a failed save stops the app."""
        item = None if self.walk.at_summary else self.walk.item
        try:
            saved = change()
        except ValueError as exc:
            self.show_error(f"Not saved: {exc}.")
            return
        except FixfirstError as exc:
            self.failure = exc
            self.exit(1, return_code=1)
            return
        self.show_position(describe(item, saved))

    def show_error(self, message: str) -> None:
        status = self.query_one("#message", Static)
        status.update(Text(message))
        status.set_class(True, "error")
        status.set_class(False, "saved")

    def action_key_answer(self, key: str) -> None:
        walk = self.walk
        if walk.at_summary:
            raise SkipAction()
        item = walk.item
        if key not in (*item.kind.keys(item), "n/a"):
            # A key that answers other items explains itself here and saves nothing: it never does something else.
            self.show_error(f"{key} does not answer this item: {item.kind.key_hint(item)}.")
            return
        self.save(lambda: walk.answer(key), lambda item, saved: f"Saved {item.id}: {describe_answer(item, saved)}.")

    @on(Input.Submitted, "#typed")
    def typed_answer(self, event: Input.Submitted) -> None:
        walk = self.walk
        self.save(lambda: walk.answer(event.value), lambda item, saved: f"Saved {item.id}: {describe_answer(item, saved)}.")

    def action_skip(self) -> None:
        if self.walk.at_summary:
            raise SkipAction()
        self.save(self.walk.skip, lambda item, saved: f"Skipped {item.id}; saved.")

    def action_note(self) -> None:
        if self.walk.at_summary:
            raise SkipAction()
        answer = self.walk.current_answer
        prompt = PromptScreen(f"Note on {self.walk.item.id} (Enter saves, Esc cancels)", answer.note if answer else "",
                              placeholder="what the owner said, what to check")
        self.push_screen(prompt, self.note_written)

    def note_written(self, note: str | None) -> None:
        if note is None:
            return
        walk = self.walk

        def said(item, saved) -> str:
            if saved is None:
                return "Note removed."
            return "Note saved; the item is still unanswered (a note is not an answer)." if is_open(saved) else "Note saved."

        self.save(lambda: walk.note(note), said)

    # -- moving ----------------------------------------------------------------------------------------------------

    def on_the_walk(self) -> bool:
        """Whether the walkthrough itself has the keys (not a dialog over it)."""
        return len(self.screen_stack) == 1

    def action_previous_item(self) -> None:
        if not self.on_the_walk():
            raise SkipAction()  # Shift+Tab in a dialog moves its focus
        if self.walk.back():
            self.show_position()
        else:
            self.show_error("This is the first item.")

    def action_next_item(self) -> None:
        if not self.on_the_walk():
            raise SkipAction()  # Tab in a dialog moves its focus
        if self.walk.forward():
            self.show_position()

    def action_jump(self) -> None:
        self.push_screen(JumpScreen(self.walk), self.moved_to)

    def action_search(self) -> None:
        self.push_screen(SearchScreen(self.walk), self.moved_to)

    def moved_to(self, position: int | str | None) -> None:
        if position is not None:
            self.walk.position = int(position)
            self.show_position()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen())

    def action_interrupt(self) -> None:
        self.exit(INTERRUPTED_EXIT, return_code=INTERRUPTED_EXIT)

    def action_leave_input(self) -> None:
        if not isinstance(self.focused, Input):
            raise SkipAction()
        self.query_one("#main").focus()
        self.draw_keys()

    def action_enter_input(self) -> None:
        typed = self.query_one("#typed", Input)
        if not typed.display:
            raise SkipAction()
        typed.focus()
        self.draw_keys()

    def action_quit_walkthrough(self) -> None:
        self.exit(0)


def run_app(checklist: Checklist, answer_file: AnswerFile, audience: Audience = EVERYONE) -> int:
    """Run the walkthrough in the terminal; returns the exit code (130 after Ctrl+C), raises the error of a save
    that failed."""
    remove_stale_temps(answer_file.path)  # a walkthrough killed while saving left them; nothing else would clear them
    app = WalkthroughApp(checklist, answer_file, audience)
    try:
        app.run()
    except KeyboardInterrupt:  # SIGINT from outside the terminal (kill -INT): Ctrl+C typed is a key, handled above
        return INTERRUPTED_EXIT
    if app.failure is not None:
        raise app.failure
    return app.return_code or 0  # 1 if the app itself crashed (Textual has printed why)
