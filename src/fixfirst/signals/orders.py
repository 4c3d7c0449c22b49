"""Friction from the order export: promise breaches, slow dispatch, stock-outs, returns, repeat purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..journey import Journey, Touchpoint
from .base import Evidence, FrictionSignal, pct, proportion_signal
from .context import SignalContext

CANCELLED_WORDS = ("cancel", "void", "unavailable", "refused")


def order_facts(orders: pd.DataFrame, ctx: SignalContext) -> pd.DataFrame:
    """Orders with the derived columns every order metric uses.

    `deadline`: the promised date (the export's own when present, else audit.yaml's rule);
    `late`: delivered after the deadline, or still undelivered once the deadline has passed;
    `lead_days`: working days from ordering to delivery.
    """
    facts = orders.copy()
    status = facts["status"].astype("string").str.lower() if "status" in facts else pd.Series(pd.NA, index=facts.index, dtype="string")
    facts["cancelled"] = status.str.contains("|".join(CANCELLED_WORDS), regex=True).fillna(False).astype(bool)
    facts["clock_start"] = ctx.calendar.clock_start(facts["ordered_at"], ctx.promise.cutoff)
    rule = ctx.calendar.promise_deadline(facts["ordered_at"], ctx.promise.business_days, ctx.promise.cutoff)
    if "promised_at" in facts:
        facts["deadline"] = facts["promised_at"].dt.normalize().fillna(rule)
    else:
        facts["deadline"] = rule
    if "delivered_at" not in facts:  # without delivery dates the promise cannot be judged at all
        facts["assessable"] = False
        facts["late"] = False
        facts["lead_days"] = np.nan
    else:
        data_end = facts["ordered_at"].max()
        delivered = facts["delivered_at"].notna()
        overdue = ~delivered & (facts["deadline"] < data_end.normalize())
        facts["assessable"] = ~facts["cancelled"] & (delivered | overdue)
        facts["late"] = facts["assessable"] & ((delivered & (facts["delivered_at"].dt.normalize() > facts["deadline"])) | overdue)
        facts["lead_days"] = ctx.calendar.business_days_between(facts["ordered_at"], facts["delivered_at"])
    facts["week"] = facts["ordered_at"].dt.to_period("W-SUN").dt.start_time
    return facts


def stockout_counts(facts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(backordered, base): non-cancelled orders with a backorder flag."""
    return facts["backordered"].fillna(False).astype(bool), facts["backordered"].notna() & ~facts["cancelled"]


def return_counts(facts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(returned, base): delivered orders with a returned flag."""
    delivered = facts["delivered_at"].notna() if "delivered_at" in facts else ~facts["cancelled"]
    return facts["returned"].fillna(False).astype(bool), delivered & facts["returned"].notna()


def order_signals(facts: pd.DataFrame, journey: Journey, ctx: SignalContext, survey: pd.DataFrame | None) -> list[FrictionSignal]:
    signals: list[FrictionSignal] = []
    start, end = facts["ordered_at"].min(), facts["ordered_at"].max()
    builders = {"delivery": _delivery, "dispatch": _dispatch, "stock": _stock, "returns": _returns, "repeat": _repeat}
    for tp in journey.touchpoints:
        for metric in tp.orders:
            signal = builders[metric](facts, tp, ctx, start, end, survey)
            if signal is not None:
                signals.append(signal)
    return signals


def _lower_is_better(facts_mask: pd.Series, base: pd.Series, tp: Touchpoint, metric: str, label: str, ctx: SignalContext,
                     start, end) -> FrictionSignal | None:
    n = int(base.sum())
    if n == 0:
        return None
    hits = int((facts_mask & base).sum())
    signal = proportion_signal(touchpoint=tp.id, metric=metric, label=label, source="orders", hits=hits, n=n,
                               higher_is_better=False, settings=ctx.settings, target=tp.targets.get(metric), reach=1.0)
    excess = max(0.0, signal.shrunk_value - signal.target) * ctx.per_month(n, start, end)
    signal.money_at_stake = ctx.money(excess)
    signal.detail.update(hits=hits, excess_orders_per_month=round(excess, 1))
    return signal


def _delivery(facts, tp, ctx, start, end, survey):
    signal = _lower_is_better(facts["late"], facts["assessable"], tp, "promise_breach", f"Orders that missed the promise ({ctx.promise.description})", ctx, start, end)
    if signal is None:
        return None
    assessed = facts[facts["assessable"]]
    lead = assessed["lead_days"].dropna()
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} orders ({pct(signal.value, 1)}) missed the promise; target {pct(signal.target)}.", n=signal.n))
    if len(lead):
        p50, p85, p95 = np.percentile(lead, [50, 85, 95])
        signal.detail.update(lead_p50=float(p50), lead_p85=float(p85), lead_p95=float(p95))
        signal.evidence.append(Evidence(f"Lead time in working days: median {p50:.0f}, 85th percentile {p85:.0f}, 95th percentile {p95:.0f} (promise: {ctx.promise.business_days}).", n=len(lead)))
    weekly = assessed.groupby("week").agg(orders=("late", "size"), late=("late", "mean"))
    median_week = weekly["orders"].median()
    worst = weekly[weekly["orders"] >= 10].sort_values("late", ascending=False).head(3)
    for week, row in worst.iterrows():
        if row["late"] > signal.target:
            signal.evidence.append(Evidence(
                f"Week of {week:%d %b %Y}: {pct(row['late'])} late across {int(row['orders'])} orders ({row['orders'] / median_week:.1f}x a typical week).",
                kind="breakdown", n=int(row["orders"])))
    signal.detail["weekly"] = [(w.strftime("%Y-%m-%d"), int(r["orders"]), float(r["late"])) for w, r in weekly.iterrows()]
    if "backordered" in assessed:
        for flag, name in ((True, "backordered"), (False, "in stock")):
            part = assessed[assessed["backordered"].fillna(False) == flag]
            if len(part):
                signal.evidence.append(Evidence(f"{name.capitalize()} orders: {pct(part['late'].mean())} late (n={len(part):,}).", kind="breakdown", n=len(part)))
    signal.evidence.extend(_rating_gap(assessed, tp, survey))
    return signal


def _rating_gap(assessed: pd.DataFrame, tp: Touchpoint, survey: pd.DataFrame | None) -> list[Evidence]:
    """How customers whose order was late rated the experience, against those served on time."""
    if survey is None or "order_id" not in survey or not len(assessed):
        return []
    joined = survey.merge(assessed[["order_id", "late"]], on="order_id", how="inner")
    out = []
    columns = [(f"rating:{h}", h, "/5") for h in tp.survey] + [("overall", "overall rating", "/5"), ("recommend", "recommend score", "/10")]
    for column, name, scale in columns:
        if column not in joined:
            continue
        late = joined.loc[joined["late"], column].dropna()
        on_time = joined.loc[~joined["late"], column].dropna()
        if len(late) >= 5 and len(on_time) >= 5:
            out.append(Evidence(f"'{name}': {late.mean():.1f}{scale} from customers whose order was late (n={len(late)}) vs {on_time.mean():.1f}{scale} on time (n={len(on_time)}).",
                                kind="breakdown", n=len(late) + len(on_time)))
    return out


def _dispatch(facts, tp, ctx, start, end, survey):
    if "shipped_at" not in facts:
        return None
    target_days = ctx.settings.orders.dispatch_target_business_days
    began = facts["paid_at"].fillna(facts["ordered_at"]) if "paid_at" in facts else facts["ordered_at"]
    days = ctx.calendar.business_days_between(began, facts["shipped_at"])
    base = days.notna() & ~facts["cancelled"]
    signal = _lower_is_better(days > target_days, base, tp, "late_dispatch", f"Orders dispatched later than {target_days} working day(s) after payment", ctx, start, end)
    if signal is not None:
        signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} orders ({pct(signal.value, 1)}) left later than {target_days} working day(s); median {days[base].median():.0f}.", n=signal.n))
    return signal


def _stock(facts, tp, ctx, start, end, survey):
    if "backordered" not in facts:
        return None
    flag, base = stockout_counts(facts)
    signal = _lower_is_better(flag, base, tp, "stockout", "Orders hit by a stock-out or backorder", ctx, start, end)
    if signal is None:
        return None
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} orders ({pct(signal.value, 1)}) were backordered; target {pct(signal.target)}.", n=signal.n))
    if "item" in facts:
        by_item = facts[base].groupby("item")["backordered"].agg(["size", "mean"]).sort_values("size", ascending=False)
        top = by_item[by_item["mean"] > signal.target].sort_values("mean", ascending=False).head(3)
        rest = facts[base & ~facts["item"].isin(top.index)]
        for item, row in top.iterrows():
            share = row["size"] / max(1, base.sum())
            signal.evidence.append(Evidence(f"{item}: {pct(row['mean'])} backordered (n={int(row['size']):,}; {pct(share)} of all orders).", kind="breakdown", n=int(row["size"])))
        if len(top) and len(rest):
            signal.evidence.append(Evidence(f"All other items: {pct(rest['backordered'].fillna(False).astype(bool).mean(), 1)} backordered (n={len(rest):,}).", kind="breakdown", n=len(rest)))
    return signal


def _returns(facts, tp, ctx, start, end, survey):
    if "returned" not in facts:
        return None
    returned, base = return_counts(facts)
    signal = _lower_is_better(returned, base, tp, "returns", "Delivered orders returned", ctx, start, end)
    if signal is None:
        return None
    signal.reach = signal.value  # only customers who return something pass this touchpoint
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} delivered orders ({pct(signal.value, 1)}) came back; target at most {pct(signal.target)}.", n=signal.n))
    if "return_reason" in facts:
        reasons = facts.loc[base & returned, "return_reason"].fillna("(no reason given)").value_counts()
        total = reasons.sum()
        for reason, count in reasons.head(4).items():
            signal.evidence.append(Evidence(f"{reason}: {count} returns ({pct(count / total)}).", kind="breakdown", n=int(count)))
    return signal


def _repeat(facts, tp, ctx, start, end, survey):
    if "customer_id" not in facts:
        return None
    window = pd.Timedelta(days=ctx.settings.orders.repeat_window_days)
    placed = facts[~facts["cancelled"] & facts["customer_id"].notna()].sort_values("ordered_at")
    first = placed.groupby("customer_id")["ordered_at"].agg(["min", "size"])
    # Only customers whose first order leaves a full window before the data ends can be judged.
    eligible = first[first["min"] <= end - window]
    if eligible.empty:
        return None
    second = placed.loc[placed.groupby("customer_id").cumcount() == 1].set_index("customer_id")["ordered_at"]
    came_back = (second.reindex(eligible.index) - eligible["min"]) <= window
    hits = int(came_back.sum())
    signal = proportion_signal(touchpoint=tp.id, metric="repeat", label=f"Customers who ordered again within {window.days} days",
                               source="orders", hits=hits, n=len(eligible), higher_is_better=True, settings=ctx.settings,
                               target=tp.targets.get("repeat"), reach=1.0)
    shortfall = max(0.0, signal.target - signal.shrunk_value) * ctx.per_month(len(eligible), eligible["min"].min(), eligible["min"].max())
    signal.money_at_stake = ctx.money(shortfall)
    signal.evidence.append(Evidence(f"{hits:,} of {len(eligible):,} customers ({pct(signal.value)}) came back within {window.days} days; target {pct(signal.target)}.", n=len(eligible)))
    return signal
