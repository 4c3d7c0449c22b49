"""Friction from event logs: step conversion against its resolved target, conversion inside a touchpoint, segment gaps and incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..journey import Journey, Touchpoint, infer_kind
from .base import Evidence, FrictionSignal, TargetBasis, pct, proportion_signal
from .baseline import recent_against_earlier
from .context import SignalContext
from .funnel import Funnel, build_funnel
from .incidents import incident_signals
from .process import ProcessMap, format_duration
from .segment_gaps import segment_gap_signals
from .strata import joint_cells
from .targets import Edge, TargetChoice, resolve_target

__all__ = ["Funnel", "attach_process_evidence", "build_funnel", "event_signals"]


def event_signals(funnel: Funnel, journey: Journey, ctx: SignalContext, process: ProcessMap | None = None) -> list[FrictionSignal]:
    """Conversion of every transition and of consecutive activities inside a touchpoint, each against its resolved
    target (docs/settings.md, Targets); segments far below the rest of their step; and, with the process map,
    the abnormal drop-off periods as incidents."""
    purchases = int(funnel.reached[funnel.purchase_step].sum()) if funnel.purchase_step else 0
    cells = joint_cells(funnel.dimensions(), None, ctx.settings.targets.max_strata, n_cases=funnel.cases)
    signals: list[FrictionSignal] = []
    for transition in journey.transitions:
        a, b = transition.source, transition.target
        if a not in funnel.reached or b not in funnel.reached:
            continue
        source_tp, target_tp = journey.touchpoint(a), journey.touchpoint(b)
        choice = resolve_target("conversion", source_tp, Edge.of(journey, transition), ctx)
        signal = _conversion(funnel, ctx, cells, "conversion", source_tp, choice, funnel.reached[a], funnel.reached[b],
                             source_tp.name, target_tp.name, purchases)
        if signal is None:
            continue
        signal.edge = (a, b)
        signals.append(signal)
        if choice.value is not None and funnel.timed:
            # A step within its chosen target can still have got worse and stayed worse (a site change): its own
            # history is read too, and the stronger of the two readings scores (weak_spots.failure_key).
            own = TargetChoice(None, TargetBasis.BASELINE, "baseline: judged against its own earlier level")
            companion = _conversion(funnel, ctx, cells, "conversion", source_tp, own, funnel.reached[a], funnel.reached[b],
                                    source_tp.name, target_tp.name, purchases,
                                    label=f"Customers who go on from {source_tp.name} to {target_tp.name}, against its own history")
            # A second reading beside a met target must be material, not just significant: every step gets it.
            material = companion is not None and companion.value <= companion.target * (1 - ctx.settings.targets.baseline_min_relative_drop)
            if companion is not None and companion.judged and material and companion.severity > signal.severity:
                companion.edge = (a, b)
                signals.append(companion)
    signals += activity_signals(funnel, journey, ctx, cells, purchases)
    signals += segment_gap_signals(funnel, journey, ctx)
    # A step judged on its own baseline already scores a drop that is still running: no second signal for it.
    on_baseline = {s.edge for s in signals if s.edge is not None and s.metric == "conversion" and s.basis is TargetBasis.BASELINE}
    signals += incident_signals(process, funnel, journey, ctx, skip=on_baseline)
    return signals


def activity_signals(funnel: Funnel, journey: Journey, ctx: SignalContext, cells: np.ndarray, purchases: int) -> list[FrictionSignal]:
    """Conversion between consecutive activities of one touchpoint, in the order `data.events` lists them
    (payment submitted -> order placed): a drop between two activities mapped to one step shows too. A pair is
    measured only when at least `targets.activity_pair_min_share` of the cases that reached the second activity
    reached the first: a sequence, not two alternative ways into the step (a home page and a landing page)."""
    if funnel.activities is None:
        return []
    signals = []
    acts = funnel.activities
    for tp in journey.ordered():
        present = [a for a in tp.events if a in acts]
        for x, y in zip(present, present[1:], strict=False):
            at_y = int(acts[y].sum())
            if not at_y or int((acts[x] & acts[y]).sum()) < ctx.settings.targets.activity_pair_min_share * at_y:
                continue
            edge = Edge(x, y, infer_kind(x), infer_kind(y))
            choice = resolve_target("activity_conversion", tp, edge, ctx)
            signal = _conversion(funnel, ctx, cells, "activity_conversion", tp, choice, acts[x], acts[y],
                                 f"'{x}'", f"'{y}'", purchases, label=f"{tp.name}: customers who go on from '{x}' to '{y}'")
            if signal is not None:
                signal.detail["activities"] = (x, y)
                signals.append(signal)
    return signals


def _conversion(funnel: Funnel, ctx: SignalContext, cells: np.ndarray, metric: str, tp: Touchpoint, choice: TargetChoice,
                at_a: pd.Series, at_b: pd.Series, a_name: str, b_name: str, purchases: int, label: str | None = None) -> FrictionSignal | None:
    """A conversion signal from the cases at a step (`at_a`) to the next (`at_b`), judged as `choice` says; without a
    chosen target, against the step's own earlier level."""
    n = int(at_a.sum())
    if n == 0:
        return None
    mask = at_a.to_numpy()
    continued = at_b.to_numpy()[mask]
    hits, n_judged, start = int(continued.sum()), n, funnel.start
    baseline = None
    measured_only = False
    target, basis, note = choice.value, choice.basis, choice.note
    if target is None:
        # Its own earlier level, cell by cell, among cases that had time to go on.
        eligible = funnel.followed_up(at_b.to_numpy(), ctx.settings.process.follow_up_quantile) & mask
        rows = np.flatnonzero(eligible)
        baseline = recent_against_earlier(funnel.first_seen[rows], at_b.to_numpy()[rows], cells[rows], ctx.settings.targets) if funnel.first_seen is not None else None
        if baseline is None:
            # Nothing chose a target and the log cannot say how the step used to do: measured, not judged.
            target, measured_only = hits / n, True
            note = note.replace("judged against its own earlier level", "not judged: too few dated customers to compare with its own history")
        else:
            hits, n_judged, target = baseline.recent.hits, baseline.recent.n, baseline.recent.reference_rate
            start = pd.Timestamp(baseline.start)
            note = f"baseline: its own level before {baseline.start.day} {baseline.start:%b %Y}, at the recent mix of segments"
    signal = proportion_signal(
        touchpoint=tp.id, metric=metric, label=label or f"Customers who go on from {a_name} to {b_name}",
        source="events", hits=hits, n=n_judged, higher_is_better=True, settings=ctx.settings, target=target,
        reach=min(1.0, n / purchases) if purchases else None, basis=basis, basis_note=note, judged=not measured_only)
    if baseline is not None and not baseline.worse:
        signal.severity = 0.0  # not a lasting, significant drop: within its own usual range
    # Lost cases are worth what a case that reaches b is worth: its chance of buying.
    buy_rate = funnel.buy_rate(at_b)
    end = funnel.end if baseline is None else pd.Timestamp(baseline.end) + pd.Timedelta(days=1)
    shortfall = max(0.0, signal.target - signal.shrunk_value) if signal.severity > 0 else 0.0
    extra = shortfall * ctx.per_month(n_judged, start, end) * buy_rate
    signal.money_at_stake = ctx.money(extra)
    signal.extra_purchases_per_month = extra
    signal.money_basis = f"customers lost between {a_name} and {b_name} below the target, at their chance of buying ({pct(buy_rate)})"
    signal.detail.update(continued=int(continued.sum()), drop_off=1 - signal.value, buy_rate_after=buy_rate)
    if baseline is None:
        signal.evidence.append(Evidence(
            f"{pct(signal.value)} of {n:,} customers at {a_name} went on to {b_name} ({pct(1 - signal.value)} dropped off); "
            f"target {pct(signal.target)} ({signal.basis_note}).", n=n))
    else:
        signal.detail["baseline"] = baseline.to_dict()
        signal.evidence.append(Evidence(
            f"{pct(int(continued.sum()) / n)} of {n:,} customers at {a_name} went on to {b_name} over the whole record.", n=n))
        signal.evidence.append(Evidence(baseline.sentence(f"went on to {b_name}"), n=n_judged))
    if "segment" in funnel.segments:
        codes, names = funnel.dimensions()["segment"]
        at = codes[mask]
        known = at >= 0
        sizes = np.bincount(at[known], minlength=len(names))
        rates = np.bincount(at[known], weights=continued[known], minlength=len(names)) / np.maximum(sizes, 1)
        min_cases = ctx.settings.targets.breakdown_min_cases
        shown = sorted((i for i in range(len(names)) if sizes[i] >= min_cases), key=lambda i: (rates[i], i))
        if len(shown) > 1:
            signal.detail["segments"] = {names[i]: (int(sizes[i]), float(rates[i])) for i in shown}
            signal.evidence.append(Evidence(
                "By segment: " + "; ".join(f"{names[i]} {pct(rates[i])} continue (n={int(sizes[i]):,})" for i in shown) + ".",
                kind="breakdown", n=n))
    return signal


def attach_process_evidence(signals: list[FrictionSignal], process: ProcessMap | None) -> None:
    """Back each step's conversion signal with what the process map says: time to the next step, abnormal
    drop-off periods, and how often cases came back to the step. Evidence only here: the periods that hold are scored
    as incidents by `incident_signals`."""
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
                f"Customers who went on reached {process.name(b)} a median {format_duration(timing.median)} after first reaching "
                f"{process.name(a)} (85% within {format_duration(timing.p85)}; n={timing.n:,}).", n=timing.n))
        for period in process.periods_for(a, b):
            signal.evidence.append(Evidence(period.sentence(), n=period.n))
        summary = process.touchpoint_rework
        rework = summary.for_step(a) if summary else None
        if summary is None or rework is None or a in seen or rework.share < process.rework_min_share:
            continue
        seen.add(a)
        loops = summary.loops_at(a)
        usual = f"; most often {process.name(a)} → {process.name(loops[0].via)} → {process.name(a)} ({loops[0].cases:,} customers)" if loops else ""
        signal.evidence.append(Evidence(
            f"{pct(rework.share)} of {rework.cases:,} customers at {process.name(a)} came back to it after leaving{usual}.", n=rework.cases))
