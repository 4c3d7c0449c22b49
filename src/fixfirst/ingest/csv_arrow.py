"""The fast CSV path: pyarrow's multi-threaded reader, used whenever it keeps row numbers true."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .values import EXCEL_ERRORS, MISSING_WORDS

# Cells that mean "no value", spelt as exports spell them (pyarrow matches null markers exactly).
NULL_MARKERS = sorted({v for w in MISSING_WORDS for v in (w, w.upper(), w.title())} | EXCEL_ERRORS)


def read_csv_arrow(path: Path, *, encoding: str, delimiter: str, skip_rows: int, header: list[str],
                   text_as: dict[str, str], quoted_newlines: bool) -> pd.DataFrame:
    """Read with pyarrow. `text_as` says how to keep named columns: "text" as written (an id keeps its
    leading zeros), "category" dictionary-encoded (steps, devices, statuses: cleaning them then touches each
    distinct value once). Every other column gets pyarrow's type inference (timestamps, numbers, text).

    Null markers ('', 'n/a', '#N/A'...) become missing while reading. Raises pyarrow.ArrowInvalid (a
    ValueError) when the file is malformed or a column's type changes between blocks.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    read = pv.ReadOptions(skip_rows=skip_rows, encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                          block_size=16 << 20)
    # Blank lines are kept as empty rows (dropped later with their numbers), so no later row shifts.
    parse = pv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted_newlines, ignore_empty_lines=False)
    types = {"text": pa.string(), "category": pa.dictionary(pa.int32(), pa.string())}
    convert = pv.ConvertOptions(
        column_types={name: types[how] for name, how in text_as.items() if name in header},
        null_values=NULL_MARKERS, strings_can_be_null=True, quoted_strings_can_be_null=True,
    )
    table = pv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    return arrow_to_pandas(table, lambda t: pd.StringDtype("pyarrow") if pa.types.is_string(t) or pa.types.is_large_string(t) else None)


def arrow_to_pandas(table, types_mapper=None) -> pd.DataFrame:
    """An Arrow table (from the CSV reader, or a workbook's sheet) as the frame of raw cells, giving up its memory
    as it goes: one block per column (no copy into 2-D blocks), times in nanoseconds when they fit
    (`fits_nanoseconds`). Every new array costs its first touch of memory, a large share of ingest on big files."""
    return table.to_pandas(split_blocks=True, self_destruct=True, coerce_temporal_nanoseconds=fits_nanoseconds(table),
                           types_mapper=types_mapper)


_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def fits_nanoseconds(table) -> bool:
    """Whether every timestamp column holds only times that nanoseconds can hold (1677-2262).

    Then they are converted to nanoseconds while the frame is built, the unit the rest of fixfirst uses, instead
    of arriving in seconds and being converted again (one pass and one array fewer over millions of rows). A time
    outside that range would make the conversion fail: such a file keeps its unit and the datetime parser blanks it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in table.columns:
        if not pa.types.is_timestamp(column.type) or column.null_count == len(column):
            continue
        extremes = pc.min_max(column)
        if max(abs(extremes["min"].value), abs(extremes["max"].value)) * _PER_UNIT[column.type.unit] >= 2**63:
            return False
    return True
