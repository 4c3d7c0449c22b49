"""Ingest: reading, decoding, mapping, typing, validating and refusing client exports built in tmp_path."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from fixfirst.engagement import SourceSpec
from fixfirst.errors import FixfirstError, Problem, Severity
from fixfirst.ingest import load_source
from fixfirst.ingest import values as V
from fixfirst.ingest.readers import (
    ENCRYPTION_STREAM,
    OLE_MAGIC,
    check_file,
    detect_encoding,
    read_table,
    sniff_delimiter,
)
from fixfirst.settings import Ingest

LIMITS = Ingest()


# ---------------------------------------------------------------- helpers


def write_text(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], title: str = "Data") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def load(kind: str, path: Path, *, limits: Ingest = LIMITS, rating_headers: list[str] | None = None, **spec):
    source = SourceSpec(kind=kind, file=path.name, **spec)
    return load_source(source, path, limits, rating_headers or [])


def of_code(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


# ---------------------------------------------------------------- encodings and delimiters

CAFE_ROWS = [
    "order_id;ordered_at;item;value",
    "A1;2024-01-02 09:15;Café crème;£12,50",
    "A2;2024-01-03 10:00;Crème brûlée;£3,20",
    "A3;2024-01-04 11:30;Tea;4",
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_accents_and_pound_decode_in_every_common_encoding(tmp_path, encoding):
    path = write_text(tmp_path / "orders.csv", CAFE_ROWS, encoding=encoding, newline="\r\n")
    raw = read_table(path, LIMITS)
    # A BOM must not leak into the first header.
    assert list(raw.frame.columns) == ["order_id", "ordered_at", "item", "value"]
    table, problems = load("orders", path)
    assert errors(problems) == []
    assert table.frame["item"].tolist() == ["Café crème", "Crème brûlée", "Tea"]
    assert table.frame["value"].tolist() == [12.5, 3.2, 4.0]
    assert table.mapping["order_id"] == "order_id"


def test_detect_encoding_prefers_bom_then_utf8_then_cp1252():
    assert detect_encoding(b"\xef\xbb\xbfa,b\n") == "utf-8-sig"
    assert detect_encoding("a,Café £1\n".encode("utf-8")) == "utf-8"
    assert detect_encoding("a,Café £1\n,more text here\n".encode("cp1252")) == "cp1252"
    # A UTF-8 sample cut in the middle of a multi-byte character still counts as UTF-8...
    assert detect_encoding(("x" * 20).encode() + "é".encode("utf-8")[:1], complete=False) == "utf-8"
    # ...but a whole file ending in that byte is not UTF-8.
    assert detect_encoding(("x" * 20).encode() + "é".encode("utf-8")[:1], complete=True) == "cp1252"


def test_cp1252_file_whose_only_accent_is_in_the_last_cell_is_read(tmp_path):
    path = write_text(tmp_path / "customers.csv", ["order_id,ordered_at,city", "A1,2024-01-02,Paris", "A2,2024-01-03,Café"],
                      encoding="cp1252", newline="\r\n")
    raw = read_table(path, LIMITS)
    assert raw.frame["city"].tolist() == ["Paris", "Café"]


def test_semicolon_delimiter_is_sniffed_despite_decimal_commas(tmp_path):
    path = write_text(tmp_path / "orders.csv", CAFE_ROWS)
    raw = read_table(path, LIMITS)
    assert raw.frame.shape == (3, 4)
    assert raw.frame.loc[0, "value"] == "£12,50"


@pytest.mark.parametrize("name", ["orders.csv", "orders.tsv", "orders.txt"])
def test_tab_delimiter_is_sniffed_with_commas_inside_values(tmp_path, name):
    lines = ["order_id\tordered_at\titem\tvalue", "A1\t2024-01-02\tMug, blue\t1,234.50", "A2\t2024-01-03\tPlate\t12"]
    table, problems = load("orders", write_text(tmp_path / name, lines))
    assert errors(problems) == []
    assert table.frame["item"].tolist() == ["Mug, blue", "Plate"]
    assert table.frame["value"].tolist() == [1234.5, 12.0]


def test_sniff_delimiter_falls_back_to_the_commonest_separator_of_the_header():
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"
    assert sniff_delimiter("only one column") == ","
    assert sniff_delimiter("") == ","


def test_explicit_delimiter_and_encoding_override_detection(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at|item", "A1,2024-01-02|Mug"], encoding="latin-1")
    raw = read_table(path, LIMITS, delimiter="|", encoding="latin-1")
    assert list(raw.frame.columns) == ["order_id,ordered_at", "item"]


# ---------------------------------------------------------------- header row and empty edges


def test_csv_header_row_skips_title_rows_and_keeps_row_numbers(tmp_path):
    lines = ["Juniper & Lark order export", "", "Generated 2024-02-01", "order_id,ordered_at", "A1,2024-01-02", "A2,not a date", "A3,2024-01-04"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines), header_row=4)
    assert table.mapping["ordered_at"] == "ordered_at"
    assert table.frame["order_id"].tolist() == ["A1", "A3"]
    assert table.frame["_row"].tolist() == [5, 7]
    [bad] = of_code(problems, "value.unreadable")
    assert (bad.row, bad.value, bad.severity) == (6, "not a date", Severity.WARNING)


def test_xlsx_header_row_skips_title_rows_and_keeps_row_numbers(tmp_path):
    rows = [["Order export"], ["From the shop system"], ["Order ID", "Order Date"],
            ["A1", dt.datetime(2024, 1, 2)], ["A2", "soon"], ["A3", dt.datetime(2024, 1, 4)]]
    table, problems = load("orders", write_xlsx(tmp_path / "orders.xlsx", rows), header_row=3)
    assert table.mapping == {"order_id": "Order ID", "ordered_at": "Order Date"}
    assert table.sheet == "Data"
    assert table.frame["_row"].tolist() == [4, 6]
    [bad] = of_code(problems, "value.unreadable")
    assert (bad.row, bad.sheet, bad.column) == (5, "Data", "Order Date")


def test_trailing_empty_rows_and_one_trailing_empty_column_are_dropped_from_csv(tmp_path):
    lines = ["order_id,ordered_at,", "A1,2024-01-02,", "A2,2024-01-03,", ",,", ",,", ""]
    raw = read_table(write_text(tmp_path / "orders.csv", lines), LIMITS)
    assert list(raw.frame.columns) == ["order_id", "ordered_at"]
    assert len(raw.frame) == 2


def test_trailing_whitespace_rows_and_a_stray_column_are_dropped_from_xlsx(tmp_path):
    path = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [["order_id", "ordered_at"], ["A1", dt.datetime(2024, 1, 2)], ["A2", dt.datetime(2024, 1, 3)]]:
        ws.append(row)
    ws.cell(5, 3).value = " "  # a whitespace cell one column to the right, below the data
    ws.cell(9, 1).value = "  "
    wb.save(path)
    raw = read_table(path, LIMITS)
    assert list(raw.frame.columns) == ["order_id", "ordered_at"]
    assert len(raw.frame) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_two_trailing_empty_columns_are_dropped(tmp_path, fmt):
    if fmt == "csv":
        path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,,", "A1,2024-01-02,,", "A2,2024-01-03,,"])
    else:
        path = tmp_path / "orders.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in [["order_id", "ordered_at"], ["A1", dt.datetime(2024, 1, 2)], ["A2", dt.datetime(2024, 1, 3)]]:
            ws.append(row)
        ws.cell(6, 4).value = " "  # a stray cell two columns to the right
        wb.save(path)
    raw = read_table(path, LIMITS)
    assert list(raw.frame.columns) == ["order_id", "ordered_at"]


def test_row_numbers_stay_right_after_a_blank_line_in_a_csv(tmp_path):
    lines = ["order_id,ordered_at", "A1,2024-01-02", "", "A2,garbage"]
    _, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    [bad] = of_code(problems, "value.unreadable")
    assert bad.row == 4  # the line the consultant sees in the editor


def test_row_numbers_stay_right_when_the_sheet_starts_below_row_one(tmp_path):
    rows = [[], [], ["order_id", "ordered_at"], ["A1", dt.datetime(2024, 1, 2)], ["A2", "garbage"]]
    _, problems = load("orders", write_xlsx(tmp_path / "orders.xlsx", rows))
    [bad] = of_code(problems, "value.unreadable")
    assert bad.row == 5


# ---------------------------------------------------------------- xlsx typing, stray values, Excel errors


def test_xlsx_real_datetimes_and_numbers_are_typed(tmp_path):
    rows = [["Order ID", "Ordered At", "Delivered At", "Order Value (GBP)", "Qty"],
            [1001, dt.datetime(2024, 3, 1, 9, 30), dt.datetime(2024, 3, 4, 14, 0), 42.5, 2],
            [1002, dt.datetime(2024, 3, 2, 17, 5), None, 1234, 1]]
    table, problems = load("orders", write_xlsx(tmp_path / "orders.xlsx", rows))
    assert errors(problems) == []
    frame = table.frame
    assert frame["order_id"].tolist() == ["1001", "1002"]  # not '1001.0'
    assert frame["ordered_at"].tolist() == [pd.Timestamp("2024-03-01 09:30"), pd.Timestamp("2024-03-02 17:05")]
    assert frame["delivered_at"].iloc[0] == pd.Timestamp("2024-03-04 14:00") and pd.isna(frame["delivered_at"].iloc[1])
    assert frame["value"].tolist() == [42.5, 1234.0]
    assert frame["quantity"].tolist() == [2.0, 1.0]
    assert table.mapping["value"] == "Order Value (GBP)"
    assert all(how == "auto" for how in table.mapping_how.values())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_stray_text_deep_in_a_numeric_column_is_parsed_or_flagged_not_lost(tmp_path, fmt):
    n = 1500
    rows = [["order_id", "ordered_at", "value"]]
    rows += [[f"A{i}", dt.datetime(2024, 1, 1) + dt.timedelta(hours=i), float(i % 97) + 0.25] for i in range(n)]
    stray, missing, unreadable, excel_error = 1200, 1300, 1350, 1400  # frame positions, all past row 1000
    rows[stray + 1][2] = "£42.50"
    rows[missing + 1][2] = "n/a"
    rows[unreadable + 1][2] = "twelve"
    rows[excel_error + 1][2] = "#N/A"
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "orders.xlsx", rows)
    else:
        lines = [",".join(str(c) if not isinstance(c, dt.datetime) else c.isoformat(sep=" ") for c in r) for r in rows]
        path = write_text(tmp_path / "orders.csv", lines)
    table, problems = load("orders", path)
    assert table.rows_read == n and table.rows_dropped == 0  # an optional bad value never costs the row
    value = table.frame["value"]
    assert value.iloc[stray] == 42.5
    assert value.iloc[0] == 0.25 and value.iloc[n - 1] == float((n - 1) % 97) + 0.25
    assert math.isnan(value.iloc[missing]) and math.isnan(value.iloc[excel_error])
    assert math.isnan(value.iloc[unreadable])
    flagged = of_code(problems, "value.unreadable")
    assert [(p.row, p.value, p.column) for p in flagged] == [(unreadable + 2, "twelve", "value")]
    assert value.notna().sum() == n - 3


@pytest.mark.parametrize("code", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?"])
def test_excel_error_codes_count_as_missing_not_unreadable(tmp_path, code):
    lines = ["order_id,ordered_at,value,backordered", "A1,2024-01-02,12,no", f"A2,2024-01-03,{code},{code}", f"A3,{code},5,yes"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    assert of_code(problems, "value.unreadable") == []
    [missing] = of_code(problems, "value.missing_required")
    assert (missing.row, missing.column) == (4, "ordered_at")
    assert table.frame["order_id"].tolist() == ["A1", "A2"]
    assert pd.isna(table.frame["value"].iloc[1]) and pd.isna(table.frame["backordered"].iloc[1])


def test_excel_error_cells_in_xlsx_count_as_missing(tmp_path):
    path = tmp_path / "survey.xlsx"
    rows = [["Response ID", "How likely to recommend (0-10)", "Delivery (1-5)"], ["R1", 9, 4], ["R2", "#N/A", "#DIV/0!"], ["R3", 3, 2]]
    write_xlsx(path, rows)
    assert openpyxl.load_workbook(path).active["B3"].data_type == "e"  # a real error cell, not text
    table, problems = load("survey", path, rating_headers=["Delivery (1-5)"], columns={"recommend": "How likely to recommend (0-10)"})
    assert errors(problems) == [] and of_code(problems, "value.unreadable") == []
    assert table.frame["recommend"].tolist()[0::2] == [9.0, 3.0] and pd.isna(table.frame["recommend"].iloc[1])
    assert pd.isna(table.frame["rating:Delivery (1-5)"].iloc[1])


# ---------------------------------------------------------------- mapping


def test_missing_required_column_is_an_error_naming_the_file_and_field(tmp_path):
    path = write_text(tmp_path / "shop_export.csv", ["Order number,Total", "A1,12"])
    table, problems = load("orders", path)
    assert table is None
    [problem] = of_code(problems, "mapping.required_missing")
    assert problem.severity is Severity.ERROR
    assert problem.file == "shop_export.csv" and "shop_export.csv" in problem.location
    assert problem.column == "ordered_at"
    assert "'Order number'" in problem.message and "columns:" in problem.message


def test_explicit_mapping_to_an_absent_column_is_column_not_found(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2024-01-02"])
    table, problems = load("orders", path, columns={"delivered_at": "Delivery Date (actual)"})
    assert table is None
    [problem] = of_code(problems, "mapping.column_not_found")
    assert problem.severity is Severity.ERROR and problem.file == "orders.csv"
    assert problem.column == "Delivery Date (actual)"
    assert "'order_id'" in problem.message


def test_explicit_mapping_beats_auto_mapping_and_matches_after_normalising(tmp_path):
    lines = ["ORDER-ID,Created At,Placed,Order Total", "A1,2024-01-01,2024-02-02,10"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines), columns={"ordered_at": "placed", "order_id": "order id"})
    assert errors(problems) == []
    assert table.mapping["ordered_at"] == "Placed" and table.mapping_how["ordered_at"] == "explicit"
    assert table.mapping["order_id"] == "ORDER-ID"
    assert table.mapping["value"] == "Order Total" and table.mapping_how["value"] == "auto"
    assert table.frame["ordered_at"].iloc[0] == pd.Timestamp("2024-02-02")


def test_unknown_field_in_columns_is_an_error(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2024-01-02"])
    table, problems = load("orders", path, columns={"colour": "order_id"})
    assert table is None
    assert [p.column for p in of_code(problems, "mapping.unknown_field")] == ["colour"]


def test_survey_rating_named_in_journey_but_absent_is_an_error(tmp_path):
    path = write_text(tmp_path / "survey.csv", ["Response ID,Checkout (1-5)", "R1,4"])
    table, problems = load("survey", path, rating_headers=["Checkout (1-5)", "Delivery (1-5)"])
    [problem] = of_code(problems, "mapping.rating_column_not_found")
    assert problem.severity is Severity.ERROR and problem.column == "Delivery (1-5)"
    assert table is not None and table.frame["rating:Checkout (1-5)"].tolist() == [4.0]


# ---------------------------------------------------------------- row checks


def test_unparseable_required_date_warns_with_excel_row_and_drops_the_row(tmp_path):
    lines = ["order_id,ordered_at,value", "A1,2024-01-02 10:00,5", "A2,2024-01-03,6", "A3,31/02/2024,7", "A4,,8", "A5,2024-01-05,9"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    [bad] = of_code(problems, "value.unreadable")
    assert (bad.severity, bad.row, bad.column, bad.value) == (Severity.WARNING, 4, "ordered_at", "31/02/2024")
    [empty] = of_code(problems, "value.missing_required")
    assert empty.row == 5
    assert table.rows_read == 5 and table.rows_dropped == 2 and table.rows_kept == 3
    assert table.frame["order_id"].tolist() == ["A1", "A2", "A5"]
    assert table.frame["_row"].tolist() == [2, 3, 6]


def test_problems_beyond_the_per_column_limit_are_counted_in_one_line(tmp_path):
    lines = ["order_id,ordered_at"] + [f"A{i},bad{i}" for i in range(10)] + ["B,2024-01-01"]
    limits = Ingest(detailed_problems_per_column=3)
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines), limits=limits)
    bad = of_code(problems, "value.unreadable")
    assert [p.row for p in bad] == [2, 3, 4, None]
    assert "(and 7 more rows like this)" in bad[-1].message
    assert table.rows_dropped == 10


def test_duplicate_order_ids_keep_the_first_and_warn_on_the_repeat(tmp_path):
    lines = ["order_id,ordered_at,value", "A1,2024-01-02,5", "A2,2024-01-03,6", "A1,2024-01-04,7"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    [dup] = of_code(problems, "duplicate.id")
    assert (dup.row, dup.value, dup.severity) == (4, "A1", Severity.WARNING)
    assert table.frame["value"].tolist() == [5.0, 6.0]
    assert table.rows_dropped == 1


def test_delivered_before_ordered_is_a_sequence_problem_and_dropped(tmp_path):
    lines = ["order_id,ordered_at,delivered_at", "A1,2024-01-02,2024-01-05", "A2,2024-01-10,2024-01-08", "A3,2024-01-10,"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    [seq] = of_code(problems, "sequence.out_of_order")
    assert (seq.row, seq.column) == (3, "delivered_at")
    assert "delivered_at is before ordered_at" in seq.message
    assert table.frame["order_id"].tolist() == ["A1", "A3"]


def test_order_date_in_the_future_is_flagged_and_dropped(tmp_path):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    lines = ["order_id,ordered_at", "A1,2024-01-02", f"A2,{future}"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    [fut] = of_code(problems, "value.in_future")
    assert fut.row == 3 and fut.severity is Severity.WARNING
    assert table.frame["order_id"].tolist() == ["A1"]


def test_negative_order_value_is_flagged_and_dropped(tmp_path):
    lines = ["order_id,ordered_at,value", "A1,2024-01-02,£10.00", "A2,2024-01-03,-£4.00"]
    table, problems = load("orders", write_text(tmp_path / "orders.csv", lines))
    assert [p.row for p in of_code(problems, "value.negative")] == [3]
    assert table.frame["order_id"].tolist() == ["A1"]


def test_survey_ratings_outside_1_to_5_and_recommend_11_are_left_out_not_dropped(tmp_path):
    lines = ["Response ID,Submitted,Recommend (0-10),Checkout (1-5),Delivery (1-5)",
             "R1,2024-01-02,11,4,Very satisfied",
             "R2,2024-01-03,10,6,0",
             "R3,2024-01-04,0,3,5",
             "R4,2024-01-05,7,great,2"]
    table, problems = load("survey", write_text(tmp_path / "survey.csv", lines), rating_headers=["Checkout (1-5)", "Delivery (1-5)"])
    assert table.mapping["recommend"] == "Recommend (0-10)"
    out = of_code(problems, "value.out_of_scale")
    assert sorted((p.row, p.column, p.value) for p in out) == [
        (2, "Recommend (0-10)", "11"), (3, "Checkout (1-5)", "6"), (3, "Delivery (1-5)", "0")]
    assert [(p.row, p.column) for p in of_code(problems, "value.unreadable")] == [(5, "Checkout (1-5)")]
    frame = table.frame
    assert table.rows_dropped == 0 and len(frame) == 4
    assert frame["recommend"].tolist()[1:] == [10.0, 0.0, 7.0] and pd.isna(frame["recommend"].iloc[0])
    assert frame["rating:Delivery (1-5)"].tolist()[0] == 5.0  # 'Very satisfied'
    for column in ("rating:Checkout (1-5)", "rating:Delivery (1-5)"):
        assert frame[column].dropna().between(1, 5).all()


def test_feedback_rows_without_text_are_left_out(tmp_path):
    lines = ["Review,Stars,Date", "Arrived late,1,2024-01-02", ",5,2024-01-03", "Lovely,5,2024-01-04"]
    table, problems = load("feedback", write_text(tmp_path / "reviews.csv", lines))
    assert errors(problems) == []
    assert table.frame["text"].tolist() == ["Arrived late", "Lovely"]
    assert table.frame["rating"].tolist() == [1.0, 5.0]


def test_header_without_rows_loads_with_a_warning(tmp_path):
    table, problems = load("orders", write_text(tmp_path / "orders.csv", ["order_id,ordered_at"]))
    assert table is not None and table.rows_kept == 0
    assert [p.severity for p in of_code(problems, "file.no_rows")] == [Severity.WARNING]


# ---------------------------------------------------------------- refusals


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["order_id", "ordered_at"])
    wb.active.append(["A1", dt.datetime(2024, 1, 2)])
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_that_is_really_a_text_file_is_refused(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_text("order_id,ordered_at\nA1,2024-01-02\n")
    with pytest.raises(FixfirstError, match="not a spreadsheet") as info:
        read_table(path, LIMITS)
    assert str(path) in info.value.cause and info.value.fix


def test_truncated_xlsx_is_refused_as_corrupt(tmp_path):
    data = _xlsx_bytes()
    path = tmp_path / "orders.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FixfirstError, match="corrupt or truncated"):
        check_file(path, LIMITS)


def test_password_protected_workbook_is_refused(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 1024 + ENCRYPTION_STREAM + b"\x00" * 1024)
    assert "EncryptionInfo".encode("utf-16-le") == ENCRYPTION_STREAM
    with pytest.raises(FixfirstError, match="password-protected") as info:
        read_table(path, LIMITS)
    assert "unprotected" in info.value.fix


def test_password_protected_old_xls_is_refused(tmp_path):
    path = tmp_path / "orders.xls"
    path.write_bytes(OLE_MAGIC + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le"))
    with pytest.raises(FixfirstError, match="password-protected"):
        check_file(path, LIMITS)


def test_old_binary_workbook_renamed_to_xlsx_is_refused(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 2048)
    with pytest.raises(FixfirstError, match="old binary .xls"):
        check_file(path, LIMITS)


def test_zip_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    path = tmp_path / "orders.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 3_000_000)
    assert path.stat().st_size < 100_000  # small on disk, large unpacked
    with pytest.raises(FixfirstError, match="unpacks to 3 MB, above the 1 MB limit"):
        check_file(path, Ingest(max_uncompressed_mb=1))
    check_file(path, Ingest(max_uncompressed_mb=5))  # the same file passes a higher limit


def test_zip_that_is_not_a_workbook_is_refused_when_read(tmp_path):
    path = tmp_path / "orders.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(FixfirstError, match="cannot be read as a workbook"):
        read_table(path, LIMITS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_more_rows_than_max_rows_is_refused(tmp_path, fmt):
    header, rows = ["order_id", "ordered_at"], [[f"A{i}", "2024-01-02"] for i in range(6)]
    if fmt == "csv":
        path = write_text(tmp_path / "orders.csv", [",".join(r) for r in [header, *rows]])
    else:
        path = write_xlsx(tmp_path / "orders.xlsx", [header, *rows])
    with pytest.raises(FixfirstError, match="more than 5 data rows"):
        read_table(path, Ingest(max_rows=5))
    assert len(read_table(path, Ingest(max_rows=6)).frame) == 6


def test_file_larger_than_max_file_mb_is_refused(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at"] + [f"A{i},2024-01-02" for i in range(100)])
    with pytest.raises(FixfirstError, match="above the 0 MB limit"):
        check_file(path, Ingest(max_file_mb=0.0005))
    check_file(path, Ingest(max_file_mb=0.01))


@pytest.mark.parametrize("name", ["orders.pdf", "orders.json", "orders"])
def test_unsupported_extension_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_text("order_id,ordered_at\nA1,2024-01-02\n")
    with pytest.raises(FixfirstError, match="unsupported file type") as info:
        read_table(path, LIMITS)
    assert ".xlsx or .csv" in info.value.fix


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(FixfirstError, match="file not found") as info:
        read_table(tmp_path / "nowhere.csv", LIMITS)
    assert "audit.yaml" in info.value.fix


def test_binary_content_in_a_csv_is_refused(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_id\x00\x01\x02" * 50)
    with pytest.raises(FixfirstError, match="binary content"):
        read_table(path, LIMITS)


def test_empty_csv_is_refused(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"")
    with pytest.raises(FixfirstError, match="file is empty"):
        read_table(path, LIMITS)


def test_load_source_turns_a_refusal_into_an_error_problem(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_text("just text")
    table, problems = load("orders", path)
    assert table is None
    [problem] = problems
    assert (problem.code, problem.severity, problem.file) == ("file.unreadable", Severity.ERROR, "orders.xlsx")
    assert "not a spreadsheet" in problem.message and str(tmp_path) not in problem.message


# ---------------------------------------------------------------- property tests for values

# No example database in the checkout and no deadline: parsing cost varies with pandas' first call.
property_test = hsettings(database=None, deadline=None)
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@property_test
@given(x=finite, symbol=st.sampled_from(["", "£", "$", "€"]), decimals=st.sampled_from([0, 2]), thousands=st.booleans())
def test_parse_number_round_trips_formatted_money(x, symbol, decimals, thousands):
    sign = "-" if x < 0 else ""
    body = f"{abs(x):{',' if thousands else ''}.{decimals}f}"
    text = f"{sign}{symbol}{body}"
    values, bad = V.parse_number(pd.Series([text, f" {text} "], dtype=object))
    expected = float(sign + body.replace(",", ""))
    assert not bad.any()
    assert values.tolist() == pytest.approx([expected, expected], abs=1e-9)


@property_test
@given(raw=st.lists(st.one_of(st.text(max_size=12), finite.map(str)), min_size=1, max_size=8))
def test_parse_number_accounts_for_every_cell(raw):
    series = pd.Series(raw, dtype=object)
    values, bad = V.parse_number(series)
    blank = V.blank_mask(series)
    # Every cell is exactly one of: a number, blank, or flagged as unreadable. Nothing disappears.
    assert ((values.notna().astype(int) + blank.astype(int) + bad.astype(int)) == 1).all()


def _any_case(draw_word):
    return st.tuples(draw_word, st.lists(st.booleans(), min_size=8, max_size=8)).map(
        lambda pair: "".join(c.upper() if up else c.lower() for c, up in zip(pair[0], pair[1] + [False] * len(pair[0]))))


@property_test
@given(word=_any_case(st.sampled_from(sorted(V.TRUE_WORDS))), pad=st.sampled_from(["", " ", "  "]))
def test_parse_bool_reads_every_true_spelling_in_any_case(word, pad):
    values, bad = V.parse_bool(pd.Series([pad + word + pad], dtype=object))
    assert values.tolist() == [True]
    assert not bad.any()


@property_test
@given(word=_any_case(st.sampled_from(sorted(V.FALSE_WORDS))))
def test_parse_bool_reads_every_false_spelling_in_any_case(word):
    values, bad = V.parse_bool(pd.Series([word], dtype=object))
    assert values.tolist() == [False]
    assert not bad.any()


def test_parse_bool_flags_unknown_words_and_passes_blanks():
    values, bad = V.parse_bool(pd.Series(["maybe", "n/a", None, "YES"], dtype=object))
    assert bad.tolist() == [True, False, False, False]
    assert values.isna().tolist() == [True, True, True, False]


stamps = st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 12, 31))


@property_test
@given(moments=st.lists(stamps, min_size=1, max_size=6), sep=st.sampled_from(["T", " "]), date_only=st.booleans())
def test_parse_datetime_round_trips_iso_strings(moments, sep, date_only):
    if date_only:
        moments = [dt.datetime(m.year, m.month, m.day) for m in moments]
        texts = [m.date().isoformat() for m in moments]
    else:
        texts = [m.isoformat(sep=sep) for m in moments]
    values, bad = V.parse_datetime(pd.Series(texts, dtype=object))
    assert not bad.any()
    assert values.tolist() == [pd.Timestamp(m) for m in moments]


# datetime64[ns] ends in April 2262 and a timedelta of days in 2192, so the round trip is checked up to 2191.
@property_test
@given(moment=st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2191, 12, 31)))
def test_parse_datetime_round_trips_excel_serial_numbers(moment):
    serial = (pd.Timestamp(moment) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
    values, bad = V.parse_datetime(pd.Series([serial], dtype="float64"))
    assert not bad.any()
    assert abs(values.iloc[0] - pd.Timestamp(moment)) < pd.Timedelta(milliseconds=1)


# Text serials are only tried from 20000 (1954-10-03); above 100099 (2174) pandas reads six digits as a date.
@property_test
@given(day=st.dates(min_value=dt.date(1954, 10, 3), max_value=dt.date(2173, 12, 31)), noon=st.booleans())
def test_parse_datetime_reads_excel_serials_saved_as_text(day, noon):
    serial = (pd.Timestamp(day) - pd.Timestamp("1899-12-30")).days + (0.5 if noon else 0)
    values, bad = V.parse_datetime(pd.Series([str(serial)], dtype=object))
    assert not bad.any()
    assert values.iloc[0] == pd.Timestamp(day) + pd.Timedelta(hours=12 if noon else 0)


def test_known_excel_serials():
    values, bad = V.parse_datetime(pd.Series([45383.5, 61.0, 0.0]))
    assert values.iloc[0] == pd.Timestamp("2024-04-01 12:00") and values.iloc[1] == pd.Timestamp("1900-03-01")
    assert bad.tolist() == [False, False, True]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_six_digit_number_in_a_date_column_is_flagged_not_a_crash(tmp_path, fmt):
    if fmt == "csv":
        path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2024-01-02", "A2,202401"])
    else:
        path = write_xlsx(tmp_path / "orders.xlsx", [["order_id", "ordered_at"], ["A1", 45293], ["A2", 202401]])
    table, problems = load("orders", path)
    assert [p.row for p in of_code(problems, "value.unreadable")] == [3]
    assert table.frame["order_id"].tolist() == ["A1"]


def test_parse_datetime_converts_offsets_to_utc():
    values, bad = V.parse_datetime(pd.Series(["2015-02-24 11:35:52 -0800", "2024-06-01T10:00:00+01:00"], dtype=object))
    assert values.tolist() == [pd.Timestamp("2015-02-24 19:35:52"), pd.Timestamp("2024-06-01 09:00")]


@property_test
@given(raw=st.lists(st.one_of(st.integers(-50, 50).map(str), finite.map(str), st.sampled_from(sorted(V.RATING_LABELS)),
                              st.text(max_size=6)), min_size=1, max_size=10),
       scale=st.sampled_from([(1, 5), (0, 10), (1, 7), (2, 5)]))
def test_parse_scale_never_returns_values_outside_the_scale(raw, scale):
    low, high = scale
    values, unreadable, out = V.parse_scale(pd.Series(raw, dtype=object), low, high)
    assert values.dropna().between(low, high).all()
    assert not (values.notna() & (unreadable | out)).any()


@property_test
@given(raw=st.lists(st.one_of(finite, st.just(float("inf")), st.just(float("nan"))), min_size=1, max_size=10))
def test_parse_scale_on_numeric_columns_never_leaves_the_scale(raw):
    values, _, out = V.parse_scale(pd.Series(raw, dtype="float64"), 0, 10)
    assert values.dropna().between(0, 10).all()
    assert out.sum() == sum(1 for x in raw if not math.isnan(x) and not 0 <= x <= 10)


@hsettings(max_examples=30, database=None, deadline=None)
@given(ids=st.lists(st.integers(1, 10**12), min_size=1, max_size=5))
def test_parse_id_drops_the_float_tail_of_whole_numbers(ids):
    values, _ = V.parse_id(pd.Series(ids, dtype="float64"))
    assert values.tolist() == [str(i) for i in ids]


def test_parse_percent_reads_signs_fractions_and_whole_numbers():
    values, bad = V.parse_percent(pd.Series(["60%", "60", "0.6", "12.5 %", "n/a"], dtype=object))
    assert values.tolist()[:4] == pytest.approx([0.6, 0.6, 0.6, 0.125])
    assert np.isnan(values.iloc[4]) and not bad.any()


def test_percent_cells_from_excel_are_fractions_and_text_percent_is_divided():
    from fixfirst.ingest.values import parse_percent

    cells, _ = parse_percent(pd.Series([2.0, 0.6, 60.0], dtype="float64"))  # 200% and 60% as Excel stores them; 60 typed plainly
    assert cells.tolist() == pytest.approx([2.0, 0.6, 0.6])
    text, _ = parse_percent(pd.Series(["200%", "60", "0.6", "45 %"], dtype="object"))
    assert text.tolist() == pytest.approx([2.0, 0.6, 0.6, 0.45])


def test_same_day_delivery_recorded_as_a_date_is_not_out_of_order(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID,Ordered At,Shipped At,Delivered At\n"
                    "A1,2026-03-02 09:00,2026-03-02 10:00,2026-03-02\n"      # same day, date only: fine
                    "A2,2026-03-02 09:00,2026-03-03 10:00,2026-03-02\n")     # delivered the day before shipping: wrong
    table, problems = load_source(SourceSpec(kind="orders", file="orders.csv"), path, Ingest(), [])
    assert table.frame["order_id"].tolist() == ["A1"]
    assert [(p.code, p.row) for p in problems] == [("sequence.out_of_order", 3)]


def test_offsets_are_read_on_the_business_clock_or_flagged(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID,Ordered At\nA1,2026-06-01T14:30+01:00\n")
    local, problems = load_source(SourceSpec(kind="orders", file="orders.csv"), path, Ingest(), [], timezone="Europe/London")
    assert local.frame["ordered_at"].iloc[0] == pd.Timestamp("2026-06-01 14:30") and problems == []
    utc, problems = load_source(SourceSpec(kind="orders", file="orders.csv"), path, Ingest(), [])
    assert utc.frame["ordered_at"].iloc[0] == pd.Timestamp("2026-06-01 13:30")
    assert [p.code for p in problems] == ["value.timezone_assumed"]
