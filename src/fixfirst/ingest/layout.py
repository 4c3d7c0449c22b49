"""Find the table in a sheet: which sheet, which row holds the header, two-row headers, index columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fields import normalise

PEEK_ROWS = 30
# SurveyMonkey puts the answer label under each question: a second header row of these words.
ANSWER_LABELS = {"response", "openendedresponse", "other", "otherpleasespecify"}


@dataclass(frozen=True)
class HeaderGuess:
    index: int  # row index within the peeked rows
    score: int  # how many cells name a known field


def score_row(cells: list, recognise: set[str]) -> int:
    return sum(1 for c in cells if c is not None and normalise(c) in recognise)


def find_header(rows: list[list], recognise: set[str]) -> HeaderGuess:
    """The row (of the first few) naming the most known fields; the first row when none names any.

    Title rows above a header ("Orders export, 1 Apr - 30 Sep") name no field, so they lose.
    """
    best = HeaderGuess(0, 0)
    for i, cells in enumerate(rows[:PEEK_ROWS]):
        filled = [c for c in cells if c not in (None, "")]
        if len(filled) < 2:
            continue
        score = score_row(cells, recognise)
        if score > best.score:
            best = HeaderGuess(i, score)
    return best


def looks_like_answer_row(cells: list) -> bool:
    return sum(1 for c in cells if c is not None and normalise(c) in ANSWER_LABELS) >= 2


def combine_header_rows(group: list, sub: list) -> list[str]:
    """One name per column from a question row over an answer row.

    The question row is carried right across blanks, which is how merged question cells arrive.
    'Response' under a question adds nothing; any other answer label is kept: 'Delivery - On time'.
    """
    names, current = [], ""
    for i in range(max(len(group), len(sub))):
        top = group[i] if i < len(group) else None
        below = sub[i] if i < len(sub) else None
        if top not in (None, "") and str(top).strip():
            current = " ".join(str(top).split())
        below_text = "" if below is None else " ".join(str(below).split())
        if current and (not below_text or normalise(below_text) in ANSWER_LABELS):
            names.append(current)
        elif current and below_text:
            names.append(f"{current} - {below_text}")
        else:
            names.append(below_text)
    return names


def is_index_column(values: pd.Series) -> bool:
    """A leading column that only counts rows (0, 1, 2... or 1, 2, 3...), as pandas' to_csv leaves behind."""
    numbers = pd.to_numeric(values, errors="coerce")
    if len(numbers) == 0 or numbers.isna().any():
        return False
    arr = numbers.to_numpy()
    return bool(np.array_equal(arr, np.arange(len(arr))) or np.array_equal(arr, np.arange(1, len(arr) + 1)))
