"""What each kind of source must or may contain, and the column names exports use for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

FieldType = Literal["id", "datetime", "number", "bool", "text", "category", "rating", "score10", "percent", "agree7"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    synonyms: tuple[str, ...] = ()
    description: str = ""


def _f(name: str, type_: FieldType, *synonyms: str, required: bool = False, description: str = "") -> FieldSpec:
    return FieldSpec(name, type_, required, synonyms, description)


# Synonyms are compared after normalise(): lower case, letters and digits only.
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "orders": (
        _f("order_id", "id", "order id", "order number", "order no", "order", "name", "order_name", required=True, description="unique order reference"),
        _f("ordered_at", "datetime", "ordered at", "order date", "created at", "order_purchase_timestamp", "date", "placed at", required=True, description="when the order was placed"),
        _f("paid_at", "datetime", "paid at", "payment date", "order_approved_at", "approved at"),
        _f("shipped_at", "datetime", "shipped at", "dispatched at", "fulfilled at", "order_delivered_carrier_date", "ship date"),
        _f("delivered_at", "datetime", "delivered at", "delivery date", "order_delivered_customer_date"),
        _f("promised_at", "datetime", "promised by", "promised at", "promised date", "order_estimated_delivery_date", "estimated delivery", "due date"),
        _f("status", "category", "status", "order status", "order_status", "fulfillment status"),
        _f("customer_id", "id", "customer id", "customer", "customer_unique_id", "email", "customer email"),
        _f("channel", "category", "channel", "sales channel", "source"),
        _f("device", "category", "device", "platform"),
        _f("item", "text", "item", "product", "sku", "lineitem name", "product name"),
        _f("quantity", "number", "quantity", "qty", "lineitem quantity"),
        # Filled by folding order lines (a lines: file, or a line-item export): units ordered, and the distinct items.
        _f("item_count", "number", "item count", "items count", "number of items", "num items", "order_items_qty", "items qty",
           description="units in the order (its lines' quantities, else its number of lines)"),
        _f("items", "text", "items", "line items", "items ordered", "product list", description="the order's distinct items, joined with '; '"),
        _f("value", "number", "order value", "order value gbp", "total", "order total", "amount", "value", "price", "payment_value"),
        _f("payment_method", "category", "payment method", "payment_type", "payment type", "payment gateway", "gateway",
           description="how the order was paid (with several payments: the one carrying the most money)"),
        _f("instalments", "number", "instalments", "installments", "payment_installments", "number of instalments",
           "number of installments", "installment count", description="number of instalments the payment is spread over"),
        _f("backordered", "bool", "backordered", "backorder", "stock out", "stockout", "out of stock"),
        _f("returned", "bool", "returned", "return", "refunded"),
        _f("return_reason", "text", "return reason", "refund reason"),
        _f("cancel_reason", "text", "cancel reason", "cancellation reason", "cancelled reason", "reason for cancellation"),
    ),
    "survey": (
        _f("respondent_id", "id", "response id", "respondent id", "respondent", "id"),
        _f("submitted_at", "datetime", "submitted", "submitted at", "timestamp", "date", "end date"),
        _f("order_id", "id", "order id", "order", "job id", "booking id"),
        _f("recommend", "score10", "recommend", "nps", "likelihood to recommend", description="0-10 'would you recommend' score"),
        _f("overall", "rating", "overall", "overall satisfaction", "satisfaction", "review score", "review_score"),
        _f("effort", "agree7", "effort", "customer effort", "customer effort score", "ces", "easy to handle", "made it easy",
           description="Customer Effort Score: 1-7 agreement that the company made it easy (7 = strongly agree)"),
        _f("satisfied", "bool", "satisfied", "customer satisfied", "is satisfied", "satisfied yes no",
           description="two-class outcome: satisfied / not (e.g. 'satisfied' vs 'neutral or dissatisfied')"),
        _f("comment", "text", "comment", "comments", "anything else", "feedback", "review_comment_message"),
    ),
    "feedback": (
        _f("text", "text", "text", "comment", "review", "message", "feedback", "body", "description", "review_comment_message",
           "review text", "ticket description", "tweet", required=True),
        _f("source", "category", "source", "type", "from"),
        _f("date", "datetime", "date", "created", "created at", "timestamp", "submitted", "review_creation_date", "tweet_created"),
        _f("rating", "rating", "rating", "stars", "score", "review_score", "customer satisfaction rating", "satisfaction rating"),
        _f("channel", "category", "channel", "platform", "site", "ticket channel"),
    ),
    "events": (
        _f("case_id", "id", "session id", "session_id", "case id", "case:concept:name", "visit id", "user session", required=True),
        _f("activity", "category", "step", "event", "activity", "page", "concept:name", "event name", required=True),
        # Optional: funnel exports with one table per step carry no times; conversion still works without them.
        _f("timestamp", "datetime", "timestamp", "time", "time:timestamp", "event time", "date"),
        # Segments compare like with like: device (segment), acquisition channel, new or returning visitor. Each is optional;
        # conversion is compared within them, so a change in the mix of visitors is not read as a drop in a step.
        _f("segment", "category", "device", "platform", "device category", "device type", description="device or platform"),
        _f("channel", "category", "channel", "acquisition channel", "traffic source", "source medium", "utm source",
           "marketing channel", "default channel group", "default channel grouping", "session source",
           description="acquisition channel of the case (organic, paid search, e-mail...)"),
        _f("visitor_type", "category", "visitor type", "user type", "customer type", "new vs returning", "new or returning",
           "new returning", "user lifecycle", "lifecycle", "lifecycle stage", "returning visitor",
           description="new or returning visitor (or a lifecycle stage such as loyal)"),
        _f("resource", "category", "resource", "org:resource", "agent", "staff", "assignee"),
    ),
    "campaigns": (
        _f("name", "text", "campaign", "name", "campaign name", required=True),
        _f("start", "datetime", "start", "start date", "from", required=True),
        _f("end", "datetime", "end", "end date", "to", required=True),
        _f("channel", "text", "channel", "channels"),
        _f("uplift", "percent", "expected uplift", "uplift", "expected lift"),
        _f("spend", "number", "spend", "spend gbp", "budget", "cost"),
        _f("status", "category", "status"),
    ),
    "leads": (
        _f("lead_id", "id", "lead id", "lead", "mql_id", "mql id", "contact id", required=True, description="unique lead reference"),
        _f("created_at", "datetime", "created at", "first contact date", "first_contact_date", "lead date", "date", "created", required=True),
        _f("channel", "category", "channel", "origin", "source", "lead source", "utm source"),
        _f("won_at", "datetime", "won at", "won date", "won_date", "deal date", "closed at", "converted at"),
    ),
    "deals": (
        _f("lead_id", "id", "lead id", "lead", "mql_id", "mql id", "contact id", required=True, description="the lead the deal came from"),
        _f("won_at", "datetime", "won at", "won date", "won_date", "deal date", "closed at", "date", required=True),
        _f("value", "number", "value", "deal value", "amount", "declared_monthly_revenue", "revenue"),
    ),
    "capacity": (
        _f("step", "text", "step", "process step", "operation", "stage", "activity", required=True, description="operational step, e.g. pick and pack"),
        _f("date", "datetime", "date", "day"),
        _f("units_per_day", "number", "units per day", "capacity per day", "capacity", "orders per day", "daily capacity"),
        _f("staff_hours", "number", "staff hours", "hours", "labour hours", "labor hours"),
        _f("units_per_staff_hour", "number", "units per staff hour", "units per hour", "rate per hour", "rate"),
    ),
}


def normalise(header: object) -> str:
    """Compare headers on letters and digits only, so 'Order ID', 'order_id' and 'ORDER-ID' match."""
    text = str(header).strip().lower()
    text = re.sub(r"\(.*?\)", " ", text)  # units such as '(GBP)' or '(1-5)' do not change the meaning
    return re.sub(r"[^a-z0-9]+", "", text)


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    return FIELDS[kind]
