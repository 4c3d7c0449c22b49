"""Capacity against demand: what operations carried in the past and what the next campaign asks."""

from .assessment import assess_capacity
from .backtest import Backtest
from .campaign import CampaignProjection
from .demand import parse_uplift
from .outlook import CapacityOutlook, PlannedCampaign, RecentOrders, VolumeBand, capacity_outlook, planned_campaign
from .projection import json_safe

__all__ = ["assess_capacity", "Backtest", "CampaignProjection", "capacity_outlook", "CapacityOutlook", "json_safe", "parse_uplift", "planned_campaign", "PlannedCampaign", "RecentOrders", "VolumeBand"]
