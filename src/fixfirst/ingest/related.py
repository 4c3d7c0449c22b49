"""Related tables of an orders source (order lines, payments, a customers lookup): joined and folded into one row per order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from ..boundary import OutsideEngagement
from ..engagement import SourceSpec
from ..errors import FixfirstError, Problem, Severity
from ..settings import Ingest
from . import values as V
from .fields import field_specs, normalise
from .mapping import ColumnMapping, find_header, map_columns
from .presets import Preset
from .readers import RawTable, read_table
from .tables import JoinCounts

Related = SourceSpec.Related

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
# Names of the columns a join brings into the orders table: a field's own name or synonym, so they map like any other.
PAYMENTS_OUT = {"value": "payment_value", "method": "payment_method", "instalments": "instalments"}
MAX_ITEMS_CHARS = 200  # the `items` text of one order: long baskets are cut, with the number left out
EXAMPLES = 3  # unmatched ids quoted in a problem
MAX_HEADERS_SHOWN = 60


@dataclass
class Prepared:
    """What folding and joining did to an orders table: rows folded, columns brought in, join counts, problems."""

    merged: int = 0
    brought_in: dict[str, str] = field(default_factory=dict)  # header added to the orders -> how check shows it
    joins: list[JoinCounts] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def fill(self, kind: str, mapping: ColumnMapping, problems: list[Problem], explicit: dict[str, str | None],
             file: str, sheet: str | None) -> list[Problem]:
        """Fields the orders file has no column for, filled from the columns brought in (precedence: the orders file's
        own columns first, then these; `columns:` can name either). Returns the mapping problems that still stand."""
        if not self.brought_in:
            return problems
        extra, extra_problems = map_columns(kind, list(self.brought_in), {}, set(), file, sheet)
        filled = set()
        for name, header in extra.columns.items():
            if name not in mapping.columns and name not in explicit:
                mapping.columns[name], mapping.how[name] = header, self.brought_in[header]
                filled.add(name)
        still = [p for p in problems if not (p.code == "mapping.required_missing" and p.column in filled)]
        return still + [p for p in extra_problems if p.code == "mapping.ambiguous" and p.column not in mapping.columns
                        and p.column not in explicit]


def related_tables(spec: SourceSpec) -> list[tuple[str, Related]]:
    """Every related table of a source as (role, table): `lines:`, `payments:`, `customers:` and `related:` alike."""
    tables = [("lines", t) for t in spec.lines] + [("payments", t) for t in spec.payments]
    if spec.customers is not None:
        tables.append(("customers", spec.customers))
    return tables + [(t.role, t) for t in spec.related]


def beside(path: Path) -> Callable[[str], Path]:
    """The default resolver: a related file named relative to the orders file's folder."""
    def resolve(name: str) -> Path:
        candidate = Path(name).expanduser()
        return candidate if candidate.is_absolute() else path.parent / candidate
    return resolve


def prepare_orders(spec: SourceSpec, raw: RawTable, preset: Preset | None, limits: Ingest,
                   resolve: Callable[[str], Path]) -> Prepared:
    """Fold a line-item export by order id, then join the related tables: all on the raw cells, before typing."""
    out = Prepared()
    tables = related_tables(spec)
    if not tables and not (preset is not None and preset.line_items):
        return out
    label = spec.file
    headers = list(raw.frame.columns)
    own = _own_mapping(spec, headers, preset, raw.sheet)
    if preset is not None and preset.line_items and "order_id" in own.columns:
        _fold_line_items(raw, own, label, limits, out)
    if not tables:
        return out
    ctx = _Orders(spec, raw, own, label, limits, resolve)
    for role in ("customers", "payments", "lines"):  # payments before lines: a line value stands in only without them
        chosen = [t for r, t in tables if r == role]
        if chosen:
            ctx.join(role, chosen, out)
    return out


def _own_mapping(spec: SourceSpec, headers: list[str], preset: Preset | None, sheet: str | None) -> ColumnMapping:
    """The orders file's own columns, before anything is brought in (explicit names of brought-in columns left aside)."""
    explicit = {k: v for k, v in spec.columns.items() if v is None or find_header(headers, v) is not None}
    mapping, _ = map_columns(spec.kind, headers, explicit, set(), spec.file, sheet, preset)
    return mapping


# ---------------------------------------------------------------- folding

def _fold_line_items(raw: RawTable, own: ColumnMapping, label: str, limits: Ingest, out: Prepared) -> None:
    """A line-item export (Shopify, WooCommerce) repeats the order id on every line and carries the order's fields on
    its first line: keep that line, with the quantities summed and the distinct items listed."""
    frame = raw.frame
    ids = _plain(V.parse_id(frame[own.columns["order_id"]])[0])
    repeat = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
    if not repeat.any() and "item" not in own.columns and "quantity" not in own.columns:
        return
    sink = _Sink(raw, label, limits.detailed_problems_per_column)
    lines = pd.DataFrame({"key": ids})
    if "item" in own.columns:
        lines["item"], _ = V.parse_text(frame[own.columns["item"]])
    qty_header = own.columns.get("quantity")
    if qty_header is not None:
        lines["quantity"], bad = V.parse_number(frame[qty_header])
        sink.cells(bad, "expected a number; left out of the order's quantity", qty_header, frame[qty_header])
    folded = _aggregate_lines(lines[ids.notna().to_numpy()])
    kept_ids = ids[~repeat]
    per_order = folded.reindex(kept_ids.to_numpy())
    per_order.index = kept_ids.index
    frame = frame[~repeat].copy()
    if qty_header is not None:
        # Summed units replace the first line's own; an order without an id keeps what its row says.
        frame[qty_header] = per_order["quantity"].where(kept_ids.notna(), lines.loc[~repeat, "quantity"]).astype("float64")
    for name, column in (("item_count", "item_count"), ("items", "items")):
        if column in per_order and not _taken(name, list(frame.columns)):
            frame[name] = per_order[column]
            out.brought_in[name] = "folded"
    out.merged = int(repeat.sum())
    raw.frame, raw.rows = frame.reset_index(drop=True), raw.rows[~repeat]
    out.problems += sink.problems


def _aggregate_lines(lines: pd.DataFrame) -> pd.DataFrame:
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


def _aggregate_payments(payments: pd.DataFrame) -> pd.DataFrame:
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


# ---------------------------------------------------------------- joining

class _Orders:
    """The orders side of every join: its file, its keys, and where the brought-in columns go."""

    def __init__(self, spec: SourceSpec, raw: RawTable, own: ColumnMapping, label: str, limits: Ingest,
                 resolve: Callable[[str], Path]) -> None:
        self.spec, self.raw, self.own, self.label, self.limits, self.resolve = spec, raw, own, label, limits, resolve
        self.name = Path(label).name
        self.paid = False  # payments brought the order value: a line value does not stand in for it

    def join(self, role: str, tables: list[Related], out: Prepared) -> None:
        default = self.own.columns.get("customer_id" if role == "customers" else "order_id")
        parts: list[tuple[Related, RawTable, str, pd.Series]] = []
        orders_header = None
        for table in tables:
            found = self._read(role, table, default, out)
            if found is not None:
                raw, related_header, orders_header = found
                parts.append((table, raw, related_header, self._keys(raw.frame[related_header], orders_header)))
        if not parts or orders_header is None:
            return
        order_keys = _plain(V.parse_id(self.raw.frame[orders_header])[0])
        if role == "customers":
            self._lookup(parts[0], order_keys, orders_header, out)
        else:
            self._fold(role, parts, order_keys, orders_header, out)

    # -- reading

    def _read(self, role: str, table: Related, default: str | None, out: Prepared) -> tuple[RawTable, str, str] | None:
        """The related file's raw cells, its key header and the orders' key header; None (with a problem) when it fails."""
        file = table.file
        key = table.key
        related_key = key.related if isinstance(key, SourceSpec.RelatedKey) else key
        orders_key = key.orders if isinstance(key, SourceSpec.RelatedKey) else None
        orders_headers = list(self.raw.frame.columns)
        if orders_key is not None:
            orders_header = find_header(orders_headers, orders_key)
            if orders_header is None:
                out.problems.append(Problem("join.no_key", f"{self.name} has no column {orders_key!r} to join {Path(file).name} on; "
                                            f"its columns are: {_headers(orders_headers)}", Severity.ERROR, self.label, self.raw.sheet,
                                            None, orders_key))
                return None
        elif related_key is not None and find_header(orders_headers, related_key) is not None:
            orders_header = find_header(orders_headers, related_key)  # both files share the header
        else:
            orders_header = default
        if orders_header is None:
            if role == "customers":
                out.problems.append(Problem("join.no_key", f"{self.name} has no customer column to look {Path(file).name} up by; "
                                            "name both columns with key: {related: ..., orders: ...}", Severity.ERROR, self.label,
                                            self.raw.sheet))
            return None  # no order id: the orders' own mapping reports it
        wanted = [related_key or orders_header, *(_role_synonyms(role))]
        try:
            path = self.resolve(file)
            raw = read_table(path, self.limits, table.sheet, None, table.delimiter, table.encoding,
                             recognise={normalise(w) for w in wanted if w}, text_as=_text_plan(role, table))
        except FixfirstError as exc:  # refused by the engagement's boundary, or by the reader's guards
            code = "file.outside_engagement" if isinstance(exc, OutsideEngagement) else "file.unreadable"
            out.problems.append(Problem(code, f"{exc.cause.split(': ', 1)[-1]} ({exc.fix})" if exc.fix else exc.cause,
                                        Severity.ERROR, file, table.sheet))
            return None
        headers = list(raw.frame.columns)
        related_header = find_header(headers, related_key or orders_header)
        if related_header is None and related_key is None:
            # The file's column named most like the key field: its own name first, then its synonyms in order.
            [spec] = [f for f in field_specs("orders") if f.name == ("customer_id" if role == "customers" else "order_id")]
            related_header = next((h for h in (find_header(headers, n) for n in (spec.name, *spec.synonyms)) if h), None)
        if related_header is None:
            shown = related_key or orders_header
            out.problems.append(Problem("join.no_key", f"{Path(file).name} has no column {shown!r} to join on; its columns are: "
                                        f"{_headers(headers)}. Name its key column with key: (docs/engagement.md, Related tables)",
                                        Severity.ERROR, file, raw.sheet, None, shown))
            return None
        return raw, related_header, orders_header

    def _keys(self, column: pd.Series, orders_header: str) -> pd.Series:
        """The related file's keys as the orders' keys read: as text; digits lose leading zeros when the orders'
        column was read as numbers (its '00123' is already 123 there)."""
        keys, _ = V.parse_id(column)
        if pd.api.types.is_numeric_dtype(self.raw.frame[orders_header].dtype):
            keys = keys.str.replace(r"^0+(?=\d)", "", regex=True)
        return _plain(keys)

    # -- lines and payments

    def _fold(self, role: str, parts: list, order_keys: pd.Series, orders_header: str, out: Prepared) -> None:
        known = set(order_keys.dropna())
        frames, counts = [], []
        for table, raw, related_header, keys in parts:
            columns = self._role_columns(role, table, raw, related_header, out)
            if columns is None:
                continue
            frames.append(self._normalised(role, raw, keys, columns, table.file, out))
            counts.append((table, raw, related_header, keys, known))
        if not frames:
            return
        rows = pd.concat(frames, ignore_index=True)
        rows = rows[rows["key"].notna()]
        folded = _aggregate_lines(rows) if role == "lines" else _aggregate_payments(rows)
        per_order = folded.reindex(order_keys.to_numpy())
        per_order.index = self.raw.frame.index
        has = order_keys.notna() & order_keys.isin(folded.index)
        files = ", ".join(Path(t.file).name for t, *_ in parts)
        noun = "lines" if role == "lines" else "payments"
        total = int(order_keys.notna().sum())
        matched = int(has.sum())
        without = total - matched
        repeated = int(order_keys[has & order_keys.duplicated(keep=False)].nunique())
        if total and len(rows) and matched == 0:
            table, raw, header = parts[0][:3]
            out.problems.append(Problem("join.no_match", f"none of the {len(known):,} order ids in {self.name} appear in "
                                        f"{files}'s {header} column; check that `key:` names matching columns and that both "
                                        "exports cover the same orders", Severity.ERROR, table.file, raw.sheet, None, header))
        elif without:
            out.problems.append(Problem("join.orders_without", f"{without:,} of {total:,} orders in {self.name} have no {noun} in {files}",
                                        Severity.WARNING, self.label, self.raw.sheet, None, orders_header))
        if repeated:
            out.problems.append(Problem("join.many_to_many", f"{repeated:,} order ids appear on more than one row of {self.name} and have "
                                        f"{noun} in {files}: each copy of the order carries all of them, so they count more than once",
                                        Severity.WARNING, self.label, self.raw.sheet, None, orders_header))
        for table, raw, header, keys, known in counts:
            found = self._unmatched(table.file, raw, header, keys, known, out, warn=matched > 0)
            out.joins.append(JoinCounts(role=role, orders_matched=matched, orders_without=without, repeated_keys=repeated, **found))
        self._bring(role, per_order, out)

    def _role_columns(self, role: str, table: Related, raw: RawTable, key: str, out: Prepared) -> dict[str, str] | None:
        roles = LINE_COLUMNS if role == "lines" else PAYMENT_COLUMNS
        headers = [h for h in raw.frame.columns if h != key]
        for name, header in table.columns.items():
            if name not in roles:
                out.problems.append(Problem("mapping.unknown_field", f"`columns:` of a {role} table names unknown column {name!r}; "
                                            f"known: {', '.join(roles)}", Severity.ERROR, table.file, raw.sheet, None, name))
                return None
            if header is None:
                continue
            found = find_header(headers, header)
            if found is None:
                out.problems.append(Problem("mapping.column_not_found", f"column {header!r} named for {name!r} is not in the file; "
                                            f"columns are: {_headers(list(raw.frame.columns))}", Severity.ERROR, table.file, raw.sheet,
                                            None, header))
                return None
        return _find_roles(roles, table.columns, headers)

    def _normalised(self, role: str, raw: RawTable, keys: pd.Series, columns: dict[str, str], file: str, out: Prepared) -> pd.DataFrame:
        """The related rows as key + typed role columns; unreadable numbers are reported and left out of the sums."""
        sink = _Sink(raw, file, self.limits.detailed_problems_per_column)
        rows = pd.DataFrame({"key": keys.to_numpy()})
        for name, header in columns.items():
            cells = raw.frame[header]
            if name in NUMERIC_ROLES:
                values, bad = V.parse_number(cells)
                sink.cells(bad, f"expected a number; left out of the order's {name}", header, cells)
            else:
                values, _ = V.parse_text(cells)
            rows[name] = values.to_numpy()
        if role == "lines" and ("total" in rows or "price" in rows):
            # A line is worth its total, else price x quantity (one unit without a quantity), plus its freight.
            line = rows["total"] if "total" in rows else rows["price"] * (rows["quantity"].fillna(1) if "quantity" in rows else 1)
            if "total" in rows and "price" in rows:
                line = line.fillna(rows["price"] * (rows["quantity"].fillna(1) if "quantity" in rows else 1))
            rows["line_value"] = line + (rows["freight"].fillna(0) if "freight" in rows else 0)
        out.problems += sink.problems
        return rows

    def _unmatched(self, file: str, raw: RawTable, header: str, keys: pd.Series, known: set, out: Prepared, warn: bool) -> dict:
        """Counts of one related file's rows against the orders, and the warnings they call for (none when nothing
        matched at all: that is one error for the whole join)."""
        blank = keys.isna()
        stray = ~blank & ~keys.isin(known)
        name = Path(file).name
        if blank.any():
            out.problems.append(Problem("join.blank_key", f"{int(blank.sum()):,} rows of {name} have no {header!r}; they are left out",
                                        Severity.WARNING, file, raw.sheet, None, header))
        stray_ids = keys[stray].drop_duplicates()
        if stray.any() and warn:
            examples = ", ".join(repr(str(v)[:40]) for v in stray_ids.head(EXAMPLES))
            out.problems.append(Problem("join.unmatched", f"{int(stray.sum()):,} of {len(keys):,} rows of {name} carry an order id that is "
                                        f"not in {self.name} ({len(stray_ids):,} distinct ids, e.g. {examples}); they are left out",
                                        Severity.WARNING, file, raw.sheet, None, header))
        return dict(file=file, key=header, rows=len(keys), matched_rows=int((~blank & ~stray).sum()),
                    unmatched_rows=int(stray.sum()), unmatched_ids=len(stray_ids), blank_keys=int(blank.sum()))

    def _bring(self, role: str, per_order: pd.DataFrame, out: Prepared) -> None:
        """Add the folded columns to the orders, named so they map by synonym (a name the file already uses is prefixed)."""
        if role == "lines":
            value_free = "value" not in self.own.columns and "value" not in self.spec.columns and not self.paid
            names = {"item_count": "item_count", "items": "items", "item": "item",
                     "value": "value" if value_free else "lines_value"}
        else:
            names = PAYMENTS_OUT
        for column, name in names.items():
            if column not in per_order:
                continue
            header = name if not _taken(name, list(self.raw.frame.columns)) else f"{role} {name}"
            if _taken(header, list(self.raw.frame.columns)):
                continue
            self.raw.frame[header] = per_order[column].array
            out.brought_in[header] = "joined"
            self.paid = self.paid or (role == "payments" and column == "value")

    # -- customers

    def _lookup(self, part: tuple, order_keys: pd.Series, orders_header: str, out: Prepared) -> None:
        """A customers table looked up by the orders' customer column: its other columns join each order."""
        table, raw, related_header, keys = part
        name = Path(table.file).name
        if table.columns:
            out.problems.append(Problem("mapping.unknown_field", "`columns:` is for lines and payments tables; every column of a "
                                        "customers table is brought in (map them under the orders source's `columns:`)",
                                        Severity.ERROR, table.file, raw.sheet))
            return
        filled = keys.notna()
        repeated = keys[filled & keys.duplicated(keep=False)]
        if len(repeated):
            examples = ", ".join(repr(str(v)[:40]) for v in repeated.drop_duplicates().head(EXAMPLES))
            out.problems.append(Problem("join.many_to_many", f"{repeated.nunique():,} customer ids appear on more than one row of {name} "
                                        f"({len(repeated):,} rows, e.g. {examples}); each order takes the first row of its customer",
                                        Severity.WARNING, table.file, raw.sheet, None, related_header))
        lookup = raw.frame.loc[filled.to_numpy()].assign(_key=keys[filled].to_numpy()).drop_duplicates("_key").set_index("_key")
        total = int(order_keys.notna().sum())
        has = order_keys.notna() & order_keys.isin(lookup.index)
        matched = int(has.sum())
        if total and len(lookup) and matched == 0:
            out.problems.append(Problem("join.no_match", f"none of the {order_keys.dropna().nunique():,} customer ids in {self.name}'s "
                                        f"{orders_header} column appear in {name}'s {related_header} column; check that `key:` names "
                                        "matching columns", Severity.ERROR, table.file, raw.sheet, None, related_header))
        elif total - matched:
            out.problems.append(Problem("join.orders_without", f"{total - matched:,} of {total:,} orders in {self.name} have a customer id "
                                        f"that is not in {name}; their customer columns stay empty", Severity.WARNING, self.label,
                                        self.raw.sheet, None, orders_header))
        looked = lookup.reindex(order_keys.to_numpy())
        existing = list(self.raw.frame.columns)
        for column in lookup.columns:
            if column == related_header:
                continue
            header = column if not _taken(column, existing) else f"customers {column}"
            if _taken(header, existing):
                continue
            self.raw.frame[header] = pd.Series(looked[column].array, index=self.raw.frame.index)
            existing.append(header)
            out.brought_in[header] = "joined"
        out.joins.append(JoinCounts(role="customers", file=table.file, key=related_header, rows=len(keys),
                                    matched_rows=int(keys.isin(set(order_keys.dropna())).sum()), unmatched_rows=0, unmatched_ids=0,
                                    blank_keys=int((~filled).sum()), orders_matched=matched, orders_without=total - matched,
                                    repeated_keys=int(repeated.nunique())))


def _plain(keys: pd.Series) -> pd.Series:
    """Keys as plain Python strings (None when missing): hashed lookups, not Arrow's element-wise ones."""
    return pd.Series(keys.astype(object).where(keys.notna(), None).to_numpy(dtype=object), index=keys.index, dtype=object)


def _find_roles(roles: dict[str, tuple[str, ...]], named: dict[str, str | None], headers: list[str]) -> dict[str, str]:
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


def _text_plan(role: str, table: Related) -> Callable[[list[str]], dict[str, str]]:
    """How the fast reader keeps a related file's columns: every one as exact text (keys keep '00123'), except the
    amounts and counts a lines or payments table sums, which it types as numbers."""
    def plan(header: list[str]) -> dict[str, str]:
        roles = LINE_COLUMNS if role == "lines" else PAYMENT_COLUMNS if role == "payments" else {}
        numeric = {h for name, h in _find_roles(roles, table.columns, header).items() if name in NUMERIC_ROLES}
        return {h: "text" for h in header if h not in numeric}
    return plan


def _role_synonyms(role: str) -> tuple[str, ...]:
    if role == "lines":
        return tuple(s for synonyms in LINE_COLUMNS.values() for s in synonyms)
    if role == "payments":
        return tuple(s for synonyms in PAYMENT_COLUMNS.values() for s in synonyms)
    return tuple(s for spec in field_specs("orders") if spec.name == "customer_id" for s in spec.synonyms)


def _taken(name: str, headers: list[str]) -> bool:
    key = normalise(name)
    return any(h == name or normalise(h) == key for h in headers)


def _headers(headers: list[str]) -> str:
    """The header names of a file, never its cells."""
    shown = ", ".join(repr(h) for h in headers[:MAX_HEADERS_SHOWN]) or "(none)"
    return shown + (f" and {len(headers) - MAX_HEADERS_SHOWN} more" if len(headers) > MAX_HEADERS_SHOWN else "")


class _Sink:
    """The first problems of each column one by one, the rest counted: as the orders' own cells are reported."""

    def __init__(self, raw: RawTable, file: str, limit: int) -> None:
        self.raw, self.file, self.limit = raw, file, limit
        self.problems: list[Problem] = []

    def cells(self, mask: pd.Series, message: str, column: str, values: pd.Series) -> None:
        positions = mask.to_numpy(dtype=bool).nonzero()[0]
        for pos in positions[: self.limit]:
            value = values.iloc[pos]
            self.problems.append(Problem("value.unreadable", message, Severity.WARNING, self.file, self.raw.sheet,
                                         self.raw.row_number(int(pos)), column, None if pd.isna(value) else str(value)[:80]))
        if len(positions) > self.limit:
            self.problems.append(Problem("value.unreadable", f"{message} (and {len(positions) - self.limit:,} more rows like this)",
                                         Severity.WARNING, self.file, self.raw.sheet, None, column))
