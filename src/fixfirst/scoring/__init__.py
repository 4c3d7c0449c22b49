"""Scoring: weak-spot scores and ranking, and the fix-first verdict."""

from .verdict import FIX_FIRST, MARKET_WITH_LIMITS, NOT_ENOUGH_DATA, READY, Verdict, decide
from .weak_spots import Contribution, Ranking, WeakSpot, rank_weak_spots, score_touchpoint

__all__ = ["FIX_FIRST", "MARKET_WITH_LIMITS", "NOT_ENOUGH_DATA", "READY", "Contribution", "Ranking", "Verdict", "WeakSpot", "decide",
           "rank_weak_spots", "score_touchpoint"]
