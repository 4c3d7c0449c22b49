"""Column layouts of common exports (Shopify, WooCommerce, form tools, XES event logs), mapped once here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """A known export: for each field, the headers that export uses, most likely first."""

    kind: str
    columns: dict[str, tuple[str, ...]]
    header_rows: int = 1
    line_items: bool = False  # one row per order line: later rows of an order repeat its id
    description: str = ""


PRESETS: dict[str, Preset] = {
    "shopify": Preset(
        "orders",
        {
            "order_id": ("Name",), "ordered_at": ("Created at",), "paid_at": ("Paid at",), "shipped_at": ("Fulfilled at",),
            "status": ("Financial Status",), "customer_id": ("Email",), "channel": ("Source",), "item": ("Lineitem name",),
            "quantity": ("Lineitem quantity",), "value": ("Total",),
        },
        line_items=True,
        description="Shopify admin > Orders > Export (one row per line item; order fields on its first row)",
    ),
    "woocommerce": Preset(
        "orders",
        {
            "order_id": ("Order Number", "Order ID"), "ordered_at": ("Order Date",), "paid_at": ("Paid Date", "Date Paid"),
            "shipped_at": ("Completed Date", "Date Completed"), "status": ("Order Status",),
            "customer_id": ("Billing Email Address", "Billing Email", "Customer Email"), "item": ("Item Name", "Product Name"),
            "quantity": ("Quantity", "Quantity (- Refund)"), "value": ("Order Total Amount", "Order Total"), "channel": ("Created Via",),
        },
        line_items=True,
        description="WooCommerce > Orders export (one row per line item)",
    ),
    "google-forms": Preset(
        "survey",
        {"submitted_at": ("Timestamp",), "respondent_id": ("Email Address", "Email address", "Username")},
        description="Google Forms responses (Sheets or CSV download)",
    ),
    "surveymonkey": Preset(
        "survey",
        {"respondent_id": ("Respondent ID",), "submitted_at": ("End Date", "Start Date")},
        header_rows=2,
        description="SurveyMonkey 'All responses' export: a question row above an answer row",
    ),
    "typeform": Preset(
        "survey",
        {"respondent_id": ("#", "Response ID", "Token"), "submitted_at": ("Submitted At", "Submit Date (UTC)")},
        description="Typeform results download",
    ),
    "xes": Preset(
        "events",
        {"case_id": ("case:concept:name",), "activity": ("concept:name",), "timestamp": ("time:timestamp",),
         "resource": ("org:resource",)},
        description="Process-mining event logs with XES column names (pm4py, ProM, Celonis and Disco exports)",
    ),
}
