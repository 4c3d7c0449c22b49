"""Related tables of an orders source (lines, payments, customers), line-item folding, and the customer key check."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.config.engagement import load_engagement
from fixfirst.errors import InputProblems, Severity
from fixfirst.ingest import load_source
from fixfirst.ingest.fold import LINE_ITEM_MIN_REPEATS
from fixfirst.ingest.related import PRECEDENCE
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
    assert table.mapping["value"] == "lines_value" and table.mapping_how["value"] == "joined"
    assert of_code(problems, "join.value_origin") == []  # one place only: nothing to choose between
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
    assert column(table, "value") == [70.0, 20.0, None]  # payments before lines
    assert table.mapping["value"] == "value" and table.mapping_how["value"] == "joined"
    assert column(table, "payment_method") == ["voucher", "boleto", None]  # A2: a tie keeps the first seen
    assert column(table, "instalments") == [3.0, 2.0, None]
    assert message(problems, "join.value_origin") == f"value: 2 from payments, 0 from lines, 1 without one. {PRECEDENCE}"
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
        pytest.skip(f"needs the Olist tables in {OLIST} ({', '.join(missing)}; see README, Testing with real data); absent in this checkout")
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
    assert table.mapping["value"] == "value" and table.mapping_how["value"] == "joined"
    assert table.mapping["item_count"] == "item_count"

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
    # Orders without payments take their lines' price + freight; orders with neither have no value.
    line_totals = (items["price"].astype(float) + items["freight_value"].astype(float)).groupby(items["order_id"]).sum()
    lines_only = kept.index.difference(paid.index).intersection(line_totals.index)
    assert len(lines_only) == 169 and kept.loc[lines_only, "value"].to_numpy() == pytest.approx(line_totals.loc[lines_only].to_numpy())
    assert kept.loc[kept.index.difference(paid.index).difference(line_totals.index), "value"].isna().all()
    assert message(audit.data.problems, "join.value_origin") == (
        f"value: {len(both):,} from payments, 169 from lines, {len(kept) - len(both) - 169:,} without one. {PRECEDENCE}")
    # Repeat purchase now counts people: only the few orders whose customer the cut customers table holds have one.
    hits, judged = _came_back_share(audit)
    assert hits == 0 and 0 < judged <= joins["customers"].orders_matched


# ---------------------------------------------------------------- the order value, order by order

def test_each_order_takes_its_own_value_else_payments_else_lines(tmp_path):
    write_text(tmp_path / "payments.csv", ["order_id,payment_value", "A1,500", "A2,20", "A2,5"])
    write_text(tmp_path / "lines.csv", ["order_id,item,price,quantity,freight", "A1,Shirt,1,1,0", "A2,Mug,1,1,0", "A3,Tote,4,2,1.5"])
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,Total", "A1,2026-04-01,99", "A2,2026-04-02,",
                                                "A3,2026-04-03,", "A4,2026-04-04,"])
    table, problems = load("orders", path, payments="payments.csv", lines="lines.csv")
    assert errors(problems) == []
    assert column(table, "value") == [99.0, 25.0, 9.5, None]
    assert table.mapping["value"] == "Total" and table.mapping_how["value"] == "joined"
    [note] = of_code(problems, "join.value_origin")
    assert (note.severity, note.file, note.column) == (Severity.WARNING, "orders.csv", "Total")
    assert note.message == ("value: 1 from the file, 1 from payments, 1 from lines, 1 without one. Each order takes the orders "
                            "file's own value where its cell is filled, else the sum of its payments, else its lines' total "
                            "(line total, else price x quantity, plus freight)")


def test_an_entirely_blank_value_column_gives_way_to_the_payments(tmp_path):
    write_text(tmp_path / "payments.csv", PAYMENTS)
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,Total", "A1,2026-04-01,", "A2,2026-04-02,", "A3,2026-04-03,"])
    table, problems = load("orders", path, payments="payments.csv")
    assert column(table, "value") == [70.0, 20.0, None] and table.mapping["value"] == "Total"
    assert message(problems, "join.value_origin") == f"value: 0 from the file, 2 from payments, 1 without one. {PRECEDENCE}"


def test_an_unreadable_own_value_is_reported_and_the_payments_stand_in(tmp_path):
    write_text(tmp_path / "payments.csv", PAYMENTS)
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,Total", "A1,2026-04-01,12", "A2,2026-04-02,call us"])
    table, problems = load("orders", path, payments="payments.csv")
    assert column(table, "value") == [12.0, 20.0]
    [bad] = of_code(problems, "value.unreadable")
    assert (bad.file, bad.row, bad.column, bad.value) == ("orders.csv", 3, "Total", "call us")
    assert bad.message == "expected a number; treated as missing (its payments or lines give the value where they have one)"


def test_columns_naming_a_brought_in_value_is_followed_as_written(tmp_path):
    table, problems = load("orders", orders_with(tmp_path, lines=LINES, payments=PAYMENTS), lines="lines.csv",
                           payments="payments.csv", columns={"value": "lines_value"})
    assert errors(problems) == [] and of_code(problems, "join.value_origin") == []
    assert table.mapping["value"] == "lines_value" and table.mapping_how["value"] == "explicit"
    assert column(table, "value") == [37.0, 10.0, None]


# ---------------------------------------------------------------- figures checked where they are written

def test_out_of_range_figures_are_reported_at_the_related_file_and_left_out(tmp_path):
    lines = ["order_id,item,quantity,price", "A1,Shirt,1e308,1e308", "A1,Tote,1e308,2", "A2,Mug,1e10,1e10", "A2,Cup,1,3"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow on the way: nothing infinite is ever summed
        table, problems = load("orders", orders_with(tmp_path, lines=lines), lines="lines.csv")
    wild = of_code(problems, "value.out_of_range")
    assert [(p.file, p.row, p.column, p.value) for p in wild] == [
        ("lines.csv", 2, "quantity", "1e+308"), ("lines.csv", 3, "quantity", "1e+308"), ("lines.csv", 2, "price", "1e+308"),
        ("lines.csv", 4, "price", "10000000000.0")]
    assert wild[0].message == ("quantity is infinite or larger than 1,000,000,000,000,000: not a real figure; left out of the "
                               "order's item count")
    assert wild[3].message == ("the line's price x quantity is larger than 1,000,000,000,000,000: not a real figure; left out "
                               "of the order's value")
    # A1: no readable quantity (2 lines) and only the Tote's price (one unit); A2: the Mug's line left out of the value.
    assert column(table, "item_count") == [2.0, 10_000_000_001.0, None] and column(table, "value") == [2.0, 3.0, None]


def test_out_of_range_payments_never_reach_the_orders(tmp_path):
    write_text(tmp_path / "payments.csv", ["order_id,payment_value", "A1,inf", "A1,10", "A2,-1e300"])
    table, problems = load("orders", orders_with(tmp_path), payments="payments.csv")
    assert [(p.file, p.row, p.column) for p in of_code(problems, "value.out_of_range")] == [
        ("payments.csv", 2, "payment_value"), ("payments.csv", 4, "payment_value")]
    assert column(table, "value") == [10.0, None, None]


def test_check_and_score_print_no_overflow_warning(tmp_path):
    write_text(tmp_path / "lines.csv", ["order_id,item,quantity,price", "A1,Shirt,1e308,1e308", "A1,Tote,1e308,2"])
    orders_with(tmp_path)
    engagement(tmp_path, {"file": "orders.csv", "lines": "lines.csv"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked = CliRunner().invoke(app, ["check", str(tmp_path), "--json"])
        scored = CliRunner().invoke(app, ["score", str(tmp_path), "--json"])
    assert checked.exit_code == 0 and scored.exit_code == 0, scored.output
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    wild = [p for p in json.loads(checked.output)["problems"] if p["code"] == "value.out_of_range"]
    assert [(p["file"], p["row"], p["column"]) for p in wild] == [("lines.csv", 2, "quantity"), ("lines.csv", 3, "quantity"),
                                                                  ("lines.csv", 2, "price")]


# ---------------------------------------------------------------- mistakes in the related tables

@pytest.mark.parametrize("header, expected", [
    ("order_id,sku,sku", "header 'sku' appears 2 times in lines.csv (columns 2 and 3), so which one is the lines' item "
                         "cannot be told; rename the others in the file"),
    ("order_id,order_id,sku", "header 'order_id' appears 2 times in lines.csv (columns 1 and 2), so which one is the join key "
                              "cannot be told; rename the others in the file"),
])
def test_a_repeated_header_in_a_related_file_is_a_located_error(tmp_path, header, expected):
    write_text(tmp_path / "lines.csv", [header, "A1,X,Y"])
    table, problems = load("orders", write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2026-04-01"]), lines="lines.csv")
    [problem] = errors(problems)
    assert (problem.code, problem.file, problem.column, problem.message) == ("mapping.ambiguous", "lines.csv", expected.split("'")[1],
                                                                            expected)
    assert table is not None and "item" not in table.mapping


def test_a_repeated_header_exits_1_not_70(tmp_path):
    write_text(tmp_path / "lines.csv", ["order_id,sku,sku", "A1,X,Y"])
    orders_with(tmp_path)
    engagement(tmp_path, {"file": "orders.csv", "lines": "lines.csv"})
    result = CliRunner().invoke(app, ["check", str(tmp_path), "--json"])
    assert result.exit_code == 1, result.output
    [problem] = [p for p in json.loads(result.output)["problems"] if p["severity"] == "error"]
    assert (problem["file"], problem["column"]) == ("lines.csv", "sku")
    assert problem["message"].startswith("header 'sku' appears 2 times in lines.csv (columns 2 and 3)")


def test_a_repeated_header_in_a_customers_table_or_named_in_the_orders_file(tmp_path):
    write_text(tmp_path / "customers.csv", ["Customer,city,city", "c1,Leeds,York"])
    _, problems = load("orders", orders_with(tmp_path), customers="customers.csv")
    assert message(problems, "mapping.ambiguous") == ("header 'city' appears 2 times in customers.csv (columns 2 and 3), so which "
                                                      "one to bring in cannot be told; rename the others in the file")
    path = write_text(tmp_path / "twice.csv", ["Order ID,Order ID,Order Date", "A1,A1,2026-04-01"])
    table, problems = load("orders", path, columns={"order_id": "Order ID"}, lines="lines.csv")
    assert table is None and [(p.code, p.file, p.message) for p in errors(problems)] == [
        ("mapping.ambiguous", "twice.csv", "header 'Order ID' appears 2 times in twice.csv (columns 1 and 2), so which one is "
                                           "field 'order_id' cannot be told; rename the others in the file")]


@pytest.mark.parametrize("named", ["orders.csv", "link.csv"])
def test_lines_naming_the_orders_file_itself_is_an_error(tmp_path, named):
    path = orders_with(tmp_path)
    (tmp_path / "link.csv").symlink_to(path)
    table, problems = load("orders", path, lines=named)
    [problem] = errors(problems)
    assert (problem.code, problem.file) == ("join.same_file", named)
    assert problem.message == (f"{named} under lines: is the orders file itself (orders.csv); name the order-lines (one row per "
                               "item) export there, or remove it")
    assert table is not None and "item_count" not in table.mapping


def test_one_column_named_for_two_roles_is_an_error(tmp_path):
    lines = ["order_id,qty", "A1,2"]
    _, problems = load("orders", orders_with(tmp_path, lines=lines),
                       lines={"file": "lines.csv", "columns": {"item": "qty", "quantity": "qty"}})
    [problem] = errors(problems)
    assert (problem.code, problem.file, problem.column) == ("mapping.column_twice", "lines.csv", "qty")
    assert problem.message == ("`columns:` of a lines table names column 'qty' for both 'item' and 'quantity'; a column feeds one "
                               "of them: name the right column for each (or null)")


# ---------------------------------------------------------------- a line-item export read as orders

def line_item_rows(tmp_path: Path, orders: int, dated_repeats: bool = False) -> Path:
    rows = ["order_id,ordered_at,item"]
    for i in range(orders):
        date = f"2026-03-{1 + i % 28:02d}"
        rows += [f"#{i},{date},Shirt", f"#{i},{date if dated_repeats else ''},Tote"]
    return write_text(tmp_path / "orders.csv", rows)


def test_a_line_item_export_without_a_preset_is_pointed_out(tmp_path):
    _, problems = load("orders", line_item_rows(tmp_path, LINE_ITEM_MIN_REPEATS))
    [hint] = of_code(problems, "mapping.line_items_suspected")
    assert (hint.severity, hint.file, hint.column) == (Severity.WARNING, "orders.csv", "order_id")
    assert hint.message == (f"{LINE_ITEM_MIN_REPEATS} rows repeat an order id of an earlier row and most lack the order's date "
                            f"({LINE_ITEM_MIN_REPEATS} of them): this looks like one row per line item; set preset: shopify / "
                            "woocommerce, or name the lines file under lines: (docs/engagement.md, Related tables)")
    _, problems = load("orders", line_item_rows(tmp_path, LINE_ITEM_MIN_REPEATS - 1))
    assert of_code(problems, "mapping.line_items_suspected") == []  # too few to tell
    _, problems = load("orders", line_item_rows(tmp_path, 40, dated_repeats=True))
    assert of_code(problems, "mapping.line_items_suspected") == []  # repeated orders, each dated: duplicates, not lines


# ---------------------------------------------------------------- keys as written

def test_the_orders_customer_key_stays_text_when_another_column_is_the_customer(tmp_path):
    write_text(tmp_path / "customers.csv", ["customer_id,customer_unique_id", "00123,uA", "123,uB"])
    path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at,customer_id", "A1,2026-04-01,00123", "A2,2026-04-02,123"])
    table, problems = load("orders", path, customers={"file": "customers.csv", "key": "customer_id"},
                           columns={"customer_id": "customer_unique_id"})
    assert errors(problems) == [] and of_code(problems, "join.many_to_many") == []
    assert column(table, "customer_id") == ["uA", "uB"]


def test_mapping_the_stable_customer_key_changes_repeat_purchase(tmp_path):
    # 20 people, each order under a new customer_id; the first 10 people order again 10 days later.
    rows, people = ["order_id,ordered_at,customer_id"], ["customer_id,customer_unique_id"]
    for i in range(20):
        rows.append(f"A{i},2025-10-{1 + i:02d} 10:00,c{i}a")
        people.append(f"c{i}a,u{i}")
        if i < 10:
            rows.append(f"B{i},2025-10-{11 + i:02d} 10:00,c{i}b")
            people.append(f"c{i}b,u{i}")
    rows.append("Z1,2026-03-01 10:00,cz")  # the export runs on, so every first order above has a full 60-day window
    people.append("cz,uz")
    write_text(tmp_path / "orders.csv", rows)
    write_text(tmp_path / "customers.csv", people)
    spec = {"file": "orders.csv", "customers": {"file": "customers.csv", "key": "customer_id"}}
    engagement(tmp_path, spec)
    assert _came_back_share(run_audit(tmp_path)) == (0, 30)  # every order a first order that nobody follows
    engagement(tmp_path, {**spec, "columns": {"customer_id": "customer_unique_id"}})
    assert _came_back_share(run_audit(tmp_path)) == (10, 20)
