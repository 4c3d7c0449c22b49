"""Decision: the verdict, the fix plan and page one's campaign advice, from the ranking and the capacity outlook."""

from .fix_plan import FixPlan, WatchedKpi, build_fix_plan
from .outcome import (
    PHASE_LONG,
    PHASE_MEDIUM,
    PHASE_QUICK,
    CampaignAdvice,
    CampaignFigures,
    CampaignTiming,
    Decision,
    HeadroomBasis,
    HeadroomFigure,
    ScheduledAction,
    data_as_of,
    make_decision,
)
from .result import AuditResult, CheckResult
from .verdict import FIX_FIRST, MARKET_WITH_LIMITS, NOT_ENOUGH_DATA, READY, CapacityBasis, Verdict, decide

__all__ = ["AuditResult", "build_fix_plan", "CampaignAdvice", "CampaignFigures", "CampaignTiming", "CapacityBasis", "CheckResult", "data_as_of", "decide", "Decision", "FIX_FIRST", "FixPlan", "HeadroomBasis", "HeadroomFigure", "make_decision", "MARKET_WITH_LIMITS", "NOT_ENOUGH_DATA", "PHASE_LONG", "PHASE_MEDIUM", "PHASE_QUICK", "READY", "ScheduledAction", "Verdict", "WatchedKpi"]
