"""Render the audit to HTML with Jinja: bundled templates, overridable per engagement, autoescaped."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from ..errors import FixfirstError
from ..logo import logo_data_uri
from ..pipeline import AuditResult
from ..present.build import build_report_view
from ..present.numbers import formatter_for
from ..resources import templates_dir
from ..scoring.verdict import headroom_sentence, verdict_rule
from .capacity_chart import layout_backtest_chart, layout_lead_chart
from .drivers_chart import layout_drivers
from .formatting import FILTERS

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
    )
    env.filters.update(FILTERS)
    env.filters["drivers_chart"] = layout_drivers
    env.filters["lead_chart"] = layout_lead_chart
    env.filters["backtest_chart"] = layout_backtest_chart
    return env


def render_html(result: AuditResult) -> str:
    engagement = result.engagement
    options = engagement.audit.report
    override = engagement.resolve(options.templates) if options.templates else None
    if override is not None and not override.is_dir():
        raise FixfirstError(f"{override}: template override folder not found", "correct report.templates in audit.yaml")
    env = report_environment(override)
    client = engagement.audit.client
    context = {
        # `view` is what templates read (fixfirst.present); the raw objects below go as each partial moves onto it.
        "view": build_report_view(result),
        "fmt": formatter_for(client),
        "result": result,
        "client": client,
        "options": options,
        "promise": engagement.audit.promise,
        "settings": engagement.settings,
        "verdict": result.verdict,
        "ranking": result.ranking,
        "outlook": result.outlook,
        "signals": result.signals,
        "kpis": result.signals.kpis,
        "sources": list(result.data.tables.values()),
        "problems": list(result.data.problems),
        "verdict_rule": verdict_rule(engagement.settings),
        "headroom_sentence": headroom_sentence(result.outlook.simulation) if result.outlook and result.outlook.simulation else "",
        "brand_colour": client.brand_colour or "#2F5D50",
        "logo": logo_data_uri(engagement.resolve(client.logo)) if client.logo else None,
        "generated_on": result.generated_on,
        "max_problems_listed": 200,
    }
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
