"""The headline figures written once: headroom, campaign late share, usual week, money, a weak spot's rank, score and money.

Every page that shows one of these facts calls these functions, so the PDF, the HTML, the CLI and the workbook read alike.
"""

from __future__ import annotations

from typing import TypeGuard

from ..decision import CampaignFigures, Decision, HeadroomFigure
from .numbers import Formatter


def orders(value: float, fmt: Formatter, adjective: str = "") -> str:
    """'181 orders', '1 order', 'about 48 extra orders': the noun agrees with the number as written."""
    written = fmt.count(value)
    noun = "order" if written == "1" else "orders"
    return f"{written} {adjective + ' ' if adjective else ''}{noun}"


def usual_week(decision: Decision, fmt: Formatter) -> str:
    """'181 orders a week'."""
    if decision.usual_orders_per_week is None:
        return "not known"
    return f"{orders(decision.usual_orders_per_week, fmt)} a week"


def has_room(room: HeadroomFigure | None) -> TypeGuard[HeadroomFigure]:
    """The headroom is a number of extra orders (found, at least, or more than): not none, not unknown."""
    return room is not None and room.status in ("found", "beyond_search") and bool(room.extra_orders_per_week)


def headroom_value(room: HeadroomFigure | None, fmt: Formatter) -> str:
    """The headroom as a figure for a tile: 'about 48', 'at least 331', 'more than 600', 'none', 'not known'."""
    if room is None or room.status == "unknown":
        return "not known"
    if not has_room(room):
        return "none"
    words = "more than" if room.status == "beyond_search" else ("at least" if room.lower_bound else "about")
    return f"{words} {fmt.count(room.extra_orders_per_week)}"


def headroom(room: HeadroomFigure | None, fmt: Formatter) -> str:
    """The headroom as extra orders a week: 'about 48 extra orders a week' (or 'no extra orders', 'an unknown number...')."""
    if room is None or room.status == "unknown":
        return "an unknown number of extra orders a week"
    if not has_room(room):
        return "no extra orders a week"
    words, number = headroom_value(room, fmt).rsplit(" ", 1)
    return f"{words} {number} extra {'order' if number == '1' else 'orders'} a week"


def can_carry(room: HeadroomFigure | None, decision: Decision, fmt: Formatter) -> str:
    """The headroom in one sentence, whatever its status."""
    if room is None or room.status == "unknown":
        return "No daily volume on record kept the promise, so how many extra orders operations can carry is not known."
    if not has_room(room):
        return "Operations have no room for extra orders: today's volume already uses what they have."
    share = headroom_share(room, decision, fmt)
    return f"Operations can carry {headroom(room, fmt)}" + (f" ({share})" if share else "") + "."


def headroom_share(room: HeadroomFigure | None, decision: Decision, fmt: Formatter) -> str:
    """'+27% on a usual 181 orders a week'."""
    if not has_room(room) or room.uplift is None or decision.usual_orders_per_week is None:
        return ""
    return f"{fmt.signed_percent(room.uplift)} on a usual {usual_week(decision, fmt)}"


def campaign_dates(campaign: CampaignFigures, fmt: Formatter) -> str:
    """'12 Oct – 8 Nov 2026'."""
    return f"{fmt.short_date(campaign.start)} – {fmt.date(campaign.end)}"


def campaign_size(campaign: CampaignFigures, fmt: Formatter) -> str:
    """'+60% demand, about 108 orders a week above the usual' (worded apart from the headroom's extra orders)."""
    if campaign.uplift is None:
        return "no expected uplift given"
    size = f"{fmt.signed_percent(campaign.uplift)} demand"
    if campaign.extra_orders_per_week is not None and campaign.extra_orders_per_week >= 0.5:
        size += f", about {orders(campaign.extra_orders_per_week, fmt)} a week above the usual"
    return size


def campaign_late(campaign: CampaignFigures | None, fmt: Formatter) -> str:
    """The share of the campaign's orders projected late: '42%'; to a tenth near a whole-number target (5.4%, not 5%)."""
    if campaign is None or campaign.late_share is None:
        return "not projected"
    return late_share(campaign.late_share, fmt)


def late_share(share: float, fmt: Formatter) -> str:
    """A late share: to a tenth below 10% (5.4% must not read as the 5% target it misses), whole percent above."""
    return fmt.percent(share, 1 if share < 0.0995 else 0)



def money_month(value: float | None, fmt: Formatter) -> str:
    """'£10,982 a month'."""
    return "not measurable" if value is None else f"{fmt.money(value)} a month"


def spot_money(spot, fmt: Formatter) -> str:
    """A weak spot's money at stake a month, or why there is none: the ranking, the cards and the workbook agree."""
    return fmt.money(spot.money_at_stake) if spot.money.measured else "not measurable"


def spot_campaign_money(spot, fmt: Formatter) -> str:
    if not spot.money.measured or spot.money.campaign_revenue_per_month is None:
        return "–"
    return fmt.money(spot.money.campaign_revenue_per_month)


def spot_score(spot, fmt: Formatter) -> str:
    return fmt.count(spot.score)


# What customers did leads what they said: a healthy touchpoint is summed up by its behaviour figure first.
KEY_SOURCE_ORDER = {"orders": 0, "events": 0, "survey": 1, "feedback": 2, "checklist": 3}


def key_signal(spot):
    """The one figure that stands for a touchpoint wherever a single figure is shown (the map's box, the healthy table).

    A weak spot: the signal that contributes most to its score. Otherwise: a judged figure before an unjudged one,
    behaviour before ratings before comments, the largest sample first.
    """
    if not spot.contributions:
        return None
    if spot.rank:
        return spot.main_signal
    return min((c.signal for c in spot.contributions),
               key=lambda s: (not s.judged, KEY_SOURCE_ORDER.get(s.source, 4), -s.n))

