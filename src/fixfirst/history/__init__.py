"""History: every audit kept as a snapshot, compared with the next, and the action register followed up."""

from .actions import (
    ACTION_REGISTER,
    DEFAULT_STATUS,
    REGISTER_HEADERS,
    STATUSES,
    DoneAction,
    FollowUp,
    Outcome,
    PendingAction,
    follow_up,
    plan_action_ids,
    read_register,
    snapshot_action_ids,
)
from .compare import (
    AuditComparison,
    Headroom,
    KpiComparison,
    KpiStatus,
    ReportHistory,
    SpotStatus,
    WeakSpotComparison,
    baseline_snapshot,
    compare_audits,
    report_comparison,
    report_history,
)
from .snapshot import SavedSnapshot, audits_folder, list_snapshots, load_snapshot, save_snapshot, snapshot_payload
from .split import ChangeComparison, SignalSplit, SplitComparison, split_comparison
from .stats import ChangeReading, ProportionChange

__all__ = ["ACTION_REGISTER", "AuditComparison", "audits_folder", "baseline_snapshot", "ChangeComparison", "ChangeReading", "compare_audits", "DEFAULT_STATUS", "DoneAction", "follow_up", "FollowUp", "Headroom", "KpiComparison", "KpiStatus", "list_snapshots", "load_snapshot", "Outcome", "PendingAction", "plan_action_ids", "ProportionChange", "read_register", "REGISTER_HEADERS", "report_comparison", "report_history", "ReportHistory", "save_snapshot", "SavedSnapshot", "SignalSplit", "snapshot_action_ids", "snapshot_payload", "split_comparison", "SplitComparison", "SpotStatus", "STATUSES", "WeakSpotComparison"]
