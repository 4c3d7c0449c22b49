"""The action register comes back: the edited workbook (or audit.yaml rows) read with located problems, and followed up."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fixfirst.config.engagement import Engagement, load_engagement
from fixfirst.errors import InputProblems, Severity
from fixfirst.history import actions as register
from fixfirst.history.actions import (DONE_ON_HEADERS, DUE_HEADER, ID_HEADER, NOTES_HEADER, OWNER_HEADER, STATUS_HEADER,
                                      Outcome, RegisterRow, follow_up, parse_register_date, plan_action_ids, read_register,
                                      snapshot_action_ids)
from fixfirst.report.snapshot import current_snapshot
from fixfirst.present import formatter_for
from fixfirst.present.follow_up import build, done_sentence, pending_sentence, text_lines
from fixfirst.report.xlsx import ACTION_REGISTER, REGISTER_HEADERS, write_workbook

BOOK = "register.xlsx"
DONE_ON = DONE_ON_HEADERS[0]
GUEST = "checkout-guest-and-fewer-fields"  # the sample's checkout action; its KPI: Checkout -> Payment conversion
STOCK = "inventory-honest-availability"  # KPI: orders hit by a stock-out (lower is better)


# --- helpers -------------------------------------------------------------------------------------------------------


def engagement_in(folder: Path, result, actions) -> Engagement:
    """The sample's engagement moved to `folder`, with `actions:` set as audit.yaml would."""
    folder.mkdir(parents=True, exist_ok=True)
    audit = result.engagement.audit.model_copy(update={"actions": actions})
    return Engagement(folder.resolve(), audit, result.engagement.settings)


def edit(path: Path, cells: dict[tuple[int, str], object], *, add_done_on: bool = True) -> None:
    """Edit register cells by (row, header) as a consultant would in Excel; a 'Done on' column is added at the end."""
    book = load_workbook(path)
    ws = book[ACTION_REGISTER]
    headers = [c.value for c in ws[1]]
    if add_done_on and DONE_ON not in headers:
        ws.cell(row=1, column=len(headers) + 1, value=DONE_ON)
        headers.append(DONE_ON)
    for (row, header), value in cells.items():
        ws.cell(row=row, column=headers.index(header) + 1).value = value  # None empties the cell
    book.save(path)


def row_of(path: Path, action_id: str) -> int:
    ws = load_workbook(path)[ACTION_REGISTER]
    column = REGISTER_HEADERS.index(ID_HEADER)
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[column].value == action_id)


@pytest.fixture
def today(sample_audit) -> dt.date:
    return sample_audit.generated_on


@pytest.fixture
def book(sample_audit, tmp_path) -> Path:
    """The sample's workbook as `fixfirst report --format xlsx` writes it, in an engagement folder under tmp_path."""
    folder = tmp_path / "engagement"
    folder.mkdir()
    return write_workbook(sample_audit, folder / BOOK)


def read(sample_audit, book: Path, today: dt.date):
    engagement = engagement_in(book.parent, sample_audit, BOOK)
    return read_register(engagement, plan_action_ids(sample_audit), today=today)


# --- reading the workbook ------------------------------------------------------------------------------------------


def test_the_columns_read_back_are_the_workbooks():
    for header in (ID_HEADER, STATUS_HEADER, OWNER_HEADER, DUE_HEADER, NOTES_HEADER):
        assert header in REGISTER_HEADERS


def test_the_register_as_written_reads_back_open_with_the_plans_due_dates(sample_audit, book, today):
    got = read(sample_audit, book, today)
    assert got.problems == []
    schedule = {s.action.id: s.due for s in sample_audit.decision.schedule}
    assert [r.id for r in got.rows] == list(schedule)
    assert {r.status for r in got.rows} == {"open"}
    assert {r.id: r.due for r in got.rows} == schedule
    assert [r.row for r in got.rows] == list(range(2, len(schedule) + 2))


def test_an_edited_register_reads_back(sample_audit, book, today):
    guest, stock = row_of(book, GUEST), row_of(book, STOCK)
    done_on = today - dt.timedelta(days=20)
    edit(book, {(guest, STATUS_HEADER): "Done", (guest, DONE_ON): done_on, (guest, NOTES_HEADER): "Live since the sprint",
                (guest, OWNER_HEADER): "Priya (web)", (stock, STATUS_HEADER): " In-Progress ", (stock, DONE_ON): None,
                (2, STATUS_HEADER): "DROPPED"})
    got = read(sample_audit, book, today)
    assert got.problems == []
    rows = {r.id: r for r in got.rows}
    assert rows[GUEST] == RegisterRow(GUEST, "done", done_on, rows[GUEST].due, "Priya (web)", "Live since the sprint", guest)
    assert rows[STOCK].status == "in progress"
    assert got.rows[0].status == "dropped"


@pytest.mark.parametrize("written, expected", [
    (dt.datetime(2026, 3, 2, 0, 0), dt.date(2026, 3, 2)),  # an Excel date
    (46083, dt.date(2026, 3, 2)),  # an Excel serial typed into a General cell
    ("2026-03-02", dt.date(2026, 3, 2)),
    ("2026-03-02T09:30:00", dt.date(2026, 3, 2)),
    ("2/3/2026", dt.date(2026, 3, 2)),  # day/month
    ("02.03.26", dt.date(2026, 3, 2)),
    ("2 Mar 2026", dt.date(2026, 3, 2)),
    ("13/3/2026", dt.date(2026, 3, 13)),
    ("next week", None), ("soon", None), ("31/02/2026", None), ("2026-13-01", None), (3.5, None), (True, None),
])
def test_register_dates(written, expected):
    assert parse_register_date(written) == expected


def test_numeric_dates_follow_the_clients_locale():
    assert register.month_first("en_US") and not register.month_first("en_GB")
    assert parse_register_date("3/2/2026", monthfirst=True) == dt.date(2026, 3, 2)
    assert parse_register_date("3/13/2026", monthfirst=False) == dt.date(2026, 3, 13)  # only one reading is a date


BAD_EDITS = {
    "a due date that is not a date": (lambda g, s: {(g, DUE_HEADER): "soon"}, "register.bad_date", DUE_HEADER, "soon"),
    "a done date that is not a date": (lambda g, s: {(g, STATUS_HEADER): "done", (g, DONE_ON): "next week"},
                                       "register.bad_date", DONE_ON, "next week"),
    "an unknown status": (lambda g, s: {(g, STATUS_HEADER): "finished"}, "register.unknown_status", STATUS_HEADER, "finished"),
    "an unknown id": (lambda g, s: {(g, ID_HEADER): "checkout-guest-and-fewer-field"}, "register.unknown_id", ID_HEADER,
                      "checkout-guest-and-fewer-field"),
    "a duplicate id": (lambda g, s: {(s, ID_HEADER): GUEST}, "register.duplicate_id", ID_HEADER, GUEST),
    "done in the future": (lambda g, s: {(g, STATUS_HEADER): "done", (g, DONE_ON): dt.date(2099, 1, 1)},
                           "register.done_in_future", DONE_ON, "2099-01-01"),
}


@pytest.mark.parametrize("case", list(BAD_EDITS))
def test_a_bad_edit_is_a_located_error(sample_audit, book, today, case):
    make, code, column, value = BAD_EDITS[case]
    guest, stock = row_of(book, GUEST), row_of(book, STOCK)
    edit(book, make(guest, stock))
    got = read(sample_audit, book, today)
    problems = [p for p in got.problems if p.code == code]
    assert len(problems) == 1, got.problems
    problem = problems[0]
    bad_row = stock if code == "register.duplicate_id" else guest
    assert (problem.severity, problem.file, problem.sheet, problem.row, problem.column) == (
        Severity.ERROR, BOOK, ACTION_REGISTER, bad_row, column)
    assert problem.value == value
    assert f"row {bad_row}" in problem.location and column in problem.location
    assert bad_row not in {r.row for r in got.rows}  # a row with an error is never followed up
    assert got.has_errors


def test_the_unknown_id_suggests_the_near_one_and_the_duplicate_names_the_first_row(sample_audit, book, today):
    guest, stock = row_of(book, GUEST), row_of(book, STOCK)
    edit(book, {(stock, ID_HEADER): GUEST})
    duplicate = read(sample_audit, book, today).problems[0]
    assert f"first on row {guest}" in duplicate.message
    edit(book, {(stock, ID_HEADER): "checkout-guest-and-fewer-field"})
    unknown = read(sample_audit, book, today).problems[0]
    assert GUEST in unknown.message


def test_every_bad_edit_is_listed_at_once(sample_audit, book, today):
    guest, stock = row_of(book, GUEST), row_of(book, STOCK)
    edit(book, {(guest, STATUS_HEADER): "finished", (guest, DUE_HEADER): "soon", (stock, STATUS_HEADER): "done",
                (stock, DONE_ON): None, (2, ID_HEADER): "no-such-action"})
    got = read(sample_audit, book, today)
    assert sorted(p.code for p in got.problems) == ["register.bad_date", "register.done_without_date",
                                                     "register.unknown_id", "register.unknown_status"]
    warning = next(p for p in got.problems if p.code == "register.done_without_date")
    assert warning.severity is Severity.WARNING and warning.row == stock
    assert STOCK in {r.id for r in got.rows}  # a warning keeps the row


def test_a_missing_sheet_or_header_is_located(sample_audit, book, today):
    workbook = load_workbook(book)
    workbook[ACTION_REGISTER].title = "Actions"
    workbook.save(book)
    (problem,) = read(sample_audit, book, today).problems
    assert (problem.code, problem.file, problem.severity) == ("register.sheet_missing", BOOK, Severity.ERROR)
    assert "Actions" in problem.message and ACTION_REGISTER in problem.message

    workbook["Actions"].title = ACTION_REGISTER
    workbook[ACTION_REGISTER].cell(row=1, column=REGISTER_HEADERS.index(STATUS_HEADER) + 1).value = None
    workbook.save(book)
    got = read(sample_audit, book, today)
    (problem,) = got.problems
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("register.header_missing", ACTION_REGISTER, 1, STATUS_HEADER)
    assert got.rows == []


def test_columns_are_found_by_their_header_wherever_they_are(sample_audit, book, today):
    workbook = load_workbook(book)
    ws = workbook[ACTION_REGISTER]
    ws.insert_cols(1)  # the consultant adds a column of their own in front
    ws.cell(row=1, column=1, value="Priority")
    guest = row_of(book, GUEST)
    ws.cell(row=guest, column=REGISTER_HEADERS.index(STATUS_HEADER) + 2, value="done")
    ws.cell(row=guest, column=REGISTER_HEADERS.index("Done on") + 2, value="1/6/2026")
    workbook.save(book)
    got = read(sample_audit, book, today)
    assert got.problems == []
    assert next(r for r in got.rows if r.id == GUEST).done_on == dt.date(2026, 6, 1)


def test_rows_added_below_without_an_id_are_a_warning(sample_audit, book, today):
    below = len(sample_audit.decision.schedule) + 3
    edit(book, {(below, NOTES_HEADER): "call the carrier"})
    (problem,) = read(sample_audit, book, today).problems
    assert (problem.code, problem.severity, problem.row, problem.column) == ("register.missing_id", Severity.WARNING, below, ID_HEADER)


# --- where the workbook may be ---------------------------------------------------------------------------------------


def test_a_register_outside_the_engagement_is_refused(sample_audit, tmp_path, today):
    outside = write_workbook(sample_audit, tmp_path / "elsewhere.xlsx")
    folder = tmp_path / "engagement"
    for named in ("../elsewhere.xlsx", str(outside)):
        (problem,) = read_register(engagement_in(folder, sample_audit, named), today=today).problems
        assert (problem.code, problem.file, problem.severity) == ("register.outside_engagement", named, Severity.ERROR)
        assert "lies outside the engagement folder" in problem.message


def test_a_symlink_out_of_the_engagement_is_refused(sample_audit, tmp_path, today):
    outside = write_workbook(sample_audit, tmp_path / "elsewhere.xlsx")
    folder = tmp_path / "engagement"
    folder.mkdir()
    os.symlink(outside, folder / BOOK)
    (problem,) = read_register(engagement_in(folder, sample_audit, BOOK), today=today).problems
    assert problem.code == "register.outside_engagement" and "link" in problem.message
    linked_folder = folder / "registers"
    os.symlink(tmp_path, linked_folder)  # a linked folder is no way out either
    (problem,) = read_register(engagement_in(folder, sample_audit, "registers/elsewhere.xlsx"), today=today).problems
    assert problem.code == "register.outside_engagement"


def test_a_missing_huge_or_broken_workbook_is_a_problem_not_a_crash(sample_audit, book, today, monkeypatch):
    engagement = engagement_in(book.parent, sample_audit, "missing.xlsx")
    assert read_register(engagement, today=today).problems[0].code == "register.not_found"
    monkeypatch.setattr(register, "MAX_REGISTER_BYTES", 1024)
    assert read(sample_audit, book, today).problems[0].code == "register.too_large"
    monkeypatch.undo()
    book.write_bytes(b"PK\x03\x04 not really a workbook")
    assert read(sample_audit, book, today).problems[0].code == "register.unreadable"


def test_no_register_reads_as_none(sample_audit, tmp_path, today):
    got = read_register(engagement_in(tmp_path / "e", sample_audit, None), today=today)
    assert not got.given and got.rows == [] and got.problems == []


# --- inline in audit.yaml --------------------------------------------------------------------------------------------


def inline_engagement(sample_dir: Path, folder: Path, actions_yaml: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (sample_dir / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(text + "\n" + textwrap.dedent(actions_yaml))
    return folder


def test_inline_actions_in_audit_yaml_work_too(sample_audit, sample_dir, tmp_path, today):
    folder = inline_engagement(sample_dir, tmp_path / "inline", f"""\
        actions:
          - id: {GUEST}
            status: done
            done_on: 2026-06-01
            owner: Priya
            notes: live since the sprint
          - id: {STOCK}
            status: in progress
            due: 2026-11-01
          - id: no-such-action
            status: open
          - id: {GUEST}
            status: open
          - id: staff-peak-plan
            status: done
            done_on: 2099-01-01
        """)
    engagement = load_engagement(folder)
    got = read_register(engagement, plan_action_ids(sample_audit), today=today)
    lines = (folder / "audit.yaml").read_text().splitlines()
    line_of: dict[str, int] = {}
    for n, text in enumerate(lines, 1):
        if text.strip().startswith("- id: "):
            line_of.setdefault(text.split("id: ", 1)[1], n)  # the first entry of an id
    assert [(r.id, r.status, r.done_on, r.owner) for r in got.rows] == [
        (GUEST, "done", dt.date(2026, 6, 1), "Priya"), (STOCK, "in progress", None, None)]
    assert got.rows[0].row == line_of[GUEST]
    problems = {p.code: p for p in got.problems}
    assert set(problems) == {"register.unknown_id", "register.duplicate_id", "register.done_in_future"}
    unknown = problems["register.unknown_id"]
    assert (unknown.file, unknown.row, unknown.column) == (str(folder.resolve() / "audit.yaml"), line_of["no-such-action"], "actions.2.id")
    assert "line" in unknown.location
    duplicate = problems["register.duplicate_id"]
    assert duplicate.column == "actions.3.id" and f"first on line {line_of[GUEST]}" in duplicate.message
    future = problems["register.done_in_future"]
    assert future.column == "actions.4.done_on" and lines[future.row - 1].strip() == "done_on: 2099-01-01"


def test_an_inline_status_the_schema_does_not_know_is_refused_with_its_line(sample_dir, tmp_path):
    folder = inline_engagement(sample_dir, tmp_path / "inline", f"""\
        actions:
          - id: {GUEST}
            status: finished
        """)
    with pytest.raises(InputProblems) as caught:
        load_engagement(folder)
    (problem,) = [p for p in caught.value.problems if p.value == "finished"]
    assert problem.column.endswith("0.status") and problem.row is not None


# --- following up ----------------------------------------------------------------------------------------------------


def baseline(sample_audit, *, as_of: str = "2026-03-31", checkout: float | None = None, checkout_n: int | None = None) -> dict:
    """The sample's snapshot as if taken at an earlier audit, with the checkout KPI set to what it was then."""
    snapshot = copy.deepcopy(current_snapshot(sample_audit))
    snapshot["as_of"] = as_of
    for kpi in snapshot["audit"]["fix_plan"]["kpis"]:
        if kpi["metric"] == "conversion" and kpi["touchpoint"] == "checkout":
            kpi["current"] = kpi["current"] if checkout is None else checkout
            kpi["n"] = kpi["n"] if checkout_n is None else checkout_n
    return snapshot


def done(action_id: str, on: dt.date | None = dt.date(2026, 6, 1)) -> RegisterRow:
    return RegisterRow(action_id, "done", on, None, None, None, 2)


def current_checkout(sample_audit):
    return next(a.kpi for a in sample_audit.fix_plan.actions if a.id == GUEST)


def test_a_kpi_that_clearly_improved_reads_better(sample_audit, today):
    kpi = current_checkout(sample_audit)
    follow = follow_up(sample_audit, [done(GUEST)], baseline(sample_audit, checkout=kpi.current - 0.10), today)
    (item,) = follow.done
    assert item.outcome is Outcome.BETTER and item.change.low > 0
    assert (item.before.n, item.after.n) == (kpi.n, kpi.n)
    sentence = done_sentence(item, formatter_for(sample_audit.engagement.audit.client))
    assert sentence.startswith("Offer guest checkout and drop every field you do not use (done 1 Jun 2026): customers who go on "
                               "from Checkout to Payment 58% → 68% (n = 5,855 → 5,855), a real improvement: +10.0 points")
    assert "95% interval" in sentence


def test_a_kpi_that_got_worse_reads_worse(sample_audit, today):
    kpi = current_checkout(sample_audit)
    (item,) = follow_up(sample_audit, [done(GUEST)], baseline(sample_audit, checkout=kpi.current + 0.10), today).done
    assert item.outcome is Outcome.WORSE
    assert "a real change for the worse: −10.0 points" in done_sentence(item, formatter_for(sample_audit.engagement.audit.client))


def test_too_few_observations_read_too_early_never_a_success(sample_audit, today):
    kpi = current_checkout(sample_audit)
    (item,) = follow_up(sample_audit, [done(GUEST)], baseline(sample_audit, checkout=kpi.current - 0.30, checkout_n=12), today).done
    assert item.outcome is Outcome.TOO_EARLY
    sentence = done_sentence(item, formatter_for(sample_audit.engagement.audit.client))
    assert "too early to tell" in sentence and "improvement" not in sentence and "(n = 12 → 5,855)" in sentence


def test_a_lower_is_better_kpi_is_judged_in_its_direction(sample_audit, today):
    snapshot = baseline(sample_audit)
    for kpi in snapshot["audit"]["fix_plan"]["kpis"]:
        if kpi["metric"] == "stockout":
            kpi["current"] = kpi["current"] + 0.05  # more stock-outs then than now: better
    (item,) = follow_up(sample_audit, [done(STOCK)], snapshot, today).done
    assert not item.higher_is_better and item.change.difference < 0 and item.outcome is Outcome.BETTER


def test_done_without_an_earlier_audit_or_after_the_data_is_not_judged(sample_audit, today):
    fmt = formatter_for(sample_audit.engagement.audit.client)
    (item,) = follow_up(sample_audit, [done(GUEST)], None, today).done
    assert item.outcome is Outcome.NO_BASELINE and item.change is None
    assert "no earlier audit to compare with" in done_sentence(item, fmt)
    after_data = sample_audit.as_of + dt.timedelta(days=5)
    (item,) = follow_up(sample_audit, [done(GUEST, after_data)], baseline(sample_audit, checkout=0.3), today).done
    assert item.outcome is Outcome.TOO_EARLY and item.change is None
    assert "too early to tell" in done_sentence(item, fmt)
    (item,) = follow_up(sample_audit, [done(GUEST, dt.date(2026, 3, 1))], baseline(sample_audit, checkout=0.3), today).done
    assert item.outcome is Outcome.BASELINE_AFTER_DONE
    same_audit = baseline(sample_audit, as_of=sample_audit.as_of.isoformat(), checkout=0.3)
    (item,) = follow_up(sample_audit, [done(GUEST, None)], same_audit, today).done
    assert item.outcome is Outcome.NO_BASELINE  # an audit of the same data is no earlier audit


def test_an_action_only_the_earlier_plan_had_is_followed_by_its_kpi(sample_audit, today):
    # After a fix the weak spot may leave the plan: the action's KPI comes from the plan the register was written from.
    snapshot = baseline(sample_audit, checkout=0.5)
    plan = snapshot["audit"]["fix_plan"]
    old = copy.deepcopy(next(a for a in plan["quick_wins"] if a["id"] == GUEST))
    old["id"], old["title"] = "checkout-old-fix", "An earlier fix"
    plan["quick_wins"].append(old)
    assert "checkout-old-fix" in snapshot_action_ids(snapshot) and "checkout-old-fix" not in plan_action_ids(sample_audit)
    (item,) = follow_up(sample_audit, [done("checkout-old-fix")], snapshot, today).done
    assert (item.title, item.metric, item.touchpoint, item.outcome) == ("An earlier fix", "conversion", "checkout", Outcome.BETTER)


def test_overdue_open_actions_are_listed_with_owner_and_due_date(sample_audit):
    fmt = formatter_for(sample_audit.engagement.audit.client)
    today = dt.date(2026, 12, 7)
    rows = [RegisterRow("staff-peak-plan", "in progress", None, dt.date(2026, 11, 1), "Ops lead", None, 3),
            RegisterRow("fulfilment-honest-promise", "open", None, dt.date(2026, 11, 20), None, None, 4),
            RegisterRow("checkout-one-page-mobile", "open", None, dt.date(2027, 2, 5), "Web developer", None, 5),
            RegisterRow("fulfilment-second-partner", "dropped", None, dt.date(2026, 10, 1), None, "too dear", 6)]
    follow = follow_up(sample_audit, rows, None, today)
    assert [(p.id, p.days_overdue) for p in follow.overdue] == [("staff-peak-plan", 36), ("fulfilment-honest-promise", 17)]
    assert [p.id for p in follow.open] == ["checkout-one-page-mobile"]
    assert [p.id for p in follow.dropped] == ["fulfilment-second-partner"]
    assert follow.overdue[1].owner == next(a.owner for a in sample_audit.fix_plan.actions if a.id == "fulfilment-honest-promise")
    assert pending_sentence(follow.overdue[0], fmt) == (
        "Write a one-page peak plan - the trigger, who joins, and what waits: due 1 Nov 2026, 36 days overdue; "
        "owner Ops lead (in progress).")
    view = build(follow, fmt)
    assert view.summary == "Of 4 actions in the register: none done, 2 overdue, 1 open, 1 dropped."
    assert "Overdue:" in text_lines(view)


def test_the_edited_workbook_is_followed_up_end_to_end(sample_audit, book, today):
    kpi = current_checkout(sample_audit)
    guest, first = row_of(book, GUEST), 2
    edit(book, {(guest, STATUS_HEADER): "done", (guest, DONE_ON): dt.date(2026, 6, 1),
                (first, STATUS_HEADER): "open", (first, DUE_HEADER): today - dt.timedelta(days=3)})
    got = read(sample_audit, book, today)
    assert got.problems == []
    follow = follow_up(sample_audit, got, baseline(sample_audit, checkout=kpi.current - 0.10), today)
    assert [d.outcome for d in follow.done] == [Outcome.BETTER]
    assert [(p.row, p.days_overdue) for p in follow.overdue] == [(first, 3)]
    lines = text_lines(build(follow, formatter_for(sample_audit.engagement.audit.client)))
    assert any("a real improvement" in line for line in lines)
    payload = json.loads(json.dumps(follow.to_dict()))
    assert payload["done"][0]["outcome"] == "better" and payload["done"][0]["done_on"] == "2026-06-01"
    assert payload["done"][0]["change"]["reading"] == "better" and payload["overdue"][0]["days_overdue"] == 3


def test_a_row_without_a_due_date_keeps_the_one_the_register_was_written_with(sample_audit):
    snapshot = baseline(sample_audit)
    for item in snapshot["audit"]["decision"]["schedule"]:
        if item["id"] == "staff-peak-plan":
            item["due"] = "2026-05-01"  # the earlier plan's date, not the one this audit's plan would give
    today = dt.date(2026, 6, 1)
    (late,) = follow_up(sample_audit, [RegisterRow("staff-peak-plan", "open", None, None, None, None, 3)], snapshot, today).overdue
    assert (late.due, late.days_overdue) == (dt.date(2026, 5, 1), 31)
    (still_open,) = follow_up(sample_audit, [RegisterRow("staff-peak-plan", "open", None, None, None, None, 3)], None, today).open
    assert still_open.due == next(s.due for s in sample_audit.decision.schedule if s.action.id == "staff-peak-plan")


def test_fixfirst_check_lists_a_bad_register_cell_like_any_data_problem(sample_audit, sample_dir, tmp_path):
    """End to end: the consultant's edited workbook named in audit.yaml; `check` names its cell and exits 1."""
    import shutil

    from typer.testing import CliRunner

    from fixfirst.cli import app

    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    path = write_workbook(sample_audit, folder / "register.xlsx")
    guest = row_of(path, GUEST)
    edit(path, {(guest, STATUS_HEADER): "done", (guest, DONE_ON): "soon"})
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text() + "\nactions: register.xlsx\n")
    result = CliRunner().invoke(app, ["check", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    problems = [p for p in json.loads(result.stdout)["problems"] if p["file"] == "register.xlsx"]
    assert [(p["sheet"], p["row"], p["column"], p["value"]) for p in problems] == [(ACTION_REGISTER, guest, DONE_ON, "soon")]
