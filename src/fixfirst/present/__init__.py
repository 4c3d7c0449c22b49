"""Presentation: the one layer that turns computed results into words and written figures for every output."""

from __future__ import annotations

from .decision_page import build as build_decision_page
from .follow_up import build as build_follow_up
from .numbers import Formatter, formatter_for
from .plan import build as build_plan
from .weak_spots import build as build_weak_spots

__all__ = ["Formatter", "build_decision_page", "build_follow_up", "build_plan", "build_weak_spots", "formatter_for"]
