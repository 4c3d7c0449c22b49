"""Scoring: each touchpoint's weak-spot score, its root cause and money at stake, and the ranking."""

from .money import choose_campaign
from .weak_spots import STEP_LOSS_METRICS, Contribution, Ranking, WeakSpot, blocks, rank_weak_spots, score_touchpoint

__all__ = ["blocks", "choose_campaign", "Contribution", "rank_weak_spots", "Ranking", "score_touchpoint", "STEP_LOSS_METRICS", "WeakSpot"]
