"""The action register followed up, in plain words: what was done and whether its KPI moved, and what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..history import DoneAction, FollowUp, Outcome, PendingAction, ProportionChange
from .numbers import Formatter
from .weak_spots import share

# How each outcome ends the sentence of a done action (the figures before it are the same for all).
VERDICTS = {
    Outcome.BETTER: "a real improvement",
    Outcome.WORSE: "a real change for the worse",
    Outcome.NO_CLEAR_CHANGE: "no clear change",
    Outcome.TOO_EARLY: "too early to tell",
}
STATUS_WORDS = {"open": "not started", "in progress": "in progress", "done": "done", "dropped": "dropped"}


@dataclass(frozen=True)
class DoneLine:
    id: str
    title: str
    outcome: str  # history.actions.Outcome value
    text: str  # the whole sentence
    notes: str | None = None


@dataclass(frozen=True)
class PendingLine:
    id: str
    title: str
    status: str
    owner: str
    due: str
    text: str
    notes: str | None = None


@dataclass(frozen=True)
class FollowUpView:
    summary: str  # "Of 11 actions in the register: 2 done, 4 overdue, 5 open, none dropped."
    basis: str  # what the done actions are compared with
    done: list[DoneLine] = field(default_factory=list)
    overdue: list[PendingLine] = field(default_factory=list)
    open: list[PendingLine] = field(default_factory=list)
    dropped: list[PendingLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.done or self.overdue or self.open or self.dropped)


def _label(label: str | None) -> str:
    """A KPI label inside a sentence: 'Customers who go on…' -> 'customers who go on…' (an acronym stays: 'NPS')."""
    if not label:
        return "its KPI"
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def figure(unit: str, value: float | None, fmt: Formatter) -> str:
    """A KPI value in its unit: a share as the weak-spot cards write it, money, working days, an NPS, a number."""
    if value is None:
        return "not measured"
    if unit == "pct":
        return share(fmt, value)
    if unit == "money":
        return fmt.money(value)
    if unit == "days":
        return fmt.days(value)
    if unit == "nps":
        return ("+" if value > 0 else "−" if value < 0 else "") + fmt.number(abs(value))
    if unit == "count":
        return fmt.count(value)
    return fmt.number(value, 0 if abs(value) >= 100 else 1)


def _points(value: float, fmt: Formatter) -> str:
    """A difference of two shares in points without the word: '+13.0', '−1.2'."""
    return ("+" if value > 0 else "−" if value < 0 else "") + fmt.number(abs(value) * 100, 1)


def _done_when(item: DoneAction, fmt: Formatter) -> str:
    return f"done {fmt.date(item.done_on)}" if item.done_on is not None else "done, date not given"


def _interval(change: ProportionChange, level: float, fmt: Formatter) -> str:
    return f"{fmt.percent(level)} interval {_points(change.low, fmt)} to {_points(change.high, fmt)}"


def done_sentence(item: DoneAction, fmt: Formatter) -> str:
    """'Offer guest checkout (done 2 Mar 2026): customers who go on from Checkout to Payment 68% → 81% (n = 5,855 → 4,210),
    a real improvement: +13.0 points (95% interval +11.4 to +14.6).'"""
    head = f"{item.title} ({_done_when(item, fmt)})"
    kpi = _label(item.kpi_label)
    before, after = item.before, item.after
    now = "" if after is None else f"{figure(item.unit, after.value, fmt)} now" + (
        "" if after.n is None else f" (n = {fmt.count(after.n)})")
    outcome = item.outcome
    if outcome is Outcome.NO_KPI:
        return f"{head}: the plan names no KPI for it, so its effect is not checked."
    if outcome is Outcome.NO_BASELINE:
        return f"{head}: {kpi} " + (now if now else "is not measured in this audit") + "; no earlier audit to compare with."
    if outcome is Outcome.BASELINE_AFTER_DONE:
        until = fmt.date(before.as_of) if before is not None and before.as_of else "after that day"
        return (f"{head}: {kpi} " + (now if now else "is not measured in this audit")
                + f"; the earlier audit's data already runs to {until}, past the day it was done, so there is no before "
                "figure to compare with.")
    if outcome is Outcome.TOO_EARLY and item.change is None:
        ends = fmt.date(after.as_of) if after is not None and after.as_of else "before it"
        return f"{head}: too early to tell; this audit's data ends on {ends}, before it was done."
    if outcome is Outcome.NOT_MEASURED or before is None or after is None:
        where = "this audit" if after is None else "the earlier audit"
        return f"{head}: {kpi} is not measured in {where}, so there is nothing to compare."
    figures = (f"{kpi} {figure(item.unit, before.value, fmt)} → {figure(item.unit, after.value, fmt)}"
               + (f" (n = {fmt.count(before.n)} → {fmt.count(after.n)})" if before.n is not None and after.n is not None else ""))
    if outcome is Outcome.NOT_A_SHARE:
        return f"{head}: {figures}; not a share, so the change is not tested."
    change = item.change
    if change is None:  # every outcome left is a reading of the tested change (too early without one returned above)
        raise ValueError(f"action {item.id!r}: outcome {outcome.value!r} without a tested change")
    if outcome is Outcome.TOO_EARLY:
        tail = f"too early to tell: fewer than {fmt.count(item.min_n)} observations on one side."
    elif outcome is Outcome.NO_CLEAR_CHANGE:
        tail = (f"no clear change: {_points(change.difference, fmt)} points is within the noise "
                f"({_interval(change, item.level, fmt)}).")
    else:
        tail = f"{VERDICTS[outcome]}: {_points(change.difference, fmt)} points ({_interval(change, item.level, fmt)})."
    sentence = f"{head}: {figures}, {tail}"
    if item.after_mixes_before:
        sentence += (f" This audit's figure also counts the days from {fmt.date(item.after_since)} to the day it was done, "
                     "so the change after it may be larger (a before/after split on that day measures it apart).")
    return sentence


def pending_sentence(item: PendingAction, fmt: Formatter) -> str:
    """'Rebuild the checkout as one short, phone-first page: due 5 Feb 2027, 24 days overdue; owner Web developer (not started).'"""
    owner = f"owner {item.owner}" if item.owner else "no owner named"
    status = STATUS_WORDS.get(item.status, item.status)
    if item.status == "dropped":
        return f"{item.title}: dropped" + (f" ({owner})" if item.owner else "") + "."
    if item.days_overdue:
        return (f"{item.title}: due {fmt.date(item.due)}, {fmt.days(item.days_overdue, 'day')} overdue; {owner} ({status}).")
    due = f"due {fmt.date(item.due)}" if item.due is not None else "no due date"
    return f"{item.title}: {status}, {due}; {owner}."


def _count(n: int, fmt: Formatter, word: str) -> str:
    return f"{fmt.count(n) if n else 'none'} {word}"


def build(follow: FollowUp, fmt: Formatter) -> FollowUpView:
    total = len(follow.done) + len(follow.overdue) + len(follow.open) + len(follow.dropped)
    summary = (f"Of {fmt.count(total)} action{'s' if total != 1 else ''} in the register: "
               + ", ".join([_count(len(follow.done), fmt, "done"), _count(len(follow.overdue), fmt, "overdue"),
                            _count(len(follow.open), fmt, "open"), _count(len(follow.dropped), fmt, "dropped")]) + ".")
    if follow.baseline_as_of is not None and follow.baseline_as_of < follow.as_of:
        basis = (f"Each done action's KPI is compared between the earlier audit (data up to {fmt.date(follow.baseline_as_of)}) "
                 f"and this one (data up to {fmt.date(follow.as_of)}); a change is real when its whole interval clears zero.")
    else:
        basis = f"No earlier audit to compare with: done actions show their KPI as of {fmt.date(follow.as_of)}."
    return FollowUpView(
        summary, basis,
        [DoneLine(d.id, d.title, d.outcome.value, done_sentence(d, fmt), d.notes) for d in follow.done],
        [_pending(p, fmt) for p in follow.overdue], [_pending(p, fmt) for p in follow.open],
        [_pending(p, fmt) for p in follow.dropped])


def _pending(item: PendingAction, fmt: Formatter) -> PendingLine:
    return PendingLine(item.id, item.title, item.status, item.owner or "", fmt.date(item.due) if item.due else "",
                       pending_sentence(item, fmt), item.notes)


def text_lines(view: FollowUpView) -> list[str]:
    """The follow-up for a terminal: the summary, then done, overdue and open actions, one a line."""
    lines = [view.summary, view.basis]
    for title, items in (("Done", view.done), ("Overdue", view.overdue), ("Open", view.open), ("Dropped", view.dropped)):
        if items:
            lines.append(f"{title}:")
            lines.extend(f"  - {item.text}" for item in items)
    return lines
