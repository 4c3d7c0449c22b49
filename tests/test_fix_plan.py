"""The fix playbook (shipped, editable, located errors) and the fix plan built from it: in the JSON, the report and the CLI."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.config.engagement import load_engagement
from fixfirst.errors import FixfirstError, InputProblems
from fixfirst.journey import Touchpoint
from fixfirst.pipeline import run_audit
from fixfirst.report import render_html
from fixfirst.present.score_json import ranking_payload
from fixfirst.decision.fix_plan import build_fix_plan, play_fits, touchpoint_topics
from fixfirst.config.playbook import EFFORT_DAYS, HIGHER_IS_BETTER, METRIC_NAMES, default_playbook, load_playbook
from fixfirst.config.settings import settings_with
from fixfirst.config.lexicons import default_lexicon

from .conftest import write_tiny_engagement

ROOT = Path(__file__).resolve().parents[1]
SCORE_DOC = (ROOT / "docs" / "score-json.md").read_text()
ENGAGEMENT_DOC = (ROOT / "docs" / "engagement.md").read_text()
PLANTED = ("delivery", "pick_pack", "checkout")


def touchpoint(tp_id: str, stage: str, keywords: tuple[str, ...] = (), topics: tuple[str, ...] = ()) -> Touchpoint:
    return Touchpoint(tp_id, tp_id.replace("_", " ").title(), stage, 0, "", "", "", (), (), (), keywords, topics=topics)


def fits(play, tp: Touchpoint, metric: str) -> bool:
    return play_fits(play, tp, touchpoint_topics(tp, default_lexicon("en")), metric)


def write_playbook(folder: Path, text: str, name: str = "playbook.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


PLAY = """\
  - id: {id}
    title: Do the one thing that helps
    cause: {cause}
    steps: [Do the first thing, then the second]
    matches: {{metrics: [{metrics}]}}
    effort: low
    days: 1
    kind: quick_win
    effect: Things get better for customers.
    closes: {closes}
    owner: Owner
    kpi: {{metric: {kpi}}}
"""


def play_yaml(play_id: str, metrics: str = "stockout", cause: str = "inventory", closes: float = 0.2, kpi: str | None = None) -> str:
    return PLAY.format(id=play_id, cause=cause, metrics=metrics, closes=closes, kpi=kpi or metrics.split(",")[0].strip())


# ---------------------------------------------------------------- the shipped playbook


def test_the_shipped_playbook_validates_and_is_a_real_playbook():
    playbook = default_playbook()
    plays = playbook.plays
    assert len(plays) >= 25
    assert len({p.id for p in plays}) == len(plays)
    assert {p.kind for p in plays} == {"quick_win", "systemic"} and {p.effort for p in plays} == {"low", "medium", "high"}
    for play in plays:
        low, high = EFFORT_DAYS[play.effort]
        assert low < play.days <= high, play.id
        assert play.kind == "systemic" or play.effort == "low", play.id
        assert 0 < play.closes <= 0.4, f"{play.id}: shipped shares stay conservative"
        assert len(play.steps) >= 2 and play.owner and play.effect.endswith("."), play.id
        assert play.kpi.metric in METRIC_NAMES or play.kpi.target is not None, play.id
    # Every metric a weak spot can be made of has at least one play.
    assert set(METRIC_NAMES) <= {m for p in plays for m in p.matches.metrics}


# Each operational cause the issue names: the playbook cause, a weak spot it shows up as, and words a fitting play must use.
ISSUE_CAUSES = {
    "product and content clarity": ("product_content", touchpoint("product", "consider", ("description", "photos")), "conversion", r"page"),
    "store layout": ("layout", touchpoint("shop", "visit"), "top2box", r"shop"),
    "site layout": ("layout", touchpoint("home", "discover", ("website", "navigation")), "conversion", r"menu|page"),
    "checkout flow": ("checkout", touchpoint("checkout", "buy", ("checkout", "address form")), "conversion", r"checkout"),
    "staff expertise": ("staff", touchpoint("support", "after", ("customer service",)), "top2box", r"knowledge|answer"),
    "cross-training for peaks": ("staff", touchpoint("pick_pack", "receive", ("out of stock",)), "late_dispatch", r"second person|peak"),
    "inventory system": ("inventory", touchpoint("pick_pack", "receive", ("out of stock",)), "stockout", r"stock system"),
    "real-time stock on the site": ("inventory", touchpoint("fulfilment", "receive"), "stockout", r"real-time stock"),
    "fulfilment partners": ("fulfilment", touchpoint("delivery", "receive", ("courier", "late")), "promise_breach", r"carrier|fulfilment partner"),
    "shipping terms": ("fulfilment", touchpoint("delivery", "receive", ("courier",)), "promise_breach", r"shipping terms"),
    "feedback collection": ("feedback", touchpoint("delivery", "receive", ("courier",)), "complaint_share", r"survey|complaint log|review"),
}


@pytest.mark.parametrize("cause", list(ISSUE_CAUSES))
def test_every_cause_in_the_issue_has_a_play_that_fits_its_weak_spot(cause):
    cause_id, tp, metric, words = ISSUE_CAUSES[cause]
    fitting = [p for p in default_playbook().plays if p.cause == cause_id and fits(p, tp, metric)]
    assert fitting, f"no {cause_id} play fits {tp.id} with {metric} off target"
    assert any(re.search(words, " ".join([p.title, *p.steps]), re.I) for p in fitting), f"no fitting play for {cause} says {words!r}"


def test_matching_needs_the_metric_and_one_of_the_places_a_play_names():
    playbook = default_playbook()
    guest = playbook.get("checkout-guest-and-fewer-fields")
    assert fits(guest, touchpoint("checkout", "buy"), "conversion")
    assert not fits(guest, touchpoint("checkout", "buy"), "stockout")  # wrong metric
    assert not fits(guest, touchpoint("delivery", "receive", ("courier",)), "conversion")  # wrong place
    # A touchpoint takes a topic from a keyword the lexicon's topic lists, whatever its id.
    assert fits(guest, touchpoint("till_web", "pay", ("check out",)), "conversion")
    survey = playbook.get("feedback-short-survey")
    assert survey.matches.anywhere and fits(survey, touchpoint("anything", "x"), "top2box")


def test_the_metric_direction_table_agrees_with_the_signals(sample_audit):
    for signal in sample_audit.signals.signals:
        assert (signal.metric in HIGHER_IS_BETTER) == signal.higher_is_better, signal.metric


# ---------------------------------------------------------------- a client's playbook: extend, replace, remove, errors


def test_a_client_playbook_extends_replaces_a_play_by_id_and_removes_plays(tmp_path):
    shipped = default_playbook()
    write_playbook(tmp_path, "remove: [fulfilment-second-partner, layout-page-speed]\nplays:\n"
                   + play_yaml("fulfilment-honest-promise", "promise_breach", "fulfilment", 0.1) + play_yaml("locker-pickup", "promise_breach", "fulfilment"))
    playbook = load_playbook("playbook.yaml", tmp_path)
    ids = [p.id for p in playbook.plays]
    assert len(ids) == len(shipped.plays) - 2 + 1
    assert "fulfilment-second-partner" not in ids and "layout-page-speed" not in ids
    assert ids[-1] == "locker-pickup"
    kept = [p.id for p in shipped.plays if p.id not in ("fulfilment-second-partner", "layout-page-speed")]
    assert ids[:-1] == kept  # a redefined play keeps its shipped place
    assert playbook.get("fulfilment-honest-promise").closes == 0.1  # the client's version
    assert playbook.files == (shipped.files[0], str(tmp_path / "playbook.yaml"))


def test_a_client_playbook_can_replace_the_shipped_one(tmp_path):
    write_playbook(tmp_path, "extends: false\nplays:\n" + play_yaml("only-play"))
    playbook = load_playbook("playbook.yaml", tmp_path)
    assert [p.id for p in playbook.plays] == ["only-play"] and len(playbook.files) == 1


def test_no_playbook_named_is_the_shipped_one():
    assert load_playbook(None, None) is default_playbook()


BROKEN = [
    ("an unknown field", "plays:\n" + play_yaml("a").replace("    owner:", "    ownr: x\n    owner:"), 12, "plays.0.ownr", "unknown field"),
    ("an unknown metric", "plays:\n" + play_yaml("a", "stockouts", kpi="stockout"), 6, "plays.0.matches.metrics.0", "unknown metric 'stockouts'"),
    ("days beyond the effort", "plays:\n" + play_yaml("a").replace("days: 1", "days: 5"), 8, "plays.0.days", "does not fit effort low"),
    ("a heavy quick win", "plays:\n" + play_yaml("a").replace("effort: low\n    days: 1", "effort: high\n    days: 30"), 9, "plays.0.kind", "quick win is low effort"),
    ("an unknown topic", "plays:\n" + play_yaml("a").replace("{metrics: [stockout]}", "{metrics: [stockout], topics: [stok]}"), 6, "plays.0.matches.topics.0", "unknown topic 'stok'"),
    ("a named KPI without a target", "plays:\n" + play_yaml("a").replace("{metric: stockout}", "{name: Parcels lost}"), 13, "plays.0.kpi", "needs its target"),
    ("a target on the wrong side", "plays:\n" + play_yaml("a").replace("{metric: stockout}", "{metric: stockout, at_least: 0.02}"), 13, "plays.0.kpi", "give its target as at_most"),
    ("a share above one", "plays:\n" + play_yaml("a", closes=1.5), 11, "plays.0.closes", "less than or equal to 1"),
    ("a repeated id", "plays:\n" + play_yaml("a") + play_yaml("a"), 14, "plays.1.id", "used twice"),
    ("removing an unknown play", "remove: [no-such-play]\n", 1, "remove.0", "not a play of the shipped playbook"),
    ("removing from a replacing playbook", "extends: false\nremove: [layout-page-speed]\nplays:\n" + play_yaml("a"), 2, "remove", "extends: true"),
    ("removing and redefining", "remove: [layout-page-speed]\nplays:\n" + play_yaml("layout-page-speed"), 1, "remove.0", "both removed and defined"),
    ("a replacing playbook without plays", "extends: false\n", 1, "plays", "at least one play"),
]


@pytest.mark.parametrize("what, text, line, column, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_client_playbook_is_located_by_file_line_and_field(tmp_path, what, text, line, column, words):
    write_playbook(tmp_path, text)
    with pytest.raises(InputProblems) as caught:
        load_playbook("playbook.yaml", tmp_path)
    problem = caught.value.problems[0]
    assert problem.file.endswith("playbook.yaml") and problem.column == column and words in problem.message, problem
    assert problem.row == line, problem
    assert f"line {line}" in problem.location


def test_a_missing_playbook_names_the_audit_key(tmp_path):
    with pytest.raises(FixfirstError, match="audit.yaml playbook"):
        load_playbook("nowhere.yaml", tmp_path)


def test_the_engagement_loads_its_playbook_and_check_reports_a_broken_one(tmp_path):
    folder = write_tiny_engagement(tmp_path / "shop", late_every=3, extra_audit="playbook: plays/acme.yaml\n")
    (folder / "plays").mkdir()
    write_playbook(folder / "plays", "plays:\n" + play_yaml("acme-van", "promise_breach", "fulfilment"), "acme.yaml")
    assert load_engagement(folder).playbook.get("acme-van") is not None

    write_playbook(folder / "plays", "plays:\n" + play_yaml("acme-van", "promise_breach", "fulfilment").replace("days: 1", "days: 9"), "acme.yaml")
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    output = " ".join(result.output.split())
    assert "acme.yaml" in output and "line 8" in output and "does not fit effort low" in output

    (folder / "plays" / "acme.yaml").unlink()
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1 and "playbook not found" in " ".join(result.output.split())


# ---------------------------------------------------------------- the plan on the sample


@pytest.fixture(scope="module")
def plan(sample_audit):
    return sample_audit.fix_plan


def test_every_planted_weak_spot_gets_plays_strongest_signal_first(plan, sample_audit):
    limit = sample_audit.engagement.settings.fix_plan.plays_per_weak_spot
    assert [w.touchpoint.id for w in plan.weak_spots] == [w.touchpoint.id for w in sample_audit.ranking.weak_spots]
    for spot in sample_audit.ranking.weak_spots:
        picks = [(a, ws) for a in plan.actions for ws in a.weak_spots if ws.spot is spot and a.source == "playbook"]
        assert 1 <= len(picks) <= limit, spot.touchpoint.id
        main = spot.main_signal
        assert any(ws.signal is main for _, ws in picks), f"{spot.touchpoint.id}: its strongest signal got no play"
        for action, ws in picks:
            play = sample_audit.engagement.playbook.get(action.id)
            assert ws.signal.metric in play.matches.metrics and ws.signal.severity > 0
            assert ws.evidence.startswith(spot.touchpoint.name) and f"n={ws.signal.n:,}" in ws.evidence
    assert {w.touchpoint.id for w in plan.weak_spots} == set(PLANTED) and not plan.unmatched
    by_spot = {tp: {a.id for a in plan.actions if tp in [w.spot.touchpoint.id for w in a.weak_spots]} for tp in PLANTED}
    assert "fulfilment-honest-promise" in by_spot["delivery"]
    assert by_spot["pick_pack"] & {"inventory-live-stock-on-site", "inventory-one-stock-system", "inventory-reorder-points"}
    assert "checkout-guest-and-fewer-fields" in by_spot["checkout"]


def test_quick_wins_come_first_then_systemic_changes(plan):
    assert plan.quick_wins and plan.systemic
    assert plan.actions == plan.quick_wins + plan.systemic
    assert all(a.kind == "quick_win" and a.effort == "low" for a in plan.quick_wins)
    assert all(a.kind == "systemic" for a in plan.systemic)
    money = [round(a.estimated_money, 6) for a in plan.quick_wins]
    assert money == sorted(money, reverse=True)
    money = [round(a.estimated_money, 6) for a in plan.systemic]
    assert money == sorted(money, reverse=True)


def test_money_sums_are_right_and_labelled_estimates(plan, sample_audit):
    total = 0.0
    for spot in plan.weak_spots:
        kept = 1.0
        for action in plan.actions:
            kept *= 1.0 - sum(action.share for ws in action.weak_spots if ws.spot is spot)
        combined = spot.money_at_stake * (1.0 - kept)
        # The actions' parts of one weak spot add up to its combined estimate, never to more than is at stake there.
        parts = [ws for action in plan.actions for ws in action.weak_spots if ws.spot is spot]
        assert sum(ws.estimated_money for ws in parts) <= combined + 1e-6 and combined <= spot.money_at_stake
        for ws in parts:  # a fix is never credited more than its share of what its own signal costs
            basis = spot.money_at_stake if ws.signal is None or ws.signal.metric == "checklist" else min(ws.signal.money_at_stake, spot.money_at_stake)
            assert ws.estimated_money <= ws.share * basis + 1e-6
        total += sum(ws.estimated_money for ws in parts)
    for action in plan.actions:
        assert action.weak_spots, action.id  # every action names its weak spots
        assert action.estimated_money == pytest.approx(sum(ws.estimated_money for ws in action.weak_spots))
    assert sum(a.estimated_money for a in plan.actions) == pytest.approx(plan.estimated_money)  # the column adds up
    assert plan.estimated_money == pytest.approx(total)
    assert plan.money_at_stake == pytest.approx(sum(w.money_at_stake for w in sample_audit.ranking.weak_spots))
    assert 0 < plan.estimated_money < plan.money_at_stake
    payload = ranking_payload(sample_audit)["fix_plan"]
    assert payload["estimated_money_per_month"] == round(plan.estimated_money, 2)
    assert all("estimated_money_per_month" in a and "money_per_month" not in a for a in payload["quick_wins"] + payload["systemic"])


def test_the_plan_ends_with_the_kpis_to_watch(plan):
    rows = {(k.metric, k.touchpoint.id if k.touchpoint else None): k for k in plan.kpis}
    breach = rows[("promise_breach", "delivery")]
    # Delivery is judged on in-stock orders the bench did not make late (causes before symptoms), not on all 19% late.
    assert breach.current == pytest.approx(0.07, abs=0.01) and breach.n > 3000 and breach.target == 0.05 and not breach.higher_is_better
    assert breach.on_target is False and "fulfilment-honest-promise" in breach.actions
    checkout = rows[("conversion", "checkout")]
    assert checkout.target == 0.85  # the transition's own target in journey.yaml, not the 60% default
    for spot in plan.weak_spots:  # every off-target signal of every weak spot is watched
        for c in spot.contributions:
            assert (c.signal.severity == 0) or (c.signal.metric, spot.touchpoint.id) in rows
    for action in plan.actions:  # and every action's own KPI
        assert action.kpi in plan.kpis and action.id in action.kpi.actions


def test_the_plan_is_deterministic(sample_audit):
    again = build_fix_plan(sample_audit.ranking, sample_audit.signals, sample_audit.engagement.playbook,
                           sample_audit.engagement.settings, lexicon=sample_audit.engagement.lexicon)
    assert json.dumps(again.to_dict()) == json.dumps(sample_audit.fix_plan.to_dict())


def test_plays_per_weak_spot_is_a_setting(sample_audit):
    settings = settings_with({"fix_plan": {"plays_per_weak_spot": 1}})
    one = build_fix_plan(sample_audit.ranking, sample_audit.signals, sample_audit.engagement.playbook, settings,
                         lexicon=sample_audit.engagement.lexicon)
    assert len(one.actions) == len(sample_audit.ranking.weak_spots)
    for action in one.actions:
        (addressed,) = action.weak_spots
        assert addressed.signal is addressed.spot.main_signal


def test_a_play_that_fits_several_weak_spots_is_one_action_listing_them_all(sample_audit, tmp_path):
    write_playbook(tmp_path, "extends: false\nplays:\n" + play_yaml("daily-ops-huddle", "promise_breach, stockout, conversion", "staff", 0.1)
                   + play_yaml("stock-only", "stockout", "inventory", 0.3))
    playbook = load_playbook("playbook.yaml", tmp_path)
    plan = build_fix_plan(sample_audit.ranking, sample_audit.signals, playbook, sample_audit.engagement.settings)
    huddle = next(a for a in plan.actions if a.id == "daily-ops-huddle")
    assert [ws.spot.touchpoint.id for ws in huddle.weak_spots] == [w.touchpoint.id for w in sample_audit.ranking.weak_spots]
    # Alone on each weak spot it addresses but one, the huddle gets the whole combined estimate there.
    assert huddle.estimated_money <= 0.1 * sum(w.money_at_stake for w in sample_audit.ranking.weak_spots) + 1e-6
    assert huddle.estimated_money > 0
    assert [a.id for a in plan.actions] == ["daily-ops-huddle", "stock-only"]  # more money first among the quick wins
    assert not plan.unmatched


def test_a_playbook_that_fits_nothing_says_which_weak_spots_lack_plays(sample_audit, tmp_path):
    write_playbook(tmp_path, "extends: false\nplays:\n" + play_yaml("returns-only", "returns", "service"))
    plan = build_fix_plan(sample_audit.ranking, sample_audit.signals, load_playbook("playbook.yaml", tmp_path),
                          sample_audit.engagement.settings)
    assert plan.empty and [w.touchpoint.id for w in plan.unmatched] == [w.touchpoint.id for w in sample_audit.ranking.weak_spots]
    assert "No play in the playbook fits" in plan.summary and "Delivery" in plan.summary


# ---------------------------------------------------------------- consultation findings, healthy engagements


ANSWERS = """\
checklist: fulfilment
version: 1
answers:
  dispatch-same-day: 60
  backlog-visible: 'no'
"""


def test_consultation_findings_on_weak_spots_become_actions_with_their_own_fix(tmp_path, sample_dir):
    folder = tmp_path / "juniper"
    shutil.copytree(sample_dir, folder)
    (folder / "answers").mkdir()
    (folder / "answers" / "fulfilment.yaml").write_text(ANSWERS)
    result = run_audit(folder)
    findings = {f"{s.checklist.id}/{f.item.id}": f for s in result.signals.checklists.scores for f in s.flagged}
    assert set(findings) == {"fulfilment/dispatch-same-day", "fulfilment/backlog-visible"}
    plan = result.fix_plan
    for action_id, finding in findings.items():
        action = next(a for a in plan.actions if a.id == action_id)
        assert action.source == "checklist" and action.title == finding.item.fix and action.kind == "quick_win"
        assert action.owner == "Operations"  # the owner of the touchpoints it concerns
        concerned = [w.touchpoint.id for w in result.ranking.weak_spots if w.touchpoint.id in finding.item.touchpoints]
        assert concerned and [ws.spot.touchpoint.id for ws in action.weak_spots] == concerned
        assert finding.item.question in action.weak_spots[0].evidence
        assert 0 < action.estimated_money <= 0.10 * sum(ws.spot.money_at_stake for ws in action.weak_spots) + 1e-6
        assert action.kpi is not None and action.kpi.current is not None
    html = HTMLParser(render_html(result))
    assert html.css_first('#fix-plan tr.action[data-action="fulfilment/dispatch-same-day"][data-source="checklist"]') is not None


def healthy_sample(folder: Path, sample_dir: Path) -> Path:
    """The bundled sample regenerated without its planted faults (as tests/test_scoring.py builds it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", sample_dir.parent / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(folder, healthy=True)
    for name in ("audit.yaml", "journey.yaml"):
        shutil.copy(sample_dir / name, folder / name)
    return folder


@pytest.mark.parametrize("variant", ["sample", "tiny"])
def test_a_healthy_engagement_gets_an_empty_plan_that_says_so(tmp_path, sample_dir, variant):
    if variant == "sample":
        folder = healthy_sample(tmp_path / "healthy", sample_dir)
    else:
        folder = write_tiny_engagement(tmp_path / "healthy", orders=200, campaign_uplift="10%")
    result = run_audit(folder)
    assert result.ranking.weak_spots == []
    plan = result.fix_plan
    assert plan.empty and plan.kpis == [] and plan.estimated_money == 0
    assert plan.summary.startswith("No action is needed before marketing")
    assert ranking_payload(result)["fix_plan"]["summary"] == plan.summary
    section = HTMLParser(render_html(result)).css_first("#fix-plan")
    assert section is not None and "No action is needed before marketing" in section.css_first(".plan-summary").text()
    assert section.css("table") == []


# ---------------------------------------------------------------- report, JSON, CLI


@pytest.fixture(scope="module")
def sample_html(sample_audit):
    return HTMLParser(render_html(sample_audit))


def test_the_report_shows_a_dated_30_60_90_plan_then_kpis(sample_html, sample_audit):
    plan, schedule = sample_audit.fix_plan, sample_audit.decision.schedule
    section = sample_html.css_first("#fix-plan")
    order = [node.attributes.get("id") for node in sample_html.css("section[id]")]
    assert order.index("weak-spots") < order.index("fix-plan")
    phases = [p.attributes["data-phase"] for p in section.css(".phase")]
    assert phases == sorted(set(phases), key=int) and set(phases) <= {"30", "60", "90"}
    rows = section.css("tr.action")
    assert [r.attributes["data-action"] for r in rows] == [s.action.id for s in schedule]
    # Quick wins come in the first 30 days, and every due date is the plan's start (the day the audit is prepared, never
    # before the data's last day) plus its phase.
    assert all(s.phase_days == 30 for s in schedule if s.action.quick_win)
    start = sample_audit.decision.plan_start
    assert start == max(sample_audit.as_of, sample_audit.generated_on)
    assert all((s.due - start).days == s.phase_days for s in schedule)
    for row, item in zip(rows, schedule):
        action = item.action
        assert [s.attributes["data-touchpoint"] for s in row.css("td.weak-spots .spot")] == [w.spot.touchpoint.id for w in action.weak_spots]
        shown = f"£{action.estimated_money:,.0f}" if action.estimated_money > 0 else "not priced"
        assert row.css_first("td.money").text() == shown
        assert row.css_first(".owner").text() == action.owner and row.css_first(".effort").text().startswith(action.effort)
        assert action.kpi.label in row.css_first("td.kpi-target").text()
        detail = section.css_first(f'tr.action-detail[data-action="{action.id}"]')
        assert len(detail.css("ol.steps li")) == len(action.steps) and action.effect in detail.text()
        why = detail.css_first(".why").text()
        assert all(f"#{ws.spot.rank} {ws.spot.touchpoint.name}: " in why for ws in action.weak_spots)
        assert "n=" not in why  # the plain sentence with its sample size, not the analyst's notation
    numbers = [int(r.css_first("td").text()) for r in rows]
    assert numbers == list(range(1, len(plan.actions) + 1))
    kpi_rows = section.css("table.kpis-to-watch tbody tr")
    assert len(kpi_rows) == len(plan.kpis)
    breach = section.css_first('tr.kpi-row[data-metric="promise_breach"][data-touchpoint="delivery"]')
    assert breach.css_first("td.current").text() == "7.1%" and breach.css_first("td.target").text() == "at most 5%"
    assert "estimated" in section.text() and "set share" in section.text()
    assert sample_html.css_first("#methodology #methodology-fix-plan") is not None
    methodology = " ".join(sample_html.css_first("#methodology").text().split())
    assert "planning assumptions" in methodology and f"until {sample_audit.engagement.settings.fix_plan.plays_per_weak_spot} plays" in methodology


def test_every_fix_plan_json_field_is_documented(sample_audit):
    payload = json.loads(json.dumps(ranking_payload(sample_audit)))["fix_plan"]
    action = payload["quick_wins"][0]
    for key in payload:
        assert f"`{key}`" in SCORE_DOC, key
    for key in action:
        assert f"`{key}`" in SCORE_DOC, key
    for key in action["weak_spots"][0]:
        assert f"`{key}`" in SCORE_DOC, key
    for key in payload["kpis"][0]:
        assert f"`{key}`" in SCORE_DOC, key
    for field in ("extends", "remove", "plays[].matches.metrics", "plays[].closes", "plays[].kpi", "plays[].effort"):
        assert f"`{field}`" in ENGAGEMENT_DOC, field
    assert "planning assumption, not a measurement" in ENGAGEMENT_DOC.replace("**", "")


def test_score_prints_the_top_three_actions(sample_dir, sample_audit):
    result = CliRunner().invoke(app, ["score", str(sample_dir)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"Fix plan: {sample_audit.fix_plan.summary}" in output
    for number, action in enumerate(sample_audit.fix_plan.top(3), 1):
        assert f"{number}. {action.title}" in output
    assert "4. " not in output.split("Fix plan:")[1]
