"""Typed, validated tables produced by ingest, one per source, with their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import Problem, ProblemLog


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

    @property
    def rows_kept(self) -> int:
        return len(self.frame)


@dataclass
class IngestResult:
    tables: dict[str, SourceTable] = field(default_factory=dict)
    problems: ProblemLog = field(default_factory=ProblemLog)

    def get(self, kind: str) -> SourceTable | None:
        return self.tables.get(kind)

    def frame(self, kind: str) -> pd.DataFrame | None:
        table = self.tables.get(kind)
        return None if table is None else table.frame

    def add_problems(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)
