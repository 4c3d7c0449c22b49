"""The 30/60/90-day plan dated from the audit's as-of date, and the KPIs that show the fixes worked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..decision import PHASE_LONG, PHASE_MEDIUM, PHASE_QUICK
from .numbers import Formatter
from .weak_spots import measure

if TYPE_CHECKING:
    from ..decision import AuditResult, WatchedKpi


@dataclass(frozen=True)
class PlanAction:
    number: str  # the same number on the priority matrix and in the workbook's register order
    id: str  # stable: the action register's key
    title: str
    where: str  # "#1 Checkout, #2 Stock and picking"
    owner: str
    due: str
    effort: str  # "low effort, about 2 working days"
    money: str  # the estimate a month ("£3,256"), or "not priced"
    kpi: str  # the KPI that proves it, with its target
    steps: list[str] = field(default_factory=list)
    expected: str = ""
    kind: str = ""  # quick_win | systemic
    source: str = ""  # playbook | checklist
    spots: list[tuple[str, str]] = field(default_factory=list)  # (touchpoint id, "#1 Checkout")
    why: str = ""  # the evidence that ties it to its weak spots


@dataclass(frozen=True)
class PlanPhase:
    key: str  # "30", "60", "90"
    title: str  # "First 30 days"
    due: str  # "by 30 Oct 2026"
    actions: list[PlanAction] = field(default_factory=list)


@dataclass(frozen=True)
class KpiRow:
    label: str
    where: str
    today: str
    n: str
    target: str
    on_target: str  # "on target" | "off target" | "not measured yet" | "no target"
    source: str
    metric: str = ""
    touchpoint: str = ""  # touchpoint id


@dataclass(frozen=True)
class PlanView:
    summary: str
    money_line: str
    phases: list[PlanPhase] = field(default_factory=list)
    kpis: list[KpiRow] = field(default_factory=list)
    unmatched: str = ""

    @property
    def empty(self) -> bool:
        """No action: the plan is one sentence and follows the weak-spot pages instead of opening a page."""
        return not self.phases


PHASE_TITLES = {PHASE_QUICK: "First 30 days", PHASE_MEDIUM: "Days 31 to 60", PHASE_LONG: "Days 61 to 90"}


class HasUnit(Protocol):
    """A KPI as figures are formatted: this audit's (WatchedKpi) or one compared between two audits (KpiComparison)."""

    @property
    def unit(self) -> str | None: ...


def kpi_figure(kpi: HasUnit, value: float | None, fmt: Formatter) -> str:
    if value is None:
        return "not measured yet"
    if kpi.unit == "pct":
        return fmt.percent(value, 0 if round(value * 100, 6).is_integer() else 1)
    if kpi.unit == "money":
        return fmt.money(value)
    if kpi.unit == "days":
        return fmt.days(value)
    if kpi.unit == "nps":
        return f"{value:+.0f}"
    return fmt.number(value, 0 if abs(value) >= 100 else 1)


def kpi_target(kpi: WatchedKpi, fmt: Formatter) -> str:
    if kpi.target is None:
        return "no target set"
    return ("at least " if kpi.higher_is_better else "at most ") + kpi_figure(kpi, kpi.target, fmt)


def _kpi_status(kpi: WatchedKpi) -> str:
    if kpi.current is None:
        return "not measured yet"
    if kpi.on_target is None:
        return "no target"
    return "on target" if kpi.on_target else "off target"


def _effort(action, fmt: Formatter) -> str:
    about = f", about {fmt.days(action.days)}" if action.days else ""
    return f"{action.effort} effort{about}"


def _action(number: int, item, result: AuditResult, fmt: Formatter) -> PlanAction:
    a = item.action
    where = ", ".join(f"#{w.spot.rank} {w.spot.touchpoint.name}" for w in a.weak_spots)
    money = fmt.money(a.estimated_money) if a.estimated_money > 0 else "not priced"
    kpi = ""
    if a.kpi is not None:
        place = f" ({a.kpi.touchpoint.name})" if a.kpi.touchpoint is not None else ""
        kpi = f"{a.kpi.label}{place}: {kpi_target(a.kpi, fmt)}"
    spots = [(w.spot.touchpoint.id, f"#{w.spot.rank} {w.spot.touchpoint.name}") for w in a.weak_spots]
    # Why, in the same plain sentence the weak spot's page uses for that figure, in the client's number format.
    why = " ".join(f"#{w.spot.rank} {w.spot.touchpoint.name}: " + (measure(w.signal, result, fmt) if w.signal is not None
                                                                      else w.evidence) for w in a.weak_spots)
    return PlanAction(str(number), a.id, a.title, where, a.owner, fmt.date(item.due), _effort(a, fmt), money, kpi,
                      list(a.steps), a.effect, a.kind, a.source, spots, why)


def build(result: AuditResult, fmt: Formatter) -> PlanView:
    plan, decision = result.fix_plan, result.decision
    phases: dict[int, PlanPhase] = {}
    for number, item in enumerate(decision.schedule, 1):
        phase = phases.setdefault(item.phase_days, PlanPhase(str(item.phase_days), PHASE_TITLES[item.phase_days],
                                                             f"by {fmt.date(item.due)}"))
        phase.actions.append(_action(number, item, result, fmt))
    kpis = [KpiRow(k.label, k.touchpoint.name if k.touchpoint is not None else "", kpi_figure(k, k.current, fmt),
                   "–" if k.n is None else fmt.count(k.n), kpi_target(k, fmt), _kpi_status(k), k.basis, k.metric or "",
                   k.touchpoint.id if k.touchpoint is not None else "") for k in plan.kpis]
    money_line = ""
    if plan.actions and plan.money_at_stake > 0:
        money_line = (f"If every action works as planned, an estimated {fmt.money(plan.estimated_money)} a month of the "
                      f"{fmt.money(decision.money_at_stake_per_month)} at stake comes back. Estimates assume each fix closes a "
                      "set share of its weak spot's shortfall; the KPIs show whether it did.")
    elif plan.actions:
        money_line = ("The data provided does not show what these weak spots cost in money (the evidence appendix says why for "
                      "each), so the actions are ordered by effort and by how badly their weak spots score.")
    unmatched = ""
    if plan.unmatched:
        names = ", ".join(f"#{w.rank} {w.touchpoint.name}" for w in plan.unmatched)
        unmatched = f"No prepared fix fits {names}: agree its fix with the owner during the consultation."
    return PlanView(plan.summary, money_line, [phases[k] for k in sorted(phases)], kpis, unmatched)
