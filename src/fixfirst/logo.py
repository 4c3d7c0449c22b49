"""The client's logo: checked to be a real, small PNG, JPEG or SVG, and inlined as a data URI."""

from __future__ import annotations

import base64
from pathlib import Path

from .errors import FixfirstError

LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 2 * 1024 * 1024


def logo_data_uri(path: Path) -> str:
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
