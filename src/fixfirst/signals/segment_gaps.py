"""Segment gaps: one device or channel converting far below the rest of the same step, with Holm's multiple-comparison control."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..journey import Journey
from .base import Evidence, FrictionSignal, TargetBasis, pct, proportion_signal
from .context import SignalContext
from .funnel import Funnel
from .strata import DIMENSION_LABELS, Comparison, compare_counts, holm, joint_cells


@dataclass(frozen=True)
class SegmentTest:
    source: str
    target: str
    dimension: str
    segment: str
    comparison: Comparison
    cases_at_step: int


def segment_tests(funnel: Funnel, journey: Journey, ctx: SignalContext) -> list[SegmentTest]:
    """Every segment (of the compared columns) with enough cases at a step against the rest of that step, within
    the cells of the other segment columns."""
    rules = ctx.settings.targets
    dims = funnel.dimensions()
    tests: list[SegmentTest] = []
    for transition in journey.transitions:
        a, b = transition.source, transition.target
        if a not in funnel.reached or b not in funnel.reached:
            continue
        rows = np.flatnonzero(funnel.reached[a].to_numpy())
        if not len(rows):
            continue
        success = funnel.reached[b].to_numpy()[rows]
        for dimension in rules.segment_dimensions:
            if dimension not in dims:
                continue
            codes, names = dims[dimension]
            codes = codes[rows] + 1  # 0: unknown
            cells = joint_cells(dims, rows, rules.max_strata, leave_out=dimension)
            # One pass: cell x segment x went on; each segment against the rest is read from it.
            width = len(names) + 1
            table = np.bincount((cells * width + codes) * 2 + success, minlength=(int(cells.max()) + 1) * width * 2)
            table = table.reshape(-1, width, 2).astype(float)
            all_n, all_k = table.sum(axis=(1, 2)), table[:, :, 1].sum(axis=1)
            sizes = table.sum(axis=(0, 2))
            for i in np.flatnonzero(sizes[1:] >= rules.segment_min_cases):
                if len(rows) - sizes[i + 1] < rules.segment_min_cases:
                    continue
                g_n, g_k = table[:, i + 1].sum(axis=1), table[:, i + 1, 1]
                comparison = compare_counts(g_n, g_k, all_n - g_n, all_k - g_k)
                tests.append(SegmentTest(a, b, dimension, names[i], comparison, len(rows)))
    return tests


def segment_gap_signals(funnel: Funnel, journey: Journey, ctx: SignalContext) -> list[FrictionSignal]:
    """A scored `segment_gap` signal for each segment far below the rest of its step: significant after Holm's
    correction over every segment and step tested, and at least the minimum gap in points and in proportion."""
    rules = ctx.settings.targets
    tests = segment_tests(funnel, journey, ctx)
    rejected = holm([t.comparison.p_value for t in tests], rules.segment_alpha)
    signals = []
    for test, significant in zip(tests, rejected, strict=False):
        c = test.comparison
        gap = c.reference_rate - c.rate
        if not significant or gap < rules.segment_min_gap or gap < rules.segment_min_relative_gap * c.reference_rate:
            continue
        signals.append(_signal(test, funnel, journey, ctx, len(tests)))
    return signals


def _signal(test: SegmentTest, funnel: Funnel, journey: Journey, ctx: SignalContext, tested: int) -> FrictionSignal:
    c = test.comparison
    a, b = journey.touchpoint(test.source), journey.touchpoint(test.target)
    what = DIMENSION_LABELS.get(test.dimension, test.dimension)
    others = [DIMENSION_LABELS.get(d, d) for d in funnel.dimensions() if d != test.dimension]
    mix = f" at this {what}'s mix of {' and '.join(others)}" if others else ""
    signal = proportion_signal(
        touchpoint=a.id, metric="segment_gap", label=f"{test.segment}: customers who go on from {a.name} to {b.name}",
        source="events", hits=c.hits, n=c.n, higher_is_better=True, settings=ctx.settings, target=c.reference_rate,
        edge=(a.id, b.id), reach=c.n / test.cases_at_step if test.cases_at_step else None,
        basis=TargetBasis.SEGMENT, basis_note=f"segment: the other {what}s at the same step{mix}")
    # What the segment's lost cases would have been worth had it converted like the rest: their chance of buying.
    at_b = funnel.reached[b.id]
    lost = max(0.0, signal.target - signal.shrunk_value) * ctx.per_month(c.n, funnel.start, funnel.end)
    extra = lost * funnel.buy_rate(at_b)
    signal.money_at_stake = ctx.money(extra)
    signal.extra_purchases_per_month = extra
    signal.money_basis = f"{test.segment} converting like the other {what}s at {a.name} -> {b.name}: lost customers at their chance of buying"
    signal.detail.update(segment=test.segment, dimension=test.dimension, p_value=c.p_value, tests=tested,
                         rest_n=c.reference_n, rest_rate=c.crude_reference_rate)
    signal.evidence.append(Evidence(
        f"{test.segment}: {pct(c.rate)} of {c.n:,} customers at {a.name} went on to {b.name}, against {pct(c.reference_rate)} "
        f"for the other {what}s{mix} ({pct(c.crude_reference_rate)} as recorded, n={c.reference_n:,}); "
        f"p={c.p_value:.2g}, significant after Holm's correction over {tested:,} segment comparisons.", kind="breakdown", n=c.n))
    return signal
