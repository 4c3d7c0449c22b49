"""Ingest, loading a source: column mapping, row checks and the problems they report."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fixfirst.config.engagement import SourceSpec
from fixfirst.errors import Severity
from fixfirst.ingest import load_source
from fixfirst.config.settings import Ingest


from .ingest_support import errors, load, of_code, write_text


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


def test_header_without_rows_is_an_error(tmp_path):
    table, problems = load("orders", write_text(tmp_path / "orders.csv", ["order_id,ordered_at"]))
    assert table is not None and table.rows_kept == 0
    assert [p.severity for p in of_code(problems, "file.no_rows")] == [Severity.ERROR]


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
