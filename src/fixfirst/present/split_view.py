"""A before/after split in words: one sentence per change, then one per touchpoint measure, every figure via the Formatter."""

from __future__ import annotations

from ..history import ChangeComparison, ChangeReading, SignalSplit, SplitComparison
from .numbers import Formatter

READING_WORDS = {ChangeReading.BETTER: "a real improvement", ChangeReading.WORSE: "a real worsening",
                 ChangeReading.NO_CLEAR_CHANGE: "no clear change"}
SEASONALITY_WORDS = {
    "adjusted": "each period compared with the same weeks a year earlier",
    "no_year_earlier": "seasonality could not be adjusted for: the data do not reach back a year before the change",
    "after_too_long": "seasonality could not be adjusted for: the period after the change is longer than a year",
}

UNDATED_WORDS = {"orders": "orders", "events": "web events", "survey": "survey answers", "feedback": "feedback items"}


def split_lines(comparison: SplitComparison, fmt: Formatter) -> list[str]:
    """Plain sentences: for each change, what was compared, then each measure of the touchpoints it concerns."""
    lines: list[str] = []
    if comparison.rows_undated:
        left = [f"{fmt.count(n)} {UNDATED_WORDS.get(kind, kind)}" for kind, n in comparison.rows_undated.items()]
        lines.append(f"Left out of every period, having no date: {', '.join(left)}.")
    for change in comparison.changes:
        lines.append(change_line(change, comparison, fmt))
        lines += [signal_line(change, s, comparison, fmt) for s in change.signals]
    return lines


def change_title(change: ChangeComparison, fmt: Formatter) -> str:
    what = change.what[:1].upper() + change.what[1:]
    return f"{what} ({fmt.date(change.date)})"


def change_line(change: ChangeComparison, comparison: SplitComparison, fmt: Formatter) -> str:
    """What the change is compared on: the two periods, the seasonality, and a too-short after period said up front."""
    title = change_title(change, fmt)
    before, after = change.before, change.after
    if before is None:  # window no_data_before: the change is on or before the data's first day
        return f"{title}: nothing to compare, the data start on {fmt.date(comparison.data_start)}, not before the change."
    if after is None:  # window no_data_after: the change is after the data's last day
        return f"{title}: too early to tell, the data end on {fmt.date(comparison.data_end)}, before the change."
    text = (f"{title}: {fmt.days(before.days, 'day')} before ({_dates(before, fmt)}) against "
            f"{fmt.days(after.days, 'day')} after ({_dates(after, fmt)}); "
            f"{SEASONALITY_WORDS[change.seasonality]}")
    if change.too_short:
        text += (f"; too early to tell: {fmt.days(change.after_days, 'day')} after the change, "
                 f"fewer than {fmt.count(comparison.min_after_days)}")
    if not change.signals:
        text += "; no measure of the touchpoints it concerns is in both periods"
    return text + "."


def signal_line(change: ChangeComparison, s: SignalSplit, comparison: SplitComparison, fmt: Formatter) -> str:
    """'Guest checkout switched on (14 Mar 2026), Checkout: customers who go on from Checkout to Payment 68% → 81%
    (n = 4,100 → 1,950), weekday mix adjusted, +13.0 points (95% interval ...), a real improvement'."""
    after = s.after_adjusted if s.weekday_adjusted else s.after
    before = s.before_adjusted if s.weekday_adjusted else s.before
    parts = [f"{change_title(change, fmt)}, {s.touchpoint_name}: {_label(s.label)} {fmt.percent(before)} → {fmt.percent(after)} "
             f"(n = {fmt.count(s.n_before)} → {fmt.count(s.n_after)})",
             "weekday mix adjusted" if s.weekday_adjusted else "weekday mix not adjusted"]
    if s.year_earlier is not None:
        parts.append(f"against {fmt.points(s.year_earlier.difference)} in the same weeks a year earlier")
    elif change.seasonality == "adjusted":
        parts.append("not measured in the same weeks a year earlier")
    if s.reading is ChangeReading.TOO_EARLY:
        parts.append(_too_early(s, change, comparison, fmt))
    else:
        what = "change beyond the year-earlier one" if s.year_earlier is not None else "change"
        parts.append(f"{what} {fmt.points(s.difference)} ({fmt.percent(comparison.level)} interval {_signed(s.low, fmt)} to "
                     f"{fmt.points(s.high)})")
        parts.append(READING_WORDS[s.reading])
    return ", ".join(parts)


def _too_early(s: SignalSplit, change: ChangeComparison, comparison: SplitComparison, fmt: Formatter) -> str:
    if s.too_early == "few_after":
        return f"too early to tell: n = {fmt.count(s.n_after)} after the change, fewer than {fmt.count(comparison.min_n)}"
    if s.too_early == "few_before":
        return f"too early to tell: n = {fmt.count(s.n_before)} before the change, fewer than {fmt.count(comparison.min_n)}"
    return f"too early to tell: {fmt.days(change.after_days, 'day')} after the change"


def _dates(period, fmt: Formatter) -> str:
    if period.start == period.end:
        return fmt.date(period.start)
    return f"{fmt.date(period.start)} to {fmt.date(period.end)}"


def _signed(value: float, fmt: Formatter) -> str:
    """A difference of shares in points without the unit, for the first end of an interval: '−58.4' (to '−41.6 points')."""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + fmt.number(abs(value) * 100, 1)


def _label(label: str) -> str:
    """A signal's label inside a sentence: its first letter lower case, unless it starts an acronym (NPS)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
