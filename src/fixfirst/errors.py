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


class ReasonCode(str, Enum):
    """Why a problem was raised: one code per kind of problem, each documented in docs/reason-codes.md.

    The family before the dot says where to look (the file, its mapping, a value, a join, the configuration, an
    answers file, the action register); the value is the public code `check --json` prints. A code not listed here is
    a programming error: Problem refuses it, so a new code cannot ship undocumented (tests/test_reason_codes.py).
    """

    ANSWERS_BAD_STATUS = "answers.bad_status"
    ANSWERS_BAD_TIME = "answers.bad_time"
    ANSWERS_BAD_VALUE = "answers.bad_value"
    ANSWERS_DUPLICATE_KEY = "answers.duplicate_key"
    ANSWERS_INVALID_YAML = "answers.invalid_yaml"
    ANSWERS_MISSING = "answers.missing"
    ANSWERS_NOT_A_MAPPING = "answers.not_a_mapping"
    ANSWERS_NOT_UTF8 = "answers.not_utf8"
    ANSWERS_SKIPPED_WITH_ANSWER = "answers.skipped_with_answer"
    ANSWERS_TOO_LARGE = "answers.too_large"
    ANSWERS_UNANSWERED_WITH_ANSWER = "answers.unanswered_with_answer"
    ANSWERS_UNKNOWN_FIELD = "answers.unknown_field"
    ANSWERS_UNKNOWN_ITEM = "answers.unknown_item"
    ANSWERS_VERSION = "answers.version"
    ANSWERS_WRONG_CHECKLIST = "answers.wrong_checklist"
    CHECKLIST_ANSWERS = "checklist.answers"
    CHECKLIST_NOT_APPLICABLE = "checklist.not_applicable"
    CHECKLIST_UNKNOWN_TOUCHPOINT = "checklist.unknown_touchpoint"
    CONFIG_ALLOWED_FOLDER_MISSING = "config.allowed_folder_missing"
    CONFIG_INVALID_VALUE = "config.invalid_value"
    CONFIG_JOURNEY_MISSING = "config.journey_missing"
    CONFIG_MISSING = "config.missing"
    CONFIG_NOT_A_MAPPING = "config.not_a_mapping"
    CONFIG_OUTSIDE_ENGAGEMENT = "config.outside_engagement"
    CONFIG_UNKNOWN_FIELD = "config.unknown_field"
    CONFIG_UNREADABLE = "config.unreadable"
    CONFIG_VALUE_ERROR = "config.value_error"
    DUPLICATE_ID = "duplicate.id"
    FILE_NO_ROWS = "file.no_rows"
    FILE_NO_USABLE_ROWS = "file.no_usable_rows"
    FILE_OUTSIDE_ENGAGEMENT = "file.outside_engagement"
    FILE_UNREADABLE = "file.unreadable"
    JOIN_BLANK_KEY = "join.blank_key"
    JOIN_MANY_TO_MANY = "join.many_to_many"
    JOIN_NO_KEY = "join.no_key"
    JOIN_NO_MATCH = "join.no_match"
    JOIN_ORDERS_WITHOUT = "join.orders_without"
    JOIN_SAME_FILE = "join.same_file"
    JOIN_UNMATCHED = "join.unmatched"
    JOIN_VALUE_ORIGIN = "join.value_origin"
    JOURNEY_SURVEY_WITHOUT_SOURCE = "journey.survey_without_source"
    MAPPING_AMBIGUOUS = "mapping.ambiguous"
    MAPPING_COLUMN_NOT_FOUND = "mapping.column_not_found"
    MAPPING_COLUMN_TWICE = "mapping.column_twice"
    MAPPING_CUSTOMER_KEY_PER_ORDER = "mapping.customer_key_per_order"
    MAPPING_GUESS_REJECTED = "mapping.guess_rejected"
    MAPPING_LINE_ITEMS_SUSPECTED = "mapping.line_items_suspected"
    MAPPING_NO_TIMESTAMPS = "mapping.no_timestamps"
    MAPPING_RATING_COLUMN_NOT_FOUND = "mapping.rating_column_not_found"
    MAPPING_REQUIRED_MISSING = "mapping.required_missing"
    MAPPING_SHEET_IGNORED = "mapping.sheet_ignored"
    MAPPING_UNKNOWN_FIELD = "mapping.unknown_field"
    REGISTER_BAD_DATE = "register.bad_date"
    REGISTER_DONE_IN_FUTURE = "register.done_in_future"
    REGISTER_DONE_WITHOUT_DATE = "register.done_without_date"
    REGISTER_DUPLICATE_ID = "register.duplicate_id"
    REGISTER_HEADER_MISSING = "register.header_missing"
    REGISTER_MISSING_ID = "register.missing_id"
    REGISTER_NOT_FOUND = "register.not_found"
    REGISTER_OUTSIDE_ENGAGEMENT = "register.outside_engagement"
    REGISTER_SHEET_MISSING = "register.sheet_missing"
    REGISTER_TOO_LARGE = "register.too_large"
    REGISTER_TOO_MANY_ROWS = "register.too_many_rows"
    REGISTER_UNKNOWN_ID = "register.unknown_id"
    REGISTER_UNKNOWN_STATUS = "register.unknown_status"
    REGISTER_UNREADABLE = "register.unreadable"
    SEQUENCE_END_BEFORE_START = "sequence.end_before_start"
    SEQUENCE_OUT_OF_ORDER = "sequence.out_of_order"
    SOURCE_READ_TWICE = "source.read_twice"
    VALUE_AMBIGUOUS_DATE_ORDER = "value.ambiguous_date_order"
    VALUE_IN_FUTURE = "value.in_future"
    VALUE_MISSING_REQUIRED = "value.missing_required"
    VALUE_MIXED_DATE_ORDER = "value.mixed_date_order"
    VALUE_NEGATIVE = "value.negative"
    VALUE_NO_CAPACITY = "value.no_capacity"
    VALUE_OUT_OF_RANGE = "value.out_of_range"
    VALUE_OUT_OF_SCALE = "value.out_of_scale"
    VALUE_TIMEZONE_ASSUMED = "value.timezone_assumed"
    VALUE_UNREADABLE = "value.unreadable"
    VALUE_ZERO_CAPACITY = "value.zero_capacity"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the user can look it up.

    `row` is the row number as the user sees it in Excel or a text editor (header = its own row).
    """

    code: ReasonCode | str  # a ReasonCode member or its value; always stored as the member
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, ReasonCode):
            try:
                object.__setattr__(self, "code", ReasonCode(self.code))
            except ValueError:
                raise ValueError(f"{self.code!r} is not a fixfirst.errors.ReasonCode: add it there and to docs/reason-codes.md") from None

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
        data["code"] = str(self.code)
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
