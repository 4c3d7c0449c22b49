"""The first rows of an .xlsx sheet, read from the start of its XML without parsing the whole sheet.

Finding the header row must not cost a full read of a million-row sheet. Only a bounded prefix of
the sheet part, and of the shared strings up to the highest index those rows use, is decompressed.
Regular expressions, not an XML parser, read it: entity declarations were refused beforehand.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

SHEET_PREFIX_BYTES = 1_000_000
# The workbook part and its relationships list the sheets: a few kilobytes in any real workbook.
INDEX_PREFIX_BYTES = 2_000_000
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+)\d+"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _col_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ch - 64)
    return index - 1


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


def _read_prefix(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    """The first `size` bytes of a part, decompressing no further (KeyError when the package lacks it)."""
    with archive.open(name) as handle:
        return handle.read(size)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part path inside the package, from workbook.xml and its relationships."""
    workbook = _read_prefix(archive, "xl/workbook.xml", INDEX_PREFIX_BYTES)
    rels = _read_prefix(archive, "xl/_rels/workbook.xml.rels", INDEX_PREFIX_BYTES)
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = _text(target).lstrip("/")
        targets[_text(rid)] = target if target.startswith("xl/") else f"xl/{target}"
    parts = {}
    for m in _SHEET.finditer(workbook):
        name, rid = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        if _text(rid) in targets:
            parts[_text(name)] = targets[_text(rid)]
    return parts


def _shared_strings(archive: zipfile.ZipFile, needed: set[int]) -> dict[int, str]:
    """The shared strings at the `needed` indices, decompressing only as far as the highest one.

    Writers may put the header's strings last, so the scan splits bytes (C speed) and decodes only
    the entries asked for.
    """
    if not needed or "xl/sharedStrings.xml" not in archive.namelist():
        return {}
    found: dict[int, str] = {}
    highest, index, rest = max(needed), 0, b""
    with archive.open("xl/sharedStrings.xml") as handle:
        while index <= highest:
            chunk = handle.read(4_000_000)
            pieces = (rest + chunk).split(b"</si>")
            rest = pieces.pop()  # incomplete (or the closing tags when the stream ends)
            for piece in pieces:
                if index in needed:
                    found[index] = "".join(_text(t) for t in _TEXT.findall(piece))
                index += 1
            if not chunk:
                break
    return found


def peek_rows(path: Path, sheet: str, count: int) -> list[tuple[int, list[str | None]]]:
    """Up to `count` rows from the top of `sheet`: (Excel row number, cell texts)."""
    with zipfile.ZipFile(path) as archive:
        part = sheet_parts(archive).get(sheet)
        if part is None:
            return []
        with archive.open(part) as handle:
            data = handle.read(SHEET_PREFIX_BYTES)
        raw_rows = []
        for m in _ROW.finditer(data):
            number = _ROW_NUMBER.search(m.group(1))
            if number is None or m.group(2) is None:
                continue
            cells = {}
            for c in _CELL.finditer(m.group(2)):
                ref = _CELL_REF.search(c.group(1))
                if ref is None or c.group(2) is None:
                    continue
                typed = _CELL_TYPE.search(c.group(1))
                kind = typed.group(1) if typed else b"n"
                if kind == b"inlineStr":
                    cells[_col_index(ref.group(1))] = ("t", "".join(_text(t) for t in _TEXT.findall(c.group(2))))
                else:
                    value = _VALUE.search(c.group(2))
                    if value is not None:
                        cells[_col_index(ref.group(1))] = ("s" if kind == b"s" else "t", _text(value.group(1)))
            raw_rows.append((int(number.group(1)), cells))
            if len(raw_rows) == count:
                break
        needed = {int(v) for _, cells in raw_rows for k, v in cells.values() if k == "s" and v.isdigit()}
        strings = _shared_strings(archive, needed)
    rows = []
    for row_number, cells in raw_rows:
        width = max(cells, default=-1) + 1
        values: list[str | None] = [None] * width
        for i, (k, v) in cells.items():
            values[i] = strings.get(int(v)) if k == "s" and v.isdigit() else v
        rows.append((row_number, values))
    return rows
