"""Report: the audit rendered once as HTML, then written as the client's PDF, an offline HTML page and an Excel workbook."""

from __future__ import annotations

from pathlib import Path

from ..decision import AuditResult
from ..errors import FixfirstError
from ..progress import NoProgress, Progress
from .formats import FORMATS, parse_formats, plan_targets
from .html import render_html

FORMAT_NAMES = {"pdf": "the PDF", "html": "the HTML page", "xlsx": "the workbook"}


def write_report(result: AuditResult, target: Path) -> Path:
    """Render the audit and write the PDF to `target` atomically."""
    return write_reports(result, {"pdf": Path(target)})[0]


def write_reports(result: AuditResult, targets: dict[str, Path], progress: Progress | None = None) -> list[Path]:
    """Write each format to its path ({"pdf": path, "html": path, "xlsx": path}); the HTML is rendered once for PDF and HTML.

    Every file is written atomically: a failure leaves the previous file, if any, untouched.
    """
    progress = progress or NoProgress()
    html = render_html(result) if {"pdf", "html"} & targets.keys() else None
    written = []
    for name, target in targets.items():
        progress.step(f"writing {FORMAT_NAMES[name]}")
        target = Path(target)
        if name == "pdf":
            _write_pdf(html, target)
        elif name == "html":
            from .offline import assets_dir, write_html

            write_html(html, target, assets_dir())
        elif name == "xlsx":
            from .xlsx import write_workbook

            write_workbook(result, target)
        else:
            raise ValueError(f"unknown report format {name!r}")
        written.append(target)
    return written


def _write_pdf(html: str, target: Path) -> None:
    try:
        from .pdf import write_pdf
    except OSError as exc:  # WeasyPrint loads Pango through ctypes at import time
        raise FixfirstError(f"the PDF renderer cannot start: {str(exc).splitlines()[0]}",
                            "install Pango (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango)") from None
    try:
        write_pdf(html, target)
    except OSError as exc:
        raise FixfirstError(f"{target}: cannot write the PDF ({exc.strerror or exc})", "choose a folder you can write to with -o PATH") from None


__all__ = ["FORMATS", "parse_formats", "plan_targets", "render_html", "write_report", "write_reports"]
