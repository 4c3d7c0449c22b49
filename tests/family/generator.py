"""Seeded generator of varied online-shop engagements with planted defects, red herrings and their ground truth."""

from __future__ import annotations

import argparse
import functools
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

DEFECT_KINDS = ("stockout", "slow_packing", "carrier", "mobile_checkout", "payment_incident", "returns", "product_page")
# Which journey role each defect starts at. `returns` is rooted at the returns touchpoint (the return rate and its
# reasons show there); the product page is left untouched by it so the root is unambiguous.
ROOT_ROLE = {"stockout": "stock", "slow_packing": "dispatch", "carrier": "delivery", "mobile_checkout": "checkout",
             "payment_incident": "payment", "returns": "returns", "product_page": "product"}
RED_HERRING_KINDS = ("rare_touchpoint", "segment_blip", "angry_comment")
HEALTHY_SHARE = 0.35  # family(): about a third healthy, as the brief asks (30-40%)
TWO_DEFECT_SHARE = 0.3  # of the defective businesses in a family
EVENTS_CAP = 40_000  # events written per business: keeps the audit fast; sessions are sampled to fit
MAX_ORDERS = 40_000  # orders in the history; large shops get a shorter history instead
MAX_SURVEY = 4_000
MAX_FEEDBACK = 2_500

WEB_ROLES = ("landing", "product", "basket", "checkout", "payment", "confirmation")
STEP_NAMES = ("landing -> product", "product -> basket", "basket -> checkout", "checkout -> payment", "payment -> confirmation")
DEVICES = ("desktop", "mobile", "tablet")
STAGE_SETS = (["discover", "consider", "buy", "receive", "after"], ["browse", "choose", "purchase", "fulfil", "aftercare"],
              ["find", "decide", "order", "deliver", "after-sale"])
ROLE_STAGE = {"landing": 0, "product": 1, "basket": 2, "checkout": 2, "payment": 2, "confirmation": 2, "fulfilment": 3,
              "stock": 3, "dispatch": 3, "delivery": 3, "unboxing": 3, "support": 4, "returns": 4, "repeat": 4}
# Touchpoint ids and names vary between businesses so nothing can key on an exact id.
ROLE_NAMES = {
    "landing": [("home", "Home page"), ("landing", "Landing page"), ("homepage", "Website home")],
    "product": [("product", "Product page"), ("product_page", "Product pages"), ("pdp", "Product detail page")],
    "basket": [("basket", "Basket"), ("cart", "Cart"), ("bag", "Shopping bag")],
    "checkout": [("checkout", "Checkout"), ("check_out", "Checkout form"), ("checkout_details", "Checkout details")],
    "payment": [("payment", "Payment"), ("pay", "Payment page"), ("card_payment", "Card payment")],
    "confirmation": [("confirmation", "Order confirmation"), ("order_placed", "Order placed"), ("thank_you", "Thank-you page")],
    "fulfilment": [("pick_pack", "Stock and picking"), ("fulfilment", "Fulfilment"), ("warehouse", "Warehouse")],
    "stock": [("stock", "Stock availability"), ("inventory", "Inventory")],
    "dispatch": [("packing", "Packing and dispatch"), ("dispatch", "Dispatch"), ("pick_and_pack", "Pick and pack")],
    "delivery": [("delivery", "Delivery"), ("shipping", "Shipping"), ("courier", "Courier delivery")],
    "unboxing": [("unboxing", "Packaging and product in hand"), ("packaging", "Packaging"), ("product_in_hand", "Product in hand")],
    "support": [("support", "Customer service"), ("customer_service", "Customer care"), ("help_desk", "Help desk")],
    "returns": [("returns", "Returns and refunds"), ("returns_refunds", "Returns"), ("refunds", "Refunds and exchanges")],
    "repeat": [("repeat", "Next purchase"), ("next_purchase", "Coming back"), ("loyalty", "Repeat custom")],
}
# The kind each role would carry once journey.yaml accepts `kind:` (written only when the schema does).
ROLE_KIND = {"landing": "landing", "product": "product", "basket": "basket", "checkout": "checkout", "payment": "payment",
             "confirmation": "confirmation", "fulfilment": "fulfilment", "stock": "fulfilment", "dispatch": "dispatch",
             "delivery": "delivery", "unboxing": "unboxing", "support": "support", "returns": "returns", "repeat": "repeat"}
# What a consultant would write as the client's sector (only when audit.yaml accepts `sector:`).
CATEGORY_SECTOR = {"fashion": "apparel", "homeware": "homeware", "beauty": "beauty", "outdoor": "apparel", "gifts": "other"}
ACTIVITIES = {
    "landing": ["home", "landing", "homepage", "page_view_home"], "product": ["product", "product_view", "view_item"],
    "basket": ["basket", "cart", "add_to_cart"], "checkout": ["checkout", "begin_checkout", "checkout_start"],
    "payment": ["payment", "add_payment_info", "payment_details"], "confirmation": ["confirmation", "purchase", "order_complete"],
}
# (always written, optional extras). Feedback templates below rely on the always-written ones.
KEYWORDS = {
    "landing": (["website", "homepage"], ["home page", "navigation", "browsing", "site search", "menu"]),
    "product": (["product page", "photos", "description"], ["size guide", "sizing", "colour options", "product details"]),
    "basket": (["basket", "cart"], ["discount code", "promo code", "add to bag"]),
    "checkout": (["checkout", "check out"], ["address form", "on my phone", "mobile site", "postcode"]),
    "payment": (["payment", "card declined", "pay"], ["paypal", "apple pay", "charged", "card details"]),
    "confirmation": (["confirmation email", "order number"], ["confirmation", "receipt"]),
    "stock": (["out of stock", "sold out", "backorder"], ["back order", "restock", "in stock"]),
    "dispatch": (["dispatch", "packing"], ["dispatched", "warehouse", "packed"]),
    "delivery": (["delivery", "late", "courier", "tracking"], ["delivered", "arrived", "parcel", "driver"]),
    "unboxing": (["packaging", "quality"], ["wrapped", "tissue", "stitching"]),
    "support": (["customer service"], ["reply", "replied", "helpful staff", "phoned", "live agent"]),
    "returns": (["return", "refund"], ["returned", "exchange", "returns label"]),
    "repeat": (["order again"], ["come back", "regular customer", "loyal"]),
}
# A touchpoint few customers use: the red herring with a handful of bad ratings. (id, name, survey column, keywords, after role)
RARE_TOUCHPOINTS = [
    ("gift_wrap", "Gift wrapping", "Gift wrapping (1-5)", ["gift wrap", "gift wrapping", "gift message"], "basket"),
    ("click_collect", "Click and collect", "Click & collect (1-5)", ["click and collect", "collection point"], "confirmation"),
    ("live_chat", "Live chat", "Live chat (1-5)", ["live chat", "chat window", "chatbot"], "product"),
    ("gift_cards", "Gift cards", "Gift cards (1-5)", ["gift card", "gift voucher"], "payment"),
]
SURVEY_COLUMNS = {
    "landing": ["Website - ease of browsing (1-5)", "Website (1-5)", "Finding what you wanted (1-5)"],
    "product": ["Product information (1-5)", "Product descriptions (1-5)", "Product details (1-5)"],
    "checkout": ["Checkout (1-5)", "Ease of checkout (1-5)", "Checkout experience (1-5)"],
    "delivery": ["Delivery on time (1-5)", "Delivery (1-5)", "Delivery speed (1-5)"],
    "unboxing": ["Packaging & quality (1-5)", "Product quality (1-5)", "Packaging (1-5)"],
    "support": ["Customer service (1-5)", "Help from our team (1-5)", "Support (1-5)"],
}
COUNTRIES = {"GB": "GBP", "US": "USD", "BR": "BRL", "DE": "EUR"}
MONEY_SCALE = {"GBP": 1.0, "USD": 1.25, "BRL": 6.0, "EUR": 1.15}
CATEGORIES = {  # items, whether "wrong size" returns happen, normal return rate range
    "fashion": (["Linen Shirt", "Merino Jumper", "Wide-Leg Trousers", "Cotton Dress", "Denim Jacket", "Silk Scarf", "Knit Beanie",
                 "Leather Belt", "Rain Jacket", "Chino Shorts", "Wool Coat", "Striped Tee", "Cord Skirt", "Ankle Boots",
                 "Canvas Trainers", "Cashmere Socks", "Puffer Vest", "Oxford Shirt"], True, (0.05, 0.10)),
    "homeware": (["Scented Candle", "Ceramic Mug Set", "Wool Throw", "Linen Napkins", "Oak Serving Board", "Table Lamp",
                  "Cotton Cushion", "Glass Carafe", "Enamel Pan", "Jute Rug", "Bamboo Towels", "Stoneware Bowl", "Wall Clock",
                  "Plant Pot", "Bed Linen Set", "Tea Towel Pack"], False, (0.02, 0.05)),
    "beauty": (["Face Serum", "Night Cream", "Lip Balm Trio", "Body Oil", "Bath Salts", "Hair Mask", "Hand Cream", "Cleansing Balm",
                "Sheet Mask Pack", "Dry Shampoo", "Perfume Oil", "Shower Gel", "Eye Cream", "Sun Cream"], False, (0.015, 0.04)),
    "outdoor": (["Trail Shoes", "Waterproof Jacket", "Hiking Socks", "Day Pack", "Head Torch", "Water Bottle", "Camping Mug",
                 "Fleece Top", "Walking Poles", "Bivvy Bag", "Dry Bag", "Thermal Leggings", "Sun Hat", "Map Case"], True, (0.04, 0.08)),
    "gifts": (["Gift Box", "Notebook Set", "Jigsaw Puzzle", "Tea Sampler", "Card Game", "Photo Frame", "Chocolate Hamper",
               "Desk Plant", "Recipe Book", "Candle Set", "Socks Gift Set", "Bottle Opener"], False, (0.02, 0.05)),
}
NAME_A = ["Juniper", "Fern", "Harbour", "Maple", "Copper", "Willow", "Saffron", "Bramble", "Pebble", "Indigo", "Sorrel", "Cedar",
          "Marlow", "Thistle", "Hazel", "Quill", "Ember", "Lark", "Otter", "Heron"]
NAME_B = ["Finch", "Co.", "Goods", "Supply", "House", "Studio", "Trading", "& Sons", "Works", "Market", "Collective", "Store"]
OTHER_CHANNELS = [("Phone",), ("Instagram", "Phone"), ("Marketplace",), ("Etsy", "Phone"), ("Shop", "Phone"), ("Amazon",)]
SOURCES = ("organic", "paid_search", "email", "social", "direct")


# ---------------------------------------------------------------------------------------------------------------- specs

@dataclass
class DefectSpec:
    kind: str
    params: dict = field(default_factory=dict)


@dataclass
class RedHerringSpec:
    kind: str
    role: str
    params: dict = field(default_factory=dict)


@dataclass
class BusinessSpec:
    """Everything drawn for one business; make_business turns it into files deterministically."""

    seed: int
    name: str
    category: str
    country: str
    currency: str
    start: date
    end: date
    orders_per_day: float
    web_share: float
    other_channels: tuple
    weekday: list
    trend: float
    day_noise: float
    devices: dict
    mobile_drift: float
    device_delta: dict
    returning_start: float
    returning_drift: float
    returning_delta: list
    sources: dict
    funnel: list
    promise_days: int
    transit_days: int
    transit_tail: list
    monday_tail: float
    pack_next_day: float
    working_days: int
    cutoff: str | None
    public_holidays: bool
    own_holidays: list
    capacity_slack: float
    capacity_sheet: bool
    n_items: int
    best_sellers: int
    item_skew: float
    aov: float
    value_sigma: float
    backorder_rate: float
    cancel_rate: float
    return_rate: float
    repeat_gap_days: float
    survey_rate: float
    top2: dict
    survey_roles: list
    overall_question: bool
    support_share: float
    feedback_per_100: float
    staff_notes: float
    past_campaign: dict
    planned_campaign: dict
    combined_fulfilment: bool
    cancellations_on: str | None
    promised_column: bool
    cancel_reason_column: bool
    ids: dict
    names: dict
    activities: dict
    keywords: dict
    survey_headers: dict
    stages: list
    written_targets: dict
    headers: dict
    rare: dict | None
    defects: list
    red_herrings: list

    @property
    def healthy(self) -> bool:
        return not self.defects

    def role_id(self, role: str) -> str:
        if role in ("stock", "dispatch") and self.combined_fulfilment:
            return self.ids["fulfilment"]
        return self.ids[role]

    def to_dict(self) -> dict:
        return _jsonable(asdict(self))


@dataclass
class PlantedDefect:
    kind: str
    root: str  # touchpoint id of the root cause
    symptoms: list  # touchpoint ids where the defect shows downstream
    params: dict = field(default_factory=dict)


@dataclass
class RedHerring:
    kind: str
    touchpoint: str
    detail: str


@dataclass
class BusinessTruth:
    """The ground truth of a generated business: what was planted where, and what the generator measured."""

    seed: int
    folder: Path
    healthy: bool
    defects: list
    red_herrings: list
    params: dict
    measured: dict
    roles: dict  # role -> touchpoint id

    @property
    def kinds(self) -> list:
        return [d.kind for d in self.defects]

    @property
    def roots(self) -> list:
        return list(dict.fromkeys(d.root for d in self.defects))

    @property
    def symptoms(self) -> list:
        """Touchpoints that only show a defect downstream (a root of another planted defect is not a mere symptom)."""
        roots = set(self.roots)
        return list(dict.fromkeys(s for d in self.defects for s in d.symptoms if s not in roots))

    @property
    def herring_touchpoints(self) -> list:
        """Touchpoints carrying a red herring and nothing planted: they should never outrank a planted root."""
        planted = set(self.roots) | {s for d in self.defects for s in d.symptoms}
        return list(dict.fromkeys(h.touchpoint for h in self.red_herrings if h.touchpoint not in planted))

    def label(self) -> str:
        return "healthy" if self.healthy else "+".join(self.kinds)

    def to_dict(self) -> dict:
        return _jsonable({"seed": self.seed, "folder": str(self.folder), "healthy": self.healthy,
                          "defects": [asdict(d) for d in self.defects], "red_herrings": [asdict(h) for h in self.red_herrings],
                          "roles": self.roles, "measured": self.measured, "params": self.params})


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value


# ------------------------------------------------------------------------------------------------------------- drawing

def _u(rng, lo, hi) -> float:
    return float(rng.uniform(lo, hi))


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def draw_spec(seed: int, *, defects: tuple | list | None = None, healthy: bool | None = None) -> BusinessSpec:
    """A varied business. `defects` forces the planted kinds (empty: healthy); otherwise about a third are healthy."""
    rng = np.random.default_rng([int(seed), 1])
    country = _pick(rng, list(COUNTRIES))
    currency = COUNTRIES[country]
    category = _pick(rng, list(CATEGORIES))
    orders_per_day = float(np.exp(rng.uniform(np.log(15), np.log(400))))
    history = int(rng.integers(120, 241))
    history = max(91, min(history, int(MAX_ORDERS / orders_per_day)))
    end = date(2025, 4, 30) + timedelta(days=int(rng.integers(0, 540)))
    if end.month == 12:  # keep deliveries and the campaign inside the years whose holidays the audit loads
        end -= timedelta(days=40)
    start = end - timedelta(days=history - 1)

    # Which defects: forced, or drawn (healthy ~35%, else 1 or 2).
    combined = bool(rng.random() < 0.5)
    if defects is None:
        if healthy or (healthy is None and rng.random() < HEALTHY_SHARE):
            defects = ()
        else:
            defects = (_pick(rng, DEFECT_KINDS),)
            if rng.random() < TWO_DEFECT_SHARE:
                defects += (_pick(rng, [k for k in DEFECT_KINDS if k != defects[0]]),)
    defects = tuple(defects)
    if "stockout" in defects and "slow_packing" in defects:
        combined = False  # two defects must have two roots
    kinds = set(defects)

    # Funnel base rates (desktop, new visitors) from realistic ranges, and mild natural segment differences.
    funnel = [_u(rng, 0.35, 0.75), _u(rng, 0.08, 0.45), _u(rng, 0.35, 0.75), _u(rng, 0.55, 0.90), _u(rng, 0.80, 0.98)]
    device_delta = {"desktop": [0.0] * 5, "mobile": [_u(rng, -0.05, 0.03) for _ in range(5)],
                    "tablet": [_u(rng, -0.04, 0.03) for _ in range(5)]}
    returning_delta = [f * _u(rng, 0.5, 1.5) for f in (0.03, 0.03, 0.05, 0.03, 0.01)]
    mobile = _u(rng, 0.45, 0.70)
    tablet = _u(rng, 0.03, 0.12)
    devices = {"desktop": 1 - mobile - tablet, "mobile": mobile, "tablet": tablet}
    src = rng.dirichlet([4, 2, 1.5, 1.5, 2])
    weekday = np.array([1.08, 1.0, 1.0, 1.0, 0.92, 0.85, 1.1]) * rng.uniform(0.9, 1.1, 7)
    weekday = list(weekday / weekday.mean())

    # Promise, calendar and carrier: drawn so that the healthy process breaches its promise on ~0.5-4% of orders.
    working_days = 6 if rng.random() < 0.35 else 5
    cutoff_hour = None if rng.random() < 0.15 else int(rng.integers(11, 17))
    transit = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    slack_days = int(rng.choice([0, 1, 2], p=[0.25, 0.5, 0.25]))
    if cutoff_hour is None:
        slack_days = 2  # without a cutoff, afternoon orders leave the next day: the promise must allow for it
    promise = min(5, transit + slack_days)
    slack_days = promise - transit
    for _ in range(200):
        if slack_days == 0:
            pack_next, tail = _u(rng, 0.0, 0.012), [_u(rng, 0.005, 0.025), _u(rng, 0.0, 0.004), 0.0]
        elif slack_days == 1:
            pack_next, tail = _u(rng, 0.02, 0.45), [_u(rng, 0.02, 0.14), _u(rng, 0.003, 0.025), _u(rng, 0.0, 0.008)]
        else:
            pack_next, tail = _u(rng, 0.05, 0.6), [_u(rng, 0.05, 0.22), _u(rng, 0.01, 0.05), _u(rng, 0.002, 0.02)]
        if 0.005 <= _healthy_breach(slack_days, pack_next, tail) <= 0.03:
            break
    own_holidays: list = []
    public = bool(rng.random() < 0.8)
    if not public:  # the business lists its own closed days instead of the public calendar
        closure = start + timedelta(days=int(rng.integers(20, max(21, history - 20))))
        own_holidays = [closure + timedelta(days=k) for k in range(int(rng.integers(1, 4)))]

    # Campaigns: one in the history, one planned after the export ends.
    past_len = int(rng.integers(7, 15))
    past_start = start + timedelta(days=int(rng.integers(int(history * 0.3), int(history * 0.7))))
    past_uplift = _u(rng, 0.2, 1.0)
    slow_variant = None
    if "slow_packing" in kinds:
        slow_variant = "campaign" if rng.random() < 0.5 else "chronic"
        if slow_variant == "campaign":
            past_uplift = _u(rng, 1.5, 2.5)  # a big sale: the peak the packing bench could not carry
            past_len = int(rng.integers(10, 19))
    planned_start = end + timedelta(days=int(rng.integers(7, 36)))
    planned = {"name": _pick(rng, ["Autumn Launch", "Spring Push", "New Range Launch", "Summer Sale", "Loyalty Weeks", "Big Relaunch"]),
               "start": planned_start, "end": planned_start + timedelta(days=int(rng.integers(13, 29))),
               "uplift": round(_u(rng, 0.10, 0.80), 2), "channel": _pick(rng, ["Instagram + Email", "Paid search", "Email", "Social ads"]),
               "spend": int(rng.integers(5, 60)) * 100}
    past = {"name": _pick(rng, ["Summer Sale", "Winter Sale", "Spring Sale", "Mid-Season Sale", "Launch Week", "Black Friday"]),
            "start": past_start, "end": past_start + timedelta(days=past_len - 1), "actual_uplift": past_uplift,
            "stated_uplift": round(past_uplift * _u(rng, 0.8, 1.3) * 20) / 20, "channel": _pick(rng, ["Email", "Instagram", "Paid social"]),
            "spend": int(rng.integers(5, 40)) * 100}

    # Touchpoint naming, keywords and survey columns.
    ids, names = {}, {}
    for role, options in ROLE_NAMES.items():
        ids[role], names[role] = _pick(rng, options)
    activities = {r: _pick(rng, ACTIVITIES[r]) for r in WEB_ROLES}
    keywords = {}
    for role, (core, extra) in KEYWORDS.items():
        keywords[role] = core + [k for k in extra if rng.random() < 0.5]
    survey_roles = ["delivery"] + [r for r in ("landing", "product", "checkout", "unboxing", "support") if rng.random() < 0.8]
    survey_headers = {r: _pick(rng, SURVEY_COLUMNS[r]) for r in SURVEY_COLUMNS}
    if "mobile_checkout" in kinds and "checkout" not in survey_roles:
        survey_roles.append("checkout")
    cancellations_on = _pick(rng, ["confirmation", "stock", None])
    written_targets = {}
    if rng.random() < 0.35:  # a consultant sometimes writes one target they know from the client
        k = int(rng.integers(5))
        written_targets[STEP_NAMES[k]] = round(max(0.05, funnel[k] - _u(rng, 0.02, 0.08)), 2)

    red: list[RedHerringSpec] = []
    rare = None
    used = {ROOT_ROLE[k] for k in kinds} | {"delivery", "payment", "confirmation"} & _symptom_roles(kinds)
    if rng.random() < 0.7:
        tid, tname, column, kws, after = _pick(rng, RARE_TOUCHPOINTS)
        rare = {"id": tid, "name": tname, "column": column, "keywords": kws, "after": after}
        red.append(RedHerringSpec("rare_touchpoint", "rare", {"low_ratings": int(rng.integers(4, 9)), "share": 0.01}))
    if rng.random() < 0.6:
        role = _pick(rng, [r for r in WEB_ROLES[:5] if r not in used])
        week = start + timedelta(days=int(rng.integers(14, history - 14)))
        red.append(RedHerringSpec("segment_blip", role, {"segment": "tablet", "start": week, "end": week + timedelta(days=6),
                                                         "drop": round(_u(rng, 0.03, 0.08), 3)}))
    if rng.random() < 0.6:
        options = [r for r in ("landing", "basket", "unboxing", "support", "repeat", "product", "checkout") if r not in used]
        if rare is not None:
            options.append("rare")
        red.append(RedHerringSpec("angry_comment", _pick(rng, options), {"count": int(rng.integers(1, 4))}))

    defect_specs = [_draw_defect(rng, kind, start, end, history, slow_variant) for kind in defects]
    top2 = {r: _u(rng, 0.75, 0.92) for r in ("landing", "product", "checkout", "delivery", "unboxing", "support")}
    headers = _draw_headers(rng, currency)
    return BusinessSpec(
        seed=int(seed), name=f"{_pick(rng, NAME_A)} {_pick(rng, NAME_B)}", category=category, country=country, currency=currency,
        start=start, end=end, orders_per_day=round(orders_per_day, 2), web_share=_u(rng, 0.55, 0.95),
        other_channels=_pick(rng, OTHER_CHANNELS), weekday=weekday, trend=_u(rng, -0.10, 0.25), day_noise=_u(rng, 0.05, 0.15),
        devices=devices, mobile_drift=_u(rng, -0.02, 0.06), device_delta=device_delta, returning_start=_u(rng, 0.15, 0.40),
        returning_drift=_u(rng, -0.10, 0.12), returning_delta=returning_delta, sources=dict(zip(SOURCES, map(float, src))),
        funnel=funnel, promise_days=promise, transit_days=transit, transit_tail=tail, monday_tail=_u(rng, 1.2, 2.0),
        pack_next_day=pack_next, working_days=working_days, cutoff=None if cutoff_hour is None else f"{cutoff_hour:02d}:{_pick(rng, ['00', '00', '30'])}",
        public_holidays=public, own_holidays=own_holidays, capacity_slack=_u(rng, 0.2, 1.5), capacity_sheet=bool(rng.random() < 0.4),
        n_items=int(rng.integers(8, len(CATEGORIES[category][0]) + 1)), best_sellers=int(rng.integers(2, 4)), item_skew=_u(rng, 0.6, 1.1),
        aov=_u(rng, 20, 140) * MONEY_SCALE[currency], value_sigma=_u(rng, 0.25, 0.6), backorder_rate=_u(rng, 0.003, 0.015),
        cancel_rate=_u(rng, 0.004, 0.015), return_rate=_u(rng, *CATEGORIES[category][2]), repeat_gap_days=_u(rng, 20, 80),
        survey_rate=_u(rng, 0.05, 0.25), top2=top2, survey_roles=survey_roles, overall_question=bool(rng.random() < 0.5),
        support_share=_u(rng, 0.15, 0.4), feedback_per_100=_u(rng, 0.6, 3.0), staff_notes=_pick(rng, [0.0, 0.1, 0.2, 0.3]),
        past_campaign=past, planned_campaign=planned, combined_fulfilment=combined, cancellations_on=cancellations_on,
        promised_column=bool(rng.random() < 0.4), cancel_reason_column=bool(rng.random() < 0.5), ids=ids, names=names,
        activities=activities, keywords=keywords, survey_headers=survey_headers, stages=_pick(rng, STAGE_SETS),
        written_targets=written_targets, headers=headers, rare=rare, defects=defect_specs, red_herrings=red)


def _symptom_roles(kinds: set) -> set:
    out = set()
    if kinds & {"stockout", "slow_packing"}:
        out.add("delivery")
    if "mobile_checkout" in kinds:
        out.add("payment")
    if "payment_incident" in kinds:
        out.add("confirmation")
    return out


def _healthy_breach(slack_days: int, pack_next: float, tail: list) -> float:
    """P(packing delay + transit slip > the promise's slack) for the healthy process (no queue, no defect)."""
    extra = np.array([1 - sum(tail), *tail])
    late = 0.0
    for pack, p_pack in ((0, 1 - pack_next), (1, pack_next)):
        late += p_pack * extra[np.arange(4) + pack > slack_days].sum()
    return float(late)


def _draw_defect(rng, kind: str, start: date, end: date, history: int, slow_variant: str | None) -> DefectSpec:
    def when(lo, hi):
        return start + timedelta(days=int(history * _u(rng, lo, hi)))

    if kind == "stockout":
        return DefectSpec(kind, {"best_seller_backorder": round(_u(rng, 0.15, 0.35), 3), "cancel_if_backordered": round(_u(rng, 0.10, 0.25), 3),
                                 "wait_days": [3, 8]})
    if kind == "slow_packing":
        # The in-stock late share the too-small packing bench causes: over the history (chronic), or over the orders of
        # the past campaign and the fortnight after it (a peak it could not carry).
        return DefectSpec(kind, {"variant": slow_variant, "target_late": round(_u(rng, 0.4, 0.7) if slow_variant == "campaign"
                                                                              else _u(rng, 0.15, 0.40), 3)})
    if kind == "carrier":
        return DefectSpec(kind, {"onset": when(0.2, 0.6), "share_slipping": round(_u(rng, 0.25, 0.5), 3)})
    if kind == "mobile_checkout":
        return DefectSpec(kind, {"gap_points": round(_u(rng, 0.20, 0.40), 3)})
    if kind == "payment_incident":
        onset = when(0.2, 0.75)
        return DefectSpec(kind, {"start": onset, "end": min(onset + timedelta(days=int(rng.integers(14, 36)) - 1), end - timedelta(days=7)),
                                 "factor": round(_u(rng, 0.45, 0.70), 3)})
    if kind == "returns":
        # Early enough that the whole history runs at about twice the usual rate, late enough to leave a "before".
        return DefectSpec(kind, {"onset": when(0.1, 0.3), "multiplier": round(_u(rng, 2.0, 3.0), 2)})
    if kind == "product_page":
        return DefectSpec(kind, {"onset": when(0.35, 0.65), "factor": round(_u(rng, 0.5, 0.72), 3)})
    raise ValueError(f"unknown defect kind {kind!r}")


def _draw_headers(rng, currency: str) -> dict:
    return {
        "order_id": _pick(rng, ["Order ID", "Order Number", "Order No"]),
        "customer_id": _pick(rng, ["Customer ID", "Customer Email", "Customer"]),
        "ordered_at": _pick(rng, ["Ordered At", "Created At", "Order Date"]),
        "paid_at": _pick(rng, ["Paid At", "Payment Date"]),
        "shipped_at": _pick(rng, ["Shipped At", "Dispatched At", "Fulfilled At"]),
        "delivered_at": _pick(rng, ["Delivered At", "Delivery Date"]),
        "promised_at": _pick(rng, ["Promised By", "Due Date"]),
        "status": _pick(rng, ["Status", "Order Status"]),
        "channel": _pick(rng, ["Channel", "Sales Channel"]),
        "device": _pick(rng, ["Device", "Platform"]),
        "item": _pick(rng, ["Item", "Product", "Product Name"]),
        "quantity": _pick(rng, ["Quantity", "Qty"]),
        "value": _pick(rng, [f"Order Value ({currency})", f"Order Total ({currency})", "Total"]),
        "backordered": _pick(rng, ["Backordered", "Backorder", "Out of stock"]),
        "returned": _pick(rng, ["Returned", "Refunded"]),
        "return_reason": _pick(rng, ["Return Reason", "Refund Reason"]),
        "cancel_reason": _pick(rng, ["Cancel Reason", "Cancellation Reason"]),
        "status_words": _pick(rng, [("Delivered", "Cancelled", "In transit", "Processing"), ("delivered", "canceled", "shipped", "processing"),
                                    ("Completed", "Cancelled", "Dispatched", "Awaiting dispatch")]),
        "customer_style": _pick(rng, ["C-{:05d}", "CUST{:06d}", "customer{:05d}@example.com"]),
        "order_prefix": _pick(rng, ["#", "ORD-", "", "WEB"]),
        "events": _pick(rng, [("session_id", "step", "timestamp", "device"), ("visit_id", "page", "time", "platform"),
                              ("Session ID", "Event", "Event time", "Device category")]),
        "timestamp_sep": _pick(rng, [" ", "T"]),
        "feedback_text": _pick(rng, ["Text", "Comment", "Review"]),
    }


def family(n: int, seed: int = 0) -> Iterator[BusinessSpec]:
    """n specs with a fixed healthy share (35%, rounded), the rest 1-2 defects, defect kinds balanced round robin."""
    rng = np.random.default_rng([int(seed), 7])
    n_healthy = int(round(n * HEALTHY_SHARE))
    n_defective = n - n_healthy
    n_pairs = int(round(n_defective * TWO_DEFECT_SHARE))
    healthy_at = set(rng.permutation(n)[:n_healthy].tolist())
    pair_at = set(rng.permutation(n_defective)[:n_pairs].tolist())
    queue: list[str] = []

    def next_kind(avoid: tuple = ()) -> str:
        nonlocal queue
        for _ in range(2):
            for i, kind in enumerate(queue):
                if kind not in avoid:
                    return queue.pop(i)
            queue += [str(k) for k in rng.permutation(DEFECT_KINDS)]
        raise AssertionError("unreachable")

    d = 0
    for i in range(n):
        if i in healthy_at:
            kinds: tuple = ()
        else:
            kinds = (next_kind(),)
            if d in pair_at:
                kinds += (next_kind(avoid=kinds),)
            d += 1
        yield draw_spec(int(seed) * 10_000 + i, defects=kinds)


# ------------------------------------------------------------------------------------------------------------ calendar

class _Calendar:
    """The business's working days (and the carrier's: it delivers on the same days)."""

    def __init__(self, spec: BusinessSpec, years: list[int]):
        self.weekmask = "1111110" if spec.working_days == 6 else "1111100"
        days = {np.datetime64(d, "D") for d in spec.own_holidays}
        if spec.public_holidays:
            import holidays

            days |= {np.datetime64(d, "D") for d in holidays.country_holidays(spec.country, years=years)}
        self.holidays = sorted(days)

    def offset(self, days: np.ndarray, n) -> np.ndarray:
        return np.busday_offset(days, n, roll="forward", weekmask=self.weekmask, holidays=self.holidays)

    def is_working(self, days: np.ndarray) -> np.ndarray:
        return np.is_busday(days, weekmask=self.weekmask, holidays=self.holidays)


# ------------------------------------------------------------------------------------------------------------ building

def make_business(seed: int, out_dir: Path, *, spec: BusinessSpec | None = None) -> BusinessTruth:
    """Write a complete engagement folder for the business and return its ground truth."""
    spec = spec or draw_spec(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = _World(spec, np.random.default_rng([int(spec.seed), 2]))  # the data's own stream, apart from the spec's draws
    world.build()
    world.write(out)
    return world.truth(out)


class _World:
    def __init__(self, spec: BusinessSpec, rng: np.random.Generator):
        self.spec, self.rng = spec, rng
        self.defects = {d.kind: d.params for d in spec.defects}
        plan = spec.planned_campaign
        self.day0 = np.datetime64(spec.start, "D")
        self.hist_end = np.datetime64(spec.end, "D")
        self.horizon_end = np.datetime64(plan["end"], "D")
        self.days = np.arange(self.day0, self.horizon_end + 1)  # history, then the future up to the planned campaign's end
        self.n_hist = int((self.hist_end - self.day0).astype(int)) + 1
        years = list(range(spec.start.year, plan["end"].year + 2))
        self.cal = _Calendar(spec, years)
        self.measured: dict = {}

    # -- demand ------------------------------------------------------------------------------------------------------
    def _in(self, start, end) -> np.ndarray:
        return (self.days >= np.datetime64(start, "D")) & (self.days <= np.datetime64(end, "D"))

    def build(self) -> None:
        spec, rng = self.spec, self.rng
        n_days = len(self.days)
        frac = np.arange(n_days) / max(1, self.n_hist - 1)  # 0 at the start of the history, 1 at its end
        weekday = np.array(spec.weekday)[(self.days.astype(int) + 3) % 7]  # 1970-01-01 was a Thursday
        noise = np.exp(rng.normal(0, spec.day_noise, n_days))
        self.past_days = self._in(spec.past_campaign["start"], spec.past_campaign["end"])
        self.plan_days = self._in(spec.planned_campaign["start"], spec.planned_campaign["end"])
        uplift = 1 + spec.past_campaign["actual_uplift"] * self.past_days + spec.planned_campaign["uplift"] * self.plan_days
        self.level = weekday * (1 + spec.trend * frac) * noise * uplift
        # Segment mix: mobile share drifts, the returning share moves month to month, campaigns bring new visitors.
        months = (self.days.astype("datetime64[M]") - self.days[0].astype("datetime64[M]")).astype(int)
        month_noise = rng.normal(0, 0.02, months.max() + 1)[months]
        returning = np.clip(spec.returning_start + spec.returning_drift * frac + month_noise, 0.05, 0.7)
        returning = np.where(self.past_days | self.plan_days, returning * 0.6, returning)
        mobile = np.clip(spec.devices["mobile"] + spec.mobile_drift * frac, 0.2, 0.85)
        tablet = np.full(n_days, spec.devices["tablet"])
        self.device_share = np.stack([1 - mobile - tablet, mobile, tablet], axis=1)  # (day, device)
        self.returning = returning
        self.rates = self._rates(with_defects=True)  # (day, device, visitor, step)
        healthy_rates = self._rates(with_defects=False)
        mix = self.device_share[:, :, None] * np.stack([1 - returning, returning], axis=1)[:, None, :]  # (day, device, visitor)
        self.mix = mix
        conv = (mix * self.rates.prod(axis=3)).sum(axis=(1, 2))
        conv0 = (mix * healthy_rates.prod(axis=3)).sum(axis=(1, 2))
        hist = slice(0, self.n_hist)
        # Traffic is scaled so a healthy funnel yields the drawn web orders a day: defects then cost real orders.
        self.sessions_per_level = spec.orders_per_day * spec.web_share / float((self.level[hist] * conv0[hist]).mean())
        self.sessions = self.sessions_per_level * self.level
        self.conv, self.conv0 = conv, conv0
        self._orders()
        self._fulfil()
        self._customers()
        self._returns()
        self._measure()

    def _rates(self, with_defects: bool) -> np.ndarray:
        spec = self.spec
        n_days = len(self.days)
        base = np.array(spec.funnel)
        rates = np.zeros((n_days, 3, 2, 5))
        for d, device in enumerate(DEVICES):
            for v in range(2):
                rates[:, d, v, :] = base + np.array(spec.device_delta[device]) + v * np.array(spec.returning_delta)
        if with_defects:
            if "mobile_checkout" in self.defects:
                gap = self.defects["mobile_checkout"]["gap_points"]
                desktop = rates[:, 0, :, 3]
                rates[:, 1, :, 3] = desktop - gap
                rates[:, 2, :, 3] = desktop - gap / 2  # tablets share the mobile layout only in part
            if "payment_incident" in self.defects:
                p = self.defects["payment_incident"]
                rates[self._in(p["start"], p["end"]), :, :, 4] *= p["factor"]
            if "product_page" in self.defects:
                p = self.defects["product_page"]
                rates[self.days >= np.datetime64(p["onset"], "D"), :, :, 1] *= p["factor"]
            for herring in spec.red_herrings:
                if herring.kind == "segment_blip":
                    p = herring.params
                    rates[self._in(p["start"], p["end"]), 2, :, WEB_ROLES.index(herring.role)] -= p["drop"]
        return np.clip(rates, 0.02, 0.995)

    def _orders(self) -> None:
        spec, rng = self.spec, self.rng
        n_days = len(self.days)
        web_n = rng.poisson(self.sessions * self.conv)
        other_n = rng.poisson(spec.orders_per_day * (1 - spec.web_share) * self.level)
        day_idx = np.concatenate([np.repeat(np.arange(n_days), web_n), np.repeat(np.arange(n_days), other_n)])
        n_web, n = int(web_n.sum()), int(web_n.sum() + other_n.sum())
        web = np.arange(n) < n_web
        # Which device and visitor type bought: each day's combinations weighted by how well they convert.
        weights = (self.mix * self.rates.prod(axis=3)).reshape(n_days, 6)
        cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        combo = (rng.random(n)[:, None] > cum[day_idx]).sum(axis=1).clip(0, 5)
        device = np.where(web, combo // 2, -1)
        returning = np.where(web, combo % 2 == 1, rng.random(n) < self.returning[day_idx])
        hours = np.where(web, self._hours(n, evening=True), self._hours(n, evening=False))
        seconds = hours * 3600 + rng.integers(0, 3600, n)
        ordered = self.days[day_idx].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        order = np.argsort(ordered, kind="stable")
        self.n = n
        self.ordered = ordered[order]
        self.day_idx = day_idx[order]
        self.web = web[order]
        self.device = device[order]
        self.returning_flag = returning[order]
        channels = np.array(spec.other_channels)
        self.channel = np.where(self.web, "Web", channels[rng.integers(0, len(channels), n)])
        # Items: a skewed catalogue whose top sellers carry a large share.
        names = CATEGORIES[spec.category][0][: spec.n_items]
        shares = 1 / np.arange(1, spec.n_items + 1) ** spec.item_skew
        shares /= shares.sum()
        self.items = np.array(names)
        self.item = rng.choice(spec.n_items, size=n, p=shares)
        self.best = self.item < spec.best_sellers
        prices = np.round(np.exp(rng.normal(np.log(spec.aov / 1.2), spec.value_sigma, spec.n_items)) * 2) / 2 - 0.01
        self.quantity = rng.choice([1, 2, 3], size=n, p=[0.8, 0.15, 0.05])
        self.value = np.round(np.maximum(prices[self.item], 1.0) * self.quantity, 2)
        # Stock: a small background backorder rate; the stockout defect empties the best sellers' shelf.
        p_backorder = np.full(n, spec.backorder_rate)
        p_cancel_bo = 0.06
        if "stockout" in self.defects:
            p = self.defects["stockout"]
            p_backorder = np.where(self.best, p["best_seller_backorder"], p_backorder)
            p_cancel_bo = p["cancel_if_backordered"]
        self.backordered = rng.random(n) < p_backorder
        self.cancelled = rng.random(n) < spec.cancel_rate + self.backordered * p_cancel_bo
        self.cancel_reason = np.where(self.backordered & self.cancelled, "Out of stock",
                                      np.array(["Customer request", "Changed mind", "Duplicate order", "Payment failed"])[rng.integers(0, 4, n)])
        self.paid = ~self.cancelled | (rng.random(n) < 0.5)
        pay_delay = np.clip(rng.lognormal(np.log(60), 1.0, n), 5, 1200).astype(int)
        self.paid_at = self.ordered + pay_delay.astype("timedelta64[s]")

    def _hours(self, n: int, evening: bool) -> np.ndarray:
        if evening:
            w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 5, 5, 6, 6, 5, 5, 5, 5, 6, 8, 9, 8, 5, 2], dtype=float)
        else:
            w = np.array([0] * 9 + [4, 6, 6, 5, 5, 5, 5, 4, 3] + [0] * 6, dtype=float)
        return self.rng.choice(24, size=n, p=w / w.sum())

    # -- operations -----------------------------------------------------------------------------------------------------
    def _fulfil(self) -> None:
        spec, rng, cal = self.spec, self.rng, self.cal
        n = self.n
        order_day = self.ordered.astype("datetime64[D]")
        secs = (self.ordered - order_day.astype("datetime64[s]")).astype(int)
        if spec.cutoff is not None:
            h, m = map(int, spec.cutoff.split(":"))
            cut = h * 3600 + m * 60
            after = secs > cut
            self.clock_start = cal.offset(order_day + after.astype("timedelta64[D]"), 0)
            collection_from = cut + 3600
            pack_after = np.zeros(n, dtype=bool)
        else:
            # No cutoff in the promise: the clock starts on the order day, but parcels leave at 15:00.
            self.clock_start = cal.offset(order_day, 0)
            collection_from = 15 * 3600
            pack_after = (secs > 14 * 3600) & (order_day == self.clock_start)
        self.deadline = cal.offset(self.clock_start, spec.promise_days)
        wait = np.where(self.backordered, rng.integers(3, 9, n), 0)
        next_day = (rng.random(n) < spec.pack_next_day) & ~pack_after
        ready = cal.offset(self.clock_start, wait + next_day + pack_after)
        # The packing bench: FIFO through a daily capacity on working days (a queue, so peaks spill into later days).
        work = np.arange(self.day0, self.horizon_end + 121)
        self.work = work = work[cal.is_working(work)]
        ready_w = np.searchsorted(work, ready)
        live = ~self.cancelled
        self.ready_counts = np.bincount(ready_w[live], minlength=len(work)).astype(float)
        self.cum_ready = np.cumsum(self.ready_counts)
        self.rank = np.empty(n, dtype=np.int64)
        live_idx = np.flatnonzero(live)
        fifo = live_idx[np.lexsort((self.ordered[live_idx], ready_w[live_idx]))]
        self.rank[fifo] = np.arange(len(fifo))
        # Random parts drawn once, so the capacity search below compares like with like.
        self.day_factor = np.exp(rng.normal(0, 0.05, len(work))) * np.where(rng.random(len(work)) < 0.03, 0.7, 1.0)
        self.transit_u = rng.random(n)
        self.slip_u = rng.random(n)
        self.slip_two = rng.random(n) < 0.35
        capacity = self._capacity()
        self.capacity_per_day = capacity
        self._run_operations(capacity)
        collection = rng.integers(collection_from, min(collection_from + 3 * 3600, 20 * 3600) + 1, n)
        dispatched = ~np.isnat(self.dispatch_day)
        self.shipped_at = np.where(dispatched, self.dispatch_day.astype("datetime64[s]") + collection.astype("timedelta64[s]"),
                                   np.datetime64("NaT"))
        self.delivered_at = np.where(dispatched, self.delivered_day.astype("datetime64[s]")
                                     + rng.integers(8 * 3600, 20 * 3600, n).astype("timedelta64[s]"), np.datetime64("NaT"))

    def _run_operations(self, capacity: float) -> None:
        """Dispatch day, delivery day and lateness of every order for a given packing capacity (orders a working day)."""
        spec, cal, work = self.spec, self.cal, self.work
        daily = capacity * self.day_factor
        done = np.empty(len(work))
        total = 0.0
        for w in range(len(work)):
            total = min(self.cum_ready[w], total + daily[w])
            done[w] = total
        disp_w = np.searchsorted(done, self.rank + 1 - 1e-9, side="left")
        dispatched = ~self.cancelled & (disp_w < len(work))
        disp_day = np.where(dispatched, work[np.minimum(disp_w, len(work) - 1)], np.datetime64("NaT"))
        # Carrier transit in working days: a tail of slips, a little worse after the weekend.
        tail = np.array(spec.transit_tail)
        monday = ((disp_day.astype("datetime64[D]").astype(np.int64) + 3) % 7) == 0
        u = self.transit_u
        p1 = np.where(monday, tail[0] * spec.monday_tail, tail[0])
        extra = (u < p1 + tail[1] + tail[2]).astype(int) + (u < tail[1] + tail[2]) + (u < tail[2])
        if "carrier" in self.defects:
            p = self.defects["carrier"]
            # A slipping parcel loses more days than the promise leaves spare: it arrives late whatever the slack.
            slip = (disp_day >= np.datetime64(p["onset"], "D")) & (self.slip_u < p["share_slipping"])
            extra = np.where(slip, np.maximum(extra, spec.promise_days - spec.transit_days + 1 + self.slip_two), extra)
            self.carrier_slip = slip
        transit = spec.transit_days + extra
        safe_day = np.where(dispatched, disp_day, self.day0).astype("datetime64[D]")
        self.dispatch_day = disp_day
        self.delivered_day = np.where(dispatched, cal.offset(safe_day, np.where(dispatched, transit, 0)),
                                      np.datetime64("NaT")).astype("datetime64[D]")
        self.late = ~self.cancelled & (~dispatched | (self.delivered_day > self.deadline))

    def _late_share(self, mask: np.ndarray) -> float:
        chosen = mask & ~self.cancelled & ~self.backordered
        return float(self.late[chosen].mean()) if chosen.any() else 0.0

    def _capacity(self) -> float:
        """Orders a working day the packing bench can dispatch: comfortably above peaks when healthy, below them when not."""
        spec, work, counts = self.spec, self.work, self.ready_counts
        in_hist = work <= self.hist_end
        past = (work >= np.datetime64(spec.past_campaign["start"], "D")) & (work <= np.datetime64(spec.past_campaign["end"], "D") + 5)
        normal = counts[in_hist & ~past & (work > self.day0 + 7)]
        campaign = counts[in_hist & past]
        peak_normal = float(np.quantile(normal, 0.95)) if len(normal) else 1.0
        slow = self.defects.get("slow_packing")
        if slow is None:
            peak_campaign = float(campaign.mean()) if len(campaign) else 0.0
            return max((1 + spec.capacity_slack) * peak_normal, 1.15 * peak_campaign, 2.0)
        # Too little capacity: found by bisection so the planted lateness has the drawn size whatever the promise's slack.
        hist_orders = self.ordered < (self.hist_end + 1).astype("datetime64[s]")
        if slow["variant"] == "campaign":
            window = (self.ordered >= np.datetime64(spec.past_campaign["start"], "s")) \
                & (self.ordered < np.datetime64(spec.past_campaign["end"] + timedelta(days=15), "s"))
            floor = float(np.quantile(normal, 0.75)) if len(normal) else 1.0  # ordinary weeks mostly go out on time
        else:
            window, floor = hist_orders, 1.0
        lo, hi = max(0.5, float(normal.mean()) * 0.3 if len(normal) else 0.5), 4 * peak_normal + 2
        for _ in range(22):
            mid = (lo + hi) / 2
            self._run_operations(mid)
            if self._late_share(window) > slow["target_late"]:
                lo = mid
            else:
                hi = mid
        return max(hi, floor)

    def _customers(self) -> None:
        """Returning orders belong to a customer who ordered some weeks earlier; new ones start a customer."""
        rng, n = self.rng, self.n
        t = self.ordered.astype("int64")
        gap = (rng.exponential(self.spec.repeat_gap_days, n) * 86400).astype("int64") + 86400
        j = np.searchsorted(t, t - gap, side="right") - 1 - rng.integers(0, max(1, int(self.spec.orders_per_day / 2)), n)
        parent = np.where(self.returning_flag & (j >= 0), j, np.arange(n))
        root = parent
        while True:  # pointer jumping: every parent is earlier, so this ends in a few rounds
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
        self.customer = root

    def _returns(self) -> None:
        spec, rng, n = self.spec, self.rng, self.n
        p = np.full(n, spec.return_rate)
        p = np.where(self.late, p + 0.04, p)  # some late parcels come back as "arrived too late"
        if "returns" in self.defects:
            d = self.defects["returns"]
            self.returns_affected = self.ordered >= np.datetime64(d["onset"], "s")
            p = np.where(self.returns_affected, p * d["multiplier"], p)
        returned_on = self.delivered_day + rng.integers(2, 26, n).astype("timedelta64[D]")
        self.returned = (rng.random(n) < p) & ~np.isnat(self.delivered_day) & (returned_on <= self.hist_end)
        clothing = CATEGORIES[spec.category][1]
        usual = (["Changed mind", "Wrong size", "Damaged in transit", "Not as described"], [0.35, 0.35, 0.15, 0.15]) if clothing \
            else (["Changed mind", "Damaged in transit", "Not as described", "Faulty"], [0.45, 0.25, 0.15, 0.15])
        reason = np.array(usual[0])[rng.choice(4, size=n, p=usual[1])]
        reason = np.where(self.late & (rng.random(n) < 0.5), "Arrived too late", reason)
        if "returns" in self.defects:
            bad = np.array(["Not as described", "Wrong size" if clothing else "Not as pictured"])[rng.integers(0, 2, n)]
            # Of the returns after the onset, the excess over the usual rate are "not as described"/"wrong size".
            excess_share = 1 - 1 / self.defects["returns"]["multiplier"]
            reason = np.where(self.returns_affected & (rng.random(n) < excess_share), bad, reason)
        self.return_reason = reason

    # -- truth ----------------------------------------------------------------------------------------------------------
    def _measure(self) -> None:
        spec = self.spec
        end_s = (self.hist_end + 1).astype("datetime64[s]")
        hist = self.ordered < end_s
        self.hist = hist
        delivered = ~np.isnat(self.delivered_at) & (self.delivered_at < end_s)
        overdue = ~delivered & (self.deadline < self.hist_end)
        assess = hist & ~self.cancelled & (delivered | overdue)
        late = assess & ((delivered & self.late) | overdue)
        instock = assess & ~self.backordered
        m = self.measured
        m["orders"] = int(hist.sum())
        m["orders_per_day"] = round(float(hist.sum()) / self.n_hist, 2)
        m["web_orders"] = int((hist & self.web).sum())
        m["late_share"] = round(float(late.sum() / max(1, assess.sum())), 4)
        m["late_share_in_stock"] = round(float((late & instock).sum() / max(1, instock.sum())), 4)
        m["healthy_breach_expected"] = round(_healthy_breach(spec.promise_days - spec.transit_days, spec.pack_next_day, spec.transit_tail), 4)
        m["backorder_share"] = round(float(self.backordered[hist & ~self.cancelled].mean()), 4)
        m["cancel_share"] = round(float(self.cancelled[hist].mean()), 4)
        m["capacity_per_day"] = round(self.capacity_per_day, 2)
        # What the bench demonstrably carried: the 95th percentile of its dispatches per working day in the history.
        shipped_hist = self.dispatch_day[hist & ~np.isnat(self.dispatch_day) & (self.dispatch_day <= self.hist_end)]
        per_day = np.bincount(np.searchsorted(self.work, shipped_hist), minlength=int(np.searchsorted(self.work, self.hist_end, "right")))
        m["carried_peak_per_day"] = round(float(np.quantile(per_day, 0.95)), 2) if len(per_day) else None
        delivered_hist = hist & delivered
        m["return_share"] = round(float(self.returned[delivered_hist].mean()), 4) if delivered_hist.any() else None
        hist_days = slice(0, self.n_hist)
        for k, name in enumerate(STEP_NAMES):
            # Expected continuation by device over the history, weighted by that device's sessions (no sampling noise).
            m[f"conversion {name}"] = {
                dev: round(float(np.average(self.rates[hist_days, d, :, k], weights=self.mix[hist_days, d] * self.sessions[hist_days, None])), 4)
                for d, dev in enumerate(DEVICES)}
        m["web_conversion"] = round(float(np.average(self.conv[hist_days], weights=self.sessions[hist_days])), 4)
        # The planned campaign, simulated with the same process: what really happens to its orders (in stock).
        on_plan = self.plan_days[self.day_idx] & ~self.cancelled & ~self.backordered
        m["campaign_late_share_in_stock"] = round(float(self.late[on_plan].mean()), 4) if on_plan.any() else None
        m["campaign_orders_per_day"] = round(float(on_plan.sum() / max(1, self.plan_days.sum())), 2)
        recent = hist & ~self.cancelled & ~self.backordered & (self.ordered >= (self.hist_end - 27).astype("datetime64[s]")) \
            & (self.deadline < self.hist_end)
        m["recent_late_share_in_stock"] = round(float(self.late[recent].mean()), 4) if recent.any() else None

    def truth(self, folder: Path) -> BusinessTruth:
        spec = self.spec
        roles = {r: spec.role_id(r) for r in ("landing", "product", "basket", "checkout", "payment", "confirmation", "stock",
                                              "dispatch", "delivery", "unboxing", "support", "returns", "repeat")}
        if spec.rare is not None:
            roles["rare"] = spec.rare["id"]
        planted = []
        for d in spec.defects:
            root = spec.role_id(ROOT_ROLE[d.kind])
            symptoms = []
            if d.kind in ("stockout", "slow_packing"):
                symptoms.append(roles["delivery"])
            if d.kind == "stockout" and spec.cancellations_on == "confirmation":
                symptoms.append(roles["confirmation"])
            if d.kind == "mobile_checkout":
                symptoms.append(roles["payment"])
            if d.kind == "payment_incident":
                symptoms.append(roles["confirmation"])
            planted.append(PlantedDefect(d.kind, root, [s for s in symptoms if s != root], _jsonable(d.params)))
        herrings = []
        for h in spec.red_herrings:
            tp = roles[h.role]
            detail = {"rare_touchpoint": f"{spec.rare['name'] if spec.rare else ''}: ~1% of respondents, {h.params.get('low_ratings')} ratings of 1-2",
                      "segment_blip": f"one week of {h.params.get('segment')} {h.params.get('drop', 0):.0%} lower from {h.params.get('start')}",
                      "angry_comment": f"{h.params.get('count')} angry comment(s)"}[h.kind]
            herrings.append(RedHerring(h.kind, tp, detail))
        return BusinessTruth(spec.seed, Path(folder), spec.healthy, planted, herrings, spec.to_dict(), _jsonable(self.measured), roles)

    # -- writing --------------------------------------------------------------------------------------------------------
    def write(self, out: Path) -> None:
        self._write_orders(out)
        self._write_survey(out)
        self._write_feedback(out)
        self._write_events(out)
        self._write_campaigns(out)
        if self.spec.capacity_sheet:
            self._write_capacity(out)
        (out / "journey.yaml").write_text(self._journey_yaml(), encoding="utf-8")
        (out / "audit.yaml").write_text(self._audit_yaml(), encoding="utf-8")

    def _stamp(self, values: np.ndarray) -> np.ndarray:
        text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
        if self.spec.headers["timestamp_sep"] == " ":
            text = np.char.replace(text, "T", " ")
        return np.where(np.isnat(values), "", text)

    def _write_orders(self, out: Path) -> None:
        spec, h = self.spec, self.spec.headers
        end_s = (self.hist_end + 1).astype("datetime64[s]")
        keep = self.hist
        shipped = np.where(self.shipped_at < end_s, self.shipped_at, np.datetime64("NaT"))[keep]
        delivered = np.where(self.delivered_at < end_s, self.delivered_at, np.datetime64("NaT"))[keep]
        cancelled = self.cancelled[keep]
        words = h["status_words"]
        status = np.where(cancelled, words[1], np.where(~np.isnat(delivered), words[0], np.where(~np.isnat(shipped), words[2], words[3])))
        number = {c: k for k, c in enumerate(dict.fromkeys(self.customer[keep].tolist()))}
        customers = [h["customer_style"].format(number[c] + 1) for c in self.customer[keep]]
        n = int(keep.sum())
        frame = {
            h["order_id"]: [f"{h['order_prefix']}{100001 + i}" for i in range(n)],
            h["customer_id"]: customers,
            h["ordered_at"]: self._stamp(self.ordered[keep]),
            h["paid_at"]: self._stamp(np.where(self.paid, self.paid_at, np.datetime64("NaT"))[keep]),
            h["shipped_at"]: self._stamp(shipped),
            h["delivered_at"]: self._stamp(delivered),
        }
        if spec.promised_column:
            frame[h["promised_at"]] = np.datetime_as_string(self.deadline[keep], unit="D")
        frame[h["status"]] = status
        frame[h["channel"]] = self.channel[keep]
        frame[h["device"]] = np.where(self.device[keep] >= 0, np.array(["Desktop", "Mobile", "Tablet"])[np.maximum(self.device[keep], 0)], "")
        frame[h["item"]] = self.items[self.item[keep]]
        frame[h["quantity"]] = self.quantity[keep]
        frame[h["value"]] = np.char.mod("%.2f", self.value[keep])
        frame[h["backordered"]] = np.where(self.backordered[keep], "Yes", "No")
        frame[h["returned"]] = np.where(self.returned[keep], "Yes", "No")
        frame[h["return_reason"]] = np.where(self.returned[keep], self.return_reason[keep], "")
        if spec.cancel_reason_column:
            frame[h["cancel_reason"]] = np.where(cancelled, self.cancel_reason[keep], "")
        pd.DataFrame(frame).to_csv(out / "orders.csv", index=False, lineterminator="\n")
        self.order_ids = np.array(frame[h["order_id"]])

    # survey -------------------------------------------------------------------------------------------------------------
    def _ratings(self, n: int, top2: np.ndarray, harsh: bool = False) -> np.ndarray:
        """1-5 ratings with the given top-2-box share per respondent; `harsh` puts the rest mostly on 1-2."""
        top2 = np.broadcast_to(np.asarray(top2, dtype=float), (n,))
        low = np.array([0.35, 0.35, 0.30]) if harsh else np.array([0.18, 0.27, 0.55])
        probs = np.column_stack([(1 - top2)[:, None] * low, top2 * 0.4, top2 * 0.6])
        cum = np.cumsum(probs, axis=1)
        return 1 + (self.rng.random(n)[:, None] > cum[:, :4]).sum(axis=1)

    def _write_survey(self, out: Path) -> None:
        spec, rng = self.spec, self.rng
        end_s = (self.hist_end + 1).astype("datetime64[s]")
        wait = rng.uniform(4 * 3600, 7 * 86400, self.n).astype("int64").astype("timedelta64[s]")
        submitted = self.delivered_at + wait
        can = self.hist & ~np.isnat(self.delivered_at) & (submitted < end_s)
        rate = min(spec.survey_rate, MAX_SURVEY / max(1, can.sum()))
        chosen = np.flatnonzero(can & (rng.random(self.n) < rate))
        chosen = chosen[np.argsort(submitted[chosen], kind="stable")]
        n = len(chosen)
        ratings: dict[str, np.ndarray] = {}
        late = self.late[chosen]
        mobile = self.device[chosen] == 1
        for role in spec.survey_roles:
            t = np.full(n, spec.top2[role])
            harsh = np.zeros(n, dtype=bool)
            if role == "delivery":
                t = np.where(late, _u(rng, 0.08, 0.30), t)
                harsh = late
            if role == "checkout" and "mobile_checkout" in self.defects:
                t = np.where(mobile, _u(rng, 0.45, 0.62), t)
            if role == "product" and "product_page" in self.defects:
                after = self.ordered[chosen] >= np.datetime64(self.defects["product_page"]["onset"], "s")
                t = np.where(after, t - _u(rng, 0.10, 0.18), t)
            r = np.where(harsh, self._ratings(n, t, harsh=True), self._ratings(n, t))
            if role == "support":
                r = np.where(rng.random(n) < spec.support_share, r, 0)
            ratings[role] = r
        if spec.rare is not None:
            herring = next(h for h in spec.red_herrings if h.kind == "rare_touchpoint")
            low = herring.params["low_ratings"]
            answered = max(low + 2, int(round(0.01 * n)))
            r = np.zeros(n, dtype=int)
            who = rng.choice(n, size=min(n, answered), replace=False) if n else np.array([], dtype=int)
            values = np.concatenate([rng.integers(1, 3, low), rng.choice([3, 4, 5], size=max(0, len(who) - low), p=[0.1, 0.4, 0.5])])
            r[who] = values[: len(who)]
            ratings["rare"] = r
        answered = np.stack([np.where(v > 0, v, np.nan) for v in ratings.values()], axis=1)
        weights = np.array([2.0 if role == "delivery" else 1.0 for role in ratings])
        mood = np.nansum(answered * weights, axis=1) / np.nansum(~np.isnan(answered) * weights, axis=1)
        nps = np.clip(np.round(2.4 * mood - 1.6 + rng.normal(0, 1.0, n)), 0, 10).astype(int)
        frame = {"Response ID": [f"R-{k + 1:05d}" for k in range(n)], "Submitted": self._stamp(submitted[chosen]),
                 "Order ID": self.order_ids[self._hist_pos(chosen)]}
        for role, r in ratings.items():
            column = spec.rare["column"] if role == "rare" else spec.survey_headers[role]
            frame[column] = np.where(r > 0, r.astype(str), "")
        if spec.overall_question:
            frame["Overall satisfaction (1-5)"] = np.clip(np.round(mood + rng.normal(0, 0.5, n)), 1, 5).astype(int)
        frame[self._recommend_header()] = nps
        # A fifth or so leave a comment: about what they rated worst when it went badly, else a kind word.
        comments = np.full(n, "", dtype=object)
        writes = rng.random(n) < 0.2
        worst_role = [list(ratings)[i] for i in np.nanargmin(np.where(np.isnan(answered), 9, answered), axis=1)] if n else []
        worst = np.nanmin(np.where(np.isnan(answered), 9, answered), axis=1) if n else np.array([])
        for i in np.flatnonzero(writes):
            item = self.items[self.item[chosen[i]]].lower()
            if worst[i] <= 2:
                comments[i] = self._complaint_text(worst_role[i], item)
            else:
                comments[i] = _fill(rng, _pick(rng, POSITIVE_SURVEY), item)
        frame["Any other comments?"] = comments
        pd.DataFrame(frame).to_csv(out / "survey.csv", index=False, lineterminator="\n")

    def _recommend_header(self) -> str:
        return f"How likely are you to recommend {self.spec.name} to a friend? (0-10)"

    def _hist_pos(self, idx: np.ndarray) -> np.ndarray:
        """Position of order rows (indices into all orders) within the exported history."""
        return np.cumsum(self.hist)[idx] - 1

    def _complaint_text(self, role: str, item: str) -> str:
        """A complaint about a role: the planted defect's words when one sits there, else an ordinary grumble."""
        rng = self.rng
        for kind in self.defects:
            if ROOT_ROLE[kind] == role or (role == "delivery" and kind in ("stockout", "slow_packing", "carrier")) \
                    or (role == "checkout" and kind == "mobile_checkout"):
                return _fill(rng, _pick(rng, DEFECT_TEXT[kind]), item)
        if role == "rare" and self.spec.rare is not None:
            return _fill(rng, f"The {self.spec.rare['keywords'][0]} was a let-down, not what I expected.", item)
        return _fill(rng, _pick(rng, GRUMBLE[role]), item)

    # feedback -------------------------------------------------------------------------------------------------------------
    def _write_feedback(self, out: Path) -> None:
        spec, rng = self.spec, self.rng
        hist_idx = np.flatnonzero(self.hist)
        n_orders = len(hist_idx)
        rows: list[tuple] = []  # (day, source, channel, rating, text)
        volume = np.bincount(self.day_idx[hist_idx], minlength=self.n_hist).astype(float)
        base_n = min(MAX_FEEDBACK, int(rng.poisson(spec.feedback_per_100 * n_orders / 100)) + 10)

        def some_day(k: int) -> np.ndarray:
            return rng.choice(self.n_hist, size=k, p=volume / volume.sum())

        def item() -> str:
            return str(self.items[rng.integers(spec.n_items)]).lower()

        moods = rng.choice(["positive", "neutral", "grumble"], size=base_n, p=[0.55, 0.25, 0.20])
        roles = rng.choice(list(GRUMBLE), size=base_n, p=_GRUMBLE_WEIGHTS)
        for day, mood, role in zip(some_day(base_n), moods, roles):
            if mood == "positive":
                text, rating = _fill(rng, _pick(rng, POSITIVE[role]), item()), int(rng.choice([4, 5], p=[0.3, 0.7]))
            elif mood == "neutral":
                text, rating = _fill(rng, _pick(rng, NEUTRAL), item()), None
            else:
                text, rating = _fill(rng, _pick(rng, GRUMBLE[role]), item()), int(rng.choice([2, 3], p=[0.3, 0.7]))
            rows.append(self._feedback_row(day, text, rating))
        # Each planted defect: complaints in proportion to the customers it touched, dated when it happened.
        for kind in self.defects:
            days = self._affected_days(kind)
            if len(days) == 0:
                continue
            k = int(np.clip(round(len(days) * _u(rng, 0.03, 0.08)), 8, 0.6 * base_n + 20))
            picked = rng.choice(days, size=k) + rng.integers(0, 6, k)
            for day in np.clip(picked, 0, self.n_hist - 1):
                if spec.staff_notes and rng.random() < spec.staff_notes:
                    rows.append((int(day), "staff", _pick(rng, ["Shop floor", "Phone", "Packing bench"]), None,
                                 _fill(rng, _pick(rng, STAFF_TEXT[kind]), item())))
                else:
                    rows.append(self._feedback_row(day, _fill(rng, _pick(rng, DEFECT_TEXT[kind]), item()), int(rng.choice([1, 2])),
                                                   complaint=True))
        for herring in spec.red_herrings:
            if herring.kind == "angry_comment":
                word = spec.rare["keywords"][0] if herring.role == "rare" else KEYWORDS[herring.role][0][0]
                for day in some_day(herring.params["count"]):
                    rows.append(self._feedback_row(day, _fill(rng, _pick(rng, ANGRY), item()).replace("{word}", word), 1, complaint=True))
            if herring.kind == "rare_touchpoint" and spec.rare is not None:
                rows.append(self._feedback_row(some_day(1)[0], f"Lovely touch, the {spec.rare['keywords'][0]} was beautiful.", 5))
        rows.sort(key=lambda r: r[0])
        dates = np.datetime_as_string(self.days[[r[0] for r in rows]], unit="D")
        frame = pd.DataFrame({"Date": dates, "Source": [r[1] for r in rows], "Channel": [r[2] for r in rows],
                              "Rating": pd.array([r[3] for r in rows], dtype="Int64"), spec.headers["feedback_text"]: [r[4] for r in rows]})
        frame.to_csv(out / "feedback.csv", index=False, lineterminator="\n")

    def _feedback_row(self, day, text: str, rating: int | None, complaint: bool = False) -> tuple:
        rng = self.rng
        if rating is not None and rng.random() < 0.6:
            return int(day), "review", _pick(rng, ["Google", "Trustpilot", "Google"]), rating, text
        if complaint and rng.random() < 0.5:
            text = _pick(rng, ["Disappointed. ", "Not happy. ", "Hi, ", ""]) + text
        return int(day), "email", _pick(rng, ["Email", "Contact form"]), None, text

    def _affected_days(self, kind: str) -> np.ndarray:
        """History day indices of the customers a defect touched, one entry per touched customer (or lost order)."""
        h = self.hist & ~self.cancelled
        if kind == "stockout":
            return self.day_idx[h & self.backordered]
        if kind == "slow_packing":
            on_time_pack = self.clock_start + 1
            slow = h & self.late & ~self.backordered & (self.dispatch_day > self.cal.offset(on_time_pack, 0))
            return self.day_idx[slow]
        if kind == "carrier":
            return self.day_idx[h & getattr(self, "carrier_slip", np.zeros(self.n, bool)) & self.late]
        if kind == "returns":
            return self.day_idx[self.hist & self.returned & self.returns_affected]
        # Web defects: the orders the funnel lost, spread over the days it lost them.
        lost = np.clip(self.sessions * (self.conv0 - self.conv), 0, None)[: self.n_hist]
        if kind == "mobile_checkout":
            lost = lost * self.device_share[: self.n_hist, 1] / self.device_share[: self.n_hist, 1:].sum(axis=1)
        counts = self.rng.poisson(lost)
        return np.repeat(np.arange(self.n_hist), counts)

    # events ---------------------------------------------------------------------------------------------------------------
    def _write_events(self, out: Path) -> None:
        spec, rng = self.spec, self.rng
        hist = slice(0, self.n_hist)
        reach = np.cumprod(self.rates[hist], axis=3)  # share of sessions reaching each later step
        per_session = 1 + (self.mix[hist, :, :, None] * reach).sum(axis=(1, 2, 3)) / 1.0
        expected = float((self.sessions[hist] * per_session).sum())
        fraction = min(1.0, EVENTS_CAP / expected)  # a uniform sample of sessions keeps every conversion rate as it was
        per_day = rng.poisson(self.sessions[hist] * fraction)
        day = np.repeat(np.arange(self.n_hist), per_day)
        n = len(day)
        cum_dev = np.cumsum(self.device_share[day], axis=1)
        device = (rng.random(n)[:, None] > cum_dev).sum(axis=1).clip(0, 2)
        visitor = (rng.random(n) < self.returning[day]).astype(int)
        rates = self.rates[day, device, visitor]  # (session, step)
        went_on = np.cumprod(rng.random((n, 5)) < rates, axis=1)
        last = went_on.sum(axis=1)  # index of the last step reached (0 = landing only)
        start = self.days[day].astype("datetime64[s]") + (self._hours(n, evening=True) * 3600 + rng.integers(0, 3600, n)).astype("timedelta64[s]")
        gaps = np.clip(rng.lognormal(np.log([40, 75, 35, 60, 25]), 0.8, size=(n, 5)), 3, 1800).astype("int64")
        elapsed = np.hstack([np.zeros((n, 1), dtype=np.int64), np.cumsum(gaps, axis=1)])
        order = np.argsort(start, kind="stable")
        src_names = np.array(list(spec.sources))
        src_p = np.array(list(spec.sources.values()))
        source = src_names[rng.choice(len(src_names), size=n, p=src_p / src_p.sum())]
        campaign = self.past_days[day]
        source = np.where(campaign & (rng.random(n) < 0.5), "email", source)
        steps = last[order] + 1
        session = np.repeat(np.arange(n), steps)
        k = np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)
        s = order[session]
        stamps = start[s] + elapsed[s, k].astype("timedelta64[s]")
        c_id, c_act, c_time, c_dev = spec.headers["events"]
        activities = np.array([spec.activities[r] for r in WEB_ROLES])
        frame = pd.DataFrame({c_id: np.char.add("S", np.char.zfill((session + 1).astype(str), 6)), c_act: activities[k],
                              c_time: self._stamp(stamps), c_dev: np.array(DEVICES)[device[s]],
                              "traffic_source": source[s], "visitor_type": np.where(visitor[s] == 1, "returning", "new")})
        frame.to_csv(out / "events.csv", index=False, lineterminator="\n")
        self.measured["events_written"] = int(len(frame))
        self.measured["sessions_written"] = int(n)
        self.measured["session_sample_fraction"] = round(fraction, 4)

    # small files ----------------------------------------------------------------------------------------------------------
    def _write_campaigns(self, out: Path) -> None:
        spec = self.spec
        past, plan = spec.past_campaign, spec.planned_campaign
        frame = pd.DataFrame([
            [past["name"], past["start"].isoformat(), past["end"].isoformat(), past["channel"], f"{past['stated_uplift']:.0%}", past["spend"], "Completed"],
            [plan["name"], plan["start"].isoformat(), plan["end"].isoformat(), plan["channel"], f"{plan['uplift']:.0%}", plan["spend"], "Planned"]],
            columns=["Campaign", "Start", "End", "Channel", "Expected uplift", f"Spend ({spec.currency})", "Status"])
        frame.to_csv(out / "campaigns.csv", index=False, lineterminator="\n")

    def _write_capacity(self, out: Path) -> None:
        capacity = self.capacity_per_day
        share = round(_u(self.rng, 0.5, 0.7), 2)
        rows = [["Pick and pack", "Early shift", round(capacity * share, 1)], ["Pick and pack", "Late shift", round(capacity * (1 - share), 1)]]
        pd.DataFrame(rows, columns=["Step", "Team", "Units per day"]).to_csv(out / "capacity.csv", index=False, lineterminator="\n")

    def _journey_yaml(self) -> str:
        spec = self.spec
        stages = spec.stages
        kind_ok = {r: _schema_accepts_kind(k) for r, k in ROLE_KIND.items()}
        roles = ["landing", "product", "basket", "checkout", "payment", "confirmation"]
        roles += ["fulfilment"] if spec.combined_fulfilment else ["stock", "dispatch"]
        roles += ["delivery", "unboxing", "support", "returns", "repeat"]
        lines = [f"# Customer journey of {spec.name}, first visit to next purchase (written with the owner).",
                 f"stages: {json.dumps(stages)}", "", "touchpoints:"]
        ids = {}
        for role in roles:
            tid, name = spec.ids[role], spec.names[role]
            ids[role] = tid
            data = {}
            if role in spec.activities:
                data["events"] = [spec.activities[role]]
            if role in spec.survey_roles:
                data["survey"] = [spec.survey_headers[role]]
            orders = {"stock": ["stock"], "dispatch": ["dispatch"], "fulfilment": ["stock", "dispatch"], "delivery": ["delivery"],
                      "returns": ["returns"], "repeat": ["repeat"]}.get(role, [])
            if spec.cancellations_on == "confirmation" and role == "confirmation" or \
                    spec.cancellations_on == "stock" and role in ("stock", "fulfilment"):
                orders = orders + ["cancellations"]
            if orders:
                data["orders"] = orders
            kw = spec.keywords["stock"] + spec.keywords["dispatch"] if role == "fulfilment" else spec.keywords[role]
            data["keywords"] = kw
            lines.append(f"  - id: {tid}")
            lines.append(f"    name: {json.dumps(name)}")
            lines.append(f"    stage: {stages[ROLE_STAGE[role]]}")
            if kind_ok.get(role):
                lines.append(f"    kind: {ROLE_KIND[role]}")
            lines.append("    data:")
            for key, value in data.items():
                lines.append(f"      {key}: {json.dumps(value)}")
        if spec.rare is not None:
            lines += [f"  - id: {spec.rare['id']}", f"    name: {json.dumps(spec.rare['name'])}",
                      f"    stage: {stages[ROLE_STAGE[spec.rare['after']]]}", "    data:",
                      f"      survey: {json.dumps([spec.rare['column']])}", f"      keywords: {json.dumps(spec.rare['keywords'])}"]
        lines += ["", "transitions:"]
        web = [ids[r] for r in roles[:6]]
        for k in range(5):
            target = spec.written_targets.get(STEP_NAMES[k])
            extra = f", target_conversion: {target}" if target is not None else ""
            lines.append(f"  - {{from: {web[k]}, to: {web[k + 1]}{extra}}}")
        chain = [ids["confirmation"]] + ([ids["fulfilment"]] if spec.combined_fulfilment else [ids["stock"], ids["dispatch"]]) \
            + [ids["delivery"], ids["unboxing"]]
        lines += [f"  - {{from: {a}, to: {b}}}" for a, b in zip(chain, chain[1:])]
        lines += [f"  - {{from: {ids['unboxing']}, to: {ids[r]}}}" for r in ("returns", "support", "repeat")]
        lines += [f"  - {{from: {ids['returns']}, to: {ids['repeat']}}}", f"  - {{from: {ids['support']}, to: {ids['repeat']}}}"]
        if spec.rare is not None:
            lines.append(f"  - {{from: {ids[spec.rare['after']]}, to: {spec.rare['id']}}}")
        return "\n".join(lines) + "\n"

    def _audit_yaml(self) -> str:
        spec, h = self.spec, self.spec.headers
        days = ["mon", "tue", "wed", "thu", "fri", "sat"][: spec.working_days]
        client = [f"  name: {json.dumps(spec.name)}", f"  country: {spec.country}"]
        if _schema_accepts_client("business_type", "online-shop"):
            client.append("  business_type: online-shop")
        if _schema_accepts_client("sector", CATEGORY_SECTOR[spec.category]):
            client.append(f"  sector: {CATEGORY_SECTOR[spec.category]}")
        promise = [f"  description: {json.dumps(f'Delivered within {spec.promise_days} working day' + ('s' if spec.promise_days > 1 else ''))}",
                   f"  business_days: {spec.promise_days}"]
        if spec.cutoff is not None:
            promise.append(f'  cutoff: "{spec.cutoff}"')
        promise.append(f"  working_days: {json.dumps(days)}")
        if not spec.public_holidays:
            promise += ["  public_holidays: false", f"  holidays: {json.dumps([d.isoformat() for d in spec.own_holidays])}"]
        order_columns = {f: h[f] for f in ("order_id", "customer_id", "ordered_at", "paid_at", "shipped_at", "delivered_at", "status",
                                            "channel", "device", "item", "quantity", "value", "backordered", "returned", "return_reason")}
        if spec.promised_column:
            order_columns["promised_at"] = h["promised_at"]
        if spec.cancel_reason_column:
            order_columns["cancel_reason"] = h["cancel_reason"]
        survey_columns = {"respondent_id": "Response ID", "submitted_at": "Submitted", "order_id": "Order ID",
                          "recommend": self._recommend_header(), "comment": "Any other comments?"}
        if spec.overall_question:
            survey_columns["overall"] = "Overall satisfaction (1-5)"
        c_id, c_act, c_time, c_dev = h["events"]
        sources = [("orders", "orders.csv", order_columns), ("survey", "survey.csv", survey_columns),
                   ("feedback", "feedback.csv", {"text": h["feedback_text"], "date": "Date", "source": "Source", "rating": "Rating", "channel": "Channel"}),
                   ("events", "events.csv", {"case_id": c_id, "activity": c_act, "timestamp": c_time, "segment": c_dev}),
                   ("campaigns", "campaigns.csv", None)]
        if spec.capacity_sheet:
            sources.append(("capacity", "capacity.csv", {"step": "Step", "units_per_day": "Units per day"}))
        lines = [f"# fixfirst engagement: {spec.name} (synthetic family member, seed {spec.seed})", "client:", *client, "",
                 "promise:", *promise, "", "journey: journey.yaml", "", "sources:"]
        for kind, file, columns in sources:
            lines += [f"  - kind: {kind}", f"    file: {file}"]
            if columns:
                lines.append("    columns:")
                lines += [f"      {field}: {json.dumps(header)}" for field, header in columns.items()]
        lines += ["", "report:", "  title: Fix before you market"]
        return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=None)
def _schema_accepts_kind(kind: str) -> bool:
    """Whether journey.yaml takes `kind:` on a touchpoint today (another change adds it): write it only then."""
    try:
        from fixfirst.journey.model import TouchpointSpec
    except ImportError:
        return False
    if "kind" not in TouchpointSpec.model_fields:
        return False
    try:
        TouchpointSpec.model_validate({"id": "x", "name": "x", "stage": "s", "kind": kind})
    except Exception:
        return False
    return True


@functools.lru_cache(maxsize=None)
def _schema_accepts_client(name: str, value: str) -> bool:
    """Whether audit.yaml's client takes this optional field and value today (business_type, sector)."""
    try:
        from fixfirst.config.engagement import Client
    except ImportError:
        return False
    if name not in Client.model_fields:
        return False
    try:
        Client.model_validate({"name": "x", name: value})
    except Exception:
        return False
    return True


# ----------------------------------------------------------------------------------------------------------------- text

def _fill(rng, template: str, item: str) -> str:
    return template.format(item=item, n=int(rng.integers(2, 6)), m=int(rng.integers(4, 10)),
                           day=_pick(rng, ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]), word="{word}")


POSITIVE = {
    "landing": ["Really easy website to browse, found the {item} in minutes.", "Lovely website, great to browse on a Sunday."],
    "product": ["The product page photos are spot on, the {item} looks just like them.", "Great description on the product page, no surprises."],
    "basket": ["Easy to add things to the basket and the discount code worked.", "Basket saved my {item} for later, handy."],
    "checkout": ["Checkout was quick and easy.", "Smooth checkout, done in a minute."],
    "payment": ["Paying with apple pay was seamless.", "Easy payment, thank you."],
    "delivery": ["Quick delivery, the {item} arrived the next day.", "Delivery was on time and the courier was friendly."],
    "unboxing": ["Beautiful packaging, the {item} felt like a gift.", "Lovely quality and packaging."],
    "support": ["Great customer service, sorted my question the same day.", "Customer service were so helpful with my {item}."],
    "returns": ["Easy return, refund came through quickly.", "The exchange was easy and quick, thank you."],
    "repeat": ["Will definitely order again, love the {item}.", "Third time I order again here, always great."],
}
GRUMBLE = {  # ordinary low-level grumbles every shop gets, spread across the journey
    "landing": ["The website is a bit slow to load on my old laptop.", "Hard to find the sale section on the website."],
    "product": ["Would like more photos of the {item} on the product page.", "The description could say more about the {item}."],
    "basket": ["Discount code didn't apply in the basket the first time.", "The basket forgot my {item} once."],
    "checkout": ["Checkout asked for my address twice.", "The checkout form is a bit long."],
    "payment": ["Would be nice to pay with paypal.", "Payment page took a while to load."],
    "delivery": ["Delivery took a day longer than I hoped.", "Courier left the parcel with a neighbour, bit annoying."],
    "unboxing": ["Packaging was a bit excessive for one {item}.", "The quality of the {item} is ok, not amazing."],
    "support": ["Customer service took two days to reply.", "Waited a while to reach customer service."],
    "returns": ["Return label was fiddly to print.", "Refund took a few days longer than expected."],
    "repeat": ["Not sure I'll order again, prices went up.", "Might order again if there's a sale."],
}
_GRUMBLE_WEIGHTS = np.array([0.08, 0.1, 0.06, 0.08, 0.05, 0.25, 0.12, 0.12, 0.06, 0.08])
_GRUMBLE_WEIGHTS = _GRUMBLE_WEIGHTS / _GRUMBLE_WEIGHTS.sum()
NEUTRAL = ["Do you have the {item} in other colours?", "Can I change the address on my order?", "Is the {item} machine washable?",
           "Do you do gift wrapping?", "When will the {item} be back in the sale?", "Hello, quick question about sizes."]
POSITIVE_SURVEY = ["Love it, thank you!", "Great quality, will order again.", "All good, thanks.", "The {item} is perfect.",
                   "Happy overall, nothing to add."]
DEFECT_TEXT = {
    "stockout": ["Ordered the {item}, then an email said it's on backorder. Really disappointed.",
                 "The {item} is sold out again in my size. Please restock!",
                 "Site said in stock, then it was out of stock after I paid. Waited {n} extra days.",
                 "Third time the {item} has been sold out, frustrating.",
                 "My {item} went on backorder and the delivery was {n} days late."],
    "slow_packing": ["Order still not dispatched after {m} days, really frustrating.",
                     "Took ages to dispatch my order, then the delivery was late.",
                     "Waited {m} days for packing and dispatch. Not good enough.",
                     "Still waiting for my {item} to be dispatched. Not happy."],
    "carrier": ["Parcel was late, courier tracking said nothing for {n} days.",
                "The courier lost my parcel for {n} days, delivery was late.",
                "Delivery was late again, the courier missed the slot.",
                "Tracking not updated, the {item} turned up late. Poor courier."],
    "mobile_checkout": ["Couldn't complete checkout on my phone, the pay button does nothing.",
                        "Checkout on mobile keeps crashing, had to use my laptop.",
                        "Tried to check out on my phone three times, gave up.",
                        "The checkout page doesn't fit on my phone, frustrating."],
    "payment_incident": ["Payment failed three times, card declined although it works everywhere else.",
                         "Charged but never got a confirmation email, payment error.",
                         "Payment page error, couldn't pay for the {item}.",
                         "Card declined again and again at payment, gave up."],
    "returns": ["Had to return the {item}, not as described at all. Waiting for my refund.",
                "Wrong size again, second return this month. Disappointing.",
                "Returned the {item}, it looked nothing like the pictures. Refund is slow.",
                "The {item} doesn't fit, sizes are way off. Sending it back for a refund."],
    "product_page": ["The product page photos don't load any more, can't see what I'm buying.",
                     "Product page is broken since the redesign, no description.",
                     "Can't choose a size on the product page any more, frustrating.",
                     "The new product page is confusing, photos missing."],
}
STAFF_TEXT = {
    "stockout": ["{n} customers asked about the {item} today, sold out again.", "Rang {n} customers about backorders on the {item}, two cancelled."],
    "slow_packing": ["Packing backlog about {n}0 orders deep, dispatch running late.", "Couldn't clear packing today, {n}0 orders wait for dispatch."],
    "carrier": ["Courier tracking stuck again, {n} customers chasing late parcels.", "Carrier missed the slot, {n}0 parcels delivered late."],
    "mobile_checkout": ["Customer rang to order, checkout wouldn't work on her phone.", "{n} phone orders today from people stuck at checkout on mobile."],
    "payment_incident": ["Lots of calls today: payment failing at the last step.", "Card payments failing since this morning, card declined for everyone."],
    "returns": ["{n} returns today, all 'not as described'.", "Another return of the {item}, customer says wrong size, refund issued."],
    "product_page": ["Customers asking for photos, product page images broken since the update.", "Product page description missing on the {item}."],
}
ANGRY = ["Absolutely furious. The {word} was a disgrace, worst experience ever.",
         "Never again! The {word} was appalling and nobody cares.",
         "Disgusting service, the {word} was a total joke."]


# ------------------------------------------------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write (one business), or the parent folder with --family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--defects", default=None, help="comma-separated kinds to plant (default: drawn)")
    parser.add_argument("--healthy", action="store_true", help="plant nothing")
    parser.add_argument("--family", type=int, metavar="N", help="write the N businesses of family(N, --seed) into OUT/seed-S/")
    args = parser.parse_args(argv)
    if args.family:
        for spec in family(args.family, args.seed):
            truth = make_business(spec.seed, args.out / f"seed-{spec.seed}", spec=spec)
            (args.out / f"seed-{spec.seed}.truth.json").write_text(json.dumps(truth.to_dict(), indent=1))
            print(f"seed-{spec.seed}: {truth.label()}")
        return
    defects = () if args.healthy else (tuple(args.defects.split(",")) if args.defects else None)
    truth = make_business(args.seed, args.out, spec=draw_spec(args.seed, defects=defects))
    print(json.dumps({k: v for k, v in truth.to_dict().items() if k != "params"}, indent=1))


if __name__ == "__main__":
    main()
