"""Feedback lexicons: tone cues, negators and touchpoint topics per language, shipped as editable YAML."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ...errors import ConfigError, FixfirstError, InputProblems, Problem, Severity
from ..settings import Feedback
from ..yamlfile import client_yaml, load_yaml, validation_problems

LEXICON_DIR = Path(__file__).resolve().parent
TOPIC_NAME = r"^[a-z][a-z0-9_]*$"
CUE_LISTS = ("negative", "positive", "neutral")
WORD_LISTS = ("negators", "intensifiers")
# Typographic apostrophes and the acute accent typed as an apostrophe all mean "'" (don’t, don´t).
_APOSTROPHES = "[\u2018\u2019\u02bc\u00b4]"
# Runs of whitespace and any tab or newline become one space. Spelled out: RE2's \s and Python's \s differ.
_ODD_WHITESPACE = r"[\t\n\v\f\r ]{2,}|[\t\n\v\f\r]"


def fold_texts(texts: Iterable[str | None]) -> pa.Array:
    """Text as the lexicon sees it: accents stripped, lower case, one apostrophe, single spaces; missing -> ""."""
    array = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, type=pa.string(), from_pandas=True)
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = pc.fill_null(array, "")
    # Only non-ASCII text can carry accents or curly apostrophes: most comments skip the costly part.
    special = pc.invert(pc.string_is_ascii(array))
    if pc.any(special).as_py():
        folded = pc.replace_substring_regex(pc.filter(array, special), _APOSTROPHES, "'")
        folded = pc.replace_substring_regex(pc.utf8_normalize(folded, "NFKD"), r"\p{Mn}+", "")
        array = pc.replace_with_mask(array, special, folded)
    # Replacing only runs and odd whitespace (tabs, newlines) is far faster than rewriting every single space.
    return pc.replace_substring_regex(pc.utf8_lower(array), _ODD_WHITESPACE, " ")


def fold(text: str) -> str:
    """`fold_texts` for one string, in plain Python (lexicon entries are folded one by one while validated)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", re.sub(_APOSTROPHES, "'", text))
        text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    return re.sub(_ODD_WHITESPACE, " ", text.lower())


def _escape(entry: str) -> str:
    # Valid in both Python's re and pyarrow's RE2: escape only the metacharacters.
    return re.sub(r"([.^$|?*+()\[\]{}\\])", r"\\\1", entry)


def trie_regex(entries: Iterable[str]) -> str:
    """One alternation that always takes the longest entry starting at a place, factored as a trie.

    Python's re tries alternatives one by one; sharing prefixes makes a 300-entry lexicon about 3x faster.
    """
    trie: dict = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [_escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer entry is tried first

    return build(trie)


def word_start_pattern(entries: Iterable[str]) -> re.Pattern:
    """Python pattern matching any entry at the start of a word of folded text; group 1 is the entry, the rest of the word is consumed."""
    # \b equals "not after a word character" here, as every entry starts with one; Python's re finds \b faster.
    return re.compile(r"\b(" + trie_regex(sorted(set(entries))) + r")\w*")


def arrow_word_start(entries: Iterable[str]) -> str:
    """The same rule for pyarrow's RE2 (its \\b and \\w are ASCII-only, so word characters are spelled out).

    An entry ending in WHOLE_WORD_MARK must also end at a word end (see `phrase_rule`).
    """
    alternatives = []
    for entry in sorted(set(entries), key=len, reverse=True):
        if entry.endswith(WHOLE_WORD_MARK):
            alternatives.append(_escape(entry[:-1]) + r"(?:e?s)?(?:$|[^\p{L}\p{N}_])")  # a plural still counts: bag, bags
        else:
            alternatives.append(_escape(entry))
    return r"(?:^|[^\p{L}\p{N}_])(?:" + "|".join(alternatives) + ")"


# Internal mark of a phrase that matches whole words only; it cannot occur in folded text typed as a keyword.
WHOLE_WORD_MARK = "\x00"


def phrase_rule(raw: str, whole_word_max_chars: int) -> str:
    """A keyword or topic phrase as matched: folded, and marked whole-word when it must not match inside longer words.

    The rule (docs/engagement.md): a phrase matches at the start of a word, so "deliver" also finds "delivered"; a
    phrase of at most `whole_word_max_chars` characters matches whole words only (a plural s or es allowed), so "ad"
    finds "ads" but not "address".
    Explicit forms: `=word` is whole-word at any length, `word*` matches word starts at any length.
    """
    text = fold(raw.strip())
    if text.startswith("=") and len(text) > 1:
        return text[1:].strip() + WHOLE_WORD_MARK
    if text.endswith("*") and len(text) > 1:
        return text[:-1].strip()
    return text + WHOLE_WORD_MARK if len(text) <= whole_word_max_chars else text


def python_phrase_pattern(entries: Iterable[str]) -> re.Pattern:
    """`arrow_word_start`'s rule in Python's re (quotes are ranked by how many phrases they contain)."""
    entries = set(entries)
    whole = sorted(e[:-1] for e in entries if e.endswith(WHOLE_WORD_MARK))
    start = sorted(e for e in entries if not e.endswith(WHOLE_WORD_MARK))
    parts = ([r"(?:" + trie_regex(start) + r")\w*"] if start else []) + ([r"(?:" + trie_regex(whole) + r")(?:e?s)?\b"] if whole else [])
    return re.compile(r"\b(?:" + "|".join(parts) + ")") if parts else re.compile(r"(?!x)x")


def _no_yaml_boolean(value: Any) -> Any:
    # YAML 1.1 reads a bare no, yes, on, off as true/false: the word would be lost without a word of warning.
    if isinstance(value, bool):
        raise ValueError('write words such as no, yes, on and off in quotes ("no"): unquoted, YAML reads them as true/false')
    return value


def _phrase(raw: str) -> str:
    entry = fold(raw.strip())
    if not entry:
        raise ValueError("entries must be non-empty text")
    # Entries match at word starts; one that begins with punctuation could never match.
    if not re.match(r"\w", entry):
        raise ValueError(f"{raw!r} must start with a letter or digit")
    return entry


def _word(raw: str) -> str:
    entry = _phrase(raw)
    if not re.fullmatch(r"\w+(?:'\w+)*", entry):
        raise ValueError(f"{raw!r} must be a single word")
    return entry


def _negator(raw: str) -> str:
    if raw.strip().startswith("-"):  # a word ending such as -n't
        return "-" + _word(raw.strip()[1:])
    return _word(raw)


def _topic_name(name: str, info: ValidationInfo) -> str:
    if not re.fullmatch(TOPIC_NAME, name):
        raise ValueError(f"topic name {name!r} must be lower case letters, digits and _")
    known = (info.context or {}).get("known_topics")
    if known is not None and name not in known:
        raise ValueError(f"unknown topic {name!r}; known topics: {', '.join(sorted(known))}. "
                         "Phrases for one touchpoint only belong in its data.keywords in journey.yaml")
    return name


Phrase = Annotated[str, BeforeValidator(_no_yaml_boolean), AfterValidator(_phrase)]
Word = Annotated[str, BeforeValidator(_no_yaml_boolean), AfterValidator(_word)]
Negator = Annotated[str, BeforeValidator(_no_yaml_boolean), AfterValidator(_negator)]
TopicName = Annotated[str, AfterValidator(_topic_name)]


class LexiconFile(BaseModel):
    """A lexicon YAML file: the shipped default of a language, or a client's own (which may extend the default)."""

    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(default=None, description="Language code; must agree with settings feedback.language.")
    extends: bool = Field(default=True, description="Client files: add to the default lexicon (true) or replace it (false).")
    description: str = ""
    negative: list[Phrase] = Field(default_factory=list, description="Cues of an unhappy comment (-1 each).")
    positive: list[Phrase] = Field(default_factory=list, description="Cues of a pleased comment (+1 each).")
    neutral: list[Phrase] = Field(default_factory=list, description="Words that start like a cue but carry no tone (goods, later).")
    negators: list[Negator] = Field(default_factory=list, description="Single words that negate the next cue; '-n't' means a word ending.")
    intensifiers: list[Word] = Field(default_factory=list, description="Single words that multiply the cue right after them.")
    remove: list[Phrase] = Field(default_factory=list, description="Client files: entries to drop from the default lexicon.")
    topics: dict[TopicName, list[Phrase]] = Field(default_factory=dict, description="Named phrase sets for common touchpoints.")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None, info: ValidationInfo) -> str | None:
        context = info.context or {}
        if value is not None and not re.fullmatch(r"[a-z]{2,3}", value):
            raise ValueError(f"language must be a two- or three-letter code such as en or pt, not {value!r}")
        expected = context.get("language")
        if expected and value is not None and value != expected:
            if context.get("shipped"):
                raise ValueError(f"the file {expected}.yaml must say language: {expected}")
            raise ValueError(f"this lexicon is for {value!r} but settings feedback.language is {expected!r}; "
                             f"set feedback.language: {value} in audit.yaml, or correct the language here")
        return value

    def cross_list_problems(self, base: Lexicon | None) -> list[tuple[tuple, str]]:
        """What no single field can see: an entry in two lists, removals without a default or not in it; (location, message)."""
        problems: list[tuple[tuple, str]] = []
        seen: dict[str, str] = {}
        for list_name in CUE_LISTS + WORD_LISTS:
            for i, entry in enumerate(getattr(self, list_name)):
                if seen.get(entry, list_name) != list_name:
                    problems.append(((list_name, i), f"{entry!r} is listed under both {seen[entry]} and {list_name}; keep it in one list"))
                seen.setdefault(entry, list_name)
        if self.remove and base is None:
            problems.append((("remove",), "remove only applies to a lexicon that extends the default (extends: true)"))
        if base is not None:
            for i, entry in enumerate(self.remove):
                if entry not in base.all_entries:
                    problems.append((("remove", i), f"{entry!r} is not in the default {base.language} lexicon, so it cannot be removed"))
        return problems


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A ready-to-use lexicon: folded entries, and the patterns built from them once."""

    language: str
    negative: frozenset[str]
    positive: frozenset[str]
    neutral: frozenset[str]
    negators: frozenset[str]
    intensifiers: frozenset[str]
    topics: dict[str, tuple[str, ...]]
    files: tuple[str, ...]

    @functools.cached_property
    def polarity(self) -> dict[str, int]:
        return {**{e: 0 for e in self.neutral}, **{e: -1 for e in self.negative}, **{e: 1 for e in self.positive}}

    @functools.cached_property
    def cue_pattern(self) -> re.Pattern:
        return word_start_pattern(self.polarity)

    @functools.cached_property
    def cue_prefilter(self) -> str | None:
        """RE2 pattern of every toned cue at a word start: the texts it misses have no tone to read."""
        toned = self.negative | self.positive
        return arrow_word_start(toned) if toned else None

    @functools.cached_property
    def negator_words(self) -> frozenset[str]:
        return frozenset(n for n in self.negators if not n.startswith("-"))

    @functools.cached_property
    def negator_endings(self) -> tuple[str, ...]:
        return tuple(sorted(n[1:] for n in self.negators if n.startswith("-")))

    @functools.cached_property
    def scan_pattern(self) -> re.Pattern:
        """One pass over a text finds its cues (group 1, the entry) and, between them, any negator or intensifier.

        A cue is tried first, so "no reply" is a cue and the "no" in it negates nothing.
        """
        alternatives = [r"\b(" + trie_regex(sorted(self.polarity)) + r")\w*"] if self.polarity else []
        words = sorted(self.negator_words | self.intensifiers)
        if words:
            alternatives.append(r"\b" + trie_regex(words) + r"\b")
        alternatives += [_escape(ending) + r"\b" for ending in self.negator_endings]
        return re.compile("|".join(alternatives) or r"(?!)")

    @functools.cached_property
    def all_entries(self) -> frozenset[str]:
        topic_phrases = {p for phrases in self.topics.values() for p in phrases}
        return self.negative | self.positive | self.neutral | self.negators | self.intensifiers | topic_phrases

    def is_negator(self, word: str) -> bool:
        return word in self.negator_words or word.endswith(self.negator_endings)

    def describe(self) -> str:
        return (f"{self.language} lexicon ({', '.join(Path(f).name for f in self.files)}): {len(self.negative)} negative and {len(self.positive)} positive cues, "
                f"{len(self.negators)} negators, {len(self.topics)} topics")


def shipped_languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LEXICON_DIR.glob("*.yaml")))


@functools.cache
def known_topics() -> frozenset[str]:
    """Topic names a journey may use: those of the shipped lexicons (every shipped language has the same set)."""
    return frozenset(name for language in shipped_languages() for name in default_lexicon(language).topics)


@functools.cache
def default_lexicon(language: str = "en") -> Lexicon:
    """The lexicon shipped for `language` (a file in fixfirst/config/lexicons)."""
    if language not in shipped_languages():
        raise FixfirstError(f"no default feedback lexicon for language {language!r}; shipped: {', '.join(shipped_languages())}",
                            "set settings feedback.language to one of them, or give your own lexicon in feedback.lexicon with extends: false")
    path = LEXICON_DIR / f"{language}.yaml"
    spec = _validated(path, {"shipped": True, "language": language})
    if spec.language is None:
        raise FixfirstError(f"{path}: the shipped lexicon must say language: {language}", "add the language line")
    return _lexicon_from(None, spec, path, language)


def load_lexicon(feedback: Feedback, folder: Path | None) -> Lexicon:
    """The engagement's lexicon: settings feedback.lexicon (relative to the engagement folder) on top of, or instead of, the default."""
    language = feedback.language
    if not feedback.lexicon:
        return default_lexicon(language)
    path, extends = client_yaml(feedback.lexicon, folder, missing_cause="feedback lexicon not found (settings feedback.lexicon)",
                                missing_fix="give the lexicon file's path relative to the engagement folder, or remove feedback.lexicon to use the default")
    base = default_lexicon(language) if extends else None
    spec = _validated(path, {"language": language, "known_topics": known_topics(), "base": base})
    return _lexicon_from(base, spec, path, language)


def _validated(path: Path, context: dict) -> LexiconFile:
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with negative, positive, negators and topics", "see docs/engagement.md, Feedback lexicons")
    try:
        spec = LexiconFile.model_validate(data, context=context)
    except ValidationError as exc:
        raise InputProblems(validation_problems(exc, path, lines)) from None
    problems = [Problem(code="config.value_error", message=f"{'.'.join(map(str, loc))}: {message}", severity=Severity.ERROR,
                        file=str(path), row=lines.get(loc) or lines.get(loc[:1]), column=".".join(map(str, loc)))
                for loc, message in spec.cross_list_problems(context.get("base"))]
    if problems:
        raise InputProblems(problems)
    return spec


def _lexicon_from(base: Lexicon | None, spec: LexiconFile, path: Path, language: str) -> Lexicon:
    """Apply a lexicon file to a base: removals first, then each cue moves to the list the file puts it in."""
    if base is None:
        return Lexicon(language, frozenset(spec.negative), frozenset(spec.positive), frozenset(spec.neutral), frozenset(spec.negators),
                       frozenset(spec.intensifiers), {t: tuple(dict.fromkeys(p)) for t, p in spec.topics.items()}, (str(path),))
    dropped = set(spec.remove)
    restated = {e for name in CUE_LISTS + WORD_LISTS for e in getattr(spec, name)}

    def merged(name: str) -> frozenset[str]:
        return frozenset((getattr(base, name) - dropped - restated) | set(getattr(spec, name)))

    topics = {t: tuple(p for p in phrases if p not in dropped) for t, phrases in base.topics.items()}
    for topic, phrases in spec.topics.items():
        topics[topic] = tuple(dict.fromkeys(topics.get(topic, ()) + tuple(phrases)))
    return Lexicon(language, merged("negative"), merged("positive"), merged("neutral"), merged("negators"), merged("intensifiers"),
                   topics, base.files + (str(path),))


__all__ = ["Lexicon", "LexiconFile", "default_lexicon", "fold", "fold_texts", "known_topics", "load_lexicon", "shipped_languages"]
