"""Shared fixtures (the bundled sample audit, small engagements built in code); the `slow` marks; the skips summed up."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from fixfirst.pipeline import run_audit
from fixfirst.resources import sample_engagement

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


# ------------------------------------------------------------------------------------------ slow tests

# `make test-fast` (pytest -m "not slow") leaves these out, to stay under a minute; `make test` and CI run them. Each
# takes half a second or more (most of them several seconds) on a 2-core machine, for the reason given; the marker is
# registered in pyproject.toml. A test named here that no longer exists fails tests/test_cli.py.
SLOW_FILES = {
    "test_wheel.py": "builds the wheel and installs it in a fresh venv",
    "test_family.py": "generates the family of test businesses and audits each one",
    "test_sample_after.py": "regenerates the bundled samples and audits the follow-up through the CLI",
    "test_split.py": "generates a year of orders with planted changes and audits it before and after each",
    "test_pdf_layout.py": "renders the full PDF and measures every page",
    "test_report_formats.py": "audits the sample and writes its report in every format",
    "test_snapshot.py": "audits copies of the sample to keep, refuse and reread snapshots",
    "test_compare.py": "audits the sample before and after a fix, and compares",
}
SLOW_TESTS = {
    # a full PDF render
    "test_appendix.py::test_nothing_on_the_appendix_pages_runs_past_the_right_margin": "renders the full PDF",
    "test_one_figure.py::test_headline_figures_read_the_same_on_every_page_and_equal_the_json": "renders the full PDF",
    "test_one_figure.py::test_each_weak_spot_reads_the_same_everywhere": "renders the full PDF",
    "test_weak_spot_cards.py::test_each_card_stays_on_one_page_of_the_pdf": "renders the full PDF",
    "test_cli.py::test_demo_writes_a_multi_page_pdf_and_prints_its_path": "fixfirst demo: the full PDF",
    "test_cli.py::test_demo_pdf_has_no_embedded_files": "fixfirst demo: the full PDF",
    "test_cli.py::test_report_file_gets_the_users_normal_file_mode": "fixfirst demo: the full PDF",
    "test_cli.py::test_report_writes_into_the_engagement_by_default": "fixfirst report: the full PDF",
    "test_cli.py::test_unwritable_output_is_a_user_error": "fixfirst report: audits, then renders the PDF it cannot write",
    # another whole business generated, then audited
    "test_scoring.py::test_healthy_sample_variant_is_ready_to_market": "generates and audits the healthy sample variant",
    "test_backtest.py::test_the_healthy_variant_passes_its_backtest_and_is_ready": "generates and audits the healthy sample variant",
    "test_fix_plan.py::test_a_healthy_engagement_gets_an_empty_plan_that_says_so": "generates and audits the healthy sample variant",
    # the sample audited several times over through the CLI
    "test_capacity.py::test_capacity_command_prints_json_with_the_uplift_given": "two capacity runs of the sample",
    "test_capacity.py::test_client_text_with_markup_is_printed_as_text": "three CLI runs of the sample",
    # a copy of the sample, changed, then audited in full and written out
    "test_html.py::test_hostile_client_text_is_escaped_and_fetches_nothing": "audits and renders a hostile engagement",
    "test_html.py::test_engagement_template_override_wins": "audits a copy of the sample and renders it",
    "test_html.py::test_a_broken_template_override_is_a_located_user_error": "audits a copy of the sample and renders it",
    "test_hostile_inputs.py::test_the_bundled_report_renders_the_same_in_the_sandbox": "audits a copy of the sample, renders it twice",
    "test_hostile_inputs.py::test_report_with_a_hostile_override_exits_2_not_70": "audits a copy of the sample and renders it",
    "test_xlsx.py::test_hostile_client_text_is_written_as_text_never_as_a_formula": "audits a copy of the sample into a workbook",
    "test_xlsx.py::test_a_brazilian_engagement_gets_real_money_formats": "audits a BRL engagement into a workbook",
    "test_currency.py::test_a_brl_engagement_shows_reais_everywhere": "audits a BRL engagement into every output",
    "test_appendix.py::test_a_brl_engagement_writes_reais_and_brazilian_numbers_in_the_appendix": "audits a BRL engagement",
    "test_action_register.py::test_the_register_as_written_reads_back_open_with_the_plans_due_dates": "audits the sample into a workbook",
    "test_fix_plan.py::test_consultation_findings_on_weak_spots_become_actions_with_their_own_fix": "audits a copy of the sample",
    "test_capacity.py::test_headroom_reads_like_a_campaign_uplift": "audits copies of the sample at several uplifts",
    "test_related_tables.py::test_olist_raw_tables_audit_without_hand_joins": "audits the Olist tables in full",
    # statistical checks over many random draws
    "test_process.py::test_random_logs_match_a_pandas_recount": "many random event logs",
    "test_simulation.py::test_day_engine_matches_the_exact_discrete_time_queue": "long simulated queues",
    "test_exact_tests.py::test_the_tail_matches_the_exact_value_on_a_grid": "a grid of exact tails",
    "test_targets.py::test_holm_keeps_false_segment_gaps_rare_on_noise": "many noise-only data sets",
    "test_drivers.py::test_a_pure_noise_rating_is_called_significant_about_as_often_as_the_level_says": "many noise-only surveys",
    # a long run of the full-screen checklist walkthrough
    "test_checklist_walkthrough.py::test_a_whole_run_by_keys_saves_every_answer_skip_and_note": "a whole walkthrough by keys",
    "test_checklist_walkthrough.py::test_layout_fits_80x24_on_every_item_of_a_bundled_checklist": "every item of a checklist on screen",
    "test_checklist_walkthrough.py::test_jump_and_search_explain_what_they_cannot_find": "a long walkthrough by keys",
    "test_checklist_walkthrough.py::test_question_mark_opens_the_help_from_every_field": "every field of a walkthrough",
    "test_checklist_walkthrough.py::test_a_note_on_an_open_item_is_a_note_not_an_answer": "a long walkthrough by keys",
    # fixfirst started in a child process (each one imports the whole package again)
    "test_checklist_walkthrough.py::test_sigkill_in_plain_mode_loses_no_answer_given": "a child process, killed",
    "test_checklist_walkthrough.py::test_sigkill_of_the_textual_app_loses_no_answer_given": "a child process, killed",
    "test_checklist_walkthrough.py::test_sigint_in_plain_mode_exits_130_with_the_file_whole": "a child process, interrupted",
    "test_checklist_walkthrough.py::test_ctrl_c_in_the_terminal_app_exits_130_with_the_file_whole": "a child process, interrupted",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        # Parametrised tests are named without their parameters: every case of a slow test is slow.
        name = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
        if item.path.name in SLOW_FILES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------------------------------ skips, summed up

def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line per reason a test was skipped, with how many: not a line per test (pytest's -rs, left out of addopts)."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped", sep="-")
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            terminalreporter.line(f"{count} skipped: {reason}")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return sample_engagement()


@pytest.fixture(scope="session")
def sample_audit(sample_dir):
    """The full audit of the bundled sample, computed once per test session."""
    return run_audit(sample_dir)


TINY_JOURNEY = """\
stages: [buy, receive]
touchpoints:
  - id: checkout
    name: Checkout
    stage: buy
    owner: Web
    data: {events: [checkout], keywords: [checkout]}
  - id: paid
    name: Paid
    stage: buy
    data: {events: [paid]}
  - id: delivery
    name: Delivery
    stage: receive
    owner: Ops
    data: {orders: [delivery], keywords: [late, delivery]}
transitions:
  - {from: checkout, to: paid, target_conversion: 0.8}
  - {from: paid, to: delivery}
"""


def write_tiny_engagement(folder: Path, *, client: str = "Tiny Test Shop", late_every: int = 0, orders: int = 60,
                          checkout_drop_every: int = 0, feedback: list[str] | None = None, extra_audit: str = "",
                          campaign_uplift: str | None = None) -> Path:
    """A small engagement: CSV orders (every `late_every`-th delivered 5 days late), events, feedback.

    Monday 2026-03-02 onward, one order a day at 10:00, promise of 2 working days (Mon-Fri).
    With `campaign_uplift` (e.g. "10%") a campaign starting after the orders end is planned.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "journey.yaml").write_text(TINY_JOURNEY)
    start = dt.datetime(2026, 3, 2, 10, 0)
    rows = ["Order ID,Customer ID,Ordered At,Delivered At,Order Value"]
    for i in range(orders):
        ordered = start + dt.timedelta(days=i)
        late = late_every and i % late_every == 0
        delivered = ordered + dt.timedelta(days=6 if late else 1)
        rows.append(f"T{i:04d},C{i % 17:03d},{ordered:%Y-%m-%d %H:%M},{delivered:%Y-%m-%d %H:%M},{20 + i % 7}.50")
    (folder / "orders.csv").write_text("\n".join(rows) + "\n")
    events = ["session,step,time,device"]
    for s in range(200):
        t = start + dt.timedelta(hours=s)
        events.append(f"S{s},checkout,{t:%Y-%m-%d %H:%M:%S},{'mobile' if s % 2 else 'desktop'}")
        if not (checkout_drop_every and s % checkout_drop_every == 0):
            events.append(f"S{s},paid,{t + dt.timedelta(minutes=2):%Y-%m-%d %H:%M:%S},{'mobile' if s % 2 else 'desktop'}")
    (folder / "events.csv").write_text("\n".join(events) + "\n")
    texts = feedback if feedback is not None else ["Lovely shop", "Delivery was late and nobody called", "Great service"]
    (folder / "feedback.csv").write_text("Date,Text\n" + "".join(f'2026-03-{10 + i % 15:02d},"{t}"\n' for i, t in enumerate(texts)))
    campaign_source = ""
    if campaign_uplift is not None:
        begins = start + dt.timedelta(days=orders + 10)
        (folder / "campaigns.csv").write_text(f"Campaign,Start,End,Expected uplift\nSpring push,{begins:%Y-%m-%d},{begins + dt.timedelta(days=14):%Y-%m-%d},{campaign_uplift}\n")
        campaign_source = "  - kind: campaigns\n    file: campaigns.csv\n"
    (folder / "audit.yaml").write_text(textwrap.dedent(f"""\
        client:
          name: "{client}"
        promise:
          description: Delivered within 2 working days
          business_days: 2
        sources:
          - kind: orders
            file: orders.csv
          - kind: events
            file: events.csv
            columns: {{case_id: session, activity: step, timestamp: time}}
          - kind: feedback
            file: feedback.csv
        """) + campaign_source + extra_audit)
    return folder


@pytest.fixture
def tiny_engagement(tmp_path) -> Path:
    return write_tiny_engagement(tmp_path / "tiny", late_every=3, checkout_drop_every=2)
