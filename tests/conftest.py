"""Shared fixtures: the bundled sample audit, and small engagements built in code."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from fixfirst.pipeline import run_audit
from fixfirst.resources import sample_engagement

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return sample_engagement()


@pytest.fixture(scope="session")
def sample_audit(sample_dir):
    """The full audit of the bundled sample, computed once per test session."""
    return run_audit(sample_dir)


TINY_JOURNEY = """\
stages: [buy, receive]
touchpoints:
  - id: checkout
    name: Checkout
    stage: buy
    owner: Web
    data: {events: [checkout], keywords: [checkout]}
  - id: paid
    name: Paid
    stage: buy
    data: {events: [paid]}
  - id: delivery
    name: Delivery
    stage: receive
    owner: Ops
    data: {orders: [delivery], keywords: [late, delivery]}
transitions:
  - {from: checkout, to: paid, target_conversion: 0.8}
  - {from: paid, to: delivery}
"""


def write_tiny_engagement(folder: Path, *, client: str = "Tiny Test Shop", late_every: int = 0, orders: int = 60,
                          checkout_drop_every: int = 0, feedback: list[str] | None = None, extra_audit: str = "",
                          campaign_uplift: str | None = None) -> Path:
    """A small engagement: CSV orders (every `late_every`-th delivered 5 days late), events, feedback.

    Monday 2026-03-02 onward, one order a day at 10:00, promise of 2 working days (Mon-Fri).
    With `campaign_uplift` (e.g. "10%") a campaign starting after the orders end is planned.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "journey.yaml").write_text(TINY_JOURNEY)
    start = dt.datetime(2026, 3, 2, 10, 0)
    rows = ["Order ID,Customer ID,Ordered At,Delivered At,Order Value"]
    for i in range(orders):
        ordered = start + dt.timedelta(days=i)
        late = late_every and i % late_every == 0
        delivered = ordered + dt.timedelta(days=6 if late else 1)
        rows.append(f"T{i:04d},C{i % 17:03d},{ordered:%Y-%m-%d %H:%M},{delivered:%Y-%m-%d %H:%M},{20 + i % 7}.50")
    (folder / "orders.csv").write_text("\n".join(rows) + "\n")
    events = ["session,step,time,device"]
    for s in range(200):
        t = start + dt.timedelta(hours=s)
        events.append(f"S{s},checkout,{t:%Y-%m-%d %H:%M:%S},{'mobile' if s % 2 else 'desktop'}")
        if not (checkout_drop_every and s % checkout_drop_every == 0):
            events.append(f"S{s},paid,{t + dt.timedelta(minutes=2):%Y-%m-%d %H:%M:%S},{'mobile' if s % 2 else 'desktop'}")
    (folder / "events.csv").write_text("\n".join(events) + "\n")
    texts = feedback if feedback is not None else ["Lovely shop", "Delivery was late and nobody called", "Great service"]
    (folder / "feedback.csv").write_text("Date,Text\n" + "".join(f'2026-03-{10 + i % 15:02d},"{t}"\n' for i, t in enumerate(texts)))
    campaign_source = ""
    if campaign_uplift is not None:
        begins = start + dt.timedelta(days=orders + 10)
        (folder / "campaigns.csv").write_text(f"Campaign,Start,End,Expected uplift\nSpring push,{begins:%Y-%m-%d},{begins + dt.timedelta(days=14):%Y-%m-%d},{campaign_uplift}\n")
        campaign_source = "  - kind: campaigns\n    file: campaigns.csv\n"
    (folder / "audit.yaml").write_text(textwrap.dedent(f"""\
        client:
          name: "{client}"
        promise:
          description: Delivered within 2 working days
          business_days: 2
        sources:
          - kind: orders
            file: orders.csv
          - kind: events
            file: events.csv
            columns: {{case_id: session, activity: step, timestamp: time}}
          - kind: feedback
            file: feedback.csv
        """) + campaign_source + extra_audit)
    return folder


@pytest.fixture
def tiny_engagement(tmp_path) -> Path:
    return write_tiny_engagement(tmp_path / "tiny", late_every=3, checkout_drop_every=2)
