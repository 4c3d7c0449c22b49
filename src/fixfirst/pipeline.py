"""The audit from folder to findings: load, ingest, signals, scoring, capacity, verdict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .capacity import CapacityOutlook, capacity_outlook
from .engagement import Engagement, load_engagement
from .errors import InputProblems
from .ingest import IngestResult, ingest
from .journey import Journey, load_journey
from .scoring import Ranking, Verdict, decide, rank_weak_spots
from .signals import SignalSet, compute_signals


@dataclass
class CheckResult:
    engagement: Engagement
    journey: Journey
    data: IngestResult


@dataclass
class AuditResult:
    engagement: Engagement
    journey: Journey
    data: IngestResult
    signals: SignalSet
    ranking: Ranking
    outlook: CapacityOutlook | None
    verdict: Verdict
    generated_on: dt.date = field(default_factory=dt.date.today)


def check_engagement(folder) -> CheckResult:
    """Load the configuration and every source; data problems are returned, not raised."""
    engagement = load_engagement(folder)
    journey = load_journey(engagement.journey_path)
    return CheckResult(engagement, journey, ingest(engagement, journey))


def run_audit(folder) -> AuditResult:
    """The whole audit. Raises InputProblems when a source has errors (warnings are carried along)."""
    checked = check_engagement(folder)
    if checked.data.problems.has_errors:
        raise InputProblems(list(checked.data.problems))
    return audit_from(checked)


def audit_from(checked: CheckResult) -> AuditResult:
    engagement, journey, data = checked.engagement, checked.journey, checked.data
    signals = compute_signals(engagement, journey, data)
    ranking = rank_weak_spots(journey, signals, engagement.settings)
    outlook = None
    if signals.order_facts is not None:
        outlook = capacity_outlook(signals.order_facts, data.frame("campaigns"), engagement.settings, engagement.audit.promise.weekmask)
    verdict = decide(ranking, outlook, engagement.settings)
    return AuditResult(engagement, journey, data, signals, ranking, outlook, verdict)
