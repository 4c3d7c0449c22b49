"""User-facing errors and the problem table that validation fills in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class FixfirstError(Exception):
    """Something the user can fix: carries a one-line cause and the fix.

    The CLI prints these without a traceback and exits non-zero.
    """

    exit_code = 2

    def __init__(self, cause: str, fix: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix


class ConfigError(FixfirstError):
    """A configuration file (audit.yaml, journey, lexicon, playbook, checklist) that cannot be read as written: exit 1,
    like a file with schema errors, since the user fixes the file rather than the command line."""

    exit_code = 1


class Severity(str, Enum):
    """An error stops the audit; a warning is reported and the bad rows are left out and counted."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the user can look it up.

    `row` is the row number as the user sees it in Excel or a text editor (header = its own row).
    """

    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @property
    def location(self) -> str:
        parts = [self.file or "?"]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            # YAML problems point at a line of the file; data problems at a spreadsheet row.
            unit = "line" if (self.file or "").endswith((".yaml", ".yml")) else "row"
            parts.append(f"{unit} {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class ProblemLog:
    """Collects every problem found rather than stopping at the first."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self):
        return iter(self.problems)


class InputProblems(FixfirstError):
    """Raised when validation found errors; carries the whole table."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        first = errors[0] if errors else problems[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        super().__init__(
            f"{first.location}: {first.message}{more}",
            "run `fixfirst check ENGAGEMENT` to see every problem, then correct the file or the mapping in audit.yaml",
        )
        self.problems = problems
