"""Report: the audit rendered as HTML and then as the client's PDF."""

from __future__ import annotations

from pathlib import Path

from ..errors import FixfirstError
from ..pipeline import AuditResult
from .html import render_html


def write_report(result: AuditResult, target: Path) -> Path:
    """Render the audit and write the PDF to `target` atomically."""
    html = render_html(result)
    try:
        from .pdf import write_pdf
    except OSError as exc:  # WeasyPrint loads Pango through ctypes at import time
        raise FixfirstError(f"the PDF renderer cannot start: {str(exc).splitlines()[0]}",
                            "install Pango (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango)") from None
    try:
        write_pdf(html, Path(target))
    except OSError as exc:
        raise FixfirstError(f"{target}: cannot write the PDF ({exc.strerror or exc})", "choose a folder you can write to with -o PATH") from None
    return Path(target)


__all__ = ["render_html", "write_report"]
