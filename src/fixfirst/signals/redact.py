"""Redact e-mail addresses and phone numbers from client text that reaches a report."""

# Every client text that reaches a report (quotes, evidence, process step names, example values) goes through
# `redact`. The rules live here, in one place, so what the report may show is decided once. Two failures matter:
# a contact detail that stays readable (a leak) and an ordinary number that disappears (an order number, a price,
# a date: the report then loses the fact it quotes). The table in tests/test_redaction.py holds both kinds.
#
# E-mail addresses are found by pattern: plain, quoted, with a display name, with an IP literal, with look-alike
# at-signs and Unicode domains, and the "name at domain dot com" forms people use to dodge spam filters.
# Phone numbers are found with Google's libphonenumber port (`phonenumbers`) for the client's country and a few
# default regions, plus pattern candidates judged by the same library, because the library's "valid" test rejects
# the fictional ranges real text uses (555-0132, 07700 900123, 020 7946 0958): those are still written to be
# phone numbers. Before any phone search, dates, times, prices, percentages and ISBNs are masked so their digits
# can never be read as one, and candidates labelled as an order, invoice, SKU or size are left alone.

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar, Token

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

EMAIL_REMOVED = "[e-mail removed]"
PHONE_REMOVED = "[phone removed]"

# Without a client country, phone numbers in the national forms of these regions are found (international forms,
# +44 or 0044, are found whatever the region). The client's country is tried first, then these.
DEFAULT_REGIONS = ("GB", "US")
# Country codes people write that are not ISO 3166 (the library knows only ISO codes).
_REGION_ALIASES = {"UK": "GB", "EL": "GR"}

_region: ContextVar[str | None] = ContextVar("fixfirst_redaction_region", default=None)


def _normalise_region(country: str | None) -> str | None:
    """An ISO region the phone library knows, or None (an unknown code falls back to the defaults, never fails)."""
    if not country:
        return None
    code = _REGION_ALIASES.get(str(country).strip().upper(), str(country).strip().upper())
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def set_redaction_region(country: str | None) -> Token:
    """Read national phone forms of `country` (audit.yaml client.country) from now on in this context."""
    return _region.set(_normalise_region(country))


@contextlib.contextmanager
def redaction_region(country: str | None) -> Iterator[None]:
    """Within the block, read national phone forms of `country` first (then the default regions)."""
    token = set_redaction_region(country)
    try:
        yield
    finally:
        _region.reset(token)


def _regions() -> tuple[str, ...]:
    country = _region.get()
    return (country, *(r for r in DEFAULT_REGIONS if r != country)) if country else DEFAULT_REGIONS


# ------------------------------------------------------------------------------------------------------- e-mail

# Look-alikes people (and some keyboards) type for "@" and ".": full-width ＠ and ．, the small ﹫, CJK full stops.
_AT_SIGNS = "@\uff20\ufe6b"
_DOT_SIGNS = ".\uff0e\u3002\uff61"
# RFC 5322 atoms, with \w so accented and non-Latin local parts (josé@...) count.
_ATOM_CHAR = r"[\w!#$%&'*+^`{|}~-]"  # without / = ?, which RFC 5322 allows but URLs use: http://www.x@y.com keeps "http://"
# The local part starts where a word starts (never inside one), so a long word without an at-sign is read once, not
# once from each of its letters.
_LOCAL = rf"(?<![\w!#$%&'*+^`{{|}}~.-]){_ATOM_CHAR}+(?:\.{_ATOM_CHAR}+)*"
_QUOTED_LOCAL = r'"[^"\r\n@]{1,64}"'  # "john smith"@example.com
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"  # a domain label: Unicode letters and digits (IDN: exämple.com)
_TLD = r"(?:xn--[a-z0-9-]{2,59}|[^\W\d_]{2,63})"  # letters only, so "x@y.123" is not an address
_DOMAIN = rf"(?:{_LABEL}[{_DOT_SIGNS}])+{_TLD}(?![\w-])"
_IP_LITERAL = r"\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]"  # user@[192.168.0.1]
_ADDRESS = rf"(?:{_QUOTED_LOCAL}|{_LOCAL})[{_AT_SIGNS}](?:{_DOMAIN}|{_IP_LITERAL})"
# A display name belongs to the address: "John Smith" <john@x.com> goes whole, with its angle brackets.
EMAIL = re.compile(rf"""(?:"[^"\r\n<>]{{1,80}}"\s*|'[^'\r\n<>]{{1,80}}'\s*)?<\s*{_ADDRESS}\s*>|{_ADDRESS}""")

# Obfuscated addresses ("jane at example dot com", "jane[at]example[dot]co[dot]uk", "jane @ example . com").
# Plain words like "at" and "dot" occur in ordinary sentences, so these need a word-like local part, a domain
# of one or more words joined by a dot form, and a final label that is a common top-level domain. A spelled-out
# " at " also needs a spelled-out or bracketed dot: "shopping at amazon.com" names a shop, not a mailbox.
_COMMON_TLDS = (
    "com net org edu gov mil int info biz name pro mobi io co ai app dev me tv cc ly email online shop store site "
    "xyz tech cloud eu uk us ca au nz ie de fr it es pt br in nl be ch at se no dk fi pl cz gr ru jp cn kr mx ar "
    "cl co za ng ke sg hk tw my ph id th vn tr il ae sa lu li mt cy hu ro sk si hr ee lv lt is")
_TLD_WORD = r"(?:" + "|".join(sorted(set(_COMMON_TLDS.split()), key=len, reverse=True)) + r")(?![\w-])"
_WORD = r"[^\W_][\w'+-]*"  # starts with a letter or digit
_BRACKET_AT = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_BRACKET_DOT = r"\s*[\[({<]\s*dot\s*[\])}>]\s*"
_WORD_AT = r"\s+at\s+"
_WORD_DOT = r"\s+dot\s+"
# Spaces on both sides or on neither: "jane @ example . com", never "the 25th @ night. Is" or "me @VerizonWireless".
_SPACED_AT = rf"\s+[{_AT_SIGNS}]\s+|[{_AT_SIGNS}]"
_SPACED_DOT = rf"\s+[{_DOT_SIGNS}]\s+|[{_DOT_SIGNS}]"
# At most 4 joins in a local part ("john dot a dot smith") and 5 in a domain: bounded, so a long run of words
# joined by "dot" costs linear time.
_LOCAL_WORDS = rf"(?<![\w.@-]){_WORD}(?:(?:[._]|{_WORD_DOT}|{_BRACKET_DOT}){_WORD}){{0,4}}"
# Before a spelled-out " at ", these words are the sentence, not a mailbox: "contact us at support dot example
# dot com" names a host; taking "us" as the local part would also swallow the words around it.
_NOT_A_MAILBOX = (r"(?!(?:me|us|you|him|her|them|it|we|i|they|is|are|was|were|be|am|look|looked|looking|arrived|"
                  r"stay|stayed|shop|shopped|shopping|bought|sold|only|not|and|or|but|the|then|there|here|home|"
                  r"online|site|website)\s)")


def _obfuscated(at: str, dot: str, guard: str = "") -> re.Pattern:
    return re.compile(rf"{guard}{_LOCAL_WORDS}(?:{at})(?:{_WORD}(?:{dot})){{1,5}}{_TLD_WORD}", re.IGNORECASE)


OBFUSCATED_EMAILS = (
    _obfuscated(_BRACKET_AT, rf"{_BRACKET_DOT}|{_WORD_DOT}|{_SPACED_DOT}"),  # jane[at]example.com, jane(at)x(dot)com
    _obfuscated(_WORD_AT, rf"{_BRACKET_DOT}|{_WORD_DOT}", _NOT_A_MAILBOX),  # jane at example dot com, JANE AT EXAMPLE DOT COM
    _obfuscated(_SPACED_AT, rf"{_BRACKET_DOT}|{_WORD_DOT}|{_SPACED_DOT}"),  # jane @ example . com, jane@example dot com
)
# Cheap test before the e-mail rules: every form above has an at-sign, or a bracketed "at", or a spelled-out "dot".
_MAYBE_EMAIL = re.compile(rf"[{_AT_SIGNS}]|dot|[\[({{<]\s*at\s*[\])}}>]", re.IGNORECASE)


def _redact_emails(text: str) -> str:
    if not _MAYBE_EMAIL.search(text):
        return text
    text = EMAIL.sub(EMAIL_REMOVED, text)
    for pattern in OBFUSCATED_EMAILS:
        text = pattern.sub(EMAIL_REMOVED, text)
    return text


# ------------------------------------------------------------------------------------------------------- phone

# Phone numbers have at least 7 digits (a local number without its area code) and at most 15 (ITU E.164).
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
# How much text before a number is read for a label ("order no.", "call me on").
_CONTEXT_CHARS = 40

# Spans whose digits are never a phone number. They are masked (same length, a private-use character that is
# neither digit, space nor word) before the search, so "12/03/2026 07700 900123" keeps its date and loses the phone.
_MASK = "\ue000"
_TIME = r"\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]\.?m\.?)?|h\d{2}|\s?[ap]\.?m\.?)(?:Z|[+-]\d{2}:?\d{2})?"
# 2026-03-12, 12/03/2026, 12.03.26, 3/7/26, optionally with a time; not glued to more digits on either side. Spaces
# separate a date's parts only before a four-digit year ("20 12 2025"; "01 23 45" is a French phone number).
_DATE = (r"(?<!\d)(?<!\d[-/.])(?P<date>(?:(?:19|20)\d{2}(?P<s1>[-/.])\d{1,2}(?P=s1)\d{1,2}"
         r"|\d{1,2}(?P<s2>[-/.])\d{1,2}(?P=s2)(?:\d{4}|\d{2}))(?![-/.]?\d)"
         r"|(?<!\d )\d{1,2} \d{1,2} \d{4}(?![-/. ]?\d))"
         rf"(?:(?:[ T]|,\s|\s(?:at|às|um|à|alle)\s){_TIME}(?!\d))?")
_YEAR_RANGE = r"(?<!\d)(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)\d{2}(?!\d)"  # 2019-2024
_CLOCK = rf"(?<![\d.,:])(?:{_TIME})(?![\d:])"  # 14:05, 14h05, 2:30 pm, 9am
_CURRENCY = (r"(?:R\$|US\$|A\$|C\$|NZ\$|HK\$|[£$€¥₹₽₩₺₴₪฿]|Rs\.?|CHF|GBP|USD|EUR|BRL|INR|JPY|AUD|CAD|NZD|CNY|SEK|NOK|DKK"
             r"|PLN|MXN|ZAR)")
# Written-out currencies only follow the amount ("12,50 euros"); before a number a word like "real" is too common.
_CURRENCY_WORD = r"(?:euros?|reais|rupees?|dollars?|pounds?|dólares|libras?|sterling)"
_AMOUNT = r"\d{1,3}(?:[,.\u00a0\u202f']\d{2,3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"  # 1,299.99 1.234,56 1,29,999
_SPACED_AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?"  # 1 234,56 (only before a currency)
_MONEY = (rf"(?<![\w.,]){_CURRENCY}\s?-?(?:{_AMOUNT})(?![\d])"
          rf"|(?<![\w.,])(?:{_SPACED_AMOUNT}|{_AMOUNT})\s?(?:{_CURRENCY}|{_CURRENCY_WORD})(?!\w)")
_PERCENT = r"(?<![\w.,])\d+(?:[.,]\d+)?\s?%"
# ISBNs: labelled (ISBN 0306406152, ISBN-13: 978-...), or a hyphenated 978/979 number (978-0-306-40615-7).
_ISBN = r"\bISBN(?:-1[03])?:?\s?(?:\d[-\s]?){9,12}[\dX]\b|(?<![\w-])97[89]-\d{1,5}-\d{1,7}-\d{1,7}-[\dX](?![\w-])"
PROTECTED = re.compile("|".join(f"(?:{p})" for p in (_ISBN, _DATE, _YEAR_RANGE, _MONEY, _PERCENT, _CLOCK)), re.IGNORECASE)


def _mask(match: re.Match) -> str:
    """A protected span becomes mask characters; a "date" whose day or month cannot be one stays for the search."""
    if match.group("date"):
        first, second, third = (int(p) for p in re.findall(r"\d+", match.group("date")))
        if match.group("s1"):  # year first: 2026-03-12
            ok = 1 <= second <= 12 and 1 <= third <= 31
        else:  # day and month in either order: 12/03/2026, 3/12/2026
            ok = (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)
        if not ok:
            return match.group(0)
    return _MASK * len(match.group(0))


# A phone-shaped run: an optional +, digits joined by single spaces, dots, hyphens, slashes or an area code in
# brackets: +44 (0)20 7946 0958, (555) 123-4567, 0171/1234567, 01.23.45.67.89. Commas never join (1,234,567).
# It may not continue an identifier or a decimal (INV-2025-000123, AB12345678, 1.234567, /path/0123456789).
PHONE_CANDIDATE = re.compile(
    r"(?<![\w/=#&%@+-])(?<!\d[.,])(?:\+[ \u00a0]?)?\(?\d"
    r"(?:(?:[ \u00a0.\-/]{1,2}|[ \u00a0.\-/]?\(|\)[ \u00a0.\-/]?)?\d)*")

# Words that say the next number is a phone number (English, Portuguese, German, French, Italian, Spanish);
# they outweigh the order/size labels below.
_PHONE_WORDS = (r"phone|telephone|tel|mobile|mob|cell|cellphone|call|ring|text|sms|whats\s?app|wa|fax|landline|contact|"
                r"telefone|celular|fone|zap|lig\w*|telefon\w*|handy\w*|mobil\w*|rufnummer|anrufen|ruf|"
                r"t[ée]l[ée]phone|t[ée]l|portable|appel\w*|telefono|cellulare|chiama\w*|tel[ée]fono|m[oó]vil|llam\w*|"
                r"mob\.?\s?no|phn")
_FILLER = r"(?:[\s.:,#()/\-]+(?:me|us|him|her|on|at|to|no|nr|num|number|is|my|our|em|au|al|unter|sous|mi|a)\b)*[\s.:,#()/\-]*"
PHONE_LABEL = re.compile(rf"(?<!\w)(?:{_PHONE_WORDS})\b{_FILLER}$", re.IGNORECASE)
# Words that say the next number is an identifier, a size or a count, not a phone number.
_ID_WORDS = (r"orders?|ordine|pedido|encomenda|commande|bestell\w*|auftrag\w*|invoice|inv|fattura|factura|facture|"
             r"rechnung\w*|nota\s?fiscal|nf-?e?|receipt|ricevuta|recibo|quittung|ref|reference|refer[eê]ncia|riferimento|"
             r"r[ée]f[ée]rence|tracking|track|rastreio|sendung\w*|awb|parcel|colis|shipment|consignment|sku|ean|upc|gtin|"
             r"isbn|asin|item|article|art|artikel\w*|articolo|artigo|product|produto|prodotto|produit|code|codice|c[oó]digo|"
             r"ticket|claim|booking|reservation|account|acct|customer|kunden\w*|serial|model|batch|id|"
             r"no\.|nr\.?|n[º°]\.?|#|p\.?\s?iva|vat|ust-?id\w*|siret|siren|tva|gstin|gst|cnpj|sizes?|tailles?|tamanhos?|taglia|taglie|"
             r"gr[öo]ß?e|gr[öo]ssen?|qty|quantity|pin|zip|cep|cap|plz|postcode|postal\s?code|version|ver|v|build|release")
_ID_FILLER = r"(?:[\s.:,#\-]+(?:(?:no|nr|num|number|n|id|ref|code|is|was|de|do|da|di)\b|n[º°]|d'))*[\s.:,#\-]*"
ID_LABEL = re.compile(rf"(?<!\w)(?:{_ID_WORDS})(?<=[\w#.°]){_ID_FILLER}$", re.IGNORECASE)
# After the number: a unit or count word, a percent sign, or more of an identifier (123456789-AB).
_NOT_AFTER = re.compile(r"(?:\s?(?:units?|pcs|pieces?|items?|x|kg|g|mg|lbs?|ml|l|km|m|cm|mm|gb|mb|tb|kb|views|visits|"
                        r"visitors|orders|customers|people|users|rows|times)\b|[\w%]|[-/.,]\d|-\w)", re.IGNORECASE)
# Before the number: more of a word, path, query or number (ab12345678, ?id=12345678, 12.3456789) ...
_GLUED_BEFORE = re.compile(r"(?:[\w/=#&@%]|\d[-/.,])$")
# ... or a code's prefix (INV-2025-000123, AB/12345678), unless a phone word says otherwise (Tel-07700 900123).
_CODE_BEFORE = re.compile(r"\w[-/]$")
# An area code in brackets, then the subscriber number in one or two groups, the last of 4 digits or more.
AREA_CODE_FORM = re.compile(r"\(0?\d{1,4}\)[ \u00a0]?(?:\d{3,5}[ \u00a0.-]?)?\d{4,8}")
AREA_CODE = re.compile(r"\(\d{1,5}\)\s?\d")
LAST_YEAR = 2099  # an ascending pair up to here ("1818-1893") reads as years, not a local number
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _digits(raw: str) -> str:
    """The ASCII digits of a candidate (full-width and other Unicode digits included)."""
    return "".join(str(unicodedata.digit(c)) for c in raw if c.isdigit())


def _groups(raw: str) -> list[str]:
    return [_digits(g) for g in re.findall(r"\d+", raw)]


def _other_number(raw: str, groups: list[str], regions: tuple[str, ...], phone_label: bool) -> bool:
    """Shapes that are some other number whatever the libraries say: lists, thousands, ranges, postcodes, codes.
    A phone word before it, or (for thousands) a valid number of the client's country, says otherwise."""
    first = groups[0]
    if all(len(g) <= 2 for g in groups) and not (len(first) == 2 and first.startswith("0")):
        return True  # sizes 10 12 14 16 18, scores 0 4 5 5 3 (French numbers in pairs start with 01-09)
    if all(_YEAR.fullmatch(g) for g in groups):
        return True  # 2024 2025 2026
    seps = set(re.findall(r"[^\d]+", raw.strip("()")))
    if len(groups) >= 2 and len(seps) == 1 and seps <= {" ", ".", "\u00a0", "\u202f"} and len(first) <= 3 \
            and not first.startswith("0") and all(len(g) == 3 for g in groups[1:]) and not phone_label \
            and not (_region.get() and _valid(raw, _region.get())):
        return True  # 1 234 567, 1.234.567: thousands (but 912 345 678 is a Portuguese mobile)
    if len(groups) == 2 and seps <= {"-", "/"} and not any(g.startswith("0") for g in groups) \
            and int(groups[0]) < int(groups[1]) and (groups[1].endswith("00") or int(groups[1]) <= LAST_YEAR):
        return True  # 250-1000, (1818-1893): a range of numbers or years
    if "/" in seps and not (first.startswith("0") and len(first) >= 2):
        return True  # 2495/1170, 0/24/2015: flight pairs, fractions; a slash follows only an area code (030/1234567)
    if len(groups) == 4 and seps == {"."} and all(len(g) <= 3 and int(g) <= 255 for g in groups):
        return True  # 10.0.13.40: an IP address
    if len(groups) == 2 and seps <= {".", ","}:
        return True  # 3.14159265, 12345.678: a decimal
    if not phone_label and (re.fullmatch(r"\d{5}-\d{3}", raw) or (re.fullmatch(r"\d{5}-\d{4}", raw) and regions[0] != "BR")):
        return True  # a Brazilian CEP (01310-100); a US ZIP+4 (90210-1234), except where 91234-5678 is a mobile
    if len(groups) >= 3 and len(groups[-1]) == 1:
        return True  # 0-306-40615-2: an ISBN-10 or a check-digit code; phone numbers do not end in one digit
    if len(groups) == 1 and len(first) >= 12 and not first.startswith("0"):
        return True  # unbroken 12+ digits without a + or trunk 0: an EAN/GTIN, card or account number, not a phone
    return False


def _parse(raw: str, region: str | None):
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def _valid(raw: str, region: str) -> bool:
    number = _parse(raw, region)
    return number is not None and phonenumbers.is_valid_number(number)


def _international(raw: str, digits: str) -> bool:
    """+44 20 7946 0958 or 0044 20 7946 0958: a known country code and a possible length is a phone number."""
    number = _parse("+" + digits[2:] if digits.startswith("00") and not raw.lstrip("( ").startswith("+") else raw, None)
    return number is not None and phonenumbers.is_possible_number(number)


def _is_phone(text: str, start: int, end: int, regions: tuple[str, ...], before: str | None = None) -> bool:
    """Whether text[start:end] (a candidate from the library or the pattern) is a phone number worth removing;
    `before` is the text read for labels, when the candidate is a piece of a longer run."""
    raw = text[start:end]
    before = text[max(0, start - _CONTEXT_CHARS):start] if before is None else before
    phone_label = PHONE_LABEL.search(before) is not None
    if _NOT_AFTER.match(text, end) or _GLUED_BEFORE.search(before) or (not phone_label and _CODE_BEFORE.search(before)):
        return False  # glued to a unit, a percent sign or an identifier: INV-2025-000123, 12345678kg
    digits = _digits(raw)
    if not phone_label and ID_LABEL.search(before):
        return False  # order 123456789, invoice no. 12345678, sizes 10 12 14 16 18, Art.-Nr. 12345678
    if raw.lstrip("( ").startswith("+") or digits.startswith("00"):
        return MIN_PHONE_DIGITS <= len(digits) - (2 if digits.startswith("00") else 0) <= MAX_PHONE_DIGITS \
            and _international(raw, digits)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return False
    groups = _groups(raw)
    if _other_number(raw, groups, regions, phone_label):
        return False
    if AREA_CODE_FORM.fullmatch(raw):
        return True  # (11) 91234-5678, (020) 7946 0958: an area code in brackets is how phone numbers are written
    numbers = [n for n in (_parse(raw, r) for r in regions) if n is not None]
    if any(phonenumbers.is_valid_number(n) for n in numbers):
        return True  # a real number in the client's country or a default region
    # Not valid, but maybe fictional (555-0132, 07700 900123) or from an unassigned range: a phone if it is laid
    # out as one (grouped, an area code in brackets, or a trunk 0) and has a possible length, or is labelled as one.
    # An unbroken run without a trunk 0 (123456789) is an order number unless a label says otherwise.
    # A number without a trunk 0 or brackets also ends in a block of 4 or more digits, as dialled numbers are
    # written (555-0132, 7946 0958, 98765 43210): "1230 130" is two times.
    laid_out = AREA_CODE.match(raw) or digits.startswith("0") or (len(groups) > 1 and len(groups[-1]) >= 4)
    return (laid_out or phone_label) and any(phonenumbers.is_possible_number(n) for n in numbers)


def _phone_spans(shadow: str, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of phone numbers in the masked text: the library's matches and the pattern's runs, judged alike."""
    spans: list[tuple[int, int]] = []
    for region in regions:
        # VALID rather than POSSIBLE: the judge below decides on possible-but-invalid numbers with its own rules.
        for match in PhoneNumberMatcher(shadow, region, leniency=Leniency.VALID):
            if _is_phone(shadow, match.start, match.end, regions):
                spans.append((match.start, match.end))
    for match in PHONE_CANDIDATE.finditer(shadow):
        start = match.start()
        if shadow[start] == "(" and ")" not in match.group(0):
            start += 1  # "(814353716)": the bracket wraps the number, it is not an area code's
        spans.extend(_judge_run(shadow, start, match.end(), regions))
    return spans


def _judge_run(text: str, start: int, end: int, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    """The phone numbers in one run of digits and separators. A run that is not one number as a whole may hold
    several written side by side ("555-0132 555-0199"), or one beside another number ("in 2024 07700 900123",
    "01 23 45 67 89 2 fois"): it is cut at spaces so that phone numbers cover the most digits (on a tie, the cut
    whose numbers start with a trunk 0, a + or a bracket, as dialled numbers do). Every piece is read with the
    label before the whole run, so "order 123 456 789" or "tracking 9400 1000 0000 0000" stays whole."""
    if _is_phone(text, start, end, regions):
        return [(start, end)]
    cuts = [m.span() for m in re.finditer(r"[ \u00a0]+", text[start:end])]
    if not cuts:
        return []
    before = text[max(0, start - _CONTEXT_CHARS):start]
    # Blocks between spaces; best[i] = (score of the phones from block i on, their spans), two points a digit.
    blocks = [(start if i == 0 else start + cuts[i - 1][1], end if i == len(cuts) else start + cuts[i][0])
              for i in range(len(cuts) + 1)]
    best: list[tuple[int, list[tuple[int, int]]]] = [(0, [])] * (len(blocks) + 1)
    for i in range(len(blocks) - 1, -1, -1):
        choice = best[i + 1]  # block i is not part of a phone number
        for j in range(i + 1, len(blocks) + 1):
            piece = (blocks[i][0], blocks[j - 1][1])
            digits = len(_digits(text[piece[0]:piece[1]]))
            if digits > MAX_PHONE_DIGITS:
                break
            score = 2 * digits + (text[piece[0]] in "0+(") + best[j][0]
            # A later piece dialled as phones are (a trunk 0 or a +) is read with its own context, so a label before
            # the run ("order 123456789 07700 900123") does not shelter a phone number written after the labelled one.
            context = text[max(0, piece[0] - _CONTEXT_CHARS):piece[0]] if i > 0 and text[piece[0]] in "0+" else before
            if (i, j) != (0, len(blocks)) and score > choice[0] and _is_phone(text, piece[0], piece[1], regions, context):
                choice = (score, [piece, *best[j][1]])
        best[i] = choice
    return best[0][1]


def _redact_phones(text: str) -> str:
    if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
        return text  # most evidence lines: no phone number can hide in fewer digits
    shadow = PROTECTED.sub(_mask, text)
    spans = sorted(_phone_spans(shadow, _regions()))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:  # overlapping finds (library and pattern) become one removal
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + PHONE_REMOVED + text[end:]
    return text


def redact(text: str) -> str:
    """`text` with e-mail addresses and phone numbers replaced by "[e-mail removed]" and "[phone removed]"."""
    return _redact_phones(_redact_emails(text))
