"""Text read by pyarrow or fastexcel is cleaned by Arrow kernels: the same results as any other text, and the readers' frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fixfirst.ingest import values as V
from fixfirst.ingest.readers import read_table
from fixfirst.config.settings import Ingest

AWKWARD = ["a", " b ", "", "  ", None, "n/a", "N/A", " NaN ", "none", "NULL", "Null", "-", "--", "#N/A", "#n/a", "#DIV/0!",
           "Yes", " no ", "TRUE", "0", "1.0", "x", "Ja", "não", "maybe", "Dissatisfied", "İ", "straße", "\u00a0pad\u00a0",
           "\tTab", "nat", "NaT", "na", "nA", "1001", "00123"]


@pytest.mark.parametrize("dtype", ["str", "string"])
@pytest.mark.parametrize("parse", [V.blank_mask, V.parse_text, V.parse_id, V.parse_bool], ids=lambda f: f.__name__)
def test_arrow_text_is_cleaned_exactly_as_python_text(dtype, parse):
    cells = AWKWARD + list(np.random.default_rng(3).choice(np.array(AWKWARD, dtype=object), 500))
    arrow, python = pd.Series(cells, dtype=dtype), pd.Series(cells, dtype=object)
    assert isinstance(arrow.array, pd.arrays.ArrowStringArray)
    ours, reference = parse(arrow), parse(python)
    for got, expected in zip(ours if isinstance(ours, tuple) else (ours,), reference if isinstance(reference, tuple) else (reference,)):
        pd.testing.assert_series_equal(got, expected)


def test_blank_words_in_arrow_text():
    raw = pd.Series(["n/a", " N/A ", "None", "#N/A", "#n/a", "ok", None, " "], dtype="str")
    assert V.blank_mask(raw).tolist() == [True, True, True, True, False, False, True, True]
    values, bad = V.parse_text(raw)
    assert values.tolist() == [pd.NA, pd.NA, pd.NA, pd.NA, "#n/a", "ok", pd.NA, pd.NA] and not bad.any()
    flags, unreadable = V.parse_bool(pd.Series([" Yes", "no", "n/a", "maybe", None], dtype="str"))
    assert flags.tolist() == [True, False, pd.NA, pd.NA, pd.NA] and unreadable.tolist() == [False, False, False, True, False]


def test_every_spelling_of_a_missing_word():
    assert V._every_case("n/a") == {"n/a", "N/a", "n/A", "N/A"}
    assert len(V._every_case("none")) == 16


def test_csv_times_arrive_in_nanoseconds_unless_they_cannot(tmp_path):
    plain = tmp_path / "events.csv"
    plain.write_text("case_id,timestamp\nA,2024-03-01 10:00:00\nB,2024-03-02 11:30:00\n")
    frame = read_table(plain, Ingest()).frame
    assert frame["timestamp"].dtype == "datetime64[ns]"
    assert frame["timestamp"].tolist() == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-03-02 11:30")]
    far = tmp_path / "far.csv"
    far.write_text("case_id,timestamp\nA,2024-03-01 10:00:00\nB,3024-03-02 11:30:00\n")
    raw = read_table(far, Ingest()).frame["timestamp"]
    assert raw.dtype == "datetime64[s]"  # nanoseconds cannot hold the year 3024: kept as read
    values, bad = V.parse_datetime(raw)
    assert values.dtype == "datetime64[ns]" and values.isna().tolist() == [False, True] and not bad.any()


def test_a_workbooks_category_columns_are_read_as_categories(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Order ID", "Status", "Ordered At"])
    for i, status in enumerate(["Delivered", "Returned", None, "Delivered", " Delivered "]):
        sheet.append([f"A{i}", status, dt.datetime(2024, 3, 1 + i, 9)])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)
    frame = read_table(path, Ingest(), text_as=lambda header: {"Status": "category", "Order ID": "text"}).frame
    assert isinstance(frame["Status"].dtype, pd.CategoricalDtype)
    assert frame["Status"].astype(object).where(frame["Status"].notna(), None).tolist() == ["Delivered", "Returned", None, "Delivered", " Delivered "]
    assert frame["Order ID"].dtype == "str" and frame["Ordered At"].dtype == "datetime64[ns]"
    cleaned, _ = V.parse_text(frame["Status"])
    assert cleaned.astype(object).where(cleaned.notna(), None).tolist() == ["Delivered", "Returned", None, "Delivered", "Delivered"]
