"""Page one of the report: the verdict, what to do with the planned campaign, the money, and the first three actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..decision import CampaignAdvice, CampaignTiming, Decision
from . import figures
from .numbers import Formatter
from .verdict_words import join_names, verdict_reasons, verdict_summary

if TYPE_CHECKING:
    from ..decision import AuditResult


@dataclass(frozen=True)
class Tile:
    """One headline figure: the value large, what it is, and its basis in a few words."""

    key: str  # stable id for tests and styling: money-now, money-campaign, headroom, campaign-late
    value: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class RankRow:
    rank: str
    name: str
    stage: str
    money: str
    during: str
    score: str
    confidence: str
    owner: str
    blocks: bool


@dataclass(frozen=True)
class KeyFigure:
    value: str
    label: str
    n: str


@dataclass(frozen=True)
class FirstAction:
    number: str
    title: str
    owner: str
    due: str
    where: str  # the weak spots it works on


@dataclass(frozen=True)
class DecisionView:
    status: str
    slug: str
    advice: str  # postpone | cap | go | within_headroom | wait_for_data
    decision: str  # the one sentence: what to do with the campaign
    reason: str  # why, in one or two sentences
    as_of: str  # "Based on the client's data up to 29 Sep 2026."
    timing_note: str  # a campaign whose dates passed, or that is already running
    tiles: list[Tile] = field(default_factory=list)
    first_actions: list[FirstAction] = field(default_factory=list)
    ranking: list[RankRow] = field(default_factory=list)
    more_weak_spots: str = ""  # "and 4 more weak spots (appendix)" when the table is cut
    key_figures: list[KeyFigure] = field(default_factory=list)
    no_weak_spot: str = ""


SLUGS = {"FIX FIRST": "fix-first", "MARKET WITH LIMITS": "market-with-limits", "READY TO MARKET": "ready-to-market",
         "NOT ENOUGH DATA": "not-enough-data"}


def _reason(result: AuditResult, d: Decision, fmt: Formatter) -> str:
    c = d.campaign
    parts = []
    blocking = result.verdict.blocking
    if blocking:
        parts.append(f"{join_names([w.touchpoint.name for w in blocking])} already "
                     f"{'fail' if len(blocking) != 1 else 'fails'} customers today; a campaign would send more customers into "
                     f"{'them' if len(blocking) != 1 else 'it'}.")
    if c is not None and c.timing is not CampaignTiming.PAST and c.late_share is not None and c.uplift:
        target = fmt.percent(result.engagement.settings.metrics.promise_breach.target)
        would = "would arrive" if c.timing is CampaignTiming.PLANNED else "arrive"
        parts.append(f"As planned ({figures.campaign_size(c, fmt)}), {figures.campaign_late(c, fmt)} of its orders {would} late "
                     f"(target {target}).")
    if d.headroom is not None and d.advice is not CampaignAdvice.WAIT_FOR_DATA:
        parts.append(figures.can_carry(d.headroom, d, fmt))
    if not parts and d.advice is CampaignAdvice.WAIT_FOR_DATA:
        parts.append(verdict_reasons(result, fmt)[-1])
    return " ".join(parts)


def _timing_note(d: Decision, fmt: Formatter) -> str:
    c = d.campaign
    if c is None:
        return ""
    if c.timing is CampaignTiming.PAST:
        return (f"The {c.name} campaign ({figures.campaign_dates(c, fmt)}) ended before the data did: it is past, so it is "
                "read as history, not judged as a plan.")
    if c.timing is CampaignTiming.RUNNING:
        return f"The {c.name} campaign ({figures.campaign_dates(c, fmt)}) was already running when the data ends."
    if c.dates_passed:
        return (f"The {c.name} campaign's dates ({figures.campaign_dates(c, fmt)}) have passed since the data ended on "
                f"{fmt.date(d.as_of)}: the advice is for the next campaign of its size.")
    return ""


def _tiles(result: AuditResult, d: Decision, fmt: Formatter) -> list[Tile]:
    spots = result.ranking.weak_spots
    tiles = []
    if spots:
        measured = [w for w in spots if w.money.measured]
        note = (f"lost sales at {len(measured)} of the {len(spots)} weak spots" if measured and len(measured) < len(spots)
                else "lost sales at the weak spots" if measured else "the data cannot price these weak spots (the evidence appendix says why)")
        tiles.append(Tile("money-now", fmt.money(d.money_at_stake_per_month) if d.money_at_stake_per_month is not None
                          else "not measurable", "at stake a month now", note))
    c = d.campaign
    if d.money_at_stake_during_campaign_per_month is not None and c is not None:
        tiles.append(Tile("money-campaign", fmt.money(d.money_at_stake_during_campaign_per_month), "a month during the campaign",
                          f"the same weak spots with the {c.name} visitors"))
    if d.headroom is not None and d.advice is not CampaignAdvice.WAIT_FOR_DATA:
        tiles.append(Tile("headroom", figures.headroom_value(d.headroom, fmt), "extra orders a week operations can carry",
                          figures.headroom_share(d.headroom, d, fmt)))
    if c is not None and c.timing is not CampaignTiming.PAST and c.late_share is not None and c.uplift:
        target = fmt.percent(result.engagement.settings.metrics.promise_breach.target)
        label = (f"of the orders late in a campaign like the {c.name}" if c.dates_passed
                 else f"of the {c.name} orders late" + (" as planned" if c.timing is CampaignTiming.PLANNED else ""))
        tiles.append(Tile("campaign-late", figures.campaign_late(c, fmt), label, f"target {target}"))
    return tiles


def _first_actions(d: Decision, fmt: Formatter) -> list[FirstAction]:
    out = []
    for number, item in enumerate(d.first_actions, 1):
        where = ", ".join(f"#{a.spot.rank} {a.spot.touchpoint.name}" for a in item.action.weak_spots)
        out.append(FirstAction(str(number), item.action.title, item.action.owner, fmt.date(item.due), where))
    return out


RANKING_ROWS = 6  # page one shows the top of the ranking; the rest are on the weak-spot pages


def _ranking(result: AuditResult, fmt: Formatter) -> tuple[list[RankRow], str]:
    blocking = {w.touchpoint.id for w in result.verdict.blocking}
    spots = result.ranking.weak_spots
    rows = [RankRow(f"#{w.rank}", w.touchpoint.name, w.touchpoint.stage, figures.spot_money(w, fmt),
                    figures.spot_campaign_money(w, fmt), figures.spot_score(w, fmt), w.confidence, w.touchpoint.owner or "",
                    w.touchpoint.id in blocking) for w in spots[:RANKING_ROWS]]
    more = len(spots) - RANKING_ROWS
    return rows, (f"and {more} more weak spot{'s' if more != 1 else ''} on the following pages" if more > 0 else "")


def _key_figures(result: AuditResult, fmt: Formatter) -> list[KeyFigure]:
    out = []
    for kpi in result.signals.kpis:
        if kpi.unit == "pct":
            value = fmt.percent(kpi.value, 1)
        elif kpi.unit == "money":
            value = fmt.money(kpi.value)
        elif kpi.unit == "nps":
            value = f"{kpi.value:+.0f}"
        else:
            value = fmt.number(kpi.value, 0 if kpi.unit == "count" or abs(kpi.value) >= 100 else 1)
        out.append(KeyFigure(value, kpi.name, "" if kpi.n is None else f"n = {fmt.count(kpi.n)}"))
    return out


def build(result: AuditResult, fmt: Formatter) -> DecisionView:
    d = result.decision
    rows, more = _ranking(result, fmt)
    return DecisionView(
        status=d.status, slug=SLUGS.get(d.status, "fix-first"), advice=d.advice.value,
        decision=verdict_summary(result, fmt), reason=_reason(result, d, fmt),
        as_of=(f"Based on the data up to {fmt.date(d.as_of)}." if d.as_of_known
               else "The data holds no dates: the audit is dated the day it was prepared."),
        timing_note=_timing_note(d, fmt),
        tiles=_tiles(result, d, fmt), first_actions=_first_actions(d, fmt),
        ranking=rows, more_weak_spots=more, key_figures=_key_figures(result, fmt),
        no_weak_spot="" if result.ranking.weak_spots else
        f"No touchpoint scores {fmt.count(result.engagement.settings.scoring.weak_spot_min_score)} or more: the data shows no weak spot.")
