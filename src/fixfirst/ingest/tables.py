"""Typed, validated tables produced by ingest, one per source, with their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import Problem, ProblemLog


@dataclass(frozen=True)
class JoinCounts:
    """How one related file of an orders source matched the orders (docs/engagement.md, Related tables)."""

    role: str  # lines, payments or customers
    file: str
    key: str  # the key column in the related file
    rows: int  # rows read from the related file
    matched_rows: int  # rows whose key is among the orders
    unmatched_rows: int  # rows whose order id is not among the orders (lines, payments)
    unmatched_ids: int  # distinct order ids among them
    blank_keys: int  # rows with no key, left out
    orders_matched: int  # orders with at least one row in the related table (all its files)
    orders_without: int  # orders with a key but no row there
    repeated_keys: int  # many-to-many: order ids repeated in the orders file, or customer ids repeated in the lookup


@dataclass
class SourceTable:
    """One source after mapping and typing.

    `frame` has one column per mapped field (canonical names), `rating:<header>` columns for
    survey ratings named in the journey, and `_row`: the row number the user sees in the file.
    """

    kind: str
    label: str
    file: str
    sheet: str | None
    frame: pd.DataFrame
    mapping: dict[str, str]
    mapping_how: dict[str, str]
    rows_read: int
    rows_dropped: int = 0
    rows_merged: int = 0  # line-item rows folded into their order (Shopify, WooCommerce)
    header_row: int = 1
    header_rows: int = 1
    joins: list[JoinCounts] = field(default_factory=list)  # related tables joined into an orders source

    def __repr__(self) -> str:
        # One line: the generated repr prints the frame, several lines of it.
        sheet = f" sheet {self.sheet!r}" if self.sheet else ""
        return (f"<SourceTable {self.kind} {self.label[:60]!r}{sheet}: {self.rows_kept:,} rows kept of {self.rows_read:,} read, "
                f"{len(self.mapping)} fields mapped>")

    @property
    def rows_kept(self) -> int:
        return len(self.frame)


@dataclass
class IngestResult:
    tables: dict[str, SourceTable] = field(default_factory=dict)
    problems: ProblemLog = field(default_factory=ProblemLog)

    def __repr__(self) -> str:
        # One line: the generated repr prints every table's frame and every problem.
        tables = ", ".join(f"{kind} ({t.rows_kept:,} rows)" for kind, t in self.tables.items()) or "no tables"
        problems = self.problems
        return f"<IngestResult: {tables}; {len(problems.errors)} errors, {len(problems.warnings)} warnings>"

    def get(self, kind: str) -> SourceTable | None:
        return self.tables.get(kind)

    def frame(self, kind: str) -> pd.DataFrame | None:
        table = self.tables.get(kind)
        return None if table is None else table.frame

    def add_problems(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)
