"""Friction from event logs: how many cases continue along each journey transition, by segment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..journey import Journey
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext
from .ordered_log import case_codes as case_codes_of
from .process import ProcessMap, format_duration


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


def build_funnel(events: pd.DataFrame, journey: Journey, cases: tuple[np.ndarray, int, bool] | None = None) -> Funnel | None:
    """Which touchpoints each case reached. `cases`: `ordered_log.case_codes(events["case_id"])`, when already known."""
    step_of = {activity: tp.id for tp in journey.touchpoints for activity in tp.events}
    if not step_of:
        return None
    # Map the few distinct activities, not every row: a log of millions has a handful of activity names.
    activity_codes, activities = pd.factorize(events["activity"])
    step_codes_all, steps = pd.factorize(pd.Series([step_of.get(str(a)) for a in activities], dtype="object"), sort=True)
    row_step = np.where(activity_codes >= 0, step_codes_all[np.maximum(activity_codes, 0)], -1)
    keep = row_step >= 0
    if not keep.any():
        return None
    # A boolean case x step matrix; pd.crosstab would aggregate group by group in Python.
    # Cases numbered by the shared routine that hashes only the first id of each run of equal neighbours; the
    # numbering follows the file, but nothing computed from the funnel depends on row order.
    all_codes, n_all, _ = cases if cases is not None else case_codes_of(events["case_id"])
    case_codes = all_codes[keep]
    valid = case_codes >= 0
    if not valid.all():
        keep = keep & (all_codes >= 0)
        case_codes = case_codes[valid]
    # Renumber the cases that have a journey step, in the same order, so the funnel has no empty rows.
    present = np.zeros(n_all, dtype=bool)
    present[case_codes] = True
    case_codes = (np.cumsum(present) - 1)[case_codes]
    n_cases = int(present.sum())
    step_codes = row_step[keep]
    cases = pd.RangeIndex(n_cases)
    matrix = np.zeros((n_cases, len(steps)), dtype=bool)
    matrix[case_codes, step_codes] = True
    reached = pd.DataFrame(matrix, index=pd.RangeIndex(n_cases, name="case"), columns=list(steps))
    segment = None
    timed = "timestamp" in events
    if "segment" in events:
        # A case's segment is the one it was first seen with (earliest timestamp, then file order).
        kept_segment = events["segment"][keep] if not keep.all() else events["segment"]
        if timed:
            stamps = events["timestamp"].to_numpy()[keep].astype("int64")
            stamps[stamps == np.iinfo(np.int64).min] = np.iinfo(np.int64).max  # an unknown time is never the first
            first_row = pd.Series(stamps).groupby(case_codes, sort=True).idxmin().to_numpy()
        else:
            first_row = pd.Series(np.arange(len(case_codes))).groupby(case_codes, sort=True).min().to_numpy()
        segment = pd.Series(kept_segment.to_numpy()[first_row], index=reached.index)
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


def attach_process_evidence(signals: list[FrictionSignal], process: ProcessMap | None) -> None:
    """Back each step's conversion signal with what the process map says: time to the next step, abnormal
    drop-off periods, and how often cases came back to the step. Evidence only: scores do not change."""
    if process is None:
        return
    seen: set[str] = set()
    for signal in signals:
        if signal.metric != "conversion" or signal.source != "events" or signal.edge is None:
            continue
        a, b = signal.edge
        timing = process.step_time(a, b)
        if timing is not None and timing.n:
            signal.evidence.append(Evidence(
                f"Cases that went on reached {process.name(b)} a median {format_duration(timing.median)} after first reaching "
                f"{process.name(a)} (85% within {format_duration(timing.p85)}; n={timing.n:,}).", n=timing.n))
        for period in process.periods_for(a, b):
            signal.evidence.append(Evidence(period.sentence(), n=period.n))
        rework = process.touchpoint_rework.for_step(a) if process.touchpoint_rework else None
        if rework is None or a in seen or rework.share < process.rework_min_share:
            continue
        seen.add(a)
        loops = process.touchpoint_rework.loops_at(a)
        usual = f"; most often {process.name(a)} → {process.name(loops[0].via)} → {process.name(a)} ({loops[0].cases:,} cases)" if loops else ""
        signal.evidence.append(Evidence(
            f"{pct(rework.share)} of {rework.cases:,} cases at {process.name(a)} came back to it after leaving{usual}.", n=rework.cases))
