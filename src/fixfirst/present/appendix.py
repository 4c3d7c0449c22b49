"""The appendices of the report view, lettered in order: capacity, process map, drivers, consultation, data, methodology."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from .appendix_capacity import build_capacity
from .appendix_capacity_view import CapacityAppendix
from .appendix_data import DataQualityAppendix, FindingsAppendix, build_data_quality, build_findings
from .appendix_drivers import DriversAppendix, build_drivers
from .appendix_methodology import MethodologyAppendix, build_methodology
from .appendix_process import ProcessAppendix, build_process
from .numbers import Formatter

if TYPE_CHECKING:
    from ..decision import AuditResult

LETTERS = "ABCDEFGH"

_Part = TypeVar("_Part", CapacityAppendix, ProcessAppendix, DriversAppendix, FindingsAppendix)


@dataclass(frozen=True)
class AppendixView:
    """Each appendix, or None when the audit has nothing for it; `letter` of each is its place among those shown."""

    capacity: CapacityAppendix | None
    process: ProcessAppendix | None
    drivers: DriversAppendix | None
    findings: FindingsAppendix | None
    data_quality: DataQualityAppendix
    methodology: MethodologyAppendix
    evidence_letter: str = ""  # the evidence behind each weak spot comes last (present.weak_spots builds its content)

    @property
    def shown(self) -> list:
        return [a for a in (self.capacity, self.process, self.drivers, self.findings, self.data_quality, self.methodology)
                if a is not None]


def build(result: AuditResult, fmt: Formatter) -> AppendixView:
    capacity = build_capacity(result, fmt, "A")  # capacity comes first whenever there is one
    process, drivers = build_process(result, fmt, ""), build_drivers(result, fmt, "")
    findings, data_quality = build_findings(result, fmt, ""), build_data_quality(result, fmt, "")
    # The letters run A, B, C... over the appendices shown, in this order, without gaps.
    letters = iter(LETTERS)
    capacity, process, drivers, findings = (_lettered(capacity, letters), _lettered(process, letters),
                                            _lettered(drivers, letters), _lettered(findings, letters))
    data_quality = replace(data_quality, letter=next(letters))
    methodology = build_methodology(result, fmt, next(letters), capacity.letter if capacity is not None else None)
    return AppendixView(capacity, process, drivers, findings, data_quality, methodology, next(letters))


def _lettered(part: _Part | None, letters: Iterator[str]) -> _Part | None:
    """The appendix with the next letter, when it is shown."""
    return None if part is None else replace(part, letter=next(letters))
