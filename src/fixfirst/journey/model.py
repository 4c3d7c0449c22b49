"""Load journey.yaml into a directed graph of Touchpoints joined by Transitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import Metrics, known_topics, load_model
from .kinds import StepKind, infer_kind

# What an orders export can say about a touchpoint (see signals.orders).
ORDER_METRICS = ("delivery", "dispatch", "stock", "returns", "repeat", "cancellations")
OrderMetric = Literal["delivery", "dispatch", "stock", "returns", "repeat", "cancellations"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


METRIC_NAMES = tuple(Metrics.model_fields)


class TouchpointData(_Strict):
    """Which data describes a touchpoint."""

    events: list[str] = Field(default_factory=list, description="Activity names in the events log that mean this step.")
    survey: list[str] = Field(default_factory=list, description="Survey columns holding a 1-5 rating of this touchpoint.")
    orders: list[OrderMetric] = Field(default_factory=list, description="Order-based metrics that describe this touchpoint.")
    keywords: list[str] = Field(default_factory=list, description="Words and phrases that tie feedback text to this touchpoint.")
    topics: list[str] = Field(default_factory=list, description="Topics of the feedback lexicon (delivery, checkout, ...) whose phrases tie text here too.")

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        known = known_topics()
        unknown = [t for t in value if t not in known]
        if unknown:
            raise ValueError(f"unknown topic {', '.join(map(repr, unknown))}; known topics: {', '.join(sorted(known))}")
        return list(dict.fromkeys(value))

    @field_validator("keywords")
    @classmethod
    def _no_blank_keywords(cls, value: list[str]) -> list[str]:
        # An empty keyword matches every comment and would pin all feedback on one touchpoint.
        if any(not k.strip() for k in value):
            raise ValueError("keywords must not be empty")
        return [k.strip() for k in value]


class TouchpointSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    name: str = Field(min_length=1, max_length=80)
    stage: str
    kind: StepKind | None = Field(
        default=None, description="What kind of step this is (landing, product, basket, checkout...); picks its benchmark targets. Inferred from the id, name and event names when absent.")
    channel: str = ""
    owner: str = ""
    description: str = ""
    data: TouchpointData = TouchpointData()
    targets: dict[str, float] = Field(default_factory=dict, description="Per-metric target overrides for this touchpoint.")
    reach: float | None = Field(default=None, ge=0, le=1, description="Share of customers who pass here, when no data says.")

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: dict[str, float]) -> dict[str, float]:
        for metric, target in value.items():
            if metric not in METRIC_NAMES:
                raise ValueError(f"unknown metric {metric!r} in targets; known: {', '.join(METRIC_NAMES)}")
            if not 0 <= target <= 1:
                raise ValueError(f"target for {metric!r} must be a share between 0 and 1 (0.8 for 80%), not {target}")
        return value


class TransitionSpec(_Strict):
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    target_conversion: float | None = Field(default=None, gt=0, le=1)


class JourneySpec(_Strict):
    stages: list[str] = Field(min_length=1)
    touchpoints: list[TouchpointSpec] = Field(min_length=1)
    transitions: list[TransitionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> JourneySpec:
        ids = [t.id for t in self.touchpoints]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"touchpoint ids must be unique; repeated: {', '.join(duplicates)}")
        for tp in self.touchpoints:
            if tp.stage not in self.stages:
                raise ValueError(f"touchpoint {tp.id!r} has stage {tp.stage!r}, which is not in stages {self.stages}")
        known = set(ids)
        for tr in self.transitions:
            for end in (tr.source, tr.target):
                if end not in known:
                    raise ValueError(f"transition {tr.source} -> {tr.target} names unknown touchpoint {end!r}")
        seen: dict[str, str] = {}
        for tp in self.touchpoints:
            for activity in tp.data.events:
                if activity in seen:
                    raise ValueError(f"event {activity!r} is claimed by both {seen[activity]!r} and {tp.id!r}")
                seen[activity] = tp.id
        return self


@dataclass(frozen=True)
class Touchpoint:
    """A moment where the customer meets the business."""

    id: str
    name: str
    stage: str
    stage_index: int
    channel: str
    owner: str
    description: str
    events: tuple[str, ...]
    survey: tuple[str, ...]
    orders: tuple[str, ...]
    keywords: tuple[str, ...]
    targets: dict[str, float] = field(default_factory=dict)
    reach: float | None = None
    topics: tuple[str, ...] = ()
    kind: str = "other"  # a StepKind: written in the journey, or inferred from the words (kind_inferred)
    kind_inferred: bool = True

    def __repr__(self) -> str:
        # One line: the generated repr lists every event, survey column, keyword and target.
        return f"<Touchpoint {self.id!r} {self.name[:40]!r}: {self.stage[:30]} stage, {self.kind}>"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    target_conversion: float | None = None


class Journey:
    """The journey graph: nodes are touchpoint ids with a `touchpoint` attribute, edges carry a `transition`."""

    def __init__(self, stages: list[str], graph: nx.DiGraph) -> None:
        self.stages = stages
        self.graph = graph

    def __repr__(self) -> str:
        return (f"<Journey: {self.graph.number_of_nodes()} touchpoints in {len(self.stages)} stages, "
                f"{self.graph.number_of_edges()} transitions>")

    @property
    def touchpoints(self) -> list[Touchpoint]:
        return [self.graph.nodes[n]["touchpoint"] for n in self.graph.nodes]

    def touchpoint(self, touchpoint_id: str) -> Touchpoint:
        return self.graph.nodes[touchpoint_id]["touchpoint"]

    @property
    def transitions(self) -> list[Transition]:
        return [data["transition"] for _, _, data in self.graph.edges(data=True)]

    def ordered(self) -> list[Touchpoint]:
        """Touchpoints in journey order: by stage, then topologically where the graph allows."""
        try:
            topo = {n: i for i, n in enumerate(nx.topological_sort(self.graph))}
        except nx.NetworkXUnfeasible:  # loops (returns back into buying) are legitimate
            topo = {n: i for i, n in enumerate(self.graph.nodes)}
        return sorted(self.touchpoints, key=lambda t: (t.stage_index, topo[t.id]))


def journey_from_spec(spec: JourneySpec) -> Journey:
    graph = nx.DiGraph()
    stage_index = {s: i for i, s in enumerate(spec.stages)}
    for tp in spec.touchpoints:
        graph.add_node(
            tp.id,
            touchpoint=Touchpoint(
                id=tp.id,
                name=tp.name,
                stage=tp.stage,
                stage_index=stage_index[tp.stage],
                channel=tp.channel,
                owner=tp.owner,
                description=tp.description,
                events=tuple(tp.data.events),
                survey=tuple(tp.data.survey),
                orders=tuple(tp.data.orders),
                keywords=tuple(k.lower() for k in tp.data.keywords),
                targets=dict(tp.targets),
                reach=tp.reach,
                topics=tuple(tp.data.topics),
                kind=tp.kind or infer_kind(tp.id, tp.name, tp.data.events, tp.data.orders),
                kind_inferred=tp.kind is None,
            ),
        )
    for tr in spec.transitions:
        graph.add_edge(tr.source, tr.target, transition=Transition(tr.source, tr.target, tr.target_conversion))
    return Journey(list(spec.stages), graph)


def load_journey(path: Path) -> Journey:
    """Read and validate journey.yaml; problems name the file and line."""
    return journey_from_spec(load_model(path, JourneySpec))
