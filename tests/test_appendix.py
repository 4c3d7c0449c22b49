"""The appendices: the decision's figures as page 1 writes them, the other model labelled as a cross-check, tables that
fit the page (in the CSS and on the rendered PDF), the verdict rule once, plain words, and the client's currency."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.pipeline import run_audit
from fixfirst.present import figures
from fixfirst.present.numbers import formatter_for
from fixfirst.report import render_html
from fixfirst.resources import templates_dir
from fixfirst.present.verdict_words import verdict_rule

PRINTABLE_WIDTH_MM = 210 - 2 * 16  # A4 less the 16 mm side margins of report.css
MM = 72 / 25.4  # PDF points per millimetre
APPENDIX_IDS = ("capacity", "process", "drivers", "checklists", "data-quality", "methodology", "evidence")


@pytest.fixture(scope="module")
def html(sample_audit) -> str:
    return render_html(sample_audit)


@pytest.fixture(scope="module")
def tree(html) -> HTMLParser:
    return HTMLParser(html)


def _figure(tree, key: str) -> str:
    return tree.css_first(f'#capacity-decision-figures tr[data-figure="{key}"] td.value').text()


# ---------------------------------------------------------------- one figure per fact


def test_capacity_appendix_shows_the_decisions_figures_as_page_one_writes_them(sample_audit, tree):
    d = sample_audit.decision
    fmt = formatter_for(sample_audit.engagement.audit.client)
    assert _figure(tree, "usual-week") == figures.usual_week(d, fmt)
    assert _figure(tree, "headroom").startswith(figures.headroom(d.headroom, fmt))
    assert figures.headroom_share(d.headroom, d, fmt) in _figure(tree, "headroom")
    assert _figure(tree, "campaign-late").startswith(figures.campaign_late(d.campaign, fmt) + " of its orders")
    assert f"planned spend {fmt.money(d.campaign.spend)}" in _figure(tree, "campaign")
    # The scenario table reads the same: the usual week without the campaign, the campaign's late share with it.
    baseline = [td.text() for td in tree.css("#capacity-scenarios tr.scenario-baseline td")]
    campaign = [td.text() for td in tree.css("#capacity-scenarios tr.scenario-campaign td")]
    assert baseline[1] == fmt.count(d.usual_orders_per_week) and campaign[3] == figures.campaign_late(d.campaign, fmt)
    headroom = tree.css_first("#headroom").text()
    assert figures.headroom(d.headroom, fmt) in headroom and figures.headroom_share(d.headroom, d, fmt) in headroom
    # Every usual week the appendix states is the decision's, whatever the sentence.
    text = tree.css_first("#capacity").text()
    usual = set(re.findall(r"usual ([\d,.]+) orders a week", text)) | set(re.findall(r"([\d,.]+) orders a week on the", text))
    assert usual == {fmt.count(d.usual_orders_per_week)}


def test_the_other_models_figures_are_shown_once_and_labelled_as_a_cross_check(sample_audit, tree):
    d = sample_audit.decision
    fmt = formatter_for(sample_audit.engagement.audit.client)
    assert d.headroom.basis.value == "projection" and d.headroom_cross_check.basis.value == "history"
    block = tree.css_first("#capacity-history")
    assert block.css_first("h3").text() == "Cross-check: what the order history alone says"
    cross = block.css_first("#capacity-cross-check").text()
    assert "Headroom by this reading" in cross and "Why the decision does not use it" in cross
    assert fmt.percent(d.campaign.late_share_cross_check) in cross
    # The history's headroom appears in the cross-check and nowhere else in the report.
    body = tree.body.text()
    assert body.count("Headroom by this reading") == 1
    assert "no more than a usual day asks" not in body  # the old unlabelled reading beside the projection's headroom
    # The band the campaign falls in is highlighted with the same written late share.
    assert tree.css_first("#volume-bands tr.campaign-band").css("td")[3].text() == fmt.percent(d.campaign.late_share_cross_check)


def test_the_verdict_rule_appears_once_in_the_whole_report(sample_audit, tree):
    rule = verdict_rule(sample_audit.engagement.settings)
    assert tree.body.text().count(rule) == 1
    assert tree.css_first("#methodology #verdict-rule").text() == rule


# ---------------------------------------------------------------- layout


def _css_widths_mm(css: str) -> dict[str, float]:
    """'<table selector> col.<class>' -> width in mm, for every column width the appendix stylesheet sets in mm or %."""
    widths = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        match = re.search(r"width:\s*([\d.]+)(mm|%)", body)
        if not match:
            continue
        value = float(match.group(1)) * (1 if match.group(2) == "mm" else PRINTABLE_WIDTH_MM / 100)
        for selector in selectors.split(","):
            selector = selector.strip()
            if " col." in selector:
                widths[selector] = value
    return widths


def test_every_appendix_table_is_laid_out_fixed_with_columns_that_fit_the_page(tree):
    css = (templates_dir() / "report" / "css" / "appendix.css").read_text()
    assert re.search(r"section\.appendix table\.fit \{[^}]*table-layout: fixed;[^}]*width: 100%", css)
    widths = _css_widths_mm(css)
    tables = [t for section in APPENDIX_IDS for node in tree.css(f"section#{section}") for t in node.css("table")]
    assert len(tables) >= 10
    for table in tables:
        assert "fit" in table.attributes.get("class", "").split(), table.attributes
        keys = [f"#{table.attributes['id']}"] if table.attributes.get("id") else []
        keys += [f"table.{c}" for c in table.attributes.get("class", "").split() if c != "fit"]
        fixed, free = 0.0, 0
        for col in table.css("colgroup col"):
            cls = col.attributes.get("class")
            width = next((widths[f"{k} col.{cls}"] for k in keys if cls and f"{k} col.{cls}" in widths), None)
            if width is None:
                free += 1
            else:
                fixed += width
        assert table.css("colgroup col"), f"{keys}: no column widths"
        # The set widths leave at least 20 mm for each column without one, and never exceed the printable width.
        assert fixed + 20 * free <= PRINTABLE_WIDTH_MM + 0.5, (keys, fixed, free)


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _measure():
    """Text width in points at a size: DejaVu Sans's own advance widths (the report's font) when the font is installed,
    else half an em a character."""
    if not DEJAVU.exists():
        return lambda text, size: len(text) * size * 0.5
    from fontTools.ttLib import TTFont

    font = TTFont(str(DEJAVU))
    cmap, advances, em = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm

    def width(text: str, size: float) -> float:
        return sum(advances[cmap[ord(c)]][0] if ord(c) in cmap else em / 2 for c in text) * size / em

    return width


def _text_beyond_the_right_margin(pdf: Path) -> dict[int, list[tuple[float, str]]]:
    """Per page, the runs of page text (not the charts' own drawings) that end right of the right margin."""
    from pypdf import PdfReader

    width = _measure()
    found: dict[int, list[tuple[float, str]]] = {}
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        limit = float(page.mediabox.width) - 16 * MM
        beyond: list[tuple[float, str]] = []

        def visit(text, cm, tm, font, size):
            text = text.strip()
            if not text or [round(float(v), 3) for v in cm] == [1, 0, 0, 1, 0, 0]:
                return  # SVG text sits in a form of its own, in its own units: charts are laid out in Python
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if y < 20 * MM:
                return  # the running footer, set in the page's bottom margin
            end = x + width(text, size * tm[0] * cm[0])
            if end > limit + 1:
                beyond.append((round(end, 1), text[:40]))

        page.extract_text(visitor_text=visit)
        if beyond:
            found[number] = beyond
    return found


def _page_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(pdf).pages]


def test_nothing_on_the_appendix_pages_runs_past_the_right_margin(html, tmp_path):
    from fixfirst.report.pdf import write_pdf

    pdf = tmp_path / "report.pdf"
    write_pdf(html, pdf)
    texts = _page_texts(pdf)
    first = next(i for i, t in enumerate(texts, 1) if "Capacity detail and backtest" in t)
    appendix_pages = range(first, len(texts) + 1)
    beyond = _text_beyond_the_right_margin(pdf)
    assert {page: beyond[page] for page in appendix_pages if page in beyond} == {}
    # The check sees an overflow when there is one: a table of unbreakable cells wider than the page.
    wide = tmp_path / "wide.pdf"
    cells = "".join(f"<td>Late,&nbsp;all&nbsp;days&nbsp;{i}</td>" for i in range(9))
    write_pdf(f"<html><body><table><tr>{cells}</tr></table></body></html>", wide)
    assert _text_beyond_the_right_margin(wide)


# ---------------------------------------------------------------- words and order


def test_appendices_are_lettered_in_order_and_use_plain_words(tree):
    sections = [s for s in tree.css("section.appendix")]
    ids = [s.attributes["id"] for s in sections]
    assert ids == [i for i in APPENDIX_IDS if i in ids] and ids[0] == "capacity" and ids[-2:] == ["methodology", "evidence"]
    letters = [s.css_first("h2 .appendix-letter").text() for s in sections]
    assert letters == [f"Appendix {chr(ord('A') + i)}" for i in range(len(sections))]
    for section in sections:
        text = section.text()
        name = section.attributes["id"]
        for banned in ("cases", "Cases", "takt", "Possible overkill", "day(s)", "..", "))", "1 calendar days", "severity"):
            assert banned not in text, (name, banned)
        assert not re.search(r"\b[a-z]+\.[a-z]+_[a-z_]+\b", text), (name, "a setting name")
        if name != "methodology":
            assert "Little's law" not in text, name
        if name not in ("drivers", "evidence"):  # the statistics appendices: their p-values are read plainly beside them
            assert not re.search(r"\bp\s*[=<]\s*0", text), (name, "a p-value")


def test_a_thin_engagement_letters_its_appendices_without_gaps(tiny_engagement):
    tree = HTMLParser(render_html(run_audit(tiny_engagement)))
    sections = tree.css("section.appendix")
    assert [s.css_first("h2 .appendix-letter").text() for s in sections] == [
        f"Appendix {chr(ord('A') + i)}" for i in range(len(sections))]
    assert sections[-1].attributes["id"] in ("methodology", "evidence")


# ---------------------------------------------------------------- the client's currency


@pytest.fixture(scope="module")
def brl_audit(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("brl-appendix") / "eng"
    shutil.copytree(sample_dir, folder)
    audit = (folder / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(audit.replace("  country: GB\n", "  country: GB\n  currency: BRL\n  number_format: pt_BR\n"))
    return run_audit(folder)


def test_a_brl_engagement_writes_reais_and_brazilian_numbers_in_the_appendix(brl_audit):
    tree = HTMLParser(render_html(brl_audit))
    fmt = formatter_for(brl_audit.engagement.audit.client)
    text = " ".join(s.text() for s in tree.css("section.appendix"))
    assert "R$" in text and "£" not in text
    assert fmt.money(brl_audit.decision.campaign.spend) in _figure(tree, "campaign")
    assert _figure(tree, "usual-week") == figures.usual_week(brl_audit.decision, fmt)
    step = tree.css_first("#capacity-steps tbody tr").css("td")[1].text()
    assert "," in step and "." not in step  # 44,2: the decimal comma of pt_BR
