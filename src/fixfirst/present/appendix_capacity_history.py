"""The capacity appendix's order-history reading, the cross-check between the two models, and the KPIs side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import figures
from .appendix_capacity_view import BandRow, HistoryView, KpiCell, KpiRow
from .numbers import Formatter

if TYPE_CHECKING:
    from ..capacity import CapacityOutlook, VolumeBand
    from ..decision import AuditResult, Decision, HeadroomFigure


def campaign_band(outlook: CapacityOutlook) -> VolumeBand | None:
    """The band whose breach rate the history gives the campaign: the one it falls in, the busier of two, or the busiest."""
    expected, bands = outlook.campaign_daily_orders, outlook.bands
    if expected is None or not bands:
        return None
    return bands[-1] if expected > bands[-1].high else next(b for b in bands if b.high >= expected)


def orders(value, fmt: Formatter) -> str:
    """'1 order', '25 orders' (as the count is written: 1.2 orders read as one)."""
    written = fmt.count(value)
    return f"{written} order" + ("" if written == "1" else "s")


def _band_range(band: VolumeBand, fmt: Formatter) -> str:
    return f"{fmt.count(band.low)} – {fmt.count(band.high)}"


def _usual_day(outlook: CapacityOutlook, fmt: Formatter) -> str:
    return (f"On a usual working day the business takes about {orders(outlook.baseline_daily_orders, fmt)}: the median "
            f"of {fmt.count(outlook.baseline_days)} working days outside past campaigns over the whole history, quiet days "
            "counted as zero (an order placed after the cut-off or on a closed day counts on the next working day).")


def _campaign_reading(outlook: CapacityOutlook, name: str, fmt: Formatter, late: float) -> str:
    """Where the campaign's daily volume falls among the bands, and how late those days were (`late`, as written once);
    "" when the history gives it no band (no campaign volume, or no bands)."""
    expected, band = outlook.campaign_daily_orders, campaign_band(outlook)
    if expected is None or band is None:
        return ""
    volume = orders(expected, fmt)
    if expected > outlook.bands[-1].high:
        return (f"{name} would bring about {volume} a working day, more than the busiest days on record; at "
                f"{_band_range(band, fmt)} orders a day {fmt.percent(late)} of in-stock orders missed the promise, so it is "
                "at least that risky.")
    return (f"{name} would bring about {volume} a working day, in the band of {_band_range(band, fmt)} orders; on those "
            f"days {fmt.percent(late)} of in-stock orders missed the promise.")


def history_view(result: AuditResult, outlook: CapacityOutlook, d: Decision, fmt: Formatter, basis: bool) -> HistoryView:
    """The order history's reading of `outlook` (the result's), with the campaign of `d` (the result's decision)."""
    campaign = d.campaign
    paragraphs = [_usual_day(outlook, fmt)]
    if basis and campaign is not None and campaign.late_share is not None:
        reading = _campaign_reading(outlook, campaign.name, fmt, campaign.late_share)
        if reading:
            paragraphs.append(reading)
    marked = campaign_band(outlook)
    bands = [BandRow(_band_range(b, fmt), fmt.count(b.days), fmt.count(b.orders), fmt.percent(b.breach_rate),
                     f"{fmt.percent(b.ci_low)} – {fmt.percent(b.ci_high)}", b is marked) for b in outlook.bands]
    heading = "The order history: the decision's basis" if basis else "Cross-check: what the order history alone says"
    level = fmt.percent(result.engagement.settings.scoring.ci_level)
    footnote = (f"Backordered orders are left out: they are late for want of stock, not of capacity. A band kept the promise "
                f"when its {level} interval reaches down to the {fmt.percent(outlook.breach_target)} target"
                + ("; the highlighted row is the band the campaign's daily volume falls in." if marked is not None else "."))
    return HistoryView(heading, paragraphs, bands, footnote)


def _history_headroom(outlook: CapacityOutlook, fmt: Formatter, room: HeadroomFigure | None) -> str:
    target = fmt.percent(outlook.breach_target)
    usual = orders(outlook.baseline_daily_orders, fmt)
    if room is None or room.status == "unknown" or outlook.safe_daily_orders is None:
        return f"Headroom by this reading: none. No daily volume on record kept late orders within {target}."
    safe = orders(outlook.safe_daily_orders, fmt)
    if room.status == "over_target" or not room.extra_orders_per_week:
        return (f"Headroom by this reading: none. The promise held on days of up to {safe}, no more than a usual "
                f"working day ({usual}) asks.")
    return (f"Headroom by this reading: {figures.headroom(room, fmt)} ({fmt.signed_percent(room.uplift)} on a usual working "
            f"day of {usual}): the promise held on days of up to {safe}.")


def cross_check(result: AuditResult, outlook: CapacityOutlook, d: Decision, fmt: Formatter) -> list[str]:
    """The other model's headroom and campaign late share, each once, and why the decision does not use them
    (`outlook` and `d` are the result's)."""
    sim = outlook.simulation
    if sim is None:
        return []
    weeks = fmt.count(result.engagement.settings.simulation.backtest_weeks)
    c = d.campaign
    lines = []
    if sim.reproduces_history:
        lines.append(_history_headroom(outlook, fmt, d.headroom_cross_check))
        if c is not None and c.late_share_cross_check is not None:
            reading = _campaign_reading(outlook, c.name, fmt, c.late_share_cross_check)
            if reading:
                lines.append(reading + f" The projection gives {figures.campaign_late(c, fmt)} for the campaign's orders.")
        lines.append("Why the decision does not use it: this reading judges each day on its own, so it cannot see the queue "
                     "that builds when busy days follow one another for weeks, nor a quieter day catching up. The projection "
                     f"carries each day's unfinished orders into the next, and it reproduced the last {weeks} weeks of real "
                     "orders.")
        return lines
    room = d.headroom_cross_check
    if room is not None:
        if room.status == "over_target" or not room.extra_orders_per_week:
            lines.append(f"Headroom by this projection: none; at today's volume it already misses the promise for more "
                         f"than {fmt.percent(outlook.breach_target)} of orders.")
        else:
            lines.append(f"Headroom by this projection: {figures.headroom(room, fmt)} ({fmt.signed_percent(room.uplift)}).")
    if c is not None and c.late_share_cross_check is not None:
        lines.append(f"{c.name}'s orders late by this projection: {fmt.percent(c.late_share_cross_check)}, against "
                     f"{figures.campaign_late(c, fmt)} from the order history.")
    lines.append(f"Why the decision does not use it: it did not reproduce the last {weeks} weeks of real orders (its "
                 "backtest below); until it does, what happened on past days of each volume is the safer guide.")
    return lines


# The KPIs as the report names them: the past campaigns' spend is never mistaken for the planned campaign's budget.
KPI_NAMES = {
    "Campaign spend": "Spend on past campaigns",
    "New customers during campaigns": "New customers during past campaigns",
    "Acquisition cost": "Cost per new customer, past campaigns",
    "Orders a day during past campaigns, against other days": "Orders a day in past campaigns, against other days",
    "Lead-to-deal conversion": "Leads that became deals",
    "Fulfilment rate": "Orders delivered",
    "On-time rate": "Delivered within the promise",
    "Stock-out rate": "Orders hit by a stock-out",
    "Median lead time": "Usual time from order to door",
}


def _kpi_value(kpi, fmt: Formatter) -> str:
    if kpi.unit == "money":
        return fmt.money(kpi.value)
    if kpi.unit == "pct":
        return fmt.percent(kpi.value, 1)
    if kpi.unit == "days":
        return fmt.days(kpi.value)
    if kpi.unit == "multiple":
        return f"{fmt.number(kpi.value, 1)}×"
    return fmt.count(kpi.value)


def _cell(kpi, fmt: Formatter) -> KpiCell:
    return KpiCell(KPI_NAMES.get(kpi.name, kpi.name), _kpi_value(kpi, fmt), "–" if kpi.n is None else fmt.count(kpi.n))


def kpi_rows(kpis: list, fmt: Formatter) -> tuple[list[str], list[KpiRow]]:
    """The sides that have figures ('Marketing', 'Operations'), and the rows with one cell per side (None past its end)."""
    sides = [side for side in ("marketing", "operations") if any(k.side == side for k in kpis)]
    columns = [[_cell(k, fmt) for k in kpis if k.side == side] for side in sides]
    rows = max((len(c) for c in columns), default=0)
    return [side.capitalize() for side in sides], [KpiRow([c[i] if i < len(c) else None for c in columns]) for i in range(rows)]


def kpi_notes(kpis: list, fmt: Formatter) -> list[str]:
    names = {k.name for k in kpis}
    notes = []
    if "Campaign spend" in names or "Acquisition cost" in names:
        notes.append("Past campaigns are those that started before the data ends; the planned campaign's budget is in the "
                     "figures above. The cost per new customer credits every new customer of a campaign's dates to it, so "
                     "what a customer it brought really cost is at least this.")
    if "Orders a day during past campaigns, against other days" in names:
        notes.append("n for the campaign-day ratio is the number of past campaign days.")
    return notes
