"""The verdict in words: its one-sentence summary (page one's decision), the reasons behind it, and the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..decision import CampaignAdvice, CampaignTiming, CapacityBasis, Decision, Verdict
from . import figures
from .numbers import Formatter

if TYPE_CHECKING:
    from ..capacity import CampaignProjection
    from ..decision import AuditResult


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def campaign_name(decision: Decision, fmt: Formatter) -> str:
    c = decision.campaign
    return "" if c is None else f"the {c.name} campaign ({figures.campaign_dates(c, fmt)})"


def verdict_summary(result: AuditResult, fmt: Formatter) -> str:
    """What to do with the planned campaign, in one sentence: page one's decision, and `verdict.summary` in the JSON."""
    d = result.decision
    c = d.campaign
    names = [w.touchpoint.name for w in result.verdict.blocking]
    fix = join_names(names) if names else "delivery capacity"
    fixed = f"{fix} {'are' if len(names) > 1 else 'is'} fixed"
    room = figures.headroom(d.headroom, fmt)
    share = figures.headroom_share(d.headroom, d, fmt)
    sized = f"{room} ({share})" if share else room
    if d.advice is CampaignAdvice.POSTPONE:
        if c is None or c.timing is CampaignTiming.PAST:
            return f"Do not start a campaign until {fixed}."
        if c.timing is CampaignTiming.RUNNING:
            return f"Pause the {c.name} campaign (running since {fmt.date(c.start)}) until {fixed}."
        if c.dates_passed:
            return f"Do not run a campaign like the {c.name} ({figures.campaign_size(c, fmt)}) until {fixed}."
        return f"Postpone {campaign_name(d, fmt)} until {fixed}."
    if d.advice is CampaignAdvice.CAP:
        assert c is not None, "CAP is advised only for a planned or running campaign (decision.outcome._advice)"
        if not figures.has_room(d.headroom):
            return f"Hold the {c.name} campaign back: operations have no room for extra orders yet."
        if c.timing is CampaignTiming.RUNNING:
            return f"Scale the running {c.name} campaign down to {sized}."
        if c.dates_passed:
            return f"Keep the next campaign to {sized}: the {c.name} as planned would be too big."
        return f"Run {campaign_name(d, fmt)} smaller: keep it to {sized}."
    if d.advice is CampaignAdvice.GO:
        assert c is not None, "GO is advised only for a planned or running campaign (decision.outcome._advice)"
        if c.timing is CampaignTiming.RUNNING:
            return f"Keep the {c.name} campaign running: operations carry it."
        if c.dates_passed:
            return f"A campaign like the {c.name} ({figures.campaign_size(c, fmt)}) fits what operations carry."
        return f"Go ahead with {campaign_name(d, fmt)}: operations can carry it."
    if d.advice is CampaignAdvice.WITHIN_HEADROOM:
        keep = f"keep any campaign to {sized}" if figures.has_room(d.headroom) else "operations have no room for extra orders yet"
        if c is None or c.timing is CampaignTiming.PAST:
            return f"No campaign is planned: {keep}."
        return f"The {c.name} campaign gives no expected uplift to test: {keep}."
    return "Do not decide on marketing yet: the data cannot show whether operations keep the promise."


def verdict_rule(settings: Settings, fmt: Formatter | None = None) -> str:
    """How the verdict is reached, generated from the settings it evaluates."""
    fmt = fmt or Formatter()
    v = settings.verdict
    target = fmt.percent(settings.metrics.promise_breach.target)
    weeks = settings.simulation.backtest_weeks
    level = fmt.percent(settings.scoring.ci_level)
    return (f"FIX FIRST when any weak spot scores {fmt.count(v.block_score)} or more with at least {v.block_confidence} "
            f"confidence on what still fails at the end of the data (an incident that is over does not count toward it), "
            f"or when operations already miss the promise: judged on observed orders, more than {target} of the last "
            f"{weeks} weeks' in-stock orders whose promised date has passed were late, clearly so (the whole "
            f"{level} interval above {target}; without such orders, when no daily volume on record "
            f"kept late orders within {target}). "
            f"Otherwise NOT ENOUGH DATA when fewer than {fmt.count(v.min_orders_for_ready)} in-stock orders show a delivery "
            f"outcome; MARKET WITH LIMITS when the planned campaign's projected late share exceeds {target} (market up to the "
            f"headroom: the largest extra demand that keeps late orders within target), or when no campaign with an expected "
            f"uplift is planned (stay within the headroom); READY TO MARKET when the planned campaign's projected late "
            f"share stays within {target}. The projection is the day-by-day simulation only when it reproduces the last "
            f"{weeks} weeks of real orders within tolerance (its backtest); otherwise the order history's daily volume bands "
            f"decide.")


def backtest_sentence(sim: CampaignProjection, fmt: Formatter) -> str:
    """What replaying the last weeks of real orders through the model showed, and what follows from it."""
    test = sim.backtest
    if test is None:  # no delivery outcomes to replay: nothing to say
        return ""
    weeks = round((test.last - test.first).days / 7)
    if test.status == "not_possible":
        why = (f"only {fmt.count(test.orders)} settled in-stock orders fall in the last {weeks} weeks"
               if test.reason == "too_few_orders" else f"there is too little dispatch history before the last {weeks} weeks to fit it")
        return (f"The day-by-day model could not be backtested ({why}), so it is not trusted to forecast: the verdict rests "
                "on observed orders and the order history.")
    figures_ = (f"{fmt.percent(test.projected_late, 1)} of orders late projected against {fmt.percent(test.observed_late, 1)} "
                f"observed (n={fmt.count(test.orders)}; allowed gap {fmt.percent(test.late_tolerance, 1)}), lead time p50/p85 "
                f"{fmt.count(test.projected_p50)}/{fmt.count(test.projected_p85)} against "
                f"{fmt.count(test.observed_p50)}/{fmt.count(test.observed_p85)} working days")
    if test.passed:
        return f"Backtest: fitted on the history before them, the model reproduced the last {weeks} weeks of real orders: {figures_}."
    return (f"Backtest: the model could not reproduce the last {weeks} weeks of real orders ({figures_}), so its projection "
            "is shown but the verdict rests on observed orders and the order history.")


def headroom_sentence(result: AuditResult, d: Decision, fmt: Formatter) -> str:
    """The decision's headroom (`d`, the result's decision) with what limits it."""
    room = d.headroom
    if room is None:
        return ""
    target = fmt.percent(result.engagement.settings.metrics.promise_breach.target)
    if room.status == "over_target":
        where = f"; {room.breaks_first} is where orders wait" if room.breaks_first else ""
        return f"No headroom: at today's volume late orders already exceed {target}{where}."
    if room.status == "unknown":
        return f"No headroom known: no daily volume on record kept late orders within {target}."
    if not figures.has_room(room):
        return f"No headroom: at today's volume late orders already exceed {target}."
    share = figures.headroom_share(room, d, fmt)
    beyond = ""
    if room.lower_bound:
        beyond = "; the team never showed its limit, so it may carry more"
    elif room.breaks_first:
        beyond = f"; beyond that {room.breaks_first} falls behind"
    return f"Headroom: {figures.headroom(room, fmt)}" + (f" ({share})" if share else "") + f" keep late orders within {target}{beyond}."


def verdict_reasons(result: AuditResult, fmt: Formatter) -> list[str]:
    """Why the verdict is what it is, one sentence each: blocking weak spots, capacity, then the headroom."""
    verdict: Verdict = result.verdict
    outlook, settings = result.outlook, result.engagement.settings
    target = fmt.percent(settings.metrics.promise_breach.target)
    reasons = [f"{w.touchpoint.name} scores {fmt.count(w.score)} ({w.confidence} confidence): {w.headline}" for w in verdict.blocking]
    # The verdict judges on recent orders only when the outlook has them (decision.verdict._already_missing).
    recent = outlook.recent if outlook is not None else None
    if verdict.already_missing and verdict.capacity_basis is CapacityBasis.RECENT_ORDERS and recent is not None:
        r = recent
        reasons.append(f"Operations already miss the promise: {fmt.percent(r.late_share, 1)} of the {fmt.count(r.orders)} in-stock "
                       f"orders due between {fmt.short_date(r.first.date())} and {fmt.date(r.last.date())} were late "
                       f"({fmt.percent(settings.scoring.ci_level)} interval {fmt.percent(r.ci_low, 1)}–{fmt.percent(r.ci_high, 1)}), "
                       f"above the {target} target.")
    elif verdict.already_missing:
        reasons.append(f"No daily volume on record kept late orders within {target}.")
    if outlook is not None:
        d = result.decision
        sim = outlook.simulation
        if sim is not None and sim.backtest is not None:
            reasons.append(backtest_sentence(sim, fmt))
        c = d.campaign
        trusted = sim if sim is not None and sim.reproduces_history else None  # the projection, when it speaks
        if c is None and outlook.uplift is not None and trusted is not None and trusted.campaign_breach_share is not None:
            # An uplift given on the command line without a planned campaign: the projection still speaks for it.
            reasons.append(f"With {fmt.signed_percent(outlook.uplift)} demand the projection misses the "
                           f"{fmt.days(trusted.promise_days)} promise for {figures.late_share(trusted.campaign_breach_share, fmt)} of the "
                           f"orders of the projected weeks (target {target}).")
        if c is not None and c.late_share is not None and c.timing is not CampaignTiming.PAST and c.uplift:
            # A trusted projection's campaign late share is its campaign scenario's (decision.outcome._campaign).
            if trusted is not None and trusted.campaign is not None:
                whose = "the campaign's orders" if trusted.measured_days == "campaign days" else "the orders of the projected weeks"
                reasons.append(f"Under {c.name} ({figures.campaign_size(c, fmt)}, {trusted.demand.uplift_source}) the projection "
                               f"misses the {fmt.days(trusted.promise_days)} promise for {figures.campaign_late(c, fmt)} of {whose} "
                               f"(target {target}; their p85 lead time "
                               f"{fmt.days(trusted.campaign.lead_time_campaign_days.p85)}).")
            elif outlook.campaign_daily_orders is not None:
                reasons.append(f"The planned campaign '{c.name}' means about {fmt.count(outlook.campaign_daily_orders)} orders a "
                               f"day against a usual {fmt.count(outlook.baseline_daily_orders)}; {outlook.projection_basis}.")
        if verdict.status != "NOT ENOUGH DATA":
            reasons.append(headroom_sentence(result, d, fmt))
    if verdict.status == "NOT ENOUGH DATA":
        have = (f"Only {fmt.count(verdict.assessed_orders)} in-stock orders show" if verdict.assessed_orders
                else "No in-stock order shows")
        reasons.append(f"{have} a delivery outcome; at least {fmt.count(verdict.min_orders)} are needed to judge the promise "
                       "and capacity.")
    elif not verdict.campaign_planned and not verdict.blocking and not verdict.already_missing:
        reasons.append("No planned campaign with an expected uplift was found, so no campaign could be projected.")
    return [r for r in reasons if r]


def verdict_payload(result: AuditResult, fmt: Formatter) -> dict:
    """`verdict` in `score --json` and `capacity --json`: the status, its words, and the facts behind it."""
    v = result.verdict
    return {"status": v.status, "summary": verdict_summary(result, fmt), "rule": verdict_rule(result.engagement.settings, fmt),
            "blocking": [w.touchpoint.id for w in v.blocking], "reasons": verdict_reasons(result, fmt),
            "capacity_basis": v.capacity_basis.value, "already_missing": v.already_missing}
