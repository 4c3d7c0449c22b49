"""Render the audit to HTML with Jinja: bundled templates, overridable per engagement, autoescaped."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, TemplateError,
                    select_autoescape)

from ..errors import FixfirstError
from ..pipeline import AuditResult
from ..history.compare import report_history
from ..present.build import build_report_view
from ..resources import templates_dir

REPORT_TEMPLATE = "report.html"


def report_environment(override_dir: Path | None = None) -> Environment:
    """Engagement overrides first, then the bundled report templates (datasette-style loader chain)."""
    loaders = []
    if override_dir is not None:
        loaders.append(FileSystemLoader(str(override_dir)))
    loaders.append(FileSystemLoader(str(templates_dir() / "report")))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "svg", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiled templates are kept between runs (keyed by name and source checksum, in a private per-user folder of
        # the temp directory): compiling the report's twenty-odd templates is a tenth of a second on every run otherwise.
        bytecode_cache=_bytecode_cache(),
    )
    return env


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temp folder: compile every time
        return None


def render_html(result: AuditResult) -> str:
    engagement = result.engagement
    options = engagement.audit.report
    override = engagement.resolve(options.templates) if options.templates else None
    if override is not None and not override.is_dir():
        raise FixfirstError(f"{override}: template override folder not found", "correct report.templates in audit.yaml")
    env = report_environment(override)
    # Templates read only the report view: every figure and sentence is written by fixfirst.present, once.
    history = report_history(result)
    context = {"view": build_report_view(result, history.comparison, history.follow_up)}
    try:
        return env.get_template(REPORT_TEMPLATE).render(**context)
    except TemplateError as exc:
        raise FixfirstError(f"report template error{_where(exc)}: {exc.message or exc}",
                            "correct the template override named in report.templates, or remove it to use the bundled one") from None


def _where(exc: TemplateError) -> str:
    """The template file and line of a Jinja error, from the error itself or its (template-mapped) traceback."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".css", ".svg")):
            name, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return f" in {name}, line {line}" if name else ""
