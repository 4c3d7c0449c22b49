"""The e-mail half of redaction: plain, quoted, display-name, IP-literal, look-alike and spelled-out addresses."""

# Found by pattern only (no library): see fixfirst.signals.redaction for why redaction exists and how it is tested.

from __future__ import annotations

import re

EMAIL_REMOVED = "[e-mail removed]"

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

# Obfuscated addresses ("jane at example dot com", "jane[at]example[dot]co[dot]uk", "jane @ example . com", and in the
# clients' languages "maria arroba gmail ponto com", "sophie arobase orange point fr", "klaus (at) gmx (punkt) de",
# "mario chiocciola libero punto it"). Plain words like "at", "dot" and "point" occur in ordinary sentences, so these
# need a word-like local part, a domain of one or more words joined by a dot form, and a final label that is a common
# top-level domain. A spelled-out English " at " also needs a spelled-out or bracketed "dot", or one of the tests of
# `_at_a_mailbox`: "shopping at amazon.com" names a shop, not a mailbox.
_COMMON_TLDS = (
    "com net org edu gov mil int info biz name pro mobi io co ai app dev me tv cc ly email online shop store site "
    "xyz tech cloud eu uk us ca au nz ie de fr it es pt br in nl be ch at se no dk fi pl cz gr ru jp cn kr mx ar "
    "cl co za ng ke sg hk tw my ph id th vn tr il ae sa lu li mt cy hu ro sk si hr ee lv lt is")
_TLD_WORD = r"(?:" + "|".join(sorted(set(_COMMON_TLDS.split()), key=len, reverse=True)) + r")(?![\w-])"
_WORD = r"[^\W_][\w'+-]*"  # starts with a letter or digit
# The at-sign and the dot spelled out in English, Portuguese and Spanish (arroba, ponto, punto), French (arobase,
# point), Italian (chiocciola, punto) and German (punkt; the at-sign is written "(at)" there).
_AT_WORDS = "arroba|arobase|chiocciola"
_DOT_WORDS = "dot|punkt|ponto|punto|point"
_BRACKET_AT = rf"\s*[\[({{<]\s*(?:at|{_AT_WORDS})\s*[\])}}>]\s*"
_BRACKET_DOT = rf"\s*[\[({{<]\s*(?:{_DOT_WORDS})\s*[\])}}>]\s*"
_WORD_AT = r"\s+at\s+"
_WORD_DOT = r"\s+dot\s+"
# Spelled-out at-words other than English "at" name nothing else in a sentence, so the dot after them may be spelled
# in any of the languages ("maria arroba gmail ponto com"); after English "at" only "dot" counts ("at this point in").
_FOREIGN_AT = rf"\s+(?:{_AT_WORDS})\s+"
_ANY_WORD_DOT = rf"\s+(?:{_DOT_WORDS})\s+"
# Spaces on both sides or on neither: "jane @ example . com", never "the 25th @ night. Is" or "me @VerizonWireless".
_SPACED_AT = rf"\s+[{_AT_SIGNS}]\s+|[{_AT_SIGNS}]"
_SPACED_DOT = rf"\s+[{_DOT_SIGNS}]\s+|[{_DOT_SIGNS}]"


def _local_words(join: str, guard: str = "") -> str:
    """A local part of up to 5 words joined by a dot form ("john dot a dot smith", "j . bloggs"): bounded, so a long
    run of words joined by "dot" costs linear time. The guard is read only where a word starts."""
    return rf"(?<![\w.@-]){guard}{_WORD}(?:(?:{join}){_WORD}){{0,4}}"


# Before a spelled-out " at ", these words are the sentence, not a mailbox: "contact us at support dot example dot
# com" names a host, "my account at outlook.com" a service; taking the word as the local part would also swallow
# the words around it.
_NOT_A_MAILBOX = (r"(?!(?:me|us|you|him|her|them|it|we|i|they|is|are|was|were|be|am|look|looked|looking|arrived|"
                  r"stay|stayed|shop|shopped|shopping|bought|buy|buying|sold|order|ordered|orders|only|not|and|or|"
                  r"but|the|then|there|here|home|online|site|website|up|in|on|out|over|off|log|logged|login|sign|"
                  r"signed|account|accounts|email|e-mail|mail|inbox|address|registered|work|works|worked|working|job|"
                  r"available|found|cheaper|price|prices|deal|deals|listed|live|lives|lived|also|even|both|one|all|"
                  r"support|help|service|staff|team|people|anyone|someone|this|that|problem|problems|issue|issues|"
                  r"error|errors|trouble|free|now|again|still|just)\s)")


def _obfuscated(at: str, dot: str, join: str, guard: str = "") -> re.Pattern:
    return re.compile(rf"{_local_words(join, guard)}(?:{at})(?:{_WORD}(?:{dot})){{1,5}}{_TLD_WORD}", re.IGNORECASE)


_ENGLISH_JOIN = rf"[._]|{_WORD_DOT}|{_BRACKET_DOT}"
# After an unambiguous at-form, the local part may be joined like its domain, "j . bloggs @ outlook . com" included.
_ANY_JOIN = rf"[._]|{_ANY_WORD_DOT}|{_BRACKET_DOT}|\s+[{_DOT_SIGNS}]\s+"
_ANY_DOT = rf"{_BRACKET_DOT}|{_ANY_WORD_DOT}|{_SPACED_DOT}"
OBFUSCATED_EMAILS = (
    _obfuscated(_BRACKET_AT, _ANY_DOT, _ANY_JOIN),  # jane[at]example.com, klaus (at) gmx (punkt) de
    _obfuscated(_FOREIGN_AT, _ANY_DOT, _ANY_JOIN),  # maria arroba gmail ponto com, sophie arobase orange.fr
    _obfuscated(_WORD_AT, rf"{_BRACKET_DOT}|{_WORD_DOT}", _ENGLISH_JOIN, _NOT_A_MAILBOX),  # jane at example dot com
    _obfuscated(_SPACED_AT, _ANY_DOT, _ANY_JOIN),  # jane @ example . com, jane@example dot com, j . bloggs @ x . com
)

# "anna at gmail.com", "john.smith at example.co.uk": a spelled-out at with real dots is an address when the local
# part looks like a mailbox (words joined by a dot or underscore, or a name followed by digits: anna1985) or the
# domain is a mail provider's. "shopping at amazon.com", "we met at bbc.co.uk" and "Anna at example.com" stay (the
# last cannot be told from a sentence; it is the price of keeping the others).
_MAIL_PROVIDER = re.compile(
    r"(?:gmail|googlemail|yahoo|ymail|rocketmail|hotmail|outlook|live|msn|icloud|aol|protonmail|proton|gmx|"
    r"t-online|wanadoo|orange|laposte|sfr|libero|virgilio|tiscali|rediffmail|btinternet|virginmedia|yandex|zoho|"
    r"rambler|naver|fastmail|tutanota|tuta|posteo|hushmail|comcast|verizon|sbcglobal|bigpond|seznam|interia|terra)"
    r"(?:\.[a-z]{2,3}){1,2}"
    r"|(?:me|mac|hey|mail|qq|163|126)\.com|(?:pm|proton)\.me|web\.de|free\.fr|(?:mail|inbox|bk|list)\.ru"
    r"|(?:wp|o2)\.pl|(?:alice|email)\.it|(?:uol|bol|ig|terra)\.com\.br|sky\.com|att\.net",
    re.IGNORECASE)
_MAILBOX_LOCAL = re.compile(r"[^\W\d_]+(?:[._][^\W\d_][\w+-]*)+|[^\W\d_]{3,}\d{2,}")
AT_DOMAIN = re.compile(
    rf"(?<![\w.@-]){_NOT_A_MAILBOX}(?P<local>[^\W\d_][\w+-]*(?:[._][^\W\d_][\w+-]*){{0,4}})\s+at\s+"
    rf"(?P<domain>(?:{_LABEL}\.){{1,4}}{_TLD_WORD})", re.IGNORECASE)


def _at_a_mailbox(match: re.Match) -> str:
    mailbox = _MAILBOX_LOCAL.fullmatch(match.group("local")) or _MAIL_PROVIDER.fullmatch(match.group("domain"))
    return EMAIL_REMOVED if mailbox else match.group(0)


# The rules in the order they run, each behind a cheap test for what it cannot match without (most texts have no
# at-sign and no spelled-out dot, and a rule with a word guard costs more than a search for one character).
_EMAIL_RULES: tuple[tuple[re.Pattern, re.Pattern, object], ...] = (
    (re.compile(rf"[{_AT_SIGNS}]"), EMAIL, EMAIL_REMOVED),
    (re.compile(rf"[\[({{<]\s*(?:at|{_AT_WORDS})\s*[\])}}>]", re.IGNORECASE), OBFUSCATED_EMAILS[0], EMAIL_REMOVED),
    (re.compile(_FOREIGN_AT, re.IGNORECASE), OBFUSCATED_EMAILS[1], EMAIL_REMOVED),
    (re.compile(rf"{_WORD_DOT}|{_BRACKET_DOT}", re.IGNORECASE), OBFUSCATED_EMAILS[2], EMAIL_REMOVED),
    (re.compile(rf"[{_AT_SIGNS}]"), OBFUSCATED_EMAILS[3], EMAIL_REMOVED),
    (re.compile(r"\sat\s+\S+\.[^\W\d_]", re.IGNORECASE), AT_DOMAIN, _at_a_mailbox),
)


def redact_emails(text: str) -> str:
    for gate, pattern, replacement in _EMAIL_RULES:
        if gate.search(text):
            text = pattern.sub(replacement, text)
    return text
