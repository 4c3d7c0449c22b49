"""The interactive checklist walkthrough: a Textual app that saves every answer, skip and note the moment it is given."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ListItem, ListView, Static

from ..errors import FixfirstError
from ..fsutil import remove_stale_temps
from .answers import AnswerFile
from .model import Checklist, ChecklistItem
from .plain import ChecklistWalk, describe_answer, how_to_answer
from .scoring import ChecklistScore

# Choice items with more options than digit keys are answered by typing, like numbers and text.
MAX_KEYED_CHOICES = 9

WALKTHROUGH_HELP = """\
[b]Answer[/b]  (every answer is saved the moment it is given)
  y n a       yes, no, n/a on a yes/no question; a is n/a anywhere
  1-5 / 1-9   a point on the 1-5 scale / a numbered choice
  the box     numbers and text: type, Enter saves; Esc leaves the
              box for the keys below, i or Enter goes back in;
              ← → move between items while the box is empty
[b]Move[/b]
  s           skip the item (saved as skipped) and go on
  b or ←      the previous item
  n or →      the next item, without answering
              (on a yes/no question n means no: use →)
  j           jump to an item by its number or id
  /           search the questions and ids
[b]More[/b]
  e or o      write a note on the item
  ?           this help
  q           quit; reopening resumes at the first open item
Press Esc to close."""


def needs_typing(item: ChecklistItem) -> bool:
    return item.answer in ("number", "text") or (item.answer == "choice" and len(item.choices or []) > MAX_KEYED_CHOICES)


class AnswerBox(Input):
    """The box for typed answers; while it is empty, ← and → still move between items."""

    def action_cursor_left(self, select: bool = False) -> None:
        if not self.value:
            raise SkipAction()
        super().action_cursor_left(select)

    def action_cursor_right(self, select: bool = False) -> None:
        if not self.value:
            raise SkipAction()
        super().action_cursor_right(select)


class HelpScreen(ModalScreen[None]):
    """The keys, over the walkthrough."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape,q,question_mark,enter", "close", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(WALKTHROUGH_HELP, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of input over the walkthrough: Enter gives the text, Esc gives None."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
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
        super().__init__(f"Jump to item: a number from 1 to {len(walk.entries)}, or an id", placeholder=f"e.g. 3 or {walk.entries[-1][1].id}")
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

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", show=False), Binding("down", "to_matches", show=False)]

    def __init__(self, walk: ChecklistWalk) -> None:
        super().__init__()
        self.walk = walk
        self.matches: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Search questions and ids (Enter: first, ↓: choose, Esc: cancel)", classes="dialog-title")
            yield Input(placeholder="words from the question or the id", id="search-input")
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
        self.dismiss(int(event.item.name))

    def action_to_matches(self) -> None:
        if not self.matches or isinstance(self.focused, ListView):
            raise SkipAction()
        matches = self.query_one("#search-matches", ListView)
        matches.index = 0
        matches.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def summary_table(score: ChecklistScore) -> Group:
    """The scores per section and overall, then the flagged items with their fixes."""
    given = score.answered + sum(s.skipped for s in score.sections)
    heading = Text(f"Summary: {given} of {score.total} items answered or skipped", style="bold")
    table = Table(box=None, expand=True, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("Section", ratio=1, overflow="fold")
    for name in ("Score", "Done", "Skip", "Flags"):
        table.add_column(name, justify="right", no_wrap=True)

    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}%"

    for section in score.sections:
        table.add_row(section.title, shown(section.score), f"{section.answered + section.skipped}/{section.total}",
                      str(section.skipped), str(section.flagged))
    table.add_row(Text("Overall", style="bold"), Text(shown(score.overall), style="bold"), f"{given}/{score.total}",
                  "", str(len(score.flagged)))
    parts: list = [heading, table, Text("Score: the weighted share of scored answers that raised no flag.", style="dim")]
    if score.flagged:
        parts.append(Text("\nFlagged, heaviest first:", style="bold"))
        for finding in score.flagged:
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
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (64, "-normal"), (100, "-wide")]
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
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "key_answer('y')", show=False),
        # Two bindings for n: "no" on a yes/no question; on any other item the first skips itself and n moves on.
        Binding("n", "key_answer('n')", show=False),
        Binding("n", "next", show=False),
        Binding("a", "key_answer('n/a')", show=False),
        *(Binding(str(digit), f"key_answer('{digit}')", show=False) for digit in range(1, 10)),
        Binding("s", "skip", show=False),
        Binding("b,left", "back", show=False),
        Binding("right", "next", show=False),
        Binding("j", "jump", show=False),
        Binding("slash", "search", show=False),
        Binding("e,o", "note", show=False),
        Binding("question_mark", "help", show=False),
        Binding("q", "quit_walkthrough", show=False),
        Binding("escape", "leave_input", show=False),
        Binding("i,enter", "enter_input", show=False),
    ]

    def __init__(self, checklist: Checklist, answer_file: AnswerFile) -> None:
        super().__init__()
        self.walk = ChecklistWalk(checklist, answer_file)
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
        typed = self.query_one("#typed", Input)
        typed.display = not walk.at_summary and needs_typing(walk.item)
        status = self.query_one("#message", Static)
        status.update(Text(message))
        status.set_class(error, "error")
        status.set_class(bool(message) and not error, "saved")
        if walk.at_summary:
            self.query_one("#summary", Static).update(summary_table(score))
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
        flagged = len(score.flagged)
        progress = f"{walk.given}/{len(walk.entries)} given · {flagged} flagged"
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
            here = section.id == current
            counts = f"{section.answered + section.skipped}/{section.total}" + (f" ⚑{section.flagged}" if section.flagged else "")
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
        self.query_one("#how", Static).update(Text.assemble(("Answer: ", "bold"), self.answer_keys_text(item)))
        answer = walk.current_answer
        current = Text.assemble(("Current answer: ", "bold"), describe_answer(item, answer))
        if answer is not None and answer.note:
            current.append("\n")
            current.append_text(Text.assemble(("Note: ", "bold"), answer.note))
        self.query_one("#current", Static).update(current)

    @staticmethod
    def answer_keys_text(item: ChecklistItem) -> str:
        if item.answer == "yes_no":
            return "press y (yes), n (no) or a (n/a)"
        if item.answer == "scale_1_5":
            labels = "; ".join(f"{point} {label}" for point, label in sorted((item.scale or {}).items()))
            return f"press 1 to 5{' (' + labels + ')' if labels else ''}, or a (n/a)"
        if item.answer == "choice" and not needs_typing(item):
            listed = "  ".join(f"{number} {choice}" for number, choice in enumerate(item.choices or [], 1))
            return f"press the number of a choice: {listed}; or a (n/a)"
        return f"type it in the box and press Enter: {how_to_answer(item)}"

    def draw_keys(self) -> None:
        walk = self.walk
        if self.focused is self.query_one("#typed", Input):
            keys = "Enter save · Esc keys (skip, back, note...) · type n/a if it does not apply"
        elif walk.at_summary:
            keys = "b/← back  j jump  / search  ? help  q quit"
        else:
            item = walk.item
            # Fits 80 columns; the arrow keys and the rest are in the help.
            if item.answer == "yes_no":
                answer_keys, next_key = "y/n/a answer", "→ next"
            elif needs_typing(item):
                answer_keys, next_key = "i type  a n/a", "n next"
            else:
                top = 5 if item.answer == "scale_1_5" else len(item.choices or [])
                answer_keys, next_key = f"1-{top}/a answer", "n next"
            keys = f"{answer_keys}  s skip  b back  {next_key}  j jump  / find  e note  ? help  q quit"
        self.query_one("#keys", Static).update(Text(keys, no_wrap=True, overflow="ellipsis"))

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
        if key in ("y", "n") and item.answer != "yes_no":
            raise SkipAction()  # lets n fall through to "next"
        if key.isdigit() and (item.answer not in ("scale_1_5", "choice") or needs_typing(item)):
            raise SkipAction()
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
        self.save(lambda: walk.note(note), lambda item, saved: "Note saved." if saved.status == "answered"
                  else "Note saved; the item is marked skipped until you answer it.")

    # -- moving ----------------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.walk.back():
            self.show_position()
        else:
            self.show_error("This is the first item.")

    def action_next(self) -> None:
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
        self.push_screen(HelpScreen())

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


def run_app(checklist: Checklist, answer_file: AnswerFile) -> int:
    """Run the walkthrough in the terminal; returns the exit code, raises the error of a save that failed."""
    remove_stale_temps(answer_file.path)  # a walkthrough killed while saving left them; nothing else would clear them
    app = WalkthroughApp(checklist, answer_file)
    app.run()
    if app.failure is not None:
        raise app.failure
    return app.return_code or 0  # 1 if the app itself crashed (Textual has printed why)
