"""Customer key sanity: a customer column that changes with every order cannot show anyone coming back."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from ..errors import Problem, Severity
from . import values as V
from .fields import normalise

# Below this many orders with a customer, every customer having one order is plausible (a young shop, a short export).
MIN_ORDERS = 200
# Normalised headers that name a key staying the same for a returning customer: Olist's customer_unique_id, an
# e-mail, a phone number, a customer or account number. Not 'customer id' itself: that is the column under suspicion.
STABLE_KEY = re.compile(r"uniqueid|email|phone|mobilenumber|mobileno|clientid|clientnumber|clientno|customernumber|customerno"
                        r"|customercode|accountid|accountnumber|accountno|userid|memberid|membernumber|loyalty|buyerid|contactid"
                        r"|shopperid")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def customer_key_problems(frame: pd.DataFrame, raw_rows: Callable[[], pd.DataFrame], mapping: dict[str, str], file: str,
                          sheet: str | None) -> list[Problem]:
    """A warning, with the fix, when the mapped customer_id is different on every order (on at least MIN_ORDERS).

    `frame` is the typed orders table (rows kept); `raw_rows()` gives the raw cells of the same rows, brought-in
    columns included (taken only when the warning applies: copying a million raw rows costs a third of a second):
    a column named like a stable customer key is suggested, best first one that repeats across orders.
    """
    header = mapping.get("customer_id")
    if header is None or "customer_id" not in frame:
        return []
    ids = frame["customer_id"].dropna()
    if len(ids) < MIN_ORDERS or ids.nunique() < len(ids):
        return []
    said = f"customer_id ({header!r}) is different on every one of the {len(ids):,} orders"
    raw = raw_rows()
    best = _candidate(raw, set(mapping.values()))
    if best is None:
        message = (f"{said}, so repeat purchase cannot be measured from it: it looks like a key per order. Map a column that stays "
                   "the same for a returning customer (a customer number, an e-mail) with columns: {customer_id: ...}, or bring one in "
                   "from a customers table with customers: (docs/engagement.md, Related tables)")
    else:
        column, repeats, filled = best
        why = ("repeats across orders and looks like the stable customer key" if repeats else
               f"looks like the stable customer key by its name (filled on {filled:,} of {len(raw):,} orders, none repeating yet)")
        message = (f"{said}, so repeat purchase reads 0; column {column!r} {why}: map it with "
                    f"columns: {{customer_id: {_yaml(column)}}}")
    return [Problem("mapping.customer_key_per_order", message, Severity.WARNING, file, sheet, None, header)]


def _candidate(raw: pd.DataFrame, mapped: set[str]) -> tuple[str, bool, int] | None:
    """(column, repeats across orders, orders it is filled on) of the likeliest stable customer key, or None."""
    found = []
    for column in raw.columns:
        if column in mapped or not STABLE_KEY.search(normalise(column)):
            continue
        values, _ = V.parse_id(raw[column])
        values = values.dropna()
        if values.empty:
            continue
        repeats = bool(values.duplicated().any())
        if not repeats and len(values) >= MIN_ORDERS:
            continue  # just as unique per order: no better
        found.append((not repeats, -len(values), column, repeats, len(values)))
    if not found:
        return None
    _, _, column, repeats, filled = min(found)
    return column, repeats, filled


def _yaml(header: str) -> str:
    """The header as it is written in audit.yaml: bare when plain, else quoted."""
    return header if _PLAIN.fullmatch(header) else "'" + header.replace("'", "''") + "'"
