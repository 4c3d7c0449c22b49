"""The fix plan: the playbook's plays and the consultation's fixes for each weak spot, quick wins first, and the KPIs to watch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import EFFORT_ORDER, SHIPPED_PLAYBOOK, KpiSpec, Play, Playbook, Settings, fold
from ..journey import Touchpoint
from ..scoring import Ranking, WeakSpot
from ..signals import FrictionSignal, SignalSet, pct

PLAYBOOK_SOURCE = "playbook"
CHECKLIST_SOURCE = "checklist"


@dataclass
class WatchedKpi:
    """A figure to monitor after the fixes: where it stands now (with its sample size) and the target it should reach."""

    label: str
    metric: str | None  # a signal metric, or None for a named KPI
    touchpoint: Touchpoint | None
    current: float | None  # None: not measured yet
    n: int | None
    target: float | None
    higher_is_better: bool
    unit: str = "pct"
    basis: str = ""  # where the current figure comes from
    actions: list[str] = field(default_factory=list)  # ids of the actions that name it as their KPI

    @property
    def key(self) -> tuple:
        where = self.touchpoint.id if self.touchpoint is not None else None
        return (self.metric or self.label.casefold(), where, None if self.target is None else round(self.target, 6))

    @property
    def direction(self) -> str:
        return "at_least" if self.higher_is_better else "at_most"

    @property
    def measured(self) -> bool:
        return self.current is not None

    @property
    def on_target(self) -> bool | None:
        if self.current is None or self.target is None:
            return None
        return self.current >= self.target if self.higher_is_better else self.current <= self.target

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "metric": self.metric,
            "touchpoint": None if self.touchpoint is None else self.touchpoint.id,
            "current": None if self.current is None else round(self.current, 4),
            "n": self.n,
            "target": None if self.target is None else round(self.target, 4),
            "direction": self.direction,
            "unit": self.unit,
            "on_target": self.on_target,
            "basis": self.basis,
            "actions": list(self.actions),
        }


@dataclass
class AddressedSpot:
    """A weak spot an action works on, the signal (or consultation answer) that tied them, and the money that estimate puts on it."""

    spot: WeakSpot
    signal: FrictionSignal | None
    evidence: str
    share: float  # planning assumption: share of the touchpoint's shortfall the action closes
    allocated: float | None = None  # this action's part of the weak spot's combined estimate (set by build_fix_plan)

    @property
    def estimated_money(self) -> float:
        return self.spot.money_at_stake * self.share if self.allocated is None else self.allocated

    def to_dict(self) -> dict[str, Any]:
        return {
            "touchpoint": self.spot.touchpoint.id,
            "name": self.spot.touchpoint.name,
            "rank": self.spot.rank,
            "score": round(self.spot.score, 1),
            "money_at_stake": round(self.spot.money_at_stake, 2),
            "metric": None if self.signal is None else self.signal.metric,
            "evidence": self.evidence,
            "estimated_money_per_month": round(self.estimated_money, 2),
        }


@dataclass
class Action:
    """One thing to do: a playbook play, or a consultation finding's own fix, with the weak spots it addresses."""

    id: str
    source: str  # playbook | checklist
    title: str
    cause: str
    kind: str  # quick_win | systemic
    effort: str  # low | medium | high
    days: float | None
    steps: list[str]
    effect: str
    share: float
    owner: str
    kpi: WatchedKpi | None = None
    weak_spots: list[AddressedSpot] = field(default_factory=list)

    def __repr__(self) -> str:
        # One line: the generated repr would print its steps and every weak spot it addresses in full.
        where = (", ".join(a.spot.touchpoint.id for a in self.weak_spots[:3]) + (", ..." if len(self.weak_spots) > 3 else "")
                 or "no weak spot")
        kind = "quick win" if self.quick_win else self.kind
        return f"<Action {self.id!r} ({kind}, {self.effort} effort) at {where}: about {self.estimated_money:,.0f} a month>"

    @property
    def estimated_money(self) -> float:
        """Estimate, per month: the sum over its weak spots of money at stake x the share of the shortfall it is assumed to close."""
        return sum(a.estimated_money for a in self.weak_spots)

    @property
    def top_score(self) -> float:
        return max((a.spot.score for a in self.weak_spots), default=0.0)

    @property
    def quick_win(self) -> bool:
        return self.kind == "quick_win"

    @property
    def headline(self) -> str:
        """One line for a terminal: what, where, how heavy, who, and the estimate."""
        where = ", ".join(a.spot.touchpoint.name for a in self.weak_spots)
        kind = "quick win" if self.quick_win else "systemic"
        money = (f"addresses about {self.estimated_money:,.0f} a month (estimate)" if self.estimated_money > 0
                 else "money not measurable from the data")
        return f"{self.title} [{where}; {kind}, {self.effort} effort; {self.owner}; {money}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "cause": self.cause,
            "kind": self.kind,
            "effort": self.effort,
            "days": self.days,
            "steps": list(self.steps),
            "effect": self.effect,
            "effect_share": self.share,
            "owner": self.owner,
            "kpi": None if self.kpi is None else self.kpi.to_dict(),
            "weak_spots": [a.to_dict() for a in self.weak_spots],
            "estimated_money_per_month": round(self.estimated_money, 2),
        }


@dataclass
class FixPlan:
    """Quick wins, then systemic changes, then the KPIs to monitor; `summary` says in one sentence what the plan is (or why it is empty)."""

    summary: str
    quick_wins: list[Action] = field(default_factory=list)
    systemic: list[Action] = field(default_factory=list)
    kpis: list[WatchedKpi] = field(default_factory=list)
    weak_spots: list[WeakSpot] = field(default_factory=list)
    unmatched: list[WeakSpot] = field(default_factory=list)  # weak spots no play or finding fits
    playbook_files: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # One line: the generated repr would print every action, KPI and weak spot in full.
        return (f"<FixPlan: {len(self.quick_wins)} quick wins, {len(self.systemic)} systemic, {len(self.kpis)} KPIs for "
                f"{len(self.weak_spots)} weak spots; about {self.estimated_money:,.0f} of {self.money_at_stake:,.0f} a month>")

    @property
    def actions(self) -> list[Action]:
        return self.quick_wins + self.systemic

    @property
    def empty(self) -> bool:
        return not self.actions

    def top(self, count: int = 3) -> list[Action]:
        return self.actions[:count]

    @property
    def money_at_stake(self) -> float:
        return sum(w.money_at_stake for w in self.weak_spots)

    @property
    def estimated_money(self) -> float:
        """Estimate of what the whole plan recovers a month: the sum of its actions' estimates (see `_allocate`), which
        never exceeds, per weak spot, its money × (1 − Π(1 − share)): shares combine like independent chances."""
        return sum(a.estimated_money for a in self.actions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "playbook": [_file_label(f) for f in self.playbook_files],
            "money_at_stake_per_month": round(self.money_at_stake, 2),
            "estimated_money_per_month": round(self.estimated_money, 2),
            "quick_wins": [a.to_dict() for a in self.quick_wins],
            "systemic": [a.to_dict() for a in self.systemic],
            "kpis": [k.to_dict() for k in self.kpis],
            "unmatched": [w.touchpoint.id for w in self.unmatched],
        }


def _file_label(path: str) -> str:
    return "shipped" if Path(path) == SHIPPED_PLAYBOOK else Path(path).name


def touchpoint_topics(tp: Touchpoint, lexicon=None) -> frozenset[str]:
    """The lexicon topics a touchpoint stands for: those it names, the one sharing its id, and those listing one of its keywords."""
    topics = set(tp.topics)
    if lexicon is not None:
        keywords = {fold(k).strip().lstrip("=").rstrip("*").strip() for k in tp.keywords}  # explicit =word / word* forms
        topics |= {name for name, phrases in lexicon.topics.items() if name == tp.id or keywords & set(phrases)}
    else:
        topics.add(tp.id)
    return frozenset(topics)


def play_fits(play: Play, tp: Touchpoint, topics: frozenset[str], metric: str) -> bool:
    """A play fits an off-target signal when it lists the metric and, if it names places, the touchpoint is one of them."""
    where = play.matches
    if metric not in where.metrics:
        return False
    return where.anywhere or tp.id in where.touchpoints or tp.stage in where.stages or bool(topics & set(where.topics))


def evidence_line(spot: WeakSpot, signal: FrictionSignal) -> str:
    side = "at least" if signal.higher_is_better else "at most"
    return (f"{spot.touchpoint.name}: {signal.label} {pct(signal.value, 1)} against a target of {side} {pct(signal.target)} "
            f"(n={signal.n:,}, {signal.source}).")


def build_fix_plan(ranking: Ranking, signal_set: SignalSet, playbook: Playbook, settings: Settings,
                   checklists=None, lexicon=None, enough_data: bool = True) -> FixPlan:
    """The plan for the ranked weak spots: plays per weak spot (strongest signal first, at most `fix_plan.plays_per_weak_spot`),
    the consultation's flagged fixes on weak-spot touchpoints, quick wins first, then systemic changes, then the KPIs to watch.

    `checklists` defaults to the signal set's answered checklists; `lexicon` (the engagement's) ties touchpoints to topics.
    `enough_data`: False when the verdict is NOT ENOUGH DATA, so an empty plan never reads as a clean bill of health.
    """
    spots = ranking.weak_spots
    checklists = signal_set.checklists if checklists is None else checklists
    if not spots and not enough_data:
        summary = ("No weak spot shows in the data provided, but it is not enough to clear marketing: first collect order "
                   "history with delivery dates, then audit again.")
        return FixPlan(summary, playbook_files=playbook.files)
    if not spots:
        summary = (f"No action is needed before marketing: no touchpoint scores {settings.scoring.weak_spot_min_score:g} or more, "
                   "so the playbook has nothing to fix. Keep the headline figures on target as volume grows.")
        return FixPlan(summary, playbook_files=playbook.files)
    actions: dict[str, Action] = {}
    for spot in spots:
        _choose_plays(spot, playbook, settings.fix_plan.plays_per_weak_spot, touchpoint_topics(spot.touchpoint, lexicon), actions)
    for action in _checklist_actions(spots, checklists, settings):
        actions.setdefault(action.id, action)
    for action in actions.values():
        action.weak_spots.sort(key=lambda a: a.spot.rank)
    ordered = list(actions.values())
    quick = sorted((a for a in ordered if a.quick_win),
                   key=lambda a: (EFFORT_ORDER[a.effort], -round(a.estimated_money, 6), -round(a.top_score, 6), a.id))
    systemic = sorted((a for a in ordered if not a.quick_win),
                      key=lambda a: (-round(a.estimated_money, 6), -round(a.top_score, 6), EFFORT_ORDER[a.effort], a.id))
    addressed = {a.spot.touchpoint.id for action in ordered for a in action.weak_spots}
    unmatched = [w for w in spots if w.touchpoint.id not in addressed]
    plan = FixPlan("", quick, systemic, [], list(spots), unmatched, playbook.files)
    _allocate(plan)
    plan.quick_wins.sort(key=lambda a: (EFFORT_ORDER[a.effort], -round(a.estimated_money, 6), -round(a.top_score, 6), a.id))
    plan.systemic.sort(key=lambda a: (-round(a.estimated_money, 6), -round(a.top_score, 6), EFFORT_ORDER[a.effort], a.id))
    plan.kpis = _kpis_to_watch(plan, ranking, signal_set, settings)
    plan.summary = _summary(plan)
    return plan


def _choose_plays(spot: WeakSpot, playbook: Playbook, limit: int, topics: frozenset[str], actions: dict[str, Action]) -> None:
    """Plays for each off-target signal in turn (the best fitting play of every signal, then the second...), so a weak
    spot with late dispatch and stock-outs gets a fix for both. Consultation answers are left out here: their flagged
    items already carry their own fixes."""
    fitting_by_signal = []
    for contribution in spot.contributions:
        signal = contribution.signal
        if signal.severity <= 0 or signal.metric == "checklist":
            continue
        fitting = [p for p in playbook.plays if play_fits(p, spot.touchpoint, topics, signal.metric)]
        # The plays that close most of the shortfall first, the lighter one on a tie, then the playbook's order (sort is stable).
        fitting.sort(key=lambda p: (-p.closes, p.effort_rank))
        fitting_by_signal.append((signal, fitting))
    chosen: list[str] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(f) for _, f in fitting_by_signal):
        for signal, fitting in fitting_by_signal:
            if len(chosen) >= limit or depth >= len(fitting) or fitting[depth].id in chosen:
                continue
            play = fitting[depth]
            chosen.append(play.id)
            action = actions.get(play.id) or actions.setdefault(play.id, _action_from_play(play))
            action.weak_spots.append(AddressedSpot(spot, signal, evidence_line(spot, signal), play.closes))
        depth += 1


def _allocate(plan: FixPlan) -> None:
    """Each action's estimate on a weak spot: its share × the money of the signal it was chosen for (the weak spot's
    money for a consultation fix), scaled down when one weak spot's actions together would claim more than their
    combined share, money × (1 − Π(1 − share)). So a fix for a signal that costs little is credited little, and no
    weak spot is ever credited more than is at stake there."""
    for spot in plan.weak_spots:
        entries = [a for action in plan.actions for a in action.weak_spots if a.spot is spot]
        if not entries:
            continue
        raw = [a.share * (min(a.signal.money_at_stake, spot.money_at_stake) if a.signal is not None and a.signal.metric != "checklist"
                          else spot.money_at_stake) for a in entries]
        combined = spot.money_at_stake * (1.0 - math.prod(1.0 - a.share for a in entries))
        scale = min(1.0, combined / sum(raw)) if sum(raw) > 0 else 0.0
        for entry, claim in zip(entries, raw, strict=False):
            entry.allocated = claim * scale


def _action_from_play(play: Play) -> Action:
    return Action(play.id, PLAYBOOK_SOURCE, play.title, play.cause, play.kind, play.effort, play.days, list(play.steps),
                  play.effect, play.closes, play.owner, _spec_kpi(play.kpi))


def _spec_kpi(spec: KpiSpec) -> WatchedKpi:
    """The play's KPI before it is read against the data (the touchpoint and current figure come later)."""
    return WatchedKpi(spec.label, spec.metric, None, None, None, spec.target, spec.higher_is_better, spec.unit)


def _checklist_actions(spots: list[WeakSpot], checklists, settings: Settings) -> list[Action]:
    """Each flagged consultation answer that concerns a weak spot becomes an action carrying its item's own fix."""
    if checklists is None:
        return []
    rules = settings.fix_plan
    kind = "quick_win" if rules.checklist_fix_effort == "low" else "systemic"
    by_touchpoint = {w.touchpoint.id: w for w in spots}
    found = []
    for score in checklists.scores:
        for finding in score.flagged:
            item = finding.item
            concerned = [by_touchpoint[t] for t in item.touchpoints if t in by_touchpoint]
            if not concerned:
                continue
            question = f"{score.checklist.title}: \u201c{item.question}\u201d answered \u201c{finding.answer_text}\u201d."
            owners = list(dict.fromkeys(w.touchpoint.owner for w in concerned if w.touchpoint.owner)) or ["Owner"]
            names = ", ".join(w.touchpoint.name for w in concerned)
            action = Action(f"{score.checklist.id}/{item.id}", CHECKLIST_SOURCE, item.fix, finding.section.id, kind,
                            rules.checklist_fix_effort, None, [f"Evidence to keep: {item.evidence}"],
                            f"Removes a practice the consultation flagged as a cause of trouble at {names}.",
                            rules.checklist_fix_share, " / ".join(owners))
            for spot in concerned:
                signal = next((c.signal for c in spot.contributions if c.signal.metric == "checklist"), None)
                action.weak_spots.append(AddressedSpot(spot, signal, question, rules.checklist_fix_share))
            found.append(action)
    return found


def _kpis_to_watch(plan: FixPlan, ranking: Ranking, signal_set: SignalSet, settings: Settings) -> list[WatchedKpi]:
    """Every off-target signal of every weak spot, then each action's own KPI read against the data; one row per figure and target."""
    watched: dict[tuple, WatchedKpi] = {}
    for spot in plan.weak_spots:
        for c in spot.contributions:
            if c.signal.severity > 0:
                kpi = _signal_kpi(c.signal, spot.touchpoint, c.signal.target)
                watched.setdefault(kpi.key, kpi)
    for action in plan.actions:
        kpi = _resolve(action, ranking, signal_set, settings)
        action.kpi = watched.setdefault(kpi.key, kpi)
        if action.id not in action.kpi.actions:
            action.kpi.actions.append(action.id)
    return list(watched.values())


def _signal_kpi(signal: FrictionSignal, tp: Touchpoint, target: float) -> WatchedKpi:
    basis = f"{signal.source} at {tp.name}" + (f" ({signal.edge[0]} to {signal.edge[1]})" if signal.edge else "")
    return WatchedKpi(signal.label, signal.metric, tp, signal.value, signal.n, target, signal.higher_is_better, "pct", basis)


def _resolve(action: Action, ranking: Ranking, signal_set: SignalSet, settings: Settings) -> WatchedKpi:
    """Read an action's KPI against the data: a metric at the weak spots it addresses first, else wherever the journey measures it."""
    spec = action.kpi
    if spec is None:  # a consultation fix: watch the strongest off-target signal of its first weak spot
        first = action.weak_spots[0].spot
        main = next(c.signal for c in first.contributions if c.signal.severity > 0)
        return _signal_kpi(main, first.touchpoint, main.target)
    if spec.metric is None:
        known = next((k for k in signal_set.kpis if k.name.casefold() == spec.label.casefold()), None)
        if known is None:
            return WatchedKpi(spec.label, None, None, None, None, spec.target, spec.higher_is_better, spec.unit,
                              "not measured yet: start counting it")
        return WatchedKpi(known.name, None, None, float(known.value), known.n, spec.target, spec.higher_is_better, known.unit,
                          "headline figure of this audit")
    own = [a.spot for a in action.weak_spots]
    places = own + [w for w in ranking.assessed if all(w is not o for o in own)]
    for spot in places:
        signal = next((c.signal for c in spot.contributions if c.signal.metric == spec.metric), None)
        if signal is not None:
            return _signal_kpi(signal, spot.touchpoint, signal.target if spec.target is None else spec.target)
    tp = action.weak_spots[0].spot.touchpoint
    target = spec.target if spec.target is not None else tp.targets.get(spec.metric, getattr(settings.metrics, spec.metric).target)
    return WatchedKpi(METRIC_LABELS.get(spec.metric, spec.metric), spec.metric, tp, None, None, target, spec.higher_is_better, "pct",
                      "not measured yet: no data source gives it")


# How a metric reads in the client's report when no measured signal lends its own label.
METRIC_LABELS = {
    "promise_breach": "Orders that missed the delivery promise", "late_dispatch": "Orders dispatched late",
    "stockout": "Orders hit by a stock-out or backorder", "returns": "Delivered orders returned",
    "repeat": "Customers who ordered again", "cancellation": "Orders cancelled",
    "top2box": "Survey answers rating it 4 or 5", "conversion": "Customers going on to the next step",
    "complaint_share": "Feedback complaining about it", "checklist": "Consultation answers flagged",
}


def _summary(plan: FixPlan) -> str:
    if plan.empty:
        names = ", ".join(w.touchpoint.name for w in plan.unmatched)
        return (f"No play in the playbook fits the weak spots ({names}) and no consultation finding concerns them; "
                "add plays for them to the engagement's playbook (audit.yaml playbook:).")
    count = len(plan.weak_spots)
    parts = []
    if plan.quick_wins:
        parts.append(f"{len(plan.quick_wins)} quick win{'s' if len(plan.quick_wins) != 1 else ''}" + (" first" if plan.systemic else ""))
    if plan.systemic:
        parts.append(("then " if plan.quick_wins else "") + f"{len(plan.systemic)} systemic change{'s' if len(plan.systemic) != 1 else ''}")
    sentence = (f"{len(plan.actions)} action{'s' if len(plan.actions) != 1 else ''} for {count} weak spot{'s' if count != 1 else ''}: "
                + ", ".join(parts) + ".")
    if plan.unmatched:
        sentence += f" No play fits {', '.join(w.touchpoint.name for w in plan.unmatched)} yet."
    return sentence


__all__ = ["Action", "AddressedSpot", "FixPlan", "WatchedKpi", "build_fix_plan", "play_fits", "touchpoint_topics"]
