"""Presentation: the one layer that turns computed results into words and written figures for every output."""

from __future__ import annotations

from .numbers import Formatter, formatter_for

__all__ = ["Formatter", "formatter_for"]
