"""Every threshold and weight of the audit, in one typed model that audit.yaml can override."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import ConfigError


class _Strict(BaseModel):
    # .inf / .nan in a settings file would pass every ge/le bound check silently: refused at load.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class MetricRule(_Strict):
    """How one kind of friction signal turns into severity.

    severity = clip(shortfall / critical_gap, 0, 1), where the shortfall is how far the
    (shrunk) value sits on the wrong side of `target`. `weight` caps what a maxed-out signal
    of this kind can add to a touchpoint's severity.
    """

    # None: no fixed default; the target comes from the journey, the benchmark table or the business's own data.
    target: float | None = Field(ge=0, le=1)
    critical_gap: float = Field(gt=0, le=1)
    weight: float = Field(ge=0, le=1)

    def fixed_target(self, metric: str) -> float:
        """The target of a metric that cannot go without one (Metrics refuses null for it at load; an assignment
        after load is checked only field by field, so a None is still refused here rather than compared)."""
        if self.target is None:
            raise ConfigError(f"settings: metrics.{metric}.target is empty", "give it a share between 0 and 1, see docs/settings.md")
        return self.target


# Metrics judged on the business's own history or on the rest of the step when nothing sets a target.
OPTIONAL_TARGET_METRICS = frozenset({"conversion", "activity_conversion", "segment_gap", "incident", "repeat"})


class Metrics(_Strict):
    """One rule per signal metric; all metrics are proportions between 0 and 1."""

    top2box: MetricRule = MetricRule(target=0.80, critical_gap=0.30, weight=0.7)
    # Step conversion has no default target: each step is judged against the journey, the benchmark for its kind of
    # step, or its own earlier level (docs/settings.md, Targets). A target written here applies to every step.
    conversion: MetricRule = MetricRule(target=None, critical_gap=0.30, weight=0.9)
    # Conversion between consecutive activities inside one touchpoint (payment submitted -> order placed).
    activity_conversion: MetricRule = MetricRule(target=None, critical_gap=0.30, weight=0.9)
    # One segment (device, channel) converting far below the rest of the same step: its target is the rest's level.
    segment_gap: MetricRule = MetricRule(target=None, critical_gap=0.30, weight=0.6)
    # A period in which a step's conversion fell abnormally: its target is the step's usual level, mix-adjusted.
    incident: MetricRule = MetricRule(target=None, critical_gap=0.30, weight=0.6)
    promise_breach: MetricRule = MetricRule(target=0.05, critical_gap=0.20, weight=1.0)
    late_dispatch: MetricRule = MetricRule(target=0.05, critical_gap=0.25, weight=0.6)
    stockout: MetricRule = MetricRule(target=0.02, critical_gap=0.10, weight=0.9)
    returns: MetricRule = MetricRule(target=0.08, critical_gap=0.15, weight=0.6)
    # Repeat purchase has no default target: how often customers come back depends on what the shop sells (a sofa, a
    # coffee subscription), so it is judged against the journey, a benchmark, or the shop's own earlier cohorts.
    repeat: MetricRule = MetricRule(target=None, critical_gap=0.20, weight=0.5)
    complaint_share: MetricRule = MetricRule(target=0.05, critical_gap=0.20, weight=0.5)
    cancellation: MetricRule = MetricRule(target=0.02, critical_gap=0.10, weight=0.6)
    # Consultation checklists: weighted share of flagged answers among the answered items that concern the touchpoint.
    checklist: MetricRule = MetricRule(target=0.10, critical_gap=0.50, weight=0.6)

    @model_validator(mode="after")
    def _targets_where_needed(self) -> Metrics:
        # Only these metrics can be judged without a fixed target (against the business's own history, or the other
        # segments of the step); every other one needs its number, so `target: null` there is refused here, located,
        # rather than failing the audit later.
        for name in type(self).model_fields:
            if name not in OPTIONAL_TARGET_METRICS and getattr(self, name).target is None:
                raise ValueError(f"metrics.{name}.target cannot be empty: give a share between 0 and 1 (only "
                                 f"{', '.join(sorted(OPTIONAL_TARGET_METRICS))} may leave it out)")
        return self


class Scoring(_Strict):
    shrinkage_strength: float = Field(
        default=30.0,
        ge=0,
        description="Pseudo-observations placed at the target before the data speaks (empirical-Bayes style prior).",
    )
    reach_floor: float = Field(
        default=0.5, ge=0, le=1, description="Score multiplier for a touchpoint nobody passes; 1.0 for one everybody passes."
    )
    weak_spot_min_score: float = Field(default=10.0, ge=0, le=100, description="A touchpoint scoring this or more is a weak spot.")
    high_confidence_n: int = Field(default=300, ge=1, description="Sample size that earns high confidence from one source alone.")
    medium_confidence_n: int = Field(
        default=100, ge=1, description="Sample size that earns medium confidence from one source alone (below it, one source gives low confidence).")
    min_evidence_n: int = Field(
        default=30, ge=1,
        description="Fewest observations (orders, answers, cases, feedback items) a signal needs to count toward a weak spot; consultation answers are exempt (their confidence stays low).")
    ci_level: float = Field(default=0.95, gt=0.5, lt=1, description="Confidence level of every interval.")


class Verdict(_Strict):
    block_score: float = Field(
        default=30.0, ge=0, le=100, description="A weak spot at or above this score blocks marketing (FIX FIRST)."
    )
    block_confidence: Literal["low", "medium", "high"] = Field(default="medium", description="Least confidence a blocking weak spot needs.")
    min_orders_for_ready: int = Field(default=100, ge=1, description="Fewest in-stock orders with a delivery outcome before any verdict but FIX FIRST is given.")


class Orders(_Strict):
    dispatch_target_business_days: int | None = Field(
        default=None, ge=0,
        description="Working days from payment to dispatch before an order counts as dispatched late. Unset (the default): an in-stock order is dispatched late when it leaves more than capacity.normal_lag_days working days after its promise clock started, or fewer working days before its promised date than the delivery leg usually takes in the export, so the yardstick follows the promise.")
    repeat_window_days: int = Field(default=60, ge=1, description="Days after a first order within which a second one counts as a repeat purchase.")
    return_window_days: int = Field(default=30, ge=1, description="Days customers have to return an order: younger orders are left out of the returns trend.")
    trend_recent_weeks: int = Field(default=4, ge=1, le=26, description="Weeks at the end of the export compared with all earlier weeks in each weekly trend.")
    min_effect_group: int = Field(default=20, ge=1, description="Fewest orders or customers on each side before a cancellation or repeat-purchase gap is measured.")
    change_min_weeks: int = Field(default=4, ge=1, le=52, description="A failure rate that rose and stayed up (judged on its own history even when it is within its target) needs at least this many weeks before and after the date it rose.")
    change_min_orders: int = Field(default=100, ge=10, description="Fewest settled orders before and after that date.")
    change_alpha: float = Field(default=0.01, gt=0, lt=0.5, description="The rise counts when its one-sided p-value, Bonferroni-corrected over every start week tried, is below this.")
    change_min_ratio: float = Field(default=1.5, ge=1, le=10, description="The rate since must be at least this many times the rate before (1.5: half as much again).")
    change_min_points: float = Field(default=0.02, ge=0, le=1, description="...and at least this many points above it (0.02 = 2 points).")
    change_parts: int = Field(default=3, ge=1, le=8, description="The period since is cut into this many spans; each must carry at least half the rise (it stayed up).")
    late_week_min_orders: int = Field(default=10, ge=1, description="Fewest orders in a week before it can be listed among the worst weeks of the late-delivery signal.")
    top_late_weeks: int = Field(default=3, ge=0, le=52, description="Weeks with the highest late share (above the target) listed as evidence on the late-delivery signal.")
    rating_gap_min_answers: int = Field(
        default=5, ge=1,
        description="Fewest survey answers from customers whose order was late, and from those served on time, before their ratings are set side by side.")
    top_backorder_items: int = Field(default=3, ge=0, le=50, description="Items with the highest backordered share (above the target) listed as evidence on the stock-out signal.")
    top_reasons: int = Field(default=4, ge=0, le=50, description="Most frequent return reasons, and cancellation reasons, listed as evidence on their signals.")


class Feedback(_Strict):
    negative_rating_max: int = Field(default=2, ge=1, le=5, description="A feedback rating at or below this is a complaint.")
    quotes_per_touchpoint: int = Field(default=3, ge=0, le=10, description="Representative complaints quoted per touchpoint (redacted).")
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$", description="Language of the feedback text: picks the shipped default lexicon (en, pt).")
    lexicon: str | None = Field(
        default=None,
        description="The client's own lexicon YAML, relative to the engagement folder; it extends the default unless it says extends: false.",
    )
    negation_window: int = Field(default=3, ge=0, le=10, description="A negator among this many words before a cue negates it (a positive cue then counts -1, a negative cue 0); 0 turns negation off.")
    intensifier_weight: int = Field(default=2, ge=1, le=5, description="How many times a cue right after an intensifier (very, really) counts; 1 turns intensifiers off.")
    whole_word_max_chars: int = Field(
        default=3, ge=0, le=20,
        description="Keywords and topic phrases this short match whole words only (ad does not find address); longer ones match word starts. =word and word* force either form.")


class Ingest(_Strict):
    max_file_mb: float = Field(default=300.0, gt=0, description="Refuse input files larger than this.")
    max_uncompressed_mb: float = Field(default=2048.0, gt=0, description="Refuse workbooks that unpack to more than this.")
    max_compression_ratio: float = Field(default=150.0, gt=1, description="Refuse workbooks packed tighter than this (zip bombs).")
    max_rows: int = Field(default=1_048_576, ge=1, description="Refuse sheets or CSVs with more data rows than this.")
    detailed_problems_per_column: int = Field(default=25, ge=1, description="Problems listed one by one per column and reason; the rest are counted.")


class Capacity(_Strict):
    min_days_per_volume_band: int = Field(default=3, ge=1, description="Fewest days in a daily-volume band of the capacity outlook.")
    history_weeks: int = Field(default=12, ge=2, le=260, description="Weeks of order history behind the demand forecast (weekday pattern and trend).")
    level_weeks: int = Field(default=4, ge=1, le=52, description="Most recent weeks whose average daily orders set the forecast's level.")
    default_horizon_weeks: int = Field(default=4, ge=1, le=52, description="Weeks projected when no campaign is planned.")
    min_history_days: int = Field(default=10, ge=1, description="Fewest working days that ended behind (a real backlog) before a step's capacity is read from them (otherwise the busiest day on record is used, a lower bound); also the fewest working days of dispatch history before capacity is inferred at all.")
    min_leads_per_channel: int = Field(default=30, ge=1, description="Fewest leads before a channel's lead-to-deal conversion is shown on its own.")
    normal_lag_days: int = Field(default=1, ge=0, le=30, description="Working days after its promise clock starts that an order may wait for dispatch as part of normal processing; an order waiting longer is backlog.")
    backlog_min_share: float = Field(default=0.1, ge=0, le=10, description="A working day ended behind when the orders waiting past the normal lag numbered at least this share of a usual day's dispatches (and at least one).")
    min_delay_orders: int = Field(default=30, ge=1, description="Fewest orders behind a weekday's own dispatch-lag or transit distribution; with fewer, that weekday uses the pooled one.")
    min_usual_days: int = Field(
        default=14, ge=1,
        description="Fewest days outside past campaigns in the forecast's history before campaign days are left out of its level, weekday pattern and trend; with fewer, every day counts.")
    trend_min_weeks: int = Field(
        default=6, ge=3, le=260,
        description="Fewest whole weeks of history before the demand forecast estimates a weekly trend (the slope's t-test needs at least one degree of freedom).")
    max_volume_bands: int = Field(default=6, ge=1, le=50, description="Most daily-volume bands of the capacity outlook (fewer when there are too few days for min_days_per_volume_band each).")


class Simulation(_Strict):
    """The day-by-day capacity simulation (fixfirst.capacity.simulation): its runs and its headroom search."""

    runs: int = Field(default=200, ge=2, le=100_000, description="Simulated futures (Monte Carlo runs) behind every projection.")
    seed: int = Field(default=0, ge=0, description="Seed of the random numbers: the same seed and inputs give the same projection.")
    drain_days: int = Field(
        default=42, ge=0,
        description="Calendar days simulated after the window without new orders so its last orders finish; lengthened to reach past their promised date.")
    hours_per_day: float = Field(default=8.0, gt=0, le=24, description="Working hours of a step that does not give its own, for takt and cycle times.")
    warmup_share: float = Field(default=0.25, ge=0, lt=1, description="Share of the window's first days left out of the Little's law check (the start-up).")
    littles_law_tolerance: float = Field(
        default=0.05, gt=0, lt=1, description="Relative gap between mean WIP and throughput x time in system under which Little's law is said to hold.")
    headroom_max_uplift: float = Field(default=5.0, gt=0, le=100, description="Largest extra demand the headroom search tries, as a share of the baseline (5.0 = +500%).")
    headroom_precision: float = Field(default=0.01, gt=0, le=1, description="The headroom search stops when the boundary is known to within this share of the baseline.")
    backtest_weeks: int = Field(default=4, ge=1, le=26, description="Most recent weeks of settled orders replayed through the model (fitted on the history before them) before it may forecast; also the window of the observed recent late share.")
    backtest_late_points: float = Field(default=0.03, ge=0, le=1, description="The backtest passes when its projected late share is within this many points of the observed one (or within backtest_late_relative of it, whichever is wider).")
    backtest_late_relative: float = Field(default=0.25, ge=0, le=10, description="Relative allowance of the backtest's late share: the gap may be up to this share of the observed late share.")
    backtest_lead_days: float = Field(default=1.0, ge=0, le=30, description="The backtest's projected lead-time p50 and p85 must each be within this many working days of the observed ones.")
    backtest_min_orders: int = Field(default=30, ge=1, description="Fewest settled in-stock orders in the backtest window before the backtest is run; with fewer the model is not trusted to forecast.")
    overdispersion_ratio: float = Field(
        default=1.2, ge=1, le=10,
        description="Daily orders are drawn from a negative binomial instead of Poisson when the days' variance around their weekday's mean is above this multiple of the mean (1.2: 20% above Poisson).")
    dispersion_min_days: int = Field(
        default=28, ge=8, description="Fewest days of history before the spread of daily orders is read at all (more days than the 7 weekday means it is measured around); with fewer, Poisson.")


class Drivers(_Strict):
    outcome: Literal["auto", "overall", "recommend", "satisfied"] = Field(
        default="auto", description="Survey outcome the touchpoint ratings are related to; auto takes overall, else recommend, else satisfied.")
    min_complete_responses: int = Field(default=100, ge=10, description="Fewest responses answering the outcome and every driver before key drivers are computed.")
    min_answer_share: float = Field(
        default=0.5, ge=0, le=1,
        description="A rating answered by fewer than this share of the outcome's respondents is left out of the driver model (it would shrink the complete-case sample).")
    significance_level: float = Field(default=0.05, gt=0, lt=0.5, description="A driver whose regression p-value is below this is called significant.")
    max_vif: float = Field(default=10.0, gt=1, description="Variance inflation factor above which a driver's regression coefficient is flagged as collinear.")
    quadrant_split: Literal["mean", "median"] = Field(
        default="mean", description="Where the importance-performance quadrant is split: at the mean or the median of the drivers.")


class ProcessRules(_Strict):
    """Process mining of the event log: what is listed, and when a period's drop-off counts as abnormal."""

    top_edges: int = Field(default=15, ge=1, le=200, description="Directly-follows edges listed in the report, most frequent first (the JSON lists all).")
    top_variants: int = Field(default=10, ge=1, le=100, description="Most common case variants (paths) listed.")
    collapse_repeats: bool = Field(default=True, description="Activity variants read immediate repeats of a step (home, home) as one visit; journey variants always do.")
    top_loops: int = Field(default=5, ge=0, le=50, description="Back-and-forth loops (a, b, back to a) listed per level, most cases first.")
    rework_evidence_min_share: float = Field(default=0.05, ge=0, le=1, description="A touchpoint's rework becomes evidence on its conversion signal when at least this share of its cases came back to it.")
    min_cases_per_day: int = Field(default=30, ge=1, description="Drop-off periods are days when the median day has at least this many cases at the step, else weeks (Monday to Sunday).")
    min_period_cases: int = Field(default=30, ge=1, description="Fewest cases in an abnormal drop-off period, and in the usual level it is compared with.")
    min_lift: float = Field(default=0.10, ge=0, le=1, description="Least rise of drop-off over the usual rate (0.10 = 10 points) for a period to count as abnormal.")
    alarm_alpha: float = Field(default=0.05, gt=0, lt=0.5, description="Chance of any false alarm on a transition whose drop-off never changes (Bonferroni over every period window and segment tested).")
    max_alarm_share: float = Field(default=0.5, gt=0, le=0.9, description="Longest abnormal period, as a share of the periods on record: a longer one is the norm, not an incident.")
    max_segments: int = Field(default=8, ge=0, le=50, description="Segments (device, platform, channel) scanned and broken down, the largest first.")
    max_periods_per_series: int = Field(default=5, ge=1, le=20, description="Most abnormal periods looked for per transition, overall and per segment.")
    follow_up_quantile: float = Field(default=0.95, ge=0.5, le=1, description="Cases reaching a step later than the log's end minus this quantile of the time cases took to go on are left out of drop-off periods: they may not have had time yet.")


SegmentDimension = Literal["segment", "channel", "visitor_type"]


def _default_segment_dimensions() -> list[SegmentDimension]:
    """device and channel; a named factory because a lambda's list literal types as list[str], not the Literal."""
    return ["segment", "channel"]


class TargetRules(_Strict):
    """Where a step's target comes from when the journey sets none, and how it is judged on its own data (docs/settings.md, Targets)."""

    benchmarks: bool = Field(default=True, description="Judge steps the journey sets no target for against the sourced benchmark table (by step kind and client.business_type); false goes straight to the business's own baseline.")
    baseline_recent_days: int = Field(default=28, ge=7, le=365, description="Days at the end of the event log whose cases make a step's recent level, compared with every earlier case when the step is judged on its own baseline.")
    baseline_parts: int = Field(default=2, ge=1, le=8, description="The recent period is cut into this many equal parts; a drop counts only when every part is below the earlier level by at least half the recent drop (it stays worse: no one-off blip).")
    baseline_min_cases: int = Field(default=100, ge=10, description="Fewest cases in the recent period, and in the earlier one, before a step is judged on its own baseline.")
    baseline_alpha: float = Field(default=0.05, gt=0, lt=0.5, description="A recent drop counts when a one-sided test within segments puts it below this p-value.")
    baseline_min_relative_drop: float = Field(
        default=0.15, ge=0, lt=1,
        description="A step that meets its chosen target (journey, settings or benchmark) is also read against its own history; that reading counts only when the recent level is at least this share below the earlier one (0.15: 15% fewer go on), besides being significant and lasting.")
    segment_dimensions: list[SegmentDimension] = Field(
        default_factory=_default_segment_dimensions,
        description="Segment columns whose segments are compared with the rest of a step and scanned on their own for drop-off periods (device, channel; visitor_type: new visitors always convert below returning ones, so it is only compared within by default).")
    segment_alpha: float = Field(default=0.05, gt=0, lt=0.5, description="Chance of any false segment gap over every segment and step tested (Holm's step-down correction).")
    segment_min_cases: int = Field(default=100, ge=10, description="Fewest cases of a segment, and of the rest, at a step before their conversion is compared.")
    segment_min_gap: float = Field(default=0.10, ge=0, le=1, description="Least gap (0.10 = 10 points) between a segment's conversion and the rest's for a segment gap.")
    segment_min_relative_gap: float = Field(default=0.20, ge=0, lt=1, description="Least gap as a share of the rest's conversion (0.20: the segment converts at most 80% as well): devices differ a little in every shop.")
    max_strata: int = Field(default=64, ge=1, le=500, description="Most segment cells (device x channel x visitor type) conversion is compared within; the smallest cells beyond are pooled into one.")
    breakdown_min_cases: int = Field(default=30, ge=1, description="Fewest cases of a segment at a step before its conversion is listed in the step's by-segment breakdown (evidence only).")
    activity_pair_min_share: float = Field(
        default=0.5, ge=0, le=1,
        description="Two consecutive activities of one touchpoint are measured as a pair only when at least this share of the cases at the second reached the first: a sequence, not two alternative ways into the step.")


class ChecklistRules(_Strict):
    """How consultation-checklist answers become signals (see docs/checklists.md)."""

    prior_answers: float = Field(
        default=2.0, ge=0,
        description="Pseudo-answers at the target added to a touchpoint's checklist answers before its share is scored "
                    "(checklist signals use this instead of scoring.shrinkage_strength: one answer describes a whole practice, not one order).")


class FixPlanRules(_Strict):
    """How the fix plan is built from the playbook (fixfirst.decision.fix_plan; docs/engagement.md, The fix playbook)."""

    plays_per_weak_spot: int = Field(default=4, ge=1, le=20, description="Most playbook plays chosen per weak spot (its strongest signal's plays first).")
    checklist_fix_effort: Literal["low", "medium", "high"] = Field(
        default="low", description="Effort assumed for a consultation finding's own fix (low makes it a quick win, otherwise a systemic change).")
    checklist_fix_share: float = Field(
        default=0.10, gt=0, le=1,
        description="Planning assumption: share of a weak spot's shortfall a consultation finding's own fix closes, for its money estimate.")
    matrix_high_value_share: float = Field(
        default=0.10, gt=0, le=1,
        description="In the priority matrix, an action winning back this share of the month's money at stake or more counts as high value.")
    medium_effort_days: float = Field(
        default=20, gt=0, le=250,
        description="A systemic change of up to this many working days of effort is due by day 60 of the plan; a larger one by day 90.")


class History(_Strict):
    """Comparing audits and the periods around a change (fixfirst.history; docs/compare-json.md, docs/split.md)."""

    min_after_days: int = Field(default=14, ge=1, le=365,
                                description="Fewest days after a change before its effect is judged (compare --split, changes:).")


class Settings(_Strict):
    """The whole tunable surface of an audit. Defaults are documented benchmarks, not client data."""

    metrics: Metrics = Metrics()
    scoring: Scoring = Scoring()
    verdict: Verdict = Verdict()
    orders: Orders = Orders()
    feedback: Feedback = Feedback()
    ingest: Ingest = Ingest()
    capacity: Capacity = Capacity()
    simulation: Simulation = Simulation()
    process: ProcessRules = ProcessRules()
    targets: TargetRules = TargetRules()
    drivers: Drivers = Drivers()
    checklists: ChecklistRules = ChecklistRules()
    fix_plan: FixPlanRules = FixPlanRules()
    history: History = History()

    def model_post_init(self, context: Any) -> None:
        # Only what was written is marked as set (model_fields_set), at every level: a settings target judges a step
        # only when the client chose it (fixfirst.signals.targets).
        _unmark_defaults(self)


def merge_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `overrides` into `base` so a YAML file can change one leaf and keep the rest."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_with(overrides: dict[str, Any] | None) -> Settings:
    """Default settings with a (possibly nested, partial) override mapping applied.

    Only what `overrides` names is marked as set (`model_fields_set`), at every level: a target the client chose
    judges a step, a default one does not (fixfirst.signals.targets).
    """
    if not overrides:
        return Settings()
    settings = Settings.model_validate(merge_overrides(Settings().model_dump(), overrides))
    _mark_set(settings, overrides)
    return settings


def _mark_set(model: BaseModel, overrides: dict[str, Any]) -> None:
    # The merge above hands every default to the validator, which would mark them all as set.
    object.__setattr__(model, "__pydantic_fields_set__", {k for k in overrides if k in type(model).model_fields})
    for name in type(model).model_fields:
        child, value = getattr(model, name), overrides.get(name)
        if isinstance(child, BaseModel):
            _mark_set(child, value if isinstance(value, dict) else {})


def _unmark_defaults(model: BaseModel) -> None:
    """Clear `model_fields_set` below every field left at its default: a default MetricRule was built with all its
    fields given, and would otherwise read as the client's choice."""
    for name in type(model).model_fields:
        child = getattr(model, name)
        if isinstance(child, BaseModel):
            if name in model.model_fields_set:
                _unmark_defaults(child)
            else:
                _mark_set(child, {})
