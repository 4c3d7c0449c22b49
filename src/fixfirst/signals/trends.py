"""The series behind a weak spot's chart: a rate week by week, by segment, or by item, each point with its own n.

Numbers only (the report's words are written in `fixfirst.present.weak_spots`). A rate counts the same orders or
customers as the signal it illustrates, so the chart and the signal agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .funnel import NEVER, Funnel
from .late_attribution import LateCauses, backordered, clean_for_delivery, late_causes
from .orders import return_counts, stockout_counts

# Order metrics a weekly series can be drawn for, and whether a higher rate is better.
ORDER_METRICS = {"promise_breach": False, "late_dispatch": False, "stockout": False, "returns": False,
                 "cancellation": False, "repeat": True}
# Event metrics read from the funnel: how many of the customers at a step went on to the next.
STEP_METRICS = ("conversion", "incident", "segment_gap")


@dataclass(frozen=True)
class Rate:
    """`hits` of `n` (the failures when lower is better, the successes when higher is better), for one named group."""

    name: str
    n: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None


@dataclass(frozen=True)
class WeekPoint:
    """One week (Monday to Sunday) of a series."""

    start: dt.date
    n: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None


@dataclass(frozen=True)
class WeeklySeries:
    """A rate week by week; weeks with fewer than `min_n` observations are too thin to read on their own."""

    metric: str
    unit: str  # orders | customers
    points: tuple[WeekPoint, ...]
    higher_is_better: bool
    min_n: int

    def solid(self, point: WeekPoint) -> bool:
        return point.n >= max(self.min_n, 1)  # a week with no observations has no rate, whatever min_n says

    @property
    def solid_points(self) -> list[WeekPoint]:
        return [p for p in self.points if self.solid(p)]

    def worst_week(self) -> tuple[WeekPoint, float] | None:
        """The solid week furthest on the wrong side, and its volume against the median solid week's (1.6: 60% busier)."""
        solid = self.solid_points
        if not solid:
            return None
        worst = (min if self.higher_is_better else max)(solid, key=lambda p: p.hits / p.n)
        usual = sorted(p.n for p in solid)[len(solid) // 2]
        return worst, (worst.n / usual if usual else 1.0)

    @property
    def first(self) -> dt.date:
        return self.points[0].start

    @property
    def last(self) -> dt.date:
        return self.points[-1].start


@dataclass(frozen=True)
class SegmentRates:
    """Each segment of one column (device, channel, visitor type) at one step: how many went on to the next."""

    dimension: str  # segment | channel | visitor_type
    source: str  # touchpoint ids of the step
    target: str
    segments: tuple[Rate, ...]  # the flagged segment first, then the others by size
    flagged: str  # the segment the weak spot is about
    rest: Rate  # every other segment with a known value, pooled
    min_n: int

    @property
    def flagged_rate(self) -> Rate:
        return next(s for s in self.segments if s.name == self.flagged)


@dataclass(frozen=True)
class ItemRates:
    """The items (products) with the highest failure rate, worst first, and every other item pooled."""

    metric: str
    worst: tuple[Rate, ...]
    rest: Rate | None
    overall: Rate
    min_n: int


@dataclass(frozen=True)
class StockEffects:
    """What a backorder does to an order: how often it then misses the promise and is cancelled, against in-stock orders."""

    late_backordered: Rate | None
    late_in_stock: Rate | None
    cancelled_backordered: Rate | None
    cancelled_in_stock: Rate | None


def _week_starts(stamps: pd.Series) -> pd.Series:
    return stamps.dt.to_period("W-SUN").dt.start_time


def _weekly(week: pd.Series, hit: np.ndarray) -> tuple[WeekPoint, ...]:
    frame = pd.DataFrame({"week": week.to_numpy(), "hit": hit.astype(int)}).dropna(subset=["week"])
    if frame.empty:
        return ()
    grouped = frame.groupby("week")["hit"].agg(["size", "sum"]).sort_index()
    # Weeks without any observation are kept as empty points, so a chart shows a gap rather than joining across it.
    weeks = pd.date_range(grouped.index.min(), grouped.index.max(), freq="7D")
    grouped = grouped.reindex(weeks, fill_value=0)
    return tuple(WeekPoint(w.date(), int(r["size"]), int(r["sum"])) for w, r in grouped.iterrows())


def delivery_on_clean_orders(facts: pd.DataFrame) -> bool:
    """Whether the delivery signal judges only the orders that left in stock and in time (`signals.orders._delivery`):
    when the export tells the causes apart and any such orders are left."""
    if "delivered_at" not in facts:
        return False
    return late_causes(facts) is not None and bool((facts["assessable"].astype(bool) & clean_for_delivery(facts)).any())


def order_rows(facts: pd.DataFrame, metric: str, return_window_days: int = 30, *, settled_only: bool = False) -> tuple[pd.Series, pd.Series] | None:
    """(flag, base) of an order metric over the orders its signal counts (`signals.orders`).

    `settled_only`: leave out the orders whose outcome may still change (promised date not yet passed, return window
    still open), as the signals' weekly trends do, so the last weeks do not look better than they were.
    """
    end = facts["ordered_at"].max()
    settled = pd.Series(True, index=facts.index)
    if settled_only and "deadline" in facts:
        settled = facts["deadline"] < end.normalize()
    if metric == "promise_breach":
        if "delivered_at" not in facts:
            return None
        base = facts["assessable"].astype(bool)
        if delivery_on_clean_orders(facts):
            base = base & clean_for_delivery(facts)
        return facts["late"].astype(bool), base & settled
    if metric == "late_dispatch":
        if "dispatched_late" not in facts:
            return None
        flag = facts["dispatched_late"].fillna(False).astype(bool)
        return flag, facts["dispatched_late"].notna() & ~facts["cancelled"] & ~backordered(facts) & settled
    if metric == "stockout":
        if "backordered" not in facts:
            return None
        flag, base = stockout_counts(facts)
        return flag, base & settled
    if metric == "returns":
        if "returned" not in facts:
            return None
        flag, base = return_counts(facts)
        window_passed = facts["ordered_at"] <= end - pd.Timedelta(days=return_window_days)
        return flag, base & (window_passed if settled_only else True)
    if metric == "cancellation":
        if "status" not in facts and "cancel_reason" not in facts:
            return None
        flag = facts["cancelled"] | (facts["cancel_reason"].notna() if "cancel_reason" in facts else False)
        return flag.astype(bool), ~backordered(facts) & settled
    if metric == "repeat":
        if "came_back" not in facts:
            return None
        judged = facts["came_back"].notna()
        return facts["came_back"].fillna(False).astype(bool), judged
    return None


def order_series(facts: pd.DataFrame | None, metric: str, min_n: int, return_window_days: int = 30) -> WeeklySeries | None:
    """The weekly rate of an order metric, by the week the order was placed."""
    if facts is None or metric not in ORDER_METRICS or not len(facts):
        return None
    rows = order_rows(facts, metric, return_window_days, settled_only=True)
    if rows is None:
        return None
    flag, base = rows
    base = base.fillna(False).astype(bool) & facts["ordered_at"].notna()
    if not base.any():
        return None
    points = _weekly(_week_starts(facts.loc[base, "ordered_at"]), flag[base].fillna(False).to_numpy(dtype=bool))
    return WeeklySeries(metric, "customers" if metric == "repeat" else "orders", points, ORDER_METRICS[metric], min_n) if points else None


def step_series(funnel: Funnel | None, source: str, target: str, min_n: int, follow_up_quantile: float = 0.95) -> WeeklySeries | None:
    """How many of the customers at `source` went on to `target`, by the week they were first seen.

    Customers first seen too close to the log's end to have gone on yet are left out, so the last week does not dip.
    """
    if funnel is None or funnel.first_seen is None or source not in funnel.reached or target not in funnel.reached:
        return None
    at = funnel.reached[source].to_numpy()
    went_on = funnel.reached[target].to_numpy()
    rows = funnel.followed_up(went_on, follow_up_quantile) & at & (funnel.first_seen != NEVER)
    if not rows.any():
        return None
    seen = pd.Series(pd.to_datetime(funnel.first_seen[rows]))
    points = _weekly(_week_starts(seen), went_on[rows])
    return WeeklySeries("conversion", "customers", points, True, min_n) if points else None


def segment_rates(funnel: Funnel | None, dimension: str, segment: str, source: str, target: str, min_n: int) -> SegmentRates | None:
    """Every segment of `dimension` at the step `source` -> `target`, crude shares as recorded."""
    if funnel is None or source not in funnel.reached or target not in funnel.reached:
        return None
    dims = funnel.dimensions()
    if dimension not in dims:
        return None
    codes, names = dims[dimension]
    at = funnel.reached[source].to_numpy()
    went_on = funnel.reached[target].to_numpy()[at]
    seg = codes[at]
    known = seg >= 0
    sizes = np.bincount(seg[known], minlength=len(names))
    hits = np.bincount(seg[known], weights=went_on[known].astype(float), minlength=len(names))
    rates = [Rate(str(names[i]), int(sizes[i]), int(round(hits[i]))) for i in range(len(names)) if sizes[i] > 0]
    flagged = next((r for r in rates if r.name == segment), None)
    if flagged is None:
        return None
    others = sorted((r for r in rates if r.name != segment), key=lambda r: (-r.n, r.name))
    rest = Rate("rest", sum(r.n for r in others), sum(r.hits for r in others))
    return SegmentRates(dimension, source, target, (flagged, *others), segment, rest, min_n)


def item_rates(facts: pd.DataFrame | None, metric: str, min_n: int, above: float, top: int = 4) -> ItemRates | None:
    """The (at most `top`) items with the highest rate of `metric` above `above` (the signal's target), among items with
    at least `min_n` orders, worst first; every other item pooled."""
    if facts is None or "item" not in facts or metric not in ORDER_METRICS or ORDER_METRICS[metric]:
        return None
    rows = order_rows(facts, metric)
    if rows is None:
        return None
    flag, base = rows
    base = base.fillna(False).astype(bool)
    frame = pd.DataFrame({"item": facts.loc[base, "item"].astype("string"), "hit": flag[base].fillna(False).astype(int)})
    frame = frame.dropna(subset=["item"])
    if frame.empty:
        return None
    by_item = frame.groupby("item")["hit"].agg(["size", "sum"])
    overall = Rate("all", int(by_item["size"].sum()), int(by_item["sum"].sum()))
    enough = by_item[by_item["size"] >= min_n]
    if enough.empty:
        return None
    enough = enough.assign(rate=enough["sum"] / enough["size"]).sort_values(["rate", "size"], ascending=[False, False], kind="stable")
    worse = enough[enough["rate"] > above].head(top)
    if worse.empty:
        return None
    worst = tuple(Rate(str(item), int(r["size"]), int(r["sum"])) for item, r in worse.iterrows())
    rest_n, rest_hits = overall.n - sum(r.n for r in worst), overall.hits - sum(r.hits for r in worst)
    rest = Rate("rest", rest_n, rest_hits) if rest_n > 0 else None
    return ItemRates(metric, worst, rest, overall, min_n)


def stock_effects(facts: pd.DataFrame | None) -> StockEffects | None:
    """Late and cancelled shares of backordered orders against in-stock ones (the stock signal's cost, as shares)."""
    if facts is None or "backordered" not in facts:
        return None
    causes: LateCauses | None = late_causes(facts)
    late_back = late_stock = None
    if causes is not None and "backorder" in causes.known_causes:
        if "backorder" in causes.rate_given:
            share, n = causes.rate_given["backorder"]
            late_back = Rate("backordered", n, int(round(share * n)))
        in_stock = [causes.rate_given[c] for c in ("dispatch", "after_dispatch") if c in causes.rate_given]
        if in_stock:
            n = sum(k for _, k in in_stock)
            late_stock = Rate("in stock", n, int(round(sum(s * k for s, k in in_stock))))
    known = facts["backordered"].notna()
    flag = backordered(facts)
    cancelled = facts["cancelled"].astype(bool)
    cancel_back = Rate("backordered", int((known & flag).sum()), int((known & flag & cancelled).sum()))
    cancel_stock = Rate("in stock", int((known & ~flag).sum()), int((known & ~flag & cancelled).sum()))
    return StockEffects(late_back, late_stock, cancel_back if cancel_back.n else None, cancel_stock if cancel_stock.n else None)
