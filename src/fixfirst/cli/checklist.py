"""`fixfirst checklist list|show|run`: the consultation checklists, their questions, and answering them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..errors import FixfirstError
from ._common import escape, handles_errors, stdout

checklist_app = typer.Typer(
    name="checklist",
    help="Consultation checklists: list them, read their questions, and record the owner's answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@checklist_app.command("list")
@handles_errors
def list_checklists(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List the bundled checklists with their number of items and sections."""
    from ..checklist import library, load_checklist

    rows: list[dict[str, str | int]] = []
    for path in library().values():
        checklist = load_checklist(path)
        rows.append({"id": checklist.id, "title": checklist.title, "items": len(checklist.items()),
                     "sections": len(checklist.sections), "file": str(path)})
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title="Consultation checklists", title_justify="left", header_style="bold")
    for name in ("id", "title"):
        table.add_column(name, justify="left", overflow="fold")
    for name in ("items", "sections"):
        table.add_column(name, justify="right", overflow="fold")
    for row in rows:
        table.add_row(escape(str(row["id"])), escape(str(row["title"])), str(row["items"]), str(row["sections"]))
    table.caption = f"{sum(int(r['items']) for r in rows)} items in all; `fixfirst checklist show NAME` lists the questions"
    stdout().print(table)


@checklist_app.command("show")
@handles_errors
def show(
    name: str = typer.Argument(..., help="A checklist id from `fixfirst checklist list`, or the path of a checklist YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole checklist as JSON."),
) -> None:
    """Show every item of a checklist: question, why it matters, answer type, flag rule, fix and evidence."""
    from ..checklist import find_checklist

    checklist = find_checklist(name)
    if as_json:
        sys.stdout.write(json.dumps(checklist.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        return
    out = stdout()
    out.print(f"[bold]{escape(checklist.title)}[/] ({escape(checklist.id)}, {len(checklist.items())} items)", highlight=False)
    if checklist.description:
        out.print(escape(checklist.description.strip()), highlight=False)
    number = 0
    for section in checklist.sections:
        out.print()
        out.print(f"[bold underline]{escape(section.title)}[/]", highlight=False)
        for item in section.items:
            number += 1
            out.print(f"\n[bold]{number}. {escape(item.question)}[/]  [dim]{escape(item.id)}[/]", highlight=False)
            for label, text in (("why it matters", item.why), ("answer", item.describe_answer_type()),
                                ("flag", item.describe_rule()), ("weight", f"{item.weight:g}"),
                                ("touchpoints", ", ".join(item.touchpoints)), ("asked of", item.describe_audience()),
                                ("fix", item.fix), ("evidence", item.evidence)):
                out.print(f"   [cyan]{label}:[/] {escape(text)}", highlight=False)


@checklist_app.command("run")
@handles_errors
def run(
    name: str = typer.Argument(..., help="A checklist id from `fixfirst checklist list`, or the path of a checklist YAML file."),
    engagement: Path = typer.Argument(..., help="Engagement folder; answers are saved to ENGAGEMENT/answers/NAME.yaml."),
    answers: Path | None = typer.Option(None, "--answers", help="Import answers from this YAML file without any UI (format in docs/checklists.md)."),
    plain: bool = typer.Option(False, "--plain", help="Ask the questions line by line instead of the full-screen app."),
) -> None:
    """Walk through a checklist with the owner (every answer saved at once), or import answers with --answers."""
    from ..checklist import AnswerFile, answers_path, engagement_audience, read_import, score_checklist
    from ..config import inside_boundary
    from ..fsutil import remove_stale_temps

    if not engagement.is_dir():
        raise FixfirstError(f"{engagement}: engagement folder not found", "give the engagement folder, or create one with `fixfirst init DIR`")
    checklist = find_engagement_checklist(name, engagement)
    keep_with_engagement(name, checklist, engagement)
    # A session killed while saving leaves its temp file: cleared when the next session starts (the answers are intact).
    target = answers_path(engagement, checklist.id)
    # Answers are read and then saved in place: a link out of the engagement would be read, then copied in.
    inside_boundary(target.relative_to(engagement), engagement, what="answers file", may_be_allowed=False)
    remove_stale_temps(target)
    answer_file = AnswerFile.open(target, checklist)
    # The questions the engagement is asked: by client.business_type and the touchpoints of its journey.
    audience, audience_note = engagement_audience(engagement)
    if audience_note:
        typer.echo(f"note: {audience_note}", err=True)
    if answers is None:
        code = walk(checklist, answer_file, plain=plain, audience=audience)
        if code:
            raise typer.Exit(code)
        return
    # The whole import is validated before anything is merged: a half-imported file would be worse than none.
    imported = read_import(answers, checklist)
    replaced = sum(item_id in answer_file.answers for item_id in imported)
    answer_file.merge(imported)
    out = stdout()
    out.print(f"imported {len(imported)} answer(s) from {escape(str(answers))} into {escape(str(answer_file.path))} "
              f"({len(imported) - replaced} new, {replaced} replaced)", highlight=False)
    print_score(score_checklist(checklist, answer_file, audience), audience.business_type)


def keep_with_engagement(name: str, checklist, engagement: Path) -> None:
    """A checklist run from a path outside the library is copied to ENGAGEMENT/checklists/<id>.yaml, so that
    `check`, `score` and `report` find the checklist its answers belong to."""
    from ..checklist import library
    from ..fsutil import atomic_path

    source = Path(name).expanduser()
    if not source.is_file() or checklist.id in library():
        return
    target = engagement / "checklists" / f"{checklist.id}.yaml"
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return
    if target.is_file():
        raise FixfirstError(f"{target}: a different checklist with id {checklist.id!r} is already kept with this engagement",
                            "run it by its id, or give your checklist another id")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        tmp.write_bytes(source.read_bytes())


def find_engagement_checklist(name: str, engagement: Path):
    """The engagement's own checklists/ folder comes first, then the bundled library."""
    from ..checklist import find_checklist

    return find_checklist(name, search=[engagement / "checklists"])


def walk(checklist, answer_file, *, plain: bool, audience) -> int:
    """The interactive path of `run`: the full-screen Textual app, or line-by-line questions with --plain.
    Returns the exit code: 0, or 130 after Ctrl+C (the answers given are saved)."""
    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # The full-screen app needs a terminal on both ends; piped input or output gets the line mode, not a crash.
        typer.echo("note: not a terminal, so the questions are asked line by line (as with --plain)", err=True)
        plain = True
    from ..checklist import INTERRUPTED_EXIT, run_plain

    if plain:
        return run_plain(checklist, answer_file, sys.stdin, sys.stdout, audience) or 0
    try:
        from ..checklist import run_app
    except ImportError:  # the app module is optional in a checkout being built; the line mode always works
        raise FixfirstError("the full-screen walkthrough is not available in this installation", "use --plain, or --answers FILE") from None
    code = run_app(checklist, answer_file, audience) or 0
    if code == INTERRUPTED_EXIT:
        typer.echo(f"interrupted; every answer given is saved in {answer_file.path}", err=True)
    return code


def print_score(score, business_type: str = "unknown") -> None:
    """Flags and the share on track per section and overall, and the flagged items with their fixes."""
    from ..checklist import not_asked_sentence

    out = stdout()
    table = Table(title=f"{score.checklist.title}: flags and share on track", title_justify="left", header_style="bold")
    table.add_column("section", justify="left")
    for column in ("flags", "on track", "answered"):
        table.add_column(column, justify="right")

    def share(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.0f}%"

    for section in score.sections:
        if section.total:
            table.add_row(escape(section.title), str(section.flags), share(section.share_on_track), f"{section.answered}/{section.total}")
    table.add_row("[bold]overall[/]", f"[bold]{score.flags}[/]", f"[bold]{share(score.share_on_track)}[/]", f"{score.answered}/{score.total}")
    table.caption = ("flags: answers that raise a problem (fewer is better); on track: weighted share of scored answers "
                     "without a flag (higher is better)")
    out.print(table)
    if score.not_asked:
        out.print(escape(not_asked_sentence(score.not_asked, business_type)), highlight=False)
    if not score.findings:
        out.print("no flagged items", highlight=False)
    for finding in score.findings:
        out.print(f"[red]flag[/] {escape(finding.item.question)} - answer: {escape(finding.answer_text)}", highlight=False)
        out.print(f"     [bold]fix:[/] {escape(finding.item.fix)}", highlight=False)
