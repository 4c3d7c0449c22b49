"""The methodology's long explanations (signals, scoring, drivers, process map, fix plan), with this engagement's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult


def _points(share: float, fmt: Formatter) -> str:
    return f"{fmt.number(share * 100)} points"


def _target(rule, fmt: Formatter, at_least: bool = False) -> str:
    if rule.target is None:
        return "set per step"
    return f"{'at least' if at_least else 'at most'} {fmt.percent(rule.target)}"


def signal_rows(result: AuditResult, fmt: Formatter) -> list[tuple[str, str, str]]:
    """(signal, how it is computed, default target) for every kind of signal."""
    s = result.engagement.settings
    m = s.metrics
    promise = result.engagement.audit.promise
    calendar = result.signals.context.calendar if result.signals.context is not None else None
    closed = len(calendar.holidays) if calendar is not None else 0
    cutoff = f", orders after {promise.cutoff:%H:%M} counting from the next working day" if promise.cutoff else ""
    days = ", ".join(d.capitalize() for d in promise.working_days)
    closed_text = f", {fmt.count(closed)} closed days and public holidays left out" if closed else ""
    if s.orders.dispatch_target_business_days is not None:
        dispatch = f"shipped more than {fmt.days(s.orders.dispatch_target_business_days)} after payment"
    else:
        dispatch = (f"shipped more than {fmt.days(s.capacity.normal_lag_days)} after their promise clock started (the "
                    "normal processing time), or with fewer working days left before their promised date than the delivery "
                    "leg usually takes (the median from dispatch to doorstep in this export)")
    repeat = _target(m.repeat, fmt, at_least=True) if m.repeat.target is not None else "measured only"
    conversion = fmt.percent(m.conversion.target) if m.conversion.target is not None else "per step"
    t = s.targets
    f = s.feedback
    return [
        ("Promise breach", f"Orders delivered after their promised date (the export's own date when present, else the rule "
         f"“{promise.description}”: {fmt.days(promise.business_days)}{cutoff}; working days {days}{closed_text}), plus "
         "undelivered orders whose promised date has passed, among all orders not cancelled that can be judged.",
         _target(m.promise_breach, fmt)),
        ("Late dispatch", f"In-stock orders {dispatch}. Backordered orders are left out: they wait for stock, not for the "
         "packing bench.", _target(m.late_dispatch, fmt)),
        ("Stock-out", "Orders not cancelled that were flagged as backordered or out of stock.", _target(m.stockout, fmt)),
        ("Returns", f"Orders delivered on time and flagged as returned, among those whose return window "
         f"({fmt.days(s.orders.return_window_days, 'day')}) has passed.", _target(m.returns, fmt)),
        ("Repeat purchase", f"Customers who ordered again within {fmt.days(s.orders.repeat_window_days, 'day')} of their first "
         "order, among those whose first order leaves a full window before the data ends. Judged only against a target the "
         "client sets: within one export frequent buyers show up first, so its own history would mislead.", repeat),
        ("Cancellations", "In-stock orders cancelled (by status, or with a cancellation reason), with the reasons given; each "
         "cancelled order above the target is a lost purchase. Backordered orders that were cancelled count in what the "
         "stock-out cost.", _target(m.cancellation, fmt)),
        ("Consultation answers", "Weighted share of the consultation checklist answers about the touchpoint that raised a "
         f"flag, pulled toward the target by {fmt.count(s.checklists.prior_answers)} imagined answers; answers alone never "
         "reach more than low confidence.", _target(m.checklist, fmt)),
        ("Survey rated 4–5", "Share of respondents rating the touchpoint 4 or 5 on a 1–5 scale; blanks are “did not use”.",
         _target(m.top2box, fmt, at_least=True)),
        ("Step conversion", "Share of customers who reach a step and go on to the next one, from the event log. Target: the "
         "transition's in the journey file, else one set in the engagement's settings, else the sourced benchmark for the two "
         f"steps' kinds and the business type, else the step's own earlier level (the last {fmt.days(t.baseline_recent_days, 'day')} "
         "against every earlier customer, compared within device × channel × visitor type, counted only when clear and held "
         "in every part of the recent period). A step within its chosen target is also read against its own history; that "
         f"reading counts when the recent level is at least {fmt.percent(t.baseline_min_relative_drop)} lower.", conversion),
        ("Conversion inside a step", "The same between consecutive activities of one touchpoint (payment submitted, then "
         "order placed), when most customers reaching the second reached the first.", "per step"),
        ("Segment gap", "One device or channel converting far below the rest of the same step, compared within the other "
         f"segment columns: at least {_points(t.segment_min_gap, fmt)} and {fmt.percent(t.segment_min_relative_gap)} below, "
         f"on at least {fmt.count(t.segment_min_cases)} customers each side, and clear after Holm's correction over every "
         f"segment and step tested (at most a {fmt.percent(t.segment_alpha)} chance of any false gap). Target: the rest's level.",
         "the rest of the step"),
        ("Incident", "A period when a step's drop-off rose abnormally (see the process map below). Target: the step's usual "
         "level outside abnormal periods.", "the usual level"),
        ("Complaint share", "Share of all feedback items (reviews, e-mails, staff notes, survey comments) that mention the "
         "touchpoint (its keywords from the journey file, plus the phrases of the topics it names; language "
         f"“{f.language}”) and are complaints: a rating of {fmt.count(f.negative_rating_max)} or less or, without a rating, "
         "a negative tone. Tone is +1 per positive cue word and −1 per negative one (twice after a word such as “very”); a "
         f"“not”, “never” or “don't” up to {fmt.count(f.negation_window)} words before a cue turns a positive cue negative "
         "and cancels a negative one, so “not happy” counts against and “not bad” counts for nothing. Quoted comments "
         "lose their e-mail addresses (also written as “name at domain dot com”) and phone numbers (as written in "
         f"{result.engagement.audit.client.country or 'the UK or the US'} or in international form, recognised with the "
         "phonenumbers library); order numbers, prices, dates and sizes stay.",
         _target(m.complaint_share, fmt)),
    ]


def scoring_items(result: AuditResult, fmt: Formatter) -> list[tuple[str, str]]:
    """(lead, text) for each step from a signal to a ranked weak spot."""
    s = result.engagement.settings
    sc, o = s.scoring, s.orders
    k = fmt.count(sc.shrinkage_strength)
    chain = result.ranking.chain
    chain_text = ""
    if chain is not None:
        chain_text = (f" (here {fmt.count(chain.entries_per_month)} a month; the chain gives a purchase chance of "
                      f"{fmt.percent(chain.purchase_probability(), 1)} against {fmt.percent(chain.observed_purchase_rate, 1)} observed)")
    return [
        ("Pulled toward the target.", f"Each observed share is pulled toward its target by {k} imagined observations: "
         f"(hits + {k} × target) ÷ (n + {k}). Three angry answers barely move it; three hundred move it almost all the way, "
         "so small samples cannot outrank large ones on noise."),
        ("Gap.", "How far that value sits on the wrong side of the target, divided by the metric's critical gap, capped at 1."),
        ("A touchpoint's gap", "is 1 − Π(1 − weight × gap) over its signals: one strong signal is enough to matter, and each "
         "further signal that agrees can only raise it."),
        ("Minimum evidence.", f"A signal from fewer than {fmt.count(sc.min_evidence_n)} observations (orders, answers, visits, "
         "feedback items) is listed but scores nothing; consultation answers are exempt and keep low confidence."),
        ("Score", f"= 100 × the touchpoint's gap × ({fmt.number(sc.reach_floor, 2)} + {fmt.number(1 - sc.reach_floor, 2)} × "
         "reach). Reach is the share of customers who pass the touchpoint: as the consultant gave it, else measured from the "
         "largest source that says (web steps: visits reaching the step relative to purchases, at most 100%; survey "
         "questions: the share who answered; order outcomes: everyone who receives an order), else everyone."),
        ("Causes before symptoms.", "Each order that missed the promise is credited to the earliest cause the export shows: a "
         "backorder (stock); else the packing bench, when the order would have been on time had it left within the normal "
         f"{fmt.days(s.capacity.normal_lag_days)} of its promise clock starting, when it left fewer working days before its "
         "promised date than the delivery leg usually takes, or when it had not left by then; else the delivery leg itself. "
         "So one cause is not scored again as its symptoms."),
        ("A rate that rose and stayed up.", "Each order failure rate is also judged on its own history: the week from which it "
         f"rose best splits the record (at least {fmt.count(o.change_min_weeks)} weeks and {fmt.count(o.change_min_orders)} "
         f"orders each side); it counts when the rise is clear at the {fmt.percent(o.change_alpha)} level after a correction "
         f"for every week tried, at least {fmt.number(o.change_min_ratio, 1)} times the rate before and "
         f"{_points(o.change_min_points, fmt)} above it, and held in each of {fmt.count(o.change_parts)} spans since. Of the "
         "two readings of one metric at one touchpoint, only the stronger scores."),
        ("Weak spots", f"are touchpoints scoring {fmt.count(sc.weak_spot_min_score)} or more, ranked by the money they cost a "
         "month, those that block marketing first; those whose cost the data cannot measure follow, by score. What blocks "
         "marketing is what still fails at the end of the data: an incident that was over before then counts in the rank, "
         f"not toward the blocking score of {fmt.count(s.verdict.block_score)}."),
        ("Confidence", f"is high when the main signal's interval is clear of the target and either n ≥ "
         f"{fmt.count(sc.high_confidence_n)}, or two independent sources agree with n ≥ {fmt.count(sc.medium_confidence_n)}; "
         f"medium when the interval is clear and n ≥ {fmt.count(sc.medium_confidence_n)} or two sources agree; low otherwise, "
         "and low when the main signal comes from consultation answers no data source confirms."),
        ("Money at stake a month", "is the purchases a touchpoint would gain each month if it met its targets, × the average "
         "order value. Web steps: the journey is a chain of steps where customers go on or leave; the gain is the chain's "
         "purchase chance with the touchpoint's conversions raised to target, minus today's, × customers entering a month"
         f"{chain_text}. Order metrics: the failures beyond target a month × the purchases each failure cost in the data (the "
         "extra share of affected orders cancelled, plus how many fewer customers came back when their first order was "
         "affected). Survey ratings: the same repeat-purchase gap between customers who rated the touchpoint 1–3 and 4–5. "
         "Where the data shows no such gap, the figure is zero rather than a guess."),
        ("During the campaign,", "the same shortfall with the planned campaign's extra customers: today's failure rate applied "
         "to the customers the campaign's uplift adds at the touchpoint."),
        ("Weekly trends", f"compare the last {fmt.count(o.trend_recent_weeks)} weeks with all earlier weeks, over orders whose "
         "promised date has passed, so open orders cannot flatter the recent weeks."),
    ]


def drivers_paragraph(result: AuditResult, fmt: Formatter) -> str:
    r = result.engagement.settings.drivers
    return ("The survey outcome (the overall rating if asked, else the 0–10 recommend score, else the satisfied yes/no answer, "
            "then modelled as a 0/1 linear probability) is related to every touchpoint rating at once, over the responses that "
            f"answered the outcome and every rating in the model. Ratings answered by fewer than {fmt.percent(r.min_answer_share)} "
            f"of those respondents are left out first, and at least {fmt.count(r.min_complete_responses)} complete responses "
            "are required. How much a rating matters is Johnson's relative weight: the ratings are replaced by their closest "
            "uncorrelated counterparts, the outcome is regressed on those, and each rating receives its part of every "
            "counterpart's contribution, so the weights stay meaningful when ratings move together. Whether a link is clear comes from the "
            "ordinary least-squares regression on standardised ratings (clear below "
            f"{fmt.number(r.significance_level, 2)}); a rating whose variance inflation factor exceeds {fmt.number(r.max_vif)} "
            "is marked as overlapping. How well it does is the share rating it 4–5 among everyone who answered that question, "
            f"with its Wilson interval. The quadrants split both at the {r.quadrant_split} over the questions.")


def process_paragraphs(result: AuditResult, fmt: Formatter) -> list[str]:
    p = result.engagement.settings.process
    repeats = ", a step repeated straight away counting once" if p.collapse_repeats else ""
    return [
        "Events are ordered by customer, then by time (events at the same moment keep their order in the file). The most "
        "frequent moves count how often one step came straight after another for the same customer, with the median and "
        "85th-percentile wait between the two; the time between journey steps runs from a customer's first reach of one step "
        f"to their first reach of the next. A path is a customer's whole sequence of steps{repeats}; the "
        f"{fmt.count(p.top_variants)} most common are listed. Rework is the share of the customers reaching a step who came "
        "back to it after leaving it for another.",
        "Abnormal drop-off: a customer belongs to the day they first reached a transition's first step (the week, Monday to "
        f"Sunday, when the median day has fewer than {fmt.count(p.min_cases_per_day)}), and is lost when they never reached "
        "the second step; those who arrived too near the end of the log to have gone on are left out. Every run of "
        f"consecutive periods up to {fmt.percent(p.max_alarm_share)} of the record, holding at least "
        f"{fmt.count(p.min_period_cases)} customers, is compared with the rest of the record by a one-sided Fisher exact "
        f"test, overall and for each of the {fmt.count(p.max_segments)} largest segments. A run is abnormal when its drop-off "
        f"is at least {_points(p.min_lift, fmt)} above the usual level and clear after a Bonferroni correction for every run "
        f"tested (at most a {fmt.percent(p.alarm_alpha)} chance of any false alarm on a transition whose drop-off never "
        "changes). The comparison is made within device × channel × visitor type, so a change in the mix of visitors is "
        "not read as a drop. A period that stays clear over every window tested is scored as an incident on its step.",
    ]


def fix_plan_paragraphs(result: AuditResult, fmt: Formatter) -> list[str]:
    fp = result.engagement.settings.fix_plan
    return [
        "The plan comes from a playbook of plays, each a fix for a kind of weak spot. A play fits a weak spot when one of the "
        "signals that put the touchpoint off target has a metric the play lists and, if the play names touchpoints, journey "
        "stages or feedback topics, the touchpoint is one of them. For each weak spot its signals are taken strongest first, "
        "and each signal's plays in order of the share of the shortfall they close, until "
        f"{fmt.count(fp.plays_per_weak_spot)} plays are chosen; a play chosen for several weak spots is one action. Every "
        f"flagged consultation answer about a weak spot is an action too, with its question's own fix ({fp.checklist_fix_effort} "
        "effort). Quick wins come first, ordered by the money they address; systemic changes follow.",
        "Money per action is an estimate, built from the share of the touchpoint's shortfall the play is assumed to close: "
        "planning assumptions written into the playbook, deliberately cautious, not measurements "
        f"({fmt.percent(fp.checklist_fix_share)} for a consultation fix). When the actions on one weak spot would together "
        "claim more than is at stake, their estimates are scaled down, so the plan never claims more than is at stake. The "
        "plan is dated from the day the audit was prepared (never before the data's last day): quick wins within 30 days, "
        f"systemic changes within 60 days when they take up to {fmt.count(fp.medium_effort_days)} working days, else 90.",
    ]
