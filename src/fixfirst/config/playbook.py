"""The fix playbook: plays that map kinds of weak spot to fixes, shipped as editable YAML and extendable per client."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import ConfigError, InputProblems, Problem, Severity
from .lexicons import known_topics
from .settings import Metrics
from .yamlfile import client_yaml, load_yaml, validation_problems

SHIPPED_PLAYBOOK = Path(__file__).resolve().parent / "playbook.yaml"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
METRIC_NAMES = tuple(Metrics.model_fields)
# Signal metrics where more is better (survey top-2-box, step conversion, repeat purchase); the rest count failures.
HIGHER_IS_BETTER = frozenset({"top2box", "conversion", "repeat", "activity_conversion", "segment_gap", "incident"})
EFFORT_ORDER = {"low": 0, "medium": 1, "high": 2}
# Rough working days each effort level stands for: (more than, at most). A play's `days` must fall in its level's band.
EFFORT_DAYS = {"low": (0.0, 2.0), "medium": (2.0, 10.0), "high": (10.0, 120.0)}
KPI_UNITS = ("pct", "count", "number", "money", "nps", "days")

Effort = Literal["low", "medium", "high"]
PlayKind = Literal["quick_win", "systemic"]


def _metric(value: str) -> str:
    if value not in METRIC_NAMES:
        raise ValueError(f"unknown metric {value!r}; known: {', '.join(METRIC_NAMES)}")
    return value


def _topic(value: str) -> str:
    if value not in known_topics():
        raise ValueError(f"unknown topic {value!r}; known topics: {', '.join(sorted(known_topics()))}")
    return value


MetricName = Annotated[str, AfterValidator(_metric)]
TopicName = Annotated[str, AfterValidator(_topic)]
PlayId = Annotated[str, Field(pattern=ID_PATTERN, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlayMatch(_Strict):
    """Which weak spots a play fits: an off-target signal of one of `metrics`, at a touchpoint named by any filter given."""

    metrics: list[MetricName] = Field(min_length=1, description="Signal metrics whose shortfall the play works on.")
    touchpoints: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(default_factory=list, description="Touchpoint ids it fits.")
    stages: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list, description="Journey stages it fits.")
    topics: list[TopicName] = Field(default_factory=list, description="Feedback-lexicon topics of the touchpoints it fits.")

    @property
    def anywhere(self) -> bool:
        return not (self.touchpoints or self.stages or self.topics)


class KpiSpec(_Strict):
    """The figure to watch once the play is done: a signal metric (its target defaults to the touchpoint's) or a named KPI."""

    metric: MetricName | None = Field(default=None, description="A signal metric, read at the weak spot the play addresses.")
    name: str | None = Field(default=None, min_length=3, max_length=100, description="A headline KPI of the report, or a count the business keeps.")
    at_least: float | None = None
    at_most: float | None = None
    unit: Literal["pct", "count", "number", "money", "nps", "days"] = Field(default="pct", description="How a named KPI is shown; pct values are shares (0.95 = 95%).")

    @model_validator(mode="after")
    def _one_kpi_one_target(self) -> KpiSpec:
        if (self.metric is None) == (self.name is None):
            raise ValueError("give exactly one of metric (a signal metric) or name (a named KPI)")
        if self.at_least is not None and self.at_most is not None:
            raise ValueError("give one target: at_least or at_most, not both")
        if self.name is not None and self.at_least is None and self.at_most is None:
            raise ValueError(f"the named KPI {self.name!r} needs its target: at_least or at_most")
        if self.metric is not None:
            if self.unit != "pct":
                raise ValueError("a signal metric is always a share (unit pct)")
            wanted = "at_least" if self.metric in HIGHER_IS_BETTER else "at_most"
            given = "at_least" if self.at_least is not None else "at_most" if self.at_most is not None else None
            if given not in (None, wanted):
                raise ValueError(f"{self.metric} is a share to keep {'high' if wanted == 'at_least' else 'low'}: give its target as {wanted}")
        target = self.target
        if self.unit == "pct" and target is not None and not 0 <= target <= 1:
            raise ValueError(f"a pct target is a share between 0 and 1 (0.95 for 95%), not {target}")
        return self

    @property
    def target(self) -> float | None:
        return self.at_least if self.at_least is not None else self.at_most

    @property
    def higher_is_better(self) -> bool:
        if self.metric is not None:
            return self.metric in HIGHER_IS_BETTER
        return self.at_least is not None

    @property
    def label(self) -> str:
        """The KPI's name, else its metric: the validator requires exactly one (only model_construct skips it)."""
        label = self.name or self.metric
        if label is None:
            raise ValueError("a KPI needs a metric or a name")
        return label


class Play(_Strict):
    """One fix: what to do, which weak spots it fits, what it costs, what it is expected to do and how to see that it did."""

    id: PlayId
    title: str = Field(min_length=5, max_length=120)
    cause: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The operational cause it tackles (product_content, checkout, ...).")
    steps: list[Annotated[str, Field(min_length=5, max_length=400)]] = Field(min_length=1, description="Concrete steps, in order.")
    matches: PlayMatch
    effort: Effort
    days: float = Field(gt=0, le=120, description="Rough working days of effort, within the effort level's band.")
    kind: PlayKind
    effect: str = Field(min_length=5, max_length=300, description="The expected effect, in one plain sentence.")
    closes: float = Field(gt=0, le=1, description="Planning assumption: share of the touchpoint's shortfall the play typically closes.")
    owner: str = Field(min_length=2, max_length=80, description="The role that does it.")
    kpi: KpiSpec

    # Field validators rather than one model check, so an error points at the line of the field that is off.
    @field_validator("days")
    @classmethod
    def _days_fit_effort(cls, days: float, info: ValidationInfo) -> float:
        effort = info.data.get("effort")
        if effort in EFFORT_DAYS:
            low, high = EFFORT_DAYS[effort]
            if not low < days <= high:
                raise ValueError(f"days {days:g} does not fit effort {effort} (more than {low:g} and at most {high:g} working days)")
        return days

    @field_validator("kind")
    @classmethod
    def _quick_wins_are_light(cls, kind: str, info: ValidationInfo) -> str:
        effort = info.data.get("effort")
        if kind == "quick_win" and effort in ("medium", "high"):
            raise ValueError(f"a quick win is low effort; make this {effort}-effort play kind: systemic, or cut it down")
        return kind

    @property
    def effort_rank(self) -> int:
        return EFFORT_ORDER[self.effort]


class PlaybookFile(_Strict):
    """A playbook YAML file: the shipped one, or a client's (which extends the shipped one unless it says extends: false)."""

    description: str = ""
    extends: bool = Field(default=True, description="Client files: add to the shipped playbook (true) or replace it (false).")
    remove: list[PlayId] = Field(default_factory=list, description="Client files: ids of shipped plays to drop.")
    plays: list[Play] = Field(default_factory=list)

    def cross_problems(self, base: Playbook | None, shipped: bool) -> list[tuple[tuple, str]]:
        """What no single field can see: repeated ids, removals that do not apply; (location, message)."""
        problems: list[tuple[tuple, str]] = []
        seen: set[str] = set()
        for i, play in enumerate(self.plays):
            if play.id in seen:
                problems.append((("plays", i, "id"), f"play id {play.id!r} is used twice in this file"))
            seen.add(play.id)
        if shipped and self.remove:
            problems.append((("remove",), "the shipped playbook removes nothing"))
        if not shipped and self.remove and base is None:
            problems.append((("remove",), "remove only applies to a playbook that extends the shipped one (extends: true)"))
        if base is not None:
            for i, play_id in enumerate(self.remove):
                if base.get(play_id) is None:
                    problems.append((("remove", i), f"{play_id!r} is not a play of the shipped playbook, so it cannot be removed"))
                elif play_id in seen:
                    problems.append((("remove", i), f"{play_id!r} is both removed and defined here; to change a shipped play, define it under its id"))
        if (shipped or base is None) and not self.plays:
            problems.append((("plays",), "a playbook that does not extend the shipped one needs at least one play"))
        return problems


@dataclass(frozen=True)
class Playbook:
    """The plays in force for an engagement, in file order (shipped plays first, then the client's), and the files they came from."""

    plays: tuple[Play, ...]
    files: tuple[str, ...]

    def get(self, play_id: str) -> Play | None:
        return next((p for p in self.plays if p.id == play_id), None)

    def causes(self) -> list[str]:
        return list(dict.fromkeys(p.cause for p in self.plays))


@functools.cache
def default_playbook() -> Playbook:
    """The playbook shipped with fixfirst (fixfirst/config/playbook.yaml)."""
    spec = _validated(SHIPPED_PLAYBOOK, None, shipped=True)
    return Playbook(tuple(spec.plays), (str(SHIPPED_PLAYBOOK),))


def load_playbook(path: str | None, folder: Path | None) -> Playbook:
    """The engagement's playbook: audit.yaml `playbook:` (relative to the engagement folder) on top of, or instead of, the shipped one."""
    if not path:
        return default_playbook()
    file, extends = client_yaml(path, folder, missing_cause="playbook not found (audit.yaml playbook)",
                                missing_fix="give the playbook's path relative to the engagement folder, or remove playbook: to use the shipped one")
    base = default_playbook() if extends else None
    spec = _validated(file, base, shipped=False)
    if base is None:
        return Playbook(tuple(spec.plays), (str(file),))
    own = {p.id: p for p in spec.plays}
    dropped = set(spec.remove)
    # A client play with a shipped play's id takes its place in the order; new plays follow the shipped ones.
    kept = [own.pop(p.id, p) for p in base.plays if p.id not in dropped]
    return Playbook(tuple(kept) + tuple(own.values()), base.files + (str(file),))


def _validated(path: Path, base: Playbook | None, shipped: bool) -> PlaybookFile:
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with plays (and extends, remove)", "see docs/engagement.md, The fix playbook")
    try:
        spec = PlaybookFile.model_validate(data)
    except ValidationError as exc:
        raise InputProblems(validation_problems(exc, path, lines)) from None
    problems = [Problem(code="config.value_error", message=f"{'.'.join(map(str, loc))}: {message}", severity=Severity.ERROR,
                        file=str(path), row=lines.get(loc) or lines.get(loc[:2]) or lines.get(loc[:1]) or lines.get(()), column=".".join(map(str, loc)))
                for loc, message in spec.cross_problems(base, shipped)]
    if problems:
        raise InputProblems(problems)
    return spec


__all__ = ["EFFORT_DAYS", "HIGHER_IS_BETTER", "KpiSpec", "Play", "PlayMatch", "Playbook", "PlaybookFile", "default_playbook", "load_playbook"]
