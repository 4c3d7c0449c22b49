"""This audit as a snapshot: its score JSON (presentation) wrapped with what it judged, kept and compared (history)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..history import (
    AuditComparison,
    ReportHistory,
    SavedSnapshot,
    report_comparison,
    report_history,
    save_snapshot,
    snapshot_payload,
)
from ..present import ranking_payload

if TYPE_CHECKING:
    from ..decision import AuditResult


def current_snapshot(result: AuditResult) -> dict[str, Any]:
    """The snapshot this audit would save: made once and handed to every comparison, so the data are read once."""
    return snapshot_payload(result, ranking_payload(result))


def keep_snapshot(result: AuditResult) -> SavedSnapshot:
    """Save this audit in ENGAGEMENT/audits (history.snapshot.save_snapshot says when an identical one is kept)."""
    return save_snapshot(result, ranking_payload(result))


def history_of(result: AuditResult) -> ReportHistory:
    """The report's "Since the last audit": the comparison and the action register followed up."""
    return report_history(result, current_snapshot(result))


def comparison_of(result: AuditResult) -> AuditComparison | None:
    """This audit against the engagement's previous one; None without one."""
    return report_comparison(result, current_snapshot(result))
