"""Appendix: capacity detail and backtest, with the decision's figures first and the other model's labelled as a cross-check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..decision import CampaignTiming, Decision, HeadroomBasis
from . import figures
from .appendix_capacity_history import cross_check, history_view, kpi_notes, kpi_rows, orders
from .appendix_capacity_view import (
    BacktestRow,
    BacktestView,
    CapacityAppendix,
    KeyFigure,
    ProjectionView,
    ScenarioRow,
    StepRow,
)
from .charts.capacity_chart import layout_backtest_chart, layout_lead_chart
from .numbers import Formatter

if TYPE_CHECKING:
    from ..capacity import CampaignProjection, CapacityOutlook, RecentOrders
    from ..decision import AuditResult

CHECK_NAMES = {"late_share": "late share", "lead_p50": "median time to the door", "lead_p85": "85th-percentile time to the door"}


def _target(result: AuditResult, fmt: Formatter) -> str:
    return fmt.percent(result.engagement.settings.metrics.promise_breach.target)


def _campaign_window(sim: CampaignProjection | None) -> str:
    return "on the campaign's dates" if sim is not None and sim.measured_days == "campaign days" else "over the projected weeks"


def _headroom_sentence(result: AuditResult, d: Decision, fmt: Formatter) -> str:
    """The decision's headroom (`d`, the result's decision), whichever model it comes from, in the words page 1 uses."""
    room = d.headroom
    if room is None:
        return ""
    target = _target(result, fmt)
    sim = result.outlook.simulation if result.outlook else None
    if room.status == "unknown":
        return f"No headroom: no daily volume on record kept late orders within {target}."
    if room.status == "over_target" or not room.extra_orders_per_week:
        where = f"; {room.breaks_first} is where orders wait" if room.breaks_first else ""
        return f"No headroom: at today's volume more than {target} of orders already miss the promise{where}."
    share = figures.headroom_share(room, d, fmt)
    if room.basis is HeadroomBasis.PROJECTION:
        when = _campaign_window(sim)
        if room.breaks_first and not room.lower_bound:
            beyond = f"; beyond that {room.breaks_first} falls behind"
        elif room.lower_bound and sim is not None and sim.steps:
            beyond = f"; the team never showed its limit, so {sim.steps[0].step.name} may carry more"
        else:
            beyond = ""
        return f"Headroom: {figures.headroom(room, fmt)} {when} ({share}) keep late orders within {target}{beyond}."
    return (f"Headroom: {figures.headroom(room, fmt)} ({share}): the busiest daily volume on record at which late orders "
            f"stayed within {target}.")


def _key_figures(result: AuditResult, d: Decision, fmt: Formatter) -> list[KeyFigure]:
    sim = result.outlook.simulation if result.outlook else None
    weeks = result.engagement.settings.simulation.backtest_weeks
    by_model = {HeadroomBasis.PROJECTION: f"the day-by-day projection (it reproduced the last {fmt.count(weeks)} weeks of orders)",
                HeadroomBasis.HISTORY: "the order history: how often the promise held on past days of each volume"}
    out = []
    if d.usual_orders_per_week is not None:
        basis = (f"forecast {_campaign_window(sim)} without the campaign, from the last {fmt.count(sim.demand.history_days)} "
                 "days of orders outside past campaigns" if sim is not None
                 else "a usual working day on record × the working days of a week")
        out.append(KeyFigure("usual-week", "Usual week", figures.usual_week(d, fmt), basis))
    if d.headroom is not None:
        share = figures.headroom_share(d.headroom, d, fmt)
        value = figures.headroom(d.headroom, fmt) + (f" ({share})" if share and d.headroom.extra_orders_per_week else "")
        out.append(KeyFigure("headroom", "Headroom", value, by_model[d.headroom.basis]))
    c = d.campaign
    if c is not None:
        timing = {CampaignTiming.PLANNED: "planned", CampaignTiming.RUNNING: "running", CampaignTiming.PAST: "past"}[c.timing]
        parts = [f"{c.name}, {timing}, {figures.campaign_dates(c, fmt)}"]
        if c.uplift is not None:
            parts.append(figures.campaign_size(c, fmt))
        if c.spend is not None:
            parts.append(f"{'spend' if c.timing is CampaignTiming.PAST else 'planned spend'} {fmt.money(c.spend)}")
        out.append(KeyFigure("campaign", "Campaign", "; ".join(parts), "the campaign plan"))
        if c.timing is not CampaignTiming.PAST and c.late_share is not None and c.late_basis is not None:
            out.append(KeyFigure("campaign-late", "Campaign orders late",
                                 f"{figures.campaign_late(c, fmt)} of its orders (target {_target(result, fmt)})",
                                 by_model[c.late_basis]))
    return out


def _basis_note(result: AuditResult, sim: CampaignProjection | None, fmt: Formatter) -> str:
    weeks = fmt.count(result.engagement.settings.simulation.backtest_weeks)
    if sim is None:
        return ("The decision on page 1 rests on the order history: how often the promise held on past days of each volume "
                "(no day-by-day projection could be made).")
    if sim.reproduces_history:
        return (f"The decision on page 1 uses the day-by-day projection, because replaying the last {weeks} weeks of real "
                "orders through it gave what actually happened (the backtest below). The order history's simpler reading "
                "is shown after it as a cross-check.")
    return (f"The decision on page 1 uses the order history, because the day-by-day projection did not reproduce the last "
            f"{weeks} weeks of real orders (the backtest below). The projection is shown after it as a cross-check, for "
            "reference only.")


def build_capacity(result: AuditResult, fmt: Formatter, letter: str) -> CapacityAppendix | None:
    outlook = result.outlook
    if outlook is None:
        return None
    d = result.decision
    sim = outlook.simulation
    history_first = sim is None or not sim.reproduces_history
    projection = projection_view(result, outlook, sim, d, fmt) if sim is not None else None
    history = history_view(result, outlook, d, fmt, basis=history_first)
    lines = cross_check(result, outlook, d, fmt)
    skipped = f"No day-by-day projection: {outlook.simulation_skipped}." if sim is None and outlook.simulation_skipped else ""
    return CapacityAppendix(letter, "Capacity detail and backtest", _basis_note(result, sim, fmt), _key_figures(result, d, fmt),
                            _headroom_sentence(result, d, fmt), history_first, projection, history, lines, skipped,
                            *kpi_rows(outlook.kpis, fmt), kpi_notes(outlook.kpis, fmt))


# ---------------------------------------------------------------- the day-by-day projection


def _weekdays(step, fmt: Formatter) -> str:
    if not step.weekday_capacity:
        return ""
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    open_days = [f"{day} {fmt.count(v)}" for day, v in zip(days, step.weekday_capacity, strict=False) if v > 0]
    shaped = ", shaped like the usual week" if step.method == "days behind" else ""
    return f"by weekday{shaped}: " + ", ".join(open_days)


def _step_how(step, result: AuditResult, fmt: Formatter) -> str:
    """How the step's capacity was found, in words (the computation's own phrase only for a capacity sheet)."""
    if step.method == "days behind":
        return (f"what the team dispatched on the {fmt.count(step.evidence_days)} working days that ended with orders "
                "still waiting (it was working flat out), per usual working day")
    if step.method == "busiest day":
        needed = fmt.count(result.engagement.settings.capacity.min_history_days)
        return (f"the busiest day in {fmt.count(step.evidence_days)} working days: fewer than {needed} ended with orders "
                "still waiting, so the team never showed its limit (at least this much)")
    return f"the capacity sheet ({step.detail})"


def _demand_intro(result: AuditResult, sim: CampaignProjection, d: Decision, fmt: Formatter) -> str:
    demand = sim.demand
    trend = (f" and a trend of {fmt.signed_percent(demand.trend_per_week, 1)} a week" if demand.trend_per_week else "")
    usual = f": {figures.usual_week(d, fmt)} {_campaign_window(sim)} without a campaign" if d.usual_orders_per_week else ""
    text = (f"Demand was forecast from the last {fmt.count(demand.history_days)} days of orders outside past campaigns, "
            f"with each weekday's own pattern{trend}{usual}.")
    source = "the campaign plan" if demand.uplift_source == "the campaign plan" else "as given by the consultant"
    if demand.campaign is not None and demand.uplift is not None:
        text += (f" {demand.campaign.name} ({fmt.short_date(demand.campaign.start.date())} – {fmt.date(demand.campaign.end.date())}) "
                 f"adds {fmt.signed_percent(demand.uplift)} on its dates ({source}).")
    elif demand.uplift is not None:
        text += f" An extra {fmt.signed_percent(demand.uplift)} demand is projected over every day ({source})."
    else:
        text += " No campaign uplift is planned."
    runs = fmt.count(result.engagement.settings.simulation.runs)
    return (text + f" Each future day's orders were simulated {runs} times through the steps below, first in, first out, "
            "within each step's capacity on its working days.")


def _delivery(sim: CampaignProjection, fmt: Formatter) -> str:
    dl = sim.delivery
    if dl is None:
        return ""
    what = {"lag and transit": (f"the usual wait before dispatch, from {fmt.count(dl.lag_orders)} orders that met no queue, "
                                "then the carrier's transit"),
            "transit only": "the carrier's transit",
            "clock start to doorstep": "the whole time from order to doorstep, as the export has no dispatch dates"}.get(dl.basis, dl.basis)
    p50, p85 = dl.percentile(0.5, "transit"), dl.percentile(0.85, "transit")
    calendar = ""
    if dl.transit_calendar_p50 is not None and dl.transit_calendar_p85 is not None:
        calendar = f" ({fmt.number(dl.transit_calendar_p50)} and {fmt.days(dl.transit_calendar_p85, 'calendar day')})"
    n = fmt.count(dl.transit_orders)
    spread = (f"Half and 85% of the {n} deliveries took {fmt.days(p50)} or less" if p50 == p85
              else f"Half of the {n} deliveries took {fmt.days(p50)} or less and 85% took {fmt.days(p85)} or less")
    return (f"After the last step each order takes the working days the data shows to reach the door, by the weekday it "
            f"leaves the team: {what}. {spread}{calendar}. Working days by weekday, because a parcel that leaves on a "
            "Friday meets the weekend.")


def _scenarios(sim: CampaignProjection, usual: float | None, fmt: Formatter) -> list[ScenarioRow]:
    """Without and with the campaign, on the orders the late shares count; volumes from the decision's usual week."""
    rows = []
    for scenario in (sim.baseline, sim.campaign):
        if scenario is None:
            continue
        campaign = scenario.name == "campaign"
        uplift = sim.demand.uplift or 0.0
        volume = None if usual is None else usual * (1 + uplift) if campaign else usual
        if campaign:
            name = (f"With {sim.demand.campaign.name} ({fmt.signed_percent(uplift)})" if sim.demand.campaign is not None
                    else f"With {fmt.signed_percent(uplift)} demand")
        else:
            name = "Without a campaign"
        lead = scenario.lead_time_campaign_days
        rows.append(ScenarioRow(scenario.name, name, fmt.count(volume),
                                " / ".join(fmt.number(v) for v in (lead.p50, lead.p85, lead.p95)),
                                fmt.percent(scenario.breach_share_campaign_days)))
    return rows


def _notes(sim: CampaignProjection, fmt: Formatter) -> list[str]:
    """The projection's caveats in words; the forecast's own notes carry statistics, so they are written here."""
    demand = sim.demand
    out = []
    if demand.campaign is None and demand.uplift is not None:
        out.append("No campaign is planned, so the extra demand is spread over every projected day.")
    if demand.trend_per_week == 0 and demand.trend_observed:
        out.append(f"Orders drifted by {fmt.signed_percent(demand.trend_observed, 1)} a week, too little to tell from "
                   "ordinary ups and downs, so no trend is projected.")
    if demand.dispersion is not None:
        out.append("Order days swing more than chance alone would make them, so the simulation draws busier and quieter "
                   "days than a steady stream of orders would give.")
    out += sim.notes[len(demand.notes):]  # the steps' own notes (a capacity sheet's rows left out)
    return out


def _backtest(result: AuditResult, sim: CampaignProjection, recent: RecentOrders | None, fmt: Formatter) -> BacktestView | None:
    test = sim.backtest
    if test is None:
        return None
    settings = result.engagement.settings
    first, last = fmt.short_date(test.first.date()), fmt.date(test.last.date())
    observed_note = ""
    if recent is not None:
        observed_note = ("These observed orders, not the projection, decide whether operations already miss the promise: "
                         f"they do when the whole {fmt.percent(settings.scoring.ci_level)} interval lies above "
                         f"{_target(result, fmt)}.")
    if test.status == "not_possible":
        if test.reason == "too_few_orders":
            why = (f"only {fmt.count(test.orders)} settled in-stock orders had their promise clock start between {first} "
                   f"and {last} (at least {fmt.count(settings.simulation.backtest_min_orders)} are needed)")
        else:
            why = f"there is too little dispatch history before {fmt.date(test.first.date())} to fit it"
        text = f"The model could not be backtested: {why}. It is not trusted to forecast: the decision rests on the order history."
        return BacktestView(test.status, text, observed_note)
    waiting = (f"from the {orders(test.start_backlog, fmt)} then waiting" if fmt.count(test.start_backlog) != "0"
               else "with no orders waiting")
    capacity = fmt.number(test.capacity_per_day, 1) + " a usual working day" + (", a lower bound" if test.lower_bound else "")
    text = (f"The in-stock orders whose promise clock started between {first} and {last} were replayed through the model: "
            f"their real daily counts, starting {waiting}, with capacity "
            f"({capacity}) and delivery times fitted only on the history before them. ")
    if test.passed:
        text += "It reproduces history within the stated tolerance, so the projection speaks for the decision."
    else:
        missed = ", ".join(CHECK_NAMES.get(name, name) for name in test.failed)
        text += (f"It does not reproduce history ({missed} outside the tolerance), so the projection is shown for "
                 "reference only: the decision rests on the order history.")
    observed = f"Observed ({fmt.count(test.orders)} orders"
    if recent is not None:
        observed += (f"; {fmt.percent(settings.scoring.ci_level)} interval {fmt.percent(recent.ci_low, 1)} – "
                     f"{fmt.percent(recent.ci_high, 1)}")
    rows = [BacktestRow("projected", "Projected by the model", fmt.percent(test.projected_late, 1),
                        f"{fmt.number(test.projected_p50)} / {fmt.number(test.projected_p85)}"),
            BacktestRow("observed", observed + ")", fmt.percent(test.observed_late, 1),
                        f"{fmt.number(test.observed_p50)} / {fmt.number(test.observed_p85)}"),
            BacktestRow("tolerance", "Allowed gap", f"{fmt.number((test.late_tolerance or 0) * 100, 1)} points",
                        fmt.days(test.lead_tolerance))]

    chart = layout_backtest_chart(sim, fmt)
    caption = ("Late share by week of promise-clock start: solid, what the orders did; dashed, the model's replay."
               if chart is not None else "")
    return BacktestView(test.status, text, observed_note, rows, chart, caption)


def projection_view(result: AuditResult, outlook: CapacityOutlook, sim: CampaignProjection, d: Decision,
                    fmt: Formatter) -> ProjectionView:
    """The day-by-day projection `sim` of `outlook` (the result's), with `d` (the result's decision)."""
    scenario = sim.campaign or sim.baseline
    steps = [StepRow(s.step.name, fmt.number(s.per_day, 1), _step_how(s, result, fmt), _weekdays(s, fmt),
                     fmt.percent(v.load), fmt.count(v.peak_backlog_p95))
             for s, v in zip(sim.steps, scenario.projection.steps, strict=False)]
    trusted = sim.reproduces_history
    heading = ("The day-by-day projection: the decision's basis" if trusted
               else "Cross-check: the day-by-day projection (for reference only)")
    warning = "" if trusted else (
        "This projection does not reproduce history: "
        + ("replaying the last weeks of real orders through it gave figures outside the tolerance (the backtest below)"
           if sim.backtest is not None and sim.backtest.status == "failed"
           else "it could not be checked against the last weeks of real orders (the backtest below)")
        + ", so it is shown for reference only.")

    measured = sim.measured_days == "campaign days"
    chart = layout_lead_chart(sim, fmt)
    caption = ("How long the slowest orders of each day take: the 85th-percentile working days from order to door of the "
               "orders placed that day. Dashed: without the campaign; solid: with it"
               + ("; shaded: the campaign's dates." if chart is not None and chart.campaign_band else "."))
    return ProjectionView(
        heading, warning, _demand_intro(result, sim, d, fmt), steps,
        "Load with the campaign" if sim.campaign is not None else "Load", _delivery(sim, fmt),
        _scenarios(sim, d.usual_orders_per_week, fmt),
        "Orders a week on the campaign's dates" if measured else "Orders a week",
        "Late, campaign's orders" if measured else "Late", chart, caption if chart is not None else "",
        _backtest(result, sim, outlook.recent, fmt), _notes(sim, fmt))
