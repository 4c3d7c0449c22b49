"""A seeded family of varied synthetic online shops with planted defects, and the accuracy measures over it (issue #10)."""

from .generator import (
    DEFECT_KINDS,
    BusinessSpec,
    BusinessTruth,
    PlantedDefect,
    RedHerring,
    draw_spec,
    family,
    make_business,
)

__all__ = ["DEFECT_KINDS", "BusinessSpec", "BusinessTruth", "PlantedDefect", "RedHerring", "draw_spec", "family", "make_business"]
