"""(being written) Page one of the report view: the decision."""

from __future__ import annotations


def build(result, fmt):
    return None
