"""Each weak spot on its own card: its cause in one sentence, the ranking's figures, one chart of the right kind, quotes."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

import pytest
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.pipeline import run_audit
from fixfirst.present import figures
from fixfirst.present import weak_spots as present
from fixfirst.present.numbers import formatter_for
from fixfirst.report import render_html, write_report
from fixfirst.present.charts import spot_charts as charts
from fixfirst.report.html import report_environment
from fixfirst.present.charts.journey_map import text_width
from fixfirst.signals import trends

from .conftest import write_tiny_engagement

PLAIN_WORDS_BANNED = re.compile(r"\bcases?\b|severity|p[=<]|interval|variance|\.\.(?!\.)|\)\)|day\(s\)|\b1 \w+ days\b", re.I)


@pytest.fixture(scope="module")
def fmt(sample_audit):
    return formatter_for(sample_audit.engagement.audit.client)


@pytest.fixture(scope="module")
def view(sample_audit, fmt):
    return present.build(sample_audit, fmt)


@pytest.fixture(scope="module")
def html(sample_audit):
    return HTMLParser(render_html(sample_audit))


def _card(html, spot):
    node = html.css_first(f"#weak-spots article#weak-spot-{spot.touchpoint.id}")
    assert node is not None, spot.touchpoint.id
    return node


def _fact(card, key):
    node = card.css_first(f".fact-{key} .value")
    return None if node is None else node.text()


# ------------------------------------------------------------------------------------------------- the sample's cards

def test_one_card_per_weak_spot_in_rank_order_with_the_ranking_figures(html, sample_audit, fmt):
    spots = sample_audit.ranking.weak_spots
    cards = html.css("#weak-spots article.spot-card")
    assert [c.attributes["id"] for c in cards] == [f"weak-spot-{w.touchpoint.id}" for w in spots]
    assert len(cards) == 3
    for spot, card in zip(spots, cards):
        assert card.css_first("h3 .rank").text() == f"#{spot.rank}"
        assert spot.touchpoint.name in card.css_first("h3").text()
        # The same objects, written by the same Formatter methods as the ranking table and the decision page.
        assert _fact(card, "score") == figures.spot_score(spot, fmt) == fmt.count(spot.score)
        assert _fact(card, "money-now") == figures.spot_money(spot, fmt)
        assert _fact(card, "money-now") == (fmt.money(spot.money_at_stake) if spot.money.measured else "not measurable")
        if spot.money.measured:
            assert _fact(card, "money-campaign") == fmt.money(spot.money.campaign_revenue_per_month)
            assert sample_audit.decision.campaign.name in card.css_first(".fact-money-campaign .label").text()
        else:
            assert _fact(card, "money-campaign") is None
        assert _fact(card, "confidence").lower() == spot.confidence
        assert _fact(card, "owner") == spot.touchpoint.owner
    assert [_fact(c, "money-now") for c in cards[:2]] == ["£10,852", "£130"]


def test_each_card_leads_with_its_root_cause_in_plain_words(html, sample_audit):
    causes = {w.touchpoint.id: _card(html, w).css_first("p.cause").text() for w in sample_audit.ranking.weak_spots}
    # The segment that explains the checkout loss, with both sides' sample sizes.
    assert causes["checkout"].startswith("Mobile customers give up at Checkout: only 54% of 3,566 go on to Payment")
    assert "89% of 2,289 on desktop" in causes["checkout"]
    # The items that run out, and what a backorder does to the delivery promise.
    assert causes["pick_pack"].startswith("Merino Jumper and Linen Shirt keep running out: 24% and 21% of their orders")
    assert "Every backordered order missed the delivery promise, against 12% of orders in stock" in causes["pick_pack"]
    # Deliveries judged on the orders that left in stock and on time; the late orders split by cause.
    assert causes["delivery"].startswith("Deliveries themselves run late: 7.1% of the 4,154 orders that left in stock and on time")
    assert "19% of 4,759 missed the promise: 7.8% of orders because of a backorder" in causes["delivery"]
    for spot in sample_audit.ranking.weak_spots:
        text = _card(html, spot).text()
        assert not PLAIN_WORDS_BANNED.search(text), (spot.touchpoint.id, PLAIN_WORDS_BANNED.search(text))


def test_each_card_draws_the_chart_its_evidence_calls_for(html, sample_audit):
    checkout = _card(html, sample_audit.ranking.for_touchpoint("checkout"))
    assert checkout.css_first("figure.chart-segments svg") is not None
    names = [t.text() for t in checkout.css("text.bar-name")]
    values = [t.text() for t in checkout.css("text.bar-value")]
    assert names == ["Mobile", "Desktop"] and values == ["54% of 3,566", "89% of 2,289"]
    assert len(checkout.css("rect.bar-failing")) == 1 and checkout.css_first("line.target") is not None

    stock = _card(html, sample_audit.ranking.for_touchpoint("pick_pack"))
    items = [t.text() for t in stock.css("figure.chart-items text.bar-name")]
    assert items[:2] == ["Merino Jumper", "Linen Shirt"] and items[-1] == "All other items"
    assert stock.css_first("text.bar-value").text() == "24% of 674 orders"

    delivery = _card(html, sample_audit.ranking.for_touchpoint("delivery"))
    weekly = delivery.css_first("figure.chart-weekly svg")
    assert weekly is not None and weekly.css("polyline.trend") and len(weekly.css("circle.week")) >= 20
    assert weekly.css_first("line.target") is not None and weekly.css_first("text.target-label").text() == "target 5%"
    # The planned campaign's dates are shaded after the data ends, and named.
    assert weekly.css_first("rect.campaign-band") is not None
    assert weekly.css_first("text.campaign-band-label").text() == "Autumn Launch (planned)"
    assert "12 Oct – 8 Nov 2026" in delivery.css_first(".chart-note").text()


def test_chart_text_is_readable_and_stays_inside_the_chart(html):
    svgs = html.css("#weak-spots figure.spot-chart svg")
    assert len(svgs) == 3
    for svg in svgs:
        width = float(svg.attributes["viewBox"].split()[2])
        for t in svg.css("text"):
            size = float(t.attributes["font-size"])
            assert size >= 7.5
            x, anchor = float(t.attributes["x"]), t.attributes["text-anchor"]
            w = text_width(t.text(), size, "font-weight" in t.attributes)
            left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            assert -1 <= left and left + w <= width + 1, t.text()


def test_quotes_come_from_the_touchpoint_and_are_short(html, sample_audit):
    checkout = _card(html, sample_audit.ranking.for_touchpoint("checkout"))
    quotes = [q.text() for q in checkout.css("blockquote.quote")]
    assert 1 <= len(quotes) <= present.QUOTES_PER_CARD
    assert any("phone" in q for q in quotes)
    assert all(len(q.text()) <= present.QUOTE_CHARS + 2 for q in html.css("#weak-spots blockquote.quote"))


def test_series_count_what_the_signals_count(sample_audit):
    spot = sample_audit.ranking.for_touchpoint("pick_pack")
    stock = next(c.signal for c in spot.contributions if c.signal.metric == "stockout")
    items = trends.item_rates(sample_audit.signals.order_facts, "stockout", 30, stock.target)
    assert (items.overall.n, items.overall.hits) == (stock.n, round(stock.value * stock.n))
    gap = next(c.signal for c in sample_audit.ranking.for_touchpoint("checkout").contributions if c.signal.metric == "segment_gap")
    rates = trends.segment_rates(sample_audit.signals.funnel, "segment", "mobile", *gap.edge, 100)
    assert (rates.flagged_rate.n, rates.flagged_rate.hits) == (gap.n, gap.detail.get("hits", round(gap.value * gap.n)))
    series = trends.order_series(sample_audit.signals.order_facts, "promise_breach", 30)
    assert all(p.n >= 0 for p in series.points) and all(
        (b.start - a.start).days == 7 for a, b in zip(series.points, series.points[1:]))


# ----------------------------------------------------------------------------------------------- the evidence appendix

def test_the_statistics_move_to_the_evidence_appendix(sample_audit, view, fmt):
    env = report_environment()
    appendix = type("A", (), {"evidence_letter": "G"})()
    page = HTMLParser(env.get_template("_partials/appendix_evidence.html").render(
        view=type("V", (), {"weak_spots": view, "appendix": appendix})()))
    assert page.css_first("h2").text().startswith("Appendix G")
    assert "metrics." not in page.text()  # where a target comes from, in words: no settings keys
    for spot in sample_audit.ranking.weak_spots:
        block = page.css_first(f"#evidence-{spot.touchpoint.id}")
        rows = block.css("table.signals tbody tr")
        assert len(rows) == len(spot.contributions)
        for row, c in zip(rows, spot.contributions):
            cells = row.css("td")
            assert cells[5].text() == fmt.count(c.signal.n)
            assert row.css_first("td.basis").text() in {"journey", "settings", "benchmark", "baseline", "segment", "default"}
            assert "–" in cells[6].text()
        assert block.css("ul.evidence li")
        assert "))" not in block.text() and "day(s)" not in block.text()


# ------------------------------------------------------------------------------------------------ other businesses

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_quotes_are_redacted_and_hostile_text_is_escaped(tmp_path):
    folder = write_tiny_engagement(tmp_path / "hostile", late_every=2,
                                   feedback=[f"Delivery late {HOSTILE} call me on 07700 900123 or a.b@example.com"] * 5)
    result = run_audit(folder)
    text = render_html(result)
    tree = HTMLParser(text)
    card = tree.css_first("#weak-spot-delivery")
    assert card is not None
    quotes = " ".join(q.text() for q in card.css("blockquote.quote"))
    assert "Delivery late" in quotes and "<script>" in quotes  # shown as text...
    assert tree.css("script") == [] and card.css("img") == []  # ...never as markup
    assert "a.b@example.com" not in text and "07700 900123" not in text
    assert "[e-mail removed]" in quotes and "[phone removed]" in quotes


def test_a_healthy_business_gets_no_cards_and_the_healthy_table(tmp_path):
    result = run_audit(write_tiny_engagement(tmp_path / "healthy", orders=200, campaign_uplift="10%"))
    assert result.ranking.weak_spots == []
    tree = HTMLParser(render_html(result))
    assert tree.css("#weak-spots article.spot-card") == []
    assert tree.css_first("#weak-spots .none-found").text().startswith("No touchpoint scores 10 or more")
    rows = tree.css("#healthy table.healthy tbody tr")
    assert len(rows) == len(result.ranking.healthy) >= 2
    delivery = next(r for r in rows if r.css_first("td").text() == "Delivery")
    assert [td.text() for td in delivery.css("td")][2:4] == ["0% late", "at most 5%"]
    assert tree.css_first("#evidence") is None


def test_a_business_without_events_or_feedback_still_gets_its_card(tmp_path):
    folder = write_tiny_engagement(tmp_path / "orders-only", late_every=3)
    (folder / "audit.yaml").write_text(textwrap.dedent("""\
        client:
          name: "Orders Only"
        promise:
          description: Delivered within 2 working days
          business_days: 2
        sources:
          - kind: orders
            file: orders.csv
        """))
    result = run_audit(folder)
    assert result.signals.funnel is None and result.signals.feedback is None
    tree = HTMLParser(render_html(result))
    card = tree.css_first("#weak-spot-delivery")
    assert card is not None and card.css("blockquote") == []
    assert "missed the delivery promise" in card.css_first("p.cause").text()
    # Sixty orders make thin weeks: the chart compares the figure with its target instead of drawing noise.
    assert card.css_first("figure.chart-measures svg") is not None


# ------------------------------------------------------------------------------------------------------- geometry

def test_a_thin_week_is_muted_and_never_a_spike():
    fmt = formatter_for(type("C", (), {"currency_code": "GBP", "locale": "en_GB"})())
    start = dt.date(2026, 3, 2)
    weeks = [charts.WeekInput(start + dt.timedelta(days=7 * i), 0.05, True, False) for i in range(8)]
    weeks[4] = charts.WeekInput(weeks[4].start, 1.0, False, True)  # one late order of one
    chart = charts.weekly_chart(charts.WeeklyInput(weeks, 0.05, "target 5%"), fmt.percent, fmt.short_date)
    ticks = [t.text for t in chart.labels if t.cls == "tick" and t.text.endswith("%")]
    assert ticks[-1] == "6%"  # the axis follows the solid weeks, not the thin one
    assert len(chart.paths) == 2  # the line breaks at the thin week rather than joining across it
    assert not [d for d in chart.dots if "week-thin" in d.cls]  # off the axis: not drawn at all
    weeks[4] = charts.WeekInput(weeks[4].start, 0.04, False, False)
    chart = charts.weekly_chart(charts.WeeklyInput(weeks, 0.05, "target 5%"), fmt.percent, fmt.short_date)
    assert [d.fill for d in chart.dots if "week-thin" in d.cls] == ["#FFFFFF"]


# ---------------------------------------------------------------------------------------------------------- the PDF

def test_each_card_stays_on_one_page_of_the_pdf(sample_audit, view, tmp_path):
    target = tmp_path / "sample.pdf"
    write_report(sample_audit, target)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(target).pages]
    for card in view.cards:
        # The chart's title is the card's own; its cause and its last quote must be on that same page.
        holding = [text for text in pages if card.chart_title in text]
        assert len(holding) == 1, card.name
        assert " ".join(card.cause.split()[:6]) in holding[0]
        assert " ".join(card.quotes[-1].split()[:5]) in holding[0]
