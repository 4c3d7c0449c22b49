"""An engagement held in memory: client, promise and journey as Python values, sources as DataFrames, no folder."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import pandas as pd
from pydantic import BaseModel, ValidationError

from .config import (
    STACKABLE_KINDS,
    Audit,
    Change,
    Client,
    Engagement,
    Promise,
    ReportOptions,
    Settings,
    settings_with,
    validation_problems,
)
from .errors import FixfirstError, InputProblems, Problem
from .ingest import as_data_frame
from .journey import Journey, JourneySpec, journey_from_spec

# Where problems with the engagement's own values (client, promise, settings) point: it has no audit.yaml.
ENGAGEMENT_LABEL = "<in-memory engagement>"
JOURNEY_LABEL = "<journey>"
# The engagement has no folder. Stages that look for files in one (checklist answers, earlier audits) are given a
# path that cannot exist on any system (a name under the null device), so they find nothing and nothing is written.
NO_FOLDER = Path(os.devnull) / "fixfirst-in-memory-engagement"
# What to do about a problem in an in-memory engagement (InputProblems' own fix names `fixfirst check`, for folders).
BUILD_FIX = "correct the values given to fixfirst.engagement_from_frames; the exception's .problems lists every problem"
DATA_FIX = ("correct the DataFrame, or map its columns with FrameSource(frame, columns={...}); the exception's .problems "
            "lists every problem (row N is the frame's row at position N - 2)")
NO_FILES_FIX = "give the data as DataFrames, or put the engagement in a folder and call fixfirst.audit(FOLDER)"


@dataclass(frozen=True)
class FrameSource:
    """One source given as a DataFrame, with the options a file source takes in audit.yaml (docs/engagement.md).

    `frame` may also be anything with a `to_pandas()` method (a polars DataFrame, a pyarrow Table).
    """

    frame: Any
    columns: Mapping[str, str | None] = field(default_factory=dict)
    name: str | None = None
    preset: str | None = None
    dayfirst: bool | None = None
    not_applicable: Sequence[float | str] = ()


# What `sources=` takes for each kind: a frame, a FrameSource, or a list of them (events and feedback only).
FrameInput: TypeAlias = "pd.DataFrame | FrameSource | Sequence[pd.DataFrame | FrameSource]"


class MemoryEngagement(Engagement):
    """An engagement without a folder: its sources are DataFrames and nothing is read from or written to disk.

    Files an audit.yaml could name (a logo, a lexicon, a playbook, template overrides, checklist answers, an action
    register, earlier audits) have no place here: naming one is a FixfirstError.
    """

    def __init__(self, audit: Audit, settings: Settings, journey: Journey, frames: Mapping[str, pd.DataFrame]) -> None:
        super().__init__(NO_FOLDER, audit, settings)
        self.journey = journey
        self.frames = MappingProxyType(dict(frames))

    @property
    def journey_path(self) -> Path:
        return Path(JOURNEY_LABEL)

    def resolve(self, relative: str, what: str = "file") -> Path:
        raise FixfirstError(f"{relative}: an in-memory engagement reads no files (this {what} cannot be read)", NO_FILES_FIX)


def engagement_from_frames(*, client: Client | Mapping[str, Any] | str, promise: Promise | Mapping[str, Any],
                           journey: Journey | JourneySpec | Mapping[str, Any], sources: Mapping[str, FrameInput],
                           settings: Settings | Mapping[str, Any] | None = None,
                           report: ReportOptions | Mapping[str, Any] | None = None,
                           changes: Sequence[Change | Mapping[str, Any]] = ()) -> MemoryEngagement:
    """Build an in-memory engagement; every problem in the values given is raised together as InputProblems."""
    problems: list[Problem] = []
    specs, frames = _sources(sources)
    audit = _validated_audit(client, promise, report, changes, specs, problems)
    built_journey = _journey(journey, problems)
    chosen = _settings(settings, problems)
    if problems or audit is None or built_journey is None or chosen is None:
        raise memory_problems(problems, BUILD_FIX)
    if audit.client.logo:
        raise FixfirstError(f"client.logo {audit.client.logo!r}: an in-memory engagement reads no files",
                            "leave client.logo out (the report then shows none), or put the engagement in a folder")
    if chosen.feedback.lexicon:
        raise FixfirstError(f"settings feedback.lexicon {chosen.feedback.lexicon!r}: an in-memory engagement reads no files",
                            "leave it out to use the lexicon of feedback.language, or put the engagement in a folder")
    engagement = MemoryEngagement(audit, chosen, built_journey, frames)
    _ = engagement.lexicon, engagement.playbook  # the shipped ones, loaded now so that a broken install fails here
    return engagement


def memory_problems(problems: list[Problem], fix: str = DATA_FIX) -> InputProblems:
    """InputProblems for an in-memory engagement: the fix says what to correct in Python, not which command to run."""
    exc = InputProblems(problems)
    exc.fix = fix
    return exc


def _sources(sources: Mapping[str, FrameInput]) -> tuple[list[dict[str, Any]], dict[str, pd.DataFrame]]:
    """Each source as the audit.yaml entry it stands for (its `file:` is its label) and its frame by label."""
    if not isinstance(sources, Mapping):
        raise FixfirstError(f"sources: expected a mapping of kind to DataFrame, got {type(sources).__name__}",
                            'pass e.g. sources={"orders": orders_df, "events": events_df}')
    specs: list[dict[str, Any]] = []
    frames: dict[str, pd.DataFrame] = {}
    for kind, given in sources.items():
        entries = list(given) if isinstance(given, (list, tuple)) else [given]
        if not entries:
            raise FixfirstError(f"sources[{kind!r}]: an empty list", "give at least one DataFrame, or leave the kind out")
        for number, entry in enumerate(entries, start=1):
            label = f"<{kind} DataFrame>" if len(entries) == 1 else f"<{kind} DataFrame {number}>"
            source = entry if isinstance(entry, FrameSource) else FrameSource(entry)
            frame = as_data_frame(source.frame)
            if frame is None:
                raise FixfirstError(f"sources[{kind!r}]: expected a pandas DataFrame, got {type(source.frame).__name__}",
                                    "pass a DataFrame (or a FrameSource holding one); "
                                    f"a list of them for {' or '.join(STACKABLE_KINDS)}")
            frames[label] = frame
            spec: dict[str, Any] = {"kind": kind, "file": label, "columns": dict(source.columns),
                                    "not_applicable": list(source.not_applicable)}
            spec.update({key: value for key, value in (("name", source.name), ("preset", source.preset),
                                                       ("dayfirst", source.dayfirst)) if value is not None})
            specs.append(spec)
    return specs, frames


def _as_data(value: Any) -> Any:
    """A model given as such, as the mapping it was validated from (so the whole audit is validated together)."""
    return value.model_dump(exclude_unset=True, by_alias=True) if isinstance(value, BaseModel) else value


def _validated_audit(client: Any, promise: Any, report: Any, changes: Sequence[Any], specs: list[dict[str, Any]],
                     problems: list[Problem]) -> Audit | None:
    data: dict[str, Any] = {
        "client": {"name": client} if isinstance(client, str) else _as_data(client),
        "promise": _as_data(promise),
        "journey": JOURNEY_LABEL,
        "sources": specs,
        "changes": [_as_data(c) for c in changes],
    }
    if report is not None:
        data["report"] = _as_data(report)
    try:
        return Audit.model_validate(data)
    except ValidationError as exc:
        labels = {str(i): spec["file"] for i, spec in enumerate(specs)}
        problems.extend(_located(p, labels) for p in validation_problems(exc, Path(ENGAGEMENT_LABEL), {}))
        return None


def _located(problem: Problem, labels: dict[str, str]) -> Problem:
    """A problem in sources.N named by the source's label ("<orders DataFrame>, column 'preset'"), not by its index."""
    parts = (problem.column or "").split(".")
    if len(parts) >= 2 and parts[0] == "sources" and parts[1] in labels:
        field_name = ".".join(parts[2:]) or "(source)"
        message = problem.message.split(": ", 1)[-1]
        return replace(problem, file=labels[parts[1]], column=field_name, message=f"{field_name}: {message}")
    return problem


def _journey(journey: Journey | JourneySpec | Mapping[str, Any], problems: list[Problem]) -> Journey | None:
    if isinstance(journey, Journey):
        return journey
    if isinstance(journey, JourneySpec):
        return journey_from_spec(journey)
    if not isinstance(journey, Mapping):
        raise FixfirstError(f"journey: expected a mapping (stages, touchpoints, transitions) or a Journey, got {type(journey).__name__}",
                            "pass the journey as the mapping journey.yaml holds (docs/engagement.md), "
                            "or fixfirst.journey.load_journey(PATH)")
    try:
        return journey_from_spec(JourneySpec.model_validate(dict(journey)))
    except ValidationError as exc:
        problems.extend(validation_problems(exc, Path(JOURNEY_LABEL), {}))
        return None


def _settings(settings: Settings | Mapping[str, Any] | None, problems: list[Problem]) -> Settings | None:
    if isinstance(settings, Settings):
        return settings
    if settings is not None and not isinstance(settings, Mapping):
        raise FixfirstError(f"settings: expected a mapping of overrides or a Settings, got {type(settings).__name__}",
                            "pass e.g. settings={'scoring': {'shrinkage_strength': 30}} (docs/settings.md)")
    try:
        return settings_with(dict(settings or {}))
    except ValidationError as exc:
        for p in validation_problems(exc, Path(ENGAGEMENT_LABEL), {}):
            problems.append(replace(p, message=f"settings.{p.message}", column=f"settings.{p.column}"))
        return None
