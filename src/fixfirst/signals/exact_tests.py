"""Exact one-sided tests for drop-off periods: Fisher's (one table) and its stratified form (one table per segment cell)."""

from __future__ import annotations

import math

import numpy as np

MAX_TAIL_TERMS = 20_000  # terms summed per test; above the mean each is smaller than the last, so the rest cannot matter
# Above this many possible values of the window's lost count, the stratified test uses the normal approximation:
# with that many cases the count is no longer skewed enough for the approximation to raise false alarms.
STRATIFIED_EXACT_TERMS = 4_000


def _gammaln():
    from scipy.special import gammaln  # scipy.special only: scipy.stats would cost most of a second at every run

    return gammaln


def _log_choose(a, b):
    gammaln = _gammaln()
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def hypergeom_upper_tail(at_least, population, successes, draws) -> np.ndarray:
    """P(X >= at_least) for X ~ Hypergeometric(population, successes, draws), element by element.

    Summed in log space from scipy.special's gammaln, the way scipy.stats.hypergeom.sf would give it, without
    importing scipy.stats (most of a second at every run). Every window tested has its count above the mean.
    """
    k, m, big_k, n = (np.atleast_1d(np.asarray(a, dtype=np.int64)) for a in (at_least, population, successes, draws))
    if not len(k):
        return np.zeros(0)
    top = np.minimum(big_k, n)
    lengths = np.clip(top - k + 1, 0, MAX_TAIL_TERMS)
    empty = lengths == 0
    lengths = np.where(empty, 1, lengths)  # one harmless term keeps the arrays aligned; its result is set to 0 below
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    owner = np.repeat(np.arange(len(k)), lengths)
    x = (k[owner] + np.arange(lengths.sum()) - starts[owner]).astype(float)
    mm, kk, nn = m[owner].astype(float), big_k[owner].astype(float), n[owner].astype(float)
    with np.errstate(invalid="ignore"):
        log_pmf = _log_choose(kk, x) + _log_choose(mm - kk, nn - x) - _log_choose(mm, nn)
    log_pmf = np.where(np.isfinite(log_pmf), log_pmf, -np.inf)
    peak = np.maximum.reduceat(log_pmf, starts)
    safe_peak = np.where(np.isfinite(peak), peak, 0.0)
    total = np.add.reduceat(np.exp(log_pmf - safe_peak[owner]), starts) * np.exp(safe_peak)
    return np.where(empty, 0.0, np.clip(total, 0.0, 1.0))


def fisher_greater(n_in, lost_in, n_out, lost_out):
    """One-sided Fisher exact test that the rate inside exceeds the rate outside: P(lost inside >= observed).

    Exact rather than a z-test: at the tiny p-values a Bonferroni correction asks for, the normal approximation
    understates how often a skewed binomial count runs high, and would raise false alarms.
    """
    tail = hypergeom_upper_tail(lost_in, n_in + n_out, lost_in + lost_out, n_in)
    return tail if np.ndim(lost_in) else float(tail[0])  # a scalar in, a scalar out, as scipy.stats gave it


def stratified_greater(n_in: np.ndarray, lost_in: np.ndarray, n_out: np.ndarray, lost_out: np.ndarray) -> float:
    """One-sided exact test that a window loses more cases than usual within segment cells (one 2x2 table per cell).

    Given each cell's margins, the window's lost count is a sum of independent hypergeometric counts (the
    conditional distribution behind the Mantel-Haenszel test); its upper tail is summed exactly by convolving the
    cells' distributions, or approximated by the continuity-corrected normal when the counts are large.
    """
    n_in, lost_in, n_out, lost_out = (np.asarray(a, dtype=np.int64) for a in (n_in, lost_in, n_out, lost_out))
    total, lost = n_in + n_out, lost_in + lost_out
    low = np.maximum(0, n_in - (total - lost))
    high = np.minimum(n_in, lost)
    observed = int(lost_in.sum())
    fixed = int(low.sum())  # the least the window can lose; cells with no freedom add only this
    free = np.flatnonzero(high > low)
    if not len(free):
        return 1.0 if observed <= fixed else 0.0
    if int((high - low)[free].sum()) + 1 > STRATIFIED_EXACT_TERMS:
        t, n1, n0, big = (a[free].astype(float) for a in (total, n_in, n_out, lost))
        mean = float((n1 * big / t).sum())
        var = float((n1 * n0 * big * (t - big) / (t * t * np.maximum(t - 1, 1))).sum())
        z = (observed - mean - 0.5) / math.sqrt(var)
        return 0.5 * math.erfc(z / math.sqrt(2))
    dist = np.ones(1)
    for i in free:
        x = np.arange(low[i], high[i] + 1, dtype=float)
        log_pmf = _log_choose(float(lost[i]), x) + _log_choose(float(total[i] - lost[i]), n_in[i] - x) - _log_choose(float(total[i]), float(n_in[i]))
        pmf = np.exp(log_pmf - log_pmf.max())
        dist = np.convolve(dist, pmf / pmf.sum())
    at = observed - fixed
    return float(np.clip(dist[at:].sum() / dist.sum(), 0.0, 1.0)) if at < len(dist) else 0.0
