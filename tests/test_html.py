"""The report HTML, checked with selectors before it becomes a PDF; hostile client data stays inert."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.pipeline import run_audit
from fixfirst.report import render_html, write_report
from fixfirst.report.pdf import SandboxedFetcher, assets_dir

from .conftest import write_tiny_engagement


@pytest.fixture(scope="module")
def sample_html(sample_audit):
    return HTMLParser(render_html(sample_audit))


def test_page_one_names_client_verdict_and_decision(sample_html, sample_audit):
    assert sample_html.css_first("#decision .client-name").text() == "Juniper & Lark"
    # Page one is the decision: what to do with the planned campaign, with its dates, and the data's last day.
    sentence = sample_html.css_first("#decision-sentence")
    assert sentence.attributes["data-advice"] == "postpone" and "Autumn Launch" in sentence.text()
    assert "Based on the data up to 30 Sep 2026" in sample_html.css_first("#as-of").text()
    assert [r.css("td")[1].text() for r in sample_html.css("#first-actions tbody tr")] == [
        s.action.title for s in sample_audit.decision.first_actions]
    assert len(sample_html.css("#first-actions tbody tr")) == 3
    verdict = sample_html.css_first("#verdict")
    assert verdict.text() == "FIX FIRST"
    assert "fix-first" in verdict.attributes["class"]


def test_ranking_table_lists_weak_spots_in_rank_order(sample_html, sample_audit):
    rows = sample_html.css("#ranking tbody tr")
    assert len(rows) == len(sample_audit.ranking.weak_spots) >= 3
    ranks = [int(r.css_first("td").text().lstrip("#")) for r in rows]
    assert ranks == sorted(ranks)
    names = [r.css("td")[1].text().replace("fix first", "").strip() for r in rows[:3]]
    assert set(names) == {"Delivery", "Stock and picking", "Checkout"}


def test_each_weak_spot_shows_its_signals_with_sample_sizes(sample_html, sample_audit):
    for spot in sample_audit.ranking.weak_spots:
        assert sample_html.css_first(f"#weak-spot-{spot.touchpoint.id}") is not None  # the client's card
        block = sample_html.css_first(f"#evidence-{spot.touchpoint.id}")  # the statistics, in the evidence appendix
        assert block is not None
        rows = block.css("table.signals tbody tr")
        assert len(rows) == len(spot.contributions)
        for row in rows:
            n = row.css("td")[5].text().replace(",", "")
            assert int(n) > 0
            # Every signal says which basis set its target.
            assert row.css_first("td.basis").text().split(":")[0] in {"journey", "settings", "benchmark", "baseline", "segment", "default"}


def test_journey_map_draws_every_touchpoint_coloured(sample_html, sample_audit):
    groups = sample_html.css("#journey-map svg g.touchpoint")
    assert {g.attributes["data-touchpoint"] for g in groups} == {t.id for t in sample_audit.journey.touchpoints}
    bands = {g.attributes["data-touchpoint"]: g.attributes["data-band"] for g in groups}
    severe = max(sample_audit.ranking.weak_spots, key=lambda w: w.score)
    assert severe.score >= sample_audit.engagement.settings.verdict.block_score
    assert bands[severe.touchpoint.id] == "far" and bands["home"] == "near"
    labels = [t.text() for t in sample_html.css("#journey-map text.edge-label")]
    assert any("68%" in label for label in labels)


def test_data_quality_and_methodology_sections_are_present(sample_html, sample_audit):
    kinds = {(p.severity, p.file, p.sheet, p.column, p.message) for p in sample_audit.data.problems}
    assert len(sample_html.css("#problems tbody tr")) == len(kinds) >= 5
    assert "3,835" in sample_html.css_first("#problems").text()
    methodology = sample_html.css_first("#methodology").text()
    assert "Wilson" in methodology and "imagined observations" in methodology


def test_quotes_are_redacted(sample_html):
    quotes = " ".join(q.text() for q in sample_html.css("blockquote.quote"))
    assert quotes
    assert not re.search(r"[\w.]+@[\w-]+\.\w+", quotes)
    assert not re.search(r"\d{4,}\s?\d{5,}", quotes)


HOSTILE = '<script>alert(1)</script><img src="http://evil.example/x.png"><a rel="attachment" href="file:///etc/passwd">x</a>'


def test_hostile_client_text_is_escaped_and_fetches_nothing(tmp_path):
    folder = write_tiny_engagement(
        tmp_path / "hostile", client=HOSTILE.replace('"', "'"), late_every=2,
        feedback=[f"Delivery late {HOSTILE.replace(chr(34), '')} call me on 07700 900123 or a.b@example.com"] * 5,
    )
    result = run_audit(folder)
    html = render_html(result)
    tree = HTMLParser(html)
    assert tree.css("script") == []
    assert all(not (img.attributes.get("src") or "").startswith("http") for img in tree.css("img"))
    assert tree.css('a[rel="attachment"]') == []
    assert "&lt;script&gt;" in html
    assert "07700 900123" not in html and "a.b@example.com" not in html
    target = tmp_path / "hostile.pdf"
    write_report(result, target)
    reader = PdfReader(target)
    assert dict(reader.attachments) == {}
    assert "<script>" in "".join(p.extract_text() for p in reader.pages)  # shown as text, never run


def test_sandboxed_fetcher_refuses_network_and_foreign_files(tmp_path):
    fetcher = SandboxedFetcher([assets_dir()])
    secret = tmp_path / "secret.txt"
    secret.write_text("client data")
    for url in ("http://example.com/a.png", "https://example.com/b.css", secret.as_uri(), (assets_dir() / ".." / "report.css").resolve().as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4
    allowed = fetcher.fetch((assets_dir() / "fixfirst-mark.svg").as_uri())
    assert b"<svg" in allowed.read()
    allowed.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_engagement_template_override_wins(tmp_path, sample_dir):
    import shutil

    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    (folder / "overrides" / "_partials").mkdir(parents=True)
    (folder / "overrides" / "_partials" / "healthy.html").write_text('<section id="healthy"><p id="custom">Custom {{ view.meta.client_name }}</p></section>')
    audit = (folder / "audit.yaml").read_text().replace("report:\n", "report:\n  templates: overrides\n")
    (folder / "audit.yaml").write_text(audit)
    tree = HTMLParser(render_html(run_audit(folder)))
    assert tree.css_first("#custom").text() == "Custom Juniper & Lark"
    assert tree.css_first("#decision") is not None  # everything else still comes from the bundled templates


@pytest.mark.parametrize("body", ["{{ no_such_thing }}", "{% if %}"])
def test_a_broken_template_override_is_a_located_user_error(tmp_path, sample_dir, body):
    import shutil

    from fixfirst.errors import FixfirstError

    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    (folder / "overrides" / "_partials").mkdir(parents=True)
    (folder / "overrides" / "_partials" / "healthy.html").write_text(f"<section>\n{body}\n</section>")
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("report:\n", "report:\n  templates: overrides\n"))
    with pytest.raises(FixfirstError) as caught:
        render_html(run_audit(folder))
    assert "healthy.html" in caught.value.cause and "line 2" in caught.value.cause
