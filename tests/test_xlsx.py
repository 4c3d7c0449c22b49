"""The Excel workbook: its sheets and headers, formats in the client's currency, dates as dates, and no formula injection."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from openpyxl import load_workbook

from fixfirst.pipeline import run_audit
from fixfirst.present.numbers import Formatter
from fixfirst.report import xlsx
from fixfirst.report.xlsx import REGISTER_HEADERS, excel_money_format, put, write_workbook

SHEETS = ["Action register", "Weak spots", "Signals", "KPIs", "Data problems", "About"]
HOSTILE = {
    "name: Checkout": "name: '=HYPERLINK(\"http://evil.example\",\"click\")'",
    "name: Stock and picking": 'name: "-2+3"',
    "owner: Operations": "owner: \"@SUM(1+1)\"",
    "owner: E-commerce": "owner: \"+cmd|' /C calc'!A0\"",
}


def headers(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, header: str) -> list:
    index = headers(ws).index(header)
    return [row[index] for row in ws.iter_rows(min_row=2)]


@pytest.fixture(scope="module")
def sample_book(sample_audit, tmp_path_factory):
    target = tmp_path_factory.mktemp("xlsx") / "sample.xlsx"
    write_workbook(sample_audit, target)
    return load_workbook(target), target


def test_the_workbook_has_its_sheets_with_frozen_filtered_bold_headers(sample_book):
    book, _ = sample_book
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        last = ws.cell(row=1, column=ws.max_column).column_letter
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", ws.title
        for letter, dim in ws.column_dimensions.items():
            assert 6 <= dim.width <= 60, (ws.title, letter, dim.width)


def test_the_action_register_keeps_its_header_names(sample_book):
    # Issue #12 reads the register back by these names: renaming one is a breaking change (docs/report.md).
    assert list(REGISTER_HEADERS) == ["No.", "Action ID", "Action", "Weak spots", "Owner", "Phase", "Due", "Status", "Done on", "Notes",
                                      "Effort", "Effort (working days)", "Estimated money a month", "KPI", "KPI today",
                                      "KPI target", "KPI direction"]
    assert headers(sample_book[0]["Action register"]) == list(REGISTER_HEADERS)


def test_the_register_has_one_row_per_scheduled_action_with_a_real_due_date(sample_book, sample_audit):
    ws = sample_book[0]["Action register"]
    schedule = sample_audit.decision.schedule
    assert len(schedule) >= 3
    assert [c.value for c in column(ws, "Action ID")] == [s.action.id for s in schedule]
    due = column(ws, "Due")
    assert all(isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd" for c in due)
    assert [c.value.date() for c in due] == [s.due for s in schedule]
    assert {c.value for c in column(ws, "Phase")} <= {"First 30 days", "Days 31 to 60", "Days 61 to 90"}
    assert {c.value for c in column(ws, "Status")} == {"open"}
    assert all(c.value is None for c in column(ws, "Notes"))
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].formula1 == '"open,in progress,done,dropped"'
    assert f"H2:H{len(schedule) + 1 + xlsx.SPARE_REGISTER_ROWS}" in str(validations[0].sqref)


def test_money_is_the_unrounded_figure_in_the_clients_currency_format(sample_book, sample_audit):
    ws = sample_book[0]["Action register"]
    priced = [(s, c) for s, c in zip(sample_audit.decision.schedule, column(ws, "Estimated money a month"))
              if s.action.estimated_money > 0]
    assert priced, "the sample plan prices at least one action"
    for item, cell in priced:
        assert cell.value == pytest.approx(item.action.estimated_money, abs=1e-9)
        assert cell.number_format == '"£"#,##0'
    spots = sample_book[0]["Weak spots"]
    for spot, cell in zip(sample_audit.ranking.weak_spots, column(spots, "Money at stake a month")):
        assert cell.value == (pytest.approx(spot.money_at_stake) if spot.money.measured else None)


def test_kpi_figures_are_shares_with_a_percent_format(sample_book, sample_audit):
    ws = sample_book[0]["KPIs"]
    kpis = sample_audit.fix_plan.kpis
    assert [c.value for c in column(ws, "KPI")] == [k.label for k in kpis]
    for kpi, today, target in zip(kpis, column(ws, "Today"), column(ws, "Target")):
        assert kpi.unit == "pct"
        assert today.value == pytest.approx(kpi.current) and today.number_format == "0.0%"
        assert target.value == pytest.approx(kpi.target) and target.number_format == "0.0%"


def test_every_signal_is_listed_with_n_and_its_own_interval(sample_book, sample_audit):
    ws = sample_book[0]["Signals"]
    signals = sample_audit.signals.signals
    assert ws.max_row - 1 == len(signals)
    by_key = {(s.label, s.n, round(s.value, 12)): s for s in signals}
    for label, n, value, low, high in zip(*(column(ws, h) for h in ("Signal", "n", "Value", "Interval low", "Interval high"))):
        signal = by_key[(label.value, n.value, round(value.value, 12))]
        assert (low.value, high.value) == (pytest.approx(signal.ci_low), pytest.approx(signal.ci_high))
        assert low.number_format == "0.0%" and low.value <= value.value <= high.value
    ranks = [c.value for c in column(ws, "Rank")]
    assert ranks[0] == 1 and None in ranks  # the weak spots first, then the other touchpoints


def test_data_problems_and_about(sample_book, sample_audit):
    problems = sample_book[0]["Data problems"]
    assert headers(problems) == ["Severity", "File", "Sheet", "Row", "Column", "Problem", "Value"]
    assert problems.max_row - 1 == len(sample_audit.data.problems)
    about = {row[0].value: row[1] for row in sample_book[0]["About"].iter_rows(min_row=2)}
    assert about["Client"].value == "Juniper & Lark"
    assert about["Data up to"].value.date() == sample_audit.as_of
    assert about["Currency"].value == "GBP"
    assert about["Verdict"].value == sample_audit.verdict.status
    assert about["Money at stake a month"].value == pytest.approx(sample_audit.decision.money_at_stake_per_month)


def test_the_problem_list_is_capped_with_a_closing_row(sample_audit, tmp_path, monkeypatch):
    total = len(sample_audit.data.problems)
    assert total > 3
    monkeypatch.setattr(xlsx, "MAX_PROBLEM_ROWS", 3)
    write_workbook(sample_audit, tmp_path / "capped.xlsx")
    ws = load_workbook(tmp_path / "capped.xlsx")["Data problems"]
    assert ws.max_row == 1 + 3 + 1
    assert ws.cell(row=5, column=6).value == f"and {total - 3} more not listed here"


@pytest.mark.parametrize("currency, locale, expected", [
    ("GBP", "en_GB", '"£"#,##0'),
    ("BRL", "pt_BR", '"R$" #,##0'),
    ("EUR", "de_DE", '#,##0 "€"'),
    ("USD", "en_US", '"$"#,##0'),
])
def test_excel_money_format_follows_the_locale(currency, locale, expected):
    assert excel_money_format(Formatter(currency, locale)) == expected


def test_a_brazilian_engagement_gets_real_money_formats(tmp_path, sample_dir):
    folder = tmp_path / "brl"
    shutil.copytree(sample_dir, folder)
    audit = (folder / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(audit.replace("client:\n", "client:\n  currency: BRL\n  number_format: pt_BR\n", 1))
    target = write_workbook(run_audit(folder), tmp_path / "brl.xlsx")
    book = load_workbook(target)
    money = column(book["Weak spots"], "Money at stake a month")
    assert any(c.value for c in money)
    assert all(c.number_format == '"R$" #,##0' for c in money if c.value is not None)
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Currency"] == "BRL"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
                                  "\t=1+1", "\r=1+1", "#N/A", "=1+1"])
def test_text_that_looks_like_a_formula_stays_text(tmp_path, text):
    from openpyxl import Workbook

    book = Workbook()
    put(book.active, 1, 1, text)
    book.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A1"]
    # XML reads a carriage return back as a line feed; the cell is still the text as written.
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")


def test_text_is_cleaned_of_illegal_characters_and_cut_to_excels_limit(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    put(book.active, 1, 1, "bell\x07 and\x00 null")
    put(book.active, 2, 1, "x" * 40_000)
    book.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws["A1"].value == "bell and null"
    assert len(ws["A2"].value) == 32_767


def test_hostile_client_text_is_written_as_text_never_as_a_formula(tmp_path, sample_dir):
    folder = tmp_path / "hostile"
    shutil.copytree(sample_dir, folder)
    journey = (folder / "journey.yaml").read_text()
    for plain, hostile in HOSTILE.items():
        assert plain in journey
        journey = journey.replace(plain, hostile)
    (folder / "journey.yaml").write_text(journey)
    with open(folder / "feedback.csv", "a") as feedback:  # an unreadable date: its value lands in the Data problems sheet
        feedback.write('"=HYPERLINK(""http://evil.example"",""x"")",review,Google,1,"fine"\n-2+3,review,Google,1,"fine"\n')
    target = write_workbook(run_audit(folder), tmp_path / "hostile.xlsx")
    book = load_workbook(target)
    wanted = {'=HYPERLINK("http://evil.example","click")', "-2+3", "@SUM(1+1)", "+cmd|' /C calc'!A0",
              '=HYPERLINK("http://evil.example","x")'}
    seen = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    seen.setdefault(cell.value, set()).add(ws.title)
    assert wanted <= set(seen), set(seen)
    assert {"Weak spots", "Signals"} <= seen['=HYPERLINK("http://evil.example","click")']
    assert "Data problems" in seen['=HYPERLINK("http://evil.example","x")']


def test_the_workbook_is_written_atomically(sample_audit, tmp_path, monkeypatch):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"previous")

    def broken(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", broken)
    from fixfirst.errors import FixfirstError

    with pytest.raises(FixfirstError, match="cannot write the workbook"):
        write_workbook(sample_audit, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
