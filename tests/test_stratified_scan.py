"""The drop-off scan's within-cells test: the tilted, bounded sums against the full convolution, and the scan's
choice against testing every window."""

from __future__ import annotations

import numpy as np
import pytest

from fixfirst.config import Settings
from fixfirst.signals import dropoff
from fixfirst.signals.exact_tests import (
    STRATIFIED_EXACT_TERMS,
    _convolved_tail,
    stratified_bounds,
    stratified_greater,
    stratified_lower_bounds,
)


def full_sum(n_in, lost_in, n_out, lost_out) -> float:
    """The within-cells tail from every term of every cell, convolved in full (the sum before #14)."""
    total, lost = n_in + n_out, lost_in + lost_out
    low, high = np.maximum(0, n_in - (total - lost)), np.minimum(n_in, lost)
    free = high > low
    at = int(lost_in.sum() - low.sum())
    return _convolved_tail(total[free], lost[free], n_in[free], low[free], high[free], at)


def tables(seed: int, count: int):
    """Random windows: 2 to 30 cells, a handful to thousands of cases, no rise to a rise far out in the tail
    (p-values down to below the smallest double)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        cells = int(rng.choice([2, 3, 6, 10, 30]))
        n_total = rng.integers(1, int(rng.choice([30, 300, 3000])), cells)
        share = rng.uniform(0.02, 0.8, cells)
        n_in = rng.binomial(n_total, rng.uniform(0.01, 0.7))
        lost_in = rng.binomial(n_in, np.clip(share + rng.choice([0.0, 0.1, 0.3, 0.5]), 0, 1))
        lost_out = rng.binomial(n_total - n_in, share)
        yield n_in, lost_in, n_total - n_in, lost_out


def summed(n_in, lost_in, n_out, lost_out) -> bool:
    """Whether the tail is summed (not the normal approximation taken for many possible counts)."""
    total, lost = n_in + n_out, lost_in + lost_out
    return int((np.minimum(n_in, lost) - np.maximum(0, n_in - (total - lost))).sum()) + 1 <= STRATIFIED_EXACT_TERMS


def test_the_tilted_sum_is_the_full_sum():
    values = [(stratified_greater(*t), full_sum(*t)) for t in tables(1, 600) if summed(*t)]
    ours, full = np.array(values).T
    assert ((full > 0) & (full < 1e-100)).sum() >= 20 and (full == 0).sum() >= 5  # deep tails and underflow
    assert ours == pytest.approx(full, rel=1e-11, abs=0)


def test_the_bounds_hold_the_p_value():
    rows = list(tables(2, 400))
    for cells in {len(t[0]) for t in rows}:
        same = [t for t in rows if len(t[0]) == cells]
        n_in, lost_in, n_out, lost_out = (np.array(column) for column in zip(*same, strict=True))
        lower, tilt = stratified_lower_bounds(n_in, lost_in, n_out, lost_out)
        low, high = stratified_bounds(n_in, lost_in, n_out, lost_out, tilt)
        p = np.array([stratified_greater(*t) for t in same])
        assert (lower <= p).all() and (low <= p).all() and (p <= high).all()
        summed = (low > 1e-290) & (low < high)
        assert (high[summed] / low[summed] < 1 + 1e-4).all()  # tight enough to tell windows apart


def test_the_scan_picks_the_window_testing_every_window_picks():
    rules = Settings().process
    rng = np.random.default_rng(3)
    for _ in range(12):
        cells, k = int(rng.choice([2, 6, 12])), int(rng.integers(30, 90))
        n = rng.integers(5, 80, (cells, k))
        rate = rng.uniform(0.2, 0.6, cells)[:, None] + np.zeros(k)
        start = int(rng.integers(0, k - 10))
        rate[:, start:start + int(rng.integers(2, 15))] += rng.choice([0.1, 0.3])
        series = dropoff._Series(None, n, rng.binomial(n, np.clip(rate, 0, 1)))
        starts, ends = dropoff._windows(k, k // 2)
        threshold = rules.alarm_alpha / max(1, dropoff._testable(series, starts, ends, rules))
        for _ in range(3):
            w = dropoff._window_stats(series, starts, ends, rules)
            check = w.ok & (w.lift >= rules.min_lift)
            p = np.array([stratified_greater(w.n_in[:, i], w.lost_in[:, i], w.n_out[:, i], w.lost_out[:, i]) if check[i] else 1.0
                          for i in range(len(starts))])
            flagged = np.flatnonzero(check & (p <= threshold))
            every = min(flagged, key=lambda i: (p[i], -w.lift[i], starts[i], i)) if len(flagged) else None
            assert dropoff._most_significant(series, starts, ends, threshold, rules) == every
            if every is None:
                break
            series.found.append((int(starts[every]), int(ends[every])))


def test_the_cell_tables_are_the_cell_counts_of_each_segment():
    from fixfirst.signals.strata import joint_cells

    rng = np.random.default_rng(5)
    for _ in range(60):
        cases, k = int(rng.integers(1, 5000)), int(rng.integers(1, 40))
        dims = {name: (rng.integers(-1, size, cases).astype(rng.choice([np.int8, np.int64])), [f"{name}{i}" for i in range(size)])
                for name, size in [("segment", int(rng.integers(1, 6))), ("channel", int(rng.integers(1, 30))),
                                   ("visitor_type", 2)][:int(rng.integers(0, 4))]}
        period, lost, max_cells = rng.integers(0, k, cases), rng.random(cases) < 0.4, int(rng.choice([1, 3, 64]))
        overall = dropoff._cell_tables([codes for codes, _ in dims.values()], None, 1, period, lost, k, max_cells)[0]
        expected = dropoff._cell_counts(period, lost, joint_cells(dims, None, max_cells, n_cases=cases), k)
        assert all((a == b).all() and a.shape == b.shape for a, b in zip(overall, expected, strict=True))
        for name, (codes, _) in dims.items():
            chosen = [int(i) for i in np.unique(codes[codes >= 0])]
            for i, table in zip(chosen, dropoff._segment_counts(dims, name, chosen, period, lost, k, max_cells) or [], strict=True):
                rows = np.flatnonzero(codes == i)
                expected = dropoff._cell_counts(period[rows], lost[rows], joint_cells(dims, rows, max_cells, leave_out=name), k)
                assert all((a == b).all() and a.shape == b.shape for a, b in zip(table, expected, strict=True))
