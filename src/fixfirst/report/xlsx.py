"""The Excel workbook beside the PDF: the fix plan as an action register, the weak spots, signals, KPIs and data problems.

Figures are the audit's own numbers (money unrounded, shares as shares) with Excel number formats that display them as the
PDF does. Client text is untrusted: it is always written as text, never as a formula, and cut to what Excel accepts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .._version import __version__
from ..decision import AuditResult
from ..errors import FixfirstError
from ..fsutil import atomic_path
from ..history import ACTION_REGISTER, DEFAULT_STATUS, REGISTER_HEADERS, STATUSES
from ..present import PHASE_TITLES, Formatter, build_decision_page, build_weak_spots, figures, formatter_for

# The action register is read back by fixfirst (issue #12): these headers are its schema (docs/report.md). Do not rename.
SPARE_REGISTER_ROWS = 100  # the status list also covers rows the consultant adds below the plan

EXCEL_MAX_CHARS = 32_767
# Excel and other spreadsheets read a cell typed as starting with these as a formula (a tab or CR as a field break).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEM_ROWS = 5_000  # beyond this the sheet's last row says how many more there are
MIN_WIDTH, MAX_WIDTH = 6, 60

PERCENT = "0.0%"
SIGNED_PERCENT = "+0%;-0%;0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
SCORE = "0"
DATE = "yyyy-mm-dd"
NPS = "+0;-0;0"
KPI_FORMATS = {"pct": PERCENT, "count": INTEGER, "number": DECIMAL, "nps": NPS, "days": DECIMAL}

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E4ECE8")
TOP_WRAPPED = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str | None = None  # None: General (text)
    wrap: bool = False
    min_width: int = MIN_WIDTH  # a column to fill in (status, notes) is wide before anything is in it


@dataclass(frozen=True)
class Formatted:
    """A value with its own number format, for columns whose rows hold different kinds of figure (KPIs, the About sheet)."""

    value: Any
    number_format: str | None


def excel_money_format(fmt: Formatter) -> str:
    """The client's currency as an Excel number format without decimals: '"£"#,##0', '"R$" #,##0', '#,##0 "€"'.

    Built from the locale's own currency pattern (where the symbol goes, with or without a space); the separators are
    Excel's, so each reader's Excel shows the grouping it is set up for.
    """
    pattern = Locale.parse(fmt.locale).currency_formats["standard"].pattern.split(";")[0]
    symbol = '"' + fmt.symbol.replace('"', "") + '"'
    out, number_done = [], False
    for char in pattern:
        if char == "¤":
            out.append(symbol)
        elif char in "#0,.":
            if not number_done:
                out.append("#,##0")
                number_done = True
        elif char in " \u00a0\u202f":
            out.append(" ")
        elif char not in "'":
            out.append(f'"{char}"')
    return "".join(out).strip() or f"{symbol}#,##0"


def _text(value: Any) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text if len(text) <= EXCEL_MAX_CHARS else text[:EXCEL_MAX_CHARS - 1] + "…"


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    value = float(value) if not isinstance(value, int) else value
    return None if isinstance(value, float) and (math.isnan(value) or math.isinf(value)) else value


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None):
    """Write one cell: text always as text (never a formula), numbers as numbers, dates as dates."""
    if isinstance(value, Formatted):
        value, number_format = value.value, value.number_format
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, str):
        text = _text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl makes "=..." a formula; a string cell is shown as typed
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # and stays text when someone edits it in Excel
        return cell
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE
        return cell
    cell.value = _number(value)
    if number_format and cell.value is not None:
        cell.number_format = number_format
    return cell


def _shown_length(value: Any, number_format: str | None) -> int:
    if isinstance(value, Formatted):
        value, number_format = value.value, value.number_format
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        extra = len(number_format or "") // 3  # currency symbol, sign, percent
        return len(f"{float(value):,.1f}") + extra
    return len(str(value))


def write_table(ws: Worksheet, columns: list[Column], rows: Iterable[list[Any]]) -> int:
    """Header row (bold, frozen, filtered), then the rows; widths from the content, bounded. Returns the number of rows."""
    widths = [len(c.header) + 3 for c in columns]  # room for the filter button
    for index, column in enumerate(columns, 1):
        cell = put(ws, 1, index, column.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, TOP_WRAPPED
    count = 0
    for count, values in enumerate(rows, 1):
        for index, (column, value) in enumerate(zip(columns, values, strict=False), 1):
            cell = put(ws, count + 1, index, value, column.number_format)
            shown = _shown_length(value, column.number_format)
            widths[index - 1] = max(widths[index - 1], shown + 2)
            cell.alignment = TOP_WRAPPED if (column.wrap or shown > MAX_WIDTH) else TOP
    for index, (column, width) in enumerate(zip(columns, widths, strict=False), 1):
        ws.column_dimensions[get_column_letter(index)].width = max(column.min_width, min(MAX_WIDTH, width))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return count


def _kpi_value(kpi, value: float | None, money: str) -> Formatted | None:
    if kpi is None or value is None:
        return None
    return Formatted(value, money if kpi.unit == "money" else KPI_FORMATS.get(kpi.unit, DECIMAL))


def _direction(higher_is_better: bool) -> str:
    return "at least" if higher_is_better else "at most"


def action_register(ws: Worksheet, result: AuditResult, money: str) -> None:
    columns = [Column("No.", INTEGER), Column("Action ID"), Column("Action", wrap=True), Column("Weak spots", wrap=True),
               Column("Owner"), Column("Phase"), Column("Due", DATE), Column("Status", min_width=14),
               Column("Done on", DATE, min_width=12),  # filled in by the consultant: the day the action was done
               Column("Notes", wrap=True, min_width=30), Column("Effort"), Column("Effort (working days)"), Column("Estimated money a month", money),
               Column("KPI", wrap=True), Column("KPI today"), Column("KPI target"), Column("KPI direction")]
    assert tuple(c.header for c in columns) == REGISTER_HEADERS
    rows = []
    schedule = result.decision.schedule
    for number, item in enumerate(schedule, 1):
        action, kpi = item.action, item.action.kpi
        spots = ", ".join(f"#{a.spot.rank} {a.spot.touchpoint.name}" for a in action.weak_spots)
        estimate = action.estimated_money if action.estimated_money > 0 else None  # the PDF: "not priced"
        rows.append([number, action.id, action.title, spots, action.owner, PHASE_TITLES[item.phase_days], item.due,
                     DEFAULT_STATUS, None, None, action.effort, action.days, estimate,
                     None if kpi is None else kpi.label, _kpi_value(kpi, None if kpi is None else kpi.current, money),
                     _kpi_value(kpi, None if kpi is None else kpi.target, money),
                     None if kpi is None else _direction(kpi.higher_is_better)])
    count = write_table(ws, columns, rows)
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Status", error="Choose open, in progress, done or dropped.")
    ws.add_data_validation(status)
    letter = get_column_letter(REGISTER_HEADERS.index("Status") + 1)
    status.add(f"{letter}2:{letter}{count + 1 + SPARE_REGISTER_ROWS}")


def weak_spots_sheet(ws: Worksheet, result: AuditResult, money: str, fmt: Formatter) -> None:
    columns = [Column("Rank", INTEGER), Column("Touchpoint"), Column("Stage"), Column("Owner"), Column("Score", SCORE),
               Column("Confidence"), Column("Money at stake a month", money),
               Column("Money at stake a month during the campaign", money), Column("Blocks marketing"),
               Column("Finding", wrap=True)]
    blocking = {w.touchpoint.id for w in result.verdict.blocking}
    # The finding is the root-cause sentence of the weak spot's page in the report, word for word.
    causes = {c.touchpoint_id: c.cause for c in build_weak_spots(result, fmt).cards}
    rows = []
    for w in result.ranking.weak_spots:
        measured = w.money.measured
        rows.append([w.rank, w.touchpoint.name, w.touchpoint.stage, w.touchpoint.owner or None, w.score, w.confidence,
                     w.money_at_stake if measured else None,
                     w.money.campaign_revenue_per_month if measured else None,
                     w.touchpoint.id in blocking, causes.get(w.touchpoint.id, w.headline)])
    write_table(ws, columns, rows)


def signals_sheet(ws: Worksheet, result: AuditResult) -> None:
    """Every signal, the weak spots' first (by rank), then the other touchpoints' in journey order."""
    columns = [Column("Rank", INTEGER), Column("Touchpoint"), Column("Signal", wrap=True), Column("Source"),
               Column("Value", PERCENT), Column("Target", PERCENT), Column("Direction"), Column("n", INTEGER),
               Column("Interval low", PERCENT), Column("Interval high", PERCENT), Column("Target from"),
               Column("Target basis", wrap=True)]
    ranked = sorted(result.ranking.assessed, key=lambda w: (w.rank == 0, w.rank))  # stable: journey order after the ranked
    names = {w.touchpoint.id: (w.rank or None, w.touchpoint.name) for w in ranked}
    # Within a touchpoint the signal that weighs most comes first, as on its weak-spot page.
    ordered = [c.signal for w in ranked for c in w.contributions]
    listed = {id(s) for s in ordered}
    ordered += [s for s in result.signals.signals if id(s) not in listed]
    rows = []
    for s in ordered:
        rank, name = names.get(s.touchpoint, (None, s.touchpoint))
        # ci_low/ci_high are the signal's own interval (signals.base.wilson_interval at settings.scoring.ci_level).
        # A figure nothing could judge has no target (the report says "no target"), not its own value as one.
        rows.append([rank, name, s.label, s.source, s.value, s.target if s.judged else None, _direction(s.higher_is_better), s.n,
                     s.ci_low, s.ci_high, s.basis.value, s.basis_note or None])
    write_table(ws, columns, rows)


def kpis_sheet(ws: Worksheet, result: AuditResult, money: str) -> None:
    columns = [Column("KPI", wrap=True), Column("Touchpoint"), Column("Today"), Column("n", INTEGER), Column("Target"),
               Column("Direction"), Column("On target"), Column("Today from", wrap=True)]
    rows = []
    for k in result.fix_plan.kpis:
        on_target = k.on_target
        rows.append([k.label, None if k.touchpoint is None else k.touchpoint.name, _kpi_value(k, k.current, money), k.n,
                     _kpi_value(k, k.target, money), _direction(k.higher_is_better),
                     "not measured yet" if k.current is None else ("no target" if on_target is None else on_target),
                     k.basis or None])
    write_table(ws, columns, rows)


def problems_sheet(ws: Worksheet, result: AuditResult, fmt: Formatter) -> None:
    columns = [Column("Severity"), Column("File"), Column("Sheet"), Column("Row", INTEGER), Column("Column"),
               Column("Problem", wrap=True), Column("Value", wrap=True)]
    problems = list(result.data.problems)
    rows = [[p.severity.value, p.file, p.sheet, p.row, p.column, p.message, p.value] for p in problems[:MAX_PROBLEM_ROWS]]
    if len(problems) > MAX_PROBLEM_ROWS:
        rows.append([None, None, None, None, None,
                     f"and {fmt.count(len(problems) - MAX_PROBLEM_ROWS)} more not listed here", None])
    write_table(ws, columns, rows)


def about_sheet(ws: Worksheet, result: AuditResult, fmt: Formatter, money: str) -> None:
    engagement, decision = result.engagement, result.decision
    client, options = engagement.audit.client, engagement.audit.report
    rows: list[list[Any]] = [
        ["Client", client.name],
        ["Report", options.title],
        ["Data up to", result.as_of],
        ["Prepared", result.generated_on],
        ["Prepared by", options.consultant],
        ["Currency", fmt.currency],
        ["Verdict", result.verdict.status],
    ]
    rows += [
        ["Decision", build_decision_page(result, fmt).decision],
        ["Campaign advice", decision.advice.value],
        ["Headroom", figures.headroom(decision.headroom, fmt)],
        ["Headroom (share of a usual week)", Formatted(None if decision.headroom is None else decision.headroom.uplift, SIGNED_PERCENT)],
        ["Headroom from", None if decision.headroom is None else decision.headroom.basis.value],
        ["Usual orders a week", Formatted(decision.usual_orders_per_week, INTEGER)],
        ["Money at stake a month", Formatted(decision.money_at_stake_per_month, money)],
        ["Money at stake a month during the campaign", Formatted(decision.money_at_stake_during_campaign_per_month, money)],
    ]
    rows += [
        ["Promise", engagement.audit.promise.description],
        ["Intervals", f"{fmt.percent(engagement.settings.scoring.ci_level)} Wilson score intervals (Signals sheet)"],
        ["Made with", f"fixfirst {__version__}"],
    ]
    write_table(ws, [Column("Item"), Column("Value", wrap=True)], rows)


def build_workbook(result: AuditResult) -> Workbook:
    fmt = formatter_for(result.engagement.audit.client)
    money = excel_money_format(fmt)
    workbook = Workbook()
    register = workbook.active
    register.title = ACTION_REGISTER
    action_register(register, result, money)
    weak_spots_sheet(workbook.create_sheet("Weak spots"), result, money, fmt)
    signals_sheet(workbook.create_sheet("Signals"), result)
    kpis_sheet(workbook.create_sheet("KPIs"), result, money)
    problems_sheet(workbook.create_sheet("Data problems"), result, fmt)
    about_sheet(workbook.create_sheet("About"), result, fmt, money)
    workbook.properties.title = _text(f"{result.engagement.audit.report.title} – {result.engagement.audit.client.name}")[:250]
    workbook.properties.creator = f"fixfirst {__version__}"
    return workbook


def write_workbook(result: AuditResult, target: Path) -> Path:
    """Write the workbook to `target` (temp file + rename)."""
    workbook = build_workbook(result)
    try:
        with atomic_path(Path(target)) as tmp:
            workbook.save(tmp)
    except OSError as exc:
        raise FixfirstError(f"{target}: cannot write the workbook ({exc.strerror or exc})", "choose a folder you can write to with -o PATH") from None
    return Path(target)
