"""(being written) The 30/60/90-day plan and the KPIs to monitor."""

from __future__ import annotations


def build(result, fmt):
    return None
