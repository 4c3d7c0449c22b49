"""Related tables of an orders source (lines, payments, customers), line-item folding, and the customer key check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.engagement import load_engagement
from fixfirst.errors import InputProblems, Severity
from fixfirst.ingest import load_source
from fixfirst.pipeline import check_engagement, run_audit

from .ingest_support import errors, load, of_code, write_text

ORDERS = ["Order ID,Order Date,Customer", "A1,2026-04-01 10:00,c1", "A2,2026-04-02 11:00,c2", "A3,2026-04-03 12:00,c3"]
LINES = ["order id,product name,quantity,price,freight",
         "A1,Shirt,2,10.00,1.50", "A1,Tote,1,5.00,0.50", "A1,Shirt,1,10.00,0", "A2,Mug,1,8.00,2", "X9,Ghost,1,3,0"]
PAYMENTS = ["order_id,payment_type,payment_installments,payment_value",
            "A1,credit_card,3,30.00", "A1,voucher,1,40.00", "A2,boleto,1,10", "A2,credit_card,2,10"]
CUSTOMERS = ["customer_id,customer_unique_id,city", "c1,u1,Leeds", "c2,u1,York", "c2,u9,Hull"]


def orders_with(tmp_path: Path, **files: list[str]) -> Path:
    for name, lines in files.items():
        write_text(tmp_path / f"{name}.csv", lines)
    return write_text(tmp_path / "orders.csv", ORDERS)


def column(table, name: str) -> list:
    return [None if pd.isna(v) else v for v in table.frame[name]]


def message(problems, code: str) -> str:
    [problem] = of_code(problems, code)
    return problem.message


# ---------------------------------------------------------------- lines

def test_lines_fold_into_item_count_items_first_item_and_value(tmp_path):
    table, problems = load("orders", orders_with(tmp_path, lines=LINES), lines="lines.csv")
    assert errors(problems) == []
    assert column(table, "item_count") == [4.0, 1.0, None]  # A1: 2 + 1 + 1 units
    assert column(table, "items") == ["Shirt; Tote", "Mug", None]
    assert column(table, "item") == ["Shirt", "Mug", None]
    # No value in the orders file and no payments: the lines' price x quantity + freight is the order value.
    assert column(table, "value") == [37.0, 10.0, None]
    assert table.mapping["value"] == "value" and table.mapping_how["value"] == "joined"
    assert table.mapping_how["item_count"] == "joined" and table.mapping["customer_id"] == "Customer"
    [join] = table.joins
    assert (join.role, join.key, join.rows, join.matched_rows, join.unmatched_rows, join.unmatched_ids) == ("lines", "order id", 5, 4, 1, 1)
    assert (join.orders_matched, join.orders_without, join.repeated_keys) == (2, 1, 0)


def test_unmatched_lines_and_orders_without_lines_are_counted(tmp_path):
    _, problems = load("orders", orders_with(tmp_path, lines=LINES), lines="lines.csv")
    [stray] = of_code(problems, "join.unmatched")
    assert stray.severity is Severity.WARNING and stray.file == "lines.csv" and stray.column == "order id"
    assert stray.message == ("1 of 5 rows of lines.csv carry an order id that is not in orders.csv (1 distinct ids, e.g. 'X9'); "
                             "they are left out")
    assert message(problems, "join.orders_without") == "1 of 3 orders in orders.csv have no lines in lines.csv"


def test_lines_without_quantity_count_lines_and_a_line_total_wins_over_price(tmp_path):
    lines = ["Order ID,SKU,Line total,Price", "A1,S-1,12.5,99", "A1,S-2,,4", "A2,S-1,3,1"]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    assert errors(problems) == []
    assert column(table, "item_count") == [2.0, 1.0, None]
    assert column(table, "items") == ["S-1; S-2", "S-1", None]
    assert column(table, "value") == [16.5, 3.0, None]  # 12.5 + the second line's price (no total), 3


def test_several_lines_files_are_stacked_before_folding(tmp_path):
    write_text(tmp_path / "lines_march.csv", ["order_id,item,qty", "A1,Shirt,1"])
    write_text(tmp_path / "lines_april.csv", ["order_id,item,qty", "A1,Tote,2", "A2,Mug,1"])
    table, problems = load("orders", write_text(tmp_path / "orders.csv", ORDERS), lines=["lines_march.csv", "lines_april.csv"])
    assert errors(problems) == []
    assert column(table, "item_count") == [3.0, 1.0, None] and column(table, "items") == ["Shirt; Tote", "Mug", None]
    assert [(j.file, j.rows) for j in table.joins] == [("lines_march.csv", 1), ("lines_april.csv", 2)]


def test_unreadable_quantity_is_reported_at_its_row_and_left_out(tmp_path):
    lines = ["order_id,item,quantity", "A1,Shirt,2", "A1,Tote,lots"]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    [bad] = of_code(problems, "value.unreadable")
    assert (bad.file, bad.row, bad.column, bad.value) == ("lines.csv", 3, "quantity", "lots")
    assert column(table, "item_count") == [2.0, None, None]


def test_long_baskets_are_cut_with_the_number_left_out(tmp_path):
    lines = ["order_id,item"] + [f"A1,Product number {i:03d} with a long name" for i in range(20)]
    table, _ = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    items = table.frame["items"][0]
    assert items.startswith("Product number 000 with a long name; Product number 001") and items.endswith("; (+15 more)")
    assert len(items) <= 200 + len("; (+15 more)")


def test_ids_keep_their_leading_zeros_on_both_sides(tmp_path):
    write_text(tmp_path / "lines.csv", ["order_id,item", "00123,Shirt", "123,Mug"])
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "00123,2026-04-01", "123,2026-04-02"])
    table, problems = load("orders", path, lines="lines.csv")
    assert errors(problems) == [] and column(table, "item") == ["Shirt", "Mug"]


# ---------------------------------------------------------------- payments

def test_payments_give_value_method_carrying_most_money_and_instalments(tmp_path):
    table, problems = load("orders", orders_with(tmp_path, lines=LINES, payments=PAYMENTS),
                           lines="lines.csv", payments={"file": "payments.csv", "key": "order_id"})
    assert errors(problems) == []
    assert column(table, "value") == [70.0, 20.0, None]
    assert table.mapping["value"] == "payment_value"
    assert column(table, "payment_method") == ["voucher", "boleto", None]  # A2: a tie keeps the first seen
    assert column(table, "instalments") == [3.0, 2.0, None]
    assert "value" not in table.mapping.values() and "lines_value" not in table.mapping.values()  # the lines' value stands aside
    assert [p.message for p in of_code(problems, "join.orders_without")] == [
        "1 of 3 orders in orders.csv have no payments in payments.csv", "1 of 3 orders in orders.csv have no lines in lines.csv"]


def test_the_orders_own_value_wins_over_payments(tmp_path):
    write_text(tmp_path / "payments.csv", PAYMENTS)
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,Total", "A1,2026-04-01,99", "A2,2026-04-02,5"])
    table, _ = load("orders", path, payments="payments.csv")
    assert table.mapping["value"] == "Total" and column(table, "value") == [99.0, 5.0]
    assert column(table, "payment_method") == ["voucher", "boleto"]


def test_nothing_matching_at_all_is_an_error_naming_both_files(tmp_path):
    lines = ["order_id,item", "Z1,Shirt", "Z2,Mug"]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    [problem] = errors(problems)
    assert problem.code == "join.no_match" and problem.file == "lines.csv"
    assert problem.message.startswith("none of the 3 order ids in orders.csv appear in lines.csv's order_id column")
    assert of_code(problems, "join.unmatched") == [] and table is not None


def test_repeated_order_ids_with_lines_are_many_to_many(tmp_path):
    write_text(tmp_path / "lines.csv", ["order_id,item", "A1,Shirt"])
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2026-04-01", "A1,2026-04-02", "A2,2026-04-03"])
    _, problems = load("orders", path, lines="lines.csv")
    assert message(problems, "join.many_to_many") == ("1 order ids appear on more than one row of orders.csv and have lines in "
                                                      "lines.csv: each copy of the order carries all of them, so they count more than once")


# ---------------------------------------------------------------- keys

def test_a_key_column_missing_from_the_related_file_names_its_columns(tmp_path):
    lines = ["ref,product", "A1,Shirt"]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    [problem] = errors(problems)
    assert problem.code == "join.no_key" and problem.file == "lines.csv" and problem.column == "Order ID"
    assert problem.message.startswith("lines.csv has no column 'Order ID' to join on; its columns are: 'ref', 'product'.")
    assert "A1" not in problem.message and "Shirt" not in problem.message  # header names only, never cells
    assert table is not None and "item" not in table.mapping


def test_a_key_with_different_headers_on_each_side(tmp_path):
    lines = ["ref,product", "A1,Shirt", "A2,Mug"]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines={"file": "lines.csv", "key": {"related": "ref", "orders": "Order ID"}})
    assert errors(problems) == [] and column(table, "item") == ["Shirt", "Mug", None]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines={"file": "lines.csv", "key": {"related": "ref", "orders": "Order Ref"}})
    [problem] = errors(problems)
    assert problem.code == "join.no_key" and problem.file == "orders.csv"
    assert problem.message == ("orders.csv has no column 'Order Ref' to join lines.csv on; its columns are: "
                               "'Order ID', 'Order Date', 'Customer'")


def test_a_missing_related_file_is_unreadable_and_named(tmp_path):
    table, problems = load("orders", orders_with(tmp_path), payments="payments.csv")
    [problem] = errors(problems)
    assert problem.code == "file.unreadable" and problem.file == "payments.csv"
    assert table is not None and "value" not in table.mapping


def test_related_files_go_through_the_engagement_resolver(tmp_path):
    outside = write_text(tmp_path / "secret.csv", ["order_id,item", "A1,top secret product"])
    folder = tmp_path / "engagement"
    folder.mkdir()
    orders_with(folder)
    (folder / "lines.csv").symlink_to(outside)
    spec = {"file": "orders.csv", "lines": "lines.csv"}
    eng = load_engagement(engagement(folder, spec))
    table, problems = load_source(eng.audit.sources[0], eng.resolve("orders.csv"), eng.settings.ingest, [], resolve=eng.resolve)
    [problem] = errors(problems)
    assert problem.code == "file.outside_engagement" and problem.file == "lines.csv"
    assert "secret" not in problem.message and "item" not in table.mapping


def test_columns_of_a_lines_table_name_its_roles(tmp_path):
    lines = ["order_id,Article,Units,Each", "A1,Shirt,3,2.5"]
    spec = {"file": "lines.csv", "columns": {"item": "Article", "quantity": "Units", "price": "Each", "freight": None}}
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines=spec)
    assert errors(problems) == [] and column(table, "item_count") == [3.0, None, None] and column(table, "value") == [7.5, None, None]
    table, problems = load("orders", orders_with(tmp_path, lines=lines), lines={"file": "lines.csv", "columns": {"colour": "Article"}})
    assert message(problems, "mapping.unknown_field").startswith("`columns:` of a lines table names unknown column 'colour'")


# ---------------------------------------------------------------- customers

def test_customers_lookup_brings_its_columns_and_reports_repeated_keys(tmp_path):
    table, problems = load("orders", orders_with(tmp_path, customers=CUSTOMERS), customers="customers.csv")
    assert errors(problems) == []
    assert column(table, "customer_id") == ["c1", "c2", "c3"]  # the orders' own column wins
    assert message(problems, "join.many_to_many") == ("1 customer ids appear on more than one row of customers.csv (2 rows, e.g. 'c2'); "
                                                      "each order takes the first row of its customer")
    assert message(problems, "join.orders_without") == ("1 of 3 orders in orders.csv have a customer id that is not in customers.csv; "
                                                        "their customer columns stay empty")
    [join] = table.joins
    assert (join.role, join.orders_matched, join.orders_without, join.repeated_keys) == ("customers", 2, 1, 1)
    mapped, problems = load("orders", orders_with(tmp_path, customers=CUSTOMERS), customers={"file": "customers.csv", "key": "customer_id"},
                            columns={"customer_id": "customer_unique_id"})
    assert errors(problems) == [] and mapped.mapping_how["customer_id"] == "explicit"
    assert column(mapped, "customer_id") == ["u1", "u1", None]  # c2's first row: u1


# ---------------------------------------------------------------- line-item exports

def test_shopify_line_items_fold_quantities_and_items(tmp_path):
    path = write_text(tmp_path / "orders_export.csv", [
        "Name,Email,Financial Status,Paid at,Fulfilled at,Created at,Lineitem quantity,Lineitem name,Total,Source",
        "#1001,a@x.com,paid,2026-04-01 10:05,2026-04-02 09:00,2026-04-01 10:00,1,Linen Shirt,48.00,web",
        "#1001,,,,,,2,Canvas Tote,,",
        "#1001,,,,,,1,Linen Shirt,,",
        "#1002,b@x.com,voided,,,2026-04-01 11:00,1,Mug,12.00,pos",
    ])
    table, problems = load("orders", path, preset="shopify")
    assert errors(problems) == [] and table.rows_merged == 2 and table.rows_read == 4
    assert column(table, "order_id") == ["#1001", "#1002"]
    assert column(table, "quantity") == [4.0, 1.0] and column(table, "item_count") == [4.0, 1.0]
    assert column(table, "items") == ["Linen Shirt; Canvas Tote", "Mug"] and column(table, "item") == ["Linen Shirt", "Mug"]
    assert column(table, "value") == [48.0, 12.0] and table.mapping_how["items"] == "folded"


# ---------------------------------------------------------------- customer key sanity

def per_order_customers(tmp_path: Path, n: int, extra: str | None = None) -> Path:
    header = "order_id,ordered_at,customer_id" + (f",{extra}" if extra else "")
    rows = [f"O{i},2026-03-{1 + i % 28:02d},C{i}" + (f",+44 20 7946 {i % 50:04d}" if extra else "") for i in range(n)]
    return write_text(tmp_path / "orders.csv", [header, *rows])


def test_customer_key_unique_per_order_suggests_the_repeating_column(tmp_path):
    _, problems = load("orders", per_order_customers(tmp_path, 250, "Phone"))
    [problem] = of_code(problems, "mapping.customer_key_per_order")
    assert problem.severity is Severity.WARNING and problem.column == "customer_id"
    assert problem.message == ("customer_id ('customer_id') is different on every one of the 250 orders, so repeat purchase reads 0; "
                               "column 'Phone' repeats across orders and looks like the stable customer key: map it with "
                               "columns: {customer_id: Phone}")
    table, problems = load("orders", per_order_customers(tmp_path, 250, "Phone"), columns={"customer_id": "Phone"})
    assert of_code(problems, "mapping.customer_key_per_order") == [] and table.frame["customer_id"].nunique() == 50


def test_customer_key_unique_per_order_without_a_candidate_still_warns(tmp_path):
    _, problems = load("orders", per_order_customers(tmp_path, 250))
    assert message(problems, "mapping.customer_key_per_order").startswith(
        "customer_id ('customer_id') is different on every one of the 250 orders, so repeat purchase cannot be measured from it")
    _, problems = load("orders", per_order_customers(tmp_path, 199))
    assert of_code(problems, "mapping.customer_key_per_order") == []  # too few orders to tell


def test_customer_key_candidate_brought_in_by_a_customers_table(tmp_path):
    write_text(tmp_path / "customers.csv", ["customer_id,customer_unique_id"] + [f"C{i},U{i % 100}" for i in range(250)])
    _, problems = load("orders", per_order_customers(tmp_path, 250), customers="customers.csv")
    assert "column 'customer_unique_id' repeats across orders" in message(problems, "mapping.customer_key_per_order")
    assert message(problems, "mapping.customer_key_per_order").endswith("columns: {customer_id: customer_unique_id}")


# ---------------------------------------------------------------- audit.yaml forms

JOURNEY = {"stages": ["receive"], "touchpoints": [{"id": "delivery", "name": "Delivery", "stage": "receive",
                                                   "data": {"orders": ["delivery", "dispatch"]}}]}


def engagement(folder: Path, orders: dict) -> Path:
    audit = {"client": {"name": "Related client"}, "promise": {"description": "Delivered in 20 working days", "business_days": 20},
             "sources": [{"kind": "orders", **orders}]}
    (folder / "audit.yaml").write_text(yaml.safe_dump(audit, sort_keys=False), encoding="utf-8")
    (folder / "journey.yaml").write_text(yaml.safe_dump(JOURNEY, sort_keys=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize("form", [
    {"lines": "lines.csv", "payments": "payments.csv"},
    {"lines": {"file": "lines.csv", "key": "order id"}, "payments": {"file": "payments.csv", "key": "order_id"}},
    {"lines": ["lines.csv"], "payments": [{"file": "payments.csv"}]},
    {"related": [{"file": "lines.csv", "role": "lines"}, {"file": "payments.csv", "role": "payments", "key": "order_id"}]},
], ids=["string", "mapping", "list", "related"])
def test_audit_yaml_forms_join_alike(tmp_path, form):
    orders_with(tmp_path, lines=LINES, payments=PAYMENTS)
    table = check_engagement(engagement(tmp_path, {"file": "orders.csv", **form})).data.get("orders")
    assert column(table, "value") == [70.0, 20.0, None] and column(table, "item_count") == [4.0, 1.0, None]
    assert sorted(j.role for j in table.joins) == ["lines", "payments"]


@pytest.mark.parametrize("orders, expected", [
    ({"kind": "survey", "file": "orders.csv", "lines": "lines.csv"}, "belong to an orders source, not survey"),
    ({"file": "orders.csv", "related": [{"file": "lines.csv"}]}, "each entry of related: needs role"),
    ({"file": "orders.csv", "lines": [{"file": "lines.csv", "role": "payments"}]}, "an entry under lines: cannot have role 'payments'"),
    ({"file": "orders.csv", "customers": "a.csv", "related": [{"file": "b.csv", "role": "customers"}]}, "only one customers table"),
])
def test_related_table_mistakes_are_configuration_errors(tmp_path, orders, expected):
    orders_with(tmp_path, lines=LINES)
    with pytest.raises(InputProblems) as caught:
        check_engagement(engagement(tmp_path, orders))
    assert any(expected in p.message for p in caught.value.problems), [p.message for p in caught.value.problems]


# ---------------------------------------------------------------- Olist, as it is downloaded

OLIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "olist-orders-sample"
OLIST_FILES = ("olist_orders_dataset.csv", "olist_order_items_dataset.csv", "olist_order_payments_dataset.csv", "olist_customers_dataset.csv")


@pytest.fixture
def olist(tmp_path):
    missing = [f for f in OLIST_FILES if not (OLIST / f).is_file()]
    if missing:
        pytest.skip(f"Olist sample tables not found in {OLIST} ({', '.join(missing)})")
    folder = tmp_path / "olist"
    folder.mkdir()
    for name in OLIST_FILES:
        shutil.copy(OLIST / name, folder / name)
    orders = {"file": "olist_orders_dataset.csv", "lines": "olist_order_items_dataset.csv",
              "payments": {"file": "olist_order_payments_dataset.csv", "key": "order_id"},
              "customers": {"file": "olist_customers_dataset.csv", "key": "customer_id"}}
    return folder, orders


def _came_back_share(audit) -> tuple[int, int]:
    facts = audit.signals.order_facts
    judged = facts["came_back"].notna()
    return int(facts.loc[judged, "came_back"].astype(bool).sum()), int(judged.sum())


def test_olist_raw_tables_audit_without_hand_joins(olist):
    folder, orders = olist
    engagement(folder, orders)
    result = CliRunner().invoke(app, ["check", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    checked = json.loads(result.output)
    [suggestion] = [p for p in checked["problems"] if p["code"] == "mapping.customer_key_per_order"]
    assert suggestion["message"].endswith("map it with columns: {customer_id: customer_unique_id}")
    assert "is different on every one of the" in suggestion["message"]
    before = run_audit(folder)
    hits, judged = _came_back_share(before)
    assert hits == 0 and judged > 1000  # every customer_id has one order

    engagement(folder, {**orders, "columns": {"customer_id": "customer_unique_id"}})
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 0 and "customer_key_per_order" not in result.output
    audit = run_audit(folder)
    table = audit.data.get("orders")
    assert table.mapping["customer_id"] == "customer_unique_id" and table.mapping_how["customer_id"] == "explicit"
    assert table.mapping["value"] == "payment_value" and table.mapping["item_count"] == "item_count"

    # Recount every join independently from the raw tables.
    raw_orders = pd.read_csv(folder / OLIST_FILES[0], dtype=str)
    items = pd.read_csv(folder / OLIST_FILES[1], dtype=str)
    payments = pd.read_csv(folder / OLIST_FILES[2], dtype={"order_id": str, "payment_value": float})
    customers = pd.read_csv(folder / OLIST_FILES[3], dtype=str)
    ids = set(raw_orders["order_id"])
    joins = {j.role: j for j in table.joins}
    assert joins["lines"].rows == len(items) and joins["lines"].unmatched_rows == int((~items["order_id"].isin(ids)).sum())
    assert joins["lines"].unmatched_ids == items.loc[~items["order_id"].isin(ids), "order_id"].nunique()
    assert joins["lines"].orders_matched == int(raw_orders["order_id"].isin(items["order_id"]).sum())
    assert joins["payments"].unmatched_rows == int((~payments["order_id"].isin(ids)).sum())
    assert joins["payments"].orders_without == int((~raw_orders["order_id"].isin(payments["order_id"])).sum())
    assert joins["customers"].orders_matched == int(raw_orders["customer_id"].isin(customers["customer_id"]).sum())
    stray = [p for p in audit.data.problems if p.code == "join.unmatched" and p.file == OLIST_FILES[1]]
    assert len(stray) == 1 and stray[0].message.startswith(f"{joins['lines'].unmatched_rows:,} of {len(items):,} rows of {OLIST_FILES[1]}")

    # Order values from the payments, item counts from the lines, on the orders kept.
    kept = table.frame.set_index("order_id")
    paid = payments.groupby("order_id")["payment_value"].sum()
    both = kept.index.intersection(paid.index)
    assert len(both) > 100 and kept.loc[both, "value"].to_numpy() == pytest.approx(paid.loc[both].to_numpy())
    lines_per_order = items.groupby("order_id").size()
    with_lines = kept.index.intersection(lines_per_order.index)
    assert len(with_lines) > 100 and (kept.loc[with_lines, "item_count"] == lines_per_order.loc[with_lines]).all()
    assert kept.loc[kept.index.difference(paid.index), "value"].isna().all()
    # Repeat purchase now counts people: only the few orders whose customer the cut customers table holds have one.
    hits, judged = _came_back_share(audit)
    assert hits == 0 and 0 < judged <= joins["customers"].orders_matched
