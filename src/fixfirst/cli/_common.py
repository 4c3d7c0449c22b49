"""What every command shares: consoles, the error boundary that turns failures into one clear line."""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import FixfirstError, InputProblems, Problem

INTERNAL_ERROR_EXIT = 70


def stdout() -> Console:
    return Console(soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, soft_wrap=True)


NARROWEST = 10  # no wrapped text gets narrower than this, however narrow the terminal


class Wrapped:
    """Prints text wrapped at the console's width between words, every line indented, with no trailing spaces.

    The consoles soft-wrap, so an unwrapped long line would be cut by the terminal mid-word. A str is never read as
    Rich markup (client text may hold a "["); pass a Text for styled words.
    """

    def __init__(self, console: Console) -> None:
        self.console = console

    def lines(self, text: str | Text, width: int) -> list[Text]:
        body = Text(text) if isinstance(text, str) else text
        lines = list(body.wrap(self.console, max(width, NARROWEST)))
        for line in lines:
            line.rstrip()
        return lines or [Text()]

    def __call__(self, text: str | Text, *, indent: int = 0, first: str | None = None, style: str = "") -> None:
        """`first` replaces the indent on the first line (a hanging "- " or "#1 ")."""
        for i, line in enumerate(self.lines(text, self.console.width - indent)):
            shown = Text(first if i == 0 and first is not None else " " * indent, style=style)
            shown.append_text(line)
            self.console.print(shown, no_wrap=True, crop=False)

    def whole(self, text: str) -> None:
        """A line never split, however long (a path, to be copied whole)."""
        self.console.print(Text(text), no_wrap=True, crop=False)


def problems_table(problems: list[Problem], limit: int = 50) -> Table:
    table = Table(show_lines=False, header_style="bold")
    for name in ("severity", "where", "problem", "value"):
        table.add_column(name, overflow="fold")
    for p in problems[:limit]:
        style = "red" if p.severity.value == "error" else "yellow"
        table.add_row(f"[{style}]{p.severity.value}[/]", escape(p.location), escape(p.message), escape(p.value or ""))
    if len(problems) > limit:
        table.caption = f"{len(problems) - limit} more not shown (fixfirst check ENGAGEMENT --json lists all)"
    return table


def handles_errors(command: Callable) -> Callable:
    """Run a command; user errors print cause + fix and exit non-zero, never a traceback.

    Set FIXFIRST_DEBUG=1 to see the traceback of an unexpected failure.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        err = stderr()
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except InputProblems as exc:
            err.print(problems_table(exc.problems))
            err.print(f"[bold red]error:[/] {escape(exc.cause)}", markup=True, highlight=False)
            err.print(f"[bold]fix:[/] {escape(exc.fix)}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except FixfirstError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.cause)}", highlight=False)
            if exc.fix:
                err.print(f"[bold]fix:[/] {escape(exc.fix)}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted; nothing was half-written (outputs are written atomically)")
            raise typer.Exit(130) from None
        except Exception as exc:  # the last line of defence: never show a raw traceback
            if os.environ.get("FIXFIRST_DEBUG"):
                traceback.print_exc()
            err.print(f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc).splitlines()[0] if str(exc) else '')}", highlight=False)
            err.print("[bold]fix:[/] this is a bug in fixfirst; rerun with FIXFIRST_DEBUG=1 and report the traceback", highlight=False)
            raise typer.Exit(INTERNAL_ERROR_EXIT) from None

    return wrapper


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


NO_SNAPSHOT_HELP = "Keep this audit in ENGAGEMENT/audits for fixfirst compare, or not."


def keep_audit(result, enabled: bool) -> None:
    """Save the audit's snapshot (ENGAGEMENT/audits/<as-of>.json) and say where, on stderr so --json output stays pure."""
    if not enabled:
        return
    from ..report import keep_snapshot
    from ..resources import samples_dir

    # The bundled samples are reference data (inside the installed package, or the checkout): never written into.
    if result.engagement.folder.resolve().is_relative_to(samples_dir().resolve()):
        return

    try:
        saved = keep_snapshot(result)
    except FixfirstError as exc:
        # Keeping the audit is a convenience for `fixfirst compare`: a read-only folder must not stop the audit itself.
        stderr().print(f"[bold yellow]warning:[/] audit not kept: {escape(exc.cause)}", highlight=False)
        return
    try:
        shown = saved.path.relative_to(result.engagement.folder)
    except ValueError:
        shown = saved.path
    what = "audit kept in" if saved.created else "audit already kept in"
    stderr().print(f"{what} {escape(str(shown))}", highlight=False)
