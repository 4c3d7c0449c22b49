"""The drop-off tests' hypergeometric tail, summed only as far as it matters, against exact values on a grid."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from fixfirst.signals.exact_tests import fisher_greater, hypergeom_upper_tail


def exact_tail(at_least: int, population: int, successes: int, draws: int) -> float:
    """P(X >= at_least) in whole numbers, every term to the largest possible count, rounded once to a float."""
    low, top = max(0, draws - (population - successes)), min(successes, draws)
    x = max(at_least, low)
    if x > top:
        return 0.0
    left, right = math.comb(successes, x), math.comb(population - successes, draws - x)
    total = 0
    while True:
        total += left * right
        if x == top:
            break
        # C(K, x+1) and C(M-K, n-x-1) from C(K, x) and C(M-K, n-x), each division exact.
        left = left * (successes - x) // (x + 1)
        right = right * (draws - x) // (population - successes - draws + x + 1)
        x += 1
    return float(Fraction(total, math.comb(population, draws)))


def grid():
    """Populations of 40 to 10,000, rare to common outcomes, small to large draws, counts from below the mean to
    far out in the tail and the largest possible one."""
    for population in (40, 400, 4_000, 10_000):
        for success_share in (0.03, 0.3, 0.5, 0.9):
            for draw_share in (0.02, 0.25, 0.6, 0.97):
                successes, draws = max(1, int(population * success_share)), max(1, int(population * draw_share))
                mean = successes * draws / population
                sd = math.sqrt(mean * (1 - successes / population) * (population - draws) / max(population - 1, 1))
                top = min(successes, draws)
                for z in (-2, 0, 1, 3, 6, 12, 30):
                    yield min(top, int(math.ceil(mean + z * sd))), population, successes, draws
                yield top, population, successes, draws


def test_the_tail_matches_the_exact_value_on_a_grid():
    cases = sorted(set(grid()))
    ours = hypergeom_upper_tail(*(np.array(column) for column in zip(*cases)))
    exact = np.array([exact_tail(*case) for case in cases])
    assert len(cases) > 300 and ((exact > 0) & (exact < 1e-100)).sum() >= 15  # the grid reaches deep into tails
    # gammaln of the population carries a relative error of about 1e-16 times M log M: 1e-9 covers M = 10,000.
    assert ours == pytest.approx(exact, rel=1e-9, abs=1e-300)


def test_counts_outside_the_possible_range():
    # [count, population, successes, draws]: below the least possible count the tail is 1; above the largest it is 0.
    assert hypergeom_upper_tail([0, 3, 4, 5, 7, 0], [10, 10, 10, 10, 10, 10], [3, 8, 3, 3, 8, 0], [4, 5, 4, 4, 5, 4]).tolist() == \
        pytest.approx([1.0, 1.0, exact_tail(4, 10, 3, 4), 0.0, 0.0, 1.0])
    assert hypergeom_upper_tail([], [], [], []).tolist() == []
    assert fisher_greater(50, 5, 50, 5) == pytest.approx(exact_tail(5, 100, 10, 50), rel=1e-12)


def test_a_huge_population_sums_only_the_terms_that_matter():
    from scipy.stats import hypergeom

    # Half of two billion drawn: 500 million possible counts above the mean. Summing them all would need gigabytes;
    # the tail here needs at most a few hundred thousand terms near the mean and a few dozen far out.
    population, successes, draws = 2_000_000_000, 1_000_000_000, 1_000_000_000
    sd = math.sqrt(draws * 0.5 * 0.5 * (population - draws) / (population - 1))
    at_least = np.array([draws // 2 + int(z * sd) for z in (0.5, 3, 10, 37)])
    ours = hypergeom_upper_tail(at_least, population, successes, draws)
    expected = hypergeom.sf(at_least - 1, population, successes, draws)
    assert ours == pytest.approx(expected, rel=1e-4)  # gammaln of 2e9 is good to about 1e-6 in the log
    assert 1e-300 < ours[-1] < 1e-290
