"""Read a spreadsheet or delimited text file into raw cells, refusing hostile or broken files."""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FixfirstError
from ..settings import Ingest

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


@dataclass
class RawTable:
    """Cells as read, before mapping or typing; `rows[i]` is the row the user sees for frame row i."""

    frame: pd.DataFrame
    file: Path
    sheet: str | None
    rows: np.ndarray

    def row_number(self, position: int) -> int:
        return int(self.rows[position])


def _refuse(path: Path, reason: str, fix: str) -> FixfirstError:
    return FixfirstError(f"{path}: {reason}", fix)


def check_file(path: Path, limits: Ingest) -> None:
    """Refuse what must not be parsed: missing, oversized, encrypted, corrupt or bomb-like files."""
    if not path.is_file():
        raise _refuse(path, "file not found", "put the client's export there, or correct `file:` in audit.yaml")
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise _refuse(path, f"file is {size_mb:,.0f} MB, above the {limits.max_file_mb:,.0f} MB limit", "split the export, or raise settings.ingest.max_file_mb")
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | TEXT_SUFFIXES:
        raise _refuse(path, f"unsupported file type {suffix or '(none)'}", "export the data as .xlsx or .csv")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if suffix in {".xlsx", ".xlsm", ".xlsb", ".ods"}:
        if head.startswith(OLE_MAGIC):
            if ENCRYPTION_STREAM in path.read_bytes()[:1_000_000]:
                raise _refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy, or save it without a password")
            raise _refuse(path, "not an .xlsx workbook (an old binary .xls under a new name?)", "open it in Excel and save as .xlsx")
        if not head.startswith(ZIP_MAGIC):
            raise _refuse(path, "not a spreadsheet (the file is not a zip-based workbook)", "export the data as .xlsx or .csv")
        _check_zip(path, limits)
    elif suffix == ".xls" and head.startswith(OLE_MAGIC) and ENCRYPTION_STREAM in path.read_bytes()[:1_000_000]:
        raise _refuse(path, "workbook is password-protected (encrypted)", "ask the client for an unprotected copy")


def _check_zip(path: Path, limits: Ingest) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _refuse(path, "workbook is corrupt or truncated (its zip structure cannot be read)", "ask for the file again, or re-save it in Excel") from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > limits.max_uncompressed_mb * 1e6:
        raise _refuse(path, f"workbook unpacks to {unpacked / 1e6:,.0f} MB, above the {limits.max_uncompressed_mb:,.0f} MB limit", "split the export, or raise settings.ingest.max_uncompressed_mb")
    if unpacked > 10e6 and unpacked / packed > limits.max_compression_ratio:
        raise _refuse(path, f"workbook is compressed {unpacked / packed:,.0f}:1, a sign of a decompression bomb", "re-export the data; raise settings.ingest.max_compression_ratio only if you trust the file")


def read_table(path: Path, limits: Ingest, sheet: str | None = None, header_row: int | None = None,
               delimiter: str | None = None, encoding: str | None = None) -> RawTable:
    """Read one table of raw cells. `header_row` is 1-based as the user sees it."""
    path = Path(path)
    check_file(path, limits)
    wanted_header = header_row or 1
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, sheet_name, first_row = _read_excel(path, sheet, wanted_header, limits)
    else:
        frame, sheet_name, first_row = _read_text(path, wanted_header - 1, limits, delimiter, encoding), None, 1
    header_at = max(wanted_header, first_row)
    frame, rows = _drop_empty(frame, np.arange(len(frame)) + header_at + 1)
    if len(frame) > limits.max_rows:
        raise _refuse(path, f"more than {limits.max_rows:,} data rows", "filter the export to the audit period, or raise settings.ingest.max_rows")
    return RawTable(frame=frame, file=path, sheet=sheet_name, rows=rows)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+(\d+)')
_FIRST_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d+)"')


def first_used_row(path: Path, sheet_index: int) -> int:
    """The Excel row where a .xlsx sheet's used range starts (calamine drops the empty rows above it).

    Reads only the start of the sheet's XML with a bounded regex: no XML parser touches the file.
    """
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return 1
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = sorted((n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                            key=lambda n: int(re.search(r"(\d+)", n.rsplit("/", 1)[1]).group(1)))
            if sheet_index >= len(sheets):
                return 1
            with archive.open(sheets[sheet_index]) as handle:
                head = handle.read(64_000)
    except (zipfile.BadZipFile, OSError, KeyError):
        return 1
    match = _DIMENSION.search(head) or _FIRST_ROW.search(head)
    return int(match.group(1)) if match else 1


def _read_excel(path: Path, sheet: str | None, header_row: int, limits: Ingest) -> tuple[pd.DataFrame, str, int]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise _refuse(path, f"cannot be read as a workbook ({_one_line(exc)})", "re-save it in Excel as .xlsx") from None
    if not names:
        raise _refuse(path, "workbook has no sheets", "export the data again")
    if sheet is not None and sheet not in names:
        raise _refuse(path, f"no sheet named {sheet!r} (sheets: {', '.join(names)})", "correct `sheet:` in audit.yaml")
    name = sheet if sheet is not None else names[0]
    first_row = first_used_row(path, names.index(name))
    header = max(0, header_row - first_row)  # fastexcel counts rows from the start of the used range
    try:
        # Type each column from all its rows: a stray "£42.50" deep in a numeric column must
        # surface as a problem, not silently become a blank.
        loaded = reader.load_sheet(name, header_row=header, schema_sample_rows=None, n_rows=limits.max_rows + 1,
                                   whitespace_as_null=True, skip_whitespace_tail_rows=True)
        frame = loaded.to_pandas()
    except Exception as exc:
        raise _refuse(path, f"sheet {name!r} cannot be read ({_one_line(exc)})", "check the header row, or re-save the workbook") from None
    frame.columns = _clean_headers(frame.columns)
    return frame, name, first_row


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """UTF-8 (with or without BOM) when it decodes, else Windows-1252, else Latin-1.

    `complete` says the sample is the whole file; otherwise a multi-byte character cut at the
    sample's end is not held against UTF-8.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and not complete and exc.start > len(sample) - 4:
                return encoding
    return "latin-1"


def sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(",;\t|", key=first.count) if first else ","


def _read_text(path: Path, header: int, limits: Ingest, delimiter: str | None, encoding: str | None) -> pd.DataFrame:
    sample_size = 256_000
    with open(path, "rb") as handle:
        sample = handle.read(sample_size)
    if b"\x00" in sample[:4096] and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(path, "not a text file (binary content)", "export the data as .csv or .xlsx")
    encoding = encoding or detect_encoding(sample, complete=len(sample) < sample_size)
    text_sample = sample.decode(encoding, errors="replace")
    delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else sniff_delimiter("\n".join(text_sample.splitlines()[header:header + 50])))
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False, na_values=[],
                            skiprows=header, nrows=limits.max_rows + 1, skip_blank_lines=False, on_bad_lines="error")
    except pd.errors.EmptyDataError:
        raise _refuse(path, "file is empty", "export the data again") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise _refuse(path, f"cannot be read as {delimiter!r}-separated text ({_one_line(exc)})", "check the delimiter and quoting, or set `delimiter:` in audit.yaml") from None
    frame.columns = _clean_headers(frame.columns)
    return frame.replace({"": None})


UNNAMED = "(unnamed column {})"


def _clean_headers(names) -> list[str]:
    """Headers with runs of white space folded; blank ones get a unique name that matches no field."""
    out = []
    for i, name in enumerate(names):
        text = " ".join(str(name).split())
        out.append(UNNAMED.format(i + 1) if not text or text.startswith(("__UNNAMED__", "Unnamed: ")) else text)
    return out


def _drop_empty(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop unnamed columns and rows that hold nothing (blank lines, formatted empty cells), keeping row numbers."""
    empty_cols = [i for i, c in enumerate(frame.columns) if c.startswith("(unnamed column") and frame.iloc[:, i].isna().all()]
    frame = frame.drop(columns=[frame.columns[i] for i in empty_cols])
    filled = frame.notna().any(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), dtype=bool)
    return frame[filled].reset_index(drop=True), rows[filled]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]
