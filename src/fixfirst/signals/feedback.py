"""Friction from free text: tag each comment to touchpoints, judge its tone, quote the clearest ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..config import (
    WHOLE_WORD_MARK,
    Feedback,
    Lexicon,
    arrow_word_start,
    default_lexicon,
    fold_texts,
    phrase_rule,
    python_phrase_pattern,
)
from ..errors import FixfirstError
from ..journey import Journey, Touchpoint
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext
from .redaction import redact
from .targets import resolve_target

_WORD = re.compile(r"\w+(?:'\w+)*")
# Negation does not reach across a clause: "No, it was late" is a complaint about lateness.
_CLAUSE_BREAK = re.compile(r"[.,;:!?]")
_LOOKBACK_CHARS = 200  # enough for any negation window of real words; bounds the work on long texts


@dataclass
class TaggedFeedback:
    frame: pd.DataFrame  # the feedback rows plus: complaint (bool), tone (int), tags (list of touchpoint ids)
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # touchpoint id -> its keywords and topic phrases (folded)
    lexicon: Lexicon | None = None
    mentions: dict[str, np.ndarray] = field(default_factory=dict)  # touchpoint id -> which rows mention it

    def __repr__(self) -> str:
        # One line: the generated repr prints the frame, the lexicon and a row mask per touchpoint.
        complaints = int(self.frame["complaint"].sum()) if "complaint" in self.frame else 0
        return f"<TaggedFeedback: {len(self.frame):,} comments, {complaints:,} complaints, {len(self.phrases)} touchpoints with phrases>"


def touchpoint_phrases(touchpoint: Touchpoint, lexicon: Lexicon, whole_word_max_chars: int = 3) -> tuple[str, ...]:
    """The journey keywords of a touchpoint plus the phrases of its topics, folded like the text they are matched in,
    short ones marked to match whole words only (`lexicons.phrase_rule`)."""
    raw = list(touchpoint.keywords)
    for topic in touchpoint.topics:
        if topic not in lexicon.topics:
            raise FixfirstError(f"touchpoint {touchpoint.id!r} in journey.yaml uses topic {topic!r}, which the feedback lexicon "
                                f"({', '.join(lexicon.files)}) does not define",
                                "add the topic to the lexicon file, or let it extend the default lexicon (extends: true)")
        raw += lexicon.topics[topic]
    phrases = (phrase_rule(p, whole_word_max_chars) for p in raw)
    return tuple(dict.fromkeys(p for p in phrases if p and p != WHOLE_WORD_MARK))


def tone(text: str, lexicon: Lexicon | None = None, rules: Feedback | None = None) -> int:
    """The tone of one comment (see `tones`)."""
    rules = rules or Feedback()
    lexicon = lexicon or default_lexicon(rules.language)
    folded = fold_texts([text])[0].as_py()
    return _tone_of_folded(folded, lexicon, rules.negation_window, rules.intensifier_weight)


def tones(folded: list[str], lexicon: Lexicon, rules: Feedback, may_have_cue: np.ndarray | None = None) -> np.ndarray:
    """A transparent lexicon score per comment, not a model: +1 per positive cue, -1 per negative cue.

    A cue right after an intensifier counts `intensifier_weight` times. A negator among the `negation_window`
    words before a cue, with no other cue and no . , ; : ! ? in between, negates it: a positive cue then counts
    as negative ("not happy" -1), a negative cue as nothing ("not bad" 0). `may_have_cue` (optional) marks the
    comments worth reading; the others score 0.
    """
    result = np.zeros(len(folded), dtype=np.int64)
    rows = range(len(folded)) if may_have_cue is None else np.flatnonzero(may_have_cue)
    window, weight = rules.negation_window, rules.intensifier_weight
    seen: dict[str, int] = {}  # the same comment ("Great service!") often comes many times: score each text once
    for i in rows:
        text = folded[i]
        score = seen.get(text)
        if score is None:
            score = seen[text] = _tone_of_folded(text, lexicon, window, weight)
        result[i] = score
    return result


def _tone_of_folded(text: str, lexicon: Lexicon, window: int, weight: int) -> int:
    total = 0
    previous_end = 0
    modified = False  # a negator or intensifier stands since the previous cue
    polarity = lexicon.polarity
    for match in lexicon.scan_pattern.finditer(text):
        cue = match.group(1)
        if cue is None:
            modified = True
            continue
        sign = polarity[cue]
        if sign and modified:
            sign = _modified(sign, text[previous_end:match.start()], lexicon, window, weight)
        total += sign
        previous_end = match.end()
        modified = False
    return total


def _modified(sign: int, before: str, lexicon: Lexicon, window: int, weight: int) -> int:
    """A cue's sign after the words before it (since the previous cue) had their say."""
    clauses = _CLAUSE_BREAK.split(before[-_LOOKBACK_CHARS:])
    words = _WORD.findall(clauses[-1])
    if len(before) > _LOOKBACK_CHARS and len(clauses) == 1:
        words = words[1:]  # the cut may have split a word
    if words and words[-1] in lexicon.intensifiers:
        sign *= weight
    if window and any(lexicon.is_negator(w) for w in words[-window:]):
        # "not happy" is unhappy, but "not bad" is no praise: a negated complaint just stops counting.
        # Flipping both ways agreed less with human labels (tweets: kappa 0.418 against 0.425).
        sign = -sign if sign > 0 else 0
    return sign


def tag_feedback(feedback: pd.DataFrame, journey: Journey, ctx: SignalContext, lexicon: Lexicon | None = None) -> TaggedFeedback:
    rules = ctx.settings.feedback
    lexicon = lexicon or default_lexicon(rules.language)
    frame = feedback.copy()
    folded = fold_texts(frame["text"].astype("string"))  # categorical or arrow-backed, as the reader gave it
    short = rules.whole_word_max_chars
    phrases = {tp.id: p for tp in journey.touchpoints if (p := touchpoint_phrases(tp, lexicon, short))}
    # One RE2 alternation per touchpoint over the whole column: a million comments take seconds, not minutes.
    mentions = {tid: pc.match_substring_regex(folded, arrow_word_start(p)).to_numpy(zero_copy_only=False) for tid, p in phrases.items()}
    tags: list[list[str]] = [[] for _ in range(len(frame))]
    for tid, hit in mentions.items():  # journey order, touching only the rows that mention the touchpoint
        for i in np.flatnonzero(hit):
            tags[i].append(tid)
    frame["tags"] = tags
    may_have_cue = None
    if lexicon.cue_prefilter is not None:
        may_have_cue = pc.match_substring_regex(folded, lexicon.cue_prefilter).to_numpy(zero_copy_only=False)
    frame["tone"] = tones(folded.to_pylist(), lexicon, rules, may_have_cue) if lexicon.cue_prefilter else 0
    complaint = frame["tone"] < 0
    if "rating" in frame:
        rated = frame["rating"].notna()
        complaint = complaint.where(~rated, frame["rating"] <= rules.negative_rating_max)
    frame["complaint"] = complaint.astype(bool)
    return TaggedFeedback(frame, phrases, lexicon, mentions)


def feedback_signals(tagged: TaggedFeedback, journey: Journey, ctx: SignalContext,
                     failing: frozenset[str] = frozenset()) -> list[FrictionSignal]:
    """Complaint share per touchpoint. `failing`: touchpoints other data already finds off target.

    Causes before symptoms: a complaint that names a failing touchpoint and a later one ("out of stock, so it arrived a
    week late") is the earlier one's; the later touchpoint keeps it as a mention, not a complaint.
    """
    frame = tagged.frame
    n = len(frame)
    if n == 0:
        return []
    lexicon = tagged.lexicon or default_lexicon(ctx.settings.feedback.language)
    credited = _earliest_failing(frame["tags"], journey, failing)
    signals = []
    for tp in journey.touchpoints:
        phrases = tagged.phrases.get(tp.id) if tagged.phrases else touchpoint_phrases(tp, lexicon, ctx.settings.feedback.whole_word_max_chars)
        if not phrases:
            continue
        about = pd.Series(tagged.mentions[tp.id], index=frame.index) if tp.id in tagged.mentions else frame["tags"].map(lambda tags, tp=tp: tp.id in tags)
        upstream = (credited.notna() & (credited != tp.id)).to_numpy(dtype=bool)
        complaints = frame[about & frame["complaint"] & ~upstream]
        passed_on = int((about & frame["complaint"] & upstream).sum())
        choice = resolve_target("complaint_share", tp, None, ctx)
        signal = proportion_signal(touchpoint=tp.id, metric="complaint_share", label="Feedback that complains about this touchpoint",
                                   source="feedback", hits=len(complaints), n=n, higher_is_better=False, settings=ctx.settings,
                                   target=choice.value, basis=choice.basis, basis_note=choice.note)
        signal.evidence.append(Evidence(
            f"{len(complaints):,} of {n:,} feedback items ({pct(signal.value, 1)}) complain about it; {int(about.sum()):,} mention it at all"
            + (f"; {passed_on:,} more complaints name an earlier step the data already finds failing, and count there" if passed_on else "")
            + ".", n=n))
        if "source" in frame and len(complaints):
            by_source = complaints["source"].astype("string").fillna("unknown").value_counts()  # categories would refuse a new label
            signal.evidence.append(Evidence("Complaints by source: " + ", ".join(f"{k} {v}" for k, v in by_source.items()) + ".", kind="breakdown"))
        for quote in representative_quotes(complaints, phrases, ctx.settings.feedback.quotes_per_touchpoint):
            signal.evidence.append(Evidence(quote, kind="quote"))
        signal.detail.update(mentions=int(about.sum()), complaints=len(complaints))
        signals.append(signal)
    return signals


def _earliest_failing(tags: pd.Series, journey: Journey, failing: frozenset[str]) -> pd.Series:
    """For each feedback row, the earliest touchpoint (journey order) it names among those failing on other data,
    when it names a later touchpoint too; NA otherwise."""
    if not failing:
        return pd.Series(pd.NA, index=tags.index, dtype="object")
    position = {tp.id: i for i, tp in enumerate(journey.ordered())}

    def pick(row: list[str]):
        if len(row) < 2:
            return pd.NA
        first = min(row, key=position.__getitem__)
        return first if first in failing else pd.NA

    return tags.map(pick)


QUOTE_CANDIDATES = 500  # the best-ranked texts examined for distinct quotes; the rest are weaker anyway
QUOTE_SHOWN_CHARS = 240  # a quote is trimmed to this (at a word, with "...")
QUOTE_MAX_OVERLAP = 0.5  # two quotes sharing more than this share of their words (Jaccard) say the same thing
# A quote is redacted from this much of a comment at most (cut at a space), far beyond what is shown: a hostile
# 100 kB comment then costs no more than a long one. A contact detail the cut halves lies in the last few hundred
# characters (an address is at most 320, a phone number 90), which the shown part could reach only if redaction
# had removed most of what comes before: a cut comment with less than QUOTE_CUT_MARGIN characters left after the
# shown part is not quoted.
QUOTE_READ_CHARS = 2_000
QUOTE_CUT_MARGIN = 500


def representative_quotes(complaints: pd.DataFrame, keywords, limit: int) -> list[str]:
    """The clearest complaints: most keyword hits and most negative tone, then shortest; redacted and trimmed."""
    if limit == 0 or complaints.empty:
        return []
    # The same complaint often arrives many times (copied reviews, templated tickets): rank each text once.
    complaints = complaints.drop_duplicates("text")
    pattern = python_phrase_pattern(keywords)
    folded = fold_texts(complaints["text"].astype("string")).to_pylist()
    ranked = complaints.assign(
        _hits=[len(pattern.findall(t)) for t in folded],
        _len=complaints["text"].map(lambda t: len(str(t))),
    ).sort_values(["_hits", "tone", "_len"], ascending=[False, True, True], kind="stable")
    quotes: list[str] = []
    chosen: list[set[str]] = []
    for examined, text in enumerate(ranked["text"]):
        if examined >= QUOTE_CANDIDATES:
            break
        # Spaces made single first, so a number split by a line break is read as it is shown (joined); redacted
        # before trimming, so the trim can never leave half a number.
        spaced = " ".join(str(text).split())
        cut = len(spaced) > QUOTE_READ_CHARS
        cleaned = redact(spaced[:QUOTE_READ_CHARS].rsplit(" ", 1)[0] if cut else spaced)
        if cut and len(cleaned) < QUOTE_SHOWN_CHARS + QUOTE_CUT_MARGIN:
            continue
        if len(cleaned) > QUOTE_SHOWN_CHARS:
            cleaned = cleaned[:QUOTE_SHOWN_CHARS - 3].rsplit(" ", 1)[0] + "..."
        words = set(re.findall(r"\w+", cleaned.lower()))
        # Several customers often say the same thing; quote different voices, not one voice thrice.
        if any(_jaccard(words, other) > QUOTE_MAX_OVERLAP for other in chosen):
            continue
        chosen.append(words)
        quotes.append(cleaned)
        if len(quotes) == limit:
            break
    return quotes


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
