"""The fix-first verdict: may this business market now, within limits, or must it fix first?"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..capacity import CapacityOutlook
from ..settings import Settings
from .weak_spots import Ranking, WeakSpot, blocks

FIX_FIRST = "FIX FIRST"
MARKET_WITH_LIMITS = "MARKET WITH LIMITS"
READY = "READY TO MARKET"
NOT_ENOUGH_DATA = "NOT ENOUGH DATA"


@dataclass
class Verdict:
    status: str
    summary: str
    rule: str
    blocking: list[WeakSpot] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.status.lower().replace(" ", "-")

    def to_dict(self) -> dict:
        return {"status": self.status, "summary": self.summary, "rule": self.rule,
                "blocking": [w.touchpoint.id for w in self.blocking], "reasons": self.reasons}


def verdict_rule(settings: Settings) -> str:
    v = settings.verdict
    target = settings.metrics.promise_breach.target
    weeks = settings.simulation.backtest_weeks
    return (f"FIX FIRST when any weak spot scores {v.block_score:.0f} or more with at least {v.block_confidence} confidence on what "
            f"still fails at the end of the data (an incident that is over does not count toward it), "
            f"or when operations already miss the promise: judged on observed orders, more than {target:.0%} of the last "
            f"{weeks} weeks' in-stock orders whose promised date has passed were late, clearly so (the whole "
            f"{settings.scoring.ci_level:.0%} interval above {target:.0%}; without such orders, when no daily volume on record "
            f"kept breaches within {target:.0%}). "
            f"Otherwise NOT ENOUGH DATA when fewer than {v.min_orders_for_ready} in-stock orders show a delivery outcome; "
            f"MARKET WITH LIMITS when the planned campaign's projected breach share exceeds {target:.0%} (market up to the "
            f"headroom: the largest extra demand that keeps breaches within target), or when no campaign with an expected "
            f"uplift is planned (stay within the headroom); READY TO MARKET when the planned campaign's projected breach "
            f"share stays within {target:.0%}. The projection is the day-by-day simulation only when it reproduces the last "
            f"{weeks} weeks of real orders within tolerance (its backtest); otherwise the order history's daily volume bands "
            f"decide.")


def capacity_reasons(outlook: CapacityOutlook | None) -> list[str]:
    """The projected breach rate under the planned campaign, the headroom and the model's backtest, in plain words."""
    if outlook is None:
        return []
    sim = outlook.simulation
    reasons = []
    if sim is not None and sim.backtest is not None:
        reasons.append(backtest_sentence(sim))
    if sim is None or not sim.reproduces_history:
        if outlook.campaign_daily_orders is None:
            return reasons
        what = f"The planned campaign '{outlook.campaign.name}'" if outlook.campaign is not None else "The extra demand"
        return reasons + [f"{what} means about {outlook.campaign_daily_orders:.0f} orders a day "
                          f"against a usual {outlook.baseline_daily_orders:.0f}; {outlook.projection_basis}."]
    if sim.campaign is not None and sim.campaign_breach_share is not None:
        name = sim.demand.campaign.name if sim.demand.campaign else "the extra demand"
        whose = "the campaign's orders" if sim.measured_days == "campaign days" else "the orders of the projected weeks"
        reasons.append(f"Under {name} ({sim.demand.uplift:+.0%} demand, {sim.demand.uplift_source}) the projection misses the "
                       f"{sim.promise_days}-working-day promise for {sim.campaign_breach_share:.0%} of {whose} "
                       f"(target {sim.breach_target:.0%}; their p85 lead time {sim.campaign.lead_time_campaign_days.p85:.0f} working days).")
    reasons.append(headroom_sentence(sim))
    return reasons


def backtest_sentence(sim) -> str:
    """What replaying the last weeks of real orders through the model showed, and what follows from it."""
    test = sim.backtest
    weeks = round((test.last - test.first).days / 7)
    if test.status == "not_possible":
        why = (f"only {test.orders} settled in-stock orders fall in the last {weeks} weeks" if test.reason == "too_few_orders"
               else f"there is too little dispatch history before the last {weeks} weeks to fit it")
        return (f"The day-by-day model could not be backtested ({why}), so it is not trusted to forecast: the verdict rests "
                "on observed orders and the order history.")
    figures = (f"{test.projected_late:.1%} of orders late projected against {test.observed_late:.1%} observed (n={test.orders:,}; "
               f"allowed gap {test.late_tolerance:.1%}), lead time p50/p85 {test.projected_p50:.0f}/{test.projected_p85:.0f} "
               f"against {test.observed_p50:.0f}/{test.observed_p85:.0f} working days")
    if test.passed:
        return (f"Backtest: fitted on the history before them, the model reproduced the last {weeks} weeks of real orders: "
                f"{figures}.")
    return (f"Backtest: the model could not reproduce the last {weeks} weeks of real orders ({figures}), so its projection "
            "is shown but the verdict rests on observed orders and the order history.")


def headroom_sentence(sim) -> str:
    if not sim.reproduces_history:
        return ("No headroom from the projection: the day-by-day model did not reproduce recent orders, so the order "
                "history's volume bands set the limit.")
    room = sim.headroom
    if room.status == "over_target":
        return (f"No headroom: at today's volume the projection already misses the promise for {room.breach_share:.0%} of "
                f"orders; {room.breaks_first} is where orders wait.")
    if room.status == "beyond_search":
        return f"Headroom: more than +{room.uplift:.0%} extra demand stays within the promise target."
    at_least = "at least " if any(s.lower_bound for s in sim.steps) else ""
    when = "on the campaign's dates" if sim.measured_days == "campaign days" else "over the projected weeks"
    # With a lower-bound capacity the limit found is the model's, not the team's: do not say where it breaks.
    beyond = (f"; the team never showed its limit, so {room.breaks_first} may carry more" if at_least
              else f"; beyond that {room.breaks_first} falls behind")
    return (f"Headroom: {at_least}about {room.extra_orders_per_week:.0f} extra orders a week {when} (+{room.uplift:.0%} on a usual "
            f"{room.baseline_orders_per_week:.0f}) keep breaches within {room.breach_target:.0%}{beyond}.")


def _already_missing(outlook: CapacityOutlook, settings: Settings) -> tuple[bool, str | None]:
    """Operations already miss the promise, judged on observed orders: the recent in-stock orders, else the volume bands."""
    target = outlook.breach_target
    recent = outlook.recent
    if recent is not None:
        if not recent.misses_promise(target):
            return False, None
        return True, (f"Operations already miss the promise: {recent.late_share:.1%} of the {recent.orders:,} in-stock orders due "
                      f"between {recent.first:%d %b} and {recent.last:%d %b %Y} were late ({settings.scoring.ci_level:.0%} interval "
                      f"{recent.ci_low:.1%}-{recent.ci_high:.1%}), above the {target:.0%} target.")
    if outlook.safe_daily_orders is None:
        return True, f"No daily volume on record kept promise breaches within {target:.0%}."
    return False, None


def decide(ranking: Ranking, outlook: CapacityOutlook | None, settings: Settings) -> Verdict:
    rules = settings.verdict
    blocking = [w for w in ranking.weak_spots if blocks(w, settings)]
    reasons = [f"{w.touchpoint.name} scores {w.score:.0f} ({w.confidence} confidence): {w.headline}" for w in blocking]
    rule = verdict_rule(settings)
    enough = outlook is not None and outlook.assessed_orders >= rules.min_orders_for_ready and bool(outlook.bands)
    over_capacity = False
    if enough:
        over_capacity, why = _already_missing(outlook, settings)
        if why:
            reasons.append(why)
    reasons += capacity_reasons(outlook)
    if blocking or over_capacity:
        names = ", ".join(w.touchpoint.name for w in blocking) or "delivery capacity"
        summary = f"Fix {names} before spending on marketing: a campaign would send more customers into these weak spots."
        return Verdict(FIX_FIRST, summary, rule, blocking, reasons)
    if not enough:
        have = 0 if outlook is None else outlook.assessed_orders
        reasons.append(f"Only {have} in-stock orders show a delivery outcome; at least {rules.min_orders_for_ready} are needed "
                       "to judge the promise and capacity.")
        summary = "Not enough data to clear this business for marketing: provide order history with delivery dates."
        return Verdict(NOT_ENOUGH_DATA, summary, rule, [], reasons)
    sim = outlook.simulation
    if sim is not None and sim.reproduces_history:
        return _from_projection(sim, rule, reasons)
    return _from_history(outlook, rule, reasons)


def _from_projection(sim, rule: str, reasons: list[str]) -> Verdict:
    """The verdict when the day-by-day model reproduced recent history: its campaign projection and headroom."""
    room = sim.headroom
    if room.status == "over_target":
        limit = "no extra demand: today's volume already uses what they have"
    elif room.status == "found":
        limit = f"about {room.extra_orders_per_week:.0f} extra orders a week (+{room.uplift:.0%})"
    else:
        limit = f"more than +{room.uplift:.0%} extra demand"
    if sim.campaign is None:
        reasons.append("No planned campaign with an expected uplift was found, so no campaign could be projected.")
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: operations can carry {limit}; keep any campaign within that.",
                       rule, [], reasons)
    if sim.campaign_breaks_promise:
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: operations can carry {limit}; size the campaign to stay below that.",
                       rule, [], reasons)
    summary = "Ready to market: no weak spot blocks, and the planned campaign stays within what operations can carry."
    return Verdict(READY, summary, rule, [], reasons)


def _from_history(outlook: CapacityOutlook, rule: str, reasons: list[str]) -> Verdict:
    """The verdict from the order history's daily volume bands (no projection, or one that did not reproduce history)."""
    safe, headroom = outlook.safe_daily_orders, outlook.headroom
    if safe is None:
        proven = f"no daily volume on record kept promise breaches within {outlook.breach_target:.0%}"
    else:
        proven = f"operations kept the promise up to about {safe:.0f} orders a day ({headroom:.0%} above the usual volume)"
    if outlook.campaign_daily_orders is None:
        reasons.append("No planned campaign with an expected uplift was found, so no campaign volume could be tested.")
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: {proven}; keep any campaign within that.", rule, [], reasons)
    if outlook.campaign_breaks_promise:
        return Verdict(MARKET_WITH_LIMITS, f"Market with limits: {proven}; size the campaign to stay below that.", rule, [], reasons)
    reasons.append(f"No weak spot reaches the blocking score with enough confidence, and {proven}.")
    summary = "Ready to market: no weak spot blocks, and the planned campaign stays within the volume operations have proven they carry."
    return Verdict(READY, summary, rule, [], reasons)
