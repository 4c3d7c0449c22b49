"""A DataFrame given in memory as the raw cells a file would give: mapped, typed and validated by `load_source` alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Ingest
from .guards import refuse
from .layout import is_index_column
from .readers import RawTable, _clean_headers, _drop_empty

# Row numbers of a DataFrame's problems are those of the same frame written with `to_csv(index=False)`: the header is
# row 1, so the frame's position p (`df.iloc[p]`) is row p + 2 (docs/python-api.md, In-memory engagements).
FIRST_DATA_ROW = 2


def as_data_frame(value: Any) -> pd.DataFrame | None:
    """`value` as a pandas DataFrame: itself, or what its `to_pandas()` gives (a polars DataFrame, a pyarrow Table);
    None when it is neither."""
    if isinstance(value, pd.DataFrame):
        return value
    to_pandas = getattr(value, "to_pandas", None)
    if callable(to_pandas):
        converted = to_pandas()
        if isinstance(converted, pd.DataFrame):
            return converted
    return None


def frame_table(frame: pd.DataFrame, label: str, limits: Ingest) -> RawTable:
    """The frame's cells as `read_table` returns a file's: headers cleaned, empty rows and columns dropped, a leading
    row counter dropped, the row limit applied. A named index (`set_index("order_id")`) is a column like any other;
    an unnamed one is only the frame's positions. The caller's frame is never changed."""
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    cells = frame.set_axis(_clean_headers([_header(c) for c in frame.columns]), axis=1)
    # An empty text cell is a blank, as the file readers make it: a row of blanks is then dropped like a blank line.
    for position in range(cells.shape[1]):
        column = cells.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            filled = (column.astype("string").str.strip() != "").fillna(True).astype(bool)
            if not filled.all():
                cells.isetitem(position, column.where(filled, None))
    rows = np.arange(len(cells)) + FIRST_DATA_ROW
    cells, rows = _drop_empty(cells, rows)
    dropped_index = False
    if cells.shape[1] > 1 and cells.columns[0].startswith("(unnamed column") and is_index_column(cells.iloc[:, 0]):
        cells, dropped_index = cells.iloc[:, 1:], True
    if len(cells) > limits.max_rows:
        raise refuse(Path(label), f"more than {limits.max_rows:,} data rows",
                     "filter the frame to the audit period, or raise settings.ingest.max_rows")
    return RawTable(cells, Path(label), None, rows, header_row=1, header_rows=1, dropped_index_column=dropped_index)


def _header(name: Any) -> str:
    """A column label as a header: a MultiIndex's levels joined (pandas' unnamed levels left out)."""
    if isinstance(name, tuple):
        return " ".join(str(part) for part in name if str(part).strip() and not str(part).startswith("Unnamed: "))
    return "" if name is None else str(name)
