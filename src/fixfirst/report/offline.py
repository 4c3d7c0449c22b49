"""The report's HTML as one offline file: bundled assets inlined as data: URIs, nothing that runs or fetches left in it."""

from __future__ import annotations

import base64
import html as html_text
import mimetypes
import re
from html.parser import HTMLParser, attrfind_tolerant, tagfind_tolerant  # type: ignore[attr-defined]  # see _clean_tag
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import FixfirstError
from ..fsutil import atomic_path
from ..resources import templates_dir

# Attributes whose value the browser fetches or follows. Anything else in them than an inlined asset, a data: image
# or font, or a #fragment is dropped: the file must open the same with no network and no folder beside it.
URL_ATTRIBUTES = frozenset({
    "src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "cite", "longdesc", "ping",
    "manifest", "codebase", "archive", "classid", "usemap", "icon", "lowsrc", "dynsrc", "profile",
})
# Attributes that carry a document or a list of URLs of their own: never needed by the report.
DROPPED_ATTRIBUTES = frozenset({"srcdoc", "srcset", "imagesrcset"})
# Elements that embed another document or a plug-in: the report has none, so their tags are dropped whole.
EMBEDDING_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "portal", "base"})
# data: URIs the report may keep: pictures and fonts, never a page, a stylesheet (it could import) or a script.
SAFE_DATA = ("data:image/", "data:font/", "data:application/font", "data:application/x-font")
# Namespace declarations on inline SVG are names, not fetches, but an HTML parser does not need them, and without them
# the file holds no "http://" outside the client's own text.
NAMESPACE_ATTRIBUTE = re.compile(r"^xmlns(:[a-z]+)?$")

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_COMMENT_END = "-->"


def assets_dir() -> Path:
    """The report's bundled pictures: the only files the PDF renderer may read and the HTML may inline."""
    return templates_dir() / "report" / "assets"


class AssetInliner:
    """Turns a reference to a file in the bundled assets folder into a data: URI; refuses everything else (None)."""

    def __init__(self, assets: Path) -> None:
        self.root = assets.resolve()
        self._cache: dict[Path, str] = {}

    def reference(self, url: str, base: Path | None = None) -> str | None:
        url = url.strip()
        lowered = url.lower()
        if url.startswith("#"):
            return url
        if lowered.startswith("data:"):
            return url if lowered.startswith(SAFE_DATA) else None
        path = self._asset_path(url, base or self.root)
        if path is None:
            return None
        fragment = urlsplit(url).fragment
        return self.data_uri(path) + (f"#{fragment}" if fragment else "")

    def _asset_path(self, url: str, base: Path) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            candidate = Path(unquote(parts.path))
        elif not parts.scheme and not parts.netloc and parts.path:  # a relative path ("//host/x" has a netloc)
            candidate = base / unquote(parts.path)
        else:
            return None
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        return resolved if resolved.is_relative_to(self.root) and resolved.is_file() else None

    def data_uri(self, path: Path) -> str:
        if path not in self._cache:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._cache[path] = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
        return self._cache[path]

    def stylesheet(self, url: str) -> str | None:
        """The text of a bundled stylesheet a <link> names, its own references inlined; None when it is not one."""
        path = self._asset_path(url, self.root)
        if path is None or path.suffix.lower() != ".css":
            return None
        return self.css(path.read_text(encoding="utf-8"), path.parent)

    def css(self, text: str, base: Path | None = None) -> str:
        """CSS with every url() inlined or set to `none`, and no @import (it would fetch a stylesheet)."""
        def inline(match: re.Match) -> str:
            target = next(g for g in match.groups() if g is not None)
            ref = self.reference(target, base)
            if ref is None:
                return "none"
            return match.group(0) if ref == target else f'url("{ref}")'

        return _CSS_URL.sub(inline, _CSS_IMPORT.sub("", text))


class _OfflineRewriter(HTMLParser):
    """Walks the HTML once and records edits (start, end, replacement) on the source text.

    Edits rather than re-serialising keep every untouched byte as rendered (inline SVG keeps its attribute case).
    """

    def __init__(self, source: str, inliner: AssetInliner) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.inliner = inliner
        self.edits: list[tuple[int, int, str]] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self._script_from: int | None = None
        self._in_style = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _tag_span(self) -> tuple[int, int, str]:
        raw = self.get_starttag_text() or ""
        start = self._offset()
        if self.source[start:start + len(raw)] != raw:
            raise RuntimeError("offline HTML: lost track of a tag's position")
        return start, start + len(raw), raw

    def handle_starttag(self, tag: str, attrs) -> None:
        self._start(tag, dict(attrs), closed=False)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._start(tag, dict(attrs), closed=True)

    def _start(self, tag: str, attrs: dict, closed: bool) -> None:
        start, end, raw = self._tag_span()
        if self._script_from is not None:
            return
        if tag == "script":
            if closed:
                self.edits.append((start, end, ""))
            else:
                self._script_from = start
            return
        refresh = tag == "meta" and (attrs.get("http-equiv") or "").strip().lower() == "refresh"
        if tag in EMBEDDING_TAGS or refresh:
            self.edits.append((start, end, ""))
            return
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower().split():
            sheet = self.inliner.stylesheet(attrs.get("href") or "")
            self.edits.append((start, end, "" if sheet is None else f"<style>\n{sheet}\n</style>"))
            return
        if tag == "style" and not closed:
            self._in_style = True
        cleaned = self._clean_tag(raw)
        if cleaned != raw:
            self.edits.append((start, end, cleaned))

    def _clean_tag(self, raw: str) -> str:
        """The tag with its fetching attributes inlined or dropped, event handlers dropped, url()s in values inlined."""
        # The parser's own tag and attribute patterns (module globals typeshed does not declare): the tag is split into
        # attributes exactly as HTMLParser read it, so no attribute can hide from the cleaning.
        name = tagfind_tolerant.match(raw, 1)
        position = name.end() if name else len(raw)
        pieces = [raw[:position]]
        while position < len(raw):
            match = attrfind_tolerant.match(raw, position)
            if not match or match.end() == position:
                break
            pieces.append(raw[position:match.start()])
            pieces.append(self._clean_attribute(match))
            position = match.end()
        pieces.append(raw[position:])
        return "".join(pieces)

    def _clean_attribute(self, match: re.Match) -> str:
        name, value = match.group(1), match.group(3)
        lowered = name.lower()
        if value is None:
            return "" if lowered.startswith("on") else match.group(0)
        if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        value = html_text.unescape(value)
        trailing = match.group(0)[match.end(3) - match.start(0):]
        if lowered.startswith("on") or lowered in DROPPED_ATTRIBUTES or NAMESPACE_ATTRIBUTE.match(lowered):
            return ""
        if lowered in URL_ATTRIBUTES:
            ref = self.inliner.reference(value)
            return "" if ref is None else f'{name}="{html_text.escape(ref)}"{trailing}'
        if lowered == "style" or "url(" in value.lower():
            cleaned = self.inliner.css(value)
            if cleaned != value:
                return f'{name}="{html_text.escape(cleaned)}"{trailing}'
        return match.group(0)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_from is not None:
            close = self.source.find(">", self._offset())
            self.edits.append((self._script_from, len(self.source) if close < 0 else close + 1, ""))
            self._script_from = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and self._script_from is None:
            start = self._offset()
            cleaned = self.inliner.css(data)
            if cleaned != data:
                self.edits.append((start, start + len(data), cleaned))

    def handle_comment(self, data: str) -> None:
        # Comments are dropped: old browsers read conditional comments as markup, and none of the report lives in one.
        if self._script_from is not None or self._in_style:
            return
        start = self._offset()
        end = self.source.find(_COMMENT_END, start + 4)
        self.edits.append((start, len(self.source) if end < 0 else end + len(_COMMENT_END), ""))

    def rewritten(self) -> str:
        self.feed(self.source)
        self.close()
        if self._script_from is not None:  # a <script> never closed runs to the end of the file
            self.edits.append((self._script_from, len(self.source), ""))
        out, last = [], 0
        for start, end, text in sorted(self.edits):
            if start < last:
                continue  # inside a span already removed
            out.append(self.source[last:start])
            out.append(text)
            last = end
        out.append(self.source[last:])
        return "".join(out)


class _ReferenceLister(HTMLParser):
    """Every script, fetching reference and url() left in a page: the check the written file must pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "script" or tag in EMBEDDING_TAGS:
            self.found.append(f"<{tag}>")
        self._in_style = tag == "style"
        for name, value in attrs:
            lowered = name.lower()
            if lowered.startswith("on") or lowered in DROPPED_ATTRIBUTES:
                self.found.append(f"{name}=")
            elif lowered in URL_ATTRIBUTES and value and not _inline(value):
                self.found.append(f"{name}={value[:80]}")
            elif value and "url(" in value.lower():
                self._check_css(value)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._check_css(data)

    def _check_css(self, text: str) -> None:
        if _CSS_IMPORT.search(text):
            self.found.append("@import")
        for match in _CSS_URL.finditer(text):
            target = next(g for g in match.groups() if g is not None)
            if not _inline(target):
                self.found.append(f"url({target[:80]})")


def _inline(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or value.lower().startswith(SAFE_DATA)


def external_references(html: str) -> list[str]:
    """What in `html` would run or fetch something when opened: empty for an offline page."""
    lister = _ReferenceLister()
    lister.feed(html)
    lister.close()
    return lister.found


def offline_html(html: str, assets: Path) -> str:
    """`html` with bundled assets inlined and every script, external reference and event handler removed."""
    page = _OfflineRewriter(html, AssetInliner(assets)).rewritten()
    left = external_references(page)
    if left:  # fail closed: never write a page that would reach out
        raise RuntimeError(f"offline HTML still references {left[:3]}")
    return page


def write_html(html: str, target: Path, assets: Path) -> Path:
    """Write the offline page to `target` (temp file + rename)."""
    page = offline_html(html, assets)
    try:
        with atomic_path(Path(target)) as tmp:
            tmp.write_bytes(page.encode("utf-8"))
    except OSError as exc:
        raise FixfirstError(f"{target}: cannot write the HTML ({exc.strerror or exc})", "choose a folder you can write to with -o PATH") from None
    return Path(target)
