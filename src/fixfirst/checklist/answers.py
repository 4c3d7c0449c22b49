"""The answers file of one checklist in one engagement: saved atomically after every answer, validated on every load."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from ..config import MAX_YAML_BYTES, YamlRefused, parse_yaml
from ..errors import FixfirstError, InputProblems, Problem
from ..fsutil import atomic_path
from .answer_types import AnswerValue
from .model import Checklist

ANSWERS_FOLDER = "answers"
FORMAT_VERSION = 1
# answered (n/a included), skipped (given without an answer), or unanswered: an item that holds only a note.
AnswerStatus = Literal["answered", "skipped", "unanswered"]
STATUSES = ("answered", "skipped", "unanswered")
HEADER_FIELDS = ("checklist", "version", "started", "updated", "answers")
ENTRY_FIELDS = ("answer", "status", "note", "at")
FILE_COMMENT = (
    "# fixfirst checklist answers, saved after every answer (docs/checklists.md).\n"
    "# Hand edits are welcome; a file that does not validate is reported with its line and never overwritten.\n"
)
FIX_HINT = "correct the line named (see docs/checklists.md for the answers format), or move the file aside to start again"


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def answers_path(engagement_folder: Path, checklist_id: str) -> Path:
    """ENGAGEMENT/answers/<checklist id>.yaml."""
    return Path(engagement_folder) / ANSWERS_FOLDER / f"{checklist_id}.yaml"


@dataclass(frozen=True)
class Answer:
    """What was said for one item. n/a is an answer with value None; a skipped item is given but not answered; an
    unanswered one holds only a note (a note is never an answer)."""

    item_id: str
    value: AnswerValue
    status: AnswerStatus = "answered"
    note: str = ""
    answered_at: str = ""

    @property
    def not_applicable(self) -> bool:
        return self.status == "answered" and self.value is None

    @property
    def given(self) -> bool:
        """Answered (n/a included) or skipped: what progress counts. A note alone leaves the item open."""
        return self.status != "unanswered"


def is_open(answer: Answer | None) -> bool:
    """Nothing given for the item yet: no entry, or an entry with only a note."""
    return answer is None or not answer.given


class AnswerFile:
    """The answers to one checklist, bound to its file. Every change is written (atomically) before it returns.

    The object only ever replaces the bytes it read or last wrote: if the file was changed by hand meanwhile,
    or failed to load, saving refuses rather than lose what is on disk.
    """

    def __init__(self, path: Path, checklist: Checklist, answers: dict[str, Answer] | None = None,
                 started: str | None = None, updated: str | None = None, *, on_disk: bytes | None = None) -> None:
        self.path = Path(path)
        self.checklist = checklist
        self.checklist_id = checklist.id
        self.answers: dict[str, Answer] = dict(answers or {})
        self.started = started
        self.updated = updated
        self._on_disk_digest = None if on_disk is None else hashlib.sha256(on_disk).hexdigest()

    @classmethod
    def open(cls, path: Path, checklist: Checklist) -> AnswerFile:
        """Load the answers at `path` (a missing file is an empty set); any problem is a located error."""
        path = Path(path)
        if not path.exists():
            return cls(path, checklist)
        raw = _read_bytes(path)
        header, answers = parse_answers(raw, path, checklist, require_header=True)
        return cls(path, checklist, answers, header.get("started"), header.get("updated"), on_disk=raw)

    # -- changes -------------------------------------------------------------------------------------------------

    def record(self, item_id: str, value: AnswerValue, *, status: AnswerStatus = "answered", note: str | None = None) -> Answer:
        """Record (or replace) the answer to `item_id` and save it before returning."""
        item = self.checklist.item(item_id)
        if status not in ("answered", "skipped"):
            raise ValueError(f"status must be 'answered' or 'skipped', not {status!r}; a note alone goes through set_note()")
        value = None if status == "skipped" else item.check_value(value)
        previous = self.answers.get(item_id)
        kept_note = note if note is not None else (previous.note if previous else "")
        answer = Answer(item_id, value, status, kept_note.strip(), utc_now())
        self._change({item_id: answer})
        return answer

    def set_note(self, item_id: str, note: str) -> Answer | None:
        """Attach a note to an item and save. On an item with nothing given the note is kept on its own (status
        unanswered): the item stays open. Clearing the only note of an open item removes its entry (None)."""
        self.checklist.item(item_id)
        previous = self.answers.get(item_id)
        text = note.strip()
        if previous is None or not previous.given:
            if not text:
                if previous is not None:
                    self._change({item_id: None})
                return None
            answer = Answer(item_id, None, "unanswered", text, utc_now())
        else:
            answer = replace(previous, note=text)
        self._change({item_id: answer})
        return answer

    def merge(self, answers: dict[str, Answer]) -> None:
        """Replace the answers given (an import) and keep every other one; one atomic save."""
        for item_id in answers:
            self.checklist.item(item_id)
        self._change(answers)

    def _change(self, changed: Mapping[str, Answer | None]) -> None:
        """Apply the changes (None removes an entry) and save; on any failure memory goes back to what the disk holds."""
        before = dict(self.answers), self.started, self.updated
        for item_id, answer in changed.items():
            if answer is None:
                self.answers.pop(item_id, None)
            else:
                self.answers[item_id] = answer
        try:
            self.save()
        except BaseException:
            # Memory must never claim an answer the disk does not hold.
            self.answers, self.started, self.updated = before
            raise

    # -- reading -------------------------------------------------------------------------------------------------

    def first_unanswered(self, checklist: Checklist | None = None) -> str | None:
        """The resume point: the first item, in checklist order, with nothing given (a skip counts as given, a note
        alone does not)."""
        for item_id in (checklist or self.checklist).item_ids:
            if is_open(self.answers.get(item_id)):
                return item_id
        return None

    def get(self, item_id: str) -> Answer | None:
        return self.answers.get(item_id)

    @property
    def complete(self) -> bool:
        return self.first_unanswered() is None

    # -- writing -------------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Write the whole file atomically (temp file, fsync, rename)."""
        self._refuse_if_changed_on_disk()
        now = utc_now()
        self.started = self.started or now
        self.updated = now
        text = self.to_yaml()
        with atomic_path(self.path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        self._on_disk_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _refuse_if_changed_on_disk(self) -> None:
        exists = self.path.exists()
        if self._on_disk_digest is None and not exists:
            return
        current = hashlib.sha256(self.path.read_bytes()).hexdigest() if exists else None
        if current != self._on_disk_digest:
            raise FixfirstError(
                f"{self.path}: the answers file changed on disk since it was opened (or failed to load); not overwriting it",
                "reopen the checklist so the file on disk is validated and loaded first",
            )

    def to_yaml(self) -> str:
        entries: dict[str, Any] = {}
        for item in self.checklist.item_ids:  # checklist order keeps the file readable next to the questions
            answer = self.answers.get(item)
            if answer is not None and (answer.given or answer.note):  # an open item without a note is not worth a line
                entries[item] = _entry(answer)
        document = {"checklist": self.checklist_id, "version": FORMAT_VERSION, "started": self.started,
                    "updated": self.updated, "answers": entries}
        return FILE_COMMENT + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _entry(answer: Answer) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if answer.status != "answered":
        entry["status"] = answer.status
    elif answer.value is None:
        entry["answer"] = "n/a"
    elif isinstance(answer.value, bool):
        # Written as words: "yes"/"no" read better than true/false and survive any YAML reader.
        entry["answer"] = "yes" if answer.value else "no"
    else:
        entry["answer"] = answer.value
    if answer.note:
        entry["note"] = answer.note
    entry["at"] = answer.answered_at
    return entry


# -- reading and validating a file ---------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise _answers_problems([_problem(path, None, None, "answers.too_large", f"file is larger than {MAX_YAML_BYTES // 1024} KiB; this is not an answers file")])
        return path.read_bytes()
    except OSError as exc:
        raise FixfirstError(f"{path}: cannot read the answers file ({exc.strerror})", "check the file's permissions") from None


def _answers_problems(problems: list[Problem]) -> InputProblems:
    """The located problems of an answers file, with the fix that fits it (not the data-file one)."""
    error = InputProblems(problems)
    error.fix = FIX_HINT
    return error


def _problem(path: Path, line: int | None, field: str | None, code: str, message: str, value: Any = None) -> Problem:
    shown = None if value is None or isinstance(value, (dict, list)) else str(value)[:80]
    return Problem(code=code, message=message, file=str(path), row=line, column=field, value=shown)


def _compose(raw: bytes, path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _answers_problems([_problem(path, None, None, "answers.not_utf8", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    try:
        return parse_yaml(text)  # the guarded loader every YAML file goes through: no aliases, bounded nesting
    except YamlRefused as exc:
        error = _answers_problems([_problem(path, exc.line, None, "answers.invalid_yaml", exc.cause)])
        error.fix = exc.fix
        raise error from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        column = f" (column {mark.column + 1})" if mark else ""
        raise _answers_problems([_problem(path, mark.line + 1 if mark else None, None, "answers.invalid_yaml",
                                      f"invalid YAML{column}: {reason}")]) from None


def _key_lines(node: yaml.Node | None) -> tuple[dict[str, int], dict[str, dict[str, int]], list[tuple[str, int]]]:
    """Lines of the top-level keys and of each answer's key ("") and fields; and every key written twice (YAML keeps only the last)."""
    top: dict[str, int] = {}
    entries: dict[str, dict[str, int]] = {}
    repeated: list[tuple[str, int]] = []
    if not isinstance(node, yaml.MappingNode):
        return top, entries, repeated
    for key, value in node.value:
        if key.value in top:
            repeated.append((key.value, key.start_mark.line + 1))
        top[key.value] = key.start_mark.line + 1
        if key.value == "answers" and isinstance(value, yaml.MappingNode):
            for item_key, entry in value.value:
                if item_key.value in entries:
                    repeated.append((f"answers.{item_key.value}", item_key.start_mark.line + 1))
                    continue
                entries[item_key.value] = {"": item_key.start_mark.line + 1}
                if isinstance(entry, yaml.MappingNode):
                    entries[item_key.value].update({k.value: k.start_mark.line + 1 for k, _ in entry.value})
                else:  # the bare form `item: answer` keeps the answer on the key's line
                    entries[item_key.value]["answer"] = item_key.start_mark.line + 1
    return top, entries, repeated


def parse_answers(raw: bytes, path: Path, checklist: Checklist, *, require_header: bool) -> tuple[dict[str, Any], dict[str, Answer]]:
    """Validate an answers (or import) file completely; raise InputProblems listing every problem with its line.

    `require_header` is true for a saved answers file; an import file may leave out version and times.
    """
    data, node = _compose(raw, path)
    top_lines, entry_lines, repeated = _key_lines(node)
    problems: list[Problem] = [_problem(path, line, key, "answers.duplicate_key", f"{key} is written twice; keep one") for key, line in repeated]
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        raise _answers_problems(problems + [_problem(path, 1, None, "answers.not_a_mapping",
                                                 f"expected an answers file (checklist, answers), found {found}")])
    for key in data:
        if key not in HEADER_FIELDS:
            problems.append(_problem(path, top_lines.get(str(key)), str(key), "answers.unknown_field",
                                     f"unknown field; an answers file has {', '.join(HEADER_FIELDS)}"))
    header: dict[str, Any] = {}
    checklist_id = data.get("checklist")
    if checklist_id is None:
        problems.append(_problem(path, 1, "checklist", "answers.missing", "checklist: the checklist id is missing"))
    elif checklist_id != checklist.id:
        problems.append(_problem(path, top_lines.get("checklist"), "checklist", "answers.wrong_checklist",
                                 f"these answers are for checklist {checklist_id!r}, not {checklist.id!r}", checklist_id))
    version = data.get("version", None if require_header else FORMAT_VERSION)
    if version != FORMAT_VERSION:
        problems.append(_problem(path, top_lines.get("version", 1), "version", "answers.version",
                                 f"unsupported answers format version {version!r}; this fixfirst reads version {FORMAT_VERSION}", version))
    for stamp in ("started", "updated"):
        value = data.get(stamp)
        if value is None:
            if require_header and stamp in data:
                problems.append(_problem(path, top_lines.get(stamp), stamp, "answers.bad_time", f"{stamp} is empty; write an ISO 8601 time"))
            continue
        parsed = _iso_time(value)
        if parsed is None:
            problems.append(_problem(path, top_lines.get(stamp), stamp, "answers.bad_time", f"{stamp} is not an ISO 8601 time such as 2026-03-01T10:00:00Z", value))
        header[stamp] = parsed
    raw_answers = data.get("answers")
    answers: dict[str, Answer] = {}
    if raw_answers is None:
        raw_answers = {}
    if not isinstance(raw_answers, dict):
        problems.append(_problem(path, top_lines.get("answers"), "answers", "answers.not_a_mapping",
                                 "answers must map item ids to answers (shared-kpis: no)"))
        raw_answers = {}
    known = set(checklist.item_ids)
    for key, entry in raw_answers.items():
        item_id = str(key)
        lines: dict[str, int | None] = dict(entry_lines.get(item_id, {"": top_lines.get("answers")}))
        field = f"answers.{item_id}"
        if item_id not in known:
            problems.append(_problem(path, lines[""], field, "answers.unknown_item",
                                     f"checklist {checklist.id!r} has no item {item_id!r} (check the spelling; `fixfirst checklist show {checklist.id}` lists the ids)"))
            continue
        answer, entry_problems = _entry_answer(checklist, item_id, entry, path, lines, field)
        problems += entry_problems
        if answer is not None:
            answers[item_id] = answer
    if problems:
        raise _answers_problems(problems)
    return header, answers


def _entry_answer(checklist: Checklist, item_id: str, entry: Any, path: Path, lines: dict[str, int | None],
                  field: str) -> tuple[Answer | None, list[Problem]]:
    """One answer: either the bare answer (`shared-kpis: no`) or a mapping with answer, status, note, at."""
    item = checklist.item(item_id)

    def line_of(key: str) -> int | None:
        return lines.get(key, lines.get(""))

    if not isinstance(entry, dict):
        entry = {"answer": entry}
    problems = [_problem(path, line_of(str(key)), f"{field}.{key}", "answers.unknown_field", f"unknown field; an answer has {', '.join(ENTRY_FIELDS)}")
                for key in entry if key not in ENTRY_FIELDS]
    status = entry.get("status", "answered")
    if status not in STATUSES:
        problems.append(_problem(path, line_of("status"), f"{field}.status", "answers.bad_status",
                                 "status must be answered, skipped or unanswered (a note without an answer)", status))
        return None, problems
    note = entry.get("note") or ""
    if not isinstance(note, str):
        note = str(note)
    at = entry.get("at")
    parsed = _iso_time(at) if at is not None else utc_now()
    if parsed is None:
        problems.append(_problem(path, line_of("at"), f"{field}.at", "answers.bad_time", "at is not an ISO 8601 time such as 2026-03-01T10:00:00Z", at))
    stamp = parsed or ""  # only used when there is no problem, so never empty then
    if status == "skipped":
        if entry.get("answer") is not None:
            problems.append(_problem(path, line_of("answer"), f"{field}.answer", "answers.skipped_with_answer",
                                     "a skipped item has no answer; remove the answer or the status: skipped line"))
        return (None if problems else Answer(item_id, None, "skipped", note, stamp)), problems
    if status == "unanswered":
        if entry.get("answer") is not None:
            problems.append(_problem(path, line_of("answer"), f"{field}.answer", "answers.unanswered_with_answer",
                                     "an unanswered item holds only a note; remove the answer or the status: unanswered line"))
        return (None if problems else Answer(item_id, None, "unanswered", note, stamp)), problems
    if "answer" not in entry or entry["answer"] is None:
        problems.append(_problem(path, line_of("answer"), f"{field}.answer", "answers.missing",
                                 "the answer is missing; write n/a if the question does not apply, status: skipped, or status: unanswered to keep only the note"))
        return None, problems
    try:
        value = item.check_value(entry["answer"])
    except ValueError as exc:
        problems.append(_problem(path, line_of("answer"), f"{field}.answer", "answers.bad_value", str(exc), entry["answer"]))
        return None, problems
    return (None if problems else Answer(item_id, value, "answered", note, stamp)), problems


def _iso_time(value: Any) -> str | None:
    """An ISO 8601 time (YAML may already have read it as a datetime), normalised to UTC with a Z."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:  # a hand-written time without an offset is taken as UTC, the file's own clock
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_import(path: Path, checklist: Checklist) -> dict[str, Answer]:
    """Validate a whole import file (same format; version and times optional) and return its answers."""
    path = Path(path)
    if not path.is_file():
        raise FixfirstError(f"{path}: answers file not found", "check the path given to --answers")
    _, answers = parse_answers(_read_bytes(path), path, checklist, require_header=False)
    return answers
