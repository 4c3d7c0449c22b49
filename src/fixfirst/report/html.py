"""Render the audit to HTML with Jinja: bundled templates, overridable per engagement, autoescaped."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from ..config import real_path
from ..decision import AuditResult
from ..errors import FixfirstError
from ..present import build_report_view
from ..resources import templates_dir
from .snapshot import history_of

REPORT_TEMPLATE = "report.html"
# The bundled templates are a few kilobytes each; an override file past this is not a template.
MAX_OVERRIDE_BYTES = 2 * 1024 * 1024


# The most one `*` or `**` of an override may build: the sandbox guards attributes, not memory, so one line such as
# {% set s = "ab" * 200000000 %} would take a gigabyte. A whole report is a few hundred kilobytes.
MAX_BUILT_ITEMS = 1_000_000


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with repetition and powers bounded (intercepted binary operators) so an override cannot
    exhaust memory or time."""

    intercepted_binops = frozenset(["*", "**", "+"])

    def call_binop(self, context, operator, left, right):
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > MAX_BUILT_ITEMS:
            raise SecurityError(f"a template builds more than {MAX_BUILT_ITEMS:,} items with '+'")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_BUILT_ITEMS:
                    raise SecurityError(f"a template builds more than {MAX_BUILT_ITEMS:,} items with '*'")
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(right) > 100:
            raise SecurityError("a template raises a number to a power above 100")
        return super().call_binop(context, operator, left, right)


class ConfinedLoader(FileSystemLoader):
    """The engagement's override folder: a template whose real path (symlinks followed) leads out of it is refused
    before it is opened, so an override cannot show a file from elsewhere on the consultant's computer."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.root = Path(folder).resolve()

    def get_source(self, environment: Environment, template: str):
        candidate = Path(self.searchpath[0], *split_template_path(template))  # '..' is refused by Jinja's own split
        if candidate.is_symlink() or candidate.exists():
            if not real_path(candidate).is_relative_to(self.root):  # a link loop is a FixfirstError there, not a crash
                raise FixfirstError(f"{candidate}: this template override leads out of the override folder {self.root} "
                                    "(a symbolic link); it is not read",
                                    "copy the template into the override folder instead of linking to it")
            if candidate.is_file() and candidate.stat().st_size > MAX_OVERRIDE_BYTES:
                raise FixfirstError(f"{candidate}: template override is larger than {MAX_OVERRIDE_BYTES // 1024**2} MB",
                                    "a template is a page of HTML; keep data and images out of it")
        return super().get_source(environment, template)


def report_environment(override_dir: Path | None = None) -> Environment:
    """Engagement overrides first, then the bundled report templates (datasette-style loader chain).

    Overrides travel with an engagement folder from one person to the next: with them, the whole report is rendered
    in Jinja's sandbox (no attribute starting with "_", no unsafe call), so a template cannot reach Python's
    internals. The bundled report alone, written by fixfirst, renders in the ordinary (faster) environment."""
    loaders: list[BaseLoader] = []
    if override_dir is not None:
        loaders.append(ConfinedLoader(override_dir))
    loaders.append(FileSystemLoader(str(templates_dir() / "report")))
    kind = Environment if override_dir is None else BoundedSandbox
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "svg", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiled templates are kept between runs (keyed by name and source checksum, in a private per-user folder of
        # the temp directory): compiling the report's twenty-odd templates is a tenth of a second on every run otherwise.
        # Sandboxed code differs (every call goes through the sandbox's checks): it is cached apart, never mixed.
        bytecode_cache=_bytecode_cache(sandboxed=override_dir is not None),
    )
    return env


def _bytecode_cache(sandboxed: bool = False) -> FileSystemBytecodeCache | None:
    try:
        return FileSystemBytecodeCache(pattern="__jinja2_sandboxed_%s.cache" if sandboxed else "__jinja2_%s.cache")
    except (OSError, RuntimeError):  # no usable temp folder: compile every time
        return None


def render_html(result: AuditResult, *, with_history: bool = True) -> str:
    """The report's HTML. `with_history=False` leaves out "Since the last audit" (an in-memory audit has no folder
    whose earlier audits it could read)."""
    engagement = result.engagement
    options = engagement.audit.report
    override = engagement.resolve(options.templates) if options.templates else None
    if override is not None and not override.is_dir():
        raise FixfirstError(f"{override}: template override folder not found", "correct report.templates in audit.yaml")
    env = report_environment(override)
    # Templates read only the report view: every figure and sentence is written by fixfirst.present, once.
    history = history_of(result) if with_history else None
    context = {"view": build_report_view(result, history.comparison, history.follow_up) if history is not None
               else build_report_view(result)}
    try:
        return env.get_template(REPORT_TEMPLATE).render(**context)
    except TemplateNotFound as exc:
        raise FixfirstError(f"report template error{_where(exc)}: template {exc.name!r} is neither in the override folder "
                            "nor among the bundled templates",
                            "include templates by their name inside the override folder (such as _partials/healthy.html)") from None
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
