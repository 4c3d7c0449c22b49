"""The capacity assessment, built once: history bands, recent observed orders, the backtested projection, and KPIs."""

from __future__ import annotations

from dataclasses import replace
from types import EllipsisType

import pandas as pd

from ..config import Promise, Settings, WorkingCalendar
from .campaign import NoProjection, project_campaign
from .kpis import marketing_ops_kpis
from .outlook import CapacityOutlook, PlannedCampaign, capacity_outlook, recent_orders


def assess_capacity(facts: pd.DataFrame, campaigns: pd.DataFrame | None, capacity_sheet: pd.DataFrame | None,
                    leads: pd.DataFrame | None, deals: pd.DataFrame | None, settings: Settings, calendar: WorkingCalendar,
                    promise: Promise, *, uplift: float | None = None,
                    campaign: PlannedCampaign | None | EllipsisType = ...) -> CapacityOutlook | None:
    """Everything the verdict and the report need about capacity, complete: nothing is added to it afterwards.

    None when no in-stock order has a delivery outcome (the promise cannot be judged at all).
    """
    outlook = capacity_outlook(facts, campaigns, settings, calendar, uplift=uplift, campaign=campaign)
    if outlook is None:
        return None
    recent = recent_orders(facts, calendar, promise.business_days, settings)
    simulation, skipped = None, ""
    try:
        simulation = project_campaign(facts, campaigns, outlook.campaign, capacity_sheet, leads, deals, settings, calendar,
                                      promise, uplift=uplift, recent=recent)
    except NoProjection as why:
        skipped = str(why)
    lead_view = simulation.demand.leads if simulation is not None else None
    return replace(outlook, recent=recent, simulation=simulation, simulation_skipped=skipped,
                   kpis=marketing_ops_kpis(facts, campaigns, lead_view))
