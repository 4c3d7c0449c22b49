"""Render the audit to HTML with Jinja: bundled templates, overridable per engagement, autoescaped."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..errors import FixfirstError
from ..pipeline import AuditResult
from ..resources import templates_dir
from ..scoring.verdict import verdict_rule
from .formatting import FILTERS
from .journey_map import layout_journey

REPORT_TEMPLATE = "report.html"
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 2 * 1024 * 1024


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
    return env


def logo_data_uri(path: Path | None) -> str | None:
    """The client's logo inlined as a data URI, after checking it is a real, small PNG, JPEG or SVG."""
    if path is None:
        return None
    if not path.is_file():
        raise FixfirstError(f"{path}: logo file not found", "correct client.logo in audit.yaml, or remove it")
    data = path.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        raise FixfirstError(f"{path}: logo is larger than 2 MB", "use a smaller PNG or JPEG")
    mime = next((m for magic, m in LOGO_TYPES.items() if data.startswith(magic)), None)
    if mime is None and path.suffix.lower() == ".svg" and b"<svg" in data[:4096]:
        mime = "image/svg+xml"  # external references inside it are refused by the PDF's URL fetcher
    if mime is None:
        raise FixfirstError(f"{path}: logo is not a PNG, JPEG or SVG image", "export the logo as PNG")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(result: AuditResult) -> str:
    engagement = result.engagement
    options = engagement.audit.report
    override = engagement.resolve(options.templates) if options.templates else None
    if override is not None and not override.is_dir():
        raise FixfirstError(f"{override}: template override folder not found", "correct report.templates in audit.yaml")
    env = report_environment(override)
    client = engagement.audit.client
    context = {
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
        "journey_map": layout_journey(result.journey, result.ranking),
        "sources": list(result.data.tables.values()),
        "problems": list(result.data.problems),
        "verdict_rule": verdict_rule(engagement.settings),
        "brand_colour": client.brand_colour or "#2F5D50",
        "logo": logo_data_uri(engagement.resolve(client.logo) if client.logo else None),
        "generated_on": result.generated_on,
        "max_problems_listed": 200,
    }
    return env.get_template(REPORT_TEMPLATE).render(**context)
