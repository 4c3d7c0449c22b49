"""Redact e-mail addresses and phone numbers from quoted customer text."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine or more digits with the usual separators: national and international phone formats
# (07700 900123, +44 20 7946 0958, (555) 123-4567, 0171/1234567).
PHONE = re.compile(r"(?<![\w])(?:\+|00)?\(?\d(?:[\s()./-]{0,2}\d){8,14}(?![\w])")
# What looks like a phone number but is a date or a time stamp stays readable.
DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def _phone(match: re.Match) -> str:
    return match.group(0) if DATE_LIKE.match(match.group(0)) else "[phone removed]"


def redact(text: str) -> str:
    text = EMAIL.sub("[e-mail removed]", text)
    return PHONE.sub(_phone, text)
