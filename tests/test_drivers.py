"""Key-driver analysis, survey KPIs (CSAT, CES, satisfied share) and 'not applicable' answers on data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from fixfirst.config.engagement import Promise, SourceSpec
from fixfirst.ingest import load_source
from fixfirst.ingest.values import parse_bool
from fixfirst.journey.model import JourneySpec, journey_from_spec
from fixfirst.present.charts.drivers_chart import QUADRANT_LABEL, layout_drivers
from fixfirst.report.html import render_html, report_environment
from fixfirst.config.settings import Ingest, Settings, settings_with
from fixfirst.signals.base import wilson_interval
from fixfirst.config.calendar import WorkingCalendar
from fixfirst.signals.context import SignalContext
from fixfirst.signals.drivers import (CONCENTRATE, KEEP_UP, LOW_PRIORITY, OVERKILL, DriverAnalysis, DriversSkipped,
                                      attach_driver_evidence, key_drivers, quadrant)
from fixfirst.signals.survey import customer_effort, survey_kpis, survey_signals

HEADERS = ["Delivery (1-5)", "Checkout (1-5)", "Website (1-5)", "Packaging (1-5)"]
TRUE_WEIGHTS = [0.9, 0.5, 0.2, 0.0]  # Packaging is pure noise


def to_rating(latent: np.ndarray) -> np.ndarray:
    """A latent score (mean 0) cut into a 1-5 rating."""
    return np.digitize(latent, [-1.5, -0.5, 0.3, 1.1]).astype(float) + 1


def synthetic_survey(n: int = 3000, seed: int = 1, weights=TRUE_WEIGHTS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=n)  # a halo: people who like one thing tend to like the rest
    # The noise rating stays outside the halo: through it, it would carry what the cut 1-5 ratings lose of the others.
    latent = [(0.5 * shared if w else 0.0) + rng.normal(size=n) for w in weights]
    outcome = sum(w * x for w, x in zip(weights, latent)) + rng.normal(scale=1.0, size=n)
    survey = pd.DataFrame({f"rating:{h}": to_rating(x) for h, x in zip(HEADERS, latent)})
    survey["overall"] = to_rating(outcome / outcome.std())
    return survey


def survey_journey(headers=HEADERS):
    touchpoints = [{"id": f"tp{i}", "name": h.split(" (")[0], "stage": "all", "data": {"survey": [h]}} for i, h in enumerate(headers)]
    return journey_from_spec(JourneySpec.model_validate({"stages": ["all"], "touchpoints": touchpoints}))


def johnson_by_svd(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson (2000) from the raw data: the SVD of the standardised ratings gives their orthogonal counterparts."""
    xs = (x - x.mean(axis=0)) / np.linalg.norm(x - x.mean(axis=0), axis=0)
    ys = (y - y.mean()) / np.linalg.norm(y - y.mean())
    p, delta, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt  # the closest orthonormal columns to xs
    beta = z.T @ ys
    lam = qt.T @ np.diag(delta) @ qt  # correlations between x and z
    weights = (lam ** 2).T @ (beta ** 2)
    fitted = xs @ np.linalg.lstsq(xs, ys, rcond=None)[0]
    return weights, float(fitted @ fitted)


def ols_by_lstsq(x: np.ndarray, y: np.ndarray):
    """Standardised OLS with classical standard errors from the residuals."""
    n, k = x.shape
    xz = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    yz = (y - y.mean()) / y.std(ddof=1)
    design = np.column_stack([np.ones(n), xz])
    coef, *_ = np.linalg.lstsq(design, yz, rcond=None)
    residual = yz - design @ coef
    sigma2 = residual @ residual / (n - k - 1)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(design.T @ design)))
    t = coef / se
    return coef[1:], se[1:], 2 * stats.t.sf(np.abs(t[1:]), n - k - 1)


@pytest.fixture(scope="module")
def analysis() -> DriverAnalysis:
    result = key_drivers(synthetic_survey(), survey_journey(), Settings())
    assert isinstance(result, DriverAnalysis)
    return result


# ---------------------------------------------------------------- the statistics


def test_known_drivers_come_out_in_their_true_order(analysis):
    assert [d.column for d in analysis.drivers] == HEADERS
    assert [d.rank for d in analysis.drivers] == [1, 2, 3, 4]
    assert analysis.outcome == "overall" and analysis.n == 3000
    assert analysis.drivers[0].touchpoints == ("tp0",)


def test_relative_weights_sum_to_r_squared_and_shares_to_one(analysis):
    assert sum(d.raw_weight for d in analysis.drivers) == pytest.approx(analysis.r_squared, rel=1e-9)
    assert sum(d.share for d in analysis.drivers) == pytest.approx(1.0)
    assert 0.3 < analysis.r_squared < 0.9


def test_weights_and_significance_agree_with_an_independent_computation(analysis):
    survey = synthetic_survey()
    x = survey[[f"rating:{h}" for h in HEADERS]].to_numpy()
    y = survey["overall"].to_numpy()
    weights, r_squared = johnson_by_svd(x, y)
    assert analysis.r_squared == pytest.approx(r_squared, rel=1e-9)
    assert [d.raw_weight for d in analysis.drivers] == pytest.approx(list(weights), rel=1e-7)
    beta, se, p = ols_by_lstsq(x, y)
    assert [d.beta for d in analysis.drivers] == pytest.approx(list(beta), rel=1e-7)
    assert [d.std_error for d in analysis.drivers] == pytest.approx(list(se), rel=1e-7)
    assert [d.p_value for d in analysis.drivers] == pytest.approx(list(p), rel=1e-5, abs=1e-300)
    f = (r_squared / 4) / ((1 - r_squared) / (3000 - 5))
    assert analysis.f_statistic == pytest.approx(f, rel=1e-7)


def test_a_pure_noise_rating_is_not_significant_and_real_drivers_are(analysis):
    noise = analysis.driver("Packaging (1-5)")
    assert not noise.significant and noise.p_value > 0.05
    assert noise.share < 0.05
    assert all(d.significant and d.p_value < 1e-6 for d in analysis.drivers[:3])


def test_a_pure_noise_rating_is_called_significant_about_as_often_as_the_level_says():
    """Over 400 independent small surveys a noise rating is 'significant' in about 5% of them, a real driver in all."""
    noise_hits = real_hits = 0
    for seed in range(400):
        result = key_drivers(synthetic_survey(n=300, seed=1000 + seed), None, Settings())
        noise_hits += result.driver("Packaging (1-5)").significant
        real_hits += result.driver("Delivery (1-5)").significant
    assert 10 <= noise_hits <= 32  # binomial(400, 0.05): mean 20, sd 4.4
    assert real_hits == 400


def test_vif_matches_one_over_one_minus_r_squared_of_each_rating_on_the_others(analysis):
    survey = synthetic_survey()
    x = survey[[f"rating:{h}" for h in HEADERS]].to_numpy()
    for j, driver in enumerate(analysis.drivers):
        others = np.column_stack([np.ones(len(x)), np.delete(x, j, axis=1)])
        fitted = others @ np.linalg.lstsq(others, x[:, j], rcond=None)[0]
        r2 = 1 - ((x[:, j] - fitted) ** 2).sum() / ((x[:, j] - x[:, j].mean()) ** 2).sum()
        assert driver.vif == pytest.approx(1 / (1 - r2), rel=1e-7)
        assert not driver.collinear


def test_a_duplicated_rating_splits_its_weight_and_is_flagged_not_crashed():
    survey = synthetic_survey(1000)
    survey["rating:Delivery copy"] = survey["rating:Delivery (1-5)"]
    result = key_drivers(survey, None, Settings())
    original, copy = result.driver("Delivery (1-5)"), result.driver("Delivery copy")
    assert original.raw_weight == pytest.approx(copy.raw_weight, rel=1e-6)
    assert sum(d.raw_weight for d in result.drivers) == pytest.approx(result.r_squared)
    assert math.isnan(original.beta) and math.isnan(copy.p_value) and original.collinear
    assert not original.significant and copy.touchpoints == ()
    assert not math.isnan(result.driver("Checkout (1-5)").beta)
    assert result.to_dict()["drivers"][0]["vif"] is None


def test_a_binary_satisfied_outcome_is_used_when_nothing_else_is_asked():
    survey = synthetic_survey()
    survey["satisfied"] = pd.array(survey.pop("overall") >= 4, dtype="boolean")
    survey.loc[:9, "satisfied"] = pd.NA
    result = key_drivers(survey, survey_journey(), Settings())
    assert result.outcome == "satisfied" and result.n == 2990 and result.n_outcome == 2990
    assert result.drivers[0].column == "Delivery (1-5)"


def test_the_outcome_setting_overrides_the_automatic_choice():
    survey = synthetic_survey()
    survey["recommend"] = np.clip(survey["overall"] * 2, 0, 10)
    assert key_drivers(survey, None, Settings()).outcome == "overall"
    assert key_drivers(survey, None, settings_with({"drivers": {"outcome": "recommend"}})).outcome == "recommend"
    missing = key_drivers(survey, None, settings_with({"drivers": {"outcome": "satisfied"}}))
    assert isinstance(missing, DriversSkipped) and "satisfied" in missing.reason


# ---------------------------------------------------------------- missing answers and skipping


def test_missing_answers_are_left_out_listwise_and_performance_uses_every_answer():
    survey = synthetic_survey()
    survey.loc[0:99, "rating:Checkout (1-5)"] = np.nan
    survey.loc[50:149, "rating:Website (1-5)"] = np.nan
    survey.loc[140:159, "overall"] = np.nan
    result = key_drivers(survey, None, Settings())
    complete = survey.notna().all(axis=1)
    assert result.n == int(complete.sum()) == 3000 - 160
    assert result.n_outcome == 2980
    checkout = result.driver("Checkout (1-5)")
    answered = survey["rating:Checkout (1-5)"].dropna()
    assert checkout.n_answered == len(answered) == 2900
    assert checkout.top2 == int((answered >= 4).sum())
    assert checkout.performance_ci == pytest.approx(wilson_interval(checkout.top2, 2900))
    x = survey.loc[complete, [f"rating:{h}" for h in HEADERS]].to_numpy()
    weights, _ = johnson_by_svd(x, survey.loc[complete, "overall"].to_numpy())
    assert [result.driver(h).raw_weight for h in HEADERS] == pytest.approx(list(weights), rel=1e-7)


def test_a_rating_few_respondents_gave_is_excluded_rather_than_shrinking_the_sample():
    survey = synthetic_survey()
    survey["rating:Support (1-5)"] = np.where(np.arange(3000) % 4 == 0, 3.0 + np.arange(3000) % 3, np.nan)
    result = key_drivers(survey, survey_journey([*HEADERS, "Support (1-5)"]), Settings())
    assert result.n == 3000 and len(result.drivers) == 4
    [excluded] = result.excluded
    assert excluded.column == "Support (1-5)" and excluded.touchpoints == ("tp4",) and "25%" in excluded.reason
    kept = key_drivers(survey, None, settings_with({"drivers": {"min_answer_share": 0.2}}))
    assert kept.n == 750 and len(kept.drivers) == 5


def test_analysis_is_skipped_with_a_reason_when_too_few_complete_responses_or_drivers():
    small = synthetic_survey(80)
    skipped = key_drivers(small, None, Settings())
    assert isinstance(skipped, DriversSkipped) and skipped.n == 80 and "at least 100" in skipped.reason
    assert key_drivers(small, None, settings_with({"drivers": {"min_complete_responses": 50}})).n == 80
    one = key_drivers(synthetic_survey()[["rating:Delivery (1-5)", "overall"]], None, Settings())
    assert isinstance(one, DriversSkipped) and "at least 2" in one.reason
    none = key_drivers(synthetic_survey().drop(columns="overall"), None, Settings())
    assert isinstance(none, DriversSkipped) and none.outcome is None
    constant = synthetic_survey()
    constant["rating:Website (1-5)"] = 5.0
    result = key_drivers(constant, None, Settings())
    assert [e.column for e in result.excluded] == ["Website (1-5)"] and len(result.drivers) == 3
    assert skipped.to_dict()["skipped"] == skipped.reason


# ---------------------------------------------------------------- quadrant


@pytest.mark.parametrize("importance, performance, expected", [
    (0.4, 0.5, CONCENTRATE), (0.4, 0.9, KEEP_UP), (0.1, 0.5, LOW_PRIORITY), (0.1, 0.9, OVERKILL), (0.25, 0.7, KEEP_UP)])
def test_quadrant_of_importance_and_performance(importance, performance, expected):
    assert quadrant(importance, performance, 0.25, 0.7) == expected


def test_quadrants_split_at_the_mean_or_the_median_of_the_drivers(analysis):
    assert analysis.importance_split == pytest.approx(0.25)  # the equal share of four drivers
    mean_performance = np.mean([d.performance for d in analysis.drivers])
    assert analysis.performance_split == pytest.approx(mean_performance)
    for d in analysis.drivers:
        assert d.quadrant == quadrant(d.share, d.performance, 0.25, mean_performance)
    assert analysis.drivers[-1].quadrant in (LOW_PRIORITY, OVERKILL)
    median = key_drivers(synthetic_survey(), None, settings_with({"drivers": {"quadrant_split": "median"}}))
    assert median.importance_split == pytest.approx(np.median([d.share for d in analysis.drivers]))
    assert sum(d.quadrant in (CONCENTRATE, KEEP_UP) for d in median.drivers) == 2


# ---------------------------------------------------------------- evidence, KPIs, not-applicable answers


def make_ctx() -> SignalContext:
    promise = Promise(description="Delivered within 2 working days", business_days=2)
    return SignalContext(Settings(), promise, WorkingCalendar.from_promise(promise))


def test_each_top2box_signal_says_how_strongly_its_rating_drives_the_outcome(analysis):
    survey = synthetic_survey()
    signals = survey_signals(survey, survey_journey(), make_ctx())
    before = [(s.severity, s.shrunk_value) for s in signals]
    attach_driver_evidence(signals, analysis)
    assert [(s.severity, s.shrunk_value) for s in signals] == before  # evidence only, the score is untouched
    delivery = next(s for s in signals if s.touchpoint == "tp0")
    text = delivery.evidence[-1].text
    share = analysis.drivers[0].share
    assert text.startswith(f"Drives overall satisfaction: {share * 100:.0f}% of what the ratings explain together, rank 1 of 4 (p<0.001; n=3,000")
    assert "not significant" in next(s for s in signals if s.touchpoint == "tp3").evidence[-1].text
    assert "mean rating" in delivery.evidence[0].text


def test_survey_kpis_give_csat_satisfied_share_and_customer_effort_with_intervals():
    rng = np.random.default_rng(3)
    effort = rng.integers(1, 8, 400).astype(float)
    survey = pd.DataFrame({"overall": rng.integers(1, 6, 400).astype(float), "effort": effort,
                           "satisfied": pd.array(rng.random(400) < 0.6, dtype="boolean")})
    survey.loc[:19, "effort"] = np.nan
    kpis = {k.name: k for k in survey_kpis(survey)}
    csat = kpis["Overall satisfaction (CSAT)"]
    assert csat.value == pytest.approx((survey["overall"] >= 4).mean()) and csat.n == 400
    assert kpis["Satisfied customers"].value == pytest.approx(survey["satisfied"].astype(float).mean())
    ces = customer_effort(survey)
    answered = effort[20:]
    low, high = stats.t.interval(0.95, len(answered) - 1, loc=answered.mean(), scale=stats.sem(answered))
    assert (ces.n, ces.mean) == (380, pytest.approx(answered.mean()))
    assert ces.mean_ci == pytest.approx((low, high))
    assert ces.share == pytest.approx((answered >= 5).mean())
    assert kpis["Customer Effort Score"].n == 380 and f"{low:.2f} to {high:.2f}" in kpis["Customer Effort Score"].note
    assert survey_kpis(pd.DataFrame({"comment": ["hi"]})) == []


def test_two_class_satisfaction_labels_read_as_yes_and_no():
    labels = pd.Series(["satisfied", "neutral or dissatisfied", "Dissatisfied", "not satisfied", "Unsatisfied", "maybe", None])
    values, bad = parse_bool(labels)
    assert values.tolist()[:5] == [True, False, False, False, False]
    assert bad.tolist() == [False] * 5 + [True, False]


def write_survey(tmp_path) -> tuple:
    path = tmp_path / "survey.csv"
    path.write_text("id,Wifi,Boarding,Likely to recommend,Customer effort,satisfaction\n"
                    "1,0,4,0,Strongly agree,satisfied\n2,3,0,9,2,neutral or dissatisfied\n3,5,5,10,somewhat agree,satisfied\n"
                    "4,0,1,6,7,neutral or dissatisfied\n5,4,9,8,4,satisfied\n")
    return path


def test_not_applicable_codes_are_blanks_without_warnings_but_stay_answers_inside_a_scale(tmp_path):
    path = write_survey(tmp_path)
    spec = SourceSpec(kind="survey", file=str(path), not_applicable=[0], columns={"satisfied": "satisfaction", "recommend": "Likely to recommend"})
    table, problems = load_source(spec, path, Ingest(), ["Wifi", "Boarding"])
    frame = table.frame
    assert frame["rating:Wifi"].isna().tolist() == [True, False, False, True, False]
    assert frame["rating:Boarding"].isna().tolist() == [False, True, False, False, True]
    out = [p for p in problems if p.code == "value.out_of_scale"]
    assert [(p.column, p.value) for p in out] == [("Boarding", "9")]  # 9 is not a listed code: still warned about
    assert frame["recommend"].tolist() == [0, 9, 10, 6, 8]  # 0 is a detractor on the 0-10 scale
    assert frame["satisfied"].tolist() == [True, False, True, False, True]
    assert frame["effort"].tolist() == [7, 2, 5, 7, 4]
    assert table.mapping["effort"] == "Customer effort"
    default, default_problems = load_source(SourceSpec(kind="survey", file=str(path)), path, Ingest(), ["Wifi", "Boarding"])
    zeros = [p for p in default_problems if p.code == "value.out_of_scale" and p.value == "0"]
    assert {p.column for p in zeros} == {"Wifi", "Boarding"}
    assert "satisfied" not in default.mapping


# ---------------------------------------------------------------- report


def test_sample_report_ranks_drivers_with_n_significance_quadrant_and_chart(sample_audit):
    analysis = sample_audit.signals.drivers
    tree = HTMLParser(render_html(sample_audit))
    rows = tree.css("#drivers table.drivers tbody tr")
    assert len(rows) == len(analysis.drivers) >= 2
    assert [int(r.css("td")[0].text()) for r in rows] == list(range(1, len(rows) + 1))
    for row, driver in zip(rows, analysis.drivers):
        cells = [c.text() for c in row.css("td")]
        assert cells[1] == driver.column and cells[-1] == QUADRANT_LABEL[driver.quadrant]  # the quadrant in plain words
        assert row.attributes["data-quadrant"] == driver.quadrant
        assert int(cells[7].replace(",", "")) == driver.n_answered
        assert cells[5].startswith("p")
    points = tree.css("#drivers svg.drivers-chart g.driver-point")
    assert [(p.attributes["data-rank"], p.attributes["data-quadrant"]) for p in points] == [(str(d.rank), d.quadrant) for d in analysis.drivers]
    assert len(tree.css("#drivers svg line.split")) == 2
    assert "Customer service" in tree.css_first("#drivers").text()  # excluded, and saying why
    assert "Johnson" in tree.css_first("#methodology").text()


def test_chart_places_more_important_drivers_further_right_and_better_ones_higher(analysis):
    chart = layout_drivers(analysis)
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs, reverse=True)
    for point, driver in zip(chart.points, analysis.drivers):
        assert chart.left <= point.x <= chart.right and chart.top <= point.ci_top <= point.y <= point.ci_bottom <= chart.bottom
        assert (point.x >= chart.split_x) == (driver.share >= analysis.importance_split)
        assert (point.y <= chart.split_y) == (driver.performance >= analysis.performance_split)
    assert all(chart.left <= t.position <= chart.right for t in chart.x_ticks)
    assert all(chart.top - 1e-9 <= t.position <= chart.bottom + 1e-9 for t in chart.y_ticks) and len(chart.y_ticks) >= 3
    assert layout_drivers(None) is None
    assert layout_drivers(DriversSkipped("too few", "overall", 3)) is None


def test_rank_labels_of_dots_on_top_of_each_other_do_not_overlap():
    from fixfirst.present.charts.drivers_chart import _label_box, _overlaps, _place_labels

    centres = [(200.0, 150.0)] * 6 + [(206.0, 152.0), (100.0, 100.0)]
    texts = [str(i) for i in range(1, 9)]
    placed = _place_labels(texts, centres, (56, 14, 544, 286))
    boxes = [_label_box(x, y, anchor, text) for (x, y, anchor), text in zip(placed, texts)]
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert all(abs(x - cx) <= 15 and abs(y - cy) <= 22 for (x, y, _), (cx, cy) in zip(placed, centres))


def test_drivers_section_escapes_client_headers_and_shows_why_it_was_skipped(analysis, sample_audit):
    from dataclasses import replace
    from types import SimpleNamespace

    from fixfirst.present.appendix_drivers import build_drivers
    from fixfirst.present.numbers import Formatter

    hostile = replace(analysis, drivers=tuple(replace(d, column=f"<script>alert({d.rank})</script>", touchpoints=()) for d in analysis.drivers))
    template = report_environment().get_template("_partials/drivers.html")

    def render(drivers):
        view = SimpleNamespace(appendix=SimpleNamespace(drivers=build_drivers(sample_audit, Formatter(), "C", analysis=drivers)))
        return template.render(view=view)

    html = render(hostile)
    tree = HTMLParser(html)
    assert tree.css("script") == [] and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    skipped = HTMLParser(render(DriversSkipped("12 responses answered the outcome and every rating; at least 30 are needed "
                                               "(drivers.min_complete_responses)", "overall", 12)))
    reason = skipped.css_first("#drivers p.skipped").text()
    assert "12 responses" in reason and "drivers." not in reason and skipped.css("svg") == []  # no setting names
