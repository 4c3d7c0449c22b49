"""One way to write a number, an amount of money, a share and a date, in the client's currency and number format."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_currency_symbol

MISSING = "–"


def half_up(value: float, digits: int = 0) -> float:
    """Round halves away from zero (180.5 -> 181), as people do: Python's round() would give 180."""
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e15:  # nothing to round (and Decimal's precision would overflow)
        return value
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


@dataclass(frozen=True)
class Formatter:
    """Every figure in the PDF, the HTML, the CLI and the workbook is written by one of these methods.

    `currency` is an ISO 4217 code; `locale` decides separators and where the symbol goes (en_GB: £1,234; pt_BR: R$ 1.234).
    """

    currency: str = "GBP"
    locale: str = "en_GB"

    @cached_property
    def _locale(self) -> Locale:
        return Locale.parse(self.locale)

    @cached_property
    def _money_pattern(self) -> str:
        # The locale's own currency pattern without its decimals: a month's money at stake is never precise to the penny.
        pattern = self._locale.currency_formats["standard"].pattern.split(";")[0]
        return pattern.replace(".00", "").replace(",00", "")

    @property
    def symbol(self) -> str:
        return get_currency_symbol(self.currency, locale=self._locale)

    def money(self, value) -> str:
        if _missing(value):
            return MISSING
        return format_currency(half_up(value), self.currency, format=self._money_pattern, locale=self._locale,
                               currency_digits=False)

    def number(self, value, digits: int = 0) -> str:
        if _missing(value):
            return MISSING
        value = half_up(value, digits)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self._locale)

    def count(self, value) -> str:
        return self.number(value, 0)

    def percent(self, value, digits: int = 0) -> str:
        """A share (0.42) as a percentage (42%)."""
        if _missing(value):
            return MISSING
        return self.number(float(value) * 100, digits) + "%"

    def signed_percent(self, value, digits: int = 0) -> str:
        if _missing(value):
            return MISSING
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return sign + self.percent(abs(value), digits)

    def points(self, value, digits: int = 1) -> str:
        """A difference of two shares in percentage points."""
        if _missing(value):
            return MISSING
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return f"{sign}{self.number(abs(value) * 100, digits)} points"

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return MISSING
        return f"{value.day} {value:%b %Y}"

    def short_date(self, value: dt.date | None) -> str:
        if value is None:
            return MISSING
        return f"{value.day} {value:%b}"

    def days(self, value, unit: str = "working day") -> str:
        """'1 working day', '3 working days' (never 'day(s)')."""
        if _missing(value):
            return MISSING
        n = self.number(value, 0 if float(value).is_integer() else 1)
        return f"{n} {unit}" + ("" if float(value) == 1 else "s")


def formatter_for(client) -> Formatter:
    """The engagement's formatter: client.currency (or the country's) in client.number_format (or English for the country)."""
    return Formatter(client.currency_code, client.locale)
