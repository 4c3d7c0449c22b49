"""How an order failure rate is judged: against its chosen target, or against its own history (a baseline, a rise that stayed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..journey import Touchpoint
from .base import Evidence, FrictionSignal, TargetBasis, pct, proportion_signal
from .baseline import Baseline, recent_against_earlier
from .context import SignalContext
from .step_change import step_change
from .targets import TargetChoice


def rose_since(facts: pd.DataFrame, flag: pd.Series, rows: pd.Series, tp: Touchpoint, metric: str, label: str, ctx: SignalContext,
          what: str, per_order: float) -> FrictionSignal | None:
    """A companion signal judged on the metric's own history: the rate since the week it rose against the rate before."""
    keep = rows.to_numpy(dtype=bool) & facts["ordered_at"].notna().to_numpy()
    times = facts["ordered_at"].to_numpy(dtype="datetime64[ns]")[keep].astype("int64")
    change = step_change(times, flag.to_numpy(dtype=bool)[keep], ctx.settings.orders)
    if change is None:
        return None
    signal = proportion_signal(touchpoint=tp.id, metric=metric, label=f"{label}, since {change.since:%d %b %Y}", source="orders",
                               hits=change.after_failures, n=change.after_n, higher_is_better=False, settings=ctx.settings,
                               target=change.before_rate, reach=1.0, basis=TargetBasis.BASELINE,
                               basis_note=f"baseline: its own rate before {change.since:%d %b %Y}; it rose then and stayed up")
    period = (pd.Timestamp(change.since), pd.Timestamp(change.until) + pd.Timedelta(days=1))
    excess = max(0.0, signal.shrunk_value - signal.target) * ctx.per_month(change.after_n, *period)
    signal.extra_purchases_per_month = excess * per_order
    signal.money_at_stake = ctx.money(signal.extra_purchases_per_month)
    signal.money_basis = f"orders {what} beyond the rate before {change.since:%d %b %Y}, at what each one cost (measured as for the whole record)"
    signal.detail.update(hits=change.after_failures, step_change=change.to_dict())
    signal.evidence.append(Evidence(change.sentence(what), n=change.after_n + change.before_n))
    return signal


@dataclass(frozen=True)
class Judged:
    """The target an order signal is judged against: chosen (journey, settings, benchmark, default) or its own history."""

    target: float | None
    note: str
    baseline: Baseline | None = None
    measured_only: bool = False  # nothing could judge it: its own value stands in as the target


def judge_orders(choice: TargetChoice, when: pd.Series, success: pd.Series, rows: pd.Series, ctx: SignalContext, *,
            higher_is_better: bool) -> Judged:
    """With a chosen target, that; without one, the recent orders against the earlier ones (`signals.baseline`).

    `success` is the good outcome (on time, in stock, came back); `rows` the settled orders the baseline may use.
    Without enough dated orders on both sides the figure is measured but not judged (its own value is its target).
    """
    if choice.value is not None:
        return Judged(choice.value, choice.note)
    keep = rows.to_numpy(dtype=bool) & when.notna().to_numpy()
    times = when.to_numpy(dtype="datetime64[ns]")[keep].astype("int64")
    good = success.to_numpy(dtype=bool)[keep]
    baseline = recent_against_earlier(times, good, np.zeros(len(times), np.int64), ctx.settings.targets)
    if baseline is None:
        return Judged(None, "not judged: no target in the journey, settings or benchmarks, and too few dated orders to compare with its own history")
    earlier = baseline.recent.reference_rate
    target = earlier if higher_is_better else 1.0 - earlier
    return Judged(target, f"baseline: its own level before {baseline.start.day} {baseline.start:%b %Y}", baseline)


def baseline_sentence(baseline: Baseline, what: str, *, higher_is_better: bool) -> str:
    r = baseline.recent
    now, before = (r.rate, r.reference_rate) if higher_is_better else (1 - r.rate, 1 - r.reference_rate)
    text = f"Judged against its own history: {pct(now, 1)} {what} of {r.n:,} orders {baseline.dates}, against {pct(before, 1)} of the {r.reference_n:,} before"
    if baseline.worse:
        return text + ": it got worse and stays worse."
    return text + (": no lasting, significant change." if baseline.significant else f": within chance (p={r.p_value:.2g}).")
