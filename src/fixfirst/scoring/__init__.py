"""Scoring: each touchpoint's weak-spot score, its root cause and money at stake, and the ranking."""

from .weak_spots import Contribution, Ranking, WeakSpot, rank_weak_spots, score_touchpoint

__all__ = ["Contribution", "Ranking", "WeakSpot", "rank_weak_spots", "score_touchpoint"]
