"""The headline figures written once: headroom, campaign late share, usual week, money, a weak spot's rank, score and money.

Every page that shows one of these facts calls these functions, so the PDF, the HTML, the CLI and the workbook read alike.
"""

from __future__ import annotations

from ..scoring.decision import CampaignFigures, Decision, HeadroomFigure
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


def headroom(room: HeadroomFigure | None, fmt: Formatter) -> str:
    """The headroom as extra orders a week: 'about 48 extra orders a week'."""
    if room is None or room.status == "unknown":
        return "not known: no daily volume on record kept the promise"
    if room.status == "over_target" or not room.extra_orders_per_week:
        return "no extra orders: today's volume already uses what operations have"
    words = "at least about" if room.lower_bound else "about"
    if room.status == "beyond_search":
        words = "more than"
    return f"{words} {orders(room.extra_orders_per_week, fmt, 'extra')} a week"


def headroom_share(room: HeadroomFigure | None, decision: Decision, fmt: Formatter) -> str:
    """'+27% on a usual 181 orders a week'."""
    if room is None or room.uplift is None or decision.usual_orders_per_week is None:
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
    if campaign.extra_orders_per_week is not None:
        size += f", about {orders(campaign.extra_orders_per_week, fmt)} a week above the usual"
    return size


def campaign_late(campaign: CampaignFigures | None, fmt: Formatter) -> str:
    """The share of the campaign's orders projected late: '42%'."""
    if campaign is None or campaign.late_share is None:
        return "not projected"
    return fmt.percent(campaign.late_share)


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

