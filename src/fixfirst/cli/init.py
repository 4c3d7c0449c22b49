"""`fixfirst init`: start an engagement folder from a template per business type."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import handles_errors, stdout


@handles_errors
def init(
    directory: Path = typer.Argument(..., metavar="DIR", help="The new engagement folder (must not exist or be empty)."),
    template: str = typer.Option("online-shop", "--template", "-t", metavar="NAME", help="Business type: online-shop or local-service."),
) -> None:
    """Create an engagement folder with audit.yaml, journey.yaml and header-only data files to fill in."""
    from ..starter import create_engagement

    created = create_engagement(directory, template)
    out = stdout()
    out.print(f"Created engagement '{template}' in {directory}:", highlight=False)
    for path in created:
        out.print(f"  {path.relative_to(directory)}", highlight=False)
    out.print("Next: put the client's exports in place, edit audit.yaml, then run `fixfirst check " + str(directory) + "`.", highlight=False)
