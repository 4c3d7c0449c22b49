"""Marketing and operations KPIs side by side: what acquiring a customer costs next to whether operations deliver."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .demand import LeadDemand


@dataclass(frozen=True)
class SideKpi:
    """One figure of the marketing or the operations column, with its sample size and how it was counted."""

    side: str  # marketing | operations
    name: str
    value: float | None
    unit: str  # money | pct | count | number | days | multiple
    n: int | None
    note: str = ""

    def to_dict(self) -> dict:
        return {"side": self.side, "name": self.name, "value": None if self.value is None else round(float(self.value), 4),
                "unit": self.unit, "n": self.n, "note": self.note}


def marketing_ops_kpis(facts: pd.DataFrame, campaigns: pd.DataFrame | None, leads: LeadDemand | None) -> list[SideKpi]:
    """Acquisition cost (spend / new customers during past campaigns) next to fulfilment, on-time and stock-out rates."""
    out: list[SideKpi] = []
    data_end = facts["ordered_at"].max()
    past = campaigns[campaigns["start"] <= data_end] if campaigns is not None and len(campaigns) else None
    if past is not None and len(past):
        spend = past["spend"].dropna() if "spend" in past else pd.Series(dtype=float)
        if len(spend):
            out.append(SideKpi("marketing", "Campaign spend", float(spend.sum()), "money", len(spend),
                               f"{len(spend)} past campaign(s) with a spend figure"))
        windows = [(c["start"].normalize(), c["end"].normalize() + pd.Timedelta(days=1)) for _, c in past.iterrows()]
        first = facts.loc[facts["first_order"], ["ordered_at"]] if "first_order" in facts else None
        if first is not None and "customer_id" in facts and len(first):
            during = pd.Series(False, index=first.index)
            for start, end in windows:
                during |= (first["ordered_at"] >= start) & (first["ordered_at"] < end)
            new = int(during.sum())
            out.append(SideKpi("marketing", "New customers during campaigns", new, "count", new,
                               "customers whose first order fell inside a past campaign's dates"))
            with_spend = past["spend"].notna() if "spend" in past else pd.Series(False, index=past.index)
            if with_spend.any():
                paid = pd.Series(False, index=first.index)
                for (_, c), has in zip(past.iterrows(), with_spend, strict=False):
                    if has:
                        paid |= (first["ordered_at"] >= c["start"].normalize()) & (first["ordered_at"] < c["end"].normalize() + pd.Timedelta(days=1))
                n_paid = int(paid.sum())
                if n_paid:
                    out.append(SideKpi("marketing", "Acquisition cost", float(past.loc[with_spend, "spend"].sum()) / n_paid, "money", n_paid,
                                       "campaign spend / new customers during those campaigns; every new customer in the "
                                       "window is credited to the campaign, so the true cost per customer it brought is at least this"))
        daily = facts.loc[~facts["cancelled"], "ordered_at"].dt.normalize().value_counts()
        inside = pd.Series(False, index=daily.index)
        for start, end in windows:
            inside |= (daily.index >= start) & (daily.index < end)
        if inside.any() and (~inside).any():
            out.append(SideKpi("marketing", "Orders a day during past campaigns, against other days",
                               float(daily[inside].mean() / daily[~inside].mean()), "multiple", int(inside.sum()),
                               f"{daily[inside].mean():.1f} vs {daily[~inside].mean():.1f} orders a day"))
    if leads is not None:
        out.append(SideKpi("marketing", "Lead-to-deal conversion", leads.conversion, "pct", leads.leads,
                           f"{leads.deals:,} deals from {leads.leads:,} leads" + (f"; median {leads.median_days_to_deal:.0f} days to a deal"
                                                                                if leads.median_days_to_deal is not None else "")))
    decided = facts[facts["cancelled"] | facts.get("delivered_at", pd.Series(pd.NaT, index=facts.index)).notna() | facts["assessable"]]
    if len(decided):
        delivered = decided["delivered_at"].notna() if "delivered_at" in decided else ~decided["cancelled"]
        out.append(SideKpi("operations", "Fulfilment rate", float(delivered.mean()), "pct", len(decided),
                           "orders delivered among orders whose outcome is known (delivered, cancelled, or overdue)"))
    assessed = facts["assessable"]
    if assessed.any():
        out.append(SideKpi("operations", "On-time rate", float(1 - facts.loc[assessed, "late"].mean()), "pct", int(assessed.sum()),
                           "orders delivered within the promise"))
    if "backordered" in facts:
        base = facts["backordered"].notna() & ~facts["cancelled"]
        if base.any():
            out.append(SideKpi("operations", "Stock-out rate", float(facts.loc[base, "backordered"].astype(bool).mean()), "pct",
                               int(base.sum()), "orders hit by a stock-out or backorder"))
    lead = facts.loc[assessed, "lead_days"].dropna() if "lead_days" in facts else pd.Series(dtype=float)
    if len(lead):
        out.append(SideKpi("operations", "Median lead time", float(lead.median()), "days", len(lead), "working days from order to doorstep"))
    return out
