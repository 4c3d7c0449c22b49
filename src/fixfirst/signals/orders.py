"""Friction from the order export: promise breaches, slow dispatch, stock-outs, returns, repeat purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..journey import Journey, Touchpoint
from .base import Evidence, FrictionSignal, TargetBasis, pct, proportion_signal
from .context import SignalContext
from .late_attribution import CAUSE_LABELS, backordered, clean_for_delivery, late_causes, mark_dispatch
from .order_flow import failure_effect, stage_cycle_times, weekly_trend
from .order_judgement import Judged, baseline_sentence, judge_orders, rose_since
from .targets import resolve_target

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
    mark_dispatch(facts, ctx)
    _mark_first_orders(facts, pd.Timedelta(days=ctx.settings.orders.repeat_window_days))
    return facts


def _mark_first_orders(facts: pd.DataFrame, window: pd.Timedelta) -> None:
    """`first_order`: the customer's earliest live order; `came_back`: a second one followed within `window`.

    `came_back` is only known (not NA) for first orders that leave a full window before the export ends.
    Computed once here with integer codes, because every failure's repeat-purchase gap needs it.
    """
    facts["first_order"] = False
    facts["came_back"] = pd.arrays.BooleanArray(np.zeros(len(facts), dtype=bool), np.ones(len(facts), dtype=bool))
    if "customer_id" not in facts:
        return
    codes, _ = pd.factorize(facts["customer_id"])
    live = np.flatnonzero((codes >= 0) & ~facts["cancelled"].to_numpy() & facts["ordered_at"].notna().to_numpy())
    if not len(live):
        return
    when = facts["ordered_at"].to_numpy()[live].astype("int64")
    order = live[np.lexsort((when, codes[live]))]  # by customer, then time; lexsort is stable, so ties keep file order
    sorted_codes = codes[order]
    starts = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    first_rows = order[starts]
    has_second = np.r_[~starts[1:], False][starts]  # the next sorted row belongs to the same customer
    second_rows = np.where(has_second, order[np.minimum(np.flatnonzero(starts) + 1, len(order) - 1)], -1)
    first_when = facts["ordered_at"].to_numpy()[first_rows]
    second_when = facts["ordered_at"].to_numpy()[np.maximum(second_rows, 0)]
    came_back = has_second & ((second_when - first_when) <= window.to_timedelta64())
    eligible = first_when <= (facts["ordered_at"].max() - window).to_datetime64()
    first_flag = np.zeros(len(facts), dtype=bool)
    first_flag[first_rows] = True
    values = np.zeros(len(facts), dtype=bool)
    unknown = np.ones(len(facts), dtype=bool)
    values[first_rows[eligible]] = came_back[eligible]
    unknown[first_rows[eligible]] = False
    facts["first_order"] = first_flag
    facts["came_back"] = pd.arrays.BooleanArray(values, unknown)


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
    builders = {"delivery": _delivery, "dispatch": _dispatch, "stock": _stock, "returns": _returns, "repeat": _repeat,
                "cancellations": _cancellations}
    for tp in journey.touchpoints:
        for metric in tp.orders:
            signal = builders[metric](facts, tp, ctx, start, end, survey)
            if signal is not None:
                signals.append(signal)
                if (companion := signal.detail.pop("_rose", None)) is not None:
                    signals.append(companion)
    return signals


def _lower_is_better(facts: pd.DataFrame, flag: pd.Series, base: pd.Series, tp: Touchpoint, metric: str, label: str,
                     ctx: SignalContext, start, end, *, what: str, cancellable: bool = False,
                     effect_base: pd.Series | None = None) -> FrictionSignal | None:
    """A failure-rate signal with its weekly trend and what the failure cost in cancelled and lost repeat orders.

    The trend and cost lines wait in `detail["_later"]` until `_finish`, so each builder's headline comes first.
    `effect_base`: the orders the cost is measured on, when it differs from the rate's base (cancelled ones too).
    """
    n = int(base.sum())
    if n == 0:
        return None
    flag = flag.fillna(False).astype(bool)
    hits = int((flag & base).sum())
    # Recent orders whose outcome is still open would make the last weeks look better than they were.
    settled = facts["deadline"] < end.normalize()
    if metric == "returns":
        settled = facts["ordered_at"] <= end - pd.Timedelta(days=ctx.settings.orders.return_window_days)
    choice = resolve_target(metric, tp, None, ctx)
    judged = judge_orders(choice, facts["ordered_at"], ~flag, base & settled, ctx, higher_is_better=False)
    if judged.baseline is not None:
        hits, n = judged.baseline.recent.n - judged.baseline.recent.hits, judged.baseline.recent.n
    elif judged.target is None:
        judged = Judged(hits / n, judged.note, None, measured_only=True)
    signal = proportion_signal(touchpoint=tp.id, metric=metric, label=label, source="orders", hits=hits, n=n,
                               higher_is_better=False, settings=ctx.settings, target=judged.target, reach=1.0,
                               basis=choice.basis, basis_note=judged.note, judged=not judged.measured_only)
    if judged.baseline is not None and not judged.baseline.worse:
        signal.severity = 0.0  # within its own usual range: no lasting, significant rise
    period = (pd.Timestamp(judged.baseline.start), pd.Timestamp(judged.baseline.end) + pd.Timedelta(days=1)) if judged.baseline else (start, end)
    excess = max(0.0, signal.shrunk_value - signal.target) * ctx.per_month(n, *period) if signal.severity > 0 else 0.0
    effect = None
    if metric != "cancellation":
        effect = failure_effect(facts, flag, base if effect_base is None else effect_base, ctx, cancellable=cancellable, what=what)
    # A cancelled order is itself the lost purchase; any other failure costs what it did to the customer's next steps.
    per_order = 1.0 if effect is None else effect.purchases_lost_per_affected_order
    signal.money_at_stake = ctx.money(excess * per_order)
    signal.extra_purchases_per_month = excess * per_order
    signal.detail.update(hits=hits, excess_orders_per_month=round(excess, 1))
    if effect is not None:
        signal.detail["effect"] = effect.to_dict()
        signal.money_basis = (effect.basis() if effect.notes else
                              f"too few orders on each side to measure what {what} orders cost")
    else:
        signal.money_basis = "every cancelled order above the target is a lost purchase"
    trend = weekly_trend(flag, base & settled, facts["week"], ctx.settings.orders.trend_recent_weeks, ctx.settings.scoring.ci_level)
    if trend is not None:
        signal.detail["trend"] = trend.to_dict()
    signal.detail["_later"] = [Evidence(note, kind="breakdown") for note in (effect.notes if effect else [])]
    if judged.baseline is not None:
        signal.detail["baseline"] = judged.baseline.to_dict()
        signal.detail["_later"].insert(0, Evidence(baseline_sentence(judged.baseline, what, higher_is_better=False), n=n))
    else:
        # Within (or near) its target, a rate that rose at some date and stayed up is still a weak spot of its own
        # history; scoring counts only the stronger of the two readings of one metric.
        rose = rose_since(facts, flag, base & settled, tp, metric, label, ctx, what, per_order)
        if rose is not None and rose.severity > signal.severity:
            signal.detail["_rose"] = rose
    if trend is not None:
        signal.detail["_later"].append(Evidence(trend.sentence(what), kind="breakdown", n=trend.recent_n + trend.earlier_n))
    return signal


def _working_days(value: float) -> str:
    return f"{value:.0f} working day" + ("" if round(value) == 1 else "s")


def _finish(signal: FrictionSignal | None) -> FrictionSignal | None:
    """Append the trend and effect lines after the signal's own headline evidence."""
    if signal is not None:
        signal.evidence.extend(signal.detail.pop("_later", []))
    return signal


def _delivery(facts, tp, ctx, start, end, survey):
    causes = late_causes(facts)
    base, label, restricted = facts["assessable"], f"Orders that missed the promise ({ctx.promise.description})", False
    clean = facts["assessable"] & clean_for_delivery(facts)
    # Causes before symptoms: the delivery leg is judged on the orders that reached it in time and in stock; the
    # breaches that backorders and late dispatch caused are credited to stock and packing (their own signals).
    # Even when few orders are left (say every order was backordered), the delivery leg is judged on those only: the
    # minimum-evidence rule then keeps a handful from scoring, rather than the backorders scoring here again.
    if causes is not None and int(clean.sum()) > 0:
        known = " and ".join({"backorder": "in stock", "dispatch": "not held up at dispatch"}[c] for c in causes.known_causes)
        base, label, restricted = clean, f"Orders {known} that still missed the promise ({ctx.promise.description})", True
    signal = _lower_is_better(facts, facts["late"], base, tp, "promise_breach", label, ctx, start, end,
                              what="late after dispatch" if restricted else "late")
    if signal is None:
        return None
    if causes is not None:
        signal.detail["late_causes"] = causes
        split = [f"{causes.points[c] * 100:.1f} points from {CAUSE_LABELS[c]}" for c in ("backorder", "dispatch", "after_dispatch")
                 if c in causes.known_causes or c == "after_dispatch"]
        signal.evidence.append(Evidence(
            f"{pct(causes.late_share, 1)} of {causes.assessed:,} orders missed the promise: " + ", ".join(split)
            + ". Each late order is credited to its earliest cause; this touchpoint is scored on the last part only"
            + ("" if restricted else " when any orders are left") + ".", n=causes.assessed))
    # Only the columns used below: copying every text column of a million orders costs seconds.
    wanted = [c for c in ("order_id", "late", "lead_days", "week", "backordered") if c in facts]
    assessed = facts.loc[facts["assessable"], wanted]
    lead = assessed["lead_days"].dropna()
    which = "of these orders" if restricted else "orders"
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} {which} ({pct(signal.value, 1)}) missed the promise; target {pct(signal.target)}.", n=signal.n))
    if len(lead):
        p50, p85, p95 = np.percentile(lead, [50, 85, 95])
        signal.detail.update(lead_p50=float(p50), lead_p85=float(p85), lead_p95=float(p95))
        signal.evidence.append(Evidence(f"Lead time of all orders in working days: median {p50:.0f}, 85th percentile {p85:.0f}, 95th percentile {p95:.0f} (promise: {ctx.promise.business_days}).", n=len(lead)))
    # The worst weeks on the same orders as the headline share, so they are comparable with its target.
    judged_orders = facts.loc[base, [c for c in ("late", "week") if c in facts]]
    weekly = judged_orders.groupby("week").agg(orders=("late", "size"), late=("late", "mean"))
    median_week = weekly["orders"].median()
    rules = ctx.settings.orders
    worst = weekly[weekly["orders"] >= rules.late_week_min_orders].sort_values("late", ascending=False).head(rules.top_late_weeks)
    for week, row in worst.iterrows():
        if row["late"] > signal.target:
            signal.evidence.append(Evidence(
                f"Week of {week:%d %b %Y}: {pct(row['late'])} late of {int(row['orders'])} {'such ' if restricted else ''}orders, {row['orders'] / median_week:.1f}x a typical week's volume.",
                kind="breakdown", n=int(row["orders"])))
    signal.detail["weekly"] = [(w.strftime("%Y-%m-%d"), int(r["orders"]), float(r["late"])) for w, r in weekly.iterrows()]
    if causes is not None:
        names = {"backorder": "Backordered orders with a delivery outcome (not cancelled, promise date passed)", "dispatch": "In-stock orders dispatched late (held past the normal lag, or too late for the usual delivery leg)",
                 "after_dispatch": "In-stock orders dispatched in time"}
        for cause, (share, n) in causes.rate_given.items():
            signal.evidence.append(Evidence(f"{names[cause]}: {pct(share)} late (n={n:,}).", kind="breakdown", n=n))
    signal.evidence.extend(_rating_gap(assessed, tp, survey, rules.rating_gap_min_answers))
    cycles = stage_cycle_times(facts, ctx)
    if cycles:
        signal.detail["stage_cycle_times"] = [c.to_dict() for c in cycles]
        signal.evidence.append(Evidence("Working days per stage (median / 85th / 95th percentile): " + "; ".join(
            f"{c.label} {c.p50:.0f} / {c.p85:.0f} / {c.p95:.0f} (n={c.n:,})" for c in cycles) + ".", kind="breakdown"))
    return _finish(signal)


def _rating_gap(assessed: pd.DataFrame, tp: Touchpoint, survey: pd.DataFrame | None, min_answers: int) -> list[Evidence]:
    """How customers whose order was late rated the experience, against those served on time."""
    if survey is None or "order_id" not in survey or not len(assessed):
        return []
    columns = [c for c in [f"rating:{h}" for h in tp.survey] + ["overall", "recommend"] if c in survey]
    joined = survey[["order_id", *columns]].merge(assessed[["order_id", "late"]], on="order_id", how="inner")
    out = []
    labelled = [(f"rating:{h}", h, "/5") for h in tp.survey] + [("overall", "overall rating", "/5"), ("recommend", "recommend score", "/10")]
    for column, name, scale in labelled:
        if column not in joined:
            continue
        late = joined.loc[joined["late"], column].dropna()
        on_time = joined.loc[~joined["late"], column].dropna()
        if len(late) >= min_answers and len(on_time) >= min_answers:
            out.append(Evidence(f"'{name}': {late.mean():.1f}{scale} from customers whose order was late (n={len(late)}) vs {on_time.mean():.1f}{scale} on time (n={len(on_time)}).",
                                kind="breakdown", n=len(late) + len(on_time)))
    return out


def _dispatch(facts, tp, ctx, start, end, survey):
    if "dispatched_late" not in facts:
        return None
    target_days = ctx.settings.orders.dispatch_target_business_days
    days = facts["dispatch_days"]
    # A backordered order waits for stock, not for the packing bench: the stock signal carries it.
    base = facts["dispatched_late"].notna() & ~facts["cancelled"] & ~backordered(facts)
    in_stock = " in-stock" if "backordered" in facts else ""
    if target_days is not None:
        unit = "working day" if target_days == 1 else "working days"
        when, left = f"later than {target_days} {unit} after payment", f"left later than {target_days} {unit}"
    else:
        when = left = "late (held past the normal processing time, or too late for the usual delivery leg)"
    label = f"{'In-stock orders' if in_stock else 'Orders'} dispatched {when}"
    signal = _lower_is_better(facts, facts["dispatched_late"], base, tp, "late_dispatch", label, ctx, start, end, what="dispatched late")
    if signal is not None:
        if target_days is not None:
            signal.basis, signal.basis_note = TargetBasis.SETTINGS, f"settings: orders.dispatch_target_business_days = {target_days}"
        signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,}{in_stock} orders ({pct(signal.value, 1)}) {left}; "
                                        f"median {_working_days(days[base].median())} from payment to dispatch.", n=signal.n))
    return _finish(signal)


def _stock(facts, tp, ctx, start, end, survey):
    if "backordered" not in facts:
        return None
    flag, base = stockout_counts(facts)
    signal = _lower_is_better(facts, flag, base, tp, "stockout", "Orders hit by a stock-out or backorder", ctx, start, end,
                              what="backordered", cancellable=True, effect_base=facts["backordered"].notna())
    if signal is None:
        return None
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} orders not cancelled ({pct(signal.value, 1)}) were backordered; target {pct(signal.target)}.", n=signal.n))
    if "item" in facts:
        stocked = facts.loc[base, ["item", "backordered"]]
        by_item = stocked.groupby("item", observed=True)["backordered"].agg(["size", "mean"]).sort_values("size", ascending=False)
        top = by_item[by_item["mean"] > signal.target].sort_values("mean", ascending=False).head(ctx.settings.orders.top_backorder_items)
        rest = stocked[~stocked["item"].isin(top.index)]
        for item, row in top.iterrows():
            share = row["size"] / max(1, base.sum())
            signal.evidence.append(Evidence(f"{item}: {pct(row['mean'])} backordered (n={int(row['size']):,}; {pct(share)} of all orders).", kind="breakdown", n=int(row["size"])))
        if len(top) and len(rest):
            signal.evidence.append(Evidence(f"All other items: {pct(rest['backordered'].fillna(False).astype(bool).mean(), 1)} backordered (n={len(rest):,}).", kind="breakdown", n=len(rest)))
    return _finish(signal)


def _returns(facts, tp, ctx, start, end, survey):
    if "returned" not in facts:
        return None
    returned, base = return_counts(facts)
    # Orders still inside the return window may yet come back: counting them would understate the rate.
    window_passed = facts["ordered_at"] <= end - pd.Timedelta(days=ctx.settings.orders.return_window_days)
    if int((base & window_passed).sum()) >= ctx.settings.scoring.min_evidence_n:
        base = base & window_passed
    # Causes before symptoms: a parcel that arrived late and came back was sent back for being late; those returns
    # belong to what made it late. The return rate is judged on the orders delivered on time.
    late = (facts["late"] & facts["assessable"]).to_numpy(dtype=bool) if "delivered_at" in facts else None
    on_time_base = base & ~late if late is not None else base
    restricted = late is not None and bool((base & late).any()) and int(on_time_base.sum()) >= ctx.settings.scoring.min_evidence_n
    label = "Orders delivered on time that were returned" if restricted else "Delivered orders returned"
    signal = _lower_is_better(facts, returned, on_time_base if restricted else base, tp, "returns", label, ctx, start, end, what="returned")
    if signal is None:
        return None
    # Every customer who receives an order meets this touchpoint's outcome; the return rate is the severity, not the reach.
    signal.reach = 1.0
    which = "orders delivered on time" if restricted else "delivered orders"
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} {which} ({pct(signal.value, 1)}) came back; target at most {pct(signal.target)}.", n=signal.n))
    if restricted:
        late_returns = int((returned & base & late).sum())
        late_n = int((base & late).sum())
        signal.evidence.append(Evidence(f"Late orders: {late_returns:,} of {late_n:,} ({pct(late_returns / late_n, 1)}) came back; these returns are left out here: "
                                        "they count against what made the parcels late.", kind="breakdown", n=late_n))
    if "return_reason" in facts:
        reasons = facts.loc[base & returned, "return_reason"].fillna("(no reason given)").value_counts()
        total = reasons.sum()
        for reason, count in reasons.head(ctx.settings.orders.top_reasons).items():
            signal.evidence.append(Evidence(f"{reason}: {count} returns ({pct(count / total)}).", kind="breakdown", n=int(count)))
    return _finish(signal)


def _repeat(facts, tp, ctx, start, end, survey):
    if "customer_id" not in facts:
        return None
    window = pd.Timedelta(days=ctx.settings.orders.repeat_window_days)
    # Only customers whose first order leaves a full window before the data ends can be judged.
    judged = facts["came_back"].notna()
    if not judged.any():
        return None
    came_back = facts["came_back"].fillna(False).astype(bool)
    first_dates = facts.loc[judged, "ordered_at"]
    hits, n = int(came_back[judged].sum()), int(judged.sum())
    whole = (hits, n)
    choice = resolve_target("repeat", tp, None, ctx)
    verdict = Judged(choice.value, choice.note)
    if choice.value is None:
        # Not judged on its own history: within one export, customers who buy often show up first, so later "first
        # orders" come from rarer buyers and the repeat rate of recent cohorts falls even when nothing changed.
        verdict = Judged(hits / n, "not judged: no repeat target in the journey, settings or benchmarks, and repeat rates of "
                                    "first-time customers drift within an export (frequent buyers show up first)", measured_only=True)
    signal = proportion_signal(touchpoint=tp.id, metric="repeat", label=f"Customers who ordered again within {window.days} days",
                               source="orders", hits=hits, n=n, higher_is_better=True, settings=ctx.settings,
                               target=verdict.target, reach=1.0, basis=choice.basis, basis_note=verdict.note,
                               judged=not verdict.measured_only)
    if verdict.baseline is not None and not verdict.baseline.worse:
        signal.severity = 0.0
    # Each customer short of the target is a second order that did not happen.
    shortfall = max(0.0, signal.target - signal.shrunk_value) * ctx.per_month(n, first_dates.min(), first_dates.max()) if signal.severity > 0 else 0.0
    signal.money_at_stake = ctx.money(shortfall)
    signal.extra_purchases_per_month = shortfall
    signal.money_basis = (f"first-time customers per month × the shortfall against the {pct(signal.target)} repeat target: "
                          "each is a second order that did not happen")
    signal.evidence.append(Evidence(f"{whole[0]:,} of {whole[1]:,} customers ({pct(whole[0] / whole[1])}) came back within {window.days} days"
                                    + (f"; target {pct(signal.target)} ({signal.basis_note})." if verdict.baseline is None else "."), n=whole[1]))
    if verdict.baseline is not None:
        signal.detail["baseline"] = verdict.baseline.to_dict()
        signal.evidence.append(Evidence(baseline_sentence(verdict.baseline, "came back", higher_is_better=True), n=n))
    return signal


def _cancellations(facts, tp, ctx, start, end, survey):
    if "status" not in facts and "cancel_reason" not in facts:
        return None
    cancelled = facts["cancelled"]
    if "cancel_reason" in facts:
        cancelled = cancelled | facts["cancel_reason"].notna()
    # Causes before symptoms: customers who cancel a backordered order cancel because of the stock-out, and the stock
    # signal already counts those cancellations in what backorders cost; this one judges the in-stock orders.
    base = ~backordered(facts)
    in_stock = "backordered" in facts and bool(backordered(facts).any())
    label = "In-stock orders cancelled" if in_stock else "Orders cancelled"
    signal = _lower_is_better(facts, cancelled, base, tp, "cancellation", label, ctx, start, end, what="cancelled")
    if signal is None:
        return None
    which = "in-stock orders" if in_stock else "orders"
    signal.evidence.append(Evidence(f"{signal.detail['hits']:,} of {signal.n:,} {which} ({pct(signal.value, 1)}) were cancelled; target at most {pct(signal.target)}.", n=signal.n))
    if "cancel_reason" in facts and cancelled.any():
        reasons = facts.loc[cancelled, "cancel_reason"].astype("string").fillna("(no reason given)").value_counts()
        total = reasons.sum()
        for reason, count in reasons.head(ctx.settings.orders.top_reasons).items():
            signal.evidence.append(Evidence(f"{reason}: {count} cancellations ({pct(count / total)}).", kind="breakdown", n=int(count)))
    if "backordered" in facts:
        flag = facts["backordered"].fillna(False).astype(bool)
        known = facts["backordered"].notna()
        for name, part in (("backordered", known & flag), ("in stock", known & ~flag)):
            if part.any():
                credit = " (credited to stock)" if name == "backordered" and in_stock else ""
                signal.evidence.append(Evidence(f"{name.capitalize()} orders: {pct(cancelled[part].mean(), 1)} cancelled (n={int(part.sum()):,}){credit}.",
                                                kind="breakdown", n=int(part.sum())))
    return _finish(signal)
