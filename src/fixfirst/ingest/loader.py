"""Load every source of an engagement: read, map, type and validate, collecting all problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..config import PRESETS, Engagement, Ingest, SourceSpec
from ..errors import FixfirstError, Problem, Severity
from ..journey import Journey
from ..progress import NoProgress, Progress
from . import values as V
from .fields import field_specs, normalise
from .fold import line_item_hint, repeated_header_problems
from .frames import frame_table
from .keys import customer_key_problems
from .mapping import find_header, known_names, map_columns
from .readers import EXCEL_SUFFIXES, RawTable, read_table
from .related import beside, keys_as_text, prepare_orders
from .tables import IngestResult, SourceTable
from .validate import validate_rows


class _ProblemSink:
    """Lists the first problems of each (column, reason) one by one and counts the rest."""

    def __init__(self, raw: RawTable, label: str, limit: int) -> None:
        self.raw, self.label, self.limit = raw, label, limit
        self.problems: list[Problem] = []

    def cells(self, mask: pd.Series, code: str, message: str, column: str, values: pd.Series | None,
              severity: Severity = Severity.WARNING) -> int:
        positions = mask.to_numpy().nonzero()[0]
        for pos in positions[: self.limit]:
            value = None if values is None else values.iloc[pos]
            self.problems.append(Problem(code, message, severity, self.label, self.raw.sheet,
                                         self.raw.row_number(int(pos)), column, None if pd.isna(value) else str(value)[:80]))
        extra = len(positions) - self.limit
        if extra > 0:
            self.problems.append(Problem(code, f"{message} (and {extra:,} more rows like this)", severity,
                                         self.label, self.raw.sheet, None, column))
        return len(positions)


def _parse(spec_type: str, raw: pd.Series, dayfirst: bool, timezone: str | None, normalised: bool = False):
    if spec_type == "id" and normalised and raw.dtype == pd.StringDtype("pyarrow"):
        # Read as exact text by the fast reader, null markers already missing: nothing left to clean.
        return raw, pd.Series(False, index=raw.index)
    if spec_type == "datetime":
        return V.parse_datetime(raw, dayfirst, timezone)
    if spec_type == "number":
        return V.parse_number(raw)
    if spec_type == "percent":
        return V.parse_percent(raw)
    if spec_type == "bool":
        return V.parse_bool(raw)
    if spec_type == "id":
        return V.parse_id(raw)
    return V.parse_text(raw)


# Hidden column of the events table: the absolute time (UTC) of each event, kept when promise.timezone is set.
INSTANT = "_instant"

EXPECTED = {
    "datetime": "a date or date-time",
    "number": "a number",
    "percent": "a percentage such as 40% or 0.4",
    "bool": "yes/no, true/false or 1/0",
}
SCALES = {"rating": (1, 5), "score10": (0, 10), "agree7": (1, 7)}


def _not_applicable(column: pd.Series, codes: list, unreadable: pd.Series, out: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Drop the 'not applicable' codes from a scale column's problems: outside the scale they are blanks.

    A code inside the scale (0 on a 0-10 recommend question) stays an answer: only the consultant's
    mapping of the whole source says 0 is not applicable, and a 0-10 score's 0 is a real detractor.
    """
    if not codes:
        return unreadable, out
    coded = V.code_mask(column, codes) & (unreadable | out)
    return unreadable & ~coded, out & ~coded


def _guessed_wrong(name: str, mapping, unreadable: pd.Series, column: pd.Series) -> bool:
    """An auto-mapped optional column whose filled cells are mostly not of the field's type was a bad guess."""
    if mapping.how.get(name) != "auto" or not unreadable.any():
        return False
    filled = int((~V.blank_mask(column)).sum())
    return filled > 0 and int(unreadable.sum()) > filled / 2


def _unmapped_guess(fspec, header: str, low, high, file: str, sheet: str | None) -> Problem:
    expected = f"scores from {low} to {high}" if low is not None else EXPECTED.get(fspec.type, "values of that type")
    return Problem("mapping.guess_rejected",
                   f"column {header!r} looked like field {fspec.name!r} by name, but most of its values are not {expected}; "
                   f"left unmapped (map it under `columns:` to force it, or set `{fspec.name}: null` to silence this)",
                   Severity.WARNING, file, sheet, None, header)


MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW", "BZ", "CA"}


def _day_month_order(column: pd.Series, country: str | None) -> tuple[bool | None, tuple[str, str] | None]:
    """Day/month order of text dates such as 03/04/2026: (dayfirst, warning or None).

    A first number above 12 proves day-first, a second one month-first. When nothing proves either, the
    client's country decides (month-first only for the US and a few others), and the choice is reported.
    """
    order = V.date_order_evidence(column)
    if order is None:
        return None, None
    day_first, month_first, ambiguous = order
    if not (day_first or month_first or ambiguous):
        return None, None  # only dates like 05/05/2026: the order does not matter
    if day_first and not month_first:
        return True, None
    if month_first and not day_first:
        return False, None
    if day_first and month_first:
        return None, ("value.mixed_date_order", f"dates are written both day-first ({day_first:,} seen) and month-first "
                      f"({month_first:,} seen); each is read as it fits, ambiguous ones month-first. Set `dayfirst:` and check the export")
    guess = (country or "").upper() not in MONTH_FIRST_COUNTRIES
    return guess, ("value.ambiguous_date_order", f"{ambiguous:,} dates such as 03/04/2026 could be day/month or month/day; "
                   f"read as {'day/month' if guess else 'month/day'}" + (f" (usual in {country})" if country else "") +
                   ". Set `dayfirst:` for this source to confirm")


def _no_usable_rows(kind: str, rows: int, found: list[Problem], file: str, sheet: str | None) -> Problem:
    """Every row of a source was left out: name the commonest reason, so the fix (a mapping, `dayfirst:`) is plain."""
    reasons: dict[tuple[str, str | None], int] = {}
    for p in found:
        if p.row is not None:
            reasons[(p.message, p.column)] = reasons.get((p.message, p.column), 0) + 1
    top = max(reasons.items(), key=lambda item: item[1])[0] if reasons else None
    why = f"; the commonest reason: column {top[1]!r}: {top[0]}" if top else ""
    return Problem("file.no_usable_rows", f"0 of {rows:,} rows can be used: every row was left out{why}. Check the column "
                   f"mapping and the date format (`columns:`, `dayfirst:`), or remove this {kind} source",
                   Severity.ERROR, file, sheet)


def _reader_plan(spec: SourceSpec, preset):
    """How the fast text reader keeps each mapped column: ids as written ('00123' stays '00123', so joins
    across files match), category fields dictionary-encoded (cheap to clean); it types everything else."""
    kinds = {f.name: f.type for f in field_specs(spec.kind)}
    keep = {"id": "text", "category": "category"}

    def text_as(headers: list[str]) -> dict[str, str]:
        mapping, _ = map_columns(spec.kind, headers, spec.columns, set(), spec.file, None, preset)
        return {h: keep[kinds[name]] for name, h in mapping.columns.items() if kinds[name] in keep}

    return text_as


def load_source(spec: SourceSpec, path: Path | None, limits: Ingest, rating_headers: list[str],
                timezone: str | None = None, country: str | None = None,
                resolve: Callable[[str], Path] | None = None,
                frame: pd.DataFrame | None = None) -> tuple[SourceTable | None, list[Problem]]:
    """One source as a typed table. `resolve` finds the files an orders source names under lines:, payments: and
    customers: (the engagement's resolver; by default, relative to the orders file's folder). `frame`: the source's
    cells given in memory instead of a file at `path` (fixfirst.memory), read by `frames.frame_table`."""
    label = spec.file
    preset = PRESETS[spec.preset] if spec.preset else None
    recognise = known_names(spec.kind, preset) | {normalise(h) for h in [*rating_headers, *spec.columns.values()] if h}
    header_rows = spec.header_rows or (preset.header_rows if preset and preset.header_rows > 1 else None)
    try:
        if frame is not None:
            raw = frame_table(frame, label, limits)
        else:
            raw = read_table(path or Path(label), limits, spec.sheet, spec.header_row, spec.delimiter, spec.encoding,
                             header_rows=header_rows, recognise=recognise, text_as=keys_as_text(spec, preset, _reader_plan(spec, preset)))
    except FixfirstError as exc:
        return None, [Problem("file.unreadable", f"{exc.cause.split(': ', 1)[-1]} ({exc.fix})" if exc.fix else exc.cause,
                              Severity.ERROR, label, spec.sheet)]
    headers = list(raw.frame.columns)
    rating_found: dict[str, str] = {}
    problems: list[Problem] = []
    for wanted in rating_headers:
        found = find_header(headers, wanted)
        if found is None:
            problems.append(Problem("mapping.rating_column_not_found",
                                    f"journey.yaml names survey column {wanted!r}, which is not in the file",
                                    Severity.ERROR, label, raw.sheet, None, wanted))
        else:
            rating_found[wanted] = found
    # Line-item exports are folded by order id and related tables joined, on the raw cells: what they bring in is
    # then mapped and typed like the file's own columns (the file's own win; docs/engagement.md, Related tables).
    related = prepare_orders(spec, raw, preset, limits, resolve or beside(path or Path(label)), path)
    problems += related.problems
    headers = list(raw.frame.columns)
    mapping, mapping_problems = map_columns(spec.kind, headers, spec.columns, set(rating_found.values()) | set(related.brought_in),
                                            label, raw.sheet, preset)
    mapping_problems = related.fill(spec.kind, mapping, mapping_problems, spec.columns, label, raw.sheet)
    # A header written twice that a field is mapped to: which column is meant cannot be told.
    mapping_problems += repeated_header_problems(raw.frame.columns, {**mapping.columns, **rating_found}, label, raw.sheet)
    problems += mapping_problems
    if any(p.severity is Severity.ERROR for p in mapping_problems):
        return None, problems
    if spec.kind == "events" and "timestamp" not in mapping.columns:
        problems.append(Problem("mapping.no_timestamps", "no timestamp column: step conversion is measured, but figures per month "
                                "(money at stake) and the order of steps are not", Severity.WARNING, label, raw.sheet))

    merged = related.merged  # line-item rows folded into their order's first row
    if raw.frame.empty:
        # A source with nothing in it would let the audit speak without evidence: it is an error, with the way out.
        problems.append(Problem("file.no_rows", f"the file has a header but no data rows; put the client's {spec.kind} export "
                                "here, or remove this source from audit.yaml", Severity.ERROR, label, raw.sheet))
    sink = _ProblemSink(raw, label, limits.detailed_problems_per_column)
    frame = pd.DataFrame(index=raw.frame.index)
    drop = pd.Series(False, index=raw.frame.index)
    for fspec in field_specs(spec.kind):
        header = mapping.columns.get(fspec.name)
        if header is None:
            continue
        column = raw.frame[header]
        if fspec.type in SCALES:
            low, high = SCALES[fspec.type]
            parsed, unreadable, out = V.parse_scale(column, low, high)
            unreadable, out = _not_applicable(column, spec.not_applicable, unreadable, out)
            if _guessed_wrong(fspec.name, mapping, unreadable, column):
                problems.append(_unmapped_guess(fspec, header, low, high, label, raw.sheet))
                mapping.drop(fspec.name)
                continue
            sink.cells(unreadable, "value.unreadable", f"expected a score from {low} to {high}", header, column)
            sink.cells(out, "value.out_of_scale", f"outside the {low}-{high} scale; left out", header, column)
        else:
            dayfirst = spec.dayfirst
            if fspec.type == "datetime" and dayfirst is None:
                dayfirst, note = _day_month_order(column, country)
                if note is not None:
                    problems.append(Problem(note[0], note[1], Severity.WARNING, label, raw.sheet, None, header))
            parsed, bad = _parse(fspec.type, column, bool(dayfirst), timezone, raw.normalised)
            if fspec.type == "datetime" and timezone is None and V.has_offsets(column):
                problems.append(Problem("value.timezone_assumed", f"{fspec.name} carries UTC offsets but promise.timezone is not set; "
                                        "times are read in UTC, so cut-offs and working days may shift. Set promise.timezone",
                                        Severity.WARNING, label, raw.sheet, None, header))
            if fspec.required:
                sink.cells(bad, "value.unreadable", f"expected {EXPECTED.get(fspec.type, 'a value')}; row left out", header, column)
                missing = parsed.isna() & ~bad
                sink.cells(missing, "value.missing_required", f"required field {fspec.name!r} is empty; row left out", header, None)
                drop |= parsed.isna()
            elif _guessed_wrong(fspec.name, mapping, bad, column):
                problems.append(_unmapped_guess(fspec, header, None, None, label, raw.sheet))
                mapping.drop(fspec.name)
                continue
            else:
                sink.cells(bad, "value.unreadable", f"expected {EXPECTED.get(fspec.type, 'a value')}; treated as missing", header, column)
        frame[fspec.name] = parsed
        if spec.kind == "events" and fspec.name == "timestamp" and timezone is not None:
            # Waits between events are measured on absolute time; the local clock stays for days and hours.
            frame[INSTANT] = V.instants(column, parsed, bool(dayfirst), timezone)
    for wanted, header in rating_found.items():
        parsed, unreadable, out = V.parse_scale(raw.frame[header], 1, 5)
        unreadable, out = _not_applicable(raw.frame[header], spec.not_applicable, unreadable, out)
        sink.cells(unreadable, "value.unreadable", "expected a rating from 1 to 5 (or a label such as 'Satisfied')", header, raw.frame[header])
        sink.cells(out, "value.out_of_scale", "rating outside the 1-5 scale; left out", header, raw.frame[header])
        frame[f"rating:{wanted}"] = parsed
    frame["_row"] = raw.rows
    if spec.kind == "orders" and not (preset is not None and preset.line_items) and "order_id" in frame:
        # One row per line item read as orders: hinted on the ids just typed (parsing a million ids twice costs).
        problems += line_item_hint(raw.frame, mapping.columns, label, raw.sheet, ids=frame["order_id"])

    drop |= validate_rows(spec.kind, frame, mapping.columns, sink, today=dt.date.today())
    problems += sink.problems
    if len(frame) and bool(drop.all()):
        problems.append(_no_usable_rows(spec.kind, len(frame), sink.problems, label, raw.sheet))
    kept = frame[~drop].reset_index(drop=True) if drop.any() else frame
    for wanted, header in rating_found.items():
        mapping.columns[f"rating:{wanted}"], mapping.how[f"rating:{wanted}"] = header, "journey"
    if spec.kind == "orders":  # a customer key that changes with every order hides every returning customer
        problems += customer_key_problems(kept, lambda: raw.frame[~drop.to_numpy()], mapping.columns, label, raw.sheet)
        problems += related.value_note(~drop.to_numpy(), label, raw.sheet)  # where the kept orders' values came from
    table = SourceTable(kind=spec.kind, label=spec.label, file=label, sheet=raw.sheet, frame=kept,
                        mapping=dict(mapping.columns), mapping_how=dict(mapping.how),
                        rows_read=len(frame) + merged, rows_dropped=int(drop.sum()), rows_merged=merged,
                        header_row=raw.header_row, header_rows=raw.header_rows, joins=related.joins)
    return table, problems


def ingest(engagement: Engagement, journey: Journey, progress: Progress | None = None) -> IngestResult:
    """Load all sources named in audit.yaml. Problems are collected, never raised one by one."""
    progress = progress or NoProgress()
    result = IngestResult()
    limits = engagement.settings.ingest
    stacks: dict[str, list[SourceTable]] = {}
    rating_headers = [h for tp in journey.touchpoints for h in tp.survey]
    promise, client = engagement.audit.promise, engagement.audit.client
    for spec in engagement.audit.sources:
        progress.step(f"reading {spec.file}")
        # A DataFrame given in memory (fixfirst.memory) has no file to find: it is mapped and typed like one.
        frame = engagement.frames.get(spec.file)
        path = _source_path(engagement, spec, result) if frame is None else None
        if frame is None and path is None:
            continue
        table, problems = load_source(spec, path, limits, rating_headers if spec.kind == "survey" else [],
                                      promise.timezone, client.country,
                                      resolve=lambda written: engagement.resolve(written, "related file"), frame=frame)
        result.add_problems(problems)
        if table is not None:
            stacks.setdefault(spec.kind, []).append(table)
    for kind, tables in stacks.items():
        result.tables[kind] = _stack(tables)
    result.add_problems(_read_twice(engagement))
    if rating_headers and "survey" not in {s.kind for s in engagement.audit.sources}:
        result.add_problems([Problem("journey.survey_without_source", "journey.yaml names survey columns but audit.yaml has no survey source; survey ratings are skipped",
                                     Severity.WARNING, str(engagement.journey_path))])
    return result


def _source_path(engagement: Engagement, spec: SourceSpec, result: IngestResult) -> Path | None:
    """The data file a source names, inside the engagement; None (with the problem noted in `result`) when refused."""
    try:
        path = engagement.resolve(spec.file, "data file")
    except FixfirstError as exc:  # outside the engagement: refused before a byte is read
        result.add_problems([Problem("file.outside_engagement", f"{exc.cause.split(': ', 1)[-1]} ({exc.fix})", Severity.ERROR, spec.file)])
        return None
    if path.is_dir():
        result.add_problems([Problem("file.unreadable", "this is a folder, not a file; name the export file inside it",
                                     Severity.ERROR, spec.file)])
        return None
    if spec.sheet and path.suffix.lower() not in EXCEL_SUFFIXES:
        result.add_problems([Problem("mapping.sheet_ignored", f"sheet: {spec.sheet!r} is given, but a {path.suffix or 'text'} file "
                                     "has no sheets; it is read as one table (remove sheet:, or name the workbook)",
                                     Severity.WARNING, spec.file, spec.sheet)])
    return path


def _read_twice(engagement: Engagement) -> list[Problem]:
    """One file (and sheet) named by two sources: its comments would be counted twice (a reviews file given as survey
    and as feedback), or one export is being read as two things it cannot both be. Warned, with the way out."""
    seen: dict[tuple[str, str | None], list[SourceSpec]] = {}
    for spec in engagement.audit.sources:
        try:
            where = str(engagement.resolve(spec.file))
        except FixfirstError:
            continue  # reported as outside the engagement already
        seen.setdefault((where, spec.sheet), []).append(spec)
    problems = []
    for specs in seen.values():
        kinds = sorted({s.kind for s in specs})
        if len(specs) < 2:
            continue
        if len(kinds) == 1:
            message = (f"the file is named by {len(specs)} {kinds[0]} sources, so every row is counted {len(specs)} times; "
                       "remove the repeated source from audit.yaml")
        elif {"survey", "feedback"} <= set(kinds):
            if len(kinds) == 2 and all("comment" in s.columns and s.columns["comment"] is None for s in specs if s.kind == "survey"):
                continue  # the consultant already kept the comments on the feedback side only
            message = ("the file is read both as survey and as feedback, so every comment is counted twice in the feedback "
                       "figures; keep the comments in one of them: set `comment: null` under the survey source's `columns:`, "
                       "or remove the feedback source")
        else:
            message = (f"the file is read as {' and as '.join(kinds)}; each reads its own fields, so check that one export "
                       "really holds both (or remove one source)")
        problems.append(Problem("source.read_twice", message, Severity.WARNING, specs[0].file, specs[0].sheet))
    return problems


def _stack(tables: list[SourceTable]) -> SourceTable:
    """Several files of one kind (feedback channels, one event table per funnel step) as one table."""
    if len(tables) == 1:
        return tables[0]
    frames = [t.frame.assign(_file=t.file) for t in tables]
    mapping = {k: v for t in tables for k, v in t.mapping.items()}
    how = {k: v for t in tables for k, v in t.mapping_how.items()}
    return SourceTable(kind=tables[0].kind, label=" + ".join(t.label for t in tables), file=", ".join(t.file for t in tables),
                       sheet=None, frame=pd.concat(frames, ignore_index=True), mapping=mapping, mapping_how=how,
                       rows_read=sum(t.rows_read for t in tables), rows_dropped=sum(t.rows_dropped for t in tables),
                       rows_merged=sum(t.rows_merged for t in tables))
