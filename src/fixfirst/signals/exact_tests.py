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
# The within-cells tail is summed on the cells' distributions tilted towards the observed count (exponential
# tilting: each term times e^(theta x), which moves the bulk of the sum's distribution onto the tail), where the
# terms that matter are a few dozen around that count in each cell. Terms below e^-TILT_CUT of their cell's (or
# the partial sum's) largest are left out and their mass counted: the tail is taken only when the mass left out
# is at most TILT_CERTIFIED of it, so it is the full sum's to that share.
TILT_CUT = 45.0
TILT_CERTIFIED = 1e-15
# A first look at a window in a scan keeps only the terms above e^-TILT_COARSE_CUT: bounds a few parts in a
# million apart, enough to tell most windows from the most significant one.
TILT_COARSE_CUT = 20.0
# Below this the tail is summed in full, as before (its underflow then decides ties between windows).
TILT_SMALLEST = 1e-250
# Summed in full, a tail below the smallest normal double can come out away from its true value: by at most
# UNDERFLOW_ABSOLUTE (half the smallest subnormal for each rounding of exp, division, product and sum, at most
# about 1e9 of them a test: 1e-314, taken with a wide margin), and by at most 16 times a cell (each of exp, the
# division by the sum of the terms and each product rounds a subnormal result to at most twice its value, and a
# sum of positive terms only by ulps), so that one below the smallest subnormal by more than that sums to 0.
UNDERFLOW_ABSOLUTE = 1e-305
UNDERFLOW_MARGIN = math.log(16)
# log k! is looked up in one table up to this size (8 MB, 10 ms to make); beyond it gammaln is called. The table
# grows in powers of two from 2^LOG_FACTORIAL_TABLE_BITS.
LOG_FACTORIAL_TABLE_MAX = 1 << 20
LOG_FACTORIAL_TABLE_BITS = 12
# A partial sum of the cells' counts is cut back to its reach about its tilted mean once it is this many times as
# long (plus a few terms): cutting after every cell would cost more than it saves.
PARTIAL_TRIM_RATIO, PARTIAL_TRIM_TERMS = 3, 8
# The tilt is close enough once the cells' modes add up to the target within this many counts; Newton's steps are
# held to this much in the log odds ratio.
TILT_SETTLED, TILT_STEP = 0.01, 3.0
# Terms of each cell's tail summed for the lower bound (the rest bounded by a geometric series).
LOWER_BOUND_TERMS = 16
# A reach (in counts) that keeps a cell's whole range: where the closed-form spread is not defined.
WHOLE_RANGE = 1e9


def _erfc(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfc

    return np.asarray(erfc(x))


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


def stratified_greater(n_in: np.ndarray, lost_in: np.ndarray, n_out: np.ndarray, lost_out: np.ndarray, theta: float | None = None) -> float:
    """One-sided exact test that a window loses more cases than usual within segment cells (one 2x2 table per cell).

    Given each cell's margins, the window's lost count is a sum of independent hypergeometric counts (the
    conditional distribution behind the Mantel-Haenszel test); its upper tail is summed exactly by convolving the
    cells' distributions, or approximated by the continuity-corrected normal when the counts are large. The
    convolution runs on the distributions tilted towards the observed count, over the terms that can matter
    (`_tilted_bounds`, certified to TILT_CERTIFIED), and in full where that cannot be certified or the tail is
    tiny. `theta` is the tilt, when the caller has it (`tilts`).
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
    at = observed - fixed
    if at >= int((high - low)[free].sum()) + 1:
        return 0.0
    if at <= 0:
        return 1.0
    bounds = _tilted_bounds(total[free], lost[free], n_in[free], low[free], high[free], at, theta, TILT_CUT)
    if bounds is not None and bounds[0] >= TILT_SMALLEST and bounds[1] - bounds[0] <= TILT_CERTIFIED * bounds[0]:
        return min(1.0, bounds[0])
    return _convolved_tail(total[free], lost[free], n_in[free], low[free], high[free], at)


def _convolved_tail(total: np.ndarray, lost: np.ndarray, n_in: np.ndarray, low: np.ndarray, high: np.ndarray, at: int) -> float:
    """The within-cells tail from every term of every cell's distribution, convolved in full (the cells given
    are those with more than one possible count; `at` counts above their least)."""
    dist = np.ones(1)
    for i in range(len(total)):
        x = np.arange(low[i], high[i] + 1, dtype=float)
        log_pmf = _log_choose(float(lost[i]), x) + _log_choose(float(total[i] - lost[i]), n_in[i] - x) - _log_choose(float(total[i]), float(n_in[i]))
        pmf = np.exp(log_pmf - log_pmf.max())
        dist = np.convolve(dist, pmf / pmf.sum())
    return float(np.clip(dist[at:].sum() / dist.sum(), 0.0, 1.0)) if at < len(dist) else 0.0


_log_factorial_table = np.zeros(0)


def _log_pmf(total: np.ndarray, lost: np.ndarray, n_in: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log P(X = x) for X ~ Hypergeometric(total, lost, n_in), element by element (whole-number arrays), with the
    same gammaln values and order of operations as `_log_choose`."""
    global _log_factorial_table
    top = int(total.max(initial=0))
    if top >= LOG_FACTORIAL_TABLE_MAX:
        xf = x.astype(float)
        return _log_choose(lost.astype(float), xf) + _log_choose((total - lost).astype(float), n_in - xf) - _log_choose(total.astype(float), n_in.astype(float))
    # Read the shared table once and only ever replace it by a longer one: the event branch and the order branch
    # run in two threads (`compute_signals`), and either may grow it while the other reads its own copy.
    lf = _log_factorial_table
    if len(lf) <= top:
        size = 1 << max(LOG_FACTORIAL_TABLE_BITS, top.bit_length())
        lf = _gammaln()(np.arange(1, size + 1, dtype=float))  # [k] = gammaln(k + 1) = log k!
        if len(lf) > len(_log_factorial_table):
            _log_factorial_table = lf
    rest = total - lost
    return (lf[lost] - lf[x] - lf[lost - x]) + (lf[rest] - lf[n_in - x] - lf[rest - n_in + x]) - (lf[total] - lf[n_in] - lf[total - n_in])


def _tilted_bounds(total: np.ndarray, lost: np.ndarray, n_in: np.ndarray, low: np.ndarray, high: np.ndarray, at: int,
                   theta: float | None, cut: float) -> tuple[float, float] | None:
    """Bounds on the within-cells tail P(sum of the cells' counts above their least >= at), cells given as in
    `_convolved_tail`, summed on the distributions tilted by e^(theta x) with the terms below e^-cut of the
    largest left out. The lower bound is the sum of the terms kept; the upper adds all the mass left out (each
    term of the tilted tail weighs at most 1). None when nothing was kept at the tail.

    With each cell's distribution normalised as `_convolved_tail` normalises it and M_c its tilted total,
    P(S >= at) = prod(M_c) e^(-theta at) sum_{s >= at} Q(s) e^(-theta (s - at)), Q the tilted distribution of S.
    """
    widths = high - low + 1
    owner = np.repeat(np.arange(len(total)), widths)
    ends = np.cumsum(widths)
    starts = ends - widths
    y = np.arange(int(ends[-1])) - starts[owner]  # the count above the cell's least
    log_pmf = _log_pmf(total[owner], lost[owner], n_in[owner], y + low[owner])
    if theta is None:
        theta = float(tilts(total[None, :], lost[None, :], n_in[None, :], np.array([at + int(low.sum())]))[0])
    # A whole number of 2^-20ths times a whole count is exact in floating point: with each cell's counts taken
    # from a whole count at its tilted peak, the tilt adds no rounding of its own however far out the tail is.
    theta = round(max(0.0, theta) * 2**20) / 2**20
    # Normalised as _convolved_tail does (by the sum of the terms), then tilted: log M_c is the tilted total.
    peak = np.maximum.reduceat(log_pmf, starts)
    log_norm = peak + np.log(np.add.reduceat(np.exp(log_pmf - peak[owner]), starts))
    tilted = log_pmf + theta * y
    mode = np.minimum.reduceat(np.where(tilted == np.maximum.reduceat(tilted, starts)[owner], y, len(y)), starts)
    tilted = log_pmf + theta * (y - mode[owner])
    tilted_peak = np.maximum.reduceat(tilted, starts)
    relative = tilted - tilted_peak[owner]
    weight = np.exp(relative)
    weight_sum = np.add.reduceat(weight, starts)
    log_m = tilted_peak + np.log(weight_sum) - log_norm  # about each cell's mode
    q = weight / weight_sum[owner]
    # The terms kept: a run around each cell's tilted peak (a hypergeometric is log-concave, so is its tilt).
    kept = relative >= -cut
    first = np.minimum.reduceat(np.where(kept, y, len(y)), starts)
    last = np.maximum.reduceat(np.where(kept, y, -1), starts) + 1
    left_out = float(q[(y < first[owner]) | (y >= last[owner])].sum())
    qy = q * y
    mean = np.add.reduceat(qy, starts)
    spread = np.sqrt(2 * cut * np.cumsum(np.maximum(np.add.reduceat(qy * y, starts) - mean * mean, 0.0))).astype(np.int64) + 3
    centre = np.cumsum(mean).astype(np.int64)
    dist, offset = np.ones(1), 0
    for c in range(len(total)):
        dist = np.convolve(dist, q[starts[c] + first[c]:starts[c] + last[c]])
        offset += int(first[c])
        if len(dist) > PARTIAL_TRIM_RATIO * spread[c] + PARTIAL_TRIM_TERMS:  # terms far from the tilted mean cannot matter
            a, b = max(0, int(centre[c]) - offset - int(spread[c])), min(len(dist), int(centre[c]) - offset + int(spread[c]) + 1)
            left_out += float(dist[:a].sum() + dist[b:].sum())
            dist, offset = dist[a:b], offset + a
    x = np.arange(max(0, at - offset), len(dist))
    tail = float((dist[x] * np.exp(-theta * (x - (at - offset)))).sum())
    if not tail > 0:
        return None
    scale = float(log_m.sum()) + theta * (int(mode.sum()) - at)
    return math.exp(scale + math.log(tail)), math.exp(scale + math.log(tail + left_out))


def tilts(total: np.ndarray, lost: np.ndarray, n_in: np.ndarray, target: np.ndarray, steps: int = 40) -> np.ndarray:
    """Per row (a window; columns are cells), the tilt theta >= 0 at which the cells' counts add up to `target` in
    the tilted law: the log odds ratio at which the modes of the cells' noncentral (Fisher) hypergeometric
    distributions, in closed form, add up to it. Newton's method; any theta gives correct bounds, a close one
    tight ones."""
    t, big, n = (np.asarray(a, dtype=float) for a in (total, lost, n_in))
    low = np.maximum(0.0, n - (t - big))
    fixed = np.minimum(n, big) <= low
    theta = np.zeros(len(t))
    # At theta 0 a count at or below the modes needs no tilt; one above the largest possible cannot be reached.
    settled = np.asarray(target, dtype=float) > np.where(fixed, low, np.minimum(n, big)).sum(axis=1)
    for _ in range(steps):
        w = np.exp(-theta)[:, None]
        b = w * (t - big - n) + big + n
        # The mode x solves (K - x)(n - x) e^theta = x (M - K - n + x); the root is taken in its stable form.
        x = np.where(fixed, low, 2 * big * n / np.maximum(b + np.sqrt(np.maximum(b * b + 4 * (w - 1) * big * n, 0.0)), 1e-300))
        with np.errstate(divide="ignore", invalid="ignore"):
            curvature = np.where(fixed, 0.0, 1.0 / (1.0 / x + 1.0 / (big - x) + 1.0 / (n - x) + 1.0 / (t - big - n + x)))
        gap = target - x.sum(axis=1)
        settled |= (np.abs(gap) < TILT_SETTLED) | ((theta == 0) & (gap < 0))
        if settled.all():
            break
        slope = np.where(np.isfinite(curvature), curvature, 0.0).sum(axis=1)
        theta = np.where(settled, theta, np.maximum(0.0, theta + np.clip(gap / np.maximum(slope, 1e-9), -TILT_STEP, TILT_STEP)))
    return theta


def stratified_lower_bounds(n_in: np.ndarray, lost_in: np.ndarray, n_out: np.ndarray, lost_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For many windows at once (rows; columns are cells), a lower bound on each one's `stratified_greater` p-value
    in a few operations a cell, and the tilt that `stratified_bounds` sums it at.

    The window's lost count reaches the observed one if every cell reaches a share of it, so the p-value is at
    least the product of the cells' own tails at those shares (shares split as the tilt spreads the count). Each
    cell's tail is bounded below by its first few terms, each at least the one before times the ratio of the last
    two (the ratios only fall as the count rises). Within a factor of up to about 1e20 for thirty cells, 1e5 for
    six: enough to set aside most windows against the most significant one without summing their tails.
    """
    n_in, lost_in, n_out, lost_out = (np.asarray(a, dtype=np.int64) for a in (n_in, lost_in, n_out, lost_out))
    total, lost = n_in + n_out, lost_in + lost_out
    low, high = np.maximum(0, n_in - (total - lost)), np.minimum(n_in, lost)
    observed = lost_in.sum(axis=1)
    theta = tilts(total, lost, n_in, observed)
    t, big, n = total.astype(float), lost.astype(float), n_in.astype(float)
    w = np.exp(-theta)[:, None]
    b = w * (t - big - n) + big + n
    x = np.where(high > low, 2 * big * n / np.maximum(b + np.sqrt(np.maximum(b * b + 4 * (w - 1) * big * n, 0.0)), 1e-300), low)
    x = np.clip(np.nan_to_num(x), low, high)
    # Whole shares adding up to the observed count: rounded down, then up where the fraction is largest.
    share = np.floor(x).astype(np.int64)
    short = observed - share.sum(axis=1)
    fraction = np.where(share < high, x - share, -1.0)
    rank = np.argsort(np.argsort(-fraction, axis=1, kind="stable"), axis=1, kind="stable")
    share = np.minimum(high, share + (rank < short[:, None]))
    reachable = share.sum(axis=1) >= observed
    terms = np.minimum(LOWER_BOUND_TERMS, high - share + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_first = _log_pmf(total, lost, n_in, share)
        z = (share + terms - 2).astype(float)
        ratio = np.where(terms >= 2, (big - z) * (n - z) / ((z + 1) * (t - big - n + z + 1)), 0.0)
        series = np.where(np.abs(1 - ratio) < 1e-9, terms, (1 - ratio ** terms) / (1 - ratio))
        log_tail = np.where(share <= low, 0.0, np.minimum(0.0, log_first + np.log(np.maximum(series, 1.0))))
    # Less the most the p-value as computed can fall short of the true one (`_rounding`).
    bound = np.maximum(0.0, np.exp(log_tail.sum(axis=1) - _rounding(total, high > low)) - UNDERFLOW_ABSOLUTE)
    # A window with more possible counts than STRATIFIED_EXACT_TERMS takes the normal approximation, which this
    # does not bound: 0 for it.
    exact = (high - low).sum(axis=1) + 1 <= STRATIFIED_EXACT_TERMS
    return np.where(reachable & exact, bound, 0.0), theta


def _rounding(total: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Per row (columns are cells), a bound on the relative rounding between two sums of the same tail, as a log:
    each term's log adds and subtracts nine values of log k! of at most log(M!), so rounds by a few ulps of it."""
    top = np.where(free, total, 0).max(axis=1, initial=0)
    return 1e-9 + 1e-14 * free.sum(axis=1) * np.maximum(1.0, _gammaln()(top + 1.0))


def stratified_bounds(n_in: np.ndarray, lost_in: np.ndarray, n_out: np.ndarray, lost_out: np.ndarray, theta: np.ndarray,
                      cut: float = TILT_COARSE_CUT) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on many windows' `stratified_greater` p-values at once (rows; columns are cells), each summed at its
    tilt `theta` (`stratified_lower_bounds` gives it) from the terms near each cell's tilted mode alone: within
    sqrt(2 cut) standard deviations of it (a few parts in a million apart at the default cut). The p-value
    itself, for both bounds, where it is cheap (no freedom, the normal approximation) or tiny; 0 where the full
    sum is sure to underflow to 0.

    The mass beyond the terms kept is bounded by a geometric series (past the last term kept, each term is at
    most the last one's ratio times the one before), so no pass covers a cell's whole range. The laws are taken
    as they are, not normalised by the sums of their terms as `stratified_greater` normalises them: the bounds are
    widened by what that and the rounding of the logs can move a p-value (`_rounding`, about 1e-9), and by what a
    sum in full can gain or lose below the smallest normal double.
    """
    n_in, lost_in, n_out, lost_out = (np.asarray(a, dtype=np.int64) for a in (n_in, lost_in, n_out, lost_out))
    total, lost = n_in + n_out, lost_in + lost_out
    low, high = np.maximum(0, n_in - (total - lost)), np.minimum(n_in, lost)
    free = high > low
    observed = lost_in.sum(axis=1)
    at = observed - low.sum(axis=1)
    width = (high - low).sum(axis=1) + 1
    # Rows without freedom, or whose count is out of reach or certain, have their p-value as stratified_greater
    # gives it; the rest are bounded (0 and 1 where that failed).
    lower, upper = np.zeros(len(n_in)), np.ones(len(n_in))
    fixed = ~free.any(axis=1)
    lower[fixed] = upper[fixed] = (observed <= low.sum(axis=1))[fixed]
    summed = ~fixed & (width <= STRATIFIED_EXACT_TERMS)
    lower[summed & (at <= 0)] = 1.0
    upper[summed & (at >= width)] = 0.0
    summed &= (at > 0) & (at < width)
    # Widened by the rounding between two sums of the same tail (`_rounding`) and by what summing in full can
    # lose or gain below the smallest normal double (UNDERFLOW_ABSOLUTE, UNDERFLOW_MARGIN).
    slack = _rounding(total, free)
    rows = np.flatnonzero(summed)
    if len(rows):
        # The cells without freedom add their one count: the others must make up the rest.
        wanted = observed - np.where(free, 0, low).sum(axis=1)
        log_lower, log_upper = _local_bounds(total[rows], lost[rows], n_in[rows], low[rows], high[rows], free[rows],
                                             wanted[rows], np.asarray(theta, dtype=float)[rows], cut)
        with np.errstate(over="ignore"):
            lower[rows] = np.maximum(0.0, np.exp(log_lower - slack[rows]) - UNDERFLOW_ABSOLUTE)
            margin = slack[rows] + UNDERFLOW_MARGIN * free[rows].sum(axis=1) + 5
            upper[rows] = np.minimum.reduce([np.ones(len(rows)), np.exp(log_upper + slack[rows]) + UNDERFLOW_ABSOLUTE,
                                             np.exp(log_upper + margin)])
    normal = ~fixed & (width > STRATIFIED_EXACT_TERMS)
    if normal.any():  # the continuity-corrected normal tail, as stratified_greater takes it (summed in another order)
        t, n1, big = (np.where(free, a, 0).astype(float)[normal] for a in (total, n_in, lost))
        n0, t = t - n1, np.maximum(t, 1.0)
        mean = (n1 * big / t).sum(axis=1)
        var = (n1 * n0 * big * (t - big) / (t * t * np.maximum(t - 1, 1))).sum(axis=1)
        p = 0.5 * _erfc((observed[normal] - mean - 0.5) / np.sqrt(var) / math.sqrt(2))
        lower[normal] = np.maximum(0.0, p * (1 - 1e-9) - UNDERFLOW_ABSOLUTE)
        upper[normal] = np.minimum(1.0, p * (1 + 1e-9) + UNDERFLOW_ABSOLUTE)
    return lower, upper


def _local_bounds(total: np.ndarray, lost: np.ndarray, n_in: np.ndarray, low: np.ndarray, high: np.ndarray, free: np.ndarray,
                  observed: np.ndarray, theta: np.ndarray, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """`stratified_bounds` for windows whose tail is summed: P(the free cells' counts add up to `observed` or
    more), each row bounded at its tilt, as logs (-inf, inf where it cannot be bounded so)."""
    rows = len(total)
    # A whole number of 2^-20ths times a whole count is exact in floating point (see `_tilted_bounds`).
    theta = np.rint(np.maximum(0.0, theta) * 2**20) / 2**20
    t, big, n = total.astype(float), lost.astype(float), n_in.astype(float)
    w = np.exp(-theta)[:, None]
    b = w * (t - big - n) + big + n
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = 2 * big * n / np.maximum(b + np.sqrt(np.maximum(b * b + 4 * (w - 1) * big * n, 0.0)), 1e-300)
        var = 1.0 / (1.0 / x + 1.0 / (big - x) + 1.0 / (n - x) + 1.0 / (t - big - n + x))
    mode = np.clip(np.rint(np.where(np.isfinite(x), x, 0.0)).astype(np.int64), low, high)
    defined = np.isfinite(var) & (var >= 0)
    reach = np.minimum(np.where(defined, np.sqrt(2 * cut * np.where(defined, var, 0.0)), WHOLE_RANGE), WHOLE_RANGE).astype(np.int64) + 2
    # The cells with freedom, row by row: each a run of counts around its mode.
    row_of, cell = np.nonzero(free)
    first = np.maximum(low, mode - reach)[row_of, cell]
    last = np.minimum(high, mode + reach)[row_of, cell]
    top, bottom, centre_count = high[row_of, cell], low[row_of, cell], mode[row_of, cell]
    tilt = theta[row_of]
    widths = last - first + 1
    owner = np.repeat(np.arange(len(first)), widths)
    ends = np.cumsum(widths)
    starts = ends - widths
    xs = np.arange(int(ends[-1])) - starts[owner] + first[owner]
    tilted = _log_pmf(total[row_of, cell][owner], lost[row_of, cell][owner], n_in[row_of, cell][owner], xs) + tilt[owner] * (xs - centre_count[owner])
    ref = np.maximum.reduceat(tilted, starts)
    weight = np.exp(tilted - ref[owner])
    kept = np.add.reduceat(weight, starts)
    tc, kc, nc = t[row_of, cell], big[row_of, cell], n[row_of, cell]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Past the last term kept, at most that term times r / (1 - r), r the ratio after it (and so below it).
        up = (kc - last) * (nc - last) / ((last + 1) * (tc - kc - nc + last + 1)) * np.exp(tilt)
        below = first - 1
        down = (below + 1) * (tc - kc - nc + below + 1) / ((kc - below) * (nc - below)) * np.exp(-tilt)
        beyond = np.where(last < top, np.where(up < 1, weight[ends - 1] * up / (1 - up), np.inf), 0.0) + \
            np.where(first > bottom, np.where(down < 1, weight[starts] * down / (1 - down), np.inf), 0.0)
    q = weight / kept[owner]
    offset_y = xs - first[owner]
    qy = q * offset_y
    mean = np.add.reduceat(qy, starts)
    spread_part = np.maximum(np.add.reduceat(qy * offset_y, starts) - mean * mean, 0.0)
    # Per row: the partial sums' spread and tilted mean after each of its cells.
    row_start = np.searchsorted(row_of, np.arange(rows))
    running_var = np.cumsum(spread_part)
    running_var -= np.r_[0.0, running_var][row_start][row_of]
    running_mean = np.cumsum(mean + first)
    running_mean -= np.r_[0.0, running_mean][row_start][row_of]
    spread = (np.sqrt(2 * cut * running_var).astype(np.int64) + 3).tolist()
    centre = running_mean.astype(np.int64).tolist()
    scale = np.add.reduceat(ref + np.log(kept), row_start) + theta * (np.add.reduceat(centre_count, row_start) - observed)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rest = np.expm1(np.add.reduceat(np.log1p(beyond / kept), row_start))
    lower, upper = np.full(rows, -np.inf), np.full(rows, np.inf)
    seg_start, seg_end, seg_first = starts.tolist(), ends.tolist(), first.tolist()
    bounds = row_start.tolist() + [len(first)]
    for r in range(rows):
        if not np.isfinite(rest[r]):
            continue
        dist, offset, left_out = np.ones(1), 0, 0.0
        for g in range(bounds[r], bounds[r + 1]):
            dist = np.convolve(dist, q[seg_start[g]:seg_end[g]])
            offset += seg_first[g]
            if len(dist) > PARTIAL_TRIM_RATIO * spread[g] + PARTIAL_TRIM_TERMS:  # far from the tilted mean: cannot matter
                a, e = max(0, centre[g] - offset - spread[g]), min(len(dist), centre[g] - offset + spread[g] + 1)
                left_out += float(dist[:a].sum() + dist[e:].sum())
                dist, offset = dist[a:e], offset + a
        o = int(observed[r]) - offset
        s = np.arange(max(0, o), len(dist))
        tail = float((dist[s] * np.exp(-theta[r] * (s - o))).sum())
        if tail > 0:
            lower[r] = scale[r] + math.log(tail)
            upper[r] = scale[r] + math.log(tail + left_out + rest[r])
    return lower, upper
