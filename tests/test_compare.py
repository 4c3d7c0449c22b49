"""`fixfirst compare` and the report's "Since the last audit": two audits of the sample, before and after a fix."""

from __future__ import annotations

import collections
import copy
import csv
import datetime as dt
import json
import re
import shutil
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.history.compare import SCHEMA, KpiStatus, SpotStatus, baseline_snapshot, compare_audits
from fixfirst.history.snapshot import load_snapshot
from fixfirst.report.snapshot import comparison_of, current_snapshot, keep_snapshot
from fixfirst.history.stats import ChangeReading
from fixfirst.pipeline import run_audit
from fixfirst.present import formatter_for
from fixfirst.present import since

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def fix_mobile_checkout(path: Path, share: int = 77) -> None:
    """Rewrite the events so mobile checkout converts like desktop: of the mobile sessions that stopped at checkout,
    `share`% (spread evenly over time) go on to payment, and most of those to confirmation."""
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    sessions: dict[str, list[list[str]]] = collections.OrderedDict()
    for row in rows:
        sessions.setdefault(row[0], []).append(row)
    out, stopped = [], 0
    for session, events in sessions.items():
        out.extend(events)
        if events[0][3] == "mobile" and events[-1][1] == "checkout":
            stopped += 1
            if (stopped * 61) % 100 < share:
                at = dt.datetime.fromisoformat(events[-1][2])
                out.append([session, "payment", f"{at + dt.timedelta(minutes=2):%Y-%m-%d %H:%M:%S}", "mobile"])
                if (stopped * 5) % 14:
                    out.append([session, "confirmation", f"{at + dt.timedelta(minutes=4):%Y-%m-%d %H:%M:%S}", "mobile"])
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(out)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, sample_dir):
    """The sample audited and kept; then mobile checkout fixed and the stock-out target moved in audit.yaml; audited again."""
    folder = tmp_path_factory.mktemp("compare") / "juniper-lark"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("audits", "fixfirst-report*"))
    first = run_audit(folder)
    fmt = formatter_for(first.engagement.audit.client)
    before_any_snapshot = comparison_of(first)
    saved = keep_snapshot(first)
    fix_mobile_checkout(folder / "web_sessions.csv")
    audit_yaml = folder / "audit.yaml"
    text = audit_yaml.read_text()
    assert "    shrinkage_strength: 30\n" in text
    audit_yaml.write_text(text.replace("    shrinkage_strength: 30\n",
                                       "    shrinkage_strength: 30\n  metrics:\n    stockout:\n      target: 0.03\n"))
    second = run_audit(folder)
    current = current_snapshot(second)
    comparison = compare_audits(load_snapshot(saved.path), current, second.engagement.settings, baseline_path=saved.path)
    return types.SimpleNamespace(folder=folder, first=first, second=second, saved=saved, current=current,
                                 comparison=comparison, fmt=fmt, before_any_snapshot=before_any_snapshot)


def kpi(comparison, touchpoint, metric):
    found = [k for k in comparison.kpis if k.touchpoint == touchpoint and k.metric == metric]
    assert len(found) == 1, [(k.touchpoint, k.metric) for k in comparison.kpis]
    return found[0]


def spot(comparison, touchpoint):
    return next(w for w in comparison.weak_spots if w.touchpoint == touchpoint)


def test_the_fixed_weak_spot_is_resolved_with_a_real_improvement(cycle):
    checkout = spot(cycle.comparison, "checkout")
    assert checkout.status == SpotStatus.RESOLVED
    assert checkout.rank_then == 1 and checkout.rank_now is None and checkout.score_now < checkout.score_then
    # Its mobile gap is gone from the second audit: the step's conversion is judged both times instead.
    assert checkout.signal.metric == "conversion" and checkout.signal.stand_in
    assert checkout.signal.change.reading is ChangeReading.BETTER
    conversion = kpi(cycle.comparison, "checkout", "conversion")
    assert conversion.status == KpiStatus.COMPARED and conversion.reading == "better"
    assert conversion.then_value == pytest.approx(0.679, abs=0.001) and conversion.now_value > 0.85
    assert conversion.change.low > 0.15  # the whole interval well clear of zero
    gap = kpi(cycle.comparison, "checkout", "segment_gap")
    assert gap.reading == KpiStatus.NOT_MEASURED_NOW and gap.now_value is None


def test_an_untouched_kpi_reads_no_clear_change(cycle):
    complaints = kpi(cycle.comparison, "delivery", "complaint_share")
    assert complaints.reading == "no_clear_change" and complaints.change.difference == 0
    assert complaints.change.low < 0 < complaints.change.high
    assert complaints.same_definition
    assert spot(cycle.comparison, "delivery").status == SpotStatus.UNCHANGED
    assert not cycle.comparison.spots(SpotStatus.NEW)


def test_a_tiny_sample_is_too_early_to_tell_not_a_success(cycle):
    baseline = copy.deepcopy(load_snapshot(cycle.saved.path))
    for k in baseline["audit"]["fix_plan"]["kpis"]:
        if (k["touchpoint"], k["metric"]) == ("checkout", "conversion"):
            k["current"], k["n"] = 0.2, 12  # a huge jump, on twelve sessions
    comparison = compare_audits(baseline, cycle.current, cycle.second.engagement.settings)
    tiny = kpi(comparison, "checkout", "conversion")
    assert tiny.reading == "too_early"
    row = next(r for r in since.view(comparison, cycle.fmt).kpis if r.label == tiny.label)
    assert row.reading_text == "too early to tell"


def test_a_settings_change_between_the_audits_is_noted(cycle):
    stockout = kpi(cycle.comparison, "pick_pack", "stockout")
    assert (stockout.target_then, stockout.target_now) == (0.02, 0.03)
    changed = {d.what: (d.then, d.now) for d in stockout.definition_changes}
    assert changed["metrics.stockout.target"] == (0.02, 0.03)
    assert changed["target_basis"] == ("default", "settings")
    assert not stockout.same_definition
    assert [d.what for d in cycle.comparison.data.settings_changed] == ["metrics.stockout.target"]
    assert not cycle.comparison.data.same_settings
    row = next(r for r in since.view(cycle.comparison, cycle.fmt).kpis if r.label == stockout.label)
    assert row.note.startswith("Definition changed") and "2% then → 3% now" in row.target
    # The untouched KPIs keep their definitions.
    assert kpi(cycle.comparison, "pick_pack", "late_dispatch").same_definition


def test_which_data_each_audit_judged(cycle):
    files = {f.file: f for f in cycle.comparison.data.files}
    assert files["web_sessions.csv"].same is False and files["orders.xlsx"].same is True
    assert not cycle.comparison.data.same_data
    assert cycle.comparison.then.as_of == cycle.comparison.now.as_of == cycle.first.as_of
    assert cycle.comparison.then.headroom == cycle.comparison.now.headroom  # orders untouched: the same headroom


def test_the_default_baseline_skips_the_same_audit(cycle):
    # The only snapshot kept has the same as-of date but other data: it is the baseline.
    assert baseline_snapshot(cycle.folder, cycle.current) == cycle.saved.path
    # Compared with itself there is no earlier audit.
    assert baseline_snapshot(cycle.folder, load_snapshot(cycle.saved.path)) is None


def _documented(doc: str, key: str, prefix: str = "") -> bool:
    return any(f"`{name}`" in doc for name in (key, f"{prefix}{key}", f"{prefix}{key}[]")) or bool(
        re.search(rf"`[a-z_\[\]\.]*\.{re.escape(key)}(\[\])?`", doc))


def test_cli_compares_with_a_baseline_by_date_and_by_path(cycle):
    by_date = runner.invoke(app, ["compare", str(cycle.folder), "--baseline", cycle.first.as_of.isoformat(), "--json"])
    assert by_date.exit_code == 0, by_date.output
    payload = json.loads(by_date.stdout)
    assert payload["schema"] == SCHEMA == "fixfirst.compare/1"
    assert payload["then"]["snapshot"] == str(cycle.saved.path)
    checkout = next(w for w in payload["weak_spots"] if w["touchpoint"] == "checkout")
    assert checkout["status"] == "resolved" and checkout["signal"]["reading"] == "better"
    doc = (ROOT / "docs" / "compare-json.md").read_text()
    kpi_row = payload["kpis"][0]
    for group, prefix in ((payload, ""), (payload["then"], ""), (kpi_row, "kpis[]."), (checkout, "weak_spots[]."),
                          (checkout["signal"], ""), (payload["data"], "data."), (payload["data"]["files"][0], "")):
        for key in group:
            assert _documented(doc, key, prefix), key
    by_path = runner.invoke(app, ["compare", str(cycle.folder), "--baseline", str(cycle.saved.path)], env={"COLUMNS": "200"})
    assert by_path.exit_code == 0, by_path.output
    assert "Since the last audit" in by_path.output and "a real improvement" in by_path.output
    assert "67.9%" in by_path.output and "Checkout" in by_path.output


def test_cli_without_an_earlier_audit_says_to_score_first(tmp_path, sample_dir):
    folder = tmp_path / "fresh"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("audits", "fixfirst-report*"))
    result = runner.invoke(app, ["compare", str(folder)])
    assert result.exit_code == 2
    assert "fixfirst score" in result.output and "Traceback" not in result.output
    unknown = runner.invoke(app, ["compare", str(folder), "--baseline", "2020-01-01"])
    assert unknown.exit_code == 2 and "no audit snapshot as of 2020-01-01" in unknown.output


def test_the_report_section_renders_then_and_now(cycle):
    from fixfirst.report.html import report_environment

    assert cycle.before_any_snapshot is None  # no earlier audit: no section
    comparison = comparison_of(cycle.second)
    assert comparison is not None
    section = since.view(comparison, cycle.fmt)
    assert section.verdict_then == section.verdict_now == "FIX FIRST"
    view = types.SimpleNamespace(since=section, follow_up=None)
    html = report_environment().get_template("_partials/since.html").render(view=view)
    assert 'id="since-last-audit"' in html
    row = re.search(r"Customers who go on from\s+Checkout to Payment.*?</tr>", html, re.S)
    assert row is not None
    assert "67.9%" in row.group(0) and "89.4%" in row.group(0) and "a real improvement" in row.group(0)
    assert 'id="since-resolved"' in html and "Checkout" in html.split('id="since-resolved"')[1]
    assert "about 48 extra orders a week" in html
    empty = report_environment().get_template("_partials/since.html").render(view=types.SimpleNamespace(since=None))
    assert "since-last-audit" not in empty


def test_the_full_report_shows_since_the_last_audit_on_page_two(cycle):
    from selectolax.lexbor import LexborHTMLParser

    from fixfirst.report import render_html

    tree = LexborHTMLParser(render_html(cycle.second))
    ids = [n.attributes.get("id") for n in tree.css("section[id]")]
    assert ids.index("since-last-audit") == ids.index("decision") + 1
    assert "FIX FIRST" in tree.css_first("#since-last-audit").text()
