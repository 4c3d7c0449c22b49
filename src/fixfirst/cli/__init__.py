"""The fixfirst command line: every command is registered here; each lives in its own module."""

from __future__ import annotations

import typer

from .. import __version__
from ._help import FlagsHelpGroup
from .capacity import capacity
from .check import check
from .checklist import checklist_app
from .compare import compare
from .demo import demo
from .init import init
from .report import report
from .score import score

app = typer.Typer(
    name="fixfirst",
    help="Find the weak spots in a customer journey before marketing amplifies them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=FlagsHelpGroup,
)

COMMANDS = {"demo": demo, "init": init, "check": check, "score": score, "capacity": capacity, "report": report, "compare": compare}
for _name, _command in COMMANDS.items():
    app.command(_name)(_command)
# Command groups (a sub-app with its own commands): `fixfirst checklist list|show|run`.
GROUPS = {"checklist": checklist_app}
for _name, _group in GROUPS.items():
    app.add_typer(_group, name=_name, cls=FlagsHelpGroup)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fixfirst {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit.")) -> None:
    """fixfirst: marketing is a catalyst, not a cure."""


def main() -> None:
    app()
