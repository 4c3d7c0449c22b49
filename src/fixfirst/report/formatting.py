"""Jinja filters that show numbers the same way everywhere in the report."""

from __future__ import annotations

import math


def percent(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def money(value, symbol: str = "£") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{symbol}{value:,.0f}"


def number(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def kpi_value(kpi, currency: str = "£") -> str:
    if kpi.unit == "pct":
        return percent(kpi.value, 1)
    if kpi.unit == "money":
        return money(kpi.value, currency)
    if kpi.unit == "nps":
        return f"{kpi.value:+.0f}"
    if kpi.unit == "count":
        return number(kpi.value)
    return number(kpi.value, 0 if abs(kpi.value) >= 100 else 1)


def friction_colour(score: float | None, has_data: bool = True) -> str:
    """Traffic-light fill for a touchpoint: grey without data, green to red with score."""
    if not has_data or score is None:
        return "#d9d9d9"
    if score >= 30:
        return "#d9534f"
    if score >= 10:
        return "#f0ad4e"
    return "#5cb85c"


def redacted(value) -> str:
    from ..signals.redact import redact

    return "" if value is None else redact(str(value))


FILTERS = {"redact": redacted, "percent": percent, "money": money, "number": number, "kpi_value": kpi_value, "friction_colour": friction_colour}
