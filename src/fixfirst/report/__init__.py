"""Report: the audit rendered once as HTML, then written as the client's PDF, an offline HTML page and an Excel workbook."""

from __future__ import annotations

from pathlib import Path

from ..decision import AuditResult
from ..errors import FixfirstError
from ..progress import NoProgress, Progress
from .formats import FORMATS, parse_formats, plan_targets
from .html import render_html
from .offline import assets_dir, offline_html, write_html
from .snapshot import comparison_of, current_snapshot, keep_snapshot
from .xlsx import write_workbook

FORMAT_NAMES = {"pdf": "the PDF", "html": "the HTML page", "xlsx": "the workbook"}


def write_report(result: AuditResult, target: Path) -> Path:
    """Render the audit and write the PDF to `target` atomically."""
    return write_reports(result, {"pdf": Path(target)})[0]


def write_reports(result: AuditResult, targets: dict[str, Path], progress: Progress | None = None) -> list[Path]:
    """Write each format to its path ({"pdf": path, "html": path, "xlsx": path}); the HTML is rendered once for PDF and HTML.

    Every file is written atomically: a failure leaves the previous file, if any, untouched.
    """
    progress = progress or NoProgress()
    rendered: list[str] = []  # the HTML, rendered for the first of the PDF and the HTML page that is asked for

    def html() -> str:
        if not rendered:
            rendered.append(render_html(result))
        return rendered[0]

    written = []
    for name, target in targets.items():
        progress.step(f"writing {FORMAT_NAMES[name]}")
        target = Path(target)
        if name == "pdf":
            write_pdf_file(html(), target)
        elif name == "html":
            write_html(html(), target, assets_dir())
        elif name == "xlsx":
            write_workbook(result, target)
        else:
            raise ValueError(f"unknown report format {name!r}")
        written.append(target)
    return written


def write_pdf_file(html: str, target: Path) -> None:
    """The report's HTML as a PDF at `target`; a renderer that cannot start is a FixfirstError naming what to install."""
    try:
        # Imported here, not at the top: WeasyPrint loads Pango through ctypes at import time, and a missing Pango
        # must be an error naming what to install, raised only when a PDF is asked for.
        from .pdf import write_pdf
    except OSError as exc:
        raise FixfirstError(f"the PDF renderer cannot start: {str(exc).splitlines()[0]}",
                            "install Pango (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango)") from None
    try:
        write_pdf(html, target)
    except OSError as exc:
        raise FixfirstError(f"{target}: cannot write the PDF ({exc.strerror or exc})", "choose a folder you can write to with -o PATH") from None



__all__ = ["assets_dir", "comparison_of", "current_snapshot", "FORMATS", "keep_snapshot", "offline_html", "parse_formats", "plan_targets", "render_html", "write_html", "write_report", "write_reports", "write_workbook"]
