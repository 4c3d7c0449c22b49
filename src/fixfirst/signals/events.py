"""Friction from event logs: how many cases continue along each journey transition, by segment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..journey import Journey
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext


@dataclass
class Funnel:
    """Which touchpoints each case (session, ticket...) reached."""

    reached: pd.DataFrame  # index case_id, one bool column per touchpoint with events
    segment: pd.Series | None  # case_id -> segment (device, platform...), when the log has one
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    purchase_step: str | None  # the last event touchpoint in journey order

    @property
    def cases(self) -> int:
        return len(self.reached)


def build_funnel(events: pd.DataFrame, journey: Journey) -> Funnel | None:
    step_of = {activity: tp.id for tp in journey.touchpoints for activity in tp.events}
    if not step_of:
        return None
    steps = events["activity"].map(step_of)
    known = events.assign(step=steps).dropna(subset=["step"])
    if known.empty:
        return None
    # A boolean case x step matrix; pd.crosstab would aggregate group by group in Python.
    case_codes, cases = pd.factorize(known["case_id"], sort=True)
    step_codes, steps = pd.factorize(known["step"], sort=True)
    matrix = np.zeros((len(cases), len(steps)), dtype=bool)
    matrix[case_codes, step_codes] = True
    reached = pd.DataFrame(matrix, index=pd.Index(cases, name="case_id"), columns=list(steps))
    segment = None
    timed = "timestamp" in known
    if "segment" in known:
        # A case's segment is the one it was first seen with.
        first_seen = known.sort_values("timestamp", kind="stable") if timed else known
        segment = first_seen.groupby("case_id")["segment"].first().reindex(reached.index)
    ordered = [tp.id for tp in journey.ordered() if tp.id in reached.columns]
    # Funnel tables without times still give conversion; only per-month figures need the period.
    start, end = (events["timestamp"].min(), events["timestamp"].max()) if timed else (None, None)
    return Funnel(reached[ordered], segment, start, end, ordered[-1] if ordered else None)


def event_signals(funnel: Funnel, journey: Journey, ctx: SignalContext) -> list[FrictionSignal]:
    signals = []
    default_target = ctx.settings.metrics.conversion.target
    purchases = int(funnel.reached[funnel.purchase_step].sum()) if funnel.purchase_step else 0
    for transition in journey.transitions:
        a, b = transition.source, transition.target
        if a not in funnel.reached or b not in funnel.reached:
            continue
        at_a = funnel.reached[a]
        n = int(at_a.sum())
        if n == 0:
            continue
        continued = funnel.reached.loc[at_a, b]
        source_tp, target_tp = journey.touchpoint(a), journey.touchpoint(b)
        target = transition.target_conversion or source_tp.targets.get("conversion") or default_target
        signal = proportion_signal(
            touchpoint=a, metric="conversion", label=f"Cases that go on from {source_tp.name} to {target_tp.name}",
            source="events", hits=int(continued.sum()), n=n, higher_is_better=True, settings=ctx.settings, target=target,
            edge=(a, b), reach=min(1.0, n / purchases) if purchases else None,
        )
        # Lost cases are worth what a case that reaches b is worth: its chance of buying.
        at_b = funnel.reached[b]
        buy_rate = float(funnel.reached.loc[at_b, funnel.purchase_step].mean()) if funnel.purchase_step and at_b.any() else 0.0
        lost = max(0.0, signal.target - signal.shrunk_value) * ctx.per_month(n, funnel.start, funnel.end)
        signal.money_at_stake = ctx.money(lost * buy_rate)
        signal.detail.update(continued=int(continued.sum()), drop_off=1 - signal.value, buy_rate_after=buy_rate)
        signal.evidence.append(Evidence(
            f"{pct(signal.value)} of {n:,} cases at {source_tp.name} went on to {target_tp.name} ({pct(1 - signal.value)} dropped off); target {pct(target)}.", n=n))
        if funnel.segment is not None:
            segments = pd.DataFrame({"segment": funnel.segment[at_a], "continued": continued})
            by = segments.groupby("segment", observed=True)["continued"].agg(["size", "mean"]).sort_values("mean")
            by = by[by["size"] >= 30]
            if len(by) > 1:
                signal.detail["segments"] = {str(k): (int(r["size"]), float(r["mean"])) for k, r in by.iterrows()}
                signal.evidence.append(Evidence(
                    "By segment: " + "; ".join(f"{k} {pct(r['mean'])} continue (n={int(r['size']):,})" for k, r in by.iterrows()) + ".",
                    kind="breakdown", n=n))
        signals.append(signal)
    return signals
