"""The sample pair: Juniper & Lark, and the same business two months later after two fixes (one works, one does not)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fixfirst.cli import app

from fixfirst.config.engagement import load_engagement
from fixfirst.history.snapshot import list_snapshots, load_snapshot
from fixfirst.history.stats import ChangeReading, proportion_change
from fixfirst.pipeline import run_audit
from fixfirst.present.score_json import ranking_payload

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FIRST, AFTER = SAMPLES / "juniper-lark", SAMPLES / "juniper-lark-after"
DATA_FILES = ("orders.xlsx", "survey.xlsx", "feedback.csv", "web_sessions.csv", "campaigns.csv")
MOBILE_FIXED_ON, STOCK_SYSTEM_ON = dt.date(2026, 10, 26), dt.date(2026, 10, 12)
LAST_DAY = dt.date(2026, 11, 30)
BEST_SELLERS = ("Linen Shirt", "Merino Jumper")
runner = CliRunner()


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def after_result():
    # The real clock: every row of the after sample is dated before today, so none is dropped as "in the future".
    result = run_audit(AFTER)
    return json.loads(json.dumps(ranking_payload(result), default=str))


@pytest.fixture(scope="module")
def first_snapshot():
    return load_snapshot(AFTER / "audits" / "2026-09-30.json")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("which", ["first", "after"])
def test_regenerating_gives_the_committed_bytes(generator, tmp_path, which):
    if which == "first":
        generator.generate(tmp_path)
        committed = FIRST
    else:
        generator.generate_after(tmp_path)
        committed = AFTER
    for name in DATA_FILES:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), f"{which}: {name} differs"


def test_cli_after_flag_writes_the_after_sample(generator, tmp_path):
    generator.main(["--after", str(tmp_path)])
    assert _sha256(tmp_path / "web_sessions.csv") == _sha256(AFTER / "web_sessions.csv")
    assert not (tmp_path / "audits").exists(), "the snapshot is written only with --snapshot"


def test_first_audit_snapshot_is_the_baseline(generator, tmp_path, first_snapshot):
    assert list_snapshots(AFTER) == [AFTER / "audits" / "2026-09-30.json"]
    assert (first_snapshot["as_of"], first_snapshot["generated_on"]) == ("2026-09-30", "2026-10-01")
    assert first_snapshot["audit"]["decision"]["plan_start"] == "2026-10-01"
    # It judged the first sample's files, byte for byte.
    assert {row["file"]: row["sha256"] for row in first_snapshot["data"]} == {
        name: _sha256(FIRST / name) for name in DATA_FILES}
    # The generator remakes it: same data, same verdict and weak spots (the rest follows fixfirst's own version).
    path = generator.write_first_snapshot(FIRST, tmp_path)
    assert path == tmp_path / "audits" / "2026-09-30.json"
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["data"] == first_snapshot["data"] and again["generated_on"] == "2026-10-01"
    # A stale baseline would make compare report a settings change that never happened.
    assert (again["settings_sha256"], again["fixfirst_version"]) == \
        (first_snapshot["settings_sha256"], first_snapshot["fixfirst_version"]), \
        "the settings changed: remake the baseline with python samples/generate.py --after --snapshot"
    assert again["audit"]["verdict"]["status"] == first_snapshot["audit"]["verdict"]["status"]
    assert [w["touchpoint"] for w in again["audit"]["weak_spots"]] == \
        [w["touchpoint"] for w in first_snapshot["audit"]["weak_spots"]]


def test_audit_yaml_names_the_changes_and_the_done_actions(first_snapshot):
    audit = load_engagement(AFTER).audit
    changes = {c.action: c for c in audit.changes}
    assert set(changes) == {"inventory-one-stock-system", "checkout-one-page-mobile"}
    assert changes["checkout-one-page-mobile"].date == MOBILE_FIXED_ON
    assert set(changes["checkout-one-page-mobile"].touchpoints) == {"checkout", "payment"}
    assert changes["inventory-one-stock-system"].date == STOCK_SYSTEM_ON
    assert changes["inventory-one-stock-system"].touchpoints == ["pick_pack"]
    done = {a.id: a.done_on for a in audit.actions if a.status == "done"}
    assert done == {"inventory-one-stock-system": STOCK_SYSTEM_ON, "checkout-one-page-mobile": MOBILE_FIXED_ON}
    # Every id in the register is an action of the first audit's fix plan.
    plan = first_snapshot["audit"]["fix_plan"]
    plan_ids = {a["id"] for a in plan["quick_wins"] + plan["systemic"]}
    assert {a.id for a in audit.actions} <= plan_ids
    assert {c.action for c in audit.changes} <= plan_ids


def test_the_campaign_was_put_off_and_a_new_one_is_planned():
    campaigns = pd.read_csv(AFTER / "campaigns.csv", parse_dates=["Start", "End"])
    planned = campaigns[campaigns["Status"] == "Planned"]
    assert len(planned) == 1 and planned["Start"].iloc[0] > pd.Timestamp(LAST_DAY)
    assert planned["Campaign"].iloc[0] == "Christmas Gifts"
    assert "Autumn Launch" not in set(campaigns["Campaign"])
    assert (campaigns["End"] <= pd.Timestamp(LAST_DAY)).sum() == 1  # the short Black Friday sale


def _checkout_to_payment(sessions: pd.DataFrame, device: str, fixed: bool) -> tuple[int, int]:
    steps = sessions[sessions["device"] == device]
    started = steps.groupby("session_id")["timestamp"].min()
    ids = started.index[(started >= pd.Timestamp(MOBILE_FIXED_ON)) == fixed]
    reached = steps[steps["session_id"].isin(ids)].groupby("step")["session_id"].nunique()
    return int(reached["payment"]), int(reached["checkout"])


def test_the_planted_story_in_the_data():
    sessions = pd.read_csv(AFTER / "web_sessions.csv", parse_dates=["timestamp"])
    assert sessions["timestamp"].min() >= pd.Timestamp("2026-10-01")
    assert sessions["timestamp"].max() <= pd.Timestamp("2026-11-30 23:59:59")
    # Fix 1 comes at least four weeks before the exports end, fix 2 two weeks before fix 1.
    assert (LAST_DAY - MOBILE_FIXED_ON).days >= 28 and (MOBILE_FIXED_ON - STOCK_SYSTEM_ON).days == 14
    # Fix 1 works: mobile checkout -> payment jumps to desktop's level on the day the new checkout went live.
    mobile = proportion_change(*_checkout_to_payment(sessions, "mobile", False),
                               *_checkout_to_payment(sessions, "mobile", True), higher_is_better=True)
    assert mobile.reading == ChangeReading.BETTER
    assert 0.50 < mobile.before < 0.60 and 0.86 < mobile.after < 0.94
    desktop_hits, desktop_n = _checkout_to_payment(sessions, "desktop", True)
    assert abs(mobile.after - desktop_hits / desktop_n) < 0.03
    # Fix 2 does not: the best sellers are backordered as often after one stock system as before it.
    orders = pd.read_excel(AFTER / "orders.xlsx").drop_duplicates("Order ID")
    ordered = pd.to_datetime(orders["Ordered At"], errors="coerce")
    best = orders[orders["Item"].isin(BEST_SELLERS) & ordered.notna()]
    after = pd.to_datetime(best["Ordered At"]) >= pd.Timestamp(STOCK_SYSTEM_ON)
    hit = best["Backordered"] == "Yes"
    stock = proportion_change(int(hit[~after].sum()), int((~after).sum()), int(hit[after].sum()), int(after.sum()),
                              higher_is_better=False)
    assert stock.reading == ChangeReading.NO_CLEAR_CHANGE and stock.after > 0.18
    # Everything else keeps its nature: a quiet Saturday and busy Sunday every week.
    per_day = ordered.dt.date.value_counts()
    weekday = pd.Series(pd.to_datetime(per_day.index).day_of_week, index=per_day.index)
    assert per_day[weekday == 6].mean() > 1.3 * per_day[weekday == 5].mean()


def test_every_row_is_dated_before_today():
    assert LAST_DAY < dt.date.today()  # the real clock: the after sample is audited as it is
    for name in ("orders.xlsx", "survey.xlsx"):
        frame = pd.read_excel(AFTER / name)
        column = "Ordered At" if name == "orders.xlsx" else "Submitted"
        assert pd.to_datetime(frame[column], errors="coerce").max() <= pd.Timestamp("2026-11-30 23:59:59")
    assert pd.read_csv(AFTER / "feedback.csv")["Date"].max() <= LAST_DAY.isoformat()


def test_check_drops_no_row_as_future():
    result = runner.invoke(app, ["check", str(AFTER)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "future" not in result.output.lower()
    assert "0 error(s)" in result.output


def test_after_audit_mobile_checkout_fixed_stock_still_failing(after_result, first_snapshot):
    assert after_result["as_of"] == LAST_DAY.isoformat()
    spots = {w["touchpoint"]: w for w in after_result["weak_spots"]}
    before = {w["touchpoint"]: w for w in first_snapshot["audit"]["weak_spots"]}
    # The device gap that made checkout the first weak spot is gone, and checkout no longer holds the campaign back.
    assert "segment_gap" in {s["metric"] for s in before["checkout"]["signals"]}
    assert "checkout" not in after_result["verdict"]["blocking"]
    if "checkout" in spots:
        assert "segment_gap" not in {s["metric"] for s in spots["checkout"]["signals"]}
        assert spots["checkout"]["score"] <= before["checkout"]["score"] - 10
    # Stock is as bad as it was and still blocks.
    assert after_result["verdict"]["status"] == "FIX FIRST"
    assert "pick_pack" in after_result["verdict"]["blocking"]
    stockout = {s["metric"]: s for s in spots["pick_pack"]["signals"]}["stockout"]
    stockout_before = {s["metric"]: s for s in before["pick_pack"]["signals"]}["stockout"]
    assert abs(stockout["value"] - stockout_before["value"]) < 0.02 and stockout["value"] > 2 * stockout["target"]



def test_compare_reads_checkout_better_and_stockouts_not():
    result = runner.invoke(app, ["compare", str(AFTER), "--json"])
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.output)
    kpis = {(k["touchpoint"], k["metric"]): k["reading"] for k in comparison["kpis"]}
    assert kpis[("checkout", "conversion")] == "better"
    assert kpis[("pick_pack", "stockout")] in {"no_clear_change", "too_early"}
    spots = {w["touchpoint"]: w["status"] for w in comparison["weak_spots"]}
    assert spots["checkout"] in {"resolved", "better"} and spots["pick_pack"] == "unchanged"
    assert {c["action"] for c in comparison["changes"]["changes"]} == {"inventory-one-stock-system",
                                                                       "checkout-one-page-mobile"}


def test_compare_prints_the_register_follow_up_and_the_changes():
    result = runner.invoke(app, ["compare", str(AFTER)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Of 3 actions in the register: 2 done, 1 overdue" in text
    assert "due 20 Nov 2026" in text
    assert "Phone-first one-page checkout went live (26 Oct 2026)" in text
    assert "One stock system for the shop and the website, with counted stock (12 Oct 2026)" in text


def test_demo_compare_writes_the_follow_up_report(tmp_path):
    before = {path: _sha256(path) for path in AFTER.rglob("*") if path.is_file()}
    target = tmp_path / "x.pdf"
    result = runner.invoke(app, ["demo", "--compare", "-o", str(target)], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    assert target.is_file() and target.stat().st_size > 10_000
    assert "Since the last audit (data up to 30 Sep 2026)" in result.output
    assert "Verdict then and now: FIX FIRST" in result.output and " -> FIX FIRST" in result.output
    assert "2 weak spots resolved" in result.output  # checkout (fixed) and delivery
    # The bundled sample is read, never written into: no snapshot, nothing changed.
    assert {path: _sha256(path) for path in AFTER.rglob("*") if path.is_file()} == before


def test_the_after_report_follows_the_register_up_in_since_the_last_audit():
    """The report's section lists the done actions with their KPI then and now, and the overdue one, in plain words."""
    from selectolax.lexbor import LexborHTMLParser

    from fixfirst.pipeline import run_audit
    from fixfirst.report import render_html
    from fixfirst.resources import sample_engagement

    tree = LexborHTMLParser(render_html(run_audit(sample_engagement("juniper-lark-after"))))
    register = tree.css_first("#since-last-audit #since-register")
    assert register is not None
    done = {li.attributes["data-action"]: li.text() for li in register.css("li.done")}
    assert "a real improvement" in done["checkout-one-page-mobile"]
    assert "no clear change" in done["inventory-one-stock-system"]
    assert [li.attributes["data-action"] for li in register.css("li.overdue")] == ["staff-peak-plan"]
    assert "fixfirst" not in register.text()  # advice to the client never names the tool



def test_compare_on_the_sample_pair_resolves_the_fixed_weak_spot_and_leaves_the_unfixed_one():
    """The Done-when of issue #12: checkout (fixed) resolved with a real change in its KPI; stock (not fixed) unchanged."""
    import json

    from typer.testing import CliRunner

    from fixfirst.cli import app
    from fixfirst.resources import sample_engagement

    out = CliRunner().invoke(app, ["compare", str(sample_engagement("juniper-lark-after")), "--json"])
    assert out.exit_code == 0, out.output
    spots = {w["touchpoint"]: w for w in json.loads(out.stdout)["weak_spots"]}
    assert spots["checkout"]["status"] == "resolved" and spots["checkout"]["now"]["score"] < 10
    assert spots["checkout"]["signal"]["change"]["reading"] == "better"
    assert spots["pick_pack"]["status"] == "unchanged"
