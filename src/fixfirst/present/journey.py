"""(being written) The journey section of the report view."""

from __future__ import annotations


def build(result, fmt):
    return None
