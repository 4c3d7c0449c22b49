"""'Since the last audit': the comparison with the engagement's previous audit, written for the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..decision import HeadroomBasis, HeadroomFigure
from ..history import AuditComparison, Headroom, KpiComparison, KpiStatus, SpotStatus, WeakSpotComparison
from . import figures
from .decision_page import SLUGS
from .numbers import MISSING, Formatter
from .plan import kpi_figure

if TYPE_CHECKING:
    pass

# What a before/after reading says, in the client's words (the test behind it: history.stats.proportion_change).
READINGS = {
    "better": "a real improvement",
    "worse": "a real worsening",
    "no_clear_change": "no clear change",
    "too_early": "too early to tell",
    KpiStatus.NOT_TESTED: "not tested (not a share)",
    KpiStatus.NOT_MEASURED_THEN: "not measured then",
    KpiStatus.NOT_MEASURED_NOW: "not measured now",
}
# A segment gap or an incident is only measured while it is there: not found now means it is gone.
GONE_WHEN_FIXED = frozenset({"segment_gap", "incident"})
# What a step's conversion stands in for when the other audit no longer measures it.
STAND_IN_NAMES = {"segment_gap": "gap between devices or channels", "incident": "abnormal drop-off period",
                  "activity_conversion": "drop-off inside the step"}
ADVICE = {"postpone": "postpone the campaign", "cap": "market within the headroom", "go": "go ahead with the campaign",
          "within_headroom": "keep any campaign within the headroom", "wait_for_data": "wait for more data"}
SPOT_GROUPS = ((SpotStatus.RESOLVED, "Resolved: no longer a weak spot"), (SpotStatus.BETTER, "Better, still a weak spot"),
               (SpotStatus.WORSE, "Worse"), (SpotStatus.NEW, "New weak spots"),
               (SpotStatus.UNCHANGED, "No clear change"))
# Where a target came from (signals[].basis), as the definition note names it.
TARGET_SOURCES = {"journey": "journey file", "settings": "settings in audit.yaml", "benchmark": "benchmark table",
                  "baseline": "business's own earlier level", "segment": "other segments of the same step",
                  "default": "settings model's default"}


@dataclass(frozen=True)
class SinceKpiRow:
    label: str
    where: str  # the touchpoint's name, or "" for a whole-business figure
    then: str  # "68%" (n=5,855)
    then_n: str  # "" when not measured
    now: str
    now_n: str
    target: str  # "at least 85%"; "at most 2% then → 3% now" when it moved
    change: str  # "+21.5 points"
    interval: str  # "+19.8 to +23.2 points"
    reading: str  # better | worse | no_clear_change | too_early | not_tested | not_measured_then | not_measured_now
    reading_text: str  # "a real improvement"
    note: str = ""  # what changed in its definition or target between the two audits


@dataclass(frozen=True)
class SinceSpotRow:
    name: str
    status: str  # resolved | new | better | worse | unchanged
    score: str  # "62 → 5"
    signal: str  # "Customers who go on from Checkout to Payment: 68% → 89%"
    reading: str
    reading_text: str


@dataclass(frozen=True)
class SinceSpotGroup:
    key: str
    title: str
    rows: list[SinceSpotRow] = field(default_factory=list)


@dataclass(frozen=True)
class SinceView:
    title: str  # "Since the last audit (data up to 30 Sep 2026)"
    intro: str  # which audit is compared, and which data changed
    verdict_then: str
    verdict_now: str
    slug_then: str
    slug_now: str
    verdict_line: str  # "The verdict is still FIX FIRST." / "The verdict moved from FIX FIRST to MARKET WITH LIMITS."
    advice_then: str
    advice_now: str
    headroom_then: str
    headroom_now: str
    headroom_line: str
    summary: str
    kpis: list[SinceKpiRow] = field(default_factory=list)
    spot_groups: list[SinceSpotGroup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    method: str = ""  # how a change is judged, one sentence


def view(comparison: AuditComparison, fmt: Formatter) -> SinceView:
    """The comparison in words, every figure written by `fmt` (shared by the report and `fixfirst compare`)."""
    c = comparison
    then, now = c.then, c.now
    verdict_then, verdict_now = then.verdict or MISSING, now.verdict or MISSING
    if c.verdict_changed:
        verdict_line = f"The verdict moved from {verdict_then} to {verdict_now}."
    else:
        verdict_line = f"The verdict is still {verdict_now}."
    kpis = [_kpi_row(k, fmt) for k in c.kpis]
    groups = []
    for key, title in SPOT_GROUPS:
        rows = [_spot_row(w, fmt) for w in c.spots(key)]
        if rows:
            groups.append(SinceSpotGroup(key, title, rows))
    return SinceView(
        title=f"Since the last audit (data up to {fmt.date(then.as_of)})",
        intro=_intro(c, fmt), verdict_then=verdict_then, verdict_now=verdict_now,
        slug_then=SLUGS.get(verdict_then, "fix-first"), slug_now=SLUGS.get(verdict_now, "fix-first"),
        verdict_line=verdict_line, advice_then=ADVICE.get(then.advice or "", MISSING), advice_now=ADVICE.get(now.advice or "", MISSING),
        headroom_then=_headroom(then.headroom, fmt), headroom_now=_headroom(now.headroom, fmt),
        headroom_line=_headroom_line(then.headroom, now.headroom, fmt),
        summary=_summary(c, kpis, fmt), kpis=kpis, spot_groups=groups, notes=_notes(c, fmt),
        method=(f"A change is real when its whole {fmt.percent(c.ci_level)} interval lies on one side of zero "
                f"(Newcombe's interval for two shares); with fewer than {fmt.count(c.min_n)} observations on either side "
                f"it is too early to tell."))


def _figure(k: KpiComparison, value: float | None, fmt: Formatter) -> str:
    return MISSING if value is None else kpi_figure(k, value, fmt)


def _target(k: KpiComparison, fmt: Formatter) -> str:
    words = "at least " if k.direction != "at_most" else "at most "
    if k.target_then is not None and k.target_now is not None and k.target_then != k.target_now:
        return f"{words}{_figure(k, k.target_then, fmt)} then → {_figure(k, k.target_now, fmt)} now"
    return MISSING if k.target is None else words + _figure(k, k.target, fmt)


def points_interval(low: float, high: float, fmt: Formatter) -> str:
    """'+19.8 to +23.2 points'."""
    return f"{fmt.points(low).removesuffix(' points')} to {fmt.points(high)}"


def _kpi_row(k: KpiComparison, fmt: Formatter) -> SinceKpiRow:
    change = interval = ""
    if k.change is not None:
        change = fmt.points(k.change.difference)
        interval = points_interval(k.change.low, k.change.high, fmt)
    elif k.then_value is not None and k.now_value is not None:
        diff = k.now_value - k.then_value
        change = ("+" if diff > 0 else "−" if diff < 0 else "") + _figure(k, abs(diff), fmt)
    reading_text = READINGS.get(k.reading, k.reading)
    if k.metric in GONE_WHEN_FIXED and k.reading == KpiStatus.NOT_MEASURED_NOW:
        reading_text = "no longer found"
    elif k.metric in GONE_WHEN_FIXED and k.reading == KpiStatus.NOT_MEASURED_THEN:
        reading_text = "not found then"
    return SinceKpiRow(k.label, k.touchpoint_name or "", _figure(k, k.then_value, fmt),
                       "" if k.then_n is None else fmt.count(k.then_n), _figure(k, k.now_value, fmt),
                       "" if k.now_n is None else fmt.count(k.now_n), _target(k, fmt), change, interval, k.reading,
                       reading_text, _definition_note(k, fmt))


def _setting_value(value) -> str:
    if value is None:
        return "not set"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _definition_note(k: KpiComparison, fmt: Formatter) -> str:
    parts = []
    target_moved = any(d.what == "target" for d in k.definition_changes)
    for d in k.definition_changes:
        if d.what == "target" or (target_moved and d.what == f"metrics.{k.metric}.target"):
            continue  # the target column shows both
        if d.what == "target_basis":
            parts.append(f"its target came from the {TARGET_SOURCES.get(d.then, d.then)} then and the "
                         f"{TARGET_SOURCES.get(d.now, d.now)} now")
        elif d.what == "label":
            parts.append(f"measured as \u201c{d.then}\u201d then")
        else:
            parts.append(f"{d.what} was {_setting_value(d.then)}, now {_setting_value(d.now)}")
    if not parts and target_moved:
        parts.append("its target changed")
    return ("Definition changed: " + "; ".join(parts) + ".") if parts else ""


def _spot_row(w: WeakSpotComparison, fmt: Formatter) -> SinceSpotRow:
    def score(value):
        return MISSING if value is None else fmt.number(value)

    signal = ""
    reading = w.status
    if w.signal is not None:
        s = w.signal
        signal = f"{s.label}: {fmt.percent(s.then_value, 1) if s.then_value is not None else MISSING} → " \
                 f"{fmt.percent(s.now_value, 1) if s.now_value is not None else MISSING}"
        if s.change is not None:
            signal += f" ({fmt.points(s.change.difference)}, {points_interval(s.change.low, s.change.high, fmt)})"
        reading = s.reading
    reading_text = READINGS.get(reading, reading)
    if w.signal is not None and w.signal.stand_in:
        what = STAND_IN_NAMES.get(w.signal.stands_for or "", "part of the step it was found in")
        reading_text += (f" in the step's conversion; its {what} was not found then" if w.status == SpotStatus.NEW
                         else f" in the step's conversion; the {what} is no longer found")
    return SinceSpotRow(w.name, w.status, f"{score(w.score_then)} → {score(w.score_now)}", signal, reading, reading_text)


def _figure_of(room: Headroom | None) -> HeadroomFigure | None:
    if room is None or room.status is None:
        return None
    try:
        basis = HeadroomBasis(room.basis)
    except ValueError:
        basis = HeadroomBasis.HISTORY
    return HeadroomFigure(basis, room.status, room.uplift, room.extra_orders_per_week, room.lower_bound, room.breaks_first)


def _headroom(room: Headroom | None, fmt: Formatter) -> str:
    return figures.headroom(_figure_of(room), fmt)


def _headroom_line(then: Headroom | None, now: Headroom | None, fmt: Formatter) -> str:
    before, after = _headroom(then, fmt), _headroom(now, fmt)
    line = f"Operations could carry {before} then; {after} now" if before != after else f"Operations can still carry {after}"
    if then is not None and now is not None and then.basis != now.basis:
        line += f" (measured by the {then.basis} model then, the {now.basis} model now)"
    return line + "."


def _intro(c: AuditComparison, fmt: Formatter) -> str:
    then = f"the audit of the data up to {fmt.date(c.then.as_of)}"
    if c.then.generated_on is not None:
        then += f" (prepared {fmt.date(c.then.generated_on)})"
    changed = [f.file for f in c.data.files if f.same is False]
    added = [f.file for f in c.data.files if f.sha256_then is None and f.sha256_now is not None]
    if c.data.same_data:
        data = "It judged the same data files as this one"
    elif changed or added:
        data = "Since then, new data: " + ", ".join(dict.fromkeys(changed + added))
    else:
        data = "The data files are not all comparable"
    return f"This audit compared with {then}. {data}."


def _count(n: int, one: str, many: str, fmt: Formatter) -> str:
    return f"{fmt.count(n)} {one if n == 1 else many}"


def _summary(c: AuditComparison, rows: list[SinceKpiRow], fmt: Formatter) -> str:
    parts = []
    resolved, new = len(c.spots(SpotStatus.RESOLVED)), len(c.spots(SpotStatus.NEW))
    parts.append(f"{_count(resolved, 'weak spot', 'weak spots', fmt)} resolved, {fmt.count(new)} new")
    readings = [r.reading for r in rows]
    better, worse = readings.count("better"), readings.count("worse")
    unclear = readings.count("no_clear_change") + readings.count("too_early")
    parts.append(f"{_count(better, 'KPI', 'KPIs', fmt)} improved for real, {fmt.count(worse)} worsened, "
                 f"{fmt.count(unclear)} with no clear change yet")
    return "; ".join(parts) + "."


def _notes(c: AuditComparison, fmt: Formatter) -> list[str]:
    notes = []
    if not c.data.same_settings:
        changed = ", ".join(f"{d.what} ({_setting_value(d.then)} → {_setting_value(d.now)})" for d in c.data.settings_changed[:6])
        more = len(c.data.settings_changed) - 6
        notes.append("Settings changed between the two audits: " + (changed or "see audit.yaml")
                     + (f" and {fmt.count(more)} more" if more > 0 else "") + ".")
    if not c.data.same_version:
        notes.append(f"The earlier audit was made by fixfirst {c.then.fixfirst_version or MISSING}; this one by "
                     f"{c.now.fixfirst_version or MISSING}: a figure whose method changed may differ for that reason alone.")
    if c.data.same_data:
        notes.append("Both audits judged the same data files: any change comes from the settings or the method, not the business.")
    return notes
