"""Helpers shared by the ingest tests: fixture files written in tmp_path, and problem filters."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from fixfirst.config.engagement import SourceSpec
from fixfirst.errors import Problem, Severity
from fixfirst.ingest import load_source
from fixfirst.config.settings import Ingest

LIMITS = Ingest()

def write_text(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], title: str = "Data") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def load(kind: str, path: Path, *, limits: Ingest = LIMITS, rating_headers: list[str] | None = None, **spec):
    source = SourceSpec(kind=kind, file=path.name, **spec)
    return load_source(source, path, limits, rating_headers or [])


def of_code(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]
