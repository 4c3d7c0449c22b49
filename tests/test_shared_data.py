"""Audits of real third-party exports from ../shared/data, set up in tmp_path the way a consultant would."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fixfirst.engagement import Promise, SourceSpec
from fixfirst.errors import Severity
from fixfirst.ingest import load_source
from fixfirst.ingest.readers import read_table
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.pipeline import audit_from, check_engagement, run_audit
from fixfirst.settings import Ingest, Settings
from fixfirst.signals.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.feedback import tag_feedback

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared real-world data not found at {DATA} (a checkout outside the workplace)")


def shared(relative: str) -> Path:
    path = DATA / relative
    if not path.is_file():
        pytest.skip(f"shared data file {relative} is missing from {DATA}")
    return path


def make_engagement(folder: Path, sources: list[dict], journey: dict, promise: dict | None = None) -> Path:
    """audit.yaml and journey.yaml as a consultant writes them; `file:` points at the shared file in place."""
    folder.mkdir(parents=True, exist_ok=True)
    audit = {
        "client": {"name": "Shared data client"},
        "promise": promise or {"description": "Delivered by the date promised at checkout", "business_days": 20},
        "journey": "journey.yaml",
        "sources": sources,
    }
    (folder / "audit.yaml").write_text(yaml.safe_dump(audit, sort_keys=False), encoding="utf-8")
    (folder / "journey.yaml").write_text(yaml.safe_dump(journey, sort_keys=False), encoding="utf-8")
    return folder


def by_code(problems, code: str, column: str | None = None):
    return [p for p in problems if p.code == code and (column is None or p.column == column)]


# ---------------------------------------------------------------- (a) Olist orders

OLIST_ORDERS = "olist-orders-sample/olist_orders_dataset.csv"


@pytest.fixture(scope="module")
def olist(tmp_path_factory):
    orders = shared(OLIST_ORDERS)
    journey = {
        "stages": ["receive"],
        "touchpoints": [{"id": "delivery", "name": "Delivery", "stage": "receive", "data": {"orders": ["delivery", "dispatch"]}}],
    }
    folder = make_engagement(tmp_path_factory.mktemp("olist"), [{"kind": "orders", "file": str(orders)}], journey)
    return orders, run_audit(folder)


def test_olist_orders_auto_map_every_delivery_timestamp(olist):
    _, audit = olist
    table = audit.data.get("orders")
    assert table.mapping == {
        "order_id": "order_id",
        "ordered_at": "order_purchase_timestamp",
        "paid_at": "order_approved_at",
        "shipped_at": "order_delivered_carrier_date",
        "delivered_at": "order_delivered_customer_date",
        "promised_at": "order_estimated_delivery_date",
        "status": "order_status",
        "customer_id": "customer_id",
    }
    assert set(table.mapping_how.values()) == {"auto"}
    assert table.rows_read == 4071
    # Mixed quoting of ids ("abc" and abc) must not leak quotes into the values.
    assert not table.frame["order_id"].str.contains('"').any()
    assert table.frame["order_id"].str.fullmatch(r"[0-9a-f]{32}").all()


def test_olist_delivery_signal_has_a_large_sample_and_a_plausible_late_share(olist):
    path, audit = olist
    [signal] = [s for s in audit.signals.signals if s.metric == "promise_breach"]
    assert signal.touchpoint == "delivery" and signal.n > 1000
    # Observed 342 of 3,975 (8.6%). Recompute independently from the raw file: delivered after the
    # estimated day, or still undelivered past it, among orders not cancelled or unavailable.
    raw = pd.read_csv(path, parse_dates=["order_purchase_timestamp", "order_delivered_customer_date", "order_estimated_delivery_date"])
    raw = raw[~raw["order_status"].isin(["canceled", "unavailable"])]
    delivered = raw["order_delivered_customer_date"].notna()
    due = raw["order_estimated_delivery_date"].dt.normalize()
    late = (delivered & (raw["order_delivered_customer_date"].dt.normalize() > due)) | (~delivered & (due < raw["order_purchase_timestamp"].max().normalize()))
    assert 0.03 < signal.value < 0.20
    assert signal.value == pytest.approx(late.mean(), abs=0.01)
    assert signal.ci_low < signal.value < signal.ci_high
    kpi = {k.name: k for k in audit.signals.kpis}["On-time delivery"]
    assert kpi.value == pytest.approx(1 - signal.value) and kpi.n == signal.n


def test_olist_sequence_warnings_point_at_real_rows_of_the_file(olist):
    path, audit = olist
    warnings = by_code(audit.data.problems, "sequence.out_of_order", "order_delivered_carrier_date")
    located = [p for p in warnings if p.row is not None]
    assert located and all(p.severity is Severity.WARNING for p in warnings)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for problem in located[:10]:
        row = rows[problem.row - 2]  # the header is row 1
        assert row["order_delivered_carrier_date"] == problem.value
        assert row["order_delivered_carrier_date"] < max(row["order_purchase_timestamp"], row["order_approved_at"])
    table = audit.data.get("orders")
    assert table.rows_dropped == table.rows_read - table.rows_kept > 0


# ---------------------------------------------------------------- (b) clickstream and an XES event log

CLICK_STEPS = [
    ("home", "discover", ["home"]),
    ("product", "consider", ["product_view"]),
    ("cart", "buy", ["add_to_cart", "cart"]),
    ("checkout", "buy", ["shipping_details", "payment_details"]),
    ("purchase", "buy", ["purchase"]),
]


@pytest.fixture(scope="module")
def clickstream(tmp_path_factory):
    events = shared("clickstream-ecom/events.csv")
    journey = {
        "stages": ["discover", "consider", "buy"],
        "touchpoints": [{"id": i, "name": i.title(), "stage": stage, "data": {"events": acts}} for i, stage, acts in CLICK_STEPS],
        "transitions": [{"from": a[0], "to": b[0]} for a, b in zip(CLICK_STEPS, CLICK_STEPS[1:])],
    }
    folder = make_engagement(tmp_path_factory.mktemp("clicks"), [{"kind": "events", "file": str(events)}], journey)
    return events, run_audit(folder)


def test_clickstream_maps_session_event_timestamp_and_platform(clickstream):
    _, audit = clickstream
    table = audit.data.get("events")
    assert table.mapping == {"case_id": "session_id", "activity": "event", "timestamp": "timestamp", "segment": "platform"}
    assert table.rows_read == 31106 and table.rows_dropped == 0
    assert not audit.data.problems.has_errors


def test_clickstream_gives_conversion_between_every_step_matching_a_recount(clickstream):
    path, audit = clickstream
    raw = pd.read_csv(path)
    step_of = {act: tp for tp, _, acts in CLICK_STEPS for act in acts}
    reached = raw.assign(step=raw["event"].map(step_of)).dropna(subset=["step"]).groupby("session_id")["step"].agg(set)
    signals = {s.edge: s for s in audit.signals.signals if s.metric == "conversion"}
    assert set(signals) == {(a[0], b[0]) for a, b in zip(CLICK_STEPS, CLICK_STEPS[1:])}
    for (a, b), signal in signals.items():
        at_a = reached[reached.map(lambda s: a in s)]
        assert signal.n == len(at_a)
        assert signal.detail["continued"] == int(at_a.map(lambda s: b in s).sum())
        assert 0 < signal.value < 1
        assert signal.detail["segments"].keys() == {"desktop", "mobile", "tablet"}
    # Observed: home->product 79% (n=2,099), product->cart 41% (n=2,868), cart->checkout 66%, checkout->purchase 59% (n=798).
    assert signals[("product", "cart")].value < signals[("home", "product")].value
    kpi = {k.name: k for k in audit.signals.kpis}["Web conversion"]
    assert 0 < kpi.value < 1


def test_xes_event_log_maps_its_colon_headers():
    path = shared("event-logs/helpdesk.csv")
    table, problems = load_source(SourceSpec(kind="events", file=path.name), path, Ingest(), [])
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert table.mapping == {"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp",
                             "resource": "org:resource"}
    assert table.rows_kept == 21348
    assert table.frame["timestamp"].dt.year.between(2010, 2014).all()  # +00:00 offsets read, not dropped
    assert table.frame["case_id"].nunique() > 4000


# ---------------------------------------------------------------- (c) airline survey with a leading unnamed index column

AIRLINE_RATINGS = ["Ease of Online booking", "Online boarding", "Checkin service", "Baggage handling", "Inflight wifi service"]


@pytest.fixture(scope="module")
def airline(tmp_path_factory):
    survey = shared("airline-passenger-satisfaction/survey.csv")
    journey = {
        "stages": ["book", "airport", "fly"],
        "touchpoints": [
            {"id": "booking", "name": "Online booking", "stage": "book", "data": {"survey": ["Ease of Online booking", "Online boarding"]}},
            {"id": "airport", "name": "Airport", "stage": "airport", "data": {"survey": ["Checkin service", "Baggage handling"]}},
            {"id": "onboard", "name": "On board", "stage": "fly", "data": {"survey": ["Inflight wifi service"]}},
        ],
        "transitions": [{"from": "booking", "to": "airport"}, {"from": "airport", "to": "onboard"}],
    }
    folder = make_engagement(tmp_path_factory.mktemp("airline"), [{"kind": "survey", "file": str(survey)}], journey)
    return survey, check_engagement(folder)


def test_airline_survey_leading_index_column_is_dropped(airline):
    path, checked = airline
    raw = read_table(path, Ingest())
    assert raw.dropped_index_column and raw.frame.columns[0] == "id"
    table = checked.data.get("survey")
    assert table.mapping["respondent_id"] == "id"  # the real id, not the pandas index before it
    assert "(unnamed column 1)" not in table.mapping.values()
    assert table.rows_read == 25976 and table.rows_dropped == 0
    assert table.frame["respondent_id"].iloc[:2].tolist() == ["19556", "90035"]
    assert not checked.data.problems.has_errors


def test_airline_ratings_named_in_the_journey_load_and_zero_means_not_asked(airline):
    path, checked = airline
    table = checked.data.get("survey")
    raw = pd.read_csv(path)
    for header in AIRLINE_RATINGS:
        assert table.mapping[f"rating:{header}"] == header and table.mapping_how[f"rating:{header}"] == "journey"
        loaded = table.frame[f"rating:{header}"]
        assert loaded.notna().sum() == raw[header].between(1, 5).sum()
        assert loaded.dropna().between(1, 5).all()
    zeros = by_code(checked.data.problems, "value.out_of_scale", "Online boarding")
    assert zeros and {p.value for p in zeros if p.row is not None} == {"0"}
    assert (raw["Online boarding"] == 0).sum() == 652


def test_airline_survey_audit_ranks_touchpoints_by_top2box(airline):
    path, checked = airline
    audit = audit_from(checked)
    signals = {s.label: s for s in audit.signals.signals if s.metric == "top2box"}
    assert len(signals) == len(AIRLINE_RATINGS)
    raw = pd.read_csv(path)
    for header in AIRLINE_RATINGS:
        signal = signals[f"Survey: '{header}' rated 4 or 5"]
        answered = raw[header].between(1, 5)
        assert signal.n == answered.sum()
        assert signal.value == pytest.approx((raw.loc[answered, header] >= 4).mean())
    assert audit.verdict.status  # the audit runs to a verdict on survey data alone


def test_airline_two_class_satisfaction_label_is_not_read_as_a_rating(airline):
    _, checked = airline
    assert by_code(checked.data.problems, "value.unreadable", "satisfaction") == []
    rejected = by_code(checked.data.problems, "mapping.guess_rejected", "satisfaction")
    assert len(rejected) == 1 and "overall" in rejected[0].message
    assert "overall" not in checked.data.get("survey").mapping


# ---------------------------------------------------------------- (d) tweets as feedback

TWEET_JOURNEY = {
    "stages": ["fly", "after"],
    "touchpoints": [
        {"id": "flight", "name": "Flight", "stage": "fly", "data": {"keywords": ["late", "delay", "cancelled", "canceled", "on time"]}},
        {"id": "baggage", "name": "Baggage", "stage": "after", "data": {"keywords": ["bag", "luggage", "baggage", "suitcase"]}},
        {"id": "service", "name": "Customer service", "stage": "after", "data": {"keywords": ["customer service", "on hold", "hold", "agent"]}},
    ],
}


@pytest.fixture(scope="module")
def tweets(tmp_path_factory):
    path = shared("twitter-airline-feedback/tweets.csv")
    sources = [{"kind": "feedback", "file": str(path), "columns": {"date": "tweet_created", "channel": "airline"}}]
    folder = make_engagement(tmp_path_factory.mktemp("tweets"), sources, TWEET_JOURNEY)
    return path, run_audit(folder)


def test_tweets_load_as_feedback_with_text_mapped(tweets):
    _, audit = tweets
    table = audit.data.get("feedback")
    assert table.mapping == {"text": "text", "date": "tweet_created", "channel": "airline"}
    assert table.mapping_how == {"text": "auto", "date": "explicit", "channel": "explicit"}
    assert table.rows_read == 14640 and table.rows_kept == 14640  # multi-line tweets stay one row each
    assert table.frame["date"].min() == pd.Timestamp("2015-02-17 07:36:05")  # -0800 offsets read as UTC
    assert table.frame["channel"].nunique() == 6


def test_tweets_give_complaint_signals_that_agree_with_human_labels(tweets):
    path, audit = tweets
    signals = {s.touchpoint: s for s in audit.signals.signals if s.metric == "complaint_share"}
    assert set(signals) == {"flight", "baggage", "service"}
    # Observed: flight 9.7% (1,416 of 14,640), baggage 2.9%, service 3.8%.
    assert all(s.n == 14640 and 0.01 < s.value < 0.25 for s in signals.values())
    tagged = audit.signals.feedback.frame
    raw = pd.read_csv(path)
    luggage = raw["negativereason"].isin(["Lost Luggage", "Damaged Luggage"]).to_numpy()
    assert tagged["tags"].map(lambda t: "baggage" in t)[luggage].mean() > 0.6  # observed 78%
    negative = (raw["airline_sentiment"] == "negative").to_numpy()
    assert negative[tagged["complaint"].to_numpy()].mean() > 0.8  # observed 91% of complaints are human-negative


def test_tweet_quotes_carry_no_email_or_phone_number(tweets):
    _, audit = tweets
    quotes = [e.text for s in audit.signals.signals for e in s.evidence if e.kind == "quote"]
    assert quotes
    for quote in quotes:
        assert not pd.Series([quote]).str.contains(r"[\w.+-]+@[\w-]+\.[a-z]{2,}|\d(?:[\s().-]{0,2}\d){8,}", regex=True).iloc[0], quote


# ---------------------------------------------------------------- (e) Olist reviews: Portuguese text, rating decides the complaint


def test_olist_reviews_load_as_feedback_and_rating_decides_complaints():
    path = shared("olist-classified-reviews/olist_classified_public_dataset.csv")
    spec = SourceSpec(kind="feedback", file=path.name, columns={"text": "review_comment_message", "rating": "review_score", "date": "review_creation_date"})
    table, problems = load_source(spec, path, Ingest(), [])
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    raw = pd.read_csv(path)
    assert table.rows_kept == raw["review_comment_message"].notna().sum()
    assert table.frame["text"].str.contains("ã|ç|é", regex=True).any()  # Portuguese accents decoded
    assert table.frame["rating"].notna().all()
    promise = Promise(description="x", business_days=10)
    journey = journey_from_spec(JourneySpec.model_validate({"stages": ["receive"], "touchpoints": [
        {"id": "delivery", "name": "Entrega", "stage": "receive", "data": {"keywords": ["entrega", "chegou", "atraso", "prazo"]}}]}))
    tagged = tag_feedback(table.frame, journey, SignalContext(Settings(), promise, WorkingCalendar.from_promise(promise))).frame
    assert tagged["complaint"].tolist() == (tagged["rating"] <= 2).tolist()
    assert tagged["tags"].map(bool).mean() > 0.2


# ---------------------------------------------------------------- more real exports (issue #3)

def test_olist_reviews_load_as_a_survey_with_multi_line_comments():
    path = shared("olist-orders-sample/olist_order_reviews_dataset.csv")
    spec = SourceSpec(kind="survey", file=path.name, columns={"respondent_id": "review_id", "submitted_at": "review_creation_date"})
    table, problems = load_source(spec, path, Ingest(), [])
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert table.mapping["overall"] == "review_score" and table.mapping["comment"] == "review_comment_message"
    assert table.rows_read == 6123 and table.frame["overall"].between(1, 5).all()
    assert table.frame["comment"].str.contains("\n").fillna(False).any()  # quoted comments that span lines survive


def test_olist_classified_file_serves_as_orders_and_as_survey(tmp_path):
    path = shared("olist-classified-reviews/olist_classified_public_dataset.csv")
    journey = {"stages": ["receive"], "touchpoints": [{"id": "delivery", "name": "Delivery", "stage": "receive",
                                                        "data": {"orders": ["delivery"], "keywords": ["entrega", "atraso", "chegou"]}}]}
    sources = [
        {"kind": "orders", "file": str(path), "columns": {"order_id": "id", "paid_at": "order_aproved_at"}},
        {"kind": "survey", "file": str(path), "columns": {"respondent_id": "id", "order_id": "id", "submitted_at": "review_creation_date"}},
    ]
    audit = run_audit(make_engagement(tmp_path / "classified", sources, journey))
    orders, survey = audit.data.get("orders"), audit.data.get("survey")
    assert orders.rows_read == 3584 and "(unnamed column 1)" not in orders.frame.columns
    assert survey.mapping["overall"] == "review_score"
    delivery = next(s for s in audit.signals.signals if s.metric == "promise_breach")
    assert delivery.n > 3000 and 0.02 < delivery.value < 0.3
    assert any("'overall rating'" in e.text for e in delivery.evidence), "late orders' review scores are compared with on-time ones"


FUNNEL_JOURNEY = {
    "stages": ["visit", "buy"],
    "touchpoints": [
        {"id": "home", "name": "Home page", "stage": "visit", "data": {"events": ["home_page"]}},
        {"id": "search", "name": "Search", "stage": "visit", "data": {"events": ["search_page"]}},
        {"id": "payment", "name": "Payment page", "stage": "buy", "data": {"events": ["payment_page"]}},
        {"id": "confirmation", "name": "Confirmation", "stage": "buy", "data": {"events": ["payment_confirmation_page"]}},
    ],
    "transitions": [{"from": "home", "to": "search"}, {"from": "search", "to": "payment"}, {"from": "payment", "to": "confirmation"}],
}


def test_funnel_tables_stack_into_one_event_log(tmp_path):
    steps = [("home_page_table.csv", "home_page"), ("search_page_table.csv", "search_page"),
             ("payment_page_table.csv", "payment_page"), ("payment_confirmation_table.csv", "payment_confirmation_page")]
    sources = [{"kind": "events", "file": str(shared(f"funnel-tables/{name}")), "columns": {"case_id": "user_id", "activity": column}}
               for name, column in steps]
    audit = run_audit(make_engagement(tmp_path / "funnel", sources, FUNNEL_JOURNEY))
    events = audit.data.get("events")
    assert events.rows_read == sum(len(pd.read_csv(shared(f"funnel-tables/{n}"))) for n, _ in steps)
    conversion = {s.edge: s for s in audit.signals.signals if s.metric == "conversion"}
    home = pd.read_csv(shared("funnel-tables/home_page_table.csv"))["user_id"]
    search = pd.read_csv(shared("funnel-tables/search_page_table.csv"))["user_id"]
    expected = home.isin(search).mean()
    assert conversion[("home", "search")].n == home.nunique() == 90400
    assert conversion[("home", "search")].value == pytest.approx(expected)


def test_support_tickets_load_as_feedback_by_name(tmp_path):
    path = shared("support-tickets/tickets.csv")
    table, problems = load_source(SourceSpec(kind="feedback", file=path.name), path, Ingest(), [])
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert table.mapping["text"] == "Ticket Description" and table.mapping["rating"] == "Customer Satisfaction Rating"
    assert table.mapping["channel"] == "Ticket Channel"
    assert table.rows_kept == 8469 and table.frame["rating"].dropna().between(1, 5).all()


@pytest.mark.parametrize("name, cases", [("bpic2013-incidents.csv", 7554), ("receipt.csv", 1434), ("running-example.csv", 6)])
def test_xes_logs_load_with_the_preset(name, cases):
    path = shared(f"event-logs/{name}")
    table, problems = load_source(SourceSpec(kind="events", file=path.name, preset="xes"), path, Ingest(), [], "Europe/Amsterdam")
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert table.mapping_how["case_id"] == "preset" and table.frame["case_id"].nunique() == cases
    assert table.frame["timestamp"].notna().all()
