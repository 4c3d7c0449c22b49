"""One figure per fact: every headline figure reads the same on every page of the PDF and equals `score --json`."""

from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader

from fixfirst.present import formatter_for
from fixfirst.report import write_report
from fixfirst.present.score_json import ranking_payload


@pytest.fixture(scope="module")
def sample_pdf_text(sample_audit, tmp_path_factory) -> str:
    path = write_report(sample_audit, tmp_path_factory.mktemp("pdf") / "report.pdf")
    pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    # One line per page of whitespace-normalised text: sentences broken over lines read as one.
    return "\n".join(" ".join(text.split()) for text in pages)


@pytest.fixture(scope="module")
def payload(sample_audit) -> dict:
    return json.loads(json.dumps(ranking_payload(sample_audit)))


def _values(pattern: str, text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(pattern, text)}


def test_the_json_has_one_headroom(payload):
    """Every key called headroom holds the same object: the decision's, from one model; the other is a cross-check."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "headroom":
                    found.append((path + key, value))
                walk(value, f"{path}{key}.")
        elif isinstance(node, list):
            for item in node:
                walk(item, path + "[].")

    walk(payload, "")
    assert {p for p, _ in found} == {"decision.headroom", "capacity.headroom"}
    assert found[0][1] == found[1][1] and found[0][1]["basis"] in {"projection", "history"}
    assert payload["decision"]["headroom_cross_check"]["basis"] != payload["decision"]["headroom"]["basis"]


def test_headline_figures_read_the_same_on_every_page_and_equal_the_json(sample_pdf_text, payload, sample_audit):
    text = sample_pdf_text
    fmt = formatter_for(sample_audit.engagement.audit.client)
    decision = payload["decision"]

    assert decision["status"] in text
    # The headroom as extra orders a week: one value, the JSON's.
    room = decision["headroom"]["extra_orders_per_week"]
    assert _values(r"about (\d[\d,]*) extra orders a week", text) == {fmt.count(room)}
    # The usual weekly volume: one value.
    assert _values(r"usual (\d[\d,]*) orders a week", text) == {fmt.count(decision["usual_orders_per_week"])}
    # The campaign's projected late share: one value wherever a sentence gives it.
    late = fmt.percent(decision["campaign"]["late_share"])
    assert _values(r"(\d+%) of (?:its|the [\w ]+?) orders (?:would arrive )?late", text) == {late}
    # Money at stake a month, now: one value.
    assert fmt.money(decision["money_at_stake_per_month"]) in text


def test_each_weak_spot_reads_the_same_everywhere(sample_pdf_text, payload, sample_audit):
    fmt = formatter_for(sample_audit.engagement.audit.client)
    text = sample_pdf_text
    for spot in payload["weak_spots"]:
        money = fmt.money(spot["money_at_stake"]) if spot["money"]["measured"] else "not measurable"
        # The ranking row on page one: rank, name, money, score in that order.
        row = re.search(rf"#{spot['rank']} {re.escape(spot['name'])}(?: fix first)? {re.escape(money)} \S+ {fmt.count(spot['score'])} ", text)
        assert row is not None, spot["name"]
        # Its weak-spot page gives the same money and score.
        card = re.search(rf"#{spot['rank']} {re.escape(spot['name'])}\b", text[text.index("\n"):])
        assert card is not None, spot["name"]
