"""Build the whole report view from an audit: one Formatter, one builder per section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import logo_data_uri
from . import appendix, decision_page, follow_up, journey, plan, priority, since, weak_spots
from .numbers import Formatter, formatter_for
from .view import MetaView, ReportView

if TYPE_CHECKING:
    from ..decision import AuditResult


def meta_view(result: AuditResult, fmt: Formatter) -> MetaView:
    engagement = result.engagement
    client, options = engagement.audit.client, engagement.audit.report
    prepared = f"Prepared {fmt.date(result.generated_on)}" + (f" by {options.consultant}" if options.consultant else "")
    return MetaView(client.name, options.title, client.brand_colour or "#2F5D50",
                    logo_data_uri(engagement.resolve(client.logo)) if client.logo else None,
                    fmt.date(result.as_of), prepared, engagement.audit.promise.description, fmt.currency, options.consultant)


def build_report_view(result: AuditResult, comparison=None, follow=None) -> ReportView:
    """`comparison`: this audit against the engagement's previous one (history.compare), for "Since the last audit";
    `follow`: the edited action register followed up (history.actions), shown in the same section."""
    fmt = formatter_for(result.engagement.audit.client)
    return ReportView(
        meta=meta_view(result, fmt),
        decision=decision_page.build(result, fmt),
        journey=journey.build(result, fmt),
        weak_spots=weak_spots.build(result, fmt),
        plan=plan.build(result, fmt),
        priority=priority.build(result, fmt),
        since=None if comparison is None else since.view(comparison, fmt),
        follow_up=None if follow is None else follow_up.build(follow, fmt),
        appendix=appendix.build(result, fmt),
    )
