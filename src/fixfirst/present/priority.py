"""(being written) The priority matrix of the report view: money at stake against effort."""

from __future__ import annotations


def build(result, fmt):
    return None
