"""Write the report PDF with WeasyPrint, fetching nothing but bundled assets, atomically."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from ..fsutil import atomic_path
from .offline import assets_dir


class SandboxedFetcher(URLFetcher):
    """Serves data: URLs and files inside the bundled assets folder; refuses everything else.

    WeasyPrint's default fetcher reads any file:// path, follows http(s) and embeds files linked
    with rel=attachment. Client text that slipped into the HTML must do none of that.
    """

    def __init__(self, allowed_dirs: list[Path]) -> None:
        super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)
        self._allowed = [d.resolve() for d in allowed_dirs]
        self.refused: list[str] = []

    def _inside_allowed(self, url: str) -> bool:
        path = Path(unquote(urlsplit(url).path)).resolve()
        return any(path.is_relative_to(d) for d in self._allowed)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data" or (scheme == "file" and self._inside_allowed(url)):
            return super().fetch(url, headers)
        self.refused.append(url[:200])
        raise ValueError(f"fixfirst refuses to fetch {url[:80]!r}: only bundled assets are allowed")


def write_pdf(html: str, target: Path) -> SandboxedFetcher:
    """Render `html` to `target` (temp file + rename). Returns the fetcher so callers can see what was refused."""
    fetcher = SandboxedFetcher([assets_dir()])
    # A refused fetch is logged by WeasyPrint as a warning; fetcher.refused keeps the list instead.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=assets_dir().as_uri() + "/", url_fetcher=fetcher)
    with atomic_path(Path(target)) as tmp:
        document.write_pdf(tmp, attachments=[])
    return fetcher
