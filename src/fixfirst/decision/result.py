"""An audit's computed results, handed from the pipeline to presentation, the reports and the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..capacity import CapacityOutlook
from ..config import Engagement
from ..ingest import IngestResult
from ..journey import Journey
from ..scoring import Ranking
from ..signals import SignalSet
from .fix_plan import FixPlan
from .outcome import Decision
from .verdict import Verdict


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
    # The playbook's fixes for the weak spots, quick wins first, and the KPIs to watch (decision.fix_plan).
    fix_plan: FixPlan
    # Page one as numbers: the campaign advice, the one headroom, the money at stake, the dated plan (decision.outcome).
    decision: Decision
    generated_on: dt.date = field(default_factory=dt.date.today)

    def __repr__(self) -> str:
        # One line, like fixfirst.Audit's: the generated repr would print every table, signal and frame it holds.
        return (f"<AuditResult {self.engagement.audit.client.name[:60]!r} as of {self.as_of.isoformat()}: {self.verdict.status}, "
                f"{len(self.ranking.weak_spots)} weak spots, {len(self.signals.signals)} signals>")

    @property
    def as_of(self) -> dt.date:
        """The data's last day: the audit judges the business as of this date."""
        return self.decision.as_of
