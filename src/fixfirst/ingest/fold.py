"""Rows folded into one per order (line-item exports, order lines, payments), their figures and headers checked first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, Severity
from . import values as V
from .fields import field_specs, normalise
from .mapping import ColumnMapping, find_header
from .readers import RawTable
from .validate import MAX_ABS_FIGURE

# What each column of a related file is for, with the headers exports use for it, most telling first. The first
# header found wins (no ambiguity error: these columns only feed sums and labels); `columns:` of the table overrides.
LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "item": ("lineitem name", "item name", "product name", "product title", "title", "item", "product", "description",
             "sku", "variant sku", "product sku", "lineitem sku", "product id", "item id", "article", "article number"),
    "quantity": ("quantity", "qty", "lineitem quantity", "units", "quantity ordered", "qty ordered"),
    "price": ("price", "unit price", "lineitem price", "item price", "price each"),
    "total": ("line total", "line value", "lineitem total", "item total", "line amount", "total"),
    "freight": ("freight value", "freight", "shipping", "shipping cost", "shipping price", "delivery charge", "postage"),
}
PAYMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "value": ("payment value", "amount paid", "paid", "amount", "value", "total", "payment amount"),
    "method": ("payment type", "payment method", "method", "payment gateway", "gateway", "type"),
    "instalments": ("payment installments", "installments", "instalments", "number of instalments", "number of installments"),
}
NUMERIC_ROLES = {"quantity", "price", "total", "freight", "value", "instalments"}
# What each figure is summed into, as problems name it ("left out of the order's value").
SUMMED_INTO = {"quantity": "item count", "price": "value", "total": "value", "freight": "value", "value": "value",
               "instalments": "instalments"}
MAX_ITEMS_CHARS = 200  # the `items` text of one order: long baskets are cut, with the number left out

# An orders file without a line-item preset that looks like one row per line item (docs/engagement.md, Related
# tables): at least this many rows repeat an earlier row's order id, they are at least this share of the rows, and
# more than this share of them lack the order's date (a line-item export writes the order's fields on its first line).
LINE_ITEM_MIN_REPEATS = 10
LINE_ITEM_MIN_SHARE = 0.05
LINE_ITEM_UNDATED_SHARE = 0.5
MAX_HEADERS_SHOWN = 60  # a file's headers listed in a problem


class Sink:
    """The first problems of each column one by one, the rest counted: as the orders' own cells are reported."""

    def __init__(self, raw: RawTable, file: str, limit: int) -> None:
        self.raw, self.file, self.limit = raw, file, limit
        self.problems: list[Problem] = []

    def cells(self, mask: pd.Series | np.ndarray, message: str, column: str, values: pd.Series,
              code: str = "value.unreadable") -> None:
        positions = np.asarray(mask, dtype=bool).nonzero()[0]
        for pos in positions[: self.limit]:
            value = values.iloc[pos]
            self.problems.append(Problem(code, message, Severity.WARNING, self.file, self.raw.sheet,
                                         self.raw.row_number(int(pos)), column, None if pd.isna(value) else str(value)[:80]))
        if len(positions) > self.limit:
            self.problems.append(Problem(code, f"{message} (and {len(positions) - self.limit:,} more rows like this)",
                                         Severity.WARNING, self.file, self.raw.sheet, None, column))


def wild(values: pd.Series) -> np.ndarray:
    """Figures that are not real ones: infinite, or beyond MAX_ABS_FIGURE (the bound the typed columns are held to)."""
    return np.abs(values.to_numpy(dtype="float64", na_value=np.nan)) > MAX_ABS_FIGURE  # inf too; a blank is not


def figures(cells: pd.Series, header: str, name: str, sink: Sink) -> pd.Series:
    """A column of figures that is summed per order, checked where it is written before any sum: an unreadable cell
    or an infinite or absurdly large figure is reported at its row of its file and left out of the order's sum."""
    values, bad = V.parse_number(cells)
    into = SUMMED_INTO.get(name, name)
    sink.cells(bad, f"expected a number; left out of the order's {into}", header, cells)
    out = wild(values)
    sink.cells(out, f"{name} is infinite or larger than {MAX_ABS_FIGURE:,.0f}: not a real figure; "
               f"left out of the order's {into}", header, cells, code="value.out_of_range")
    return values.mask(out)


def line_values(rows: pd.DataFrame, columns: dict[str, str], cells: pd.DataFrame, sink: Sink) -> pd.Series | None:
    """What each line is worth: its total, else price x quantity (one unit without a quantity), plus its freight.
    A product too large to be a real figure is reported at the line (at its price column) and left out."""
    if "total" not in rows and "price" not in rows:
        return None
    if "price" in rows:
        each = rows["price"] * (rows["quantity"].fillna(1) if "quantity" in rows else 1)
        line = rows["total"].fillna(each) if "total" in rows else each
    else:
        line = rows["total"]
    line = line + (rows["freight"].fillna(0) if "freight" in rows else 0)
    out = wild(line)
    if out.any():
        header = columns["price"] if "price" in columns else columns["total"]
        sink.cells(out, f"the line's price x quantity is larger than {MAX_ABS_FIGURE:,.0f}: not a real "
                   "figure; left out of the order's value", header, cells[header], code="value.out_of_range")
    return line.mask(out)


def find_roles(roles: dict[str, tuple[str, ...]], named: dict[str, str | None], headers: list[str]) -> dict[str, str]:
    """Role -> header in a related file: as `columns:` names it, else the first synonym found (each header used once)."""
    columns = {name: found for name, header in named.items() if header is not None and name in roles
               and (found := find_header(headers, header)) is not None}
    used = set(columns.values())
    for name, synonyms in roles.items():
        if name in named:
            continue
        found = next((h for h in (find_header(headers, s) for s in synonyms) if h and h not in used), None)
        if found is not None:
            columns[name] = found
            used.add(found)
    return columns


def text_plan(role: str, table) -> Callable[[list[str]], dict[str, str]]:
    """How the fast reader keeps a related file's columns: every one as exact text (keys keep '00123'), except the
    amounts and counts a lines or payments table sums, which it types as numbers."""
    def plan(header: list[str]) -> dict[str, str]:
        roles = LINE_COLUMNS if role == "lines" else PAYMENT_COLUMNS if role == "payments" else {}
        numeric = {h for name, h in find_roles(roles, table.columns, header).items() if name in NUMERIC_ROLES}
        return {h: "text" for h in header if h not in numeric}
    return plan


def role_synonyms(role: str) -> tuple[str, ...]:
    """Every header that names a column of a related table: what recognises its header row."""
    if role == "lines":
        return tuple(s for synonyms in LINE_COLUMNS.values() for s in synonyms)
    if role == "payments":
        return tuple(s for synonyms in PAYMENT_COLUMNS.values() for s in synonyms)
    return tuple(s for spec in field_specs("orders") if spec.name == "customer_id" for s in spec.synonyms)


def first_filled(origins: list[tuple[str, pd.Series]], index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Per row, the value of the first origin that has one, and that origin's name (None where none has)."""
    value = pd.Series(np.nan, index=index)
    origin = pd.Series(None, index=index, dtype=object)
    for label, values in origins:
        take = value.isna() & values.notna()
        value[take], origin[take] = values[take], label
    return value, origin


def fold_line_items(raw: RawTable, own: ColumnMapping, label: str, limit: int) -> tuple[int, dict[str, str], list[Problem]]:
    """A line-item export (Shopify, WooCommerce) repeats the order id on every line and carries the order's fields on
    its first line: keep that line, with the quantities summed and the distinct items listed. Returns (rows folded,
    columns added, problems); `raw` is folded in place."""
    frame = raw.frame
    ids = plain(V.parse_id(frame[own.columns["order_id"]])[0])
    repeat = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
    if not repeat.any() and "item" not in own.columns and "quantity" not in own.columns:
        return 0, {}, []
    sink = Sink(raw, label, limit)
    lines = pd.DataFrame({"key": ids})
    if "item" in own.columns:
        lines["item"], _ = V.parse_text(frame[own.columns["item"]])
    qty_header = own.columns.get("quantity")
    if qty_header is not None:
        lines["quantity"] = figures(frame[qty_header], qty_header, "quantity", sink)
    folded = aggregate_lines(lines[ids.notna().to_numpy()])
    kept_ids = ids[~repeat]
    per_order = folded.reindex(kept_ids.to_numpy())
    per_order.index = kept_ids.index
    frame = frame[~repeat].copy()
    added: dict[str, str] = {}
    if qty_header is not None:
        # Summed units replace the first line's own; an order without an id keeps what its row says.
        frame[qty_header] = per_order["quantity"].where(kept_ids.notna(), lines.loc[~repeat, "quantity"]).astype("float64")
    for name in ("item_count", "items"):
        if name in per_order and not taken(name, list(frame.columns)):
            frame[name] = per_order[name]
            added[name] = "folded"
    raw.frame, raw.rows = frame.reset_index(drop=True), raw.rows[~repeat]
    return int(repeat.sum()), added, sink.problems


def aggregate_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per order key: lines, quantity (sum), item_count (units, else lines), item (the first), items, value."""
    groups = lines.groupby("key", sort=False)
    result = pd.DataFrame({"lines": groups.size()})
    if "quantity" in lines:
        result["quantity"] = groups["quantity"].sum(min_count=1)
        result["item_count"] = result["quantity"].fillna(result["lines"]).astype("float64")
    else:
        result["item_count"] = result["lines"].astype("float64")
    if "item" in lines:
        named = lines.dropna(subset=["item"])
        result["item"] = named.groupby("key", sort=False)["item"].first()
        result["items"] = _items_text(named.drop_duplicates(["key", "item"]))
    if "line_value" in lines:
        result["value"] = groups["line_value"].sum(min_count=1)
    return result


def _items_text(distinct: pd.DataFrame) -> pd.Series:
    """Per key, its distinct items as 'a; b; c': the first always, then those that fit in MAX_ITEMS_CHARS, and the
    number left out ('; (+3 more)'). Whole columns at a time: a shop's export has hundreds of thousands of orders."""
    import pyarrow as pa
    import pyarrow.compute as pc

    item = distinct["item"].astype(str)
    within = distinct.groupby("key", sort=False).cumcount()
    length = (item.str.len() + 2).groupby(distinct["key"], sort=False).cumsum() - 2
    fits = (within == 0) | (length <= MAX_ITEMS_CHARS)
    kept = pa.table({"key": pa.array(distinct["key"][fits].to_numpy(dtype=object), pa.string()),
                     "item": pa.array(item[fits].to_numpy(dtype=object), pa.string())})
    grouped = kept.group_by("key", use_threads=False).aggregate([("item", "list")])
    text = pd.Series(pc.binary_join(grouped["item_list"], "; ").to_pylist(), index=grouped["key"].to_pylist(), dtype=object)
    text = text.str.slice(0, MAX_ITEMS_CHARS)
    left = (~fits).groupby(distinct["key"], sort=False).sum()
    more = left.reindex(text.index).fillna(0).astype(int)
    return text.where(more == 0, text + "; (+" + more.astype(str) + " more)")


def aggregate_payments(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per order key: value (sum), method (the one carrying the most money), instalments (the most)."""
    groups = payments.groupby("key", sort=False)
    result = pd.DataFrame({"payments": groups.size()})
    if "value" in payments:
        result["value"] = groups["value"].sum(min_count=1)
    if "method" in payments:
        named = payments.dropna(subset=["method"])
        weight = named["value"].fillna(0) if "value" in named else pd.Series(1.0, index=named.index)
        by_method = named.assign(_weight=weight).groupby(["key", "method"], sort=False)["_weight"].sum().reset_index()
        # Most money first; a tie keeps the method seen first in the file (a stable sort on first-seen order).
        top = by_method.sort_values("_weight", ascending=False, kind="stable").drop_duplicates("key")
        result["method"] = top.set_index("key")["method"]
    if "instalments" in payments:
        result["instalments"] = groups["instalments"].max()
    return result


def line_item_hint(frame: pd.DataFrame, columns: dict[str, str], file: str, sheet: str | None,
                   ids: pd.Series | None = None) -> list[Problem]:
    """A warning when an orders file read without a line-item preset looks like one row per line item: many rows
    repeat an earlier row's order id and most of those lack the order's date (thresholds: LINE_ITEM_*). `ids`: the
    order ids already typed, row for row with `frame` (the raw cells), so they are not parsed twice."""
    id_header, date_header = columns.get("order_id"), columns.get("ordered_at")
    if id_header is None or date_header is None or not len(frame):
        return []
    ids = V.parse_id(frame[id_header])[0] if ids is None else ids
    repeat = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
    repeats = int(repeat.sum())
    if repeats < LINE_ITEM_MIN_REPEATS or repeats < LINE_ITEM_MIN_SHARE * len(frame):
        return []
    undated = int(V.blank_mask(frame[date_header]).to_numpy(dtype=bool)[repeat].sum())
    if undated <= LINE_ITEM_UNDATED_SHARE * repeats:
        return []
    return [Problem("mapping.line_items_suspected", f"{repeats:,} rows repeat an order id of an earlier row and most lack the "
                    f"order's date ({undated:,} of them): this looks like one row per line item; set preset: shopify / "
                    "woocommerce, or name the lines file under lines: (docs/engagement.md, Related tables)",
                    Severity.WARNING, file, sheet, None, id_header)]


def plain(keys: pd.Series) -> pd.Series:
    """Keys as plain Python strings (None when missing): hashed lookups, not Arrow's element-wise ones."""
    return pd.Series(keys.astype(object).where(keys.notna(), None).to_numpy(dtype=object), index=keys.index, dtype=object)


def taken(name: str, headers: list[str]) -> bool:
    key = normalise(name)
    return any(h == name or normalise(h) == key for h in headers)


# ---------------------------------------------------------------- headers

def repeated_header_problems(headers: Iterable[str], used: dict[str, str], file: str, sheet: str | None) -> list[Problem]:
    """A header that appears more than once and is used for a field: which column is meant cannot be told (an error,
    as for two columns that could be the same field)."""
    headers = list(headers)
    return [repeated_header(header, headers, Path(file).name, file, sheet, f"is field {name!r}")
            for name, header in used.items() if headers.count(header) > 1]


def repeated_header(header: str, headers: list[str], name: str, file: str, sheet: str | None, what: str) -> Problem:
    """A header written more than once where one column is meant (the file's columns numbered from 1, as Excel counts)."""
    where = [str(i + 1) for i, h in enumerate(headers) if h == header]
    listed = ", ".join(where[:-1]) + " and " + where[-1]
    return Problem("mapping.ambiguous", f"header {header!r} appears {len(where)} times in {name} (columns {listed}), so which "
                   f"one {what} cannot be told; rename the others in the file", Severity.ERROR, file, sheet, None, header)


def header_list(headers: list[str]) -> str:
    """The header names of a file, never its cells."""
    shown = ", ".join(repr(h) for h in headers[:MAX_HEADERS_SHOWN]) or "(none)"
    return shown + (f" and {len(headers) - MAX_HEADERS_SHOWN} more" if len(headers) > MAX_HEADERS_SHOWN else "")
