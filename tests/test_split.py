"""A before/after split inside one export: planted step changes found on their date, too early said, weekday and season adjusted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixfirst.config.engagement import Change
from fixfirst.errors import FixfirstError
from fixfirst.history.split import YEAR_DAYS, split_comparison
from fixfirst.config.settings import Settings

MIN_AFTER_DAYS = Settings().history.min_after_days
from fixfirst.history.stats import ChangeReading
from fixfirst.ingest import IngestResult
from fixfirst.pipeline import CheckResult, check_engagement
from fixfirst.present import Formatter
from fixfirst.present.split_view import split_lines

from .family import draw_spec, make_business

DOC = (Path(__file__).resolve().parents[1] / "docs" / "split.md").read_text()
FMT = Formatter("GBP", "en_GB")


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    """A generated shop whose payment step failed for half its customers on planted dates (seed 3: 6 to 25 July 2025)."""
    spec = draw_spec(3, defects=("payment_incident",))
    folder = tmp_path_factory.mktemp("split") / "incident"
    truth = make_business(3, folder, spec=spec)
    checked = check_engagement(folder)
    assert not checked.data.problems.has_errors
    params = spec.defects[0].params
    return checked, truth.roles["payment"], params["start"], params["end"], spec.end


@pytest.fixture(scope="module")
def incident_split(incident):
    checked, payment, start, end, _ = incident
    quiet = end + dt.timedelta(days=47)  # nothing happened then: its before period starts with the repair
    changes = [Change(what="payment provider changed", date=start, touchpoints=[payment]),
               Change(what="payment provider changed back", date=end + dt.timedelta(days=1), touchpoints=[payment]),
               Change(what="new banner", date=quiet, touchpoints=[payment])]
    return split_comparison(checked, changes, checked.engagement.settings)


def _conversion(change):
    return next(s for s in change.signals if s.metric == "conversion" and s.source == "events")


def test_planted_step_change_is_found_on_its_date(incident, incident_split):
    _, payment, start, end, _ = incident
    broke, fixed, quiet = incident_split.changes
    assert (broke.date, fixed.date) == (start, end + dt.timedelta(days=1))
    assert fixed.before.start == start and fixed.before.end == end  # the period between two changes
    assert all(s.touchpoint == payment for c in incident_split.changes for s in c.signals)
    went, came_back, nothing = _conversion(broke), _conversion(fixed), _conversion(quiet)
    assert went.reading is ChangeReading.WORSE and went.high < -0.3  # the planted factor halves the step
    assert came_back.reading is ChangeReading.BETTER and came_back.low > 0.3
    assert went.weekday_adjusted and came_back.weekday_adjusted
    assert nothing.reading is ChangeReading.NO_CLEAR_CHANGE and nothing.low < 0 < nothing.high
    assert {c.seasonality for c in incident_split.changes} == {"no_year_earlier"}  # under a year of data
    json.dumps(incident_split.to_dict())


def test_split_lines_say_the_reading_in_words(incident_split):
    lines = split_lines(incident_split, FMT)
    broke = next(line for line in lines if line.startswith("Payment provider changed (6 Jul 2025), "))
    assert re.search(r"\d+% → \d+% \(n = [\d,]+ → [\d,]+\), weekday mix adjusted, change −\d", broke)
    assert broke.endswith("a real worsening")
    fixed = [line for line in lines if line.startswith("Payment provider changed back (26 Jul 2025), ")]
    assert fixed and fixed[0].endswith("a real improvement")
    assert any(line.startswith("New banner (") and line.endswith("no clear change") for line in lines)
    header = next(line for line in lines if line.startswith("Payment provider changed back (26 Jul 2025): "))
    assert "20 days before (6 Jul 2025 to 25 Jul 2025)" in header and "seasonality could not be adjusted for" in header


def test_a_recent_change_is_too_early_to_tell_not_a_success(incident):
    checked, payment, _, _, last = incident
    recent = last - dt.timedelta(days=5)
    result = split_comparison(checked, [Change(what="guest checkout", date=recent, touchpoints=[payment])], checked.engagement.settings)
    change = result.changes[0]
    assert change.after_days == 6 < MIN_AFTER_DAYS and change.too_short
    assert change.signals and all(s.reading is ChangeReading.TOO_EARLY and s.too_early == "short_after_period" for s in change.signals)
    lines = split_lines(result, FMT)
    assert "too early to tell: 6 days after the change, fewer than 14" in lines[0]
    assert all(line.endswith("too early to tell: 6 days after the change") for line in lines[1:])


def test_too_few_observations_after_is_too_early_to_tell(incident):
    checked, payment, _, end, _ = incident
    settings = checked.engagement.settings
    strict = settings.model_copy(update={"scoring": settings.scoring.model_copy(update={"min_evidence_n": 5000})})
    result = split_comparison(checked, [Change(what="fix", date=end + dt.timedelta(days=1), touchpoints=[payment])], strict)
    conversion = _conversion(result.changes[0])
    assert conversion.low > 0  # the interval alone would call it an improvement...
    assert conversion.reading is ChangeReading.TOO_EARLY and conversion.too_early == "few_after"  # ...on too few customers
    line = next(line for line in split_lines(result, FMT) if "n = " in line and "too early" in line)
    assert line.endswith(f"too early to tell: n = {FMT.count(conversion.n_after)} after the change, fewer than 5,000")


def test_changes_outside_the_data_and_unknown_touchpoints(incident):
    checked, _, _, _, last = incident
    settings = checked.engagement.settings
    first = split_comparison(checked, [], settings).data_start
    result = split_comparison(checked, [Change(what="a", date=first), Change(what="b", date=last + dt.timedelta(days=3))], settings)
    assert [c.window for c in result.changes] == ["no_data_before", "no_data_after"]
    assert result.changes[1].after_days == 0 and result.changes[1].too_short
    lines = split_lines(result, FMT)
    assert lines[0].endswith("nothing to compare, the data start on " + FMT.date(first) + ", not before the change.")
    assert "too early to tell" in lines[1]
    with pytest.raises(FixfirstError, match="no_such_step"):
        split_comparison(checked, [Change(what="c", date=last, touchpoints=["no_such_step"])], settings)


# -- weekday and season, on a healthy shop's web sessions alone (fast) ------------------------------------------------------

@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    spec = draw_spec(11, defects=())
    folder = tmp_path_factory.mktemp("split") / "healthy"
    truth = make_business(11, folder, spec=spec)
    checked = check_engagement(folder)
    events = checked.data.get("events")
    confirm = set(checked.journey.touchpoint(truth.roles["confirmation"]).events)
    return checked, events, truth.roles, confirm


def _with_events(checked: CheckResult, frame: pd.DataFrame) -> CheckResult:
    """The same engagement with only its event log, as given."""
    table = dataclasses.replace(checked.data.get("events"), frame=frame.reset_index(drop=True))
    return CheckResult(checked.engagement, checked.journey, IngestResult(tables={"events": table}))


def _case_start(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("case_id")["timestamp"].transform("min")


def _drop_confirmations(frame: pd.DataFrame, cases: pd.Series, confirm: set[str], share: float, seed: int) -> pd.DataFrame:
    """Take the confirmation away from `share` of the given cases (a boolean per row of `frame`, true on every row of a case)."""
    ids = pd.unique(frame.loc[cases.to_numpy(), "case_id"])
    rng = np.random.default_rng(seed)
    losing = set(ids[rng.random(len(ids)) < share])
    gone = frame["case_id"].isin(losing) & frame["activity"].isin(confirm)
    return frame[~gone.to_numpy()]


def test_a_change_of_weekday_mix_alone_is_no_clear_change(healthy):
    checked, events, roles, confirm = healthy
    frame = events.frame
    start = _case_start(frame)
    split = (start.min() + (start.max() - start.min()) / 2).normalize()
    weekend = start.dt.day_of_week >= 5
    # Weekend customers pay far less often, every week alike; after the split, most weekday sessions are gone, so the
    # weekend's share of customers grows: the raw rate falls, the rate on each weekday does not move.
    frame = _drop_confirmations(frame, weekend, confirm, 0.6, seed=1)
    start = _case_start(frame)
    rng = np.random.default_rng(2)
    ids = pd.unique(frame.loc[((start >= split) & (start.dt.day_of_week < 5)).to_numpy(), "case_id"])
    thinned = set(ids[rng.random(len(ids)) < 0.75])
    frame = frame[~frame["case_id"].isin(thinned).to_numpy()]
    checked = _with_events(checked, frame)
    result = split_comparison(checked, [Change(what="new banner", date=split.date(), touchpoints=[roles["payment"]])],
                              checked.engagement.settings)
    payment = _conversion(result.changes[0])
    assert payment.unadjusted.reading is ChangeReading.WORSE  # the mix moved the raw rate...
    assert payment.weekday_adjusted and payment.reading is ChangeReading.NO_CLEAR_CHANGE  # ...not the weekday rates
    assert abs(payment.after_adjusted - payment.before_adjusted) < abs(payment.after - payment.before) / 3


def _two_years(frame: pd.DataFrame) -> pd.DataFrame:
    """The log and a copy of it 52 weeks earlier (its own case ids): the same business, a year before."""
    earlier = frame.copy()
    earlier["timestamp"] = earlier["timestamp"] - pd.Timedelta(days=YEAR_DAYS)
    earlier["case_id"] = "LY-" + earlier["case_id"].astype("string")
    return pd.concat([earlier, frame], ignore_index=True)


@pytest.mark.parametrize("seasonal", [True, False], ids=["every-year", "this-year-only"])
def test_a_seasonal_drop_is_no_change_against_a_year_earlier(healthy, seasonal):
    checked, events, roles, confirm = healthy
    frame = events.frame
    start = _case_start(frame)
    split = (start.min() + (start.max() - start.min()) / 2).normalize()
    dropped = _drop_confirmations(frame, start >= split, confirm, 0.4, seed=3)  # the same drop every summer, or only this one
    frame = _two_years(dropped) if seasonal else pd.concat([_two_years(frame).iloc[: len(frame)], dropped], ignore_index=True)
    checked = _with_events(checked, frame)
    result = split_comparison(checked, [Change(what="new banner", date=split.date(), touchpoints=[roles["payment"]])],
                              checked.engagement.settings)
    change = result.changes[0]
    assert change.seasonality == "adjusted"
    payment = _conversion(change)
    assert payment.year_earlier is not None and payment.year_earlier.before.start == change.before.start - dt.timedelta(days=YEAR_DAYS)
    assert payment.unadjusted.reading is ChangeReading.WORSE
    assert payment.reading is (ChangeReading.NO_CLEAR_CHANGE if seasonal else ChangeReading.WORSE)
    line = next(line for line in split_lines(result, FMT) if payment.label[1:] in line)
    assert "in the same weeks a year earlier" in line and "change beyond the year-earlier one" in line


def test_every_split_json_field_is_documented(incident_split):
    payload = json.loads(json.dumps(incident_split.to_dict()))
    change = payload["changes"][0]
    signal = change["signals"][0]
    groups = [payload, change, change["before"], signal, signal["unadjusted"]]
    for group in groups:
        for key in group:
            assert f"`{key}`" in DOC, key
    for key in ("value_before", "n_before", "value_after", "n_after", "difference", "before", "after"):
        assert f"`year_earlier.{key}`" in DOC, key
