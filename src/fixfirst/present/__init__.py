"""Presentation: the one layer that turns computed results into words and written figures for every output."""

from __future__ import annotations

from .build import build_report_view
from .capacity_json import capacity_payload
from .decision_page import build as build_decision_page
from .figures import spot_money, spot_score
from .follow_up import build as build_follow_up
from .follow_up import text_lines
from .numbers import Formatter, formatter_for
from .plan import PHASE_TITLES
from .plan import build as build_plan
from .score_json import ranking_payload
from .since import view as since_view
from .split_view import split_lines
from .verdict_words import verdict_reasons, verdict_summary
from .weak_spots import build as build_weak_spots

__all__ = ["build_decision_page", "build_follow_up", "build_plan", "build_report_view", "build_weak_spots", "capacity_payload", "Formatter", "formatter_for", "PHASE_TITLES", "ranking_payload", "split_lines", "spot_money", "spot_score", "text_lines", "verdict_reasons", "verdict_summary", "since_view"]
