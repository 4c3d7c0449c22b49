"""The client's logo: checked to be a real, small PNG, JPEG or clean SVG, and inlined as a data URI."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from xml.parsers import expat

from ..errors import ConfigError

LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 2 * 1024 * 1024
SVG_FIX = "export the logo as PNG (an SVG can carry scripts and links that have no place in a client report)"
# Elements that run code or embed other documents: an SVG logo needs none of them.
REFUSED_ELEMENTS = {"script": "a script (<script>)", "foreignobject": "embedded HTML (<foreignObject>)",
                    "iframe": "an embedded document (<iframe>)", "embed": "an embedded object (<embed>)",
                    "object": "an embedded object (<object>)", "handler": "a script handler (<handler>)",
                    "listener": "an event listener (<listener>)"}
# href values a logo may keep: a fragment of itself, or an inline raster image (not another SVG, which could nest all of this).
ALLOWED_HREF = re.compile(r"\s*(#|data:image/(png|jpeg|jpg|gif|webp)[;,])", re.IGNORECASE)
# CSS that fetches something: @import, or url() of anything but a fragment or inline data.
EXTERNAL_CSS = re.compile(r"@import|url\(\s*['\"]?\s*(?!#|data:)", re.IGNORECASE)


class _UnsafeSvg(Exception):
    """What the SVG holds that a logo may not."""


def logo_data_uri(path: Path) -> str:
    data = _read_small(Path(path))
    mime = next((m for magic, m in LOGO_TYPES.items() if data.startswith(magic)), None)
    if mime is None and Path(path).suffix.lower() == ".svg":
        _check_svg(Path(path), data)
        mime = "image/svg+xml"
    if mime is None:
        raise ConfigError(f"{path}: logo is not a PNG, JPEG or SVG image", "export the logo as PNG")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _read_small(path: Path) -> bytes:
    """The file's bytes, its size checked before reading and never more than the limit read (a sparse file lies)."""
    too_big = ConfigError(f"{path}: logo is larger than {MAX_LOGO_BYTES // (1024 * 1024)} MB", "use a smaller PNG or JPEG")
    if not path.is_file():
        raise ConfigError(f"{path}: logo file not found", "correct client.logo in audit.yaml, or remove it")
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_LOGO_BYTES:
                raise too_big
            data = handle.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the logo ({exc.strerror})", "check the file's permissions") from None
    if len(data) > MAX_LOGO_BYTES:  # grew since it was measured
        raise too_big
    return data


def _check_svg(path: Path, data: bytes) -> None:
    """Refuse an SVG that is not one, or that holds scripts, event attributes, embedded documents, external
    references, a DOCTYPE (entities) or a style sheet processing instruction. Expat streams the file through
    handlers, so a DOCTYPE is refused as it starts, before any entity could be declared or expanded."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root: list[str] = []
    style: list[str] | None = None  # the text of the <style> element being read; expat may hand it over in pieces

    def doctype(*_args) -> None:
        raise _UnsafeSvg("a DOCTYPE (<!DOCTYPE ...>, which can declare entities)")

    def entity(*_args) -> None:
        raise _UnsafeSvg("an entity declaration (<!ENTITY ...>)")

    def instruction(target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise _UnsafeSvg("a style sheet reference (<?xml-stylesheet ...?>)")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal style
        local = name.rsplit(" ", 1)[-1]
        if not root:
            root.append(name)
            if local != "svg":
                raise ConfigError(f"{path}: logo is not an SVG image (it starts with <{local}>, not <svg>)", "export the logo as PNG")
        if local.lower() in REFUSED_ELEMENTS:
            raise _UnsafeSvg(REFUSED_ELEMENTS[local.lower()])
        if local == "style":
            style = []
        for attribute, value in attributes.items():
            attr = attribute.rsplit(" ", 1)[-1].lower()
            if attr.startswith("on"):
                raise _UnsafeSvg(f"an event attribute ({attr}= on <{local}>)")
            if attr == "href" and not ALLOWED_HREF.match(value):
                raise _UnsafeSvg(f"an external reference (href on <{local}>; only #fragments and inline images are allowed)")
            if attr == "attributename" and value.lower().endswith("href"):
                raise _UnsafeSvg(f"an animated link (<{local} attributeName={value[:20]}>)")
            if attr == "style" and EXTERNAL_CSS.search(value):
                raise _UnsafeSvg(f"a style that fetches from elsewhere (@import or url() on <{local}>)")
            if value.strip().lower().startswith("javascript:"):
                raise _UnsafeSvg(f"a javascript: link ({attr}= on <{local}>)")

    def end(_name: str) -> None:
        nonlocal style
        if style is not None and EXTERNAL_CSS.search("".join(style)):
            raise _UnsafeSvg("a style sheet that fetches from elsewhere (@import or url() in <style>)")
        style = None

    def text(chars: str) -> None:
        if style is not None:
            style.append(chars)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _UnsafeSvg as exc:
        raise ConfigError(f"{path}: SVG logo contains {exc}", SVG_FIX) from None
    except expat.ExpatError as exc:
        raise ConfigError(f"{path}: logo is not a readable SVG ({expat.errors.messages.get(exc.code, 'XML error')} "
                          f"at line {exc.lineno})", "export the logo as PNG") from None
    if not root:
        raise ConfigError(f"{path}: logo is not a PNG, JPEG or SVG image", "export the logo as PNG")
