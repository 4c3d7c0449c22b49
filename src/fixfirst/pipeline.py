"""The audit from folder to findings: load, ingest, signals, scoring, capacity, verdict."""

from __future__ import annotations

import datetime as dt

from .capacity import assess_capacity
from .config import Engagement, load_engagement
from .decision import NOT_ENOUGH_DATA, AuditResult, CheckResult, build_fix_plan, data_as_of, decide, make_decision
from .errors import FixfirstError, InputProblems, Problem, Severity
from .history import list_snapshots, load_snapshot, read_register, snapshot_action_ids
from .ingest import ingest
from .journey import Journey, load_journey
from .progress import NoProgress, Progress
from .scoring import choose_campaign, rank_weak_spots
from .signals import checklist_problems, compute_signals, set_redaction_region

AUDIT_STAGES = 4  # signals, scoring, capacity, verdict


def check_engagement(folder, progress: Progress | None = None) -> CheckResult:
    """Load the configuration and every source; data problems are returned, not raised."""
    progress = progress or NoProgress()
    engagement = load_engagement(folder)
    journey = _journey_of(engagement)
    progress.start(len(engagement.audit.sources) + AUDIT_STAGES)
    data = ingest(engagement, journey, progress)
    # Checklist answers are evidence like any source: a broken answers file is a located error here too.
    data.problems.extend(checklist_problems(engagement.folder, journey, business_type=engagement.audit.client.business_type))
    # The edited action register is an input like any other: a bad cell is a located problem here, not later.
    data.problems.extend(_register_problems(engagement))
    return CheckResult(engagement, journey, data)


def _journey_of(engagement: Engagement) -> Journey:
    """The engagement's journey; a missing or unreadable journey file is a problem located in it (or in audit.yaml)."""
    written = engagement.audit.journey
    try:
        path = engagement.journey_path
    except FixfirstError as exc:
        raise InputProblems([Problem("config.outside_engagement", f"journey: {exc.cause}; {exc.fix}", Severity.ERROR,
                                     str(engagement.folder / "audit.yaml"), column="journey")]) from None
    if not path.is_file():
        raise InputProblems([Problem("config.journey_missing", f"journey file {written!r} not found; create it (fixfirst init writes a "
                                     "starter) or correct journey: in audit.yaml", Severity.ERROR,
                                     str(engagement.folder / "audit.yaml"), column="journey", value=written)])
    try:
        return load_journey(path)
    except InputProblems:
        raise
    except FixfirstError as exc:  # not YAML, not a mapping: located in the journey file itself
        raise InputProblems([Problem("config.unreadable", f"{exc.cause}; {exc.fix}" if exc.fix else exc.cause,
                                     Severity.ERROR, str(path))]) from None


def _register_problems(engagement: Engagement) -> list:
    if engagement.audit.actions is None:
        return []
    known = None  # without an earlier audit, ids are checked against the register itself only (duplicates, blanks)
    kept = list_snapshots(engagement.folder)
    if kept:
        try:
            known = snapshot_action_ids(load_snapshot(kept[-1]))
        except FixfirstError:
            known = None
    return list(read_register(engagement, known).problems)


def run_audit(folder, progress: Progress | None = None, *, uplift: float | None = None) -> AuditResult:
    """The whole audit. Raises InputProblems when a source has errors (warnings are carried along)."""
    checked = check_engagement(folder, progress)
    if checked.data.problems.has_errors:
        raise InputProblems(list(checked.data.problems))
    return audit_from(checked, progress, uplift=uplift)


def audit_from(checked: CheckResult, progress: Progress | None = None, *, uplift: float | None = None) -> AuditResult:
    """Signals, scoring, capacity and verdict on ingested data. `uplift` overrides the campaign plan's expected uplift."""
    progress = progress or NoProgress()
    engagement, journey, data = checked.engagement, checked.journey, checked.data
    # Redaction reads phone numbers in the client's national forms from here on (evidence now, the report after).
    set_redaction_region(engagement.audit.client.country)
    progress.step("computing friction signals")
    signals = compute_signals(engagement, journey, data)
    progress.step("scoring touchpoints")
    # The planned campaign is chosen once: the money at stake and the capacity projection judge the same plan.
    campaign = choose_campaign(data.frame("campaigns"), signals)
    ranking = rank_weak_spots(journey, signals, engagement.settings, data.frame("campaigns"), data.frame("survey"), uplift,
                              campaign=campaign)
    progress.step("checking capacity")
    outlook = None
    if signals.order_facts is not None:
        outlook = assess_capacity(signals.order_facts, data.frame("campaigns"), data.frame("capacity"), data.frame("leads"),
                                  data.frame("deals"), engagement.settings, signals.context.calendar, engagement.audit.promise,
                                  uplift=uplift, campaign=campaign)
    progress.step("deciding the verdict")
    verdict = decide(ranking, outlook, engagement.settings)
    fix_plan = build_fix_plan(ranking, signals, engagement.playbook, engagement.settings, lexicon=engagement.lexicon,
                              enough_data=verdict.status != NOT_ENOUGH_DATA)
    generated_on = dt.date.today()
    as_of = data_as_of({kind: data.frame(kind) for kind in ("orders", "events", "survey", "feedback")})
    working_days = signals.context.calendar.weekmask.count("1")
    decision = make_decision(verdict, ranking, outlook, fix_plan, as_of, working_days,
                             engagement.settings.fix_plan.medium_effort_days, generated_on)
    return AuditResult(engagement, journey, data, signals, ranking, outlook, verdict, fix_plan, decision, generated_on)
