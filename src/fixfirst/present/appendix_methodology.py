"""Appendix: methodology, with the glossary, how each figure is computed, the verdict rule (its one place) and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .appendix_method_text import drivers_paragraph, fix_plan_paragraphs, process_paragraphs, scoring_items, signal_rows
from .numbers import Formatter
from .verdict_words import verdict_rule

if TYPE_CHECKING:
    from ..decision import AuditResult


@dataclass(frozen=True)
class MethodBlock:
    """One part of the methodology: a heading, paragraphs, and items that open with a term in bold."""

    id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    numbered: bool = False


@dataclass(frozen=True)
class SettingRow:
    what: str
    value: str


@dataclass(frozen=True)
class MetricRow:
    metric: str
    target: str
    critical_gap: str
    weight: str


@dataclass(frozen=True)
class MethodologyAppendix:
    letter: str
    title: str
    glossary: list[tuple[str, str]]
    headline: MethodBlock
    signals_intro: str
    signals: list[tuple[str, str, str]]
    blocks: list[MethodBlock]  # scoring, capacity, drivers, process map, fix plan
    verdict_rule: str
    metrics: list[MetricRow]
    settings: list[SettingRow]
    footer: str


# The metrics as the report names them (the settings file's keys are not words).
METRIC_NAMES = {
    "top2box": "Survey rated 4–5", "conversion": "Step conversion", "activity_conversion": "Conversion inside a step",
    "segment_gap": "Segment gap", "incident": "Incident", "promise_breach": "Promise breach", "late_dispatch": "Late dispatch",
    "stockout": "Stock-out", "returns": "Returns", "repeat": "Repeat purchase", "complaint_share": "Complaint share",
    "cancellation": "Cancellations", "checklist": "Consultation answers",
}


def glossary(result: AuditResult, fmt: Formatter) -> list[tuple[str, str]]:
    s = result.engagement.settings
    promise = result.engagement.audit.promise
    target = fmt.percent(s.metrics.promise_breach.target)
    holidays = " and public holidays" if promise.public_holidays else ""
    cutoff = f"after {promise.cutoff:%H:%M} or " if promise.cutoff else ""
    return [
        ("Promise", f"what the business tells customers about delivery: “{promise.description}”."),
        ("Late", "an order delivered after its promised date, or not delivered when that date has passed."),
        ("Working day", f"a day the business is open; its closed days{holidays} do not count."),
        ("Promise clock", f"starts when an order is placed; an order placed {cutoff}on a closed day starts the next working day."),
        ("Usual week", "the orders a week the business takes without a campaign."),
        ("Headroom", f"the extra orders a week operations can take on before more than {target} of orders arrive late."),
        ("Weak spot", "a step of the customer journey that falls clearly short of its targets."),
        ("Score", "0 to 100: how far a step falls short of its targets, weighed by how many customers pass it."),
        ("Money at stake", "the sales a weak spot loses a month, at the average order value; an estimate from the data."),
        ("Confidence", "how sure a finding is (high, medium or low), from how many observations it rests on and whether "
         "sources agree."),
        ("n", "how many orders, answers, visits or comments a figure is computed from; a small n means a less certain figure."),
        ("Interval", f"the range the true figure very likely lies in ({fmt.percent(s.scoring.ci_level)} confidence), given n."),
        ("p50 / p85 / p95", "the time within which half, 85% and 95% of orders were done."),
        ("Rated 4–5", "the share of survey answers rating a step 4 or 5 out of 5."),
        ("NPS", "Net Promoter Score: the share scoring 9–10 to “would you recommend us” minus the share scoring 0–6."),
        ("Load", "the orders a step is asked to handle ÷ what it can finish in the same days; above 100% a queue builds."),
        ("Backtest", "replaying recent weeks of real orders through the capacity model, fitted only on what came before, to "
         "see whether it gives what actually happened."),
        ("Cross-check", "a second, independent way of reaching a figure, shown beside the one the decision uses to confirm "
         "or question it; the decision uses one figure for each fact."),
    ]


def headline_block(result: AuditResult, fmt: Formatter, capacity_letter: str | None) -> MethodBlock:
    weeks = fmt.count(result.engagement.settings.simulation.backtest_weeks)
    return MethodBlock("method-headline", "How the figures on page 1 are computed", items=[
        ("Usual week:", "the orders a week the demand forecast expects without a campaign, on the campaign's dates (or the "
         "projected weeks); without a projection, a usual working day on record × the working days of a week."),
        ("Headroom:", "the largest extra demand on the campaign's dates whose projected share of late orders stays within "
         f"the promise target, from the day-by-day projection when it reproduced the last {weeks} weeks of real orders "
         "(its backtest); otherwise from the order history: the busiest daily volume at which the promise held, above a usual "
         "working day."),
        ("Campaign orders late:", "the share of the orders placed on the campaign's dates that the same model projects late."),
        ("Money at stake:", "the sum over the weak spots whose cost the data can measure (below)."),
    ] + ([("Cross-checks:", "each figure that two models can give is shown once, from the model the decision uses; the "
           f"other model's figure appears only in Appendix {capacity_letter}, labelled as a cross-check, with why it is not "
           "used.")] if capacity_letter else []))


def capacity_block(result: AuditResult, fmt: Formatter) -> MethodBlock:
    s = result.engagement.settings
    c, sim_rules = s.capacity, s.simulation
    sim = result.outlook.simulation if result.outlook is not None else None
    little = ""
    scenario = None if sim is None else (sim.campaign or sim.baseline)
    if scenario is not None:
        law = scenario.projection.littles_law
        little = (f" In this projection: {fmt.number(law.mean_wip, 1)} orders in the system on average against "
                  f"{fmt.number(law.throughput_x_days, 1)} from throughput × days.")
    return MethodBlock("method-capacity-projection", "Capacity", paragraphs=[
        f"Demand: the average orders a day over the last {fmt.count(c.level_weeks)} weeks outside past campaigns, times each "
        f"weekday's share of a usual week (from the last {fmt.count(c.history_weeks)} weeks), times a weekly trend only when "
        "the trend is clear of ordinary ups and downs; the planned campaign multiplies its own dates by 1 + its expected uplift.",
        "Capacity per step comes from the client's capacity sheet or, without one, from what the team demonstrably "
        "dispatched: a working day counts as behind when orders waiting more than "
        f"{fmt.days(c.normal_lag_days)} after their promise clock started numbered at least {fmt.percent(c.backlog_min_share)} "
        "of a usual day's dispatches; on those days the team worked flat out, so the median it dispatched, spread over the "
        f"week in its usual pattern, is its capacity. With fewer than {fmt.count(c.min_history_days)} such days the busiest "
        "day on record is used, as a lower bound. After packing, each order takes the dispatch wait and carrier transit the "
        "export shows, in working days by weekday.",
        f"Orders arrive each day at random around the forecast and pass the steps first in, first out; {fmt.count(sim_rules.runs)} "
        "simulated futures give the time to the door, the share of orders late, the queue and the load of each step. The "
        "headroom is found by trying larger and smaller extra demand with the same random numbers, to within "
        f"{fmt.percent(sim_rules.headroom_precision, 1)}.",
        f"Backtest: before it may forecast, the model is fitted on the history before the last {fmt.count(sim_rules.backtest_weeks)} "
        f"weeks and replays those weeks' real orders; it passes when its late share is within "
        f"{fmt.number(sim_rules.backtest_late_points * 100)} points (or {fmt.percent(sim_rules.backtest_late_relative)} of the "
        "observed share, or that share's own noise on a small window, whichever is widest) of what happened and its median "
        f"and 85th-percentile times within {fmt.days(sim_rules.backtest_lead_days)}. With fewer than "
        f"{fmt.count(sim_rules.backtest_min_orders)} orders to replay it cannot pass.",
        "Order history: the working days are grouped into bands of similar volume (at least "
        f"{fmt.count(c.min_days_per_volume_band)} days each), with the share of in-stock orders that missed the promise in "
        "each. A band kept the promise when its interval reaches down to the target; the promise held up to the top of the "
        "busiest band such that it and every quieter band kept it. The campaign's volume is a usual working day × "
        "(1 + uplift), and its late share is that of the band it falls in (between two bands, the busier one).",
        "Little's law cross-checks the simulation: the average orders in the system should equal throughput × the average "
        f"days an order spends in it.{little}",
    ])


def settings_rows(result: AuditResult, fmt: Formatter) -> tuple[list[MetricRow], list[SettingRow]]:
    s = result.engagement.settings
    metrics = [MetricRow(METRIC_NAMES.get(name, name.replace("_", " ").capitalize()),
                         "per step" if rule.target is None else fmt.percent(rule.target, 1),
                         fmt.percent(rule.critical_gap), fmt.number(rule.weight, 1)) for name, rule in s.metrics]
    promise = result.engagement.audit.promise
    others = [
        SettingRow("Promise", f"{fmt.days(promise.business_days)}" + (f", cut-off {promise.cutoff:%H:%M}" if promise.cutoff else "")),
        SettingRow("Confidence of intervals", fmt.percent(s.scoring.ci_level)),
        SettingRow("Imagined observations pulling a share toward its target", fmt.count(s.scoring.shrinkage_strength)),
        SettingRow("Fewest observations for a signal to score", fmt.count(s.scoring.min_evidence_n)),
        SettingRow("Score that makes a weak spot", fmt.count(s.scoring.weak_spot_min_score)),
        SettingRow("Score that blocks marketing", f"{fmt.count(s.verdict.block_score)}, with {s.verdict.block_confidence} confidence"),
        SettingRow("Simulated futures", fmt.count(s.simulation.runs)),
        SettingRow("Weeks replayed in the backtest", fmt.count(s.simulation.backtest_weeks)),
    ]
    return metrics, others


def build_methodology(result: AuditResult, fmt: Formatter, letter: str, capacity_letter: str | None = None) -> MethodologyAppendix:
    blocks = [MethodBlock("method-scoring", "From signal to score", items=scoring_items(result, fmt), numbered=True)]
    if result.outlook is not None:
        blocks.append(capacity_block(result, fmt))
    if result.signals.drivers is not None:
        blocks.append(MethodBlock("methodology-drivers", "Key drivers", paragraphs=[drivers_paragraph(result, fmt)]))
    if result.signals.process is not None:
        blocks.append(MethodBlock("methodology-process", "Process map", paragraphs=process_paragraphs(result, fmt)))
    blocks.append(MethodBlock("methodology-fix-plan", "Fix plan", paragraphs=fix_plan_paragraphs(result, fmt)))
    level = fmt.percent(result.engagement.settings.scoring.ci_level)
    signals_intro = (f"Every signal is a share with its sample size (n) and a {level} Wilson interval. The Net Promoter Score "
                     "is promoters (9–10) minus detractors (0–6) as a share of all answers; its interval adds one imagined "
                     "answer to each group, so a handful of answers gives a wide interval rather than a falsely exact one.")
    metrics, others = settings_rows(result, fmt)
    return MethodologyAppendix(
        letter, "Methodology and glossary", glossary(result, fmt), headline_block(result, fmt, capacity_letter), signals_intro,
        signal_rows(result, fmt), blocks, verdict_rule(result.engagement.settings, fmt), metrics, others,
        "Targets set per step in the journey file replace these defaults.")
