"""Step kinds (landing, product, basket, checkout...) and how a touchpoint's kind is inferred from its words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

StepKind = Literal["landing", "category", "search", "product", "basket", "checkout", "payment", "confirmation",
                   "fulfilment", "dispatch", "delivery", "unboxing", "support", "returns", "repeat", "other"]
STEP_KINDS: tuple[str, ...] = StepKind.__args__  # type: ignore[attr-defined]

# The words and phrases that name each kind, compared on whole words (docs/engagement.md, Step kinds). The id speaks
# first, then the name, then the event names; within one of them the longest phrase wins, then this order. A bare
# "shipping" names nothing: a "shipping details" page is checkout, a shipping team is dispatch.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "confirmation": ("confirmation", "confirm", "confirmed", "purchase", "purchased", "order placed", "order confirmed",
                     "order complete", "order completed", "thank you", "thankyou", "thanks", "receipt", "success"),
    "payment": ("payment", "payments", "pay", "billing", "card"),
    "checkout": ("checkout", "check out", "shipping details", "shipping address", "shipping info", "shipping method",
                 "delivery details", "delivery address", "delivery options", "address"),
    "basket": ("basket", "cart", "bag", "add to cart", "add to basket", "add to bag", "view cart"),
    "product": ("product", "products", "pdp", "product page", "product view", "product detail", "product details", "item", "sku"),
    "search": ("search", "search results", "site search"),
    "category": ("category", "categories", "catalog", "catalogue", "collection", "collections", "listing", "browse", "plp",
                 "filter", "filter results"),
    "landing": ("landing", "home", "homepage", "home page", "landing page", "entry", "welcome", "website"),
    "fulfilment": ("fulfilment", "fulfillment", "pick", "picking", "pack", "packing", "pick pack", "warehouse", "stock",
                   "stockroom", "inventory"),
    "dispatch": ("dispatch", "dispatched", "shipped", "ship", "shipment", "outbound"),
    "delivery": ("delivery", "delivered", "deliver", "courier", "carrier", "last mile", "doorstep"),
    "unboxing": ("unboxing", "packaging", "in hand", "product in hand", "arrival", "arrived"),
    "support": ("support", "customer service", "service", "help", "helpdesk", "help desk", "contact", "ticket", "tickets",
                "chat", "complaint", "complaints"),
    "returns": ("return", "returns", "returned", "refund", "refunds", "exchange", "exchanges"),
    "repeat": ("repeat", "next purchase", "reorder", "re order", "order again", "loyalty", "retention", "again", "rebuy"),
}
# Order-data metrics that say what an operational touchpoint is when its words do not.
ORDER_METRIC_KINDS = {"delivery": "delivery", "dispatch": "dispatch", "stock": "fulfilment", "returns": "returns", "repeat": "repeat"}

_PHRASES = sorted(((tuple(phrase.split()), kind, rank) for rank, (kind, phrases) in enumerate(KIND_WORDS.items()) for phrase in phrases),
                  key=lambda item: -len(item[0]))


def words(text: str) -> list[str]:
    """Lower-case words of an id, a name or an activity: `add_to_cart`, `AddToCart` and `Add to cart` all give add, to, cart."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _best(tokens: list[str]) -> tuple[int, int, str] | None:
    """(phrase length, -priority, kind) of the longest kind phrase found in `tokens`, or None."""
    found = None
    for phrase, kind, rank in _PHRASES:
        size = len(phrase)
        if found is not None and size < found[0]:
            break  # phrases come longest first: nothing shorter can win
        if any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens) - size + 1)):
            candidate = (size, -rank, kind)
            found = candidate if found is None or candidate > found else found
    return found


def infer_kind(identifier: str, name: str = "", events: Sequence[str] = (), orders: Sequence[str] = ()) -> str:
    """The step kind its words name: the longest kind phrase in its id, else in its name, else in its event names;
    else what its order metrics measure; else `other`."""
    for texts in ([identifier], [name], list(events)):
        hits = [hit for hit in (_best(words(text)) for text in texts) if hit is not None]
        if hits:
            return max(hits)[2]
    return next((ORDER_METRIC_KINDS[m] for m in orders if m in ORDER_METRIC_KINDS), "other")
