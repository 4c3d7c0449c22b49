"""The weak spots as the client reads them: one card each (its cause, money, one chart, customers' words), the touchpoints
that hold up, and the statistics behind each card for the appendix."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..decision import CampaignFigures, CampaignTiming
from ..scoring import WeakSpot, blocks
from ..signals import DIMENSION_LABELS, FrictionSignal, TargetBasis, late_causes, redact, trends
from . import figures
from .appendix_evidence import SpotEvidence, spot_evidence
from .charts import spot_charts as charts
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult

QUOTES_PER_CARD = 2
QUOTE_CHARS = 200  # a quote longer than this is cut at a word, so two fit under the chart
SOURCE_WORDS = {"events": "website visits", "orders": "order records", "feedback": "customer comments", "survey": "the survey",
                "checklist": "the consultation"}
BEHAVIOUR = ("orders", "events")  # what customers did leads; what they said follows
ORDER_UNITS = {"repeat": "customers"}
UNITS = {"events": "customers", "orders": "orders", "feedback": "comments", "survey": "survey answers",
         "checklist": "consultation answers"}
ORDER_SENTENCES = {"late_dispatch": "{v} of {n} in-stock orders were dispatched late",
                   "stockout": "{v} of {n} orders were backordered (out of stock when ordered)",
                   "returns": "{v} of {n} delivered orders were returned", "cancellation": "{v} of {n} orders were cancelled"}
# Short figures for the healthy table: what the share counts, in a few words.
SHORT = {"conversion": "go on to {next}", "segment_gap": "go on to {next}", "incident": "go on to {next}",
         "activity_conversion": "go on to the next step", "complaint_share": "of comments complain", "top2box": "rate it 4 or 5",
         "promise_breach": "late", "late_dispatch": "dispatched late", "stockout": "backordered", "returns": "returned",
         "cancellation": "cancelled", "repeat": "order again", "checklist": "of answers raise a flag"}


@dataclass(frozen=True)
class Fact:
    key: str  # money-now | money-campaign | score | confidence | owner
    value: str
    label: str


@dataclass(frozen=True)
class SpotCard:
    """One weak spot on half a page."""

    touchpoint_id: str
    rank: str  # "#1"
    name: str
    stage: str
    blocks: bool  # holds marketing back (the verdict's rule)
    cause: str  # the root cause in one plain sentence
    effect: str  # what it does to customers, in one or two sentences ("" when nothing more is measured)
    facts: tuple[Fact, ...]
    chart: charts.SpotChart | None
    chart_title: str
    chart_note: str
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class HealthyRow:
    name: str
    stage: str
    figure: str  # "70% go on to Product page"
    target: str  # "at least 60%"
    based_on: str  # "27,207 customers"


@dataclass(frozen=True)
class WeakSpotsView:
    cards: tuple[SpotCard, ...]
    healthy: tuple[HealthyRow, ...]
    without_data: str
    none_found: str  # when no touchpoint is a weak spot
    evidence: tuple[SpotEvidence, ...]  # the appendix of statistics (present.appendix_evidence)
    healthy_none: str = ""  # when no touchpoint holds up: why the table is empty


# ---------------------------------------------------------------------------------------------------------- words

def share(fmt: Formatter, value: float | None) -> str:
    """A share as the cards write it: one decimal below 10% (7.1%), whole percent above (54%)."""
    if value is None:
        return fmt.percent(value)
    whole = abs(value * 100 - round(value * 100)) < 0.05
    return fmt.percent(value, 1 if 0 < value < 0.1 and not whole else 0)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _name(result: AuditResult, touchpoint_id: str) -> str:
    try:
        return result.journey.touchpoint(touchpoint_id).name
    except KeyError:
        return touchpoint_id


def _who(segment: str | None, dimension: str | None) -> str:
    """'mobile customers', 'customers from social', or 'customers' for everyone."""
    if not segment:
        return "customers"
    return f"customers from {segment}" if dimension == "channel" else f"{segment} customers"


def _target(signal: FrictionSignal, fmt: Formatter) -> str:
    """', against a target of 5%' (or its usual level), '' when nothing judged it."""
    if not signal.judged:
        return ""
    if signal.basis is TargetBasis.BASELINE:
        return f", against its usual {share(fmt, signal.target)}"
    if signal.basis is TargetBasis.SEGMENT:
        return f", against {share(fmt, signal.target)} for the other customers at the same step"
    return f", against a target of {'at most ' if not signal.higher_is_better else ''}{share(fmt, signal.target)}"


def measure(signal: FrictionSignal, result: AuditResult, fmt: Formatter, *, delivered_clean: bool | None = None,
            with_target: bool = True) -> str:
    """What a signal measured, as one plain sentence with its sample size (and its target)."""
    if delivered_clean is None:
        delivered_clean = _delivered_clean(signal, result)
    v, n, hits = share(fmt, signal.value), fmt.count(signal.n), fmt.count(round(signal.value * signal.n))
    tp = _name(result, signal.touchpoint)
    nxt = _name(result, signal.edge[1]) if signal.edge else ""
    target = _target(signal, fmt) if with_target else ""
    m = signal.metric
    if m == "segment_gap":
        who = _who(signal.detail.get("segment"), signal.detail.get("dimension"))
        return f"Only {v} of the {n} {who} who reached {tp} went on to {nxt}{target}."
    if m == "conversion":
        return f"Only {v} of the {n} customers who reached {tp} went on to {nxt}{target}."
    if m == "incident":
        start, end = signal.detail.get("start"), signal.detail.get("end")
        when = (f"Between {fmt.short_date(dt.date.fromisoformat(start))} and {fmt.date(dt.date.fromisoformat(end))}, only"
                if start and end else "During one stretch, only")
        return f"{when} {v} of {n} {_who(signal.detail.get('segment'), signal.detail.get('dimension'))} at {tp} went on to {nxt}{target}."
    if m == "activity_conversion" and signal.detail.get("activities"):
        x, y = signal.detail["activities"]
        return f"Only {v} of the {n} customers at {tp} who reached ‘{x}’ went on to ‘{y}’{target}."
    if m == "complaint_share":
        return f"{_cap(hits)} of {n} customer comments ({v}) complain about {tp}{target}."
    if m == "top2box":
        # "Delivery (1-5)": the scale is said once, in the sentence.
        header = re.sub(r"\s*\(\s*1\s*[-–]\s*\d+\s*\)\s*$", "", signal.detail.get("survey_header") or tp)
        return f"Only {v} of {n} survey answers rate ‘{header}’ 4 or 5 out of 5{target}."
    if m == "promise_breach":
        if delivered_clean:
            return f"{v} of the {n} orders that left in stock and on time still arrived late{target}."
        promise = result.engagement.audit.promise.description
        return f"{v} of {n} orders missed the delivery promise ({promise[:1].lower() + promise[1:]}){target}."
    if m in ORDER_SENTENCES:
        return ORDER_SENTENCES[m].format(v=v, n=n) + f"{target}."
    if m == "repeat":
        days = result.engagement.settings.orders.repeat_window_days
        return f"Only {v} of {n} first-time customers ordered again within {fmt.days(days, 'day')}{target}."
    if m == "checklist":
        flagged = len(signal.detail.get("flagged", ())) or round(signal.value * signal.n)
        return f"{fmt.count(flagged)} of {n} consultation answers about {tp} point to a practice to fix."
    return f"{signal.label}: {v} of {n}{target}."


# -------------------------------------------------------------------------------------------------------- choosing

def _lead(spot: WeakSpot, min_n: int) -> FrictionSignal | None:
    """The signal the card leads with: what customers did (orders, visits) before what they said about it."""
    off = [c.signal for c in spot.contributions if c.signal.severity > 0 and (c.signal.n >= min_n or c.signal.source == "checklist")]
    if not off:
        return spot.main_signal
    lead = next((s for s in off if s.source in BEHAVIOUR), off[0])
    if lead.metric in ("conversion", "incident"):
        # A step's loss that one segment explains is told as that segment's gap: the cause, not the symptom; a drop
        # seen for everyone is told before the same drop seen in one segment.
        gap = next((s for s in off if s.metric == "segment_gap" and s.edge == lead.edge), None)
        everyone = next((s for s in off if s.metric == "incident" and s.edge == lead.edge and not s.detail.get("segment")), None)
        lead = gap or everyone or lead
    return lead


def _said(spot: WeakSpot, lead: FrictionSignal, fmt: Formatter, result: AuditResult) -> str:
    """What customers said or rated, when it is clearly off target too and the lead is about behaviour."""
    if lead.source not in BEHAVIOUR:
        return ""
    for c in spot.contributions:
        s = c.signal
        if s.source in ("feedback", "survey") and s.severity > 0 and s.clear:
            return measure(s, result, fmt, with_target=False)
    return ""


# ---------------------------------------------------------------------------------------------------------- charts

def _drawn_campaign(result: AuditResult, horizon_weeks: int) -> CampaignFigures | None:
    """The decision's campaign, when a weekly chart shades it."""
    d = result.decision
    c = d.campaign
    if c is None:
        return None
    if c.timing is CampaignTiming.PLANNED and (c.start - d.as_of).days > 7 * horizon_weeks:
        return None  # too far ahead to draw without squeezing the data
    return c


def _campaign_span(c: CampaignFigures) -> charts.Span:
    word = {CampaignTiming.PLANNED: "planned", CampaignTiming.RUNNING: "running", CampaignTiming.PAST: "past"}[c.timing]
    return charts.Span(c.start, c.end, f"{c.name} ({word})")


def _weekly(series: trends.WeeklySeries, lead: FrictionSignal, result: AuditResult, fmt: Formatter, what: str
            ) -> tuple[charts.SpotChart | None, str, str]:
    target = lead.target if lead.judged else None
    spans = []
    campaign = _drawn_campaign(result, horizon_weeks=13)
    if lead.metric == "incident" and lead.detail.get("start") and lead.detail.get("end"):
        spans.append(charts.Span(dt.date.fromisoformat(lead.detail["start"]), dt.date.fromisoformat(lead.detail["end"]),
                                 "the drop", charts.INCIDENT, "incident-band"))
    if campaign is not None:
        spans.append(_campaign_span(campaign))
    weeks = []
    for p in series.points:
        failing = target is not None and p.rate is not None and (p.rate < target if series.higher_is_better else p.rate > target)
        weeks.append(charts.WeekInput(p.start, p.rate, series.solid(p), failing))
    label = ("usual " if lead.basis is TargetBasis.BASELINE else "target ") + share(fmt, target) if target is not None else ""
    chart = charts.weekly_chart(charts.WeeklyInput(weeks, target, label, spans, f"{what}, week by week"),
                                lambda v: fmt.percent(v), fmt.short_date)
    notes = ["Each dot is one week" + (f"; red: worse than the {label}" if target is not None else "") + "."]
    if target is not None and (found := series.worst_week()) is not None:
        worst, busy = found
        # The worst week, and whether it was a busy one: what a campaign's extra orders would repeat.
        notes.insert(0, f"Worst week: {fmt.short_date(worst.start)}, {share(fmt, worst.rate)} of {fmt.count(worst.n)} {series.unit}"
                     + (f", with {fmt.number(busy, 1)} times a usual week's {series.unit}." if busy >= 1.3 else "."))
    if any(0 < p.n < series.min_n for p in series.points):
        notes.append(f"Pale dots: weeks with fewer than {fmt.count(series.min_n)} {series.unit}.")
    if campaign is not None:
        notes.append(f"Shaded: the {campaign.name} campaign, {figures.campaign_dates(campaign, fmt)}.")
    return chart, f"{_cap(what)}, week by week", " ".join(notes)


def _segment_chart(rates: trends.SegmentRates, result: AuditResult, fmt: Formatter, step_target: float | None
                   ) -> tuple[charts.SpotChart, str, str]:
    bars = []
    for r in rates.segments:
        tone = "failing" if r.name == rates.flagged else ("muted" if r.n < rates.min_n else
                                                          "passing" if step_target is not None and (r.rate or 0) >= step_target else "other")
        bars.append(charts.BarInput(_cap(r.name), r.rate or 0.0, f"{share(fmt, r.rate)} of {fmt.count(r.n)}", tone))
    what = DIMENSION_LABELS.get(rates.dimension, rates.dimension)
    a, b = _name(result, rates.source), _name(result, rates.target)
    others = f"the other {what}s" if not what.endswith("s") else f"the other {what}"
    chart = charts.bar_chart("segments", bars, lambda v: fmt.percent(v), target=step_target,
                             target_label=f"{others}: {share(fmt, step_target)}" if step_target is not None else "", axis_top=1.0,
                             description=f"Customers at {a} who went on to {b}, by {what}")
    note = "Each bar: the share who went on, of the customers at the step."
    if any(r.n < rates.min_n for r in rates.segments):
        note += f" Pale: fewer than {fmt.count(rates.min_n)} customers."
    return chart, f"Customers at {a} who went on to {b}, by {what}", note


def _item_chart(items: trends.ItemRates, lead: FrictionSignal, fmt: Formatter) -> tuple[charts.SpotChart, str, str]:
    bars = [charts.BarInput(r.name, r.rate or 0.0, f"{share(fmt, r.rate)} of {fmt.count(r.n)} orders", "failing") for r in items.worst]
    if items.rest is not None:
        bars.append(charts.BarInput("All other items", items.rest.rate or 0.0,
                                    f"{share(fmt, items.rest.rate)} of {fmt.count(items.rest.n)} orders", "other"))
    target = lead.target if lead.judged else None
    chart = charts.bar_chart("items", bars, lambda v: fmt.percent(v), target=target,
                             target_label=f"target {share(fmt, target)}" if target is not None else "",
                             description="Share of each item's orders that were backordered")
    note = f"Items with at least {fmt.count(items.min_n)} orders; the worst first."
    return chart, "Orders backordered, by item", note


def _measures_chart(spot: WeakSpot, result: AuditResult, fmt: Formatter) -> tuple[charts.SpotChart | None, str, str]:
    shown = [c.signal for c in spot.contributions if c.signal.judged][:3]
    if not shown:
        return None, "", ""
    bars, sizes = [], []
    for s in shown:
        short = SHORT.get(s.metric, s.label).format(next=_name(result, s.edge[1]) if s.edge else "the next step")
        aim = ("at most " if not s.higher_is_better else "") + share(fmt, s.target)
        bars.append(charts.BarInput(_cap(SOURCE_WORDS.get(s.source, s.source)), s.value, f"{share(fmt, s.value)} {short} (target {aim})",
                                    "failing" if s.severity > 0 else "passing", target=s.target))
        sizes.append(f"{fmt.count(s.n)} {ORDER_UNITS.get(s.metric, UNITS.get(s.source, ''))}".strip())
    chart = charts.bar_chart("measures", bars, lambda v: fmt.percent(v), axis_top=1.0,
                             description=f"What the data measures at {spot.touchpoint.name}")
    return (chart, f"What the data measures at {spot.touchpoint.name}",
            f"The black tick on each bar marks its target. Based on {_join(sizes)}.")


def _chart(spot: WeakSpot, lead: FrictionSignal | None, result: AuditResult, fmt: Formatter
           ) -> tuple[charts.SpotChart | None, str, str, object]:
    """The one chart that shows the cause, chosen by the kind of evidence; and the series it drew (for the words)."""
    settings = result.engagement.settings
    min_n = settings.scoring.min_evidence_n
    signals = result.signals
    if (lead is not None and lead.metric == "segment_gap" and lead.edge and lead.detail.get("dimension")
            and lead.detail.get("segment")):
        rates = trends.segment_rates(signals.funnel, lead.detail["dimension"], lead.detail["segment"], *lead.edge,
                                     settings.targets.segment_min_cases)
        if rates is not None:
            # The line is what the failing segment is judged against (the other segments at the step), the same target
            # the card's sentence, the journey map and the KPI table give; not the step's own overall target.
            return (*_segment_chart(rates, result, fmt, lead.target), rates)
    if lead is not None and lead.metric == "stockout":
        items = trends.item_rates(signals.order_facts, "stockout", min_n, lead.target)
        if items is not None:
            return (*_item_chart(items, lead, fmt), items)
    if lead is not None and lead.metric in trends.ORDER_METRICS:
        series = trends.order_series(signals.order_facts, lead.metric, min_n, settings.orders.return_window_days)
        if series is not None and len(series.solid_points) >= 4:
            what = {"promise_breach": "orders that missed the promise", "late_dispatch": "in-stock orders dispatched late",
                    "stockout": "orders backordered", "returns": "delivered orders returned", "cancellation": "orders cancelled",
                    "repeat": "first-time customers who ordered again"}[lead.metric]
            if lead.metric == "promise_breach" and _delivered_clean(lead, result):
                what = "orders in stock and dispatched on time that arrived late"
            return (*_weekly(series, lead, result, fmt, what), series)
    if lead is not None and lead.metric in trends.STEP_METRICS and lead.edge:
        series = trends.step_series(signals.funnel, *lead.edge, min_n, settings.process.follow_up_quantile)
        if series is not None and len(series.solid_points) >= 4:
            what = f"customers at {_name(result, lead.edge[0])} who went on to {_name(result, lead.edge[1])}"
            return (*_weekly(series, lead, result, fmt, what), series)
    return (*_measures_chart(spot, result, fmt), None)


def _delivered_clean(signal: FrictionSignal, result: AuditResult) -> bool:
    facts = result.signals.order_facts
    return signal.metric == "promise_breach" and facts is not None and trends.delivery_on_clean_orders(facts)


# ----------------------------------------------------------------------------------------------------------- cause

def _cause(spot: WeakSpot, lead: FrictionSignal | None, drawn, result: AuditResult, fmt: Formatter) -> tuple[str, str]:
    """(the root cause in one sentence, what it does to customers)."""
    if lead is None:
        return f"No data describes {spot.touchpoint.name} well enough to say why.", ""
    said = _said(spot, lead, fmt, result)
    if isinstance(drawn, trends.SegmentRates):
        return _segment_cause(drawn, result, fmt), said
    if lead.metric == "stockout":
        return _stock_cause(lead, drawn if isinstance(drawn, trends.ItemRates) else None, result, fmt), \
            " ".join(x for x in (_stock_effect(result, fmt), said) if x)
    if lead.metric == "promise_breach":
        clean = _delivered_clean(lead, result)
        cause = measure(lead, result, fmt, delivered_clean=clean)
        if clean:
            cause = "Deliveries themselves run late: " + cause[0].lower() + cause[1:]
        return cause, " ".join(x for x in (_late_split(result, fmt), said) if x)
    if lead.metric == "incident" and lead.detail.get("segment"):
        # The same drop in other segments over the same weeks: it was not one segment's alone.
        also = [_who(s.detail.get("segment"), s.detail.get("dimension")) for s in (c.signal for c in spot.contributions)
                if s.metric == "incident" and s.edge == lead.edge and s is not lead and s.severity > 0 and s.detail.get("segment")]
        if also:
            said = " ".join(x for x in (f"{_cap(_join(sorted(set(also))))} dropped over the same weeks.", said) if x)
    return measure(lead, result, fmt), said


def _segment_cause(rates: trends.SegmentRates, result: AuditResult, fmt: Formatter) -> str:
    seg, rest = rates.flagged_rate, rates.rest
    others = [r for r in rates.segments if r.name != rates.flagged]
    who = _cap(_who(seg.name, rates.dimension))
    if len(others) == 1:
        where = {"channel": f"from {others[0].name}", "segment": f"on {others[0].name}"}.get(rates.dimension, f"among {others[0].name} customers")
    else:
        where = {"channel": "from other channels", "segment": "on other devices"}.get(rates.dimension, "among the others")
    a, b = _name(result, rates.source), _name(result, rates.target)
    return (f"{who} give up at {a}: only {share(fmt, seg.rate)} of {fmt.count(seg.n)} go on to {b}, "
            f"against {share(fmt, rest.rate)} of {fmt.count(rest.n)} {where}.")


def _stock_cause(lead: FrictionSignal, items: trends.ItemRates | None, result: AuditResult, fmt: Formatter) -> str:
    # Name the one or two items far worse than the business as a whole: they are what to restock.
    worst, overall = (items.worst[:2], items.overall.rate or 0) if items is not None else ((), 0.0)
    named = [r for r in worst if (r.rate or 0) >= 2 * overall]
    if not named:
        return measure(lead, result, fmt)
    one = len(named) == 1
    return (f"{_join([r.name for r in named])} {'keeps' if one else 'keep'} running out: "
            f"{_join([share(fmt, r.rate) for r in named])} of {'its' if one else 'their'} orders were backordered"
            f"{_target(lead, fmt)} ({share(fmt, lead.value)} of all {fmt.count(lead.n)} orders).")


def _stock_effect(result: AuditResult, fmt: Formatter) -> str:
    effects = trends.stock_effects(result.signals.order_facts)
    min_n = result.engagement.settings.orders.min_effect_group
    if effects is None:
        return ""
    parts = []
    late_b, late_s = effects.late_backordered, effects.late_in_stock
    if late_b is not None and late_s is not None and min(late_b.n, late_s.n) >= min_n and _above(late_b, late_s):
        head = "Every backordered order" if late_b.hits == late_b.n else f"{share(fmt, late_b.rate)} of backordered orders"
        parts.append(f"{head} missed the delivery promise, against {share(fmt, late_s.rate)} of orders in stock")
    cb, cs = effects.cancelled_backordered, effects.cancelled_in_stock
    if cb is not None and cs is not None and min(cb.n, cs.n) >= min_n and _above(cb, cs):
        clause = f"{share(fmt, cb.rate)} of backordered orders were cancelled, against {share(fmt, cs.rate)}"
        parts.append(clause if not parts else f"and {clause.replace(' of backordered orders', '')}")
    return (_cap(", ".join(parts)) + ".") if parts else ""


def _above(a: trends.Rate, b: trends.Rate) -> bool:
    """`a`'s rate is above `b`'s; a group without orders has no rate and is above nothing."""
    return a.rate is not None and b.rate is not None and a.rate > b.rate


def _late_split(result: AuditResult, fmt: Formatter) -> str:
    facts = result.signals.order_facts
    if facts is None:
        return ""
    causes = late_causes(facts)
    if causes is None or not causes.assessed:
        return ""
    points = causes.points
    words = {"backorder": "because of a backorder", "dispatch": "because they left late", "after_dispatch": "on the way"}
    parts = [f"{fmt.percent(points[c], 1)} {words[c]}" for c in ("backorder", "dispatch", "after_dispatch")
             if (c in causes.known_causes or c == "after_dispatch") and points[c] > 0]
    if not parts:
        return ""
    parts[0] = parts[0].replace(" because", " of orders because", 1) if "because" in parts[0] else parts[0] + " of orders"
    since = facts["ordered_at"].min()
    when = f" since {fmt.date(since.date())}" if not pd.isna(since) else ""
    return (f"Counting every order{when}, {share(fmt, causes.late_share)} of {fmt.count(causes.assessed)} missed the promise: "
            f"{_join(parts)}.")


# ---------------------------------------------------------------------------------------------------------- quotes

def _quotes(spot: WeakSpot) -> tuple[str, ...]:
    out: list[str] = []
    for c in spot.contributions:
        for e in c.signal.evidence:
            if e.kind != "quote":
                continue
            text = " ".join(redact(e.text).split())
            if text.endswith("...") or text.endswith("…"):
                text = text.rstrip(".…").rstrip() + "…"
            if len(text) > QUOTE_CHARS:
                text = text[:QUOTE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
            if text and text not in out:
                out.append(text)
    return tuple(out[:QUOTES_PER_CARD])


# ------------------------------------------------------------------------------------------------------- the views

def _facts(spot: WeakSpot, result: AuditResult, fmt: Formatter) -> tuple[Fact, ...]:
    facts = [Fact("money-now", figures.spot_money(spot, fmt), "a month at stake now" if spot.money.measured else
                  "money at stake: the data cannot price it")]
    # Beside the money now only when page one shows money during the campaign too (a campaign not yet over): the
    # decision prices the campaign only when it has one (decision.outcome.make_decision).
    d = result.decision
    c = d.campaign
    if d.money_at_stake_during_campaign_per_month is not None and c is not None and spot.money.measured \
            and spot.money.campaign_revenue_per_month is not None:
        facts.append(Fact("money-campaign", figures.spot_campaign_money(spot, fmt), f"a month during the {c.name}"))
    facts.append(Fact("score", figures.spot_score(spot, fmt), "score out of 100"))
    facts.append(Fact("confidence", _cap(spot.confidence), "confidence"))
    if spot.touchpoint.owner:
        facts.append(Fact("owner", spot.touchpoint.owner, "owner"))
    return tuple(facts)


def card(spot: WeakSpot, result: AuditResult, fmt: Formatter) -> SpotCard:
    settings = result.engagement.settings
    lead = _lead(spot, settings.scoring.min_evidence_n)
    chart, title, note, drawn = _chart(spot, lead, result, fmt)
    cause, effect = _cause(spot, lead, drawn, result, fmt)
    return SpotCard(spot.touchpoint.id, f"#{spot.rank}", spot.touchpoint.name, spot.touchpoint.stage, blocks(spot, settings),
                    cause, effect, _facts(spot, result, fmt), chart, title, note, _quotes(spot))


def _healthy_row(spot: WeakSpot, result: AuditResult, fmt: Formatter) -> HealthyRow:
    s = figures.key_signal(spot)
    short = SHORT.get(s.metric, "").format(next=_name(result, s.edge[1]) if s.edge else "the next step")
    target = (("at most " if not s.higher_is_better else "at least ") + share(fmt, s.target)) if s.judged else "none set"
    unit = ORDER_UNITS.get(s.metric, UNITS.get(s.source, ""))
    based_on = f"{fmt.count(s.n)} {unit}".strip()
    if s.judged and s.shortfall > 0 and s.n < result.engagement.settings.scoring.min_evidence_n:
        based_on += ": too few to judge"  # off target on a handful: not a weak spot, not a clean bill either
    return HealthyRow(spot.touchpoint.name, _cap(spot.touchpoint.stage), f"{share(fmt, s.value)} {short}".strip(), target, based_on)


def build(result: AuditResult, fmt: Formatter) -> WeakSpotsView:
    ranking = result.ranking
    spots = ranking.weak_spots
    cards = tuple(card(w, result, fmt) for w in spots)
    healthy = tuple(_healthy_row(w, result, fmt) for w in ranking.healthy)
    missing = [w.touchpoint.name for w in ranking.without_data]
    without = (f"{_join(missing)}: no data describes {'it' if len(missing) == 1 else 'them'} yet; collect some before judging."
               if missing else "")
    floor = fmt.count(result.engagement.settings.scoring.weak_spot_min_score)
    none_found = "" if spots else f"No touchpoint scores {floor} or more out of 100: the data shows no weak spot."
    healthy_none = "" if healthy else ("Every touchpoint with data is a weak spot." if spots
                                       else "No touchpoint has enough data to judge yet.")
    return WeakSpotsView(cards, healthy, without, none_found, tuple(spot_evidence(w, fmt) for w in spots), healthy_none)
