"""Deterministic generator for the bundled "Juniper & Lark" samples: six months of data, and the two months after."""

from __future__ import annotations

import argparse
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# UK bank holidays the business closes on (it delivers on Good Friday and Easter Monday); none fall in Oct-Nov 2026.
BANK_HOLIDAYS = {date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)}
SALE_PRICE = 0.8


class Season(NamedTuple):  # a NamedTuple, not a dataclass: tests load this file without registering it as a module
    """One export of the business: its dates, its sale, where its numbering starts and what changed in it."""

    folder: str
    seed: int
    first_day: date
    last_day: date
    stamp: datetime  # workbook and zip timestamps, so reruns give identical bytes
    sale_start: date
    sale_end: date
    backlog_peak: date
    backlog_cleared: date
    late_feedback_until: date | None  # complaints about the late sale orders keep coming in until about here
    base_orders: float  # orders on a baseline day
    trend: tuple[float, float]
    customers: int
    first_order: int  # the JL-, C-, R- and S- numbers of a later export carry on after the earlier one
    first_customer: int
    first_response: int
    first_session: int
    customer_topics: tuple[float, ...]  # feedback topic mix, in the order of CUSTOMER and STAFF
    staff_topics: tuple[float, ...]
    campaigns: tuple[tuple, ...]
    seasonal: tuple[tuple[date, date, float], ...] = ()  # (first day, last day, demand factor)
    mobile_fixed_on: date | None = None  # fix 1: the phone-first checkout is live from this day
    jam_rate: float = 0.42  # how hard the sale backlog delays dispatch (chance of each of up to 3 days' delay)
    slips_after: date | None = None  # data-entry slips go on orders placed after this day (default backlog_cleared)
    stock_system_on: date | None = None  # fix 2: one stock system from this day (stock-outs go on regardless)

    @property
    def cutoff(self) -> datetime:  # the moment the exports were taken
        return datetime.combine(self.last_day, time(23, 59, 59))


ORIGINAL = Season(
    folder="juniper-lark", seed=20260401, first_day=date(2026, 4, 1), last_day=date(2026, 9, 30),
    stamp=datetime(2026, 10, 1, 9, 0, 0), sale_start=date(2026, 7, 3), sale_end=date(2026, 7, 12),
    backlog_peak=date(2026, 7, 14), backlog_cleared=date(2026, 7, 24), late_feedback_until=date(2026, 8, 4),
    base_orders=25, trend=(0.92, 1.08), customers=2600, first_order=100001, first_customer=1, first_response=1,
    first_session=1, customer_topics=(0.18, 0.16, 0.12, 0.36, 0.15, 0.03), staff_topics=(0.30, 0.25, 0.15, 0.30),
    campaigns=(("Summer Sale", "2026-07-03", "2026-07-12", "Email + Instagram", "120%", 1500, "Completed"),
               ("Autumn Launch", "2026-10-12", "2026-11-08", "Instagram + Email", "60%", 4000, "Planned")))
# Two months later. The Autumn Launch was put off after the first audit; one stock system went live on 12 October
# but the best sellers still run out as often (fix 2 does not work); the phone-first checkout went live on
# 26 October (fix 1 works); a short Black Friday sale closed November with a small packing jam (weak spot 2 left
# alone, but the sale is short). The exports were taken on 30 November, before the planned Christmas Gifts campaign.
AFTER = Season(
    folder="juniper-lark-after", seed=20261001, first_day=date(2026, 10, 1), last_day=date(2026, 11, 30),
    stamp=datetime(2026, 12, 1, 9, 0, 0), sale_start=date(2026, 11, 27), sale_end=date(2026, 11, 30),
    backlog_peak=date(2026, 11, 30), backlog_cleared=date(2026, 12, 10), late_feedback_until=None,
    base_orders=26, trend=(1.0, 1.02), customers=1100, first_order=105001, first_customer=2601, first_response=1001,
    first_session=100001, customer_topics=(0.18, 0.08, 0.05, 0.50, 0.16, 0.03), staff_topics=(0.30, 0.10, 0.05, 0.55),
    campaigns=(("Black Friday", "2026-11-27", "2026-11-30", "Email + Instagram", "120%", 800, "Completed"),
               ("Christmas Gifts", "2026-12-14", "2026-12-23", "Instagram + Email", "50%", 3000, "Planned")),
    seasonal=((date(2026, 11, 16), date(2026, 11, 30), 1.3),),
    mobile_fixed_on=date(2026, 10, 26), stock_system_on=date(2026, 10, 12), jam_rate=0.12,
    slips_after=date(2026, 11, 1))
FIRST_AUDIT_ON = date(2026, 10, 1)  # the day the first audit was run, as its snapshot in the after sample says

# name, list price (GBP), share of orders, clothing (clothing is what gets "Wrong size" returns)
PRODUCTS = [
    ("Linen Shirt", 45.00, 0.16, True), ("Merino Jumper", 65.00, 0.14, True),
    ("Wide-Leg Trousers", 55.00, 0.08, True), ("Cotton Dress", 59.00, 0.08, True),
    ("Scented Candle", 19.50, 0.08, False), ("Canvas Tote", 22.00, 0.07, False),
    ("Ceramic Mug Set", 32.00, 0.07, False), ("Silk Scarf", 38.50, 0.06, True),
    ("Knit Beanie", 19.00, 0.05, True), ("Wool Throw", 85.00, 0.05, False),
    ("Denim Jacket", 89.00, 0.05, True), ("Linen Napkins (4)", 24.00, 0.04, False),
    ("Leather Belt", 35.00, 0.04, True), ("Gift Box", 42.00, 0.03, False),
]
BEST_SELLERS = ("Linen Shirt", "Merino Jumper")
GARMENTS = [p[0].lower() for p in PRODUCTS if p[3]]
STEPS = ["home", "product", "basket", "checkout", "payment", "confirmation"]
# Continuation rate from each step to the next. Weak spot 3: the payment page is broken on small
# screens, so mobile loses customers at checkout -> payment; every other step is device-neutral.
FUNNEL = {"mobile": [0.71, 0.44, 0.69, 0.55, 0.93], "desktop": [0.69, 0.46, 0.71, 0.90, 0.94]}
# Fix 1: from AFTER.mobile_fixed_on mobile goes on from checkout to payment like desktop does.
MOBILE_FIXED = [0.71, 0.44, 0.69, 0.90, 0.93]
SESSION_SHARE = {"mobile": 0.62, "desktop": 0.38}
CHANNEL_SHARE = {"Web": 0.75, "Phone": 0.10, "Instagram": 0.15}
HOUR_WEIGHTS = np.array([0] * 6 + [1, 2, 3, 4, 5, 5, 6, 6, 5, 5, 5, 5, 6, 8, 9, 8, 5, 2], dtype=float)

# Rating distributions over 1..5. Healthy touchpoints have a top-2-box of about 87%.
HAPPY = [0.02, 0.03, 0.08, 0.32, 0.55]
LATE = [0.30, 0.35, 0.22, 0.09, 0.04]
FIDDLY = [0.06, 0.12, 0.22, 0.30, 0.30]
RETURN_REASONS = {  # clothing? -> reasons, probabilities
    True: (["Wrong size", "Changed mind", "Not as described", "Damaged in transit"], [0.75, 0.13, 0.08, 0.04]),
    False: (["Changed mind", "Damaged in transit", "Not as described"], [0.45, 0.35, 0.20])}

FIRST_NAMES = ["Anna", "Tom", "Priya", "James", "Sophie", "Mark", "Helen", "Raj", "Claire", "Ollie", "Fiona"]
SIZES = ["S", "M", "L", "XL", "10", "12", "14"]
COLOURS = ["sage", "navy", "oatmeal", "rust", "charcoal", "ecru"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# Openers and closers by mood, so the same complaint is not word-for-word identical every time.
FRAMES = {"good": (["", "", "", "Lovely shop! ", "Second order from you. ", "Bought as a gift. "],
                   ["", "", "", " Thank you!", " 5 stars.", " Will definitely order again."]),
          "bad": (["", "", "", "Disappointed. ", "Not happy. ", "Usually love this shop but... "],
                  ["", "", "", " Please sort this out.", " Won't be ordering until this is fixed.",
                   " Really frustrating."]),
          "neutral": (["", "", "Hello, quick question. ", "Hi there. "], ["", "", " Thanks.", " Cheers."])}
# Personal details, so the redaction step has something real to remove.
CONTACTS = [" You can reach me on {phone}.", " My email is {email} if you need it.",
            " Please call me back on {phone}.", " Best to use {email}, not the address on the order."]
# Customer reviews and e-mails. The negative topics sit on the three planted weak spots;
# the healthy touchpoints get praise, neutral questions and only the odd grumble.
CUSTOMER = {
    "stock": [
        "Ordered the {best}, site said in stock, then an email two days later saying it's on backorder.",
        "Third time the {best} has been sold out in my size. Please restock!",
        "Why does the site say \"in stock\" when it's actually out of stock? Waited {n} extra days for my {best}.",
        "Lovely shop, but the {best} in {colour} is always out of stock online.",
        "My {best} went on backorder after I'd paid. Would have been nice to know before ordering.",
        "Sold out again?! I've been trying to get the {best} for weeks.",
        "Came into the shop for a {best} the site showed as available, none on the shelf. Wasted trip."],
    "late": [
        "Ordered on {day}, promised delivery in 2 days, it took {m}. Courier tracking said nothing for days.",
        "My order still hasn't arrived after {m} days. Is there a problem with delivery?",
        "Late delivery - needed it for a birthday and it arrived the day after.",
        "Bought in the summer sale, parcel arrived {n} days late. Great prices, but the delivery was a let-down.",
        "Where is my parcel? Ordered {m} days ago and it hasn't arrived, no word from the courier.",
        "Delivery was late again, second order in a row. The van driver was lovely, to be fair.",
        "Promised by {day}, turned up {n} days later. Not the end of the world but late is late."],
    "checkout": [
        "Tried to pay on my phone three times, the payment page just froze. Ended up giving up.",
        "Card declined on my phone but worked fine on the laptop. Something wrong with your checkout?",
        "The payment page doesn't fit on my phone screen, the Pay button is hidden under the cookie banner.",
        "Couldn't complete checkout on my phone, had to ring up to place the order.",
        "Mobile checkout is broken - keeps bouncing back to the start when I hit pay.",
        "Gave up at the payment step on my phone, \"something went wrong\" every time."],
    "happy": [
        "Beautiful {item}, lovely quality and the packaging was gorgeous.",
        "Quick delivery and a handwritten note in the box. Will be back!",
        "Really helpful customer service when I needed to swap a size.",
        "Great little shop, the {item} is even nicer in person.", "Arrived next day, wrapped in tissue, perfect gift.",
        "Easy return, refund came through within a couple of days.",
        "Size guide was spot on, the {garment} fits perfectly.",
        "Lovely, friendly service in the shop and online. The {item} is gorgeous.",
        "Really easy website to browse, found exactly what I wanted in a couple of minutes."],
    "neutral": [
        "Do you have the {item} in other colours?", "Can I change the delivery address on my order?",
        "Returned the {garment} as it was the wrong size, refund took a few days but fine.",
        "Would love a size guide with measurements in cm as well as inches.",
        "Is the {garment} machine washable? Couldn't see it on the product page.",
        "Do you do gift wrapping? Looking at the {item} for my sister."],
    "grumble": [
        "Packaging was a bit excessive for one small item.",
        "Waited a while on the phone to get through to customer service.",
        "The {garment} was a bit smaller than the size guide suggested, had to swap it."],
}
STAFF = {  # front-line notes: (channel, text)
    "stock": [
        ("Shop floor", "{n} customers asked about the {best} again today, site said in stock but shelf empty."),
        ("Shop floor", "Site showing {best} in stock (size {size}), none in the stockroom. Counts not syncing?"),
        ("Phone", "Rang {n} customers to say their {best} orders are on backorder. Two cancelled."),
        ("Shop floor", "Stock check:\n- {best} {size}: 0 on shelf, site says {n}\n- {best2} {size}: 0 on shelf, "
                       "site says 2")],
    "late": [
        ("Packing bench", "Packing backlog still about {n}0 orders deep, sale orders going out late."),
        ("Phone", "Had {n} calls today asking where orders are. All sale orders, all late."),
        ("Packing bench", "Courier missed collection today, {n}0 parcels going out tomorrow instead."),
        ("Shop floor", "Van ran late again, {n} local drops carried over to tomorrow.")],
    "checkout": [
        ("Phone", "Customer rang to order because the payment page wouldn't load on her phone."),
        ("Phone", "{n} phone orders today from people who couldn't pay online on their mobile."),
        ("Instagram", "DM from a customer: checkout crashes on her phone at the card details step, "
                      "\"card declined\" each time.")],
    "happy": [
        ("Shop floor", "Lots of compliments on the new window display."),
        ("Shop floor", "Customer returned a {garment} (wrong size), exchanged for the next size up. Very happy."),
        ("Packing bench", "New recycled packaging arrived, customers like the tissue and stickers."),
        ("Shop floor", "Good Saturday, {n} people said they found us on Instagram."),
        ("Phone", "Customer rang to thank us for the quick delivery, said customer service was brilliant.")],
}
# After one stock system went live (fix 2): people notice the new system, and the best sellers still run out.
STOCK_AFTER = {
    False: [(None, "I know you've changed your stock system, but my {best} still went on backorder after I'd paid."),
            (None, "Site said in stock, then the {best} was on backorder for a week. Same as last time."),
            (None, "Still can't get the {best} in my size, sold out every time I look. Please restock!")],
    True: [("Shop floor", "One stock system now, counts match, but the {best} is sold out again: {n} customers asked."),
           ("Phone", "Rang {n} customers about {best} backorders. The new system shows the count, we still run out."),
           ("Packing bench", "{n} {best} orders waiting on backorder, the restock is not in yet.")],
}
SURVEY_TEXT = {
    "late": ["Took {m} days to arrive, longer than the 2 days promised.", "Delivery was late but the {item} is lovely.",
             "Arrived after I needed it, which was a shame.", "Had to chase my order, it was several days late."],
    "backorder": ["Wish I'd been told it was on backorder before I paid.", "Waited ages for the {item}, it was out of stock.",
                  "The site said in stock, then it was backordered for a week."],
    "checkout": ["The payment page was really fiddly on my phone.", "Checkout kept freezing on my phone.",
                 "Had to switch to my laptop to pay, the card page wouldn't load on my phone."],
    "meh": ["Fine, no complaints.", "All good, thanks.", "Would be nice to have more colours.",
            "Happy overall, nothing to add."],
    "happy": ["Love it, thank you!", "Beautiful packaging, felt like a gift.", "Great quality, will order again.",
              "Fast delivery and lovely quality.", "The {item} is perfect.", "Really pleased, exactly as described."],
}
ORDER_COLUMNS = ["Order ID", "Customer ID", "Ordered At", "Paid At", "Shipped At", "Delivered At", "Promised By",
                 "Status", "Channel", "Device", "Item", "Quantity", "Order Value (GBP)", "Backordered", "Returned",
                 "Return Reason"]
RATING_COLUMNS = ["Website - ease of browsing (1-5)", "Product information (1-5)", "Checkout (1-5)",
                  "Delivery on time (1-5)", "Packaging & quality (1-5)", "Customer service (1-5)"]
NPS_COLUMN = "How likely are you to recommend Juniper & Lark to a friend? (0-10)"
COMMENT_COLUMN = "Anything else you'd like to tell us?"


def is_workday(d: date) -> bool:
    return d.weekday() < 6 and d not in BANK_HOLIDAYS  # the van and courier run Mon-Sat


def add_workdays(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        n -= is_workday(d)
    return d


def promise_start(ordered: datetime) -> date:
    """Orders placed on a working day before 14:00 count from that day, all others from the next working day."""
    d = ordered.date()
    return d if is_workday(d) and ordered.time() < time(14) else add_workdays(d, 1)


def promised_by(ordered: datetime) -> date:
    return add_workdays(promise_start(ordered), 2)


def _pick(rng: np.random.Generator, options: list):
    return options[rng.integers(len(options))]


def _funnel(device: str, healthy: bool) -> list[float]:
    return FUNNEL["desktop" if healthy else device]


def _web_gain() -> float:
    """How many times more Web orders the same visitors place once mobile checkout works (fix 1)."""
    broken = sum(SESSION_SHARE[dev] * np.prod(FUNNEL[dev]) for dev in FUNNEL)
    fixed = SESSION_SHARE["mobile"] * np.prod(MOBILE_FIXED) + SESSION_SHARE["desktop"] * np.prod(FUNNEL["desktop"])
    return fixed / broken


def _fixed(season: Season, days) -> np.ndarray:
    """True for the days on which the mobile checkout works (never before the fix, never in the first season)."""
    return np.array([season.mobile_fixed_on is not None and d >= season.mobile_fixed_on for d in days], dtype=bool)


def _daily_volume(season: Season, with_fix: bool = True) -> tuple[list[date], np.ndarray]:
    """Expected orders a day; with_fix=False leaves out the extra mobile orders fix 1 brings (the visitors stay)."""
    days = list(pd.date_range(season.first_day, season.last_day).date)
    trend = np.linspace(*season.trend, len(days))
    weekday = np.array([1.15, 1.0, 0.98, 1.0, 0.92, 0.72, 1.20])[[d.weekday() for d in days]]  # Sat is quiet
    sale = np.array([2.5 if season.sale_start <= d <= season.sale_end else 1.0 for d in days])  # the sale spike
    volume = season.base_orders * trend * weekday * sale
    for first, last, factor in season.seasonal:
        volume = volume * np.array([factor if first <= d <= last else 1.0 for d in days])
    if with_fix and season.mobile_fixed_on is not None:
        web = CHANNEL_SHARE["Web"]
        volume = volume * np.where(_fixed(season, days), 1 - web + web * _web_gain(), 1.0)
    return days, volume


def _times_on(rng: np.random.Generator, days: list[date]) -> list[datetime]:
    """A time of day for each day; Sunday and Monday evenings get an extra after-work browsing peak."""
    evening = HOUR_WEIGHTS * np.where((np.arange(24) >= 19) & (np.arange(24) <= 22), 1.8, 1.0)
    normal_h = rng.choice(24, size=len(days), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    evening_h = rng.choice(24, size=len(days), p=evening / evening.sum())
    secs = rng.integers(0, 3600, size=len(days))
    return [datetime.combine(d, time(int(e if d.weekday() in (6, 0) else h))) + timedelta(seconds=int(s))
            for d, h, e, s in zip(days, normal_h, evening_h, secs)]


def _backlog(season: Season, d: date) -> float:
    """0..1: how far packing and the van are behind for an order placed on day d (weak spot 2)."""
    if d < season.sale_start or d > season.backlog_cleared:
        return 0.0
    if d <= season.backlog_peak:
        return min(1.0, 0.5 + 0.25 * (d - season.sale_start).days)  # the queue builds over the first sale days
    return 1.0 - (d - season.backlog_peak).days / 11  # then takes ten days to drain after the sale ends


def _orders(rng: np.random.Generator, healthy: bool, season: Season) -> pd.DataFrame:
    days, volume = _daily_volume(season)
    ordered = sorted(_times_on(rng, list(np.repeat(np.array(days, dtype=object), rng.poisson(volume)))))
    n = len(ordered)
    names, prices, shares, clothing = zip(*PRODUCTS)
    item = rng.choice(len(PRODUCTS), size=n, p=shares)
    qty = rng.choice([1, 2, 3], size=n, p=[0.80, 0.15, 0.05])
    # Web orders are the sessions that got through the funnel, so the device mix follows from it.
    conv = {dev: SESSION_SHARE[dev] * np.prod(_funnel(dev, healthy)) for dev in FUNNEL}
    mobile_share = conv["mobile"] / (conv["mobile"] + conv["desktop"])
    if season.mobile_fixed_on is None:
        channel = rng.choice(list(CHANNEL_SHARE), size=n, p=list(CHANNEL_SHARE.values()))
        mobile = rng.random(n) < mobile_share
    else:  # once mobile checkout works, the extra orders are all Web orders placed on phones
        fixed = _fixed(season, [t.date() for t in ordered])
        web = CHANNEL_SHARE["Web"]
        web_fixed = web * _web_gain() / (1 - web + web * _web_gain())
        fixed_conv = SESSION_SHARE["mobile"] * np.prod(MOBILE_FIXED)
        mobile_fixed = fixed_conv / (fixed_conv + conv["desktop"])
        u, p_web = rng.random(n), np.where(fixed, web_fixed, web)
        phone = CHANNEL_SHARE["Phone"] / (1 - web)
        channel = np.where(u < p_web, "Web", np.where((u - p_web) / (1 - p_web) < phone, "Phone", "Instagram"))
        mobile = rng.random(n) < np.where(fixed, mobile_fixed, mobile_share)
    # Weak spot 1: online stock of the two best sellers is not synced with the shop floor.
    best = np.isin(np.array(names)[item], BEST_SELLERS)
    backordered = rng.random(n) < np.where(best & (not healthy), 0.22, 0.015)
    cancelled = rng.random(n) < np.where(backordered, 0.08, 0.018)  # customers left waiting cancel more
    paid = ~cancelled | (rng.random(n) < 0.5)
    pay_secs = np.clip(rng.lognormal(np.log(45), 0.9, n), 5, 900).astype(int)
    ship_mins = rng.integers(15 * 60, 17 * 60 + 30, n)  # courier collection / van loading window
    drop_days = rng.choice([1, 2, 3, 4], size=n, p=[0.62, 0.34, 0.03, 0.01])  # ~4% late in a normal week
    backorder_wait = np.where(backordered, rng.integers(3, 7, n), 0)
    # Weak spot 2: during and after the sale the packing bench and the van fall up to 3 working days behind.
    jam = rng.binomial(3, season.jam_rate * np.array([0.0 if healthy else _backlog(season, t.date()) for t in ordered]))
    drop_secs = rng.integers((8 * 60 + 30) * 60, 19 * 60 * 60, n)
    return_u, late_return_u, reason_u = rng.random(n), rng.random(n), rng.random(n)

    rows = []
    for i, t in enumerate(ordered):
        on_sale = season.sale_start <= t.date() <= season.sale_end
        q, price = int(qty[i]), prices[item[i]] * (SALE_PRICE if on_sale else 1.0)
        while prices[item[i]] * q > 180:  # nobody buys three wool throws
            q -= 1
        start = promise_start(t)
        row = dict.fromkeys(ORDER_COLUMNS)
        row.update({"Ordered At": t, "Promised By": add_workdays(start, 2), "Channel": channel[i],
                    "Device": ("Mobile" if mobile[i] else "Desktop") if channel[i] == "Web" else None,
                    "Item": names[item[i]], "Quantity": q, "Order Value (GBP)": round(price * q, 2),
                    "Backordered": "Yes" if backordered[i] else "No", "Returned": "No",
                    "Paid At": t + timedelta(seconds=int(pay_secs[i])) if paid[i] else None})
        rows.append(row)
        if cancelled[i]:
            row["Status"] = "Cancelled"
            continue
        dispatch = add_workdays(start, int(backorder_wait[i] + jam[i]))
        shipped = datetime.combine(dispatch, time()) + timedelta(minutes=int(ship_mins[i]))
        delivered = datetime.combine(add_workdays(dispatch, int(drop_days[i])), time()) \
            + timedelta(seconds=int(drop_secs[i]))
        if delivered > season.cutoff:  # still on its way (or, for the last backorders, still awaiting stock)
            row.update({"Status": "In transit", "Shipped At": shipped if shipped <= season.cutoff else None})
            continue
        row.update({"Status": "Delivered", "Shipped At": shipped, "Delivered At": delivered})
        if delivered.date() > row["Promised By"] and late_return_u[i] < 0.06:
            row.update({"Returned": "Yes", "Return Reason": "Arrived too late"})
        elif return_u[i] < (0.065 if clothing[item[i]] else 0.03):
            reasons, p = RETURN_REASONS[clothing[item[i]]]
            reason = reasons[min(int(np.searchsorted(np.cumsum(p), reason_u[i])), len(reasons) - 1)]
            row.update({"Returned": "Yes", "Return Reason": reason})

    df = pd.DataFrame(rows, columns=ORDER_COLUMNS)
    df["Order ID"] = [f"JL-{season.first_order + i}" for i in range(n)]
    df["Customer ID"] = _customers(rng, n, season.customers, first=season.first_customer)
    return df


def _customers(rng: np.random.Generator, n: int, customers: int = 2600, repeat_share: float = 0.30, *,
               first: int = 1) -> list[str]:
    """About 30% of customers order again; loyalty is skewed, so a few regulars place many orders."""
    repeaters = round(customers * repeat_share)
    counts = np.ones(customers, dtype=int)
    weights = rng.gamma(1.5, size=repeaters)
    counts[:repeaters] = 2 + rng.multinomial(n - customers - repeaters, weights / weights.sum())
    owner = rng.permutation(np.repeat(np.arange(customers), counts))
    number = {c: k + first for k, c in enumerate(dict.fromkeys(owner.tolist()))}  # numbered by first order
    return [f"C-{number[c]:04d}" for c in owner]


def _sessions(rng: np.random.Generator, orders: pd.DataFrame, healthy: bool, season: Season) -> pd.DataFrame:
    """Every Web order is a session that reached confirmation at its order time; the abandoned sessions are
    worked out backwards from those with the funnel rates, so the two files agree with each other."""
    days, volume = _daily_volume(season, with_fix=False)  # visitors come as before; fix 1 only converts more of them
    web = orders[orders["Channel"] == "Web"]
    fixed_days = _fixed(season, days)
    segments = []  # (device, which days, funnel): mobile splits at the fix
    for dev in FUNNEL:
        if dev == "mobile" and fixed_days.any() and not healthy:
            segments += [(dev, ~fixed_days, FUNNEL[dev]), (dev, fixed_days, MOBILE_FIXED)]
        else:
            segments.append((dev, np.ones(len(days), dtype=bool), _funnel(dev, healthy)))
    last, end, device = [], [], []
    for dev, on, funnel in segments:
        in_segment = np.isin(web["Ordered At"].dt.date.to_numpy(), np.array(days, dtype=object)[on])
        confirmed = list(web.loc[(web["Device"] == dev.title()).to_numpy() & in_segment, "Ordered At"])
        reached = [len(confirmed)]  # sessions reaching each step, filled in from the last step backwards
        for p in reversed(funnel):
            reached.insert(0, reached[0] + int(rng.negative_binomial(reached[0], p)))
        stops = [reached[k] - reached[k + 1] for k in range(5)]
        weight = np.where(on, volume, 0.0)
        abandon_days = [days[k] for k in rng.choice(len(days), size=sum(stops), p=weight / weight.sum())]
        last += list(np.repeat(np.arange(5), stops)) + [5] * len(confirmed)
        end += _times_on(rng, abandon_days) + confirmed
        device += [dev] * reached[0]
    last, device = np.array(last), np.array(device)
    end = pd.to_datetime(pd.Series(end)).to_numpy().astype("datetime64[s]")
    gaps = np.clip(rng.lognormal(np.log([40, 75, 35, 60, 25]), 0.8, size=(len(last), 5)), 3, 1200).astype(int)
    elapsed = np.hstack([np.zeros((len(last), 1), dtype=int), np.cumsum(gaps, axis=1)])  # seconds since home
    start = end - elapsed[np.arange(len(last)), last].astype("timedelta64[s]")
    by_start = np.argsort(start, kind="stable")
    parts = []
    for k, step in enumerate(STEPS):
        rank = np.nonzero(last[by_start] >= k)[0]
        idx = by_start[rank]
        parts.append(pd.DataFrame({"rank": rank, "k": k, "step": step, "device": device[idx],
                                   "ts": start[idx] + elapsed[idx, k].astype("timedelta64[s]")}))
    rows = pd.concat(parts).sort_values(["rank", "k"], kind="stable")
    return pd.DataFrame({"session_id": [f"S{r + season.first_session:06d}" for r in rows["rank"]],
                         "step": rows["step"].to_numpy(),
                         "timestamp": rows["ts"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
                         "device": rows["device"].to_numpy()})


def _fill(rng: np.random.Generator, template: str, item: str | None = None) -> str:
    best = list(rng.permutation([b.lower() for b in BEST_SELLERS]))
    return template.format(best=best[0], best2=best[1], n=int(rng.integers(2, 6)), m=int(rng.integers(4, 9)),
                           garment=_pick(rng, GARMENTS), size=_pick(rng, SIZES), colour=_pick(rng, COLOURS),
                           day=_pick(rng, WEEKDAYS), item=(item or _pick(rng, PRODUCTS)[0]).lower())


def _contact(rng: np.random.Generator) -> str:
    email = f"{_pick(rng, FIRST_NAMES).lower()}.{_pick(rng, list('bhkmstw'))}@example.com"
    return _pick(rng, CONTACTS).format(phone=f"07700 900{rng.integers(1000):03d}", email=email)


def _survey(rng: np.random.Generator, orders: pd.DataFrame, healthy: bool, season: Season) -> pd.DataFrame:
    delivered = orders[orders["Status"] == "Delivered"]
    picked = delivered[rng.random(len(delivered)) < 0.175].copy()
    wait = pd.to_timedelta(rng.uniform(6, 24 * 5, len(picked)), unit="h").round("s")
    picked["Submitted"] = picked["Delivered At"] + wait
    picked = picked[picked["Submitted"] <= season.cutoff].sort_values("Submitted", kind="stable")
    n = len(picked)
    late = (picked["Delivered At"].dt.date > picked["Promised By"]).to_numpy()
    fiddly = (picked["Device"] == "Mobile").to_numpy() & (not healthy) \
        & ~_fixed(season, picked["Ordered At"].dt.date)

    def ratings(dist: np.ndarray) -> np.ndarray:  # one row of probabilities per respondent
        return 1 + (rng.random(n)[:, None] > np.cumsum(dist, axis=1)[:, :4]).sum(axis=1)

    happy = np.tile(HAPPY, (n, 1))
    grid = np.column_stack([ratings(happy), ratings(happy),
                            ratings(np.where(fiddly[:, None], FIDDLY, HAPPY)),  # weak spot 3 seen by customers
                            ratings(np.where(late[:, None], LATE, HAPPY)),  # weak spot 2 seen by customers
                            ratings(happy), ratings(happy)])
    contacted = rng.random(n) < 0.30  # most customers never needed to contact the shop
    # Recommending follows overall satisfaction with delivery counting double: a late parcel costs promoters.
    mood = (grid[:, :5].sum(axis=1) + grid[:, 3]) / 6
    nps = np.clip(np.round(2.4 * mood - 1.5 + rng.normal(0, 1.0, n)), 0, 10).astype(int)

    comments = []
    wants = rng.random(n) < np.where(grid[:, :5].min(axis=1) <= 2, 0.60, 0.30)  # unhappy people write more
    for i, (backordered, item) in enumerate(zip(picked["Backordered"], picked["Item"])):
        if grid[i, 3] <= 2:
            topic = "backorder" if backordered == "Yes" else "late"
        elif grid[i, 2] <= 2 and fiddly[i]:
            topic = "checkout"
        else:
            topic = "meh" if grid[i, :5].min() <= 3 else "happy"
        comments.append(_fill(rng, _pick(rng, SURVEY_TEXT[topic]), item) if wants[i] else None)
    for i in rng.choice(np.nonzero(wants)[0], size=6, replace=False):
        comments[i] += _contact(rng)

    out = pd.DataFrame({"Response ID": [f"R-{k + season.first_response:04d}" for k in range(n)],
                        "Submitted": picked["Submitted"].to_numpy(), "Order ID": picked["Order ID"].to_numpy()})
    for c, col in enumerate(RATING_COLUMNS):
        out[col] = pd.array(grid[:, c], dtype="Int64")
    out.loc[~contacted, "Customer service (1-5)"] = pd.NA
    out[NPS_COLUMN] = pd.array(nps, dtype="Int64")
    out[COMMENT_COLUMN] = comments
    return out


def _feedback(rng: np.random.Generator, healthy: bool, season: Season) -> pd.DataFrame:
    days, volume = _daily_volume(season)
    # Late-delivery complaints arrive in the weeks after the sale orders they are about.
    backlog_days = [d for d in days if season.late_feedback_until is not None
                    and season.sale_start + timedelta(days=3) <= d <= season.late_feedback_until]
    broken_days = [d for d, fixed in zip(days, _fixed(season, days)) if not fixed]
    checkout_fixed = season.mobile_fixed_on is not None and not healthy

    def when(topic: str) -> date:
        if topic == "late" and not healthy and backlog_days and rng.random() < 0.9:  # none: spread like the rest
            return _pick(rng, backlog_days)
        if topic == "checkout" and checkout_fixed and rng.random() < 0.95:  # a few still write about it later
            return _pick(rng, broken_days)
        return days[rng.choice(len(days), p=volume / volume.sum())]

    rows, topics = [], []
    customer_p = [0.03, 0.04, 0.02, 0.50, 0.37, 0.04] if healthy else list(season.customer_topics)
    for topic in rng.choice(list(CUSTOMER), size=450, p=customer_p):
        topics.append(topic)
        negative = topic in ("stock", "late", "checkout", "grumble")
        opener, closer = FRAMES["bad" if negative else "neutral" if topic == "neutral" else "good"]
        text = _pick(rng, opener) + _fill(rng, _pick(rng, CUSTOMER[topic])) + _pick(rng, closer)
        if topic != "neutral" and rng.random() < 0.6:  # questions come in by e-mail, not as reviews
            stars = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]) if negative else rng.choice([4, 5], p=[0.3, 0.7])
            rows.append((when(topic), "review", _pick(rng, ["Google", "Google", "Trustpilot"]), int(stars), text))
            continue
        if rng.random() < 0.08:
            text += _contact(rng)
        if rng.random() < 0.10:  # some e-mails keep their greeting and sign-off lines
            text = f"Hi,\n\n{text}\n\nThanks,\n{_pick(rng, FIRST_NAMES)}"
        rows.append((when(topic), "email", "Contact form" if rng.random() < 0.15 else "Email", None, text))
    staff_p = [0.04, 0.04, 0.02, 0.90] if healthy else list(season.staff_topics)
    for topic in rng.choice(list(STAFF), size=150, p=staff_p):
        topics.append(topic)
        channel, template = _pick(rng, STAFF[topic])
        day = when(topic)
        if topic == "late" and not healthy:  # staff notice the backlog while it lasts, not afterwards
            day = min(day, season.backlog_cleared + timedelta(days=2))
        if topic == "checkout" and checkout_fixed:  # nor do phone orders from stuck customers go on after the fix
            day = min(day, season.mobile_fixed_on - timedelta(days=1))
        rows.append((day, "staff", channel, None, _fill(rng, template)))
    if season.stock_system_on is not None and not healthy:  # fix 2: the new system is mentioned, the stock-outs go on
        for i, (topic, row) in enumerate(zip(topics, rows)):
            if topic == "stock" and row[0] >= season.stock_system_on and rng.random() < 0.4:
                channel, template = _pick(rng, STOCK_AFTER[row[1] == "staff"])
                rows[i] = (row[0], row[1], row[2] if row[1] != "staff" else channel, row[3], _fill(rng, template))
    df = pd.DataFrame(rows, columns=["Date", "Source", "Channel", "Rating", "Text"]).sort_values("Date", kind="stable")
    df["Date"] = [d.isoformat() for d in df["Date"]]
    df["Rating"] = df["Rating"].astype("Int64")
    return df


def _plant_order_problems(rng: np.random.Generator, df: pd.DataFrame, season: Season) -> pd.DataFrame:
    """Data-entry slips of the kind real exports have, put on ordinary rows so the planted effects are untouched."""
    ordinary = (df["Status"] == "Delivered") & (df["Backordered"] == "No") & (df["Returned"] == "No") \
        & (df["Delivered At"].dt.date <= df["Promised By"]) & (df["Ordered At"].dt.date > (season.slips_after or season.backlog_cleared))
    pick = rng.choice(np.nonzero(ordinary.to_numpy())[0], size=11, replace=False)
    duplicated, backwards, text_value, no_date = pick[:3], pick[3:5], pick[5:9], pick[9:]
    for i in backwards:  # delivery date typed as the day before dispatch
        shipped, delivered = df.at[i, "Shipped At"], df.at[i, "Delivered At"]
        df.at[i, "Delivered At"] = datetime.combine(shipped.date() - timedelta(days=1), delivered.time())
    df["Order Value (GBP)"] = df["Order Value (GBP)"].astype(object)
    for k, i in enumerate(text_value):
        df.at[i, "Order Value (GBP)"] = "n/a" if k == 3 else f"£{df.at[i, 'Order Value (GBP)']:.2f}"
    df["Ordered At"] = df["Ordered At"].astype(object)
    df.loc[no_date, "Ordered At"] = None
    copies = df.iloc[sorted(duplicated)]  # exported twice: each copy lands right after its original
    return pd.concat([df, copies]).sort_index(kind="stable").reset_index(drop=True)


def _plant_survey_problems(rng: np.random.Generator, df: pd.DataFrame) -> None:
    columns = [RATING_COLUMNS[0], RATING_COLUMNS[4], RATING_COLUMNS[1], NPS_COLUMN, NPS_COLUMN]
    for i, col, value in zip(rng.choice(len(df), size=5, replace=False), columns, [6, 0, 7, 11, 11]):
        df.at[i, col] = value


def _write_xlsx(path: Path, sheet: str, df: pd.DataFrame, formats: dict[str, str], stamp_at: datetime) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(df.columns))
    for values in df.itertuples(index=False):
        ws.append([None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))
                   else v.to_pydatetime() if isinstance(v, pd.Timestamp)
                   else int(v) if isinstance(v, np.integer) else v for v in values])
    for c, col in enumerate(df.columns, start=1):
        if col in formats:
            for (cell,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                if not isinstance(cell.value, str):  # leave the planted text values as text
                    cell.number_format = formats[col]
        ws.column_dimensions[get_column_letter(c)].width = min(max(len(col), 10) + 2, 60)
    ws.freeze_panes = "A2"
    wb.properties.creator = "fixfirst sample generator"
    wb.properties.created = stamp_at
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps "now" into docProps/core.xml and every zip entry: pin both
    stamp = stamp_at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=stamp_at.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def generate(outdir: Path, healthy: bool = False, *, data_problems: bool | None = None,
             season: Season = ORIGINAL) -> None:
    """Write the sample files into outdir. healthy=True plants none of the three weak spots;
    data_problems (default: not healthy) controls the planted data-entry slips."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(season.seed)
    orders = _orders(rng, healthy, season)
    sessions = _sessions(rng, orders, healthy, season)
    survey = _survey(rng, orders, healthy, season)
    feedback = _feedback(rng, healthy, season)
    if (not healthy) if data_problems is None else data_problems:
        orders = _plant_order_problems(rng, orders, season)
        _plant_survey_problems(rng, survey)
    stamp = "yyyy-mm-dd hh:mm:ss"
    _write_xlsx(outdir / "orders.xlsx", "Orders", orders,
                {"Ordered At": stamp, "Paid At": stamp, "Shipped At": stamp, "Delivered At": stamp,
                 "Promised By": "yyyy-mm-dd", "Order Value (GBP)": "0.00"}, season.stamp)
    _write_xlsx(outdir / "survey.xlsx", "Responses", survey, {"Submitted": stamp}, season.stamp)
    csv = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}
    feedback.to_csv(outdir / "feedback.csv", **csv)
    sessions.to_csv(outdir / "web_sessions.csv", **csv)
    pd.DataFrame(list(season.campaigns),
                 columns=["Campaign", "Start", "End", "Channel", "Expected uplift", "Spend (GBP)", "Status"],
                 ).to_csv(outdir / "campaigns.csv", **csv)


def generate_after(outdir: Path, *, first_audit: Path | None = None) -> None:
    """Write the same business two months later (1 Oct - 30 Nov 2026), after fix 2 (does not work) and fix 1 (works).

    first_audit, the folder of the first sample, also writes its audit snapshot to outdir/audits/2026-09-30.json, the
    baseline `fixfirst compare` needs. That needs fixfirst itself, and the snapshot holds the score JSON this version of
    fixfirst gives, so it is remade on purpose (`--snapshot`), not on every run.
    """
    generate(outdir, season=AFTER)
    if first_audit is not None:
        write_first_snapshot(first_audit, Path(outdir))


def write_first_snapshot(first_audit: Path, outdir: Path) -> Path:
    """The first audit's snapshot, as `fixfirst score` would have saved it on the day after the data ended."""
    from fixfirst.decision.outcome import make_decision
    from fixfirst.history.snapshot import AUDITS_DIR
    from fixfirst.pipeline import run_audit
    from fixfirst.report.snapshot import current_snapshot

    result = run_audit(Path(first_audit))
    # The audit was run on FIRST_AUDIT_ON: its schedule starts then, whatever today's date is.
    decision = make_decision(result.verdict, result.ranking, result.outlook, result.fix_plan, result.decision.as_of,
                             result.signals.context.calendar.weekmask.count("1"),
                             result.engagement.settings.fix_plan.medium_effort_days, FIRST_AUDIT_ON)
    payload = current_snapshot(replace(result, generated_on=FIRST_AUDIT_ON, decision=decision))
    path = outdir / AUDITS_DIR / f"{payload['as_of']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")  # as save_snapshot writes it
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outdir", nargs="?", type=Path,
                        help="default: juniper-lark (juniper-lark-healthy with --healthy, juniper-lark-after with "
                             "--after) next to this script")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--healthy", action="store_true", help="plant no weak spots and no data-entry slips")
    which.add_argument("--after", action="store_true",
                       help="the same business in the two months after, after two fixes (one works, one does not)")
    parser.add_argument("--snapshot", action="store_true",
                        help="with --after: also write the first audit's snapshot (audits/2026-09-30.json) from "
                             "juniper-lark next to this script; needs fixfirst installed")
    args = parser.parse_args(argv)
    if args.snapshot and not args.after:
        parser.error("--snapshot goes with --after")
    here = Path(__file__).resolve().parent
    if args.after:
        first_audit = here / ORIGINAL.folder if args.snapshot else None
        generate_after(args.outdir or here / AFTER.folder, first_audit=first_audit)
        return
    default = here / ("juniper-lark-healthy" if args.healthy else ORIGINAL.folder)
    generate(args.outdir or default, healthy=args.healthy)


if __name__ == "__main__":
    main()
