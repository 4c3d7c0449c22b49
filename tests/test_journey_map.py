"""The journey page (map, heat strip, tone per stage) and the plan's priority matrix, checked on the rendered HTML."""

from __future__ import annotations

import math
import re

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.pipeline import run_audit
from fixfirst.present.figures import key_signal
from fixfirst.present.journey import FAR, NEAR, NO_DATA, OFF, figure_words, score_band
from fixfirst.present.numbers import formatter_for
from fixfirst.report import render_html
from fixfirst.present.charts.journey_map import CONTENT_WIDTH_PT, text_width, wrap
from fixfirst.config.settings import Settings

from .conftest import write_tiny_engagement

MIN_PRINTED_PT = 8.0


@pytest.fixture(scope="module")
def sample_tree(sample_audit):
    return HTMLParser(render_html(sample_audit))


def _view_box(svg) -> list[float]:
    attributes = {k.lower(): v for k, v in svg.attributes.items()}
    return [float(v) for v in attributes["viewbox"].split()]


def _name(group) -> str:
    return " ".join(t.text() for t in group.css("text.name"))


def _figure(group) -> str:
    return " ".join(t.text() for t in group.css("text.figure"))


def test_one_box_per_touchpoint_with_its_name_and_key_figure(sample_tree, sample_audit):
    fmt = formatter_for(sample_audit.engagement.audit.client)
    groups = sample_tree.css("#journey-map svg.map g.touchpoint")
    assert [g.attributes["data-touchpoint"] for g in groups] == [tp.id for tp in sample_audit.journey.ordered()]
    for group in groups:
        tp = sample_audit.journey.touchpoint(group.attributes["data-touchpoint"])
        name = _name(group)
        assert name == tp.name or (name.endswith("…") and tp.name.startswith(name[:-1].rstrip()))
        main = key_signal(sample_audit.ranking.for_touchpoint(tp.id))  # the same figure the healthy table gives
        figure = _figure(group)
        if main is None:
            assert figure == "no data"
        else:
            _, phrase, target = figure_words(main, fmt)
            assert figure.startswith(phrase.split()[0])  # the measured share leads the figure
            assert phrase.split()[0] in figure and (target in figure or figure == phrase or figure.endswith("…"))
    checkout = sample_tree.css_first('#journey-map g.touchpoint[data-touchpoint="checkout"]')
    assert "54% of mobile visitors go on" in _figure(checkout) and "target 89%" in _figure(checkout)


def test_weak_spots_carry_their_rank_and_colour_band(sample_tree, sample_audit):
    settings = sample_audit.engagement.settings
    badges = {g.attributes["data-touchpoint"]: g.css_first("g.badge text").text()
              for g in sample_tree.css("#journey-map g.touchpoint") if g.css_first("g.badge") is not None}
    assert badges == {w.touchpoint.id: f"#{w.rank}" for w in sample_audit.ranking.weak_spots}
    assert len(badges) == 3
    bands = {g.attributes["data-touchpoint"]: g.attributes["data-band"] for g in sample_tree.css("#journey-map g.touchpoint")}
    for spot in sample_audit.ranking.assessed:
        if spot.rank:
            assert bands[spot.touchpoint.id] == (FAR if spot.score >= settings.verdict.block_score else OFF)
        else:
            assert bands[spot.touchpoint.id] not in (FAR, OFF)
    assert bands["checkout"] == FAR and bands["home"] == NEAR


def test_colour_bands_follow_the_settings():
    strict = Settings(verdict={"block_score": 70}, scoring={"weak_spot_min_score": 50})
    assert [score_band(s, strict) for s in (40, 60, 75)] == [NEAR, OFF, FAR]
    default = Settings()
    assert [score_band(s, default) for s in (5, 20, 40)] == [NEAR, OFF, FAR]


def test_arrows_show_the_share_going_on_and_mark_the_failing_step(sample_tree, sample_audit):
    labels = {(g.attributes["data-from"], g.attributes["data-to"]): g for g in sample_tree.css("#journey-map path.edge")}
    assert len(labels) == len(sample_audit.journey.transitions)
    assert "alarming" in labels[("checkout", "payment")].attributes["class"]
    assert "alarming" not in labels[("home", "product")].attributes["class"]
    written = [t.text() for t in sample_tree.css("#journey-map text.edge-label")]
    assert "70%" in written and "68%" in written  # home -> product 69.9%, checkout -> payment 67.9%


def test_heat_strip_has_a_row_per_kind_of_evidence_and_a_column_per_stage(sample_tree, sample_audit):
    stages = sample_audit.journey.stages
    table = sample_tree.css_first("#journey-map table.heat-strip")
    assert [th.text() for th in table.css("thead th.stage")] == stages
    rows = {r.css_first("th").text(): r for r in table.css("tbody.evidence tr.heat-row")}
    assert {"Visitors going on", "Out of stock", "Late delivery", "Complaints", "Rated 4 or 5"} <= rows.keys()
    for row in rows.values():
        assert len(row.css("td.heat-cell")) == len(stages)
    stock = [c.text() for c in rows["Out of stock"].css("td")]
    receive = stages.index("receive")
    assert stock[receive].startswith("7.9% (target 2%)")
    assert all(c == "no data" for i, c in enumerate(stock) if i != receive)
    assert "band-far" in rows["Out of stock"].css("td")[receive].attributes["class"]
    flow = rows["Visitors going on"].css("td")[stages.index("buy")]
    assert "54%" in flow.text() and "mobile" in flow.text()  # the worst step of the stage: mobile checkout


def test_tone_per_stage_counts_the_comments_that_name_it(sample_tree, sample_audit):
    frame = sample_audit.signals.feedback.frame
    stage_of = {tp.id: tp.stage for tp in sample_audit.journey.touchpoints}
    cells = sample_tree.css("#journey-map tbody.tone td.tone-cell")
    assert len(cells) == len(sample_audit.journey.stages)
    for stage, cell in zip(sample_audit.journey.stages, cells):
        named = frame[frame["tags"].map(lambda tags: any(stage_of[t] == stage for t in tags))]
        assert int(cell.attributes["data-comments"]) == len(named) > 0
        assert f"{len(named):,} comments" in cell.text()
        negative = round(100 * (named["tone"] < 0).mean())
        assert f"{negative}% negative" in cell.text()
        widths = [float(re.search(r"width: ([\d.]+)%", i.attributes["style"]).group(1)) for i in cell.css(".tone-bar i")]
        assert sum(widths) == pytest.approx(100, abs=0.1)


def test_priority_matrix_has_one_numbered_point_per_scheduled_action(sample_tree, sample_audit):
    schedule = sample_audit.decision.schedule
    points = sample_tree.css("#priority-matrix g.action-point")
    assert [p.attributes["data-action"] for p in points] == [s.action.id for s in schedule]
    assert [p.css_first("text").text() for p in points] == [str(i) for i in range(1, len(schedule) + 1)]
    assert [p.attributes["data-priced"] == "yes" for p in points] == [s.action.estimated_money > 0 for s in schedule]
    svg = sample_tree.css_first("#priority-matrix svg")
    _, _, width, height = _view_box(svg)
    centres = [(float(p.css_first("circle").attributes["cx"]), float(p.css_first("circle").attributes["cy"]),
                float(p.css_first("circle").attributes["r"])) for p in points]
    for i, (x, y, r) in enumerate(centres):
        assert r <= x <= width - r and r <= y <= height - r
        for x2, y2, r2 in centres[i + 1:]:
            assert math.hypot(x - x2, y - y2) >= r + r2, "two action numbers overlap"
    labels = [t.text() for t in svg.css("g.region text")]
    assert any(label.startswith("Quick wins") for label in labels) and any(label.startswith("Big bets") for label in labels)
    # The caption names the high-value line as the share of the money at stake set in settings.
    share = sample_audit.engagement.settings.fix_plan.matrix_high_value_share
    caption = " ".join(sample_tree.css_first("#priority-matrix").text().split())
    assert f"{share:.0%} of the £{sample_audit.decision.money_at_stake_per_month:,.0f} at stake" in caption


def test_every_svg_text_prints_at_least_8_pt(sample_tree):
    svgs = sample_tree.css("#journey-map svg.map") + sample_tree.css("#priority-matrix svg")
    assert len(svgs) == 2
    for svg in svgs:
        view_width = _view_box(svg)[2]
        scale = CONTENT_WIDTH_PT / view_width  # the SVG fills the content box's width
        sizes = [float(t.attributes["font-size"]) for t in svg.css("text")]
        assert sizes and min(sizes) * scale >= MIN_PRINTED_PT


def test_wrapping_keeps_lines_inside_the_box():
    lines = wrap("Packaging and product in hand, boxed and wrapped", 70, 8, bold=True, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(text_width(line, 8, bold=True) <= 70 for line in lines)
    assert wrap("Supercalifragilisticexpialidocious", 40, 8) == (wrap("Supercalifragilisticexpialidocious", 40, 8)[0],)


HOSTILE = '<script>alert(1)</script> & "Checkout"'


def test_hostile_touchpoint_and_stage_names_are_escaped(tmp_path):
    folder = write_tiny_engagement(tmp_path / "hostile", late_every=3, checkout_drop_every=3,
                                   feedback=["Checkout failed again", "Delivery late"])
    journey = (folder / "journey.yaml").read_text()
    journey = journey.replace("name: Checkout", "name: '" + HOSTILE.replace("'", "''") + "'")
    journey = journey.replace("stages: [buy, receive]", "stages: ['<b>buy</b>', receive]").replace("stage: buy", "stage: '<b>buy</b>'")
    (folder / "journey.yaml").write_text(journey)
    result = run_audit(folder)
    html = render_html(result)
    tree = HTMLParser(html)
    assert tree.css("script") == []
    assert [b for b in tree.css("b") if b.text().casefold() == "buy"] == []  # the stage's markup stays text
    section = tree.css_first("#journey-map").html
    assert "&lt;script&gt;" in section and "&lt;B&gt;BUY&lt;/B&gt;" in section
    box = tree.css_first('#journey-map g.touchpoint[data-touchpoint="checkout"]')
    assert _name(box).startswith("<script>alert(1)</script>"[:8])


def test_thin_journey_without_events_or_comments_still_renders(tmp_path):
    folder = write_tiny_engagement(tmp_path / "bare", orders=45, late_every=4, feedback=[])
    (folder / "events.csv").unlink()
    (folder / "feedback.csv").unlink()
    audit = (folder / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(re.sub(r"  - kind: events.*?(?=  - kind: |\Z)", "", audit, flags=re.S)
                                       .replace("  - kind: feedback\n    file: feedback.csv\n", ""))
    result = run_audit(folder)
    tree = HTMLParser(render_html(result))
    groups = tree.css("#journey-map g.touchpoint")
    assert len(groups) == 3
    bands = {g.attributes["data-touchpoint"]: g.attributes["data-band"] for g in groups}
    assert bands["checkout"] == NO_DATA and bands["paid"] == NO_DATA
    assert _figure(tree.css_first('#journey-map g.touchpoint[data-touchpoint="paid"]')) == "no data"
    assert tree.css("#journey-map text.edge-label") == []
    assert "No visitor data" in tree.css_first("#journey-map .arrow-note").text()
    assert tree.css("#journey-map tbody.tone") == []
    assert "No customer comments" in tree.css_first("#journey-map .tone-missing").text()


def test_healthy_journey_has_no_badges_and_says_so(sample_audit, monkeypatch):
    from fixfirst.present import journey as journey_view

    fmt = formatter_for(sample_audit.engagement.audit.client)
    for spot in sample_audit.ranking.assessed:
        monkeypatch.setattr(spot, "rank", 0)
    view = journey_view.build(sample_audit, fmt)
    assert all(box.badge is None for box in view.map.boxes)
    assert "no step falls short enough to be a weak spot" in view.how_to_read
    assert view.badge_note == ""


def test_a_touchpoint_that_holds_up_shows_one_figure_on_the_map_and_in_the_table(sample_tree, sample_audit):
    """One figure per fact: the map's box and the "What holds up" row lead with the same measured value."""
    rows = {r.css("td")[0].text(): r.css("td")[2].text() for r in sample_tree.css("#healthy tbody tr")}
    assert rows
    for spot in sample_audit.ranking.healthy:
        box = sample_tree.css_first(f'#journey-map g.touchpoint[data-touchpoint="{spot.touchpoint.id}"]')
        assert _figure(box).split()[0] == rows[spot.touchpoint.name].split()[0], spot.touchpoint.name
