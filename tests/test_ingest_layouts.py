"""Ingest, finding the table: title rows, several sheets, two-row headers, presets, ambiguous columns and dates."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from fixfirst.config.engagement import SourceSpec
from fixfirst.errors import FixfirstError
from fixfirst.ingest import load_source
from fixfirst.ingest.readers import read_table
from fixfirst.config.settings import Ingest

from .ingest_support import LIMITS, errors, load, of_code, write_text, write_xlsx


def test_title_rows_above_a_csv_header_are_skipped_and_rows_keep_their_numbers(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["Acme Ltd order export", "1 Apr 2026 - 30 Sep 2026", "",
                                                "Order ID,Ordered At,Order Value", "A1,2026-04-02,10", "A2,not a date,12"])
    table, problems = load("orders", path)
    assert table.header_row == 4 and table.frame["order_id"].tolist() == ["A1"]
    assert [(p.code, p.row) for p in problems] == [("value.unreadable", 6)]


def test_title_rows_above_an_xlsx_header_are_skipped(tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", [["Orders report"], [None], ["Generated 2026-10-01"],
                                                 ["Order ID", "Ordered At", "Total"], ["A1", "2026-04-02", 10.0], ["A2", "2026-04-03", None]])
    table, problems = load("orders", path)
    assert table.header_row == 4 and table.rows_read == 2 and errors(problems) == []
    assert table.frame["_row"].tolist() == [5, 6]


def test_the_sheet_whose_header_fits_is_chosen(tmp_path):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes.append(["This workbook holds the survey responses"])
    notes.append(["Contact", "Jo"])
    data = wb.create_sheet("Responses 2026")
    data.append(["Response ID", "Submitted", "How likely are you to recommend us? (0-10)"])
    data.append(["R1", "2026-05-01", 9])
    wb.save(tmp_path / "survey.xlsx")
    table, problems = load("survey", tmp_path / "survey.xlsx", columns={"recommend": "How likely are you to recommend us? (0-10)"})
    assert table.sheet == "Responses 2026" and table.frame["recommend"].tolist() == [9]


def test_surveymonkey_two_row_header_with_merged_question_cells(tmp_path):
    path = write_xlsx(tmp_path / "sm.xlsx", [
        ["Respondent ID", "Start Date", "End Date", "How easy was checkout?", "Delivery", None, "Comments"],
        [None, None, None, "Response", "On time", "Packaging", "Open-Ended Response"],
        [111, "2026-05-01 10:00", "2026-05-01 10:05", 4, 5, 3, "fine"],
    ])
    raw = read_table(path, LIMITS, recognise={"respondentid", "enddate"})
    assert raw.header_rows == 2 and raw.header_row == 2
    assert list(raw.frame.columns) == ["Respondent ID", "Start Date", "End Date", "How easy was checkout?",
                                       "Delivery - On time", "Delivery - Packaging", "Comments"]
    table, problems = load("survey", path, preset="surveymonkey", rating_headers=["Delivery - On time"])
    assert table.mapping_how["respondent_id"] == "preset" and table.mapping["submitted_at"] == "End Date"
    assert table.frame["rating:Delivery - On time"].tolist() == [5] and errors(problems) == []


def test_shopify_preset_folds_line_items_into_their_order(tmp_path):
    path = write_text(tmp_path / "orders_export.csv", [
        "Name,Email,Financial Status,Paid at,Fulfilled at,Created at,Lineitem quantity,Lineitem name,Total,Source",
        "#1001,a@x.com,paid,2026-04-01 10:05,2026-04-02 09:00,2026-04-01 10:00,1,Linen Shirt,48.00,web",
        "#1001,,,,,,2,Canvas Tote,,",
        "#1002,b@x.com,voided,,,2026-04-01 11:00,1,Mug,12.00,pos",
    ])
    table, problems = load("orders", path, preset="shopify")
    assert table.frame["order_id"].tolist() == ["#1001", "#1002"]
    assert table.rows_merged == 1 and table.rows_dropped == 0 and of_code(problems, "duplicate.id") == []
    assert table.mapping["ordered_at"] == "Created at" and table.mapping_how["value"] == "preset"


def test_woocommerce_preset_maps_its_headers(tmp_path):
    path = write_text(tmp_path / "woo.csv", ["Order Number,Order Status,Order Date,Paid Date,Completed Date,Billing Email Address,Item Name,Quantity,Order Total Amount",
                                             "501,completed,2026-04-01 10:00,2026-04-01 10:01,2026-04-03 12:00,c@x.com,Scarf,1,30"])
    table, problems = load("orders", path, preset="woocommerce")
    assert errors(problems) == [] and table.mapping["order_id"] == "Order Number" and table.mapping["shipped_at"] == "Completed Date"


@pytest.mark.parametrize("preset, header, field", [("google-forms", "Timestamp", "submitted_at"), ("typeform", "Submitted At", "submitted_at"),
                                                   ("typeform", "#", "respondent_id")])
def test_form_tool_presets(tmp_path, preset, header, field):
    headers = {"google-forms": "Timestamp,Email Address,Overall", "typeform": "#,Overall,Submitted At"}[preset]
    values = {"google-forms": "2026/05/01 10:00:00,a@x.com,4", "typeform": "abc123,4,2026-05-01 10:00:00"}[preset]
    table, problems = load("survey", write_text(tmp_path / "form.csv", [headers, values]), preset=preset)
    assert table.mapping[field] == header and table.mapping_how[field] == "preset" and errors(problems) == []


def test_two_columns_that_could_fit_ask_for_an_explicit_mapping(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["Order ID,Order Number,Ordered At", "A1,1001,2026-04-01"])
    table, problems = load("orders", path)
    assert table is None
    [ambiguous] = of_code(problems, "mapping.ambiguous")
    assert "'Order ID' or 'Order Number'" in ambiguous.message and "columns: {order_id:" in ambiguous.message
    table, problems = load("orders", path, columns={"order_id": "Order Number"})
    assert table.frame["order_id"].tolist() == ["1001"]


def test_xes_preset_settles_the_duplicate_activity_columns(tmp_path):
    path = write_text(tmp_path / "log.csv", [",concept:name,org:resource,time:timestamp,Activity,Resource,case:concept:name",
                                              "0,register,Pete,2010-12-30 14:32:00+01:00,register,Pete,3",
                                              "1,examine,Mike,2010-12-30 15:06:00+01:00,examine,Mike,3"])
    _, problems = load("events", path)
    assert {p.column for p in of_code(problems, "mapping.ambiguous")} == {"activity", "resource"}
    table, problems = load("events", path, preset="xes")
    assert errors(problems) == [] and table.mapping["activity"] == "concept:name" and table.rows_kept == 2


@pytest.mark.parametrize(
    "dates, country, expected, code",
    [
        (["25/03/2026", "03/04/2026"], None, [pd.Timestamp("2026-03-25"), pd.Timestamp("2026-04-03")], None),
        (["03/25/2026", "04/03/2026"], None, [pd.Timestamp("2026-03-25"), pd.Timestamp("2026-04-03")], None),
        (["03/04/2026", "05/06/2026"], "GB", [pd.Timestamp("2026-04-03"), pd.Timestamp("2026-06-05")], "value.ambiguous_date_order"),
        (["03/04/2026", "05/06/2026"], "US", [pd.Timestamp("2026-03-04"), pd.Timestamp("2026-05-06")], "value.ambiguous_date_order"),
        (["25/03/2026", "03/25/2026"], None, None, "value.mixed_date_order"),
    ],
)
def test_day_month_order_is_detected_or_reported(tmp_path, dates, country, expected, code):
    path = write_text(tmp_path / "orders.csv", ["Order ID,Ordered At", *[f"A{i},{d}" for i, d in enumerate(dates)]])
    table, problems = load_source(SourceSpec(kind="orders", file="orders.csv"), path, Ingest(), [], None, country)
    assert [p.code for p in problems if p.code.endswith("date_order")] == ([code] if code else [])
    if expected is not None:
        assert table.frame["ordered_at"].tolist() == expected


def test_explicit_dayfirst_silences_the_ambiguity(tmp_path):
    path = write_text(tmp_path / "orders.csv", ["Order ID,Ordered At", "A1,03/04/2026"])
    table, problems = load("orders", path, dayfirst=True)
    assert problems == [] and table.frame["ordered_at"].tolist() == [pd.Timestamp("2026-04-03")]


def test_workbook_declaring_xml_entities_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [["Order ID", "Ordered At"], ["A1", "2026-04-01"]])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data.split(b"?>", 1)[-1]
            dst.writestr(item, data)
    with pytest.raises(FixfirstError) as caught:
        read_table(bomb, LIMITS)
    assert "declares XML entities" in caught.value.cause


def test_capacity_sheet_needs_a_daily_figure_or_staff_hours(tmp_path):
    path = write_text(tmp_path / "capacity.csv", ["Step,Units per day,Staff hours,Units per staff hour",
                                                   "Pick and pack,120,,", "Delivery,,16,6", "Support,,8,", "Returns,-5,,"])
    table, problems = load("capacity", path)
    assert table.frame["step"].tolist() == ["Pick and pack", "Delivery"]
    assert [(p.code, p.row) for p in problems] == [("value.no_capacity", 4), ("value.negative", 5)]


def test_unknown_preset_or_wrong_kind_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown preset"):
        SourceSpec(kind="orders", file="x.csv", preset="magento")
    with pytest.raises(ValueError, match="for survey sources"):
        SourceSpec(kind="orders", file="x.csv", preset="typeform")
