"""Exact one-sided tests for drop-off periods: Fisher's (one table) and its stratified form (one table per segment cell)."""

from __future__ import annotations

import math

import numpy as np

# A tail sum stops once the terms left off add up to at most this share of it (a bound, not an estimate): that
# is below a double's rounding, so the result is the full sum's.
TAIL_RELATIVE_ERROR = 1e-16
# A first pass sums the terms whose normal approximation is within exp(-TAIL_LOG_RANGE) of the first; the bound
# above checks that the rest cannot matter, and a test whose rest might is summed again over MORE_TERMS times as many.
TAIL_LOG_RANGE = 40.0
MORE_TERMS = 8
# Terms evaluated at once; more tests are summed in groups so memory stays bounded however many windows are tested.
TAIL_TERMS_PER_BLOCK = 1_000_000
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
    importing scipy.stats (most of a second at every run). Only the terms that matter are summed: past the mode
    each term is a smaller share of the one before (the ratio falls as the count rises), so once the last term
    summed times ratio / (1 - ratio) is below TAIL_RELATIVE_ERROR of the sum, the rest cannot change it. A count
    many standard deviations out (a real incident) needs a few dozen terms where summing to the largest possible
    count took thousands.
    """
    k, m, big_k, n = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=np.int64)) for a in (at_least, population, successes, draws)))
    if not len(k):
        return np.zeros(0)
    top = np.minimum(big_k, n)
    k = np.maximum(k, np.maximum(0, n - (m - big_k)))  # below the least possible count every term is 0
    lengths = top - k + 1  # terms up to the largest possible count; none: the count cannot be reached, the tail is 0
    tail = np.zeros(len(k))
    todo = np.flatnonzero(lengths > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(m > 0, big_k / np.maximum(m, 1), 0.0)
        sd = np.sqrt(n * share * (1 - share) * (m - n) / np.maximum(m - 1, 1))
        z = np.where(sd > 0, np.maximum(0.0, (k - n * share) / sd), 0.0)
    first_pass = np.ceil(sd * (np.sqrt(z * z + 2 * TAIL_LOG_RANGE) - z)).astype(np.int64) + 2
    take = np.minimum(lengths, first_pass)
    while len(todo):
        total, settled = _tail_sums(k[todo], m[todo], big_k[todo], n[todo], take[todo], top[todo])
        done = settled | (take[todo] >= lengths[todo])
        tail[todo[done]] = total[done]
        todo = todo[~done]
        take[todo] = np.minimum(lengths[todo], take[todo] * MORE_TERMS)
    return np.clip(tail, 0.0, 1.0)


def _tail_sums(k: np.ndarray, m: np.ndarray, big_k: np.ndarray, n: np.ndarray, take: np.ndarray, top: np.ndarray):
    """Per test, the sum of `take` hypergeometric terms from k on, and whether the terms after them cannot change it.
    Tests are summed in blocks of about TAIL_TERMS_PER_BLOCK terms."""
    total, settled = np.zeros(len(k)), np.zeros(len(k), bool)
    ends = np.cumsum(take)
    first = 0
    while first < len(k):
        last = max(first + 1, int(np.searchsorted(ends, ends[first] - take[first] + TAIL_TERMS_PER_BLOCK, side="right")))
        rows = slice(first, last)
        total[rows], settled[rows] = _block_sums(k[rows], m[rows], big_k[rows], n[rows], take[rows], top[rows])
        first = last
    return total, settled


def _block_sums(k, m, big_k, n, take, top):
    starts = np.r_[0, np.cumsum(take)[:-1]]
    owner = np.repeat(np.arange(len(k)), take)
    x = (k[owner] + np.arange(int(take.sum())) - starts[owner]).astype(float)
    mm, kk, nn = m[owner].astype(float), big_k[owner].astype(float), n[owner].astype(float)
    with np.errstate(invalid="ignore"):
        log_pmf = _log_choose(kk, x) + _log_choose(mm - kk, nn - x) - _log_choose(mm, nn)
    log_pmf = np.where(np.isfinite(log_pmf), log_pmf, -np.inf)
    peak = np.maximum.reduceat(log_pmf, starts)
    safe_peak = np.where(np.isfinite(peak), peak, 0.0)
    scaled = np.exp(log_pmf - safe_peak[owner])
    summed = np.add.reduceat(scaled, starts)
    # The terms after the last one summed add up to at most that term times r / (1 - r), r its ratio to the next:
    # the ratio only falls as the count rises, so the rest is below a geometric series.
    last = (k + take - 1).astype(float)
    kf, mf, nf = big_k.astype(float), m.astype(float), n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (kf - last) * (nf - last) / ((last + 1) * (mf - kf - nf + last + 1))
        rest = np.where(ratio < 1, scaled[starts + take - 1] * ratio / (1 - ratio), np.inf)
    settled = (last >= top) | (rest <= TAIL_RELATIVE_ERROR * summed)
    return summed * np.exp(safe_peak), settled


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
