"""Decision: the verdict, the fix plan and page one's campaign advice, from the ranking and the capacity outlook."""

from .result import AuditResult, CheckResult
from .verdict import FIX_FIRST, MARKET_WITH_LIMITS, NOT_ENOUGH_DATA, READY, CapacityBasis, Verdict, decide

__all__ = ["FIX_FIRST", "MARKET_WITH_LIMITS", "NOT_ENOUGH_DATA", "READY", "AuditResult", "CapacityBasis", "CheckResult",
           "Verdict", "decide"]
