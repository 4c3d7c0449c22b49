"""Refuse what must not be parsed: missing, oversized, encrypted, corrupt, bomb-like or entity-laden files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import FixfirstError
from ..settings import Ingest

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


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
            if ENCRYPTION_STREAM in path.read_bytes()[:1_000_000]:
                raise refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy, or save it without a password")
            raise refuse(path, "not an .xlsx workbook (an old binary .xls under a new name?)", "open it in Excel and save as .xlsx")
        if not head.startswith(ZIP_MAGIC):
            raise refuse(path, "not a spreadsheet (the file is not a zip-based workbook)", "export the data as .xlsx or .csv")
        _check_zip(path, limits)
    elif suffix == ".xls" and head.startswith(OLE_MAGIC) and ENCRYPTION_STREAM in path.read_bytes()[:1_000_000]:
        raise refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy")


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
    _check_entities(path, [i for i in infos if i.filename.endswith((".xml", ".rels"))])


def _check_entities(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    """Office never declares a DOCTYPE or entities; a part that does is an entity-expansion attack or not Office's."""
    with zipfile.ZipFile(path) as archive:
        for info in parts:
            with archive.open(info) as handle:
                head = handle.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise refuse(path, f"workbook part {info.filename} declares XML entities (an entity-expansion attack, or not an Office file)",
                              "re-save the workbook in Excel or LibreOffice, or export it as .csv")
