"""The fast CSV path: pyarrow's multi-threaded reader, used whenever it keeps row numbers true."""

from __future__ import annotations

from pathlib import Path


import pandas as pd

from .values import EXCEL_ERRORS, MISSING_WORDS

# Cells that mean "no value", spelt as exports spell them (pyarrow matches null markers exactly).
NULL_MARKERS = sorted({v for w in MISSING_WORDS for v in (w, w.upper(), w.title())} | EXCEL_ERRORS)


def read_csv_arrow(path: Path, *, encoding: str, delimiter: str, skip_rows: int, header: list[str],
                   exact_text: set[str], quoted_newlines: bool) -> pd.DataFrame:
    """Read with pyarrow. `exact_text` columns stay text as written (an id keeps its leading zeros); the others
    get pyarrow's type inference (timestamps, numbers), and low-cardinality text arrives as categories.

    Null markers ('', 'n/a', '#N/A'...) become missing while reading. Raises pyarrow.ArrowInvalid (a
    ValueError) when the file is malformed or a column mixes types across blocks.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    read = pv.ReadOptions(skip_rows=skip_rows, encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                          block_size=16 << 20)
    # Blank lines are not skipped: pyarrow would number every later row one too early. In a file of
    # several columns a blank line is a column-count error, and the careful reader takes over.
    parse = pv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted_newlines, ignore_empty_lines=False)
    convert = pv.ConvertOptions(
        column_types={name: pa.string() for name in exact_text if name in header},
        null_values=NULL_MARKERS, strings_can_be_null=True, quoted_strings_can_be_null=True,
        # Steps, devices, statuses: few distinct values, read as categories, so cleaning them is nearly free.
        auto_dict_encode=True, auto_dict_max_cardinality=1000,
    )
    table = pv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    return table.to_pandas(split_blocks=True, self_destruct=True,
                           types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_string(t) or pa.types.is_large_string(t) else None)
