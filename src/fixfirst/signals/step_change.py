"""A failure rate that rose at some date and stayed up: the best weekly split, tested with a correction for trying them all."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ..config import Orders
from .base import pct

WEEK_NS = 7 * 86_400 * 1_000_000_000


@dataclass(frozen=True)
class StepChange:
    """Orders from `since` on failed at `after_rate` (n=`after_n`) against `before_rate` (n=`before_n`) before.

    `p_value` is one-sided and Bonferroni-corrected over every split date tried; `parts` are the failure rates of the
    after-period cut into equal spans (each must carry at least half the rise: it stayed up, not one bad week).
    """

    since: dt.date
    until: dt.date
    before_rate: float
    before_n: int
    after_rate: float
    after_n: int
    after_failures: int
    p_value: float
    splits_tried: int
    parts: tuple[float, ...]

    def sentence(self, what: str) -> str:
        return (f"Since {self.since:%d %b %Y} {pct(self.after_rate, 1)} of {self.after_n:,} orders {what}, against "
                f"{pct(self.before_rate, 1)} of {self.before_n:,} before; it stayed up in every part of the period since "
                f"({', '.join(pct(p, 1) for p in self.parts)}); p={self.p_value:.2g} after trying {self.splits_tried} start weeks.")

    def to_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "before_rate": round(self.before_rate, 4),
                "before_n": self.before_n, "after_rate": round(self.after_rate, 4), "after_n": self.after_n,
                "p_value": float(f"{self.p_value:.3g}"), "splits_tried": self.splits_tried,
                "parts": [round(p, 4) for p in self.parts]}


def step_change(times: np.ndarray, failed: np.ndarray, rules: Orders) -> StepChange | None:
    """The week from which the failure rate rose and stayed up, or None when no split is significant and material.

    `times`: int64 nanoseconds of each order; `failed`: whether it failed. Splits fall on week starts leaving at least
    `rules.change_min_weeks` weeks and `rules.change_min_orders` orders on each side. The rise must be significant
    after Bonferroni over the splits tried, at least `change_min_ratio` times the earlier rate and `change_min_points`
    above it, and every one of `change_parts` spans after the split must carry at least half of it.
    """
    if len(times) == 0:
        return None
    week = (times - times.min()) // WEEK_NS
    n_weeks = int(week.max()) + 1
    orders = np.bincount(week, minlength=n_weeks).astype(float)
    fails = np.bincount(week, weights=failed.astype(float), minlength=n_weeks)
    cum_n, cum_f = np.cumsum(orders), np.cumsum(fails)
    total_n, total_f = cum_n[-1], cum_f[-1]
    k = np.arange(rules.change_min_weeks, n_weeks - rules.change_min_weeks + 1)  # first week of the after-period
    if not len(k):
        return None
    n1, f1 = cum_n[k - 1], cum_f[k - 1]
    n2, f2 = total_n - n1, total_f - f1
    ok = (n1 >= rules.change_min_orders) & (n2 >= rules.change_min_orders)
    if not ok.any():
        return None
    k, n1, f1, n2, f2 = k[ok], n1[ok], f1[ok], n2[ok], f2[ok]
    pooled = (f1 + f2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (f2 / n2 - f1 / n1) / se, 0.0)
    best = int(np.argmax(z))
    tried = len(k)
    p_value = min(1.0, tried * 0.5 * math.erfc(z[best] / math.sqrt(2)))
    before, after = f1[best] / n1[best], f2[best] / n2[best]
    rise = after - before
    if p_value > rules.change_alpha or rise < rules.change_min_points or after < rules.change_min_ratio * before:
        return None
    split = int(k[best])
    after_rows = week >= split
    edges = np.linspace(split, n_weeks, rules.change_parts + 1)
    parts = []
    for i in range(rules.change_parts):
        inside = after_rows & (week >= edges[i]) & ((week < edges[i + 1]) if i < rules.change_parts - 1 else True)
        if not inside.any():
            return None
        parts.append(float(failed[inside].mean()))
    if any(part - before < rise / 2 for part in parts):
        return None  # one bad stretch, not a lasting rise
    start = int(times.min())
    since = (np.datetime64(start + split * WEEK_NS, "ns")).astype("datetime64[D]").item()
    until = np.datetime64(int(times.max()), "ns").astype("datetime64[D]").item()
    return StepChange(since, until, float(before), int(n1[best]), float(after), int(n2[best]), int(f2[best]), p_value, tried,
                      tuple(parts))
