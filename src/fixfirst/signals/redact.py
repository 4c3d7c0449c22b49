"""Redact e-mail addresses and phone numbers from client text that reaches a report."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine or more digits with the usual separators: national and international phone formats
# (07700 900123, +44 20 7946 0958, (555) 123-4567, 0171/1234567).
PHONE = re.compile(r"(?<![\w])(?:\+|00)?\(?\d(?:[\s()./-]{0,2}\d){8,14}(?![\w])")
# Dates (with an optional time) are set aside first, so "12/03/2026 07700 900123" loses the phone, not the date.
DATE_TIME = re.compile(r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?!\d)")
_HOLD = "\ue000"


def redact(text: str) -> str:
    text = EMAIL.sub("[e-mail removed]", text)
    held: list[str] = []

    def hold(match: re.Match) -> str:
        held.append(match.group(0))
        return f"{_HOLD}{chr(0xE100 + len(held) - 1)}{_HOLD}"

    text = PHONE.sub("[phone removed]", DATE_TIME.sub(hold, text))
    return re.sub(f"{_HOLD}(.){_HOLD}", lambda m: held[ord(m.group(1)) - 0xE100], text)
