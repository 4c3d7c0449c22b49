"""Related tables of an orders source (order lines, payments, a customers lookup): joined into one row per order."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Ingest, OutsideEngagement, Preset, SourceSpec
from ..errors import FixfirstError, Problem, Severity
from . import values as V
from .fields import field_specs, normalise
from .fold import (
    LINE_COLUMNS,
    NUMERIC_ROLES,
    PAYMENT_COLUMNS,
    Sink,
    aggregate_lines,
    aggregate_payments,
    figures,
    find_roles,
    first_filled,
    fold_line_items,
    header_list,
    line_values,
    plain,
    repeated_header,
    role_synonyms,
    taken,
    text_plan,
)
from .mapping import ColumnMapping, find_header, map_columns
from .readers import RawTable, read_table
from .tables import JoinCounts

Related = SourceSpec.Related

# Names of the columns a join brings into the orders table: a field's own name or synonym, so they map like any other.
PAYMENTS_OUT = {"method": "payment_method", "instalments": "instalments"}
# Where an order's value may come from, first that has it (docs/engagement.md, Related tables), and the name of the
# column each related table's value is brought in as.
FROM_FILE = "the file"
OFFERED_VALUE = {"payments": "payment_value", "lines": "lines_value"}
PRECEDENCE = ("Each order takes the orders file's own value where its cell is filled, else the sum of its payments, else "
              "its lines' total (line total, else price x quantity, plus freight)")
EXAMPLES = 3  # unmatched ids quoted in a problem


@dataclass
class Prepared:
    """What folding and joining did to an orders table: rows folded, columns brought in, join counts, problems."""

    merged: int = 0
    brought_in: dict[str, str] = field(default_factory=dict)  # header added to the orders -> how check shows it
    joins: list[JoinCounts] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    value_header: str | None = None  # the column `value` maps to when the related tables had a say in it
    origins: tuple[str, ...] = ()  # where values could come from, in precedence order, when there was a choice
    value_origin: pd.Series | None = None  # per order row: the origin its value came from (None: no value)

    def fill(self, kind: str, mapping: ColumnMapping, problems: list[Problem], explicit: dict[str, str | None],
             file: str, sheet: str | None) -> list[Problem]:
        """Fields the orders file has no column for, filled from the columns brought in (precedence: the orders file's
        own columns first, then these; `columns:` can name either), and the order value as settled per order.
        Returns the mapping problems that still stand."""
        if not self.brought_in and self.value_header is None:
            return problems
        filled = set()
        if self.value_header is not None:
            mapping.columns["value"], mapping.how["value"] = self.value_header, "joined"
            filled.add("value")
        extra, extra_problems = map_columns(kind, list(self.brought_in), {}, set(), file, sheet)
        for name, header in extra.columns.items():
            if name not in mapping.columns and name not in explicit:
                mapping.columns[name], mapping.how[name] = header, self.brought_in[header]
                filled.add(name)
        still = [p for p in problems if not (p.code == "mapping.required_missing" and p.column in filled)]
        return still + [p for p in extra_problems if p.code == "mapping.ambiguous" and p.column not in mapping.columns
                        and p.column not in explicit]

    def value_note(self, kept: np.ndarray, file: str, sheet: str | None) -> list[Problem]:
        """Where the kept orders' values came from, when more than one place could give them (a warning with counts)."""
        if self.value_origin is None:
            return []
        origin = self.value_origin.to_numpy(dtype=object)[kept]
        counts = ", ".join(f"{int((origin == o).sum()):,} from {o}" for o in self.origins)
        none = int(pd.isna(origin).sum())
        counts += f", {none:,} without one" if none else ""
        return [Problem("join.value_origin", f"value: {counts}. {PRECEDENCE}", Severity.WARNING, file, sheet, None,
                        self.value_header)]


def related_tables(spec: SourceSpec) -> list[tuple[str, Related]]:
    """Every related table of a source as (role, table): `lines:`, `payments:`, `customers:` and `related:` alike."""
    tables = [("lines", t) for t in spec.lines] + [("payments", t) for t in spec.payments]
    if spec.customers is not None:
        tables.append(("customers", spec.customers))
    for t in spec.related:
        if t.role is None:  # validation refuses this; only a spec built with model_construct() gets here
            raise ValueError(f"related file {t.file} has no role: (lines, payments or customers)")
        tables.append((t.role, t))
    return tables


def beside(path: Path) -> Callable[[str], Path]:
    """The default resolver: a related file named relative to the orders file's folder."""
    def resolve(name: str) -> Path:
        candidate = Path(name).expanduser()
        return candidate if candidate.is_absolute() else path.parent / candidate
    return resolve


def keys_as_text(spec: SourceSpec, preset: Preset | None,
                 plan: Callable[[list[str]], dict[str, str]]) -> Callable[[list[str]], dict[str, str]]:
    """The orders reader's plan with the orders' side of every join kept as exact text too: a customer column that
    `columns:` no longer maps (Olist's customer_id, once customer_unique_id is the customer) still joins as written."""
    tables = related_tables(spec)
    if not tables:
        return plan

    def text_as(header: list[str]) -> dict[str, str]:
        keep = dict(plan(header))
        own = _own_mapping(spec, header, preset, None)
        for role, table in tables:
            key = table.key
            wanted: str | None
            if isinstance(key, SourceSpec.RelatedKey):
                wanted = key.orders
            elif key is not None and find_header(header, key) is not None:
                wanted = key
            else:
                wanted = own.columns.get("customer_id" if role == "customers" else "order_id")
            found = find_header(header, wanted) if wanted else None
            if found is not None:
                keep[found] = "text"
        return keep

    return text_as


def prepare_orders(spec: SourceSpec, raw: RawTable, preset: Preset | None, limits: Ingest,
                   resolve: Callable[[str], Path], orders_path: Path | None = None) -> Prepared:
    """Fold a line-item export by order id, then join the related tables: all on the raw cells, before typing."""
    out = Prepared()
    tables = related_tables(spec)
    if not tables and not (preset is not None and preset.line_items):
        return out
    headers = list(raw.frame.columns)
    own = _own_mapping(spec, headers, preset, raw.sheet)
    if any(headers.count(h) > 1 for h in own.columns.values()):
        return out  # which column is meant cannot be told: load_source reports it (repeated_header_problems)
    if preset is not None and preset.line_items and "order_id" in own.columns:
        out.merged, added, problems = fold_line_items(raw, own, spec.file, limits.detailed_problems_per_column)
        out.brought_in.update(added)
        out.problems += problems
    if not tables:
        return out
    ctx = _Orders(spec, raw, own, limits, resolve, orders_path)
    for role in ("customers", "payments", "lines"):
        chosen = [t for r, t in tables if r == role]
        if chosen:
            ctx.join(role, chosen, out)
    ctx.settle_value(out)
    return out


def _own_mapping(spec: SourceSpec, headers: list[str], preset: Preset | None, sheet: str | None) -> ColumnMapping:
    """The orders file's own columns, before anything is brought in (explicit names of brought-in columns left aside)."""
    explicit = {k: v for k, v in spec.columns.items() if v is None or find_header(headers, v) is not None}
    mapping, _ = map_columns(spec.kind, headers, explicit, set(), spec.file, sheet, preset)
    return mapping


class _Orders:
    """The orders side of every join: its file, its keys, and where the brought-in columns go."""

    def __init__(self, spec: SourceSpec, raw: RawTable, own: ColumnMapping, limits: Ingest,
                 resolve: Callable[[str], Path], orders_path: Path | None) -> None:
        self.spec, self.raw, self.own, self.limits, self.resolve = spec, raw, own, limits, resolve
        self.label, self.name, self.path = spec.file, Path(spec.file).name, orders_path
        self.offered: dict[str, pd.Series] = {}  # role -> its value per order row (payments' sum, lines' total)

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
        order_keys = plain(V.parse_id(self.raw.frame[orders_header])[0])
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
                                            f"its columns are: {header_list(orders_headers)}", Severity.ERROR, self.label, self.raw.sheet,
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
        if orders_headers.count(orders_header) > 1:
            out.problems.append(repeated_header(orders_header, orders_headers, self.name, self.label, self.raw.sheet,
                                          f"is the key to join {Path(file).name} on"))
            return None
        wanted = [related_key or orders_header, *(role_synonyms(role))]
        try:
            path = self.resolve(file)
            if self._is_orders_file(path):
                out.problems.append(Problem("join.same_file", f"{Path(file).name} under {role}: is the orders file itself "
                                            f"({self.name}); name the {_ROWS[role]} export there, or remove it",
                                            Severity.ERROR, file, table.sheet))
                return None
            raw = read_table(path, self.limits, table.sheet, None, table.delimiter, table.encoding,
                             recognise={normalise(w) for w in wanted if w}, text_as=text_plan(role, table))
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
                                        f"{header_list(headers)}. Name its key column with key: (docs/engagement.md, Related tables)",
                                        Severity.ERROR, file, raw.sheet, None, shown))
            return None
        # A customers table brings every column: any repeated header is ambiguous there; elsewhere only the key's.
        repeated = [h for h in dict.fromkeys(headers) if headers.count(h) > 1 and (role == "customers" or h == related_header)]
        if repeated:
            out.problems += [repeated_header(h, headers, Path(file).name, file, raw.sheet,
                                       "is the join key" if h == related_header else "to bring in") for h in repeated]
            return None
        return raw, related_header, orders_header

    def _is_orders_file(self, path: Path) -> bool:
        """The related file is the orders file itself (the same real file, whatever the name or link says)."""
        if self.path is None:
            return False
        try:
            return os.path.samefile(path, self.path)
        except OSError:  # missing: the reader says so
            return False

    def _keys(self, column: pd.Series, orders_header: str) -> pd.Series:
        """The related file's keys as the orders' keys read: as text; digits lose leading zeros when the orders'
        column holds numbers (a workbook's number cells: its '00123' is already 123 there)."""
        keys, _ = V.parse_id(column)
        if pd.api.types.is_numeric_dtype(self.raw.frame[orders_header].dtype):
            keys = keys.str.replace(r"^0+(?=\d)", "", regex=True)
        return plain(keys)

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
        folded = aggregate_lines(rows) if role == "lines" else aggregate_payments(rows)
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
        all_headers = list(raw.frame.columns)
        headers = [h for h in all_headers if h != key]
        named: dict[str, str] = {}
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
                                            f"columns are: {header_list(all_headers)}", Severity.ERROR, table.file, raw.sheet,
                                            None, header))
                return None
            if found in named.values():
                [other] = [n for n, h in named.items() if h == found]
                out.problems.append(Problem("mapping.column_twice", f"`columns:` of a {role} table names column {found!r} for both "
                                            f"{other!r} and {name!r}; a column feeds one of them: name the right column for each "
                                            "(or null)", Severity.ERROR, table.file, raw.sheet, None, found))
                return None
            named[name] = found
        columns = find_roles(roles, table.columns, headers)
        repeated = [h for h in dict.fromkeys(columns.values()) if all_headers.count(h) > 1]
        if repeated:
            purpose = {h: n for n, h in columns.items()}
            out.problems += [repeated_header(h, all_headers, Path(table.file).name, table.file, raw.sheet, f"is the {role}' {purpose[h]}")
                             for h in repeated]
            return None
        return columns

    def _normalised(self, role: str, raw: RawTable, keys: pd.Series, columns: dict[str, str], file: str, out: Prepared) -> pd.DataFrame:
        """The related rows as key + typed role columns; figures are checked at their own row and column (unreadable,
        infinite or absurdly large ones reported and left out of the sums)."""
        sink = Sink(raw, file, self.limits.detailed_problems_per_column)
        rows = pd.DataFrame({"key": keys.to_numpy()})
        for name, header in columns.items():
            cells = raw.frame[header]
            values = figures(cells, header, name, sink) if name in NUMERIC_ROLES else V.parse_text(cells)[0]
            rows[name] = values.to_numpy()
        if role == "lines":
            line = line_values(rows, columns, raw.frame, sink)
            if line is not None:
                rows["line_value"] = line
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
        """Add the folded columns to the orders, named so they map by synonym (a name the file already uses is prefixed).
        The value is kept aside: settle_value decides, order by order, where each order's value comes from."""
        if "value" in per_order:
            self.offered[role] = per_order["value"]
        names = {"item_count": "item_count", "items": "items", "item": "item"} if role == "lines" else PAYMENTS_OUT
        for column, name in names.items():
            if column in per_order:
                self._add(role, name, per_order[column], out)

    def _add(self, role: str, name: str, values: pd.Series, out: Prepared) -> str | None:
        headers = list(self.raw.frame.columns)
        header = name if not taken(name, headers) else f"{role} {name}"
        if taken(header, headers):
            return None
        self.raw.frame[header] = values.array
        out.brought_in[header] = "joined"
        return header

    # -- the order value

    def settle_value(self, out: Prepared) -> None:
        """Each order's value from the first place that has it: the orders file's own cell, its payments' sum, its
        lines' total (PRECEDENCE). The related values are brought in as payment_value and lines_value either way;
        `columns: {value: ...}` naming one of them (or null) is the consultant's choice and is left alone."""
        brought = {role: h for role, values in self.offered.items() if (h := self._add(role, OFFERED_VALUE[role], values, out))}
        if not brought:
            return
        own_header = self.own.columns.get("value")
        if "value" in self.spec.columns and own_header is None:
            return
        frame = self.raw.frame
        origins: list[tuple[str, pd.Series]] = []
        if own_header is not None:
            cells = frame[own_header]
            own, bad = V.parse_number(cells)
            filled = int((~V.blank_mask(cells)).sum())
            if self.own.how.get("value") == "auto" and filled and int(bad.sum()) > filled / 2:
                own_header = None  # a wrong guess (mostly not numbers): the loader rejects it, the related values stand
            else:
                origins.append((FROM_FILE, own))
        origins += [(role, frame[header].astype("float64")) for role, header in brought.items()]
        value, origin = first_filled(origins, frame.index)
        if own_header is not None:
            if not origin.isin(list(brought)).any():
                return  # every value the orders have is their own: the file's column stands as it is
            sink = Sink(self.raw, self.label, self.limits.detailed_problems_per_column)
            sink.cells(bad, "expected a number; treated as missing (its payments or lines give the value where they have one)",
                       own_header, cells)
            out.problems += sink.problems
            frame[own_header] = value.to_numpy()  # in place: the file's own cells keep their column in every problem
            out.value_header = own_header
        elif len(origins) == 1:
            out.value_header = brought[origins[0][0]]
        else:
            header = next((h for h in ("value", "order value") if not taken(h, list(frame.columns))), None)
            if header is None:
                return
            frame[header] = value.to_numpy()
            out.brought_in[header] = "joined"
            out.value_header = header
        if len(origins) > 1:
            out.origins, out.value_origin = tuple(label for label, _ in origins), origin

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
            header = column if not taken(column, existing) else f"customers {column}"
            if taken(header, existing):
                continue
            self.raw.frame[header] = pd.Series(looked[column].array, index=self.raw.frame.index)
            existing.append(header)
            out.brought_in[header] = "joined"
        out.joins.append(JoinCounts(role="customers", file=table.file, key=related_header, rows=len(keys),
                                    matched_rows=int(keys.isin(set(order_keys.dropna())).sum()), unmatched_rows=0, unmatched_ids=0,
                                    blank_keys=int((~filled).sum()), orders_matched=matched, orders_without=total - matched,
                                    repeated_keys=int(repeated.nunique())))


_ROWS = {"lines": "order-lines (one row per item)", "payments": "payments (one row per payment)", "customers": "customers"}
