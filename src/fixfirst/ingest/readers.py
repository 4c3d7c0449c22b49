"""Read a spreadsheet or delimited text file into raw cells: the right sheet, the header row, true row numbers."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Ingest
from .csv_arrow import arrow_to_pandas, read_csv_arrow
from .guards import ENCRYPTION_STREAM, EXCEL_SUFFIXES, OLE_MAGIC, check_file, refuse
from .layout import PEEK_ROWS, combine_header_rows, find_header, is_index_column, looks_like_answer_row
from .xlsx_peek import peek_rows

__all__ = ["ENCRYPTION_STREAM", "OLE_MAGIC", "RawTable", "check_file", "detect_encoding", "read_table", "sniff_delimiter"]


@dataclass
class RawTable:
    """Cells as read, before mapping or typing; `rows[i]` is the row the user sees for frame row i."""

    frame: pd.DataFrame
    file: Path
    sheet: str | None
    rows: np.ndarray
    header_row: int = 1  # the (last) header row as the user sees it
    header_rows: int = 1
    dropped_index_column: bool = False
    normalised: bool = False  # null markers already turned into missing values by the reader

    def row_number(self, position: int) -> int:
        return int(self.rows[position])


def read_table(path: Path, limits: Ingest, sheet: str | None = None, header_row: int | None = None,
               delimiter: str | None = None, encoding: str | None = None, *, header_rows: int | None = None,
               recognise: set[str] | None = None, text_as: Callable[[list[str]], dict[str, str]] | None = None) -> RawTable:
    """Read one table of raw cells.

    `header_row` is 1-based as the user sees it; without it, the row among the first few that names
    the most fields in `recognise` is the header (title rows above it are skipped). `header_rows` 2 reads
    a question row over an answer row; without it, a SurveyMonkey-style answer row is recognised.
    Without `sheet`, the sheet whose header names the most known fields is used. `text_as` says, from a text
    file's header, which columns the fast reader keeps as exact "text" (ids) or as "category"; it types the rest.
    A workbook's cells are typed already: there it only names the "category" columns read as categoricals.
    """
    path = Path(path)
    check_file(path, limits)
    recognise = recognise or set()
    if path.suffix.lower() in EXCEL_SUFFIXES:
        table = _read_excel(path, sheet, header_row, header_rows, recognise, limits, text_as)
    else:
        table = _read_text(path, header_row, header_rows, recognise, limits, delimiter, encoding, text_as)
    table.frame, table.rows = _drop_empty(table.frame, table.rows)
    frame = table.frame
    if frame.shape[1] > 1 and frame.columns[0].startswith("(unnamed column") and is_index_column(frame.iloc[:, 0]):
        table.frame = frame.iloc[:, 1:]
        table.dropped_index_column = True
    if len(table.frame) > limits.max_rows:
        raise refuse(path, f"more than {limits.max_rows:,} data rows", "filter the export to the audit period, or raise settings.ingest.max_rows")
    return table


def _locate(peek: list[tuple[int, list]], header_row: int | None, header_rows: int | None,
            recognise: set[str]) -> tuple[int, int, list[str] | None]:
    """(header row as the user sees it, number of header rows, combined names for a two-row header)."""
    if not peek:
        return header_row or 1, header_rows or 1, None
    numbers = [n for n, _ in peek]
    if header_row is None:
        at = find_header([cells for _, cells in peek], recognise).index if recognise else 0
        top = numbers[at]
    else:
        at = next((i for i, n in enumerate(numbers) if n >= header_row), len(peek) - 1)
        top = header_row
    following = peek[at + 1][1] if at + 1 < len(peek) else []
    rows = header_rows or (2 if looks_like_answer_row(following) else 1)
    names = combine_header_rows(peek[at][1], following) if rows == 2 else None
    return top, rows, names


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+(\d+)')
_FIRST_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d+)"')
_SHEET_PART = re.compile(r"xl/worksheets/sheet(\d+)\.xml")


def first_used_row(path: Path, sheet_index: int) -> int:
    """The Excel row where a .xlsx sheet's used range starts (calamine drops the empty rows above it).

    Reads only the start of the sheet's XML with a bounded regex: no XML parser touches the file.
    """
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return 1
    try:
        with zipfile.ZipFile(path) as archive:
            numbered = [(int(m.group(1)), n) for n in archive.namelist() if (m := _SHEET_PART.fullmatch(n))]
            sheets = [n for _, n in sorted(numbered)]
            if sheet_index >= len(sheets):
                return 1
            with archive.open(sheets[sheet_index]) as handle:
                head = handle.read(64_000)
    except (zipfile.BadZipFile, OSError, KeyError):
        return 1
    match = _DIMENSION.search(head) or _FIRST_ROW.search(head)
    return int(match.group(1)) if match else 1


def _peek_excel(path: Path, reader, name: str) -> list[tuple[int, list]]:
    """The first rows of a sheet with their Excel row numbers."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            return peek_rows(path, name, PEEK_ROWS)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            return []
    # .xls, .xlsb and .ods: calamine reads the sheet whole; these files are small in practice.
    try:
        frame = reader.load_sheet(name, header_row=None, n_rows=PEEK_ROWS, dtypes="string").to_pandas()
    except Exception:  # calamine raises several unrelated types; the full read below reports the cause
        return []
    return [(i + 1, [None if pd.isna(v) else str(v) for v in row]) for i, row in enumerate(frame.itertuples(index=False))]


def _read_excel(path: Path, sheet: str | None, header_row: int | None, header_rows: int | None,
                recognise: set[str], limits: Ingest, text_as: Callable[[list[str]], dict[str, str]] | None = None) -> RawTable:
    import fastexcel
    import pyarrow as pa

    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise refuse(path, f"cannot be read as a workbook ({_one_line(exc)})", "re-save it in Excel as .xlsx") from None
    if not names:
        raise refuse(path, "workbook has no sheets", "export the data again")
    if sheet is not None and sheet not in names:
        raise refuse(path, f"no sheet named {sheet!r} (sheets: {', '.join(names)})", "correct `sheet:` in audit.yaml")
    peeks: dict[str, list] = {}
    if sheet is None and len(names) > 1 and recognise:
        peeks = {n: _peek_excel(path, reader, n) for n in names}
        # The sheet whose header names the most fields; the first sheet on a tie.
        sheet = max(names, key=lambda n: (find_header([c for _, c in peeks[n]], recognise).score, -names.index(n)))
    name = sheet if sheet is not None else names[0]
    needs_peek = header_row is None or header_rows is None or header_rows > 1
    peek = peeks.get(name) or (_peek_excel(path, reader, name) if needs_peek else [])
    top, rows_in_header, combined = _locate(peek, header_row, header_rows, recognise)
    first_row = first_used_row(path, names.index(name))
    last_header = max(top + rows_in_header - 1, first_row)
    try:
        # Type each column from all its rows: a stray "£42.50" deep in a numeric column must
        # surface as a problem, not silently become a blank. fastexcel counts rows from the used range.
        # Eager: the sheet comes back as one Arrow record batch, not the lazy sheet whose to_pandas() converts
        # it again (about a tenth of the read on a full-height sheet).
        loaded = reader.load_sheet(name, header_row=last_header - first_row, schema_sample_rows=None,
                                   n_rows=limits.max_rows + 1, whitespace_as_null=True, skip_whitespace_tail_rows=True,
                                   eager=True)
        table = _as_categories(pa.Table.from_batches([loaded]), text_as)
        del loaded  # the table's buffers are then freed column by column as they are converted
        frame = arrow_to_pandas(table)
    except Exception as exc:
        raise refuse(path, f"sheet {name!r} cannot be read ({_one_line(exc)})", "check the header row, or re-save the workbook") from None
    frame.columns = _clean_headers(_with_combined(list(frame.columns), combined))
    return RawTable(frame, path, name, _row_numbers(len(frame), last_header), last_header, rows_in_header)


def _as_categories(table, text_as: Callable[[list[str]], dict[str, str]] | None):
    """The sheet's text columns that `text_as` names as "category" dictionary-encoded, as the CSV reader keeps them:
    a status or channel column is then one small code per cell, cleaned once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    plan = text_as(list(table.column_names)) if text_as else {}
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if plan.get(name) == "category" and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            table = table.set_column(i, table.field(i).with_type(pa.dictionary(pa.int32(), column.type)), pc.dictionary_encode(column))
    return table


def _row_numbers(rows: int, last_header: int) -> np.ndarray:
    """The row numbers the user sees for `rows` data rows under the header, made in one pass (no temporary array)."""
    return np.arange(last_header + 1, last_header + 1 + rows)


def _with_combined(columns: list, combined: list[str] | None) -> list:
    if not combined:
        return columns
    return [combined[i] if i < len(combined) and combined[i] else c for i, c in enumerate(columns)]


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
        # Title lines above the header hold no delimiter: count over every sampled line.
        return max(",;\t|", key=text.count) if text else ","


def _read_text(path: Path, header_row: int | None, header_rows: int | None, recognise: set[str], limits: Ingest,
               delimiter: str | None, encoding: str | None, text_as: Callable[[list[str]], dict[str, str]] | None) -> RawTable:
    sample_size = 256_000
    with open(path, "rb") as handle:
        sample = handle.read(sample_size)
    if b"\x00" in sample[:4096] and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(path, "not a text file (binary content)", "export the data as .csv or .xlsx")
    encoding = encoding or detect_encoding(sample, complete=len(sample) < sample_size)
    lines = sample.decode(encoding, errors="replace").splitlines()
    if len(sample) == sample_size:
        lines = lines[:-1]  # the sample may end mid-line
    delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else sniff_delimiter("\n".join(lines[:60])))
    try:
        records = list(csv.reader(lines[: PEEK_ROWS * 2], delimiter=delimiter))[:PEEK_ROWS]
    except csv.Error:
        records = []
    peek = [(i + 1, [c if c.strip() else None for c in cells]) for i, cells in enumerate(records)]
    top, rows_in_header, combined = _locate(peek, header_row, header_rows, recognise)
    last_header = top + rows_in_header - 1
    frame = None
    quoted_newlines = b'"' in sample
    if 0 < last_header <= len(records):
        header = records[last_header - 1]
        plan = text_as(header) if text_as else {}
        everything_text = {name: plan.get(name, "text") for name in header}
        for attempt in (plan, everything_text):  # a column whose type changes between blocks: read all as text
            try:
                frame = read_csv_arrow(path, encoding=encoding, delimiter=delimiter, skip_rows=last_header - 1, header=header,
                                       text_as=attempt, quoted_newlines=quoted_newlines)
                break
            except (ValueError, OSError, UnicodeDecodeError) as exc:  # pyarrow.ArrowInvalid is a ValueError
                frame = None
                if "columns, got" in str(exc):
                    break  # a ragged row: not a typing question; the careful reader reports it
    if frame is not None:
        frame.columns = _clean_headers(_with_combined(list(frame.columns), combined))
        return RawTable(frame, path, None, _row_numbers(len(frame), last_header), last_header, rows_in_header, normalised=True)
    # The careful reader: blank lines inside the data, or a file pyarrow cannot parse (its error is reported here).
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False, na_values=[],
                            skiprows=last_header - 1, nrows=limits.max_rows + 1, skip_blank_lines=False, on_bad_lines="error")
    except pd.errors.EmptyDataError:
        raise refuse(path, "file is empty", "export the data again") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise refuse(path, f"cannot be read as {delimiter!r}-separated text ({_one_line(exc)})", "check the delimiter and quoting, or set `delimiter:` in audit.yaml") from None
    frame.columns = _clean_headers(_with_combined(list(frame.columns), combined))
    return RawTable(frame.replace({"": None}), path, None, _row_numbers(len(frame), last_header), last_header, rows_in_header)


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
    if frame.shape[1] and not all(frame.iloc[:, i].hasnans for i in range(frame.shape[1])):
        return frame, rows  # a column without gaps: no row can be empty
    filled = frame.notna().any(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), dtype=bool)
    return frame[filled].reset_index(drop=True), rows[filled]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]
