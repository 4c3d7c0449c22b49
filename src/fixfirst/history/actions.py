"""The action register read back: the consultant's edited statuses, checked against each action's KPI in the next audit."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import AUDIT_FILE, ActionUpdate, load_yaml
from ..errors import FixfirstError, Problem, Severity
from ..ingest import check_file
from .stats import ChangeReading, ProportionChange, proportion_change

if TYPE_CHECKING:
    from ..config import Engagement
    from ..decision import AuditResult

MAX_REGISTER_BYTES = 20 * 1024 * 1024  # the register is a few dozen KB; anything this large is not one fixfirst wrote
MAX_REGISTER_ROWS = 5_000  # rows read below the header; a register is a plan of a dozen actions and what was added
HEADER_SEARCH_ROWS = 5  # the header is row 1 as written; a title row or two added above it is tolerated
MAX_VALUE_SHOWN = 80

# The register's sheet, columns and statuses: defined here, where the edited register is read back, and written by
# report.xlsx from these same names (the report layer sits above history).
ACTION_REGISTER = "Action register"
REGISTER_HEADERS = ("No.", "Action ID", "Action", "Weak spots", "Owner", "Phase", "Due", "Status", "Done on", "Notes", "Effort",
                    "Effort (working days)", "Estimated money a month", "KPI", "KPI today", "KPI target", "KPI direction")
STATUSES = ("open", "in progress", "done", "dropped")
DEFAULT_STATUS = "open"
ID_HEADER, STATUS_HEADER, OWNER_HEADER, DUE_HEADER, NOTES_HEADER = "Action ID", "Status", "Owner", "Due", "Notes"
# The workbook has no column for the day an action was done: the consultant adds one under any of these headers.
DONE_ON_HEADERS = ("Done on", "Done", "Date done", "Done date", "Completed on", "Completed")
REQUIRED_HEADERS = (ID_HEADER, STATUS_HEADER)

DONE, DROPPED = "done", "dropped"
CLOSED_STATUSES = (DONE, DROPPED)
# Written variants of the four statuses: case, spaces, hyphens and underscores do not matter ("In-Progress", " DONE ").
_STATUS_NOISE = re.compile(r"[\s_\-]+")
# Day/month text: 2/3/2026, 02.03.26, 2-3-2026; ISO text: 2026-03-02 (with or without a time); month names: 2 Mar 2026.
_NUMERIC_DMY = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%d %b %y", "%d %B %y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y",
                  "%d-%b-%Y", "%d-%b-%y")
# Excel's serial day numbers that are plausible action dates (1954 to 2119), for a date typed into a General cell.
_EXCEL_SERIAL_RANGE = (20_000, 80_000)


# --- reading -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    """One action of the register as the consultant left it. `row`: the spreadsheet row, or the audit.yaml line."""

    id: str
    status: str  # one of report.xlsx STATUSES
    done_on: dt.date | None
    due: dt.date | None
    owner: str | None
    notes: str | None
    row: int | None


@dataclass(frozen=True)
class RegisterRead:
    """The register read back: its valid rows and every problem found. A row with an error is left out of `rows`."""

    source: str | None  # the workbook's path as audit.yaml names it, audit.yaml for inline rows, None: no register
    sheet: str | None
    rows: list[RegisterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def given(self) -> bool:
        return self.source is not None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


def plan_action_ids(result: AuditResult) -> set[str]:
    """The ids of the audit's fix-plan actions."""
    return {a.id for a in result.fix_plan.actions}


def snapshot_action_ids(snapshot: dict[str, Any] | None) -> set[str]:
    """The ids of a saved audit's fix-plan actions (the plan the register was written from)."""
    return {a["id"] for a in _snapshot_actions(snapshot) if isinstance(a.get("id"), str)}


def normalise_status(value: Any) -> str | None:
    """'In-Progress', ' DONE ' -> the register's status; None when it is none of open, in progress, done, dropped."""
    if not isinstance(value, str):
        return None
    text = _STATUS_NOISE.sub(" ", value).strip().casefold()
    return text if text in STATUSES else None


def month_first(locale: str) -> bool:
    """Whether the locale writes a numeric date month first (en_US: 3/2/2026 is 2 March); otherwise day first."""
    from babel import Locale, UnknownLocaleError

    try:
        pattern = Locale.parse(locale).date_formats["short"].pattern
    except (UnknownLocaleError, ValueError, KeyError, TypeError):
        return False
    return pattern.lstrip().startswith("M")


def parse_register_date(value: Any, *, monthfirst: bool = False) -> dt.date | None:
    """A date as a register cell may hold it: an Excel date, an Excel serial number, ISO text or day/month text.

    None for anything else ("next week", "soon", 31/02/2026). `monthfirst` reads 3/2/2026 as 2 March (a US locale).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and _EXCEL_SERIAL_RANGE[0] <= value <= _EXCEL_SERIAL_RANGE[1]:
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return None
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    try:
        if match := _NUMERIC_YMD.match(text):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC_DMY.match(text):
            first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            year += 2000 if year < 100 else 0
            day, month = (second, first) if monthfirst else (first, second)
            if month > 12 and day <= 12:  # 13/3/2026 in a month-first locale, 3/13/2026 in a day-first one: only one reading
                day, month = month, day
            return dt.date(year, month, day)
    except ValueError:
        return None
    for fmt in _NAMED_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_register(engagement: Engagement, known_ids: Iterable[str] | None = None, *,
                  today: dt.date | None = None) -> RegisterRead:
    """Read `actions:` of audit.yaml: the workbook fixfirst wrote (its "Action register" sheet) or the inline rows.

    `known_ids`: the actions the register may name (the current fix plan's, and the plan the register was written from:
    `plan_action_ids(result) | snapshot_action_ids(baseline)`); None accepts any id. `today` judges "done in the future".
    Every problem is collected, located by file, sheet, row and column; nothing is raised for bad input.
    """
    today = today or dt.date.today()
    known = None if known_ids is None else set(known_ids)
    actions = engagement.audit.actions
    if actions is None:
        return RegisterRead(None, None)
    monthfirst = month_first(engagement.audit.client.locale)
    if isinstance(actions, str):
        return _read_workbook(engagement, actions, known, today, monthfirst)
    return _read_inline(engagement, actions, known, today)


def _problem(code: str, message: str, file: str, sheet: str | None = None, row: int | None = None,
             column: str | None = None, value: Any = None, severity: Severity = Severity.ERROR) -> Problem:
    shown = None if value is None else str(value)[:MAX_VALUE_SHOWN]
    return Problem(code, message, severity, file, sheet, row, column, shown)


def register_path(engagement: Engagement, written: str) -> Path:
    """The workbook audit.yaml names, resolved inside the engagement folder; a FixfirstError when it leads out of it."""
    return engagement.resolve(written, "register")


def _read_workbook(engagement: Engagement, written: str, known: set[str] | None, today: dt.date,
                   monthfirst: bool) -> RegisterRead:
    file = written
    try:
        path = register_path(engagement, written)
    except FixfirstError as exc:
        return RegisterRead(file, None, [], [_problem("register.outside_engagement", f"{exc.cause}; {exc.fix}", file, value=written)])
    if not path.is_file():
        return RegisterRead(file, None, [], [_problem(
            "register.not_found", "the action register named in audit.yaml (actions:) is not there; write it with "
            "`fixfirst report ENGAGEMENT --format xlsx`, or correct the path", file)])
    size = path.stat().st_size
    if size > MAX_REGISTER_BYTES:
        return RegisterRead(file, None, [], [_problem(
            "register.too_large", f"{size:,} bytes is too large for an action register (at most "
            f"{MAX_REGISTER_BYTES // (1024 * 1024)} MB); name the workbook fixfirst wrote", file)])
    try:
        # The same guards as any client workbook: a zip bomb or an XML entity bomb is refused before openpyxl opens it.
        check_file(path, engagement.settings.ingest)
    except FixfirstError as exc:
        return RegisterRead(file, None, [], [_problem("register.unreadable", f"{exc.cause.split(': ', 1)[-1]}; {exc.fix}", file)])
    try:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return RegisterRead(file, None, [], [_problem(
            "register.unreadable", f"not a readable .xlsx workbook ({type(exc).__name__}); save the register as an Excel "
            ".xlsx file", file)])
    try:
        if ACTION_REGISTER not in book.sheetnames:
            sheets = ", ".join(repr(s) for s in book.sheetnames) or "none"
            return RegisterRead(file, None, [], [_problem(
                "register.sheet_missing", f"no sheet named {ACTION_REGISTER!r} (the workbook has {sheets}); keep the sheet "
                "fixfirst wrote, with its name", file, value=", ".join(book.sheetnames))])
        return _read_sheet(book[ACTION_REGISTER], file, known, today, monthfirst)
    finally:
        book.close()


def _header_key(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _find_header(rows: list[tuple[int, tuple]]) -> tuple[int, dict[str, int]] | None:
    """The header row (its number and header -> column index): the first of the top rows naming the id or the status."""
    for number, values in rows:
        keys = {_header_key(v): i for i, v in reversed(list(enumerate(values))) if _header_key(v)}
        if _header_key(ID_HEADER) in keys or _header_key(STATUS_HEADER) in keys:
            return number, keys
    return None


def _read_sheet(ws, file: str, known: set[str] | None, today: dt.date, monthfirst: bool) -> RegisterRead:
    from openpyxl.utils import get_column_letter

    sheet = ACTION_REGISTER
    rows = ws.iter_rows(min_row=1, max_row=MAX_REGISTER_ROWS + HEADER_SEARCH_ROWS + 1, values_only=True)
    top: list[tuple[int, tuple]] = []
    for number, values in enumerate(rows, 1):
        top.append((number, tuple(values)))
        if number >= HEADER_SEARCH_ROWS:
            break
    found = _find_header(top)
    if found is None:
        return RegisterRead(file, sheet, [], [_problem(
            "register.header_missing", f"no header row naming {ID_HEADER!r} and {STATUS_HEADER!r} in the first "
            f"{HEADER_SEARCH_ROWS} rows; keep the header row fixfirst wrote", file, sheet, 1)])
    header_row, columns = found
    problems: list[Problem] = []
    missing = [h for h in REQUIRED_HEADERS if _header_key(h) not in columns]
    for header in missing:
        problems.append(_problem("register.header_missing", f"the header row has no {header!r} column; keep the columns "
                                 "fixfirst wrote (docs/report.md, Action register)", file, sheet, header_row, header))
    if missing:
        return RegisterRead(file, sheet, [], problems)
    done_on_column = next((columns[_header_key(h)] for h in DONE_ON_HEADERS if _header_key(h) in columns), None)
    done_on_header = None if done_on_column is None else next(h for h in DONE_ON_HEADERS if _header_key(h) in columns)

    def column_of(header: str) -> int | None:
        return columns.get(_header_key(header))

    def cell(values: tuple, index: int | None) -> Any:
        if index is None or index >= len(values):
            return None
        value = values[index]
        return None if isinstance(value, str) and not value.strip() else value

    def ref(index: int, number: int) -> str:
        return f"cell {get_column_letter(index + 1)}{number}"

    records: list[_Record] = []
    remaining = [(n, v) for n, v in top if n > header_row]
    # The status column is required: past the check above, the header row has it.
    status_index, due_index = columns[_header_key(STATUS_HEADER)], column_of(DUE_HEADER)
    for number, values in itertools.chain(remaining, enumerate(rows, len(top) + 1)):
        raw = {name: cell(values, column_of(header)) for name, header in
               (("id", ID_HEADER), ("status", STATUS_HEADER), ("owner", OWNER_HEADER), ("due", DUE_HEADER),
                ("notes", NOTES_HEADER))}
        raw["done_on"] = cell(values, done_on_column)
        if all(v is None for v in raw.values()):
            continue
        if number > header_row + MAX_REGISTER_ROWS:
            problems.append(_problem("register.too_many_rows", f"only the first {MAX_REGISTER_ROWS:,} rows below the header "
                                     "are read", file, sheet, number, severity=Severity.WARNING))
            break
        record = _Record(number, [], id_column=ID_HEADER, done_column=done_on_header or DONE_ON_HEADERS[0])
        records.append(record)
        if raw["id"] is None:
            record.problems.append(_problem(
                "register.missing_id", f"a row without an {ID_HEADER!r} is not followed up; give it the id of the plan's "
                "action it concerns, or leave the row empty", file, sheet, number, ID_HEADER, severity=Severity.WARNING))
            record.skip = True
            continue
        record.id = str(raw["id"]).strip()
        if raw["status"] is None:
            record.status = "open"
        elif (status := normalise_status(raw["status"])) is None:
            record.problems.append(_problem(
                "register.unknown_status", f"unknown status ({ref(status_index, number)}); use one of "
                + ", ".join(STATUSES), file, sheet, number, STATUS_HEADER, raw["status"]))
        else:
            record.status = status
        record.due = _date_field(raw["due"], "due date", record, file, sheet, number, DUE_HEADER,
                                 None if due_index is None else ref(due_index, number), monthfirst)
        record.done_on = _date_field(raw["done_on"], "done date", record, file, sheet, number, done_on_header,
                                     None if done_on_column is None else ref(done_on_column, number), monthfirst)
        record.owner = None if raw["owner"] is None else str(raw["owner"]).strip()
        record.notes = None if raw["notes"] is None else str(raw["notes"]).strip()
    rows_read, problems = _judge(records, known, today, file, sheet, problems)
    return RegisterRead(file, sheet, rows_read, problems)


def _date_field(value: Any, what: str, record: _Record, file: str, sheet: str | None, number: int, header: str | None,
                where: str | None, monthfirst: bool) -> dt.date | None:
    if value is None:
        return None
    parsed = parse_register_date(value, monthfirst=monthfirst)
    if parsed is None:
        example = "3/2/2026" if monthfirst else "2/3/2026"
        record.problems.append(_problem(
            "register.bad_date", f"the {what} is not a date" + (f" ({where})" if where else "")
            + f"; write a date such as 2026-03-02 or {example}", file, sheet, number, header, value))
    return parsed


@dataclass
class _Record:
    """A register row while it is checked: what was read, where, and its problems."""

    row: int | None
    problems: list[Problem]
    id: str | None = None
    status: str | None = None
    due: dt.date | None = None
    done_on: dt.date | None = None
    owner: str | None = None
    notes: str | None = None
    skip: bool = False
    id_column: str | None = None
    done_column: str | None = None
    done_row: int | None = None  # audit.yaml: the line of done_on, when it has one


def _read_inline(engagement: Engagement, actions: Sequence[ActionUpdate], known: set[str] | None,
                 today: dt.date) -> RegisterRead:
    """`actions:` written in audit.yaml: the schema already checked statuses and dates; ids and dates are judged here."""
    audit_path = Path(engagement.folder) / AUDIT_FILE
    try:
        _, lines = load_yaml(audit_path)
    except FixfirstError:
        lines = {}
    file = str(audit_path)
    records = []
    for index, update in enumerate(actions):
        line = lines.get(("actions", index, "id"), lines.get(("actions", index)))
        records.append(_Record(line, [], update.id.strip(), update.status, update.due, update.done_on, update.owner,
                               update.notes, id_column=f"actions.{index}.id", done_column=f"actions.{index}.done_on",
                               done_row=lines.get(("actions", index, "done_on"))))
    rows, problems = _judge(records, known, today, file, None, [])
    return RegisterRead(file, None, rows, problems)


def _judge(records: list[_Record], known: set[str] | None, today: dt.date, file: str, sheet: str | None,
           problems: list[Problem]) -> tuple[list[RegisterRow], list[Problem]]:
    """Checks across rows and against the plan: duplicates, unknown ids, done without a date, done in the future."""
    first_row: dict[str, int | None] = {}
    known_sorted = sorted(known) if known is not None else []
    unit = "line" if sheet is None else "row"
    rows: list[RegisterRow] = []
    for record in records:
        if record.skip or record.id is None:  # a row without an id is skipped when read (register.missing_id)
            problems.extend(record.problems)
            continue
        number = record.row
        if record.id in first_row:
            before = first_row[record.id]
            record.problems.append(_problem(
                "register.duplicate_id", f"action {record.id!r} is listed twice (first on {unit} {before}); keep one "
                f"{unit.replace('line', 'entry')} per action", file, sheet, number, record.id_column, record.id))
        else:
            first_row[record.id] = number
            if known is not None and record.id not in known:
                near = difflib.get_close_matches(record.id, known_sorted, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else "; use an Action ID the register lists"
                record.problems.append(_problem(
                    "register.unknown_id", f"no action of the fix plan has this id{hint}", file, sheet, number,
                    record.id_column, record.id))
        if record.status == DONE and record.done_on is None and not _has_code(record, "register.bad_date"):
            record.problems.append(_problem(
                "register.done_without_date", "the action is done but no done date is given, so the follow-up cannot "
                f"tell whether the earlier audit came before it; add the day it was done (under {record.done_column!r})",
                file, sheet, number, record.done_column, severity=Severity.WARNING))
        if record.done_on is not None and record.done_on > today:
            record.problems.append(_problem(
                "register.done_in_future", f"the done date is after today ({today.isoformat()}); write the day it was "
                "done, or leave the status in progress", file, sheet, record.done_row or number, record.done_column,
                record.done_on.isoformat()))
        problems.extend(record.problems)
        if record.status is None or any(p.severity is Severity.ERROR for p in record.problems):
            continue
        rows.append(RegisterRow(record.id, record.status, record.done_on, record.due, record.owner or None,
                                record.notes or None, number))
    return rows, problems


def _has_code(record: _Record, code: str) -> bool:
    return any(p.code == code for p in record.problems)


# --- following up ---------------------------------------------------------------------------------------------------


class Outcome(str, Enum):
    """What the next audit says about a done action's KPI."""

    BETTER = "better"
    WORSE = "worse"
    NO_CLEAR_CHANGE = "no_clear_change"
    TOO_EARLY = "too_early"  # too few observations on one side, or done after this audit's data ends
    NO_BASELINE = "no_baseline"  # no earlier audit to compare with
    BASELINE_AFTER_DONE = "baseline_after_done"  # the earlier audit's data already runs past the day it was done
    NOT_MEASURED = "not_measured"  # the KPI is not measured in one of the two audits
    NOT_A_SHARE = "not_a_share"  # money, a count or an NPS: shown, not tested
    NO_KPI = "no_kpi"  # the action names no KPI (or is in neither plan)


_READING_OUTCOME = {ChangeReading.BETTER: Outcome.BETTER, ChangeReading.WORSE: Outcome.WORSE,
                    ChangeReading.NO_CLEAR_CHANGE: Outcome.NO_CLEAR_CHANGE, ChangeReading.TOO_EARLY: Outcome.TOO_EARLY}


@dataclass(frozen=True)
class KpiFigure:
    """A KPI's value in one audit, with its sample size."""

    value: float
    n: int | None
    as_of: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {"value": round(self.value, 4), "n": self.n, "as_of": None if self.as_of is None else self.as_of.isoformat()}


@dataclass(frozen=True)
class DoneAction:
    """A done action and its KPI before (the earlier audit) and after (this audit)."""

    id: str
    title: str
    done_on: dt.date | None
    owner: str | None
    notes: str | None
    kpi_label: str | None
    metric: str | None
    touchpoint: str | None
    unit: str
    higher_is_better: bool
    before: KpiFigure | None
    after: KpiFigure | None
    change: ProportionChange | None
    outcome: Outcome
    level: float  # the interval's confidence level
    min_n: int  # fewest observations on each side for a reading
    row: int | None
    after_since: dt.date | None = None  # the first day of the data behind this audit's figure

    @property
    def after_mixes_before(self) -> bool:
        """This audit's figure also counts days before the action was done (its data starts earlier)."""
        return self.done_on is not None and self.after_since is not None and self.after_since < self.done_on

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "done_on": _isoformat(self.done_on), "owner": self.owner, "notes": self.notes,
            "kpi": {"label": self.kpi_label, "metric": self.metric, "touchpoint": self.touchpoint, "unit": self.unit,
                    "direction": "at_least" if self.higher_is_better else "at_most"},
            "before": None if self.before is None else self.before.to_dict(),
            "after": None if self.after is None else self.after.to_dict(),
            "change": None if self.change is None else self.change.to_dict(),
            "outcome": self.outcome.value, "level": self.level, "min_n": self.min_n,
            "after_since": _isoformat(self.after_since), "after_mixes_before": self.after_mixes_before, "row": self.row,
        }


@dataclass(frozen=True)
class PendingAction:
    """An action not done: open, in progress, or dropped, with its owner and due date (the register's, else the plan's)."""

    id: str
    title: str
    status: str
    owner: str | None
    due: dt.date | None
    days_overdue: int  # 0 when not overdue
    notes: str | None
    row: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "owner": self.owner, "due": _isoformat(self.due),
                "days_overdue": self.days_overdue, "notes": self.notes, "row": self.row}


@dataclass(frozen=True)
class FollowUp:
    """The register followed up on `today`: done actions against their KPI, overdue ones, the rest open, and dropped ones."""

    today: dt.date
    as_of: dt.date
    baseline_as_of: dt.date | None
    done: list[DoneAction]
    overdue: list[PendingAction]  # due before today, neither done nor dropped; most overdue first
    open: list[PendingAction]  # open or in progress, not overdue
    dropped: list[PendingAction]

    @property
    def empty(self) -> bool:
        return not (self.done or self.overdue or self.open or self.dropped)

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "as_of": self.as_of.isoformat(), "baseline_as_of": _isoformat(self.baseline_as_of),
                "done": [d.to_dict() for d in self.done], "overdue": [p.to_dict() for p in self.overdue],
                "open": [p.to_dict() for p in self.open], "dropped": [p.to_dict() for p in self.dropped]}


def _isoformat(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True)
class _PlannedAction:
    """What either plan knows about an action: its title, owner, due date and KPI (label, metric, touchpoint, unit, direction)."""

    title: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    kpi_label: str | None = None
    metric: str | None = None
    touchpoint: str | None = None
    unit: str = "pct"
    higher_is_better: bool = True
    has_kpi: bool = False


def _snapshot_actions(snapshot: dict[str, Any] | None) -> list[dict[str, Any]]:
    plan = ((snapshot or {}).get("audit") or {}).get("fix_plan") or {}
    return [a for key in ("quick_wins", "systemic") for a in (plan.get(key) or []) if isinstance(a, dict)]


def _iso(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _planned(result: AuditResult, snapshot: dict[str, Any] | None) -> dict[str, _PlannedAction]:
    """Every action of the earlier plan, overlaid with this audit's plan: its title and KPI are current; the earlier
    plan's due date and owner stand (they are what the register was written with)."""
    planned: dict[str, _PlannedAction] = {}
    audit = (snapshot or {}).get("audit") or {}
    dues = {s.get("id"): _iso(s.get("due")) for s in ((audit.get("decision") or {}).get("schedule") or []) if isinstance(s, dict)}
    for a in _snapshot_actions(snapshot):
        ident = a.get("id")
        if not isinstance(ident, str):  # no register row can name an action without an id
            continue
        kpi = a.get("kpi") if isinstance(a.get("kpi"), dict) else None
        planned[ident] = _PlannedAction(
            a.get("title"), a.get("owner"), dues.get(ident),
            None if kpi is None else kpi.get("label"), None if kpi is None else kpi.get("metric"),
            None if kpi is None else kpi.get("touchpoint"), "pct" if kpi is None else (kpi.get("unit") or "pct"),
            True if kpi is None else kpi.get("direction", "at_least") != "at_most", kpi is not None)
    schedule = {s.action.id: s.due for s in result.decision.schedule}
    for action in result.fix_plan.actions:
        k, earlier = action.kpi, planned.get(action.id)
        # The due date and owner agreed when the register was written stand; a new plan would date them afresh.
        owner = earlier.owner if earlier is not None and earlier.owner else action.owner
        due = earlier.due if earlier is not None and earlier.due else schedule.get(action.id)
        planned[action.id] = _PlannedAction(
            action.title, owner, due, None if k is None else k.label, None if k is None else k.metric,
            None if k is None or k.touchpoint is None else k.touchpoint.id, "pct" if k is None else k.unit,
            True if k is None else k.higher_is_better, k is not None)
    return planned


def _pick(candidates: Sequence[tuple[str | None, float | None, int | None]], label: str | None) -> tuple[float, int | None] | None:
    """The measured candidate with the same label, else the first measured one."""
    measured = [(lab, v, n) for lab, v, n in candidates if v is not None]
    if not measured:
        return None
    same = [c for c in measured if label is not None and c[0] == label]
    _, value, n = (same or measured)[0]
    return float(value), None if n is None else int(n)


def _current_figure(result: AuditResult, plan: _PlannedAction) -> tuple[float, int | None] | None:
    if plan.metric is None:
        kpis = result.signals.kpis if result.signals is not None else []
        return _pick([(k.name, k.value, k.n) for k in kpis if plan.kpi_label and k.name.casefold() == plan.kpi_label.casefold()],
                     plan.kpi_label)
    watched = [(k.label, k.current, k.n) for k in result.fix_plan.kpis
               if k.metric == plan.metric and (k.touchpoint.id if k.touchpoint is not None else None) == plan.touchpoint]
    signals = [(s.label, s.value, s.n) for s in (result.signals.signals if result.signals is not None else [])
               if s.metric == plan.metric and s.touchpoint == plan.touchpoint]
    return _pick(watched, plan.kpi_label) or _pick(signals, plan.kpi_label)


# The date column of each source kind whose first day starts the period a signal measures.
_SOURCE_DATES = {"orders": "ordered_at", "events": "timestamp", "survey": "submitted_at", "feedback": "date"}


def _data_since(result: AuditResult, plan: _PlannedAction) -> dt.date | None:
    """The first day of the data the KPI's current figure is measured from (its signal's source), when known."""
    import pandas as pd

    sources = {s.source for s in (result.signals.signals if result.signals is not None else [])
               if s.metric == plan.metric and s.touchpoint == plan.touchpoint}
    first = None
    for source in sources:
        table, column = result.data.get(source), _SOURCE_DATES.get(source)
        if table is None or column is None or column not in table.frame or table.frame.empty:
            continue
        stamp = pd.to_datetime(table.frame[column], errors="coerce").min()
        if pd.notna(stamp):
            day = pd.Timestamp(stamp).date()
            first = day if first is None or day < first else first
    return first


def _baseline_figure(snapshot: dict[str, Any], plan: _PlannedAction) -> tuple[float, int | None] | None:
    audit = snapshot.get("audit") or {}
    if plan.metric is None:
        return _pick([(k.get("name"), k.get("value"), k.get("n")) for k in (audit.get("kpis") or [])
                      if isinstance(k, dict) and plan.kpi_label and str(k.get("name", "")).casefold() == plan.kpi_label.casefold()],
                     plan.kpi_label)
    watched = [(k.get("label"), k.get("current"), k.get("n")) for k in ((audit.get("fix_plan") or {}).get("kpis") or [])
               if isinstance(k, dict) and k.get("metric") == plan.metric and k.get("touchpoint") == plan.touchpoint]
    signals = [(s.get("label"), s.get("value"), s.get("n"))
               for t in (audit.get("touchpoints") or []) + (audit.get("weak_spots") or []) if isinstance(t, dict)
               for s in (t.get("signals") or []) if isinstance(s, dict)
               and s.get("metric") == plan.metric and (s.get("touchpoint") or t.get("touchpoint")) == plan.touchpoint]
    return _pick(watched, plan.kpi_label) or _pick(signals, plan.kpi_label)


def _judge_done(row: RegisterRow, plan: _PlannedAction, result: AuditResult, snapshot: dict[str, Any] | None,
                level: float, min_n: int) -> DoneAction:
    baseline_as_of = None if snapshot is None else _iso(snapshot.get("as_of"))
    now = _current_figure(result, plan) if plan.has_kpi else None
    then = _baseline_figure(snapshot, plan) if plan.has_kpi and snapshot is not None else None
    after = None if now is None else KpiFigure(now[0], now[1], result.as_of)
    before = None if then is None else KpiFigure(then[0], then[1], baseline_as_of)
    change = None
    if not plan.has_kpi:
        outcome = Outcome.NO_KPI
    elif snapshot is None or (baseline_as_of is not None and baseline_as_of >= result.as_of):
        outcome = Outcome.NO_BASELINE  # none, or not an earlier audit
    elif row.done_on is not None and baseline_as_of is not None and baseline_as_of >= row.done_on:
        outcome = Outcome.BASELINE_AFTER_DONE
    elif row.done_on is not None and row.done_on > result.as_of:
        outcome = Outcome.TOO_EARLY  # this audit's data ends before the action was done
    elif before is None or after is None or before.n is None or after.n is None:
        outcome = Outcome.NOT_MEASURED
    elif plan.unit != "pct":
        outcome = Outcome.NOT_A_SHARE
    else:
        change = proportion_change(round(before.value * before.n), before.n, round(after.value * after.n), after.n,
                                   higher_is_better=plan.higher_is_better, level=level, min_n=min_n)
        outcome = _READING_OUTCOME[change.reading]
    return DoneAction(row.id, plan.title or row.id, row.done_on, row.owner or plan.owner, row.notes, plan.kpi_label,
                      plan.metric, plan.touchpoint, plan.unit, plan.higher_is_better, before, after, change, outcome,
                      level, min_n, row.row, _data_since(result, plan) if plan.has_kpi and plan.metric else None)


def follow_up(result: AuditResult, rows: RegisterRead | Sequence[RegisterRow], baseline_snapshot: dict[str, Any] | None,
              today: dt.date) -> FollowUp:
    """Each done action's KPI before (the baseline snapshot) and after (this audit), judged by `proportion_change`;
    the actions past their due date that are neither done nor dropped (as of `today`); the other open ones.

    The register's owner and due date win over the plans'; a row without them takes the baseline plan's (the plan the
    register was written from), else this audit's.
    """
    register_rows = rows.rows if isinstance(rows, RegisterRead) else list(rows)
    settings = result.engagement.settings
    level, min_n = settings.scoring.ci_level, settings.scoring.min_evidence_n
    planned = _planned(result, baseline_snapshot)
    done: list[DoneAction] = []
    overdue: list[PendingAction] = []
    still_open: list[PendingAction] = []
    dropped: list[PendingAction] = []
    for row in register_rows:
        plan = planned.get(row.id, _PlannedAction())
        if row.status == DONE:
            done.append(_judge_done(row, plan, result, baseline_snapshot, level, min_n))
            continue
        due = row.due or plan.due
        late = 0 if row.status == DROPPED or due is None or due >= today else (today - due).days
        pending = PendingAction(row.id, plan.title or row.id, row.status, row.owner or plan.owner, due, late, row.notes, row.row)
        (dropped if row.status == DROPPED else overdue if late else still_open).append(pending)
    overdue.sort(key=lambda p: -p.days_overdue)
    baseline_as_of = None if baseline_snapshot is None else _iso(baseline_snapshot.get("as_of"))
    return FollowUp(today, result.as_of, baseline_as_of, done, overdue, still_open, dropped)
