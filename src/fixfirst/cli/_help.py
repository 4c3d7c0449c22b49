"""The command groups' --help: on/off flags (`--json`, `--snapshot/--no-snapshot`, `--help`) shown without a value type."""

from __future__ import annotations

from typer.core import TyperGroup


def _without_value_type(params: list) -> list:
    """Give every flag an empty metavar: the help's type column then stays blank beside it.

    Typer 0.29+ prints each option's Python type in that column, so a flag read `--json <bool>`, as if it took a
    value. An empty metavar is what typer prints there instead of the type; it is used nowhere else for options
    (error messages name an option by its switches).
    """
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class FlagsHelpGroup(TyperGroup):
    """A command group whose help, and every subcommand's help, shows flags without a value type."""

    def get_params(self, ctx):
        return _without_value_type(super().get_params(ctx))

    def get_command(self, ctx, cmd_name):
        # Subcommands are resolved here before their help is rendered (and when listed): their flags, and the --help
        # flag each of them adds, are set up once, whichever module registered them.
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, FlagsHelpGroup):
            _without_value_type(command.params)
            help_option = command.get_help_option(ctx)
            if help_option is not None:
                _without_value_type([help_option])
        return command
