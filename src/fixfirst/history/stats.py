"""Honest before/after statistics: the change in a share with its interval, and whether it is a real change or noise."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from ..signals import two_proportion_p, wilson_interval


class ChangeReading(str, Enum):
    """What a before/after difference says, judged in the direction that is better for the business."""

    BETTER = "better"  # the whole interval of the change lies on the better side of zero
    WORSE = "worse"  # the whole interval lies on the worse side
    NO_CLEAR_CHANGE = "no_clear_change"  # the interval spans zero, on enough observations to have seen a change
    TOO_EARLY = "too_early"  # too few observations on one side to tell


@dataclass(frozen=True)
class ProportionChange:
    """`before` and `after` shares with their counts; `difference` = after - before with its interval (Newcombe)."""

    # Observation counts; a weekday-standardised split passes effective sample sizes, which may be fractional.
    before: float
    n_before: float
    after: float
    n_after: float
    difference: float
    low: float
    high: float
    p_value: float  # two-sided, pooled two-proportion z test
    reading: ChangeReading

    def to_dict(self) -> dict:
        return {"before": round(self.before, 4), "n_before": self.n_before, "after": round(self.after, 4), "n_after": self.n_after,
                "difference": round(self.difference, 4), "ci": [round(self.low, 4), round(self.high, 4)],
                "p_value": round(self.p_value, 6), "reading": self.reading.value}


def proportion_change(hits_before: float, n_before: float, hits_after: float, n_after: float, *, higher_is_better: bool,
                      level: float = 0.95, min_n: int = 30) -> ProportionChange:
    """The change in a share between two periods or two audits.

    The interval is Newcombe's hybrid score interval (method 10), built from each side's Wilson interval: sane at 0%
    and 100% and on small samples, unlike p ± z·se. A change is real when that whole interval clears zero; with fewer
    than `min_n` observations on either side it is "too early to tell", never a success.
    """
    p1 = hits_before / n_before if n_before else 0.0
    p2 = hits_after / n_after if n_after else 0.0
    diff = p2 - p1
    # The ignores: wilson_interval and two_proportion_p compute with a fractional n exactly as with a whole one, but are
    # annotated `n: int` (signals/base.py, signals/order_flow.py); remove the ignores once those annotations say float.
    l1, u1 = wilson_interval(hits_before, n_before, level)
    l2, u2 = wilson_interval(hits_after, n_after, level)
    low = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    p_value = two_proportion_p(hits_before, n_before, hits_after, n_after)
    if min(n_before, n_after) < min_n:
        reading = ChangeReading.TOO_EARLY
    elif low > 0 or high < 0:
        improved = (low > 0) == higher_is_better
        reading = ChangeReading.BETTER if improved else ChangeReading.WORSE
    else:
        reading = ChangeReading.NO_CLEAR_CHANGE
    return ProportionChange(p1, n_before, p2, n_after, diff, low, high, p_value, reading)
