"""Stage-by-stage progress for long audits: a rich bar on stderr, silent when stderr is not a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def step(self, label: str) -> None: ...


class NoProgress:
    """Used by the library by default: tests, notebooks and pipes see nothing."""

    def start(self, total: int) -> None:
        pass

    def step(self, label: str) -> None:
        pass


class RichProgress:
    def __init__(self, bar) -> None:
        self._bar = bar
        self._task = bar.add_task("starting", total=None)

    def start(self, total: int) -> None:
        self._bar.update(self._task, total=total, completed=0)

    def step(self, label: str) -> None:
        self._bar.update(self._task, description=label)
        self._bar.advance(self._task)


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """A transient progress bar on stderr; a no-op when stderr is not a terminal (CI, pipes, --json)."""
    from rich.console import Console
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    if not console.is_terminal:
        yield NoProgress()
        return
    with Bar(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True) as bar:
        yield RichProgress(bar)
