"""Where text lands on each rendered page: WeasyPrint's own layout of the report, the boxes its PDF is drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field

from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from fixfirst.report.pdf import SandboxedFetcher, assets_dir

PX_PER_MM = 96 / 25.4  # CSS pixels per millimetre


@dataclass(frozen=True)
class TextRun:
    text: str
    x: float  # CSS px from the page's left edge
    top: float  # CSS px from the page's top edge
    width: float
    size: float  # font size in CSS px

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def points(self) -> float:
        return self.size * 0.75


@dataclass
class PageText:
    number: int
    width: float
    height: float
    runs: list[TextRun] = field(default_factory=list)
    images: list[tuple[float, float]] = field(default_factory=list)  # (left, right) of replaced boxes such as SVG charts

    def body(self, footer_mm: float = 16) -> list[TextRun]:
        """Runs above the page footer (the footer sits in the bottom margin)."""
        limit = self.height - footer_mm * PX_PER_MM
        return [r for r in self.runs if r.top < limit and r.text.strip()]


def render_pages(html: str) -> list[PageText]:
    """Lay the report's HTML out exactly as `write_pdf` does, and list every text run and image per page."""
    document = HTML(string=html, base_url=assets_dir().as_uri() + "/", url_fetcher=SandboxedFetcher([assets_dir()])).render()
    pages = []
    for number, page in enumerate(document.pages, 1):
        out = PageText(number, page.width, page.height)
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox) and box.text.strip():
                out.runs.append(TextRun(box.text, box.position_x, box.position_y, box.width, box.style["font_size"]))
            elif isinstance(box, boxes.ReplacedBox):
                out.images.append((box.position_x, box.position_x + box.width))
        pages.append(out)
    return pages
