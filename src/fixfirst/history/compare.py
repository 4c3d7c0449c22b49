"""Two audits side by side: verdict, headroom, each KPI to monitor and each weak spot then and now, with honest tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FixfirstError
from .actions import follow_up, plan_action_ids, read_register, snapshot_action_ids
from .snapshot import _NAME, _same_audit, list_snapshots, load_snapshot
from .stats import ChangeReading, ProportionChange, proportion_change

SCHEMA = "fixfirst.compare/1"

# A segment gap or an incident is one part of a step's conversion, and is only measured while it is there: once fixed,
# it is gone from the next audit. Its step's conversion (same edge) is then what says whether the step got better.
STEP_PART_METRICS = frozenset({"segment_gap", "incident", "activity_conversion"})

# Target bases (signals[].basis) measured from the data itself: the rule is the definition, not the figure.
DATA_DERIVED_TARGETS = frozenset({"segment", "baseline"})

# Settings (dotted paths in the snapshot's `settings`) that change what a metric measures or which target it is held to.
# Every metric is also held to `metrics.<metric>.target` and the `targets.*` rules that pick a benchmark or a baseline.
_ALL_METRICS = ("targets.benchmarks", "targets.baseline_recent_days", "targets.baseline_parts", "targets.baseline_min_cases",
                "targets.baseline_alpha", "targets.baseline_min_relative_drop")
METRIC_SETTINGS: dict[str, tuple[str, ...]] = {
    "promise_breach": ("promise", "orders.dispatch_target_business_days"),
    "late_dispatch": ("promise", "orders.dispatch_target_business_days"),
    "repeat": ("orders.repeat_window_days",),
    "returns": ("orders.return_window_days",),
    "complaint_share": ("feedback.negative_rating_max", "feedback.language", "feedback.lexicon", "feedback.negation_window",
                        "feedback.intensifier_weight", "feedback.whole_word_max_chars"),
    "segment_gap": ("targets.segment_dimensions", "targets.segment_alpha", "targets.segment_min_cases",
                    "targets.segment_min_gap", "targets.segment_min_relative_gap", "targets.max_strata"),
    "incident": ("process.min_cases_per_day", "process.min_period_cases", "process.min_lift", "process.alarm_alpha",
                 "process.follow_up_quantile"),
    "conversion": ("process.follow_up_quantile",),
    "checklist": ("checklists.prior_answers",),
}


class KpiStatus:
    """Why a KPI has, or has no, before/after test."""

    COMPARED = "compared"  # a share measured both times: `change` holds the test
    NOT_TESTED = "not_tested"  # measured both times, but not a share (a count, money, days): the difference only
    NOT_MEASURED_THEN = "not_measured_then"
    NOT_MEASURED_NOW = "not_measured_now"  # for a segment gap or an incident: no longer found


class SpotStatus:
    RESOLVED = "resolved"  # a weak spot then, not now
    NEW = "new"  # a weak spot now, not then
    BETTER = "better"  # a weak spot both times; its main signal improved beyond noise
    WORSE = "worse"
    UNCHANGED = "unchanged"  # no clear change in its main signal (or too early to tell: see the change's reading)


@dataclass(frozen=True)
class DefinitionChange:
    """Something that changed what a figure measures or the target it is held to between the two audits."""

    what: str  # "target", "target_basis", "label" or a settings path ("metrics.stockout.target", "promise")
    then: Any
    now: Any

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "then": self.then, "now": self.now}


@dataclass(frozen=True)
class Headroom:
    """decision.headroom of one audit."""

    basis: str | None
    status: str | None
    uplift: float | None
    extra_orders_per_week: float | None
    lower_bound: bool = False
    breaks_first: str | None = None

    @classmethod
    def from_payload(cls, data: dict | None) -> Headroom | None:
        if not isinstance(data, dict):
            return None
        return cls(data.get("basis"), data.get("status"), data.get("uplift"), data.get("extra_orders_per_week"),
                   bool(data.get("lower_bound")), data.get("breaks_first"))

    def to_dict(self) -> dict[str, Any]:
        return {"basis": self.basis, "status": self.status, "uplift": self.uplift,
                "extra_orders_per_week": self.extra_orders_per_week, "lower_bound": self.lower_bound,
                "breaks_first": self.breaks_first}


@dataclass(frozen=True)
class AuditSide:
    """What one of the two audits concluded."""

    as_of: dt.date | None
    generated_on: dt.date | None
    verdict: str | None
    advice: str | None
    headroom: Headroom | None
    weak_spots: int
    money_at_stake_per_month: float | None
    fixfirst_version: str | None
    snapshot: str | None = None  # the snapshot file it was read from (None for the audit just run)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": _iso(self.as_of), "generated_on": _iso(self.generated_on), "verdict": self.verdict,
                "advice": self.advice, "headroom": None if self.headroom is None else self.headroom.to_dict(),
                "weak_spots": self.weak_spots, "money_at_stake_per_month": self.money_at_stake_per_month,
                "fixfirst_version": self.fixfirst_version, "snapshot": self.snapshot}


@dataclass(frozen=True)
class FileComparison:
    kind: str
    file: str
    sha256_then: str | None
    sha256_now: str | None
    rows_then: int | None
    rows_now: int | None

    @property
    def same(self) -> bool | None:
        """True: the same bytes both times; None when one side is missing or unreadable."""
        if self.sha256_then is None or self.sha256_now is None:
            return None
        return self.sha256_then == self.sha256_now

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "sha256_then": self.sha256_then, "sha256_now": self.sha256_now,
                "rows_then": self.rows_then, "rows_now": self.rows_now, "same": self.same}


@dataclass(frozen=True)
class DataComparison:
    """Which data each audit judged."""

    files: list[FileComparison]
    same_settings: bool
    settings_changed: list[DefinitionChange]  # every setting that differs, dotted path, then and now
    same_version: bool

    @property
    def same_data(self) -> bool:
        return bool(self.files) and all(f.same for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"same_data": self.same_data, "files": [f.to_dict() for f in self.files], "same_settings": self.same_settings,
                "settings_changed": [c.to_dict() for c in self.settings_changed], "same_version": self.same_version}


@dataclass(frozen=True)
class KpiComparison:
    """One KPI to monitor, then and now, with the test of its change."""

    label: str
    metric: str | None
    touchpoint: str | None
    touchpoint_name: str | None
    unit: str | None
    direction: str | None  # at_least | at_most
    then_value: float | None
    then_n: int | None
    now_value: float | None
    now_n: int | None
    target_then: float | None
    target_now: float | None
    status: str  # KpiStatus
    change: ProportionChange | None
    definition_changes: list[DefinitionChange] = field(default_factory=list)
    in_plan_then: bool = True  # listed in the earlier audit's fix_plan.kpis
    in_plan_now: bool = True

    @property
    def target(self) -> float | None:
        return self.target_now if self.target_now is not None else self.target_then

    @property
    def reading(self) -> str:
        """better | worse | no_clear_change | too_early, or the status when there is no test."""
        return self.change.reading.value if self.change is not None else self.status

    @property
    def same_definition(self) -> bool:
        return not self.definition_changes

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "metric": self.metric, "touchpoint": self.touchpoint, "unit": self.unit,
                "direction": self.direction, "then": {"value": self.then_value, "n": self.then_n, "target": self.target_then},
                "now": {"value": self.now_value, "n": self.now_n, "target": self.target_now}, "status": self.status,
                "reading": self.reading, "change": None if self.change is None else self.change.to_dict(),
                "difference": _difference(self.then_value, self.now_value),
                "same_definition": self.same_definition,
                "definition_changes": [c.to_dict() for c in self.definition_changes],
                "in_plan_then": self.in_plan_then, "in_plan_now": self.in_plan_now}


@dataclass(frozen=True)
class SignalChange:
    """A weak spot's main signal then and now (for a step's segment gap gone now: its step's conversion both times)."""

    metric: str
    label: str
    higher_is_better: bool
    then_value: float | None
    then_n: int | None
    now_value: float | None
    now_n: int | None
    change: ProportionChange | None
    stand_in: bool = False  # True when the step's conversion stands in for a segment gap or incident not measured now
    stands_for: str | None = None  # the metric it stands in for (segment_gap, incident, activity_conversion)

    @property
    def reading(self) -> str:
        if self.change is not None:
            return self.change.reading.value
        return KpiStatus.NOT_MEASURED_THEN if self.then_value is None else KpiStatus.NOT_MEASURED_NOW

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "label": self.label, "higher_is_better": self.higher_is_better,
                "then": {"value": self.then_value, "n": self.then_n}, "now": {"value": self.now_value, "n": self.now_n},
                "reading": self.reading, "change": None if self.change is None else self.change.to_dict(),
                "stand_in": self.stand_in, "stands_for": self.stands_for}


@dataclass(frozen=True)
class WeakSpotComparison:
    touchpoint: str
    name: str
    status: str  # SpotStatus
    rank_then: int | None  # None: not a weak spot then (or not scored)
    rank_now: int | None
    score_then: float | None
    score_now: float | None
    money_then: float | None
    money_now: float | None
    signal: SignalChange | None

    def to_dict(self) -> dict[str, Any]:
        return {"touchpoint": self.touchpoint, "name": self.name, "status": self.status,
                "then": {"rank": self.rank_then, "score": self.score_then, "money_at_stake": self.money_then},
                "now": {"rank": self.rank_now, "score": self.score_now, "money_at_stake": self.money_now},
                "signal": None if self.signal is None else self.signal.to_dict()}


@dataclass(frozen=True)
class AuditComparison:
    then: AuditSide
    now: AuditSide
    kpis: list[KpiComparison]
    weak_spots: list[WeakSpotComparison]
    data: DataComparison
    ci_level: float
    min_n: int

    @property
    def verdict_changed(self) -> bool:
        return self.then.verdict != self.now.verdict

    def spots(self, status: str) -> list[WeakSpotComparison]:
        return [w for w in self.weak_spots if w.status == status]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "then": self.then.to_dict(), "now": self.now.to_dict(),
                "verdict_changed": self.verdict_changed, "ci_level": self.ci_level, "min_n": self.min_n,
                "kpis": [k.to_dict() for k in self.kpis], "weak_spots": [w.to_dict() for w in self.weak_spots],
                "data": self.data.to_dict()}


def compare_audits(baseline: dict[str, Any], current: dict[str, Any], settings, *, baseline_path: Path | str | None = None,
                   current_path: Path | str | None = None) -> AuditComparison:
    """Compare two snapshot payloads (fixfirst.snapshot/1); `settings` (the current engagement's) sets the test's level
    (scoring.ci_level) and the fewest observations a side needs before a change is judged (scoring.min_evidence_n)."""
    level = float(settings.scoring.ci_level)
    min_n = int(settings.scoring.min_evidence_n)
    then_audit, now_audit = _audit(baseline), _audit(current)
    changed = _settings_changes(baseline, current)
    data = DataComparison(_files(baseline, current), baseline.get("settings_sha256") == current.get("settings_sha256")
                          and not changed, changed, baseline.get("fixfirst_version") == current.get("fixfirst_version"))
    return AuditComparison(
        then=_side(baseline, baseline_path), now=_side(current, current_path),
        kpis=_kpis(then_audit, now_audit, changed, level, min_n),
        weak_spots=_weak_spots(then_audit, now_audit, level, min_n, settings.scoring.weak_spot_min_score),
        data=data, ci_level=level, min_n=min_n)


# --- choosing the baseline -------------------------------------------------------------------------------------------

def baseline_snapshot(engagement_folder: Path, current: dict[str, Any], choice: str | None = None) -> Path | None:
    """The snapshot to compare the current audit with.

    `choice` is a snapshot path or an as-of date (YYYY-MM-DD: the latest snapshot of that date). By default: the latest
    snapshot whose as-of date is before the current one, or, when none is earlier, the latest that is a different audit
    (other data, settings or version). None when there is no such snapshot.
    """
    if choice:
        return _chosen(engagement_folder, choice)
    current_as_of = _date(current.get("as_of"))
    earlier, different = None, None
    for path in list_snapshots(engagement_folder):
        try:
            payload = load_snapshot(path)
        except FixfirstError:
            continue  # a broken file in the folder is not a baseline; naming it with --baseline shows why
        as_of = _date(payload.get("as_of"))
        if as_of is not None and current_as_of is not None and as_of < current_as_of:
            earlier = path
        if not _same_audit(payload, current):
            different = path
    return earlier or different


def _chosen(engagement_folder: Path, choice: str) -> Path:
    try:
        day = dt.date.fromisoformat(choice)
    except ValueError:
        day = None
    if day is not None and len(choice) == 10:
        matches = [p for p in list_snapshots(engagement_folder) if (m := _NAME.match(p.name)) and m.group(1) == choice]
        if not matches:
            kept = sorted({m.group(1) for p in list_snapshots(engagement_folder) if (m := _NAME.match(p.name))})
            raise FixfirstError(f"no audit snapshot as of {choice} in {Path(engagement_folder) / 'audits'}",
                                "give one of the kept as-of dates (" + (", ".join(kept) if kept else "none kept yet")
                                + ") or a snapshot's path")
        return matches[-1]
    path = Path(choice).expanduser()
    if not path.is_file():
        raise FixfirstError(f"--baseline {choice}: neither an as-of date (YYYY-MM-DD) nor a snapshot file",
                            "give an as-of date of a kept audit, or the path of a snapshot in ENGAGEMENT/audits")
    return path


# --- internals -------------------------------------------------------------------------------------------------------

def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _difference(then: float | None, now: float | None) -> float | None:
    if then is None or now is None:
        return None
    return round(float(now) - float(then), 4)


def _audit(snapshot: dict[str, Any]) -> dict[str, Any]:
    audit = snapshot.get("audit")
    return audit if isinstance(audit, dict) else {}


def _side(snapshot: dict[str, Any], path) -> AuditSide:
    audit = _audit(snapshot)
    decision = audit.get("decision") or {}
    verdict = (audit.get("verdict") or {}).get("status") or decision.get("status")
    money = decision.get("money_at_stake_per_month")
    if money is None and isinstance(audit.get("fix_plan"), dict):
        money = audit["fix_plan"].get("money_at_stake_per_month")
    return AuditSide(_date(snapshot.get("as_of") or audit.get("as_of")), _date(snapshot.get("generated_on") or audit.get("generated_on")),
                     verdict, decision.get("advice"), Headroom.from_payload(decision.get("headroom")),
                     len(audit.get("weak_spots") or []), money, snapshot.get("fixfirst_version"),
                     None if path is None else str(path))


def _files(baseline: dict[str, Any], current: dict[str, Any]) -> list[FileComparison]:
    then = {(d.get("kind"), d.get("file")): d for d in baseline.get("data") or [] if isinstance(d, dict)}
    now = {(d.get("kind"), d.get("file")): d for d in current.get("data") or [] if isinstance(d, dict)}
    keys = list(then) + [k for k in now if k not in then]
    return [FileComparison(str(k[0]), str(k[1]), (then.get(k) or {}).get("sha256"), (now.get(k) or {}).get("sha256"),
                           (then.get(k) or {}).get("rows_kept"), (now.get(k) or {}).get("rows_kept")) for k in keys]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _settings_changes(baseline: dict[str, Any], current: dict[str, Any]) -> list[DefinitionChange]:
    """Every setting (and the promise, when the snapshots carry it) that differs, as dotted paths."""
    then = _flatten(baseline.get("settings") or {})
    now = _flatten(current.get("settings") or {})
    if isinstance(baseline.get("promise"), dict) and isinstance(current.get("promise"), dict):
        then.update(_flatten(baseline["promise"], "promise"))
        now.update(_flatten(current["promise"], "promise"))
    missing = object()
    changes = []
    for key in sorted(set(then) | set(now)):
        a, b = then.get(key, missing), now.get(key, missing)
        if a != b:
            changes.append(DefinitionChange(key, None if a is missing else a, None if b is missing else b))
    return changes


def _relevant(metric: str | None, changes: list[DefinitionChange]) -> list[DefinitionChange]:
    if metric is None:
        return []
    prefixes = (f"metrics.{metric}.target",) + _ALL_METRICS + METRIC_SETTINGS.get(metric, ())
    return [c for c in changes if any(c.what == p or c.what.startswith(p + ".") for p in prefixes)]


def _signals(audit: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every scored touchpoint's signals (weak or not), by touchpoint id."""
    out: dict[str, list[dict[str, Any]]] = {}
    for group in (audit.get("weak_spots") or [], audit.get("touchpoints") or []):
        for tp in group:
            if isinstance(tp, dict) and tp.get("touchpoint") not in out:
                out[tp["touchpoint"]] = [s for s in tp.get("signals") or [] if isinstance(s, dict)]
    return out


def _names(*audits: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for audit in audits:
        for group in (audit.get("touchpoints") or [], audit.get("weak_spots") or []):
            for tp in group:
                if isinstance(tp, dict) and tp.get("touchpoint"):
                    names[tp["touchpoint"]] = tp.get("name") or tp["touchpoint"]
    return names


def _find_signal(signals: dict[str, list[dict]], touchpoint: str | None, metric: str | None, label: str | None) -> dict | None:
    for s in signals.get(touchpoint or "", []):
        if s.get("metric") == metric and s.get("label") == label:
            return s
    return None


def _share_change(then_value, then_n, now_value, now_n, higher_is_better: bool, level: float, min_n: int) -> ProportionChange | None:
    try:
        then_share, now_share, then_n, now_n = float(then_value), float(now_value), int(then_n), int(now_n)
    except (TypeError, ValueError):  # not measured on a side (or a hand-edited snapshot): nothing to test
        return None
    if then_n <= 0 or now_n <= 0 or not (0 <= then_share <= 1 and 0 <= now_share <= 1):
        return None
    return proportion_change(round(then_share * then_n), then_n, round(now_share * now_n), now_n,
                             higher_is_better=higher_is_better, level=level, min_n=min_n)


def _kpi_key(k: dict[str, Any]) -> tuple:
    return (k.get("metric"), k.get("touchpoint"), k.get("label"))


def _plan_kpis(audit: dict[str, Any]) -> list[dict[str, Any]]:
    plan = audit.get("fix_plan")
    return [k for k in (plan or {}).get("kpis") or [] if isinstance(k, dict)] if isinstance(plan, dict) else []


def _kpi_from_signal(signal: dict | None) -> dict | None:
    if signal is None:
        return None
    return {"label": signal.get("label"), "metric": signal.get("metric"), "touchpoint": signal.get("touchpoint"),
            "current": signal.get("value"), "n": signal.get("n"), "target": signal.get("target"),
            "direction": "at_least" if signal.get("higher_is_better") else "at_most", "unit": "pct"}


def _pair_kpis(then_kpis: list[dict], now_kpis: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Matched by (metric, touchpoint, label); a KPI whose label changed (a new promise's wording) is matched by
    (metric, touchpoint) when exactly one is left unmatched on each side."""
    now_by_key = {_kpi_key(k): k for k in now_kpis}
    then_keys = {_kpi_key(k) for k in then_kpis}
    pairs: list[tuple[dict, dict | None]] = [(k, now_by_key.get(_kpi_key(k))) for k in then_kpis]
    left_now = [k for k in now_kpis if _kpi_key(k) not in then_keys]
    for i, (then, now) in enumerate(pairs):
        if now is not None or then.get("metric") is None:
            continue
        same_then = [k for k, n in pairs if n is None and k.get("metric") == then.get("metric") and k.get("touchpoint") == then.get("touchpoint")]
        same_now = [k for k in left_now if k.get("metric") == then.get("metric") and k.get("touchpoint") == then.get("touchpoint")]
        if len(same_then) == 1 and len(same_now) == 1:
            pairs[i] = (then, same_now[0])
            left_now.remove(same_now[0])
    return [*pairs, *((None, k) for k in left_now)]


def _kpis(then_audit: dict, now_audit: dict, changed: list[DefinitionChange], level: float, min_n: int) -> list[KpiComparison]:
    then_signals, now_signals = _signals(then_audit), _signals(now_audit)
    names = _names(then_audit, now_audit)
    out = []
    for then_kpi, now_kpi in _pair_kpis(_plan_kpis(then_audit), _plan_kpis(now_audit)):
        in_plan_then, in_plan_now = then_kpi is not None, now_kpi is not None
        ref = then_kpi or now_kpi
        assert ref is not None
        if then_kpi is None:
            then_kpi = _kpi_from_signal(_find_signal(then_signals, ref.get("touchpoint"), ref.get("metric"), ref.get("label")))
        if now_kpi is None:
            now_kpi = _kpi_from_signal(_find_signal(now_signals, ref.get("touchpoint"), ref.get("metric"), ref.get("label")))
        then_value = None if then_kpi is None else then_kpi.get("current")
        now_value = None if now_kpi is None else now_kpi.get("current")
        then_n = None if then_kpi is None else then_kpi.get("n")
        now_n = None if now_kpi is None else now_kpi.get("n")
        unit = ref.get("unit")
        direction = ref.get("direction")
        change = None
        if then_value is None:
            status = KpiStatus.NOT_MEASURED_THEN
        elif now_value is None:
            status = KpiStatus.NOT_MEASURED_NOW
        elif unit != "pct" or then_n is None or now_n is None:
            status = KpiStatus.NOT_TESTED
        else:
            change = _share_change(then_value, then_n, now_value, now_n, direction != "at_most", level, min_n)
            status = KpiStatus.COMPARED if change is not None else KpiStatus.NOT_TESTED
        definition = _definition_changes(ref, then_kpi, now_kpi, then_signals, now_signals, changed)
        out.append(KpiComparison(
            label=((now_kpi or ref).get("label") if in_plan_now else ref.get("label")) or "", metric=ref.get("metric"),
            touchpoint=ref.get("touchpoint"), touchpoint_name=names.get(ref.get("touchpoint") or ""), unit=unit,
            direction=direction, then_value=then_value, then_n=then_n, now_value=now_value, now_n=now_n,
            target_then=None if then_kpi is None else then_kpi.get("target"),
            target_now=None if now_kpi is None else now_kpi.get("target"),
            status=status, change=change, definition_changes=definition, in_plan_then=in_plan_then, in_plan_now=in_plan_now))
    return out


def _definition_changes(ref: dict, then_kpi: dict | None, now_kpi: dict | None, then_signals, now_signals,
                        changed: list[DefinitionChange]) -> list[DefinitionChange]:
    if then_kpi is None or now_kpi is None:
        return _relevant(ref.get("metric"), changed)
    out = []
    if then_kpi.get("label") != now_kpi.get("label"):
        out.append(DefinitionChange("label", then_kpi.get("label"), now_kpi.get("label")))
    then_signal = _find_signal(then_signals, ref.get("touchpoint"), then_kpi.get("metric"), then_kpi.get("label"))
    now_signal = _find_signal(now_signals, ref.get("touchpoint"), now_kpi.get("metric"), now_kpi.get("label"))
    bases = (None if then_signal is None else then_signal.get("basis"), None if now_signal is None else now_signal.get("basis"))
    # A target measured from the data itself (the other segments, the business's own earlier level) moves with the
    # data: the same rule both times is the same definition.
    same_rule_from_data = bases[0] == bases[1] and bases[0] in DATA_DERIVED_TARGETS
    if then_kpi.get("target") != now_kpi.get("target") and not same_rule_from_data:
        out.append(DefinitionChange("target", then_kpi.get("target"), now_kpi.get("target")))
    if None not in bases and bases[0] != bases[1]:
        out.append(DefinitionChange("target_basis", bases[0], bases[1]))
    return out + _relevant(ref.get("metric"), changed)


def _by_touchpoint(group: Iterable[dict]) -> dict[str, dict]:
    return {tp["touchpoint"]: tp for tp in group if isinstance(tp, dict) and tp.get("touchpoint")}


def _still_failing(spots: dict[str, dict], floor: float) -> dict[str, dict]:
    """The weak spots whose failure lasts to the end of the data: one whose score now comes only from an incident that
    is over (`current_score` below the weak-spot floor) was fixed within the period, so it counts as resolved."""
    return {tp: w for tp, w in spots.items() if w.get("current_score") is None or w["current_score"] >= floor}


def _score_now(after: dict | None, status) -> float | None:
    """The score now; for a weak spot resolved within the period, the score of what still fails at the end of the data."""
    if after is None:
        return None
    if status is SpotStatus.RESOLVED and after.get("current_score") is not None:
        return after["current_score"]
    return after.get("score")


def _weak_spots(then_audit: dict, now_audit: dict, level: float, min_n: int, floor: float) -> list[WeakSpotComparison]:
    then_weak = _still_failing(_by_touchpoint(then_audit.get("weak_spots") or []), floor)
    now_weak = _still_failing(_by_touchpoint(now_audit.get("weak_spots") or []), floor)
    then_all = {**_by_touchpoint(then_audit.get("touchpoints") or []), **then_weak}
    now_all = {**_by_touchpoint(now_audit.get("touchpoints") or []), **now_weak}
    then_signals, now_signals = _signals(then_audit), _signals(now_audit)
    out = []
    for tp in list(then_weak) + [t for t in now_weak if t not in then_weak]:
        before, after = then_all.get(tp), now_all.get(tp)
        if tp in then_weak:
            signal = _main_signal(then_weak[tp].get("signals") or [], tp, then_signals, now_signals, level, min_n, then_side=True)
        else:
            signal = _main_signal(now_weak[tp].get("signals") or [], tp, now_signals, then_signals, level, min_n, then_side=False)
        if tp in then_weak and tp not in now_weak:
            status = SpotStatus.RESOLVED
        elif tp not in then_weak:
            status = SpotStatus.NEW
        elif signal is not None and signal.change is not None and signal.change.reading is ChangeReading.BETTER:
            status = SpotStatus.BETTER
        elif signal is not None and signal.change is not None and signal.change.reading is ChangeReading.WORSE:
            status = SpotStatus.WORSE
        else:
            status = SpotStatus.UNCHANGED
        name = (after or before or {}).get("name") or tp
        out.append(WeakSpotComparison(
            tp, name, status, (then_weak.get(tp) or {}).get("rank"), (now_weak.get(tp) or {}).get("rank"),
            None if before is None else before.get("score"), _score_now(after, status),
            None if before is None else before.get("money_at_stake"), None if after is None else after.get("money_at_stake"),
            signal))
    return out


def _edge_conversion(signals: list[dict], edge) -> dict | None:
    for s in signals:
        if s.get("metric") == "conversion" and s.get("edge") == edge:
            return s
    return None


def _main_signal(own: list[dict], tp: str, own_signals, other_signals, level: float, min_n: int, *, then_side: bool) -> SignalChange | None:
    """The weak spot's heaviest signal measured in both audits, tested; a segment gap or incident gone from the other
    audit is judged by its step's conversion both times."""
    ranked = sorted(own, key=lambda s: -(s.get("weighted_severity") or 0.0))
    for s in ranked:
        mine: dict | None = s
        other = _find_signal(other_signals, tp, s.get("metric"), s.get("label") or "")
        stand_in = False
        if other is None and s.get("metric") in STEP_PART_METRICS and s.get("edge"):
            mine, other = _edge_conversion(own_signals.get(tp, []), s.get("edge")), _edge_conversion(other_signals.get(tp, []), s.get("edge"))
            stand_in = True
        if mine is None or other is None:
            continue
        then, now = (mine, other) if then_side else (other, mine)
        higher = bool(then.get("higher_is_better"))
        change = _share_change(then.get("value"), then.get("n"), now.get("value"), now.get("n"), higher, level, min_n)
        return SignalChange(then.get("metric") or "", then.get("label") or "", higher, then.get("value"), then.get("n"), now.get("value"),
                            now.get("n"), change, stand_in, s.get("metric") if stand_in else None)
    if not ranked:
        return None
    s = ranked[0]  # measured in one audit only
    value, n = s.get("value"), s.get("n")
    return SignalChange(s.get("metric") or "", s.get("label") or "", bool(s.get("higher_is_better")), value if then_side else None,
                        n if then_side else None, None if then_side else value, None if then_side else n, None)


@dataclass(frozen=True)
class ReportHistory:
    """What the report's "Since the last audit" shows: the comparison and the action register followed up."""

    comparison: AuditComparison | None
    follow_up: Any = None  # history.actions.FollowUp, when audit.yaml names the edited register


def report_history(result, current: dict[str, Any]) -> ReportHistory:
    """The comparison with the previous audit and, when the register is given, its follow-up against that audit.

    `current` is this audit's snapshot payload (fixfirst.report.snapshot.current_snapshot).
    """
    comparison = report_comparison(result, current)
    follow = None
    if result.engagement.audit.actions is not None:
        path = baseline_snapshot(result.engagement.folder, current)
        baseline = None
        if path is not None:
            try:
                baseline = load_snapshot(path)
            except FixfirstError:
                baseline = None
        register = read_register(result.engagement, plan_action_ids(result) | snapshot_action_ids(baseline),
                                 today=result.generated_on)
        follow = follow_up(result, register, baseline, result.generated_on) if register.given else None
    return ReportHistory(comparison, follow)


def report_comparison(result, current: dict[str, Any]) -> AuditComparison | None:
    """This audit against the engagement's previous one, for the report's "Since the last audit"; None without one.

    `current` is this audit's snapshot payload (fixfirst.report.snapshot.current_snapshot).
    """
    path = baseline_snapshot(result.engagement.folder, current)
    if path is None:
        return None
    try:
        baseline = load_snapshot(path)
    except FixfirstError:
        return None  # a damaged earlier snapshot does not stop the report; `fixfirst compare` names it
    return compare_audits(baseline, current, result.engagement.settings, baseline_path=path)

