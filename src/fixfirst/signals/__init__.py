"""Friction signals: what each data source says about each touchpoint and transition."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from ..config import Engagement, Settings, WorkingCalendar
from ..ingest import IngestResult
from ..journey import Journey
from .base import Evidence, FrictionSignal, Kpi, TargetBasis, pct, wilson_interval
from .checklist import ChecklistResults, checklist_problems, checklist_signals
from .context import SignalContext
from .drivers import (
    CONCENTRATE,
    KEEP_UP,
    LOW_PRIORITY,
    OVERKILL,
    DriverAnalysis,
    DriversSkipped,
    attach_driver_evidence,
    key_drivers,
)
from .events import Funnel, attach_process_evidence, build_funnel, event_signals
from .feedback import TaggedFeedback, feedback_signals, tag_feedback
from .late_attribution import late_causes
from .order_flow import two_proportion_p
from .ordered_log import case_codes
from .orders import order_facts, order_signals, return_counts, stockout_counts
from .process import ProcessMap, process_map
from .redaction import redact, set_redaction_region
from .strata import DIMENSION_LABELS
from .survey import NetPromoterScore, net_promoter_score, survey_kpis, survey_signals


@dataclass
class SignalSet:
    signals: list[FrictionSignal]
    context: SignalContext
    order_facts: pd.DataFrame | None = None
    funnel: Funnel | None = None
    feedback: TaggedFeedback | None = None
    nps: NetPromoterScore | None = None
    kpis: list[Kpi] = field(default_factory=list)
    # Key-driver analysis of the survey's touchpoint ratings; None without a survey.
    drivers: DriverAnalysis | DriversSkipped | None = None
    # Process mining of the event log (directly-follows graph, variants, rework, drop-off periods); None without events.
    process: ProcessMap | None = None
    # Consultation checklists answered in ENGAGEMENT/answers/, scored; their flags are `checklist` signals.
    checklists: ChecklistResults | None = None

    def __repr__(self) -> str:
        # One line: the generated repr prints every signal, the order facts, the funnel and the tagged feedback.
        sources = ", ".join(sorted({s.source for s in self.signals})) or "no data"
        off = sum(1 for s in self.signals if s.severity > 0)
        places = len({s.touchpoint for s in self.signals})
        return f"<SignalSet: {len(self.signals)} signals at {places} touchpoints from {sources}, {off} off target>"

    def for_touchpoint(self, touchpoint_id: str) -> list[FrictionSignal]:
        return [s for s in self.signals if s.touchpoint == touchpoint_id]


def compute_signals(engagement: Engagement, journey: Journey, data: IngestResult) -> SignalSet:
    orders = data.frame("orders")
    promise, country = engagement.audit.promise, engagement.audit.client.country
    client = engagement.audit.client
    ctx = SignalContext(engagement.settings, promise, WorkingCalendar.from_promise(promise, country, _years(orders)),
                        business_type=client.business_type, sector=client.sector)
    survey = data.frame("survey")
    events = data.frame("events")
    # The event log's funnel and process map read nothing the order branch writes, and most of their time (and the
    # order branch's) is in numpy, pandas and Arrow kernels that release the GIL: on two cores the two overlap
    # (benchmarks/signals.py: about 10 s to 5.4-6.7 s). The worker runs in a copy of this context (the redaction region).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixfirst-events") as pool:
        event_work = None
        if events is not None and len(events):
            event_work = pool.submit(contextvars.copy_context().run, _event_log, events, journey, engagement.settings)
        facts, signals = _order_branch(orders, survey, journey, ctx)
        texts = _feedback_corpus(data.frame("feedback"), survey)
        tagged = tag_feedback(texts, journey, ctx, engagement.lexicon) if texts is not None and len(texts) else None
        funnel, process = event_work.result() if event_work is not None else (None, None)
    if event_work is not None:
        if funnel is not None:  # its abnormal drop-off periods are scored as incidents
            signals += event_signals(funnel, journey, ctx, process)
        attach_process_evidence(signals, process)
    if tagged is not None:
        # Touchpoints other data already finds off target: complaints naming one of them and a later step are its own.
        failing = frozenset(s.touchpoint for s in signals if s.severity > 0 and s.n >= engagement.settings.scoring.min_evidence_n)
        signals += feedback_signals(tagged, journey, ctx, failing)
    checklist_found, checklists = checklist_signals(engagement.folder, journey, engagement.settings,
                                                      business_type=engagement.audit.client.business_type)
    signals += checklist_found
    nps = net_promoter_score(survey, engagement.settings.scoring.ci_level) if survey is not None else None
    drivers = key_drivers(survey, journey, engagement.settings) if survey is not None and len(survey) else None
    attach_driver_evidence(signals, drivers)
    kpis = _as_signals_measure(headline_kpis(facts, funnel, nps, ctx), signals) + survey_kpis(survey, engagement.settings.scoring.ci_level)
    return SignalSet(signals, ctx, facts, funnel, tagged, nps, kpis, drivers, process=process, checklists=checklists)


def _order_branch(orders: pd.DataFrame | None, survey: pd.DataFrame | None, journey: Journey,
                  ctx: SignalContext) -> tuple[pd.DataFrame | None, list[FrictionSignal]]:
    """Order facts and the signals of the orders and the survey; fills the context's order value and monthly volume."""
    facts = None
    if orders is not None and len(orders):
        facts = order_facts(orders, ctx)
        # Column by column: a copy of the placed orders' whole frame costs more than the sums.
        placed = ~facts["cancelled"]
        if "value" in facts and facts["value"].notna()[placed].any():
            ctx.average_order_value = float(facts["value"][placed].mean())
        ctx.orders_per_month = ctx.per_month(int(placed.sum()), facts["ordered_at"].min(), facts["ordered_at"].max())
    signals: list[FrictionSignal] = []
    if facts is not None:
        signals += order_signals(facts, journey, ctx, survey)
    if survey is not None and len(survey):
        signals += survey_signals(survey, journey, ctx, facts)
    return facts, signals


def _event_log(events: pd.DataFrame, journey: Journey, settings: Settings) -> tuple[Funnel | None, ProcessMap | None]:
    """The web funnel and the process map of one event log; hashing millions of case ids once serves both."""
    cases = case_codes(events["case_id"])
    return build_funnel(events, journey, cases), process_map(events, journey, settings, cases)


def _years(orders: pd.DataFrame | None) -> range | None:
    """The calendar years the orders span, plus the next (deadlines run past the last order)."""
    if orders is None or "ordered_at" not in orders or orders["ordered_at"].isna().all():
        return None
    return range(int(orders["ordered_at"].min().year), int(orders["ordered_at"].max().year) + 2)


def _feedback_corpus(feedback: pd.DataFrame | None, survey: pd.DataFrame | None) -> pd.DataFrame | None:
    """Feedback rows plus survey comments: every free-text voice the client collected."""
    parts = []
    if feedback is not None and len(feedback):
        parts.append(feedback)
    if survey is not None and "comment" in survey:
        comments = survey.loc[survey["comment"].notna(), ["comment"]].rename(columns={"comment": "text"})
        if len(comments):
            comments["source"] = "survey"
            parts.append(comments)
    return pd.concat(parts, ignore_index=True) if parts else None


# A headline rate that a touchpoint's signal also measures is that signal's figure: one return rate in the report, not two.
KPI_SIGNALS = {"Stock-out rate": "stockout", "Return rate": "returns"}


def _as_signals_measure(kpis: list[Kpi], signals: list[FrictionSignal]) -> list[Kpi]:
    out = []
    for kpi in kpis:
        metric = KPI_SIGNALS.get(kpi.name)
        signal = next((s for s in signals if s.metric == metric and s.source == "orders"), None) if metric else None
        out.append(kpi if signal is None else Kpi(kpi.name, signal.value, "pct", signal.n, signal.label))
    return out


def headline_kpis(facts: pd.DataFrame | None, funnel: Funnel | None, nps: NetPromoterScore | None, ctx: SignalContext) -> list[Kpi]:
    kpis: list[Kpi] = []
    if facts is not None:
        placed = ~facts["cancelled"]
        kpis.append(Kpi("Orders analysed", len(facts), "count", len(facts)))
        if ctx.orders_per_month:
            kpis.append(Kpi("Orders per month", ctx.orders_per_month, "number", int(placed.sum())))
        if ctx.average_order_value:
            kpis.append(Kpi("Average order value", ctx.average_order_value, "money", int(facts["value"][placed].notna().sum())))
        assessed = facts["assessable"]
        if assessed.any():
            kpis.append(Kpi("On-time delivery", 1 - facts["late"][assessed].mean(), "pct", int(assessed.sum()), ctx.promise.description))
        for name, column, counts in (("Stock-out rate", "backordered", stockout_counts), ("Return rate", "returned", return_counts)):
            if column in facts:
                hits, base = counts(facts)
                if base.any():
                    kpis.append(Kpi(name, float(hits[base].mean()), "pct", int(base.sum())))
    if funnel is not None and funnel.purchase_step:
        first = funnel.reached.columns[0]
        starts = funnel.reached[first]
        if starts.any():
            kpis.append(Kpi("Web conversion", float(funnel.reached.loc[starts, funnel.purchase_step].mean()), "pct", int(starts.sum()),
                            f"customers reaching {funnel.purchase_step} among those starting at {first}"))
    if nps is not None:
        kpis.append(Kpi("Net Promoter Score", nps.score, "nps", nps.n, f"{ctx.settings.scoring.ci_level:.0%} interval {nps.ci_low:.0f} to {nps.ci_high:.0f}"))
    return kpis



__all__ = ["checklist_problems", "compute_signals", "CONCENTRATE", "DIMENSION_LABELS", "DriverAnalysis", "DriversSkipped", "Evidence", "FrictionSignal", "KEEP_UP", "Kpi", "late_causes", "LOW_PRIORITY", "OVERKILL", "pct", "redact", "set_redaction_region", "SignalSet", "TargetBasis", "two_proportion_p", "wilson_interval"]
