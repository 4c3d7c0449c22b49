"""Friction from free text: tag each comment to touchpoints, judge its tone, quote the clearest ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..journey import Journey
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext
from .redact import redact

NEGATIVE = (
    "late", "delay", "delayed", "never arrived", "hasn't arrived", "has not arrived", "not arrived", "still waiting", "waiting",
    "out of stock", "sold out", "backorder", "unavailable", "disappoint", "terrible", "awful", "poor", "broken", "damaged",
    "wrong", "problem", "issue", "declined", "failed", "error", "couldn't", "could not", "can't", "cannot", "unable",
    "complain", "rude", "slow", "no reply", "missing", "frustrat", "annoy", "worst", "useless", "gave up", "crash",
    "confusing", "expensive", "refund", "lost", "ignored", "empty",
)
POSITIVE = (
    "love", "great", "excellent", "perfect", "beautiful", "lovely", "fast", "quick", "helpful", "friendly", "thank",
    "recommend", "happy", "amazing", "well packaged", "smooth", "easy", "brilliant", "gorgeous", "superb", "pleased",
)


def _pattern(words) -> re.Pattern:
    # Word starts only, so "late" matches "late" and "lateness" but not "chocolate".
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")", re.IGNORECASE)


_NEG, _POS = _pattern(NEGATIVE), _pattern(POSITIVE)


@dataclass
class TaggedFeedback:
    frame: pd.DataFrame  # the feedback rows plus: complaint (bool), tone (int), tags (list of touchpoint ids)


def tone(text: str) -> int:
    """Positive minus negative cue words: a transparent lexicon score, not a model."""
    return len(_POS.findall(text)) - len(_NEG.findall(text))


def tag_feedback(feedback: pd.DataFrame, journey: Journey, ctx: SignalContext) -> TaggedFeedback:
    frame = feedback.copy()
    text = frame["text"].astype("string").fillna("")
    patterns = {tp.id: _pattern(tp.keywords) for tp in journey.touchpoints if tp.keywords}
    frame["tags"] = [[tid for tid, pat in patterns.items() if pat.search(t)] for t in text]
    frame["tone"] = [tone(t) for t in text]
    rules = ctx.settings.feedback
    complaint = frame["tone"] < 0
    if "rating" in frame:
        rated = frame["rating"].notna()
        complaint = complaint.where(~rated, frame["rating"] <= rules.negative_rating_max)
    frame["complaint"] = complaint.astype(bool)
    return TaggedFeedback(frame)


def feedback_signals(tagged: TaggedFeedback, journey: Journey, ctx: SignalContext) -> list[FrictionSignal]:
    frame = tagged.frame
    n = len(frame)
    if n == 0:
        return []
    signals = []
    for tp in journey.touchpoints:
        if not tp.keywords:
            continue
        about = frame["tags"].map(lambda tags: tp.id in tags)
        complaints = frame[about & frame["complaint"]]
        signal = proportion_signal(touchpoint=tp.id, metric="complaint_share", label="Feedback that complains about this touchpoint",
                                   source="feedback", hits=len(complaints), n=n, higher_is_better=False, settings=ctx.settings,
                                   target=tp.targets.get("complaint_share"))
        signal.evidence.append(Evidence(
            f"{len(complaints):,} of {n:,} feedback items ({pct(signal.value, 1)}) complain about it; {int(about.sum()):,} mention it at all.", n=n))
        if "source" in frame and len(complaints):
            by_source = complaints["source"].astype("string").fillna("unknown").value_counts()  # categories would refuse a new label
            signal.evidence.append(Evidence("Complaints by source: " + ", ".join(f"{k} {v}" for k, v in by_source.items()) + ".", kind="breakdown"))
        for quote in representative_quotes(complaints, tp.keywords, ctx.settings.feedback.quotes_per_touchpoint):
            signal.evidence.append(Evidence(quote, kind="quote"))
        signal.detail.update(mentions=int(about.sum()), complaints=len(complaints))
        signals.append(signal)
    return signals


def representative_quotes(complaints: pd.DataFrame, keywords, limit: int) -> list[str]:
    """The clearest complaints: most keyword hits and most negative tone, then shortest; redacted and trimmed."""
    if limit == 0 or complaints.empty:
        return []
    pattern = _pattern(keywords)
    ranked = complaints.assign(
        _hits=complaints["text"].map(lambda t: len(pattern.findall(str(t)))),
        _len=complaints["text"].map(lambda t: len(str(t))),
    ).sort_values(["_hits", "tone", "_len"], ascending=[False, True, True], kind="stable")
    quotes: list[str] = []
    chosen: list[set[str]] = []
    for text in ranked["text"]:
        cleaned = " ".join(redact(str(text)).split())  # before trimming, so a cut can never leave half a number
        if len(cleaned) > 240:
            cleaned = cleaned[:237].rsplit(" ", 1)[0] + "..."
        words = set(re.findall(r"\w+", cleaned.lower()))
        # Several customers often say the same thing; quote different voices, not one voice thrice.
        if any(_jaccard(words, other) > 0.5 for other in chosen):
            continue
        chosen.append(words)
        quotes.append(cleaned)
        if len(quotes) == limit:
            break
    return quotes


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
