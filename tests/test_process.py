"""Process mining of the event log: hand-built logs with hand-computed answers, and independent pandas recounts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.config.engagement import Promise
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.pipeline import run_audit
from fixfirst.report import render_html
from fixfirst.resources import sample_engagement
from fixfirst.config.settings import Settings, settings_with
from fixfirst.signals import process as process_module
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.dropoff import abnormal_drop_off, date_range_text
from fixfirst.signals.events import attach_process_evidence, build_funnel, event_signals
from fixfirst.signals.process import directly_follows_graph, format_duration, process_map

from .conftest import write_tiny_engagement

MONDAY = pd.Timestamp("2024-03-04")


def frame(rows, *, timed: bool = True, segment: dict | None = None) -> pd.DataFrame:
    """Events from (case, activity, minutes after Monday 4 Mar 2024) in file order."""
    data = {"case_id": pd.array([r[0] for r in rows], dtype="string"), "activity": pd.Categorical([r[1] for r in rows])}
    if timed:
        data["timestamp"] = [MONDAY + pd.Timedelta(minutes=r[2]) for r in rows]
    if segment is not None:
        data["segment"] = pd.Categorical([segment[r[0]] for r in rows])
    return pd.DataFrame(data)


def journey(steps: dict[str, list[str]], transitions: list[tuple[str, str]] | None = None):
    ids = list(steps)
    spec = {"stages": ["web"], "touchpoints": [{"id": i, "name": i.title(), "stage": "web", "data": {"events": acts}} for i, acts in steps.items()],
            "transitions": [{"from": a, "to": b} for a, b in (transitions if transitions is not None else zip(ids, ids[1:]))]}
    return journey_from_spec(JourneySpec.model_validate(spec))


def edges(graph) -> dict:
    return {(e.source, e.target): e for e in graph.edges}


# ---------------------------------------------------------------- directly-follows graph

HAND_LOG = [("A", "a", 0), ("A", "b", 1), ("A", "c", 3),
            ("B", "a", 0), ("B", "b", 2), ("B", "b", 3), ("B", "c", 7),
            ("C", "a", 0), ("C", "c", 10)]


def test_directly_follows_counts_waits_starts_and_ends_by_hand():
    graph = directly_follows_graph(frame(HAND_LOG))
    got = edges(graph)
    assert set(got) == {("a", "b"), ("b", "c"), ("b", "b"), ("a", "c")}
    ab, bc, bb, ac = got["a", "b"], got["b", "c"], got["b", "b"], got["a", "c"]
    assert (ab.events, ab.cases, bc.events, bc.cases, bb.events, bb.cases, ac.events, ac.cases) == (2, 2, 2, 2, 1, 1, 1, 1)
    # a->b waits 1 and 2 min: median 90 s, p85 = 60 + 0.85 * 60 (linear interpolation, as pandas does).
    assert ab.wait_median == pytest.approx(90) and ab.wait_p85 == pytest.approx(111)
    assert bc.wait_median == pytest.approx(180) and bc.wait_p85 == pytest.approx(120 + 0.85 * 120)
    assert ac.wait_median == pytest.approx(600) and bb.wait_median == pytest.approx(60)
    assert ab.share == pytest.approx(2 / 3) and bc.share == pytest.approx(2 / 3) and bb.share == pytest.approx(1 / 3)
    assert [e.events for e in graph.edges] == sorted((e.events for e in graph.edges), reverse=True)
    assert [(s.name, s.cases, s.share) for s in graph.starts] == [("a", 3, 1.0)]
    assert [(s.name, s.cases) for s in graph.ends] == [("c", 3)]
    assert graph.events == 9 and graph.cases == 3 and graph.timed


def test_rows_out_of_order_are_sorted_by_time_and_equal_times_keep_file_order():
    # Case X lists c before b at the same minute: file order decides (c then b). Case Y is written backwards.
    rows = [("X", "a", 0), ("Y", "b", 9), ("X", "c", 5), ("Y", "a", 4), ("X", "b", 5), ("Y", "c", 1)]
    got = edges(directly_follows_graph(frame(rows)))
    assert set(got) == {("a", "c"), ("c", "b"), ("c", "a"), ("a", "b")}
    assert got["c", "b"].wait_median == 0 and got["a", "c"].wait_median == pytest.approx(300)
    assert got["c", "a"].wait_median == pytest.approx(180) and got["a", "b"].wait_median == pytest.approx(300)


@pytest.mark.parametrize("case_dtype", ["string", "category", "object"])
def test_interleaved_cases_and_id_types_give_the_same_graph(case_dtype):
    grouped = frame(HAND_LOG)
    interleaved = grouped.iloc[[0, 3, 7, 1, 4, 8, 2, 5, 6]].reset_index(drop=True)
    interleaved["case_id"] = interleaved["case_id"].astype(case_dtype)
    want = {k: (e.events, e.cases, e.wait_median, e.wait_p85) for k, e in edges(directly_follows_graph(grouped)).items()}
    assert {k: (e.events, e.cases, e.wait_median, e.wait_p85) for k, e in edges(directly_follows_graph(interleaved)).items()} == want


def test_a_case_id_seen_again_later_is_the_same_case():
    # Runs A, B, A: the second run of A belongs to case A (no hashing shortcut may split it).
    rows = [("A", "a", 0), ("B", "a", 1), ("A", "b", 2)]
    graph = directly_follows_graph(frame(rows))
    assert graph.cases == 2 and edges(graph)["a", "b"].cases == 1


def test_without_timestamps_file_order_counts_and_no_waits():
    rows = [("A", "a", 0), ("A", "b", 0), ("B", "b", 0), ("A", "c", 0), ("B", "a", 0)]
    graph = directly_follows_graph(frame(rows, timed=False))
    got = edges(graph)
    assert set(got) == {("a", "b"), ("b", "c"), ("b", "a")}
    assert all(e.wait_median is None and e.wait_p85 is None for e in graph.edges) and not graph.timed
    pm = process_map(frame(rows, timed=False), journey({"a": ["a"], "b": ["b"], "c": ["c"]}), Settings())
    assert pm.step_times == [] and pm.drop_off_periods == [] and pm.touchpoints is not None


def test_events_with_a_blank_time_leave_the_order_but_still_count_as_reached():
    events = frame([("A", "a", 0), ("A", "b", 1), ("B", "a", 0), ("B", "b", 2)])
    events.loc[3, "timestamp"] = pd.NaT
    pm = process_map(events, journey({"a": ["a"], "b": ["b"]}), Settings())
    assert pm.untimed_events == 1 and edges(pm.activities)["a", "b"].events == 1
    assert pm.step_times[0].n == 1


# ---------------------------------------------------------------- variants, rework, step times


def test_variants_collapse_immediate_repeats_when_asked():
    rows = []
    for i, path in enumerate(["abc", "abc", "abc", "aabc", "ab"]):
        rows += [(f"c{i}", step, minute) for minute, step in enumerate(path)]
    j = journey({"a": ["a"], "b": ["b"], "c": ["c"]})
    collapsed = process_map(frame(rows), j, Settings()).variants
    assert collapsed.collapsed and collapsed.distinct == 2 and collapsed.cases == 5
    assert [(v.steps, v.cases, v.share) for v in collapsed.top] == [(("a", "b", "c"), 4, 0.8), (("a", "b"), 1, 0.2)]
    raw = process_map(frame(rows), j, settings_with({"process": {"collapse_repeats": False}})).variants
    assert not raw.collapsed and raw.distinct == 3
    assert [(v.steps, v.cases) for v in raw.top] == [(("a", "b", "c"), 3), (("a", "a", "b", "c"), 1), (("a", "b"), 1)]
    top_one = process_map(frame(rows), j, settings_with({"process": {"top_variants": 1}})).variants
    assert len(top_one.top) == 1 and top_one.top_share == pytest.approx(0.8)


def test_variant_hash_collisions_fall_back_to_exact_grouping(monkeypatch):
    # A first hash base of 0 reads only each case's first step: every path starting with a collides on it.
    monkeypatch.setattr(process_module, "_HASH_BASES", (np.uint64(0), process_module._HASH_BASES[1]))
    rows = []
    for i, path in enumerate(["abc", "acb", "abc", "ab"]):
        rows += [(f"c{i}", step, minute) for minute, step in enumerate(path)]
    variants = process_map(frame(rows), journey({"a": ["a"]}), Settings()).variants
    assert {v.steps: v.cases for v in variants.top} == {("a", "b", "c"): 2, ("a", "c", "b"): 1, ("a", "b"): 1}


def test_rework_counts_returns_after_leaving_and_back_and_forth_loops():
    rows = []
    for i, path in enumerate(["abac", "abc", "bcbc", "aab"]):
        rows += [(f"c{i}", step, minute) for minute, step in enumerate(path)]
    rework = process_map(frame(rows), journey({"a": ["a"], "b": ["b"], "c": ["c"]}), Settings()).rework
    by_step = {s.step: (s.cases, s.returned) for s in rework.steps}
    assert by_step == {"a": (3, 1), "b": (4, 1), "c": (3, 1)}  # "aab": an immediate repeat is not a return
    assert rework.for_step("a").share == pytest.approx(1 / 3)
    loops = {(lp.step, lp.via): (lp.occurrences, lp.cases, lp.share) for lp in rework.loops}
    assert loops == {("a", "b"): (1, 1, pytest.approx(1 / 3)), ("b", "c"): (1, 1, 0.25), ("c", "b"): (1, 1, pytest.approx(1 / 3))}


def test_touchpoint_level_skips_unmapped_activities_and_merges_a_touchpoints_activities():
    rows = [("A", "home", 0), ("A", "search", 1), ("A", "add", 2), ("A", "cart", 3), ("A", "home", 4), ("A", "add", 6)]
    pm = process_map(frame(rows), journey({"home": ["home"], "cart": ["add", "cart"]}), Settings())
    got = edges(pm.touchpoints)
    assert {k: e.events for k, e in got.items()} == {("home", "cart"): 2, ("cart", "cart"): 1, ("cart", "home"): 1}
    assert got["home", "cart"].wait_median == pytest.approx(120)  # home at 0 -> add at 2 (search skipped); 4 -> 6
    assert pm.journey_variants.top[0].steps == ("home", "cart", "home", "cart")
    assert pm.touchpoint_rework.for_step("home").returned == 1
    assert {(lp.step, lp.via) for lp in pm.touchpoint_rework.loops} == {("home", "cart"), ("cart", "home")}


def test_time_between_steps_runs_from_first_reach_to_first_reach():
    rows = [("A", "a", 0), ("A", "b", 5), ("A", "a", 6), ("A", "b2", 8),  # 5 min
            ("B", "b", 0), ("B", "a", 3),  # reached b first: left out
            ("C", "a", 0),  # never reached b
            ("D", "a", 1), ("D", "b2", 4)]  # 3 min
    pm = process_map(frame(rows), journey({"a": ["a"], "b": ["b", "b2"]}), Settings())
    [timing] = pm.step_times
    assert (timing.source, timing.target, timing.n) == ("a", "b", 2)
    assert timing.median == pytest.approx(240) and timing.p85 == pytest.approx(180 + 0.85 * 120)
    assert timing.median_text == "4.0 min"


# ---------------------------------------------------------------- abnormal drop-off periods


def planted_log(weeks: int, per_week: int, lost, segment_of) -> pd.DataFrame:
    """Cases reaching step a spread over each week from Monday 1 Jan 2024; `lost(week, i)` never reach b."""
    rows, segments = [], {}
    for week in range(weeks):
        for i in range(per_week):
            case = f"w{week}c{i}"
            at = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * week + i % 7, hours=9 + i % 8)
            rows.append((case, "a", at))
            if not lost(week, i):
                rows.append((case, "b", at + pd.Timedelta(minutes=3)))
            segments[case] = segment_of(i)
    return pd.DataFrame({"case_id": pd.array([r[0] for r in rows], dtype="string"), "activity": pd.Categorical([r[1] for r in rows]),
                         "timestamp": [r[2] for r in rows], "segment": pd.Categorical([segments[r[0]] for r in rows])})


AB = journey({"a": ["a"], "b": ["b"]})


def test_a_planted_abnormal_week_is_found_with_its_segment():
    # 30% drop-off every week and in each segment, except week 12 when mobile loses 90%.
    def lost(week, i):
        share = 9 if week == 12 and i % 2 == 0 else 3
        return (i // 2) % 10 < share

    pm = process_map(planted_log(20, 200, lost, lambda i: "mobile" if i % 2 == 0 else "desktop"), AB, Settings())
    assert pm.granularity == {("a", "b"): "week"}  # 200 a week is under 30 a day
    [period] = pm.drop_off_periods
    assert (period.source, period.target, period.segment) == ("a", "b", None)
    assert (period.start, period.end, period.periods) == (dt.date(2024, 3, 25), dt.date(2024, 3, 31), 1)
    assert (period.n, period.lost, period.usual_n, period.usual_lost) == (200, 120, 3800, 1140)
    assert period.rate == 0.6 and period.usual_rate == 0.3 and period.excess_lost == pytest.approx(60)
    assert period.p_value < 1e-10
    assert [(s.segment, s.n, s.lost, s.usual_n, s.usual_lost) for s in period.carriers] == [("mobile", 100, 90, 1900, 570)]
    assert {s.segment: s.carries for s in period.segments} == {"mobile": True, "desktop": False}
    assert period.sentence() == "Drop-off rose to 60% from 25 to 31 Mar 2024 (n=200; usual 30%, n=3,800), mostly mobile (90%, n=100; usual 30%)."


def test_busy_days_give_a_daily_period_and_its_date_range():
    rows = []
    for day in range(40):
        for i in range(60):
            at = pd.Timestamp("2024-03-01") + pd.Timedelta(days=day, minutes=10 * i)
            rows.append((f"d{day}c{i}", "a", at))
            spike = 2 <= day <= 4  # 3 to 5 March
            if (i % 4 == 3) if spike else (i % 4 != 0):
                rows.append((f"d{day}c{i}", "b", at + pd.Timedelta(minutes=1)))
    events = pd.DataFrame({"case_id": [r[0] for r in rows], "activity": [r[1] for r in rows], "timestamp": [r[2] for r in rows]})
    pm = process_map(events, AB, Settings())
    assert pm.granularity[("a", "b")] == "day"
    [period] = pm.drop_off_periods
    assert (period.start, period.end, period.n, period.lost, period.usual_n, period.usual_lost) == (
        dt.date(2024, 3, 3), dt.date(2024, 3, 5), 180, 135, 2220, 555)
    assert period.dates == "from 3 to 5 Mar 2024" and period.segments == []


def test_an_incident_in_one_small_segment_is_reported_on_its_own():
    # Tablet (a tenth of cases) loses everyone for three weeks: overall drop-off rises only 7 points (below min_lift).
    def segment_of(i):
        return "tablet" if i % 10 == 0 else "mobile" if i % 10 <= 3 else "desktop"

    def lost(week, i):
        return (8 <= week <= 10 and i % 10 == 0) or (i // 10) % 10 < 3

    pm = process_map(planted_log(20, 200, lost, segment_of), AB, Settings())
    [period] = pm.drop_off_periods
    assert (period.segment, period.start, period.end) == ("tablet", dt.date(2024, 2, 26), dt.date(2024, 3, 17))
    assert (period.n, period.lost, period.usual_n, period.usual_lost) == (60, 60, 340, 102)
    assert period.sentence().startswith("On tablet, drop-off rose to 100% from 26 Feb to 17 Mar 2024 (n=60; usual 30% on tablet, n=340)")


@pytest.mark.parametrize("seed", range(6))
def test_a_steady_log_raises_no_false_alarm(seed):
    rng = np.random.default_rng(seed)
    cases = 26 * 150
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.random(cases) * 26 * 7, unit="D")
    lost = rng.random(cases) < 0.35
    segment = rng.choice(["mobile", "desktop", "tablet"], cases, p=[0.5, 0.4, 0.1])
    ids = np.array([f"s{i}" for i in range(cases)])
    events = pd.DataFrame({"case_id": np.r_[ids, ids[~lost]], "activity": ["a"] * cases + ["b"] * int((~lost).sum()),
                           "timestamp": np.r_[start, start[~lost] + pd.Timedelta(minutes=2)],
                           "segment": np.r_[segment, segment[~lost]]})
    pm = process_map(events, AB, Settings())
    assert pm.granularity[("a", "b")] == "week"
    assert pm.drop_off_periods == []


def test_no_segment_column_still_finds_periods_without_a_breakdown():
    def lost(week, i):
        return (i // 2) % 10 < (9 if week == 5 else 3)

    events = planted_log(12, 200, lost, lambda i: "x").drop(columns="segment")
    [period] = process_map(events, AB, Settings()).drop_off_periods
    assert period.start == dt.date(2024, 2, 5) and period.segments == [] and "mostly" not in period.sentence()


def test_date_range_and_duration_texts():
    assert date_range_text(dt.date(2024, 3, 3), dt.date(2024, 3, 3)) == "on 3 Mar 2024"
    assert date_range_text(dt.date(2024, 4, 15), dt.date(2024, 5, 12)) == "from 15 Apr to 12 May 2024"
    assert date_range_text(dt.date(2023, 12, 28), dt.date(2024, 1, 3)) == "from 28 Dec 2023 to 3 Jan 2024"
    assert [format_duration(s) for s in (None, 45, 210, 3600 * 5, 86400 * 3)] == ["–", "45 s", "3.5 min", "5.0 h", "3.0 days"]


# ---------------------------------------------------------------- independent recounts


def pandas_recount(events: pd.DataFrame):
    """Directly-follows edges, variants and rework by plain pandas, independently of the numpy implementation."""
    ordered = events.sort_values(["case_id", "timestamp"], kind="stable")
    nxt = ordered.groupby("case_id", sort=False)["activity"].shift(-1)
    wait = (ordered.groupby("case_id", sort=False)["timestamp"].shift(-1) - ordered["timestamp"]).dt.total_seconds()
    pairs = pd.DataFrame({"case": ordered["case_id"].to_numpy(), "a": ordered["activity"].astype(str).to_numpy(),
                          "b": nxt.astype(object).to_numpy(), "wait": wait.to_numpy()}).dropna(subset=["b"])
    dfg = {(a, b): (len(g), g["case"].nunique(), g["wait"].median(), g["wait"].quantile(0.85)) for (a, b), g in pairs.groupby(["a", "b"])}
    sequences = ordered.groupby("case_id", sort=False)["activity"].agg(lambda s: [str(x) for x in s])
    collapsed = sequences.map(lambda seq: tuple(x for k, x in enumerate(seq) if k == 0 or x != seq[k - 1]))
    variants = collapsed.value_counts().to_dict()
    rework = {}
    for seq in collapsed:
        for step in set(seq):
            reached, returned = rework.get(step, (0, 0))
            rework[step] = (reached + 1, returned + (seq.count(step) > 1))
    return dfg, variants, rework


case_paths = st.lists(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 4)), min_size=1, max_size=7), min_size=1, max_size=25)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=case_paths, interleave=st.booleans(), seed=st.integers(0, 10_000))
def test_random_logs_match_a_pandas_recount(paths, interleave, seed):
    rows = []
    for c, path in enumerate(paths):
        minute = 0
        for step, gap in path:
            minute += gap  # a gap of 0 is a tie: file order decides
            rows.append((f"case{c:02d}", step, minute))
    events = frame(rows)
    if interleave:
        events = events.iloc[np.random.default_rng(seed).permutation(len(events))].reset_index(drop=True)
    dfg, variants, rework = pandas_recount(events)
    pm = process_map(events, journey({"a": ["a"], "b": ["b"]}), settings_with({"process": {"top_variants": 100, "top_loops": 50}}))
    got = {k: (e.events, e.cases, e.wait_median, e.wait_p85) for k, e in edges(pm.activities).items()}
    assert got.keys() == dfg.keys()
    for key, (n, cases, median, p85) in dfg.items():
        assert got[key][:2] == (n, cases)
        assert got[key][2] == pytest.approx(median) and got[key][3] == pytest.approx(p85)
    assert {v.steps: v.cases for v in pm.variants.top} == variants and pm.variants.distinct == len(variants)
    assert {s.step: (s.cases, s.returned) for s in pm.rework.steps} == rework
    # Every activity its own touchpoint: the touchpoint view (renamed from the activity view) matches the recount too.
    funnel = process_map(events, journey({f"tp{x}": [x] for x in "abcd"}), settings_with({"process": {"top_variants": 100, "top_loops": 50}}))
    renamed = {(f"tp{a}", f"tp{b}"): v for (a, b), v in dfg.items()}
    got = {k: (e.events, e.cases, e.wait_median, e.wait_p85) for k, e in edges(funnel.touchpoints).items()}
    assert got.keys() == renamed.keys() and all(got[k] == pytest.approx(v) for k, v in renamed.items())
    assert {v.steps: v.cases for v in funnel.journey_variants.top} == {tuple(f"tp{x}" for x in k): n for k, n in variants.items()}
    assert {s.step: (s.cases, s.returned) for s in funnel.touchpoint_rework.steps} == {f"tp{k}": v for k, v in rework.items()}
    assert [lp.step for lp in funnel.touchpoint_rework.loops] == [f"tp{lp.step}" for lp in funnel.rework.loops]


def test_bundled_sample_sessions_match_a_pandas_recount():
    path = sample_engagement() / "web_sessions.csv"
    raw = pd.read_csv(path, parse_dates=["timestamp"]).rename(columns={"session_id": "case_id", "step": "activity", "device": "segment"})
    steps = ["home", "product", "basket", "checkout", "payment", "confirmation"]
    pm = process_map(raw, journey({s: [s] for s in steps}), Settings())
    dfg, variants, _ = pandas_recount(raw)
    got = {k: (e.events, e.cases, e.wait_median, e.wait_p85) for k, e in edges(pm.activities).items()}
    assert got.keys() == dfg.keys() and all(got[k] == pytest.approx(v) for k, v in dfg.items())
    first = raw.groupby(["case_id", "activity"])["timestamp"].min().unstack()
    for timing in pm.step_times:
        later = first[timing.target] >= first[timing.source]
        waits = (first.loc[later, timing.target] - first.loc[later, timing.source]).dt.total_seconds()
        assert timing.n == len(waits) and timing.median == pytest.approx(waits.median())
    assert {v.steps: v.cases for v in pm.journey_variants.top} == variants
    # The sample's funnel is steady over its weeks: nothing to flag.
    assert pm.drop_off_periods == [] and set(pm.granularity.values()) <= {"day", "week"}


# ---------------------------------------------------------------- wiring: evidence, JSON, report


def test_conversion_signals_get_timing_period_and_rework_evidence():
    def lost(week, i):
        return (i // 2) % 10 < (9 if week == 12 and i % 2 == 0 else 3)

    events = planted_log(20, 200, lost, lambda i: "mobile" if i % 2 == 0 else "desktop")
    # Every fifth case that reaches b goes back to a and on to b again: 390 of the 4,000 cases at a.
    extra = events[(events["activity"] == "b") & events["case_id"].str.endswith(("0", "5"))].copy()
    back = extra.assign(activity="a", timestamp=extra["timestamp"] + pd.Timedelta(minutes=1))
    again = extra.assign(timestamp=extra["timestamp"] + pd.Timedelta(minutes=2))
    events = pd.concat([events, back, again]).sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True)
    events["activity"] = events["activity"].astype("category")
    promise = Promise(description="x", business_days=2)
    ctx = SignalContext(Settings(), promise, WorkingCalendar.from_promise(promise))
    signals = event_signals(build_funnel(events, AB), AB, ctx)
    before = [(s.value, s.severity, s.money_at_stake) for s in signals]
    attach_process_evidence(signals, process_map(events, AB, Settings()))
    [signal] = signals
    texts = [e.text for e in signal.evidence]
    assert any(t.startswith("Customers who went on reached B a median 3.0 min after first reaching A") for t in texts)
    assert any(t.startswith("Drop-off rose to 60% from 25 to 31 Mar 2024") and "mostly mobile" in t for t in texts)
    assert any(t.startswith("10% of 4,000 customers at A came back to it after leaving; most often A → B → A (390 customers)") for t in texts)
    assert [(s.value, s.severity, s.money_at_stake) for s in signals] == before  # evidence only


def test_sample_audit_exports_process_json_and_renders_the_section(sample_audit):
    import json

    from fixfirst.present.score_json import ranking_payload

    payload = json.loads(json.dumps(ranking_payload(sample_audit), allow_nan=False))["process"]
    assert payload["cases"] == 27207 and payload["timed"] and payload["drop_off_periods"] == []
    assert [t["from"] for t in payload["step_times"]] == ["home", "product", "basket", "checkout", "payment"]
    assert payload["activity_graph"]["edges"][0] == {"from": "home", "to": "product", "events": 19005, "cases": 19005, "share": 1.0,
                                                   "wait_median_s": 40.0, "wait_p85_s": 92.0}
    tree = HTMLParser(render_html(sample_audit))
    section = tree.css_first("#process")
    assert len(section.css("#step-times tbody tr")) == 5 and section.css_first(".no-alarm") is not None
    assert len(section.css("#directly-follows tbody tr")) == len(sample_audit.signals.process.activities.edges)
    assert "40 s" in section.css_first("#directly-follows tbody tr").text()
    assert "Process map" in tree.css_first("#methodology").text()


def test_hostile_activity_names_are_escaped_in_the_process_section(tmp_path):
    folder = write_tiny_engagement(tmp_path / "hostile")
    hostile = "<img src=x onerror=alert(1)> mail a.b@example.com"
    with open(folder / "events.csv", "a") as handle:
        for s in range(40):
            handle.write(f"S{s},{hostile},2026-03-02 10:{s:02d}:30,mobile\n")
    html = render_html(run_audit(folder))
    section = HTMLParser(html).css_first("#process")
    assert section.css("img") == [] and "<img src=x" in section.text() and "a.b@example.com" not in html
    assert "&lt;img src=x" in html


def test_report_lists_an_abnormal_period_with_its_carriers(tmp_path):
    def lost(week, i):
        return (i // 2) % 10 < (9 if week == 12 and i % 2 == 0 else 3)

    events = planted_log(20, 200, lost, lambda i: "mobile" if i % 2 == 0 else "desktop")
    events.rename(columns={"case_id": "session_id", "activity": "step", "segment": "device"}).to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "journey.yaml").write_text(
        "stages: [web]\ntouchpoints:\n  - {id: a, name: Basket, stage: web, data: {events: [a]}}\n"
        "  - {id: b, name: Checkout, stage: web, data: {events: [b]}}\ntransitions:\n  - {from: a, to: b}\n")
    (tmp_path / "audit.yaml").write_text(
        "client: {name: Shop}\npromise: {description: x, business_days: 2}\nsources:\n  - {kind: events, file: events.csv}\n")
    rows = HTMLParser(render_html(run_audit(tmp_path))).css("#drop-off-periods tbody tr")
    assert len(rows) == 1
    cells = [c.text(strip=True) for c in rows[0].css("td")]
    assert cells[:6] == ["Basket → Checkout", "25 Mar – 31 Mar 2024", "all customers", "60% (n=200)", "30% (n=3,800)", "60"]
    assert cells[6] == "mobile 90% (n=100; usual 30%)"


def test_cases_too_recent_to_have_gone_on_raise_no_alarm_at_the_end_of_the_log():
    # Tickets close 9 to 11 days after they are resolved; the export stops 40 minutes after the last resolution,
    # so the last days' tickets are still open. They are not drop-off.
    rows = []
    for i in range(30 * 7 * 15):
        at = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=96 * i)
        rows.append((f"t{i}", "resolved", at))
        closed = at + pd.Timedelta(days=9 + (i % 21) / 10)
        if i % 5 and closed <= pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=96 * (30 * 7 * 15 - 1) + 40):
            rows.append((f"t{i}", "closed", closed))
    events = pd.DataFrame({"case_id": [r[0] for r in rows], "activity": [r[1] for r in rows], "timestamp": [r[2] for r in rows]})
    steps = journey({"resolved": ["resolved"], "closed": ["closed"]})
    assert process_map(events, steps, Settings()).drop_off_periods == []
    # Scanned without that allowance, the last days look like an incident.
    first = events[events["activity"] == "resolved"].set_index("case_id")["timestamp"]
    lost = ~first.index.isin(events.loc[events["activity"] == "closed", "case_id"])
    [late], _, _ = abnormal_drop_off(first.to_numpy().view(np.int64), lost, None, Settings().process)
    assert late.end == dt.date(2024, 7, 28) and late.rate > 0.5


def test_the_exact_test_tail_matches_scipy_stats():
    from scipy.stats import hypergeom

    from fixfirst.signals.dropoff import hypergeom_upper_tail

    rng = np.random.default_rng(7)
    population = rng.integers(20, 20_000, 300)
    successes = (population * rng.uniform(0.01, 0.6, 300)).astype(int)
    draws = (population * rng.uniform(0.01, 0.6, 300)).astype(int)
    mean = successes * draws / population
    at_least = np.minimum(np.minimum(successes, draws), np.ceil(mean * rng.uniform(1.0, 2.5, 300)).astype(int))
    ours = hypergeom_upper_tail(at_least, population, successes, draws)
    assert ours == pytest.approx(hypergeom.sf(at_least - 1, population, successes, draws), rel=1e-9, abs=1e-300)
    assert hypergeom_upper_tail([5], [10], [3], [4]).tolist() == [0.0]  # more than can be drawn: impossible


def test_the_within_cells_test_is_the_convolution_of_each_cells_hypergeometric():
    from scipy.stats import hypergeom

    from fixfirst.signals.exact_tests import fisher_greater, stratified_greater

    rng = np.random.default_rng(11)
    for _ in range(20):
        cells = int(rng.integers(1, 6))
        n_in, n_out = rng.integers(5, 60, cells), rng.integers(5, 120, cells)
        lost_in, lost_out = rng.binomial(n_in, 0.4), rng.binomial(n_out, 0.3)
        dist, low_total = np.ones(1), 0
        for k in range(cells):
            law = hypergeom(n_in[k] + n_out[k], lost_in[k] + lost_out[k], n_in[k])
            low, high = law.support()
            low_total += low
            dist = np.convolve(dist, law.pmf(np.arange(low, high + 1)))
        expected = dist[lost_in.sum() - low_total:].sum()
        assert stratified_greater(n_in, lost_in, n_out, lost_out) == pytest.approx(expected, rel=1e-9)
        if cells == 1:
            assert stratified_greater(n_in, lost_in, n_out, lost_out) == pytest.approx(fisher_greater(n_in[0], lost_in[0], n_out[0], lost_out[0]))
    # Large counts take the continuity-corrected normal form, close to the exact tail.
    big = stratified_greater(np.array([3000, 2500]), np.array([1100, 700]), np.array([9000, 8000]), np.array([3000, 2000]))
    exact = fisher_greater(3000, 1100, 9000, 3000)
    assert 0 < big < 1e-3 and 0 < exact < 1e-3


def test_a_drop_off_period_that_only_drew_more_of_a_weaker_segment_is_not_abnormal():
    # Returning visitors lose 30%, new ones 70%, every week; in weeks 8-10 new visitors are 90% of cases, else 20%.
    def lost(week, i):
        new = (i % 10) < (9 if 8 <= week <= 10 else 2)
        return (i // 10) % 10 < (7 if new else 3)

    def segment_of(i):  # the device says nothing here; the visitor type is the mix that moved
        return "mobile" if i % 2 else "desktop"

    events = planted_log(20, 200, lost, segment_of)
    week = events["case_id"].str.extract(r"w(\d+)c(\d+)").astype(int)
    events["visitor_type"] = pd.Categorical(np.where(week[1] % 10 < np.where(week[0].between(8, 10), 9, 2), "new", "returning"))
    assert process_map(events.drop(columns="visitor_type"), AB, Settings()).drop_off_periods  # all cases at once: abnormal
    assert process_map(events, AB, Settings()).drop_off_periods == []  # within visitor types: as usual
