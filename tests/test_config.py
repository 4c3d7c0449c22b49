"""audit.yaml, journey.yaml and settings: validated with located errors; bundled folders are found."""

from __future__ import annotations

import pytest

from fixfirst.config.engagement import load_engagement
from fixfirst.errors import FixfirstError, InputProblems
from fixfirst.journey import load_journey
from fixfirst.resources import bundled_dir, checklists_dir, sample_engagement, templates_dir
from fixfirst.config.settings import Settings, settings_with


def test_bundled_folders_are_found():
    assert (templates_dir() / "report" / "report.html").is_file()
    assert (sample_engagement() / "audit.yaml").is_file()
    assert any(checklists_dir().glob("*.yaml"))
    with pytest.raises(ValueError):
        bundled_dir("secrets")


def test_sample_engagement_loads_with_its_overrides(sample_dir):
    engagement = load_engagement(sample_dir)
    assert engagement.audit.client.name == "Juniper & Lark"
    assert engagement.audit.promise.weekmask == "1111110"
    assert engagement.settings.scoring.shrinkage_strength == 30


def test_settings_override_changes_one_leaf_only():
    merged = settings_with({"metrics": {"stockout": {"target": 0.05}}})
    assert merged.metrics.stockout.target == 0.05
    assert merged.metrics.stockout.weight == Settings().metrics.stockout.weight
    assert merged.metrics.returns == Settings().metrics.returns


def test_bad_settings_are_located(tmp_path, sample_dir):
    text = (sample_dir / "audit.yaml").read_text().replace("shrinkage_strength: 30", "shrinkage_strength: -1\n    bogus: 1")
    (tmp_path / "audit.yaml").write_text(text)
    with pytest.raises(InputProblems) as caught:
        load_engagement(tmp_path)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "shrinkage_strength" in messages and "bogus" in messages
    assert all(p.row for p in caught.value.problems), "every settings problem names its line"


def test_settings_can_come_from_a_separate_yaml_file(tmp_path, sample_dir):
    text = (sample_dir / "audit.yaml").read_text().split("# Any threshold")[0] + "settings: thresholds.yaml\n"
    (tmp_path / "audit.yaml").write_text(text)
    (tmp_path / "thresholds.yaml").write_text("verdict:\n  block_score: 55\n")
    assert load_engagement(tmp_path).settings.verdict.block_score == 55


def test_unknown_audit_field_is_reported_with_its_line(tmp_path):
    (tmp_path / "audit.yaml").write_text("client:\n  name: X\npromise:\n  description: d\n  business_days: 2\n  cuttoff: '14:00'\nsources:\n  - {kind: orders, file: o.csv}\n")
    with pytest.raises(InputProblems) as caught:
        load_engagement(tmp_path)
    problem = caught.value.problems[0]
    assert problem.row == 6 and "promise.cuttoff" in problem.message
    assert "line 6" in problem.location


def test_missing_audit_yaml_says_how_to_start(tmp_path):
    with pytest.raises(FixfirstError) as caught:
        load_engagement(tmp_path)
    assert "fixfirst init" in caught.value.fix


def test_journey_builds_an_ordered_graph(sample_dir):
    journey = load_journey(sample_dir / "journey.yaml")
    assert journey.graph.number_of_nodes() == 12
    assert journey.graph.has_edge("checkout", "payment")
    order = [t.id for t in journey.ordered()]
    assert order.index("home") < order.index("checkout") < order.index("delivery") < order.index("repeat")
    assert journey.touchpoint("delivery").orders == ("delivery",)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("stages: [a]\ntouchpoints:\n  - {id: x, name: X, stage: b}\n", "stage 'b'"),
        ("stages: [a]\ntouchpoints:\n  - {id: x, name: X, stage: a}\n  - {id: x, name: Y, stage: a}\n", "unique"),
        ("stages: [a]\ntouchpoints:\n  - {id: x, name: X, stage: a}\ntransitions:\n  - {from: x, to: y}\n", "unknown touchpoint 'y'"),
        ("stages: [a]\ntouchpoints:\n  - {id: x, name: X, stage: a, data: {events: [e]}}\n  - {id: y, name: Y, stage: a, data: {events: [e]}}\n", "claimed by both"),
        ("stages: [a]\ntouchpoints:\n  - {id: x, name: X, stage: a, data: {orders: [teleport]}}\n", "touchpoints.0.data.orders.0"),
    ],
)
def test_journey_mistakes_are_explained(tmp_path, body, expected):
    path = tmp_path / "journey.yaml"
    path.write_text(body)
    with pytest.raises(InputProblems) as caught:
        load_journey(path)
    assert expected in " ".join(p.message for p in caught.value.problems)


def test_a_field_set_to_null_is_left_unmapped(tmp_path):
    from fixfirst.config.engagement import SourceSpec
    from fixfirst.ingest import load_source
    from fixfirst.config.settings import Ingest

    path = tmp_path / "orders.csv"
    path.write_text("Order ID,Ordered At,Order Value\nA1,2026-01-05,12.50\n")
    auto, _ = load_source(SourceSpec(kind="orders", file="orders.csv"), path, Ingest(), [])
    assert auto.mapping["value"] == "Order Value"
    off, problems = load_source(SourceSpec(kind="orders", file="orders.csv", columns={"value": None}), path, Ingest(), [])
    assert "value" not in off.mapping and "value" not in off.frame and problems == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (('cutoff: "14:00"', "cutoff: 14:00"), "write the cutoff in quotes"),
        (("  - kind: feedback\n    file: feedback.csv", "  - kind: feedback\n    file: feedback.csv\n    encoding: klingon"), "unknown text encoding"),
        (("  name: Juniper & Lark", "  name: Juniper & Lark\n  logo: missing.png"), "logo file not found"),
    ],
)
def test_configuration_mistakes_are_caught_before_any_data_is_read(tmp_path, sample_dir, change, expected):
    text = (sample_dir / "audit.yaml").read_text()
    assert change[0] in text
    (tmp_path / "audit.yaml").write_text(text.replace(change[0], change[1]))
    with pytest.raises(FixfirstError) as caught:
        load_engagement(tmp_path)
    shown = caught.value.cause + " " + " ".join(p.message for p in getattr(caught.value, "problems", []))
    assert expected in shown


@pytest.mark.parametrize(
    "touchpoint, expected",
    [
        ("{id: x, name: X, stage: a, targets: {promise_breech: 0.5}}", "unknown metric 'promise_breech'"),
        ("{id: x, name: X, stage: a, targets: {top2box: 80}}", "between 0 and 1"),
        ("{id: x, name: X, stage: a, data: {keywords: ['late', '  ']}}", "keywords must not be empty"),
    ],
)
def test_journey_targets_and_keywords_are_checked(tmp_path, touchpoint, expected):
    path = tmp_path / "journey.yaml"
    path.write_text(f"stages: [a]\ntouchpoints:\n  - {touchpoint}\n")
    with pytest.raises(InputProblems) as caught:
        load_journey(path)
    assert expected in " ".join(p.message for p in caught.value.problems)


def test_public_holidays_join_the_working_day_calendar():
    import datetime as dt

    import pandas as pd

    from fixfirst.config.engagement import Promise
    from fixfirst.config.calendar import WorkingCalendar

    promise = Promise(description="2 working days", business_days=2, region="ENG", holidays=[dt.date(2026, 12, 24)])
    calendar = WorkingCalendar.from_promise(promise, "GB", range(2026, 2027))
    days = {str(d) for d in calendar.holidays}
    assert {"2026-04-03", "2026-04-06", "2026-08-31", "2026-12-24"} <= days  # Good Friday, Easter Monday, August, own day
    ordered = pd.Series(pd.to_datetime(["2026-04-02 10:00"]))  # Thursday before Easter
    assert calendar.promise_deadline(ordered, 2).iloc[0] == pd.Timestamp("2026-04-08")
    own_only = WorkingCalendar.from_promise(promise.model_copy(update={"public_holidays": False}), "GB", range(2026, 2027))
    assert [str(d) for d in own_only.holidays] == ["2026-12-24"]


@pytest.mark.parametrize("country, region, expected", [("XX", None, "no public-holiday calendar for XX"),
                                                       ("GB", "QQQ", "region QQQ")])
def test_unknown_holiday_calendar_is_a_configuration_error(tmp_path, country, region, expected):
    region_line = f"  region: {region}\n" if region else ""
    (tmp_path / "audit.yaml").write_text(f"client:\n  name: X\n  country: {country}\npromise:\n  description: d\n  business_days: 2\n"
                                         f"{region_line}sources:\n  - {{kind: orders, file: o.csv}}\n")
    with pytest.raises(InputProblems) as caught:
        load_engagement(tmp_path)
    assert expected in " ".join(p.message for p in caught.value.problems)


def test_a_key_written_twice_is_an_error_not_a_silent_overwrite(tmp_path):
    from fixfirst.errors import FixfirstError
    from fixfirst.config.yamlfile import load_yaml

    path = tmp_path / "twice.yaml"
    path.write_text("client:\n  name: First\n  name: Second\npromise: {}\n")
    with pytest.raises(FixfirstError) as caught:
        load_yaml(path)
    assert "line 3: 'name' is written twice (first on line 2)" in caught.value.cause


def test_every_configuration_file_is_checked_before_reporting(tmp_path, sample_dir):
    import shutil

    from fixfirst.config.engagement import load_engagement
    from fixfirst.errors import InputProblems

    folder = tmp_path / "both"
    shutil.copytree(sample_dir, folder)
    audit = (folder / "audit.yaml").read_text().replace("shrinkage_strength: 30", "shrinkage_strength: -1")
    (folder / "audit.yaml").write_text(audit + "playbook: playbook.yaml\n")
    (folder / "playbook.yaml").write_text("plays:\n  - id: x\n    title: T\n")
    with pytest.raises(InputProblems) as caught:
        load_engagement(folder)
    files = {p.file.rsplit("/", 1)[-1] for p in caught.value.problems}
    assert files == {"audit.yaml", "playbook.yaml"}  # a settings error does not hide the playbook's


@pytest.mark.parametrize("metric", ["promise_breach", "top2box", "complaint_share", "stockout"])
def test_an_empty_target_is_refused_where_a_metric_needs_one(metric):
    with pytest.raises(ValueError, match=f"metrics.{metric}.target cannot be empty"):
        settings_with({"metrics": {metric: {"target": None}}})


@pytest.mark.parametrize("metric", ["conversion", "repeat", "segment_gap"])
def test_metrics_judged_on_their_own_history_may_leave_the_target_out(metric):
    assert getattr(settings_with({"metrics": {metric: {"target": None}}}).metrics, metric).target is None
