"""Refuse what must not be parsed: missing, oversized, encrypted, corrupt, bomb-like or entity-laden files."""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO

from ..config import Ingest
from ..errors import FixfirstError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
# Office writes an XML declaration and at most a comment before the root element; 1 MB of prolog is no workbook's.
MAX_PROLOG_BYTES = 1_000_000
PROLOG_CHUNK = 64 * 1024
# Where entities are declared; any other "<!" (not a comment) in a prolog is malformed, and refused as well.
ENTITY_DECLARATIONS = ("<!DOCTYPE", "<!ENTITY")
# Declared encodings in which "<!DOCTYPE" is not those ASCII bytes (parsers that honour them would see it, this check not).
ASCII_INCOMPATIBLE = re.compile(r"(?i)(utf-?7|utf-?16|utf-?32|ucs-?[24]|.*ebcdic.*|(cp|ibm)-?0*(37|500|875|1026|1047|1140))$")


def refuse(path: Path, reason: str, fix: str) -> FixfirstError:
    return FixfirstError(f"{path}: {reason}", fix)


def check_file(path: Path, limits: Ingest) -> None:
    """Refuse what must not be parsed: missing, oversized, encrypted, corrupt or bomb-like files."""
    if not path.is_file():
        raise refuse(path, "file not found", "put the client's export there, or correct `file:` in audit.yaml")
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise refuse(path, f"file is {size_mb:,.0f} MB, above the {limits.max_file_mb:,.0f} MB limit", "split the export, or raise settings.ingest.max_file_mb")
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | TEXT_SUFFIXES:
        raise refuse(path, f"unsupported file type {suffix or '(none)'}", "export the data as .xlsx or .csv")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if suffix in {".xlsx", ".xlsm", ".xlsb", ".ods"}:
        if head.startswith(OLE_MAGIC):
            if ENCRYPTION_STREAM in _head(path, 1_000_000):
                raise refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy, or save it without a password")
            raise refuse(path, "not an .xlsx workbook (an old binary .xls under a new name?)", "open it in Excel and save as .xlsx")
        if not head.startswith(ZIP_MAGIC):
            raise refuse(path, "not a spreadsheet (the file is not a zip-based workbook)", "export the data as .xlsx or .csv")
        _check_zip(path, limits)
    elif suffix == ".xls" and head.startswith(OLE_MAGIC) and ENCRYPTION_STREAM in _head(path, 1_000_000):
        raise refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy")


def _head(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _check_zip(path: Path, limits: Ingest) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise refuse(path, "workbook is corrupt or truncated (its zip structure cannot be read)", "ask for the file again, or re-save it in Excel") from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > limits.max_uncompressed_mb * 1e6:
        raise refuse(path, f"workbook unpacks to {unpacked / 1e6:,.0f} MB, above the {limits.max_uncompressed_mb:,.0f} MB limit", "split the export, or raise settings.ingest.max_uncompressed_mb")
    if unpacked > 10e6 and unpacked / packed > limits.max_compression_ratio:
        raise refuse(path, f"workbook is compressed {unpacked / packed:,.0f}:1, a sign of a decompression bomb", "re-export the data; raise settings.ingest.max_compression_ratio only if you trust the file")
    _check_entities(path, [i for i in infos if not i.is_dir()])


def _check_entities(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    """Office never declares a DOCTYPE or entities; a part that does is an entity-expansion attack or not Office's.

    Every part is looked at, whatever its name (a relationship may point a sheet at any file name), and the whole
    prolog of each XML part is read, however much padding comes first: entities can only be declared there."""
    with zipfile.ZipFile(path) as archive:
        for info in parts:
            try:
                with archive.open(info) as handle:
                    problem = prolog_problem(handle)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, OSError, EOFError):
                # zip-level encryption, an unknown compression method, a damaged stream: no reader gets further
                problem = "cannot be unpacked (encrypted inside the zip, or damaged)"
            if problem:
                raise refuse(path, f"workbook part {info.filename} {problem}", "re-save the workbook in Excel or LibreOffice, or export it as .csv")


def prolog_problem(handle: IO[bytes]) -> str | None:
    """What is wrong with the prolog of one package part (everything before its root element's start tag), or None.

    Reads in chunks up to MAX_PROLOG_BYTES; a part that is not XML (an image) is left alone, as no XML parser reads it."""
    head = handle.read(PROLOG_CHUNK)
    encoding, skip = _sniff_encoding(head)
    if encoding is None:
        return "is in an encoding Office never writes (UTF-7, UTF-32 or EBCDIC), which would hide a DOCTYPE from this check"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text, read, pos = decoder.decode(head[skip:]), len(head), 0
    while True:
        outcome, pos = _scan_prolog(text, pos)
        if outcome in ("root", "not xml"):
            return None
        if outcome in ENTITY_DECLARATIONS:
            return f"declares XML entities ({outcome} before its first element: an entity-expansion attack, or not an Office file)"
        if outcome == "<!":
            return "has a declaration (<!...) before its first element, which Office never writes"
        # "more": the prolog goes on past what was read
        if read >= MAX_PROLOG_BYTES:
            return (f"has more than {MAX_PROLOG_BYTES // 1_000_000} MB of comments and declarations before its first element "
                    "(Office writes a line or two; not an Office file)")
        chunk = handle.read(min(PROLOG_CHUNK, MAX_PROLOG_BYTES - read))
        if not chunk:
            return None  # ends inside the prolog: no element at all, an XML parser reports it as broken
        read += len(chunk)
        text = text[pos:] + decoder.decode(chunk)
        pos = 0


def _sniff_encoding(head: bytes) -> tuple[str | None, int]:
    """The encoding to scan the part in (XML 1.0 appendix F) and the length of its byte order mark."""
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x4c\x6f\xa7\x94")):
        return None, 0  # UTF-32 and EBCDIC: expat refuses them, other parsers may not
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the utf-16 decoder reads the BOM itself
    if head.startswith(b"<\x00"):
        return "utf-16-le", 0
    if head.startswith(b"\x00<"):
        return "utf-16-be", 0
    match = re.match(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", head)
    if match and ASCII_INCOMPATIBLE.match(match.group(1).decode("ascii")):
        return None, 0  # declared in an encoding where "<!DOCTYPE" may not be these bytes (UTF-7, EBCDIC)
    return "utf-8", 0  # any ASCII-compatible encoding: the markup is ASCII, the rest is replaced and ignored


def _scan_prolog(text: str, pos: int) -> tuple[str, int]:
    """Walk the prolog from `pos`: ("root" | "not xml" | "<!DOCTYPE" | "<!ENTITY" | "<!" | "more", where to resume)."""
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n":
            pos += 1
        if pos >= length or (text[pos] == "<" and pos + 1 >= length):
            return "more", pos
        if text[pos] != "<":
            return "not xml", pos
        if text.startswith("<?", pos):
            end, closing = text.find("?>", pos + 2), 2
        elif text.startswith("<!--", pos):
            end, closing = text.find("-->", pos + 4), 3
        elif text[pos + 1] == "!":
            if length - pos < 9:
                return "more", pos
            declaration = text[pos:pos + 9].upper()
            return next((d for d in ENTITY_DECLARATIONS if declaration.startswith(d)), "<!"), pos
        else:
            return "root", pos
        if end < 0:
            return "more", pos
        pos = end + closing


