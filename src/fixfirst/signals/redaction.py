"""Redact e-mail addresses and phone numbers from client text that reaches a report."""

# Every client text that reaches a report (quotes, evidence, process step names, example values) goes through
# `redact`. The rules live here, in one place, so what the report may show is decided once. Two failures matter:
# a contact detail that stays readable (a leak) and an ordinary number that disappears (an order number, a price,
# a date: the report then loses the fact it quotes). The table in tests/test_redaction.py holds both kinds.
#
# E-mail addresses are found by pattern: plain, quoted, with a display name, with an IP literal, with look-alike
# at-signs and Unicode domains, and the "name at domain dot com" forms people use to dodge spam filters.
# Phone numbers are runs of digits and phone punctuation judged with Google's libphonenumber port (`phonenumbers`)
# for the client's country and a few default regions: a real number there, or a possible one laid out as phone
# numbers are written, because the library's "valid" test rejects the fictional ranges real text uses (555-0132,
# 07700 900123, 020 7946 0958). The library's own text scanner is not used: it costs 7 to 14 µs a character on
# digit-heavy text for each region, and on the real feedback exports it found nothing the runs below do not
# (a " - " or an en dash between groups, an area code in square brackets, a glued x-extension are runs here too).
# Before any phone search, dates, times, prices, percentages and ISBNs are masked so their digits can never be
# read as one, and candidates labelled as an order, invoice, SKU or size are left alone. Work is linear in the
# text: a run is cut into phone numbers by a dynamic programme that looks at most 15 digits ahead, the label before
# a place is read once, the same piece is judged once (a cache), and a run too long to be a sentence's is judged by
# shape alone (MAX_READ_BLOCKS). 2 to 12 µs a character on 100 kB of digits, 20 µs for a typical comment.

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar, Token

import phonenumbers

from .redact_email import EMAIL_REMOVED, redact_emails

__all__ = ["EMAIL_REMOVED", "PHONE_REMOVED", "redact", "redaction_region", "set_redaction_region"]

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


# ------------------------------------------------------------------------------------------------------- phone

# Phone numbers have at least 7 digits (a local number without its area code) and at most 15 (ITU E.164).
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
# A candidate longer than this has more than 15 digits: a join between two digits is at most 5 characters (") - 7").
_MAX_PHONE_CHARS = 6 * MAX_PHONE_DIGITS
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


# A phone-shaped run: an optional +, digits joined by one or two spaces (line breaks too: "07700\n900123" is shown
# as one number once a quote's spaces are made single), or by dots, hyphens, dashes or slashes with a space on either
# side, or an area code in brackets: +44 (0)20 7946 0958, (555) 123-4567, (833) 235 - 0143, 020–7946–0958,
# [020] 7946 0958, (+44) 161 496 0000, 0171/1234567, 01.23.45.67.89. Commas never join (1,234,567). It may not
# continue an identifier or a decimal (INV-2025-000123, AB12345678, 1.234567, /path/0123456789).
_DASHES = "\u2010-\u2015"  # hyphen, non-breaking hyphen, figure dash, en and em dashes, horizontal bar
_JOIN = rf"\s{{1,2}}|\s?[.\-/{_DASHES}]{{1,2}}\s?"
PHONE_CANDIDATE = re.compile(
    rf"(?<![\w/=#&%@+\-{_DASHES}])(?<!\d[.,])(?:[(\[]?\+[ \u00a0]?)?[(\[]?\d"
    rf"(?:(?:{_JOIN}|(?:{_JOIN})?[(\[]|[)\]](?:{_JOIN})?)?\d)*")

# Words that say the next number is a phone number (English, Portuguese, German, French, Italian, Spanish);
# they outweigh the order/size labels below.
_PHONE_WORDS = (r"phone|telephone|tel|mobile|mob|cell|cellphone|call|ring|text|sms|whats\s?app|wa|fax|landline|contact|"
                r"telefone|celular|fone|zap|lig\w*|telefon\w*|handy\w*|mobil\w*|rufnummer|anrufen|ruf|"
                r"t[ée]l[ée]phone|t[ée]l|portable|appel\w*|telefono|cellulare|chiama\w*|tel[ée]fono|m[oó]vil|llam\w*|"
                r"mob\.?\s?no|phn")
_FILLER = r"(?:[\s.:,#()/\-]+(?:me|us|him|her|on|at|to|no|nr|num|number|is|my|our|em|au|al|unter|sous|mi|a)\b)*[\s.:,#()/\-]*"
PHONE_LABEL = re.compile(rf"(?<!\w)(?:{_PHONE_WORDS})\b{_FILLER}\Z", re.IGNORECASE)
# Words that say the next number is an identifier, a size or a count, not a phone number.
_ID_WORDS = (r"orders?|ordine|pedido|encomenda|commande|bestell\w*|auftrag\w*|invoice|inv|fattura|factura|facture|"
             r"rechnung\w*|nota\s?fiscal|nf-?e?|receipt|ricevuta|recibo|quittung|ref|reference|refer[eê]ncia|riferimento|"
             r"r[ée]f[ée]rence|tracking|track|rastreio|sendung\w*|awb|parcel|colis|shipment|consignment|sku|ean|upc|gtin|"
             r"isbn|asin|item|article|art|artikel\w*|articolo|artigo|product|produto|prodotto|produit|code|codice|c[oó]digo|"
             r"ticket|claim|booking|reservation|flights?|voos?|vuelos?|flug|fl[üu]ge|volo|voli|account|acct|customer|kunden\w*|"
             r"serial|model|batch|id|"
             r"no\.|nr\.?|n[º°]\.?|#|p\.?\s?iva|vat|ust-?id\w*|siret|siren|tva|gstin|gst|cnpj|sizes?|tailles?|tamanhos?|taglia|taglie|"
             r"gr[öo]ß?e|gr[öo]ssen?|qty|quantity|pin|zip|cep|cap|plz|postcode|postal\s?code|version|ver|v|build|release")
_ID_FILLER = r"(?:[\s.:,#\-]+(?:(?:no|nr|num|number|n|id|ref|code|is|was|de|do|da|di)\b|n[º°]|d'))*[\s.:,#\-]*"
ID_LABEL = re.compile(rf"(?<!\w)(?:{_ID_WORDS})(?<=[\w#.°]){_ID_FILLER}\Z", re.IGNORECASE)
# After the number: a unit or count word, a percent sign, or more of an identifier (123456789-AB).
# A glued extension (0958x12) is not such a word: it goes with the number (see EXTENSION).
_NOT_AFTER = re.compile(r"(?:\s?(?:units?|pcs|pieces?|items?|x|kg|g|mg|lbs?|ml|l|km|m|cm|mm|gb|mb|tb|kb|views|visits|"
                        r"visitors|orders|customers|people|users|rows|times)\b|(?!x\d{1,6}(?!\w))[\w%]|[-/.,]\d|-\w)",
                        re.IGNORECASE)
EXTENSION = re.compile(r"x\d{1,6}(?!\w)", re.IGNORECASE)
# Before the number: more of a word, path, query or number (ab12345678, ?id=12345678, 12.3456789) ...
_GLUED_BEFORE = re.compile(r"(?:[\w/=#&@%]|\d[-/.,])\Z")
# ... or a code's prefix (INV-2025-000123, AB/12345678), unless a phone word says otherwise (Tel-07700 900123).
_CODE_BEFORE = re.compile(r"\w[-/]\Z")
# An area code in brackets, then the subscriber number in one or two groups, the last of 4 digits or more.
AREA_CODE_FORM = re.compile(r"[(\[]0?\d{1,4}[)\]][ \u00a0]?(?:\d{3,5}[ \u00a0.-]?)?\d{4,8}")
AREA_CODE = re.compile(r"[(\[]\d{1,5}[)\]]\s?\d")
LAST_YEAR = 2099  # an ascending pair up to here ("1818-1893") reads as years, not a local number
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _digits(raw: str) -> str:
    """The ASCII digits of a candidate (full-width and other Unicode digits included)."""
    if raw.isascii():
        return _NOT_DIGITS.sub("", raw)
    return "".join(str(unicodedata.digit(c)) for c in raw if c.isdigit())


_NOT_DIGITS = re.compile(r"[^0-9]+")


def _groups(raw: str) -> list[str]:
    return [_digits(g) for g in re.findall(r"\d+", raw)]


def _other_number(raw: str, groups: list[str], regions: tuple[str, ...], phone_label: bool, shape_only: bool) -> bool:
    """Shapes that are some other number whatever the libraries say: lists, thousands, ranges, postcodes, codes.
    A phone word before it, or (for thousands) a valid number of the client's country, says otherwise."""
    first = groups[0]
    if all(len(g) == 1 for g in groups):
        # One digit at a time ("0 7 7 0 0 9 0 0 1 2 3") is how people hide a number from bots, and how they list
        # scores: a phone after a phone word, or when it dials a real number with its trunk 0; a list otherwise.
        return not (phone_label or (first == "0" and any(_reading(raw, r, shape_only)[0] for r in regions)))
    if all(len(g) <= 2 for g in groups) and not phone_label and not (len(first) == 2 and first.startswith("0")):
        return True  # sizes 10 12 14 16 18, scores 0 4 5 5 3 (French numbers in pairs start with 01-09; "tel. 0 20 79 46")
    if all(_YEAR.fullmatch(g) for g in groups):
        return True  # 2024 2025 2026
    seps = set(re.findall(r"[^\d]+", raw.strip("()[]")))
    if len(groups) >= 2 and len(seps) == 1 and seps <= {" ", ".", "\u00a0", "\u202f"} and len(first) <= 3 \
            and not first.startswith("0") and all(len(g) == 3 for g in groups[1:]) and not phone_label \
            and not ((region := _region.get()) and _reading(raw, region, shape_only)[0]):
        return True  # 1 234 567, 1.234.567: thousands (but 912 345 678 is a Portuguese mobile)
    joins = {s.strip() or s for s in seps}  # "250 - 1000" is joined like "250-1000"
    if len(groups) == 2 and joins <= {"-", "/", "\u2013", "\u2014"} and not any(g.startswith("0") for g in groups) \
            and int(groups[0]) < int(groups[1]) and (groups[1].endswith("00") or int(groups[1]) <= LAST_YEAR):
        return True  # 250-1000, (1818-1893): a range of numbers or years
    if "/" in joins and not (first.startswith("0") and len(first) >= 2):
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


# What the library says of one candidate in one region (None for the international reading), kept for the next
# time the same text is read: a long run offers the same pieces many times, and so does a table of numbers.
_VERDICTS = 4096


@functools.lru_cache(maxsize=_VERDICTS)
def _verdict(raw: str, region: str | None) -> tuple[bool, bool]:
    """(valid, possible) for `raw` read in `region` by the library."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False, False
    return phonenumbers.is_valid_number(number), phonenumbers.is_possible_number(number)


def _possible_length(digits: str, region: str) -> bool:
    """Whether `digits`, less the region's trunk prefix, has a length the region's numbers have (the library's
    metadata, without its parse)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.general_desc is None:
        return False
    prefix = meta.national_prefix or ""
    national = digits[len(prefix):] if prefix and digits.startswith(prefix) else digits
    lengths = meta.general_desc.possible_length + meta.general_desc.possible_length_local_only
    return len(national) in lengths or len(digits) in lengths


def _reading(raw: str, region: str, shape_only: bool) -> tuple[bool, bool]:
    """(valid, possible) for `raw` in `region`; by length alone in a run read by shape (see _judge_run), where a
    possible length also counts as valid, so that such a run errs towards removing."""
    if shape_only:
        possible = _possible_length(_digits(raw), region)
        return possible, possible
    return _verdict(raw, region)


def _international(raw: str, digits: str) -> bool:
    """+44 20 7946 0958 or 0044 20 7946 0958: a known country code and a possible length is a phone number."""
    return _verdict("+" + digits[2:] if digits.startswith("00") and not raw.lstrip("([ ").startswith("+") else raw, None)[1]


@functools.lru_cache(maxsize=_VERDICTS)
def _read_before(before: str) -> tuple[bool, bool, bool, bool]:
    """What the text before a number says: (a phone word, an identifier word, glued to a word or number, a code's
    prefix). Read once for each place, however many pieces of a run start there."""
    return (PHONE_LABEL.search(before) is not None, ID_LABEL.search(before) is not None,
            _GLUED_BEFORE.search(before) is not None, _CODE_BEFORE.search(before) is not None)


def _is_phone(text: str, start: int, end: int, regions: tuple[str, ...], before: str | None = None,
              shape_only: bool = False) -> bool:
    """Whether text[start:end] (a run or a piece of one) is a phone number worth removing; `before` is the text
    read for labels, when the candidate is a piece of a longer run; `shape_only` for a piece of a very long run."""
    before = text[max(0, start - _CONTEXT_CHARS):start] if before is None else before
    phone_label, id_label, glued, code = _read_before(before)
    if _NOT_AFTER.match(text, end) or glued or (not phone_label and code):
        return False  # glued to a unit, a percent sign or an identifier: INV-2025-000123, 12345678kg
    if not phone_label and id_label:
        return False  # order 123456789, invoice no. 12345678, sizes 10 12 14 16 18, Art.-Nr. 12345678
    if end - start > _MAX_PHONE_CHARS:
        return False  # more than 15 digits whatever its joins (and never a long key for the cache below)
    raw = text[start:end]
    if not raw.isascii() or "\n" in raw or "\t" in raw:
        raw = _OTHER_SPACE.sub(" ", raw)  # the library reads no line break or tab; NBSP, thin spaces likewise
    return _judge(raw, phone_label, regions, _region.get(), shape_only)


_OTHER_SPACE = re.compile(r"[^\S ]")


@functools.lru_cache(maxsize=_VERDICTS)
def _judge(raw: str, phone_label: bool, regions: tuple[str, ...], client: str | None, shape_only: bool) -> bool:
    """Whether `raw`, not glued to anything and not labelled as an identifier, is a phone number. The same piece
    is judged once however often a run or a table repeats it (`client` keys the cache: _other_number reads it)."""
    digits = _digits(raw)
    if raw.lstrip("([ ").startswith("+") or digits.startswith("00"):
        return MIN_PHONE_DIGITS <= len(digits) - (2 if digits.startswith("00") else 0) <= MAX_PHONE_DIGITS \
            and _international(raw, digits)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return False
    groups = _groups(raw)
    if _other_number(raw, groups, regions, phone_label, shape_only):
        return False
    if AREA_CODE_FORM.fullmatch(raw):
        return True  # (11) 91234-5678, (020) 7946 0958: an area code in brackets is how phone numbers are written
    verdicts = [_reading(raw, r, shape_only) for r in regions]
    if any(valid for valid, _ in verdicts):
        return True  # a real number in the client's country or a default region
    # Not valid, but maybe fictional (555-0132, 07700 900123) or from an unassigned range: a phone if it is laid
    # out as one (grouped, an area code in brackets, or a trunk 0) and has a possible length, or is labelled as one.
    # An unbroken run without a trunk 0 (123456789) is an order number unless a label says otherwise.
    # A number without a trunk 0 or brackets also ends in a block of 4 or more digits, as dialled numbers are
    # written (555-0132, 7946 0958, 98765 43210): "1230 130" is two times.
    laid_out = AREA_CODE.match(raw) or digits.startswith("0") or (len(groups) > 1 and len(groups[-1]) >= 4)
    return bool(laid_out or phone_label) and any(possible for _, possible in verdicts)


def _phone_spans(shadow: str, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of phone numbers in the masked text, each with a glued extension (x12) that follows it."""
    spans: list[tuple[int, int]] = []
    for match in PHONE_CANDIDATE.finditer(shadow):
        start = match.start()
        if shadow[start] in "([" and not any(c in match.group(0) for c in ")]"):
            start += 1  # "(814353716)": the bracket wraps the number, it is not an area code's
        spans.extend(_judge_run(shadow, start, match.end(), regions))
    return [(start, end + (m.end() - m.start() if (m := EXTENSION.match(shadow, end)) else 0)) for start, end in spans]


# A piece of a run is at most 15 digits, so it spans at most this many blocks (a block between spaces has a digit,
# or is a lone dash or slash between two that have): the programme below looks this far ahead and no further.
_MAX_PIECE_BLOCKS = 2 * MAX_PHONE_DIGITS + 1
# A run of more blocks than this is a list or a table of numbers, never a sentence around a phone number: its
# pieces are judged by shape and length alone, without the library's parse (about 20 µs a region, several times a
# block, made a 100 kB run of random digit groups cost 5 s). Judged so, a piece with a possible length counts as a
# phone number, so such a run errs towards removing (a list of 40 order numbers in a quote may lose some).
MAX_READ_BLOCKS = 40
# Where a run is cut into blocks: at spaces, and before a bracket glued to a digit ("610-362-7498(99)").
_BLOCK_CUT = re.compile(r"\s+|(?<=\d)(?=[(\[])")


def _judge_run(text: str, start: int, end: int, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    """The phone numbers in one run of digits and separators. A run that is not one number as a whole may hold
    several written side by side ("555-0132 555-0199"), or one beside another number ("in 2024 07700 900123",
    "01 23 45 67 89 2 fois"): it is cut into blocks at spaces, and the blocks are grouped so that phone numbers
    cover the most digits (on a tie, the grouping whose numbers start with a trunk 0, a + or a bracket, as dialled
    numbers do). Every piece is read with the label before the whole run, so "order 123 456 789" or "tracking 9400
    1000 0000 0000" stays whole. Digits written one at a time are read only as a whole stretch ("call 0 7 7 0 0 9
    0 0 1 2 3"), never as a piece of one: "0 1 2 3 4 5 6 7 8 9 10" is a count, not a number hidden in it.
    A run of more than MAX_READ_BLOCKS blocks is judged by shape (see there)."""
    if _is_phone(text, start, end, regions):
        return [(start, end)]
    cuts = [m.span() for m in _BLOCK_CUT.finditer(text, start, end)]
    if not cuts:
        return []
    before = text[max(0, start - _CONTEXT_CHARS):start]
    shape_only = len(cuts) >= MAX_READ_BLOCKS
    blocks = [(start if i == 0 else cuts[i - 1][1], end if i == len(cuts) else cuts[i][0]) for i in range(len(cuts) + 1)]
    block_digits = [_digits(text[a:b]) for a, b in blocks]
    count = [len(d) for d in block_digits]
    single = [n == 1 and b - a <= 2 for n, (a, b) in zip(count, blocks, strict=False)]  # "7", "(7"; not "77" or "7-7"
    # singles_end[i] and pairs_end[i]: the first block from i on with more than one digit, with more than two.
    singles_end, pairs_end = [len(blocks)] * (len(blocks) + 1), [len(blocks)] * (len(blocks) + 1)
    for i in range(len(blocks) - 1, -1, -1):
        singles_end[i] = singles_end[i + 1] if single[i] else i
        pairs_end[i] = pairs_end[i + 1] if count[i] <= 2 else i
    # best[i]: (score of the phone numbers in blocks i..end, where the first piece from block i ends or None).
    # Two points a digit covered, one more for a piece dialled as phones are; back-pointers keep it linear.
    best: list[tuple[int, int | None]] = [(0, None)] * (len(blocks) + 1)
    for i in range(len(blocks) - 1, -1, -1):
        choice: tuple[int, int | None] = (best[i + 1][0], None)  # block i is not part of a phone number
        first = text[blocks[i][0]]
        if first.isdigit() or first in "+([":
            # A label before the run, or before this piece when it is dialled as phones are (a trunk 0 or a +):
            # then "order 123456789 07700 900123" does not shelter the phone number written after the order's.
            context = text[max(0, blocks[i][0] - _CONTEXT_CHARS):blocks[i][0]] if i > 0 and first in "0+" else before
            # Pieces of one- and two-digit blocks not starting with 0 or + are lists (sizes 10 12 14 16, scores)
            # unless a phone word comes before them: _other_number says so; not asking spares the work.
            lists = first != "+" and not block_digits[i].startswith("0") and not _read_before(context)[0]
            digits = 0
            for j in range(i + 1, min(len(blocks), i + _MAX_PIECE_BLOCKS) + 1):
                digits += count[j - 1]
                if digits > MAX_PHONE_DIGITS:
                    break
                if digits < MIN_PHONE_DIGITS or (i, j) == (0, len(blocks)) or not text[blocks[j - 1][1] - 1].isdigit():
                    continue
                if j <= singles_end[i] and ((i > 0 and single[i - 1]) or (j < len(blocks) and single[j])):
                    continue  # one digit at a time: only the whole stretch
                if lists and singles_end[i] < j <= pairs_end[i]:
                    continue
                piece = (blocks[i][0], blocks[j - 1][1])
                score = 2 * digits + (first in "0+([") + best[j][0]
                if score <= choice[0]:
                    continue
                if _is_phone(text, piece[0], piece[1], regions, context, shape_only):
                    choice = (score, j)
        best[i] = choice
    spans, i = [], 0
    while i < len(blocks):
        after = best[i][1]
        if after is None:
            i += 1
        else:
            spans.append((blocks[i][0], blocks[after - 1][1]))
            i = after
    return spans


def _redact_phones(text: str) -> str:
    if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
        return text  # most evidence lines: no phone number can hide in fewer digits
    shadow = PROTECTED.sub(_mask, text)
    spans = sorted(_phone_spans(shadow, _regions()))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:  # overlapping finds become one removal
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return "".join(text[a:b] + PHONE_REMOVED for a, b in zip([0] + [e for _, e in merged], [s for s, _ in merged], strict=False)) \
        + text[merged[-1][1]:]


def redact(text: str) -> str:
    """`text` with e-mail addresses and phone numbers replaced by "[e-mail removed]" and "[phone removed]"."""
    return _redact_phones(redact_emails(text))
