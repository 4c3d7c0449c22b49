"""Layout of the rendered report: nothing runs off the page, headings stay with their content, no page is left near-empty."""

from __future__ import annotations

import pytest

from fixfirst.report import render_html

from .pdf_layout import PX_PER_MM, render_pages

HEADING_PT = 11.5  # h3 is 12 pt, h2 16 pt: text this large is a heading
SECTION_PT = 15  # h2: a section opens
MARGIN_MM = 16  # report.css: the page's left and right margins
FOOTER_MM = 20  # report.css: the bottom margin holding the footer


def off_page(pages):
    problems = []
    for page in pages:
        for run in page.body():
            if run.x < -0.5 or run.right > page.width + 0.5:
                problems.append(f"page {page.number}: {run.text[:40]!r} runs from {run.x / PX_PER_MM:.0f} to {run.right / PX_PER_MM:.0f} mm")
        for left, right in page.images:
            if left < -0.5 or right > page.width + 0.5:
                problems.append(f"page {page.number}: a picture runs from {left / PX_PER_MM:.0f} to {right / PX_PER_MM:.0f} mm")
    return problems


def outside_margins(pages):
    """Body text past the right margin (the cover-like band of page one is the brand colour, margins aside)."""
    problems = []
    for page in pages:
        limit = page.width - (MARGIN_MM - 1) * PX_PER_MM
        for run in page.body():
            if run.right > limit:
                problems.append(f"page {page.number}: {run.text[:40]!r} ends at {run.right / PX_PER_MM:.0f} mm")
    return problems


def stranded_headings(pages):
    """A heading with nothing under it on its page: its content went on to the next page."""
    problems = []
    for page in pages:
        body = page.body()
        for run in body:
            if run.points >= HEADING_PT and not any(r.top > run.top + run.size for r in body):
                problems.append(f"page {page.number}: heading {run.text[:40]!r} ends the page")
    return problems


def near_empty(pages):
    """Pages less than a third full, unless the next page opens a new section (a section heading first)."""
    problems = []
    for i, page in enumerate(pages[:-1]):
        body = page.body()
        if not body:
            problems.append(f"page {page.number} is empty")
            continue
        top, bottom = 18 * PX_PER_MM, page.height - FOOTER_MM * PX_PER_MM
        filled = (max(r.top + r.size for r in body) - top) / (bottom - top)
        following = pages[i + 1].body()
        # A section opens when a section heading sits at the top of the next page (under at most a small label).
        opens_section = any(r.points >= SECTION_PT and r.top < 40 * PX_PER_MM for r in following)
        if filled < 1 / 3 and not opens_section:
            problems.append(f"page {page.number} is {filled:.0%} full")
    return problems


@pytest.fixture(scope="module")
def sample_pages(sample_audit):
    return render_pages(render_html(sample_audit))


def test_nothing_runs_off_the_page_or_past_the_margins(sample_pages):
    assert off_page(sample_pages) == []
    assert outside_margins(sample_pages) == []


def test_headings_stay_with_their_content(sample_pages):
    assert stranded_headings(sample_pages) == []


def test_no_page_is_left_near_empty_mid_section(sample_pages):
    assert near_empty(sample_pages) == []


def test_the_client_pages_come_first_and_are_few(sample_pages):
    """The decision, the journey, the weak spots and the plan fit in about eight pages; the appendices follow."""
    first_appendix = next(p.number for p in sample_pages if any(r.text.lower().startswith("appendix a") for r in p.body()))
    assert 4 <= first_appendix <= 10
    assert any(r.text == "FIX FIRST" for r in sample_pages[0].body())


def test_the_checks_catch_what_they_look_for():
    """The layout checks themselves: a table wider than the page, a heading left alone, a near-empty page."""
    wide = render_pages("<style>@page{size:A4;margin:18mm 16mm 20mm}</style><table style='width:260mm'><tr><td>a</td>"
                        "<td style='text-align:right'>last column</td></tr></table>")
    assert off_page(wide) and outside_margins(wide)
    alone = render_pages("<style>@page{size:A4;margin:18mm 16mm 20mm} h3{font-size:12pt}</style>"
                         "<div style='height:240mm'></div><h3>Stranded</h3><p style='page-break-before:always'>text</p>")
    assert stranded_headings(alone)
    empty = render_pages("<style>@page{size:A4;margin:18mm 16mm 20mm}</style><p>one line</p>"
                         "<p style='page-break-before:always'>next page, same section</p>")
    assert near_empty(empty)


def test_a_name_without_spaces_does_not_push_anything_off_the_page(tmp_path, sample_dir):
    """Client text is untrusted: a touchpoint called by one 60-letter word wraps inside its cells."""
    import shutil

    from fixfirst.pipeline import run_audit

    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    journey = (folder / "journey.yaml").read_text()
    assert "name: Checkout\n" in journey
    (folder / "journey.yaml").write_text(journey.replace("name: Checkout\n", "name: " + "Checkoutstepformobileusers" * 2 + "\n"))
    pages = render_pages(render_html(run_audit(folder)))
    assert off_page(pages) == [] and outside_margins(pages) == []
