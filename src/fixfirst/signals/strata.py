"""Segment cells (device x channel x visitor type) and the within-segment comparisons that keep a change of mix from reading as a change of rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The segment columns of an events log (fixfirst.ingest.fields), in the order they are reported.
SEGMENT_DIMENSIONS = ("segment", "channel", "visitor_type")
DIMENSION_LABELS = {"segment": "device", "channel": "channel", "visitor_type": "visitor type"}

Dimensions = dict[str, tuple[np.ndarray, list[str]]]  # dimension -> (code per case, -1 unknown; names)


def joint_cells(dims: Dimensions, rows: np.ndarray | None, max_cells: int, leave_out: str | None = None, n_cases: int = 0) -> np.ndarray:
    """One code per case (of `rows`, or all `n_cases`) for its cell of every dimension but `leave_out`, 0..S-1.

    An unknown value is a value of its own. Beyond `max_cells` the smallest cells are pooled into one, so a rare
    combination cannot leave the comparison without cases on one side.
    """
    used = [codes if rows is None else codes[rows] for name, (codes, _) in dims.items() if name != leave_out]
    size = len(rows) if rows is not None else (len(next(iter(dims.values()))[0]) if dims else n_cases)
    if not used or max_cells <= 1:
        return np.zeros(size, np.int64)
    joint = np.zeros(size, np.int64)
    span = 1
    for codes in used:
        width = int(codes.max(initial=-1)) + 2
        joint = joint * width + (codes.astype(np.int64) + 1)
        span *= width
    if span <= 1 << 22:  # a dense table relabels in linear time; np.unique would sort millions of cases
        present = np.bincount(joint, minlength=span) > 0
        cells = (np.cumsum(present) - 1)[joint]
    else:
        _, cells = np.unique(joint, return_inverse=True)
    counts = np.bincount(cells)
    if len(counts) <= max_cells:
        return cells.astype(np.int64)
    keep = np.argsort(-counts, kind="stable")[:max_cells - 1]
    relabel = np.full(len(counts), max_cells - 1, np.int64)
    relabel[keep] = np.arange(len(keep))
    return relabel[cells]


@dataclass(frozen=True)
class Comparison:
    """A group (a segment, a recent period) against a reference, within cells: is the group's rate lower?

    `expected` is the reference's rate applied to the group's own mix of cells (direct standardisation): what the
    group would have scored had it done as well as the reference, cell by cell. The test is Mantel-Haenszel's,
    one-sided, over the cells where both sides have cases.
    """

    n: int  # group cases in comparable cells
    hits: int
    reference_n: int
    reference_hits: int
    expected: float  # reference rate at the group's mix, as a count of group cases
    z: float
    p_value: float  # one-sided: the group's rate is below the reference's

    @property
    def rate(self) -> float:
        return self.hits / self.n if self.n else 0.0

    @property
    def reference_rate(self) -> float:
        """The reference's rate at the group's mix of cells."""
        return self.expected / self.n if self.n else 0.0

    @property
    def crude_reference_rate(self) -> float:
        return self.reference_hits / self.reference_n if self.reference_n else 0.0


def compare_lower(group: np.ndarray, success: np.ndarray, cells: np.ndarray, n_cells: int | None = None) -> Comparison:
    """Within cells, whether the cases in `group` succeed less often than the others (the reference)."""
    size = int(n_cells if n_cells is not None else (cells.max(initial=-1) + 1))
    # One pass: cell x (group, success).
    counts = np.bincount(cells * 4 + group * 2 + success, minlength=4 * size).reshape(size, 4).astype(float)
    return compare_counts(counts[:, 2] + counts[:, 3], counts[:, 3], counts[:, 0] + counts[:, 1], counts[:, 1])


def compare_counts(g_n: np.ndarray, g_k: np.ndarray, r_n: np.ndarray, r_k: np.ndarray) -> Comparison:
    """`compare_lower` from per-cell counts: group cases and successes, reference cases and successes."""
    both = (g_n > 0) & (r_n > 0)  # a cell with cases on one side only says nothing about the difference
    g_n, g_k, r_n, r_k = g_n[both], g_k[both], r_n[both], r_k[both]
    expected = float((g_n * r_k / np.where(r_n > 0, r_n, 1)).sum())
    total, hits = g_n + r_n, g_k + r_k
    mean = (g_n * hits / total).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(total > 1, g_n * r_n * hits * (total - hits) / (total * total * (total - 1)), 0.0).sum()
    observed = g_k.sum()
    # Continuity-corrected towards no difference; a lower tail.
    z = (observed - mean + 0.5) / math.sqrt(var) if var > 0 else 0.0
    p_value = 0.5 * math.erfc(-z / math.sqrt(2)) if var > 0 else 1.0
    return Comparison(int(g_n.sum()), int(observed), int(r_n.sum()), int(r_k.sum()), expected, float(z), float(p_value))


def holm(p_values: list[float], alpha: float) -> list[bool]:
    """Holm's step-down: which hypotheses are rejected with the family-wise error rate kept at `alpha`."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected
