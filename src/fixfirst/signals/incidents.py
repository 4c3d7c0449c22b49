"""Incidents: the abnormal drop-off periods of the process map as scored signals on the step where cases were lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet

from ..journey import Journey
from .base import Evidence, FrictionSignal, TargetBasis, proportion_signal
from .context import DAYS_PER_MONTH, SignalContext
from .dropoff import DropOffPeriod
from .funnel import Funnel
from .process import ProcessMap
from .strata import DIMENSION_LABELS


def incident_signals(process: ProcessMap | None, funnel: Funnel, journey: Journey, ctx: SignalContext,
                     skip: AbstractSet[tuple[str, str]] = frozenset()) -> list[FrictionSignal]:
    """One `incident` signal per abnormal drop-off period (overall, or in one segment) significant over the whole
    log: its p-value under `process.alarm_alpha` divided by the windows tested on every transition, so that a log
    in which nothing changed raises no incident anywhere with at least that confidence (each transition's own
    periods, found at its own level, stay evidence on its conversion signal). Except, on the transitions in `skip`,
    a period still running: a step judged on its own baseline already scores that drop."""
    if process is None:
        return []
    tested = sum(process.alarm_tests.values())
    threshold = ctx.settings.process.alarm_alpha / tested if tested else 0.0
    signals = []
    last_day = funnel.end.date() if funnel.end is not None and not _missing(funnel.end) else None
    for period in process.drop_off_periods:
        a, b = period.source, period.target
        if a not in funnel.reached or b not in funnel.reached or not period.n or period.p_value > threshold:
            continue
        ongoing = last_day is not None and (last_day - period.end).days < (7 if period.granularity == "week" else 1)
        if ongoing and (a, b) in skip:
            continue
        signals.append(_signal(period, funnel, journey, ctx, ongoing))
    return signals


def _missing(value) -> bool:
    try:
        return bool(value != value)  # NaT
    except TypeError:
        return False


def _signal(period: DropOffPeriod, funnel: Funnel, journey: Journey, ctx: SignalContext, ongoing: bool) -> FrictionSignal:
    a, b = journey.touchpoint(period.source), journey.touchpoint(period.target)
    usual = 1 - period.mix_usual_rate
    where = f" on {period.segment}" if period.segment is not None else ""
    at_step = int(funnel.reached[a.id].sum())
    signal = proportion_signal(
        touchpoint=a.id, metric="incident", label=f"Customers who go on from {a.name} to {b.name} {period.dates}{where}",
        source="events", hits=period.n - period.lost, n=period.n, higher_is_better=True, settings=ctx.settings, target=usual,
        edge=(a.id, b.id), reach=period.n / at_step if at_step else None, basis=TargetBasis.BASELINE,
        basis_note=(f"baseline: the step's usual level{where} outside abnormal periods"
                    + (", at the period's mix of segments" if period.expected_lost is not None else "")))
    # The customers lost beyond the usual level, each worth its chance of buying had it gone on, per month of data.
    span = (funnel.end - funnel.start) / dt.timedelta(days=1) if funnel.start is not None and funnel.end is not None else 0.0
    extra = max(0.0, period.excess_lost) * funnel.buy_rate(funnel.reached[b.id]) * DAYS_PER_MONTH / max(1.0, span) if span else 0.0
    signal.money_at_stake = ctx.money(extra)
    signal.extra_purchases_per_month = extra
    signal.money_basis = (f"{max(0.0, period.excess_lost):,.0f} customers lost beyond the usual level {period.dates}, at their "
                          "chance of buying, per month of data")
    # Carriers of the first segment column only: the others' breakdowns are not compared within cells, and a channel
    # rich in mobile visitors would seem to carry a mobile fault.
    carriers = [f"{c.segment} ({DIMENSION_LABELS.get(c.dimension, c.dimension)})" for c in period.carriers]
    signal.detail.update(start=period.start.isoformat(), end=period.end.isoformat(), segment=period.segment,
                         dimension=period.dimension, carriers=carriers, ongoing=ongoing, p_value=period.p_value,
                         excess_lost=round(period.excess_lost, 1))
    signal.evidence.append(Evidence(period.sentence(), n=period.n))
    signal.ended = not ongoing
    if ongoing:
        signal.evidence.append(Evidence(f"Still running at the end of the data ({period.end:%d %b %Y}).", n=period.n))
    else:
        signal.evidence.append(Evidence(f"Over by {period.end:%d %b %Y}: it counts in the ranking, but does not by itself hold "
                                        "marketing back.", n=period.n))
    return signal
