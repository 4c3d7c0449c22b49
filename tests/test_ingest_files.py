"""Ingest, reading files: encodings, delimiters, header rows, empty edges, Excel cells, and refusals."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

import openpyxl
import pandas as pd
import pytest

from fixfirst.errors import FixfirstError, Severity
from fixfirst.ingest.readers import (
    ENCRYPTION_STREAM,
    OLE_MAGIC,
    check_file,
    detect_encoding,
    read_table,
    sniff_delimiter,
)
from fixfirst.config.settings import Ingest


from .ingest_support import LIMITS, errors, load, of_code, write_text, write_xlsx


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
