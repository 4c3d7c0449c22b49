"""Capacity against demand: what operations carried in the past and what the next campaign asks."""

from .outlook import CapacityOutlook, PlannedCampaign, VolumeBand, capacity_outlook, planned_campaign

__all__ = ["CapacityOutlook", "PlannedCampaign", "VolumeBand", "capacity_outlook", "planned_campaign"]
