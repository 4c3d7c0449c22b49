"""The report as the reader sees it: every figure already written as text, every label chosen; templates only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MetaView:
    """Who the report is for, when the data ends, and who prepared it."""

    client_name: str
    title: str
    brand_colour: str
    logo: str | None  # a data: URI, or None
    as_of: str  # "29 Sep 2026": the data's last day
    prepared: str  # "Prepared 7 Dec 2026 by Sample Consulting Ltd"
    promise: str
    currency: str  # ISO 4217 code
    consultant: str | None = None


@dataclass(frozen=True)
class ReportView:
    """Client pages first (decision, journey, weak spots, plan, KPIs), then the appendices.

    Each section is built by its own module of `fixfirst.present` from the computed results and one Formatter, so a
    figure is written once and reads the same on every page, in the HTML, the workbook and the CLI.
    """

    meta: MetaView
    decision: Any  # present.decision_page.DecisionView
    journey: Any  # present.journey.JourneyView
    weak_spots: Any  # present.weak_spots.WeakSpotsView
    plan: Any  # present.plan.PlanView
    priority: Any  # present.priority.PriorityMatrixView (money at stake against effort, for the plan page)
    appendix: Any  # present.appendix.AppendixView
    since: Any = None  # present.since.SinceView: this audit against the previous one, when one was kept
    follow_up: Any = None  # present.follow_up.FollowUpView: the edited action register, followed up
    extra: dict[str, Any] = field(default_factory=dict)
