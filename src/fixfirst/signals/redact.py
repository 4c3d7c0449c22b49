"""Redact e-mail addresses and phone numbers from quoted customer text."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine or more digits with the usual separators: national and international phone formats.
PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d(?:[\s().-]{0,2}\d){8,14}(?![\w/])")


def redact(text: str) -> str:
    text = EMAIL.sub("[e-mail removed]", text)
    return PHONE.sub("[phone removed]", text)
