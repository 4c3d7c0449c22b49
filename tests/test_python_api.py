"""The library's front door: fixfirst.audit() on a folder or on DataFrames, the Audit's results, writers and display."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

import fixfirst
from fixfirst.api import Audit
from fixfirst.cli import app
from fixfirst.memory import BUILD_FIX, DATA_FIX, MemoryEngagement
from fixfirst.decision import AuditResult

from .conftest import TINY_JOURNEY, write_tiny_engagement

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "python-api.md"
PROMISE = {"description": "Delivered within 2 working days", "business_days": 2}
EVENT_COLUMNS = {"case_id": "session", "activity": "step", "timestamp": "time"}


def tiny_frames(orders: int = 60, late_every: int = 3, pay_every: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders (one a day from Monday 2026-03-02, every `late_every`-th delivered 5 days late) and checkout events (every
    `pay_every`-th session pays), with typed columns as a notebook has them."""
    start = pd.Timestamp("2026-03-02 10:00")
    placed = [start + pd.Timedelta(days=i) for i in range(orders)]
    frame = pd.DataFrame({
        "Order ID": [f"T{i:04d}" for i in range(orders)],
        "Customer ID": [f"C{i % 17:03d}" for i in range(orders)],
        "Ordered At": placed,
        "Delivered At": [p + pd.Timedelta(days=6 if i % late_every == 0 else 1) for i, p in enumerate(placed)],
        "Order Value": [20.5 + i % 7 for i in range(orders)],
    })
    rows = []
    for s in range(200):
        at = start + pd.Timedelta(hours=s)
        device = "mobile" if s % 2 else "desktop"
        rows.append((f"S{s}", "checkout", at, device))
        if s % pay_every:
            rows.append((f"S{s}", "paid", at + pd.Timedelta(minutes=2), device))
    return frame, pd.DataFrame(rows, columns=["session", "step", "time", "device"])


def in_memory(orders: pd.DataFrame, events: pd.DataFrame | None = None, **options) -> MemoryEngagement:
    sources: dict = {"orders": orders}
    if events is not None:
        sources["events"] = fixfirst.FrameSource(events, columns=EVENT_COLUMNS)
    options.setdefault("client", "Tiny Test Shop")
    return fixfirst.engagement_from_frames(promise=PROMISE, journey=yaml.safe_load(TINY_JOURNEY), sources=sources, **options)


def as_csv_folder(folder: Path, orders: pd.DataFrame, events: pd.DataFrame | None = None) -> Path:
    """The same engagement as files: the frames written with to_csv(index=False), the same journey and promise."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "journey.yaml").write_text(TINY_JOURNEY)
    orders.to_csv(folder / "orders.csv", index=False)
    sources = "  - kind: orders\n    file: orders.csv\n"
    if events is not None:
        events.to_csv(folder / "events.csv", index=False)
        sources += "  - kind: events\n    file: events.csv\n    columns: {case_id: session, activity: step, timestamp: time}\n"
    (folder / "audit.yaml").write_text(textwrap.dedent("""\
        client: {name: Tiny Test Shop}
        promise: {description: Delivered within 2 working days, business_days: 2}
        sources:
        """) + sources)
    return folder


@pytest.fixture(scope="module")
def sample(sample_dir) -> Audit:
    return fixfirst.audit(sample_dir)


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return tiny_frames()


@pytest.fixture(scope="module")
def tiny(frames) -> Audit:
    return fixfirst.audit(in_memory(*frames))


# --- the front door -------------------------------------------------------------------------------------------------

def test_import_fixfirst_loads_nothing_heavy():
    heavy = "sorted(m for m in ('pandas', 'pydantic', 'weasyprint', 'numpy', 'typing') if m in sys.modules)"
    code = f"import sys, fixfirst; print({heavy}); fixfirst.audit; print({heavy})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # Nothing until the front door is used; then the audit's libraries, but the PDF renderer only for a PDF.
    assert out.stdout.splitlines() == ["[]", "['numpy', 'pandas', 'pydantic', 'typing']"]


def test_the_front_door_names():
    assert set(fixfirst.__all__) == {"Audit", "Engagement", "FixfirstError", "FrameSource", "InputProblems", "Problem",
                                     "Settings", "VerdictStatus", "__version__", "audit", "engagement_from_frames"}
    from fixfirst import Audit as ExportedAudit
    from fixfirst import audit
    from fixfirst.config.engagement import Engagement
    from fixfirst.errors import FixfirstError

    assert ExportedAudit is Audit and audit is fixfirst.api.audit
    assert fixfirst.Engagement is Engagement and fixfirst.FixfirstError is FixfirstError
    assert issubclass(fixfirst.InputProblems, fixfirst.FixfirstError)
    with pytest.raises(AttributeError, match="module 'fixfirst' has no attribute 'nothing_here'"):
        fixfirst.nothing_here  # noqa: B018


def test_the_package_is_typed():
    assert (ROOT / "src" / "fixfirst" / "py.typed").is_file()
    for name in ("to_pdf", "to_xlsx", "to_json", "__repr__", "_repr_html_"):
        assert "return" in getattr(Audit, name).__annotations__, name
    for name in ("verdict", "summary", "decision", "ranking", "weak_spots", "fix_plan", "capacity", "signals", "data",
                 "problems", "as_of", "generated_on", "result", "client", "engagement", "journey", "in_memory"):
        assert "return" in getattr(Audit, name).fget.__annotations__, name
    assert set(fixfirst.audit.__annotations__) == {"source", "uplift", "progress", "return"}


def test_audit_of_the_sample_folder(sample, sample_dir):
    assert sample.verdict == "FIX FIRST"
    assert sample.client == "Juniper & Lark"
    assert isinstance(sample.result, AuditResult)
    result = sample.result
    assert sample.decision is result.decision and sample.fix_plan is result.fix_plan and sample.capacity is result.outlook
    assert sample.signals is result.signals and sample.ranking is result.ranking and sample.data is result.data
    assert [w.touchpoint.id for w in sample.weak_spots] == [w.touchpoint.id for w in result.ranking.weak_spots]
    assert {w.touchpoint.id for w in sample.weak_spots} == {"delivery", "pick_pack", "checkout"}
    assert sample.as_of == result.as_of and sample.generated_on == result.generated_on
    assert sample.problems == list(result.data.problems) and not sample.in_memory
    assert sample.summary == sample.to_json()["verdict"]["summary"]
    # A str and a Path name the same folder.
    assert fixfirst.audit(str(sample_dir)).verdict == "FIX FIRST"


def test_to_json_is_what_fixfirst_score_json_prints(sample, sample_dir):
    printed = CliRunner().invoke(app, ["score", str(sample_dir), "--json", "--no-snapshot"])
    assert printed.exit_code == 0, printed.output
    assert sample.to_json() == json.loads(printed.stdout)


def test_repr_is_one_short_line(sample):
    assert repr(sample) == f"<fixfirst.Audit 'Juniper & Lark' as of {sample.as_of.isoformat()}: FIX FIRST, 3 weak spots>"


def test_a_long_hostile_client_name_keeps_repr_short_and_html_escaped(frames):
    hostile = '<script>alert("x")</script> & <b>Co</b>\n' + "Ltd " * 20
    audit = fixfirst.audit(in_memory(*frames, client={"name": hostile}))
    line = repr(audit)
    assert "\n" not in line and len(line) < 200
    assert line.startswith("<fixfirst.Audit '<script>alert(\"x\")</script> & <b>Co</b> Ltd Ltd")
    page = audit._repr_html_()
    assert "<script" not in page and "<b>" not in page
    assert "<td style=\"text-align:left\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;\nLtd" in page
    assert page.startswith("<table class=\"fixfirst-audit\"><caption>fixfirst audit</caption>")
    assert "<th style=\"text-align:left\">Weak spots</th><td style=\"text-align:left\">2: 1. Checkout, 2. Delivery</td>" in page
    assert "<th style=\"text-align:left\">Verdict</th><td style=\"text-align:left\">FIX FIRST</td>" in page


def test_an_audit_of_a_folder_writes_nothing_into_it(tmp_path):
    folder = write_tiny_engagement(tmp_path / "tiny", late_every=3, checkout_drop_every=2)
    before = sorted(p.name for p in folder.iterdir())
    assert fixfirst.audit(folder).verdict == "FIX FIRST"
    assert sorted(p.name for p in folder.iterdir()) == before  # the CLI would have added audits/
    from fixfirst.config.engagement import load_engagement

    assert repr(fixfirst.audit(load_engagement(folder))) == repr(fixfirst.audit(folder))  # a loaded folder's Engagement


def test_errors_are_the_command_lines(tmp_path):
    with pytest.raises(fixfirst.FixfirstError) as missing:
        fixfirst.audit(tmp_path / "nowhere")
    assert missing.value.cause == f"{tmp_path / 'nowhere'}: engagement folder not found"
    folder = write_tiny_engagement(tmp_path / "tiny")
    (folder / "orders.csv").write_text("Order ID,Customer ID\nT1,C1\n")
    with pytest.raises(fixfirst.InputProblems) as bad:
        fixfirst.audit(folder)
    checked = CliRunner().invoke(app, ["check", str(folder), "--json"])
    assert [p.to_dict() for p in bad.value.problems if p.severity.value == "error"] == \
        [p for p in json.loads(checked.stdout)["problems"] if p["severity"] == "error"]
    assert bad.value.problems[0].file == "orders.csv" and bad.value.problems[0].column == "ordered_at"
    with pytest.raises(TypeError, match="fixfirst.audit\\(\\) takes an engagement folder or an Engagement, not int"):
        fixfirst.audit(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("given, expected", [(0.4, 0.4), ("40%", 0.4), (1.5, 1.5), ("150%", 1.5)])
def test_uplift_as_a_fraction_or_a_percentage(tmp_path, given, expected):
    folder = write_tiny_engagement(tmp_path / "tiny", campaign_uplift="10%")
    assert fixfirst.audit(folder, uplift=given).capacity.uplift == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("given, cause", [
    ("5", "uplift: '5' is not an uplift: write it as a percentage such as 40% (or 150%), or a fraction below 1 such as 0.4"),
    (-0.95, "uplift: '-95.0%' is out of range: an uplift is between -90% and +10000%"),
    (True, "uplift True is not a number"),
])
def test_a_bad_uplift_is_refused_before_the_audit(given, cause):
    with pytest.raises(fixfirst.FixfirstError) as refused:
        fixfirst.audit("no-such-folder", uplift=given)
    assert refused.value.cause == cause


def test_progress_is_told_every_stage(tmp_path):
    class Recorder:
        def __init__(self) -> None:
            self.total, self.labels = None, []

        def start(self, total: int) -> None:
            self.total = total

        def step(self, label: str) -> None:
            self.labels.append(label)

    folder = write_tiny_engagement(tmp_path / "tiny")
    seen = Recorder()
    fixfirst.audit(folder, progress=seen)
    stages = ["computing friction signals", "scoring touchpoints", "checking capacity", "deciding the verdict"]
    assert seen.total == 7 and seen.labels == ["reading orders.csv", "reading events.csv", "reading feedback.csv", *stages]
    orders, events = tiny_frames()
    in_memory_seen = Recorder()
    fixfirst.audit(in_memory(orders, events), progress=in_memory_seen)
    assert in_memory_seen.total == 6
    assert in_memory_seen.labels == ["reading <orders DataFrame>", "reading <events DataFrame>", *stages]


# --- writing the report ---------------------------------------------------------------------------------------------

def test_html_text_and_file_are_the_same_offline_page(tiny, tmp_path):
    page = tiny.to_html()
    written = tiny.to_html(tmp_path / "tiny.html")
    assert written == tmp_path / "tiny.html"
    assert written.read_text(encoding="utf-8") == page
    assert "Tiny Test Shop" in page and "<script" not in page
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.html"]  # written atomically: no temporary file left


def test_html_of_a_folder_audit_is_the_command_lines(tmp_path):
    folder = write_tiny_engagement(tmp_path / "tiny", late_every=3, checkout_drop_every=2)
    ours = fixfirst.audit(folder).to_html(tmp_path / "ours.html")
    made = CliRunner().invoke(app, ["report", str(folder), "-o", str(tmp_path / "cli.html"), "--no-snapshot"])
    assert made.exit_code == 0, made.output
    assert ours.read_bytes() == (tmp_path / "cli.html").read_bytes()


def test_the_workbook_of_an_in_memory_audit(tiny, tmp_path):
    path = tiny.to_xlsx(tmp_path / "tiny.xlsx")
    assert path == tmp_path / "tiny.xlsx"
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Action register", "Weak spots", "Signals", "KPIs", "Data problems", "About"]


def test_writing_into_a_missing_folder_or_onto_a_folder_is_a_clear_error(tiny, tmp_path):
    with pytest.raises(fixfirst.FixfirstError) as missing:
        tiny.to_xlsx(tmp_path / "no" / "tiny.xlsx")
    assert missing.value.cause == f"{tmp_path / 'no' / 'tiny.xlsx'}: the folder {tmp_path / 'no'} does not exist"
    with pytest.raises(fixfirst.FixfirstError) as folder:
        tiny.to_pdf(tmp_path)
    assert folder.value.cause == f"{tmp_path}: is a folder"
    assert folder.value.fix == f"give a file name, e.g. {tmp_path / 'fixfirst-report.pdf'}"


@pytest.mark.slow
def test_the_pdf_of_an_in_memory_audit(tiny, tmp_path):
    from pypdf import PdfReader

    path = tiny.to_pdf(tmp_path / "tiny.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Tiny Test Shop" in text and "FIX FIRST" in text
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.pdf"]


# --- in-memory engagements ------------------------------------------------------------------------------------------

def _without_file_names(payload: dict) -> dict:
    payload = json.loads(json.dumps(payload))
    for source in payload["data_quality"]["sources"]:
        source.pop("file")
    return payload


def test_frames_give_the_audit_the_same_data_as_csv_files_give(tiny, frames, tmp_path):
    from_files = fixfirst.audit(as_csv_folder(tmp_path / "csv", *frames))
    assert tiny.verdict == from_files.verdict == "FIX FIRST"
    assert [(w.touchpoint.id, w.score, w.money_at_stake) for w in tiny.weak_spots] == \
        [(w.touchpoint.id, w.score, w.money_at_stake) for w in from_files.weak_spots]
    assert _without_file_names(tiny.to_json()) == _without_file_names(from_files.to_json())
    assert [s["file"] for s in tiny.to_json()["data_quality"]["sources"]] == ["<orders DataFrame>", "<events DataFrame>"]
    assert tiny.in_memory and tiny.problems == []


def test_a_stage_runs_from_frames_a_list_of_event_frames_is_one_table(tiny, frames):
    orders, events = frames
    by_step = [fixfirst.FrameSource(part, columns=EVENT_COLUMNS) for _, part in events.groupby("step", sort=False)]
    stacked = fixfirst.audit(fixfirst.engagement_from_frames(client="Tiny Test Shop", promise=PROMISE,
                                                             journey=yaml.safe_load(TINY_JOURNEY),
                                                             sources={"orders": orders, "events": by_step}))
    assert stacked.data.get("events").label == "<events DataFrame 1> + <events DataFrame 2>"
    assert [(w.touchpoint.id, w.score) for w in stacked.weak_spots] == [(w.touchpoint.id, w.score) for w in tiny.weak_spots]


def test_a_problem_in_a_frame_is_located_like_the_same_problem_in_a_csv(frames, tmp_path):
    orders = frames[0].astype({"Order Value": object})
    orders.loc[3, "Order Value"] = "twelve"
    in_frame = fixfirst.audit(in_memory(orders)).problems
    in_file = fixfirst.audit(as_csv_folder(tmp_path / "csv", orders)).problems
    expected = ("value.unreadable", "expected a number; treated as missing", 5, "Order Value", "twelve")
    assert [(p.code, p.message, p.row, p.column, p.value) for p in in_frame] == [expected]
    assert [(p.code, p.message, p.row, p.column, p.value) for p in in_file] == [expected]
    assert in_frame[0].location == "<orders DataFrame>, row 5, column 'Order Value'"
    assert in_file[0].file == "orders.csv"


def test_the_row_limit_holds_for_frames_as_for_files(frames):
    with pytest.raises(fixfirst.InputProblems) as refused:
        fixfirst.audit(in_memory(*frames, settings={"ingest": {"max_rows": 59}}))
    assert [(p.code, p.file, p.message) for p in refused.value.problems] == [
        ("file.unreadable", f"<{kind} DataFrame>", "more than 59 data rows (filter the frame to the audit period, or raise "
                                                     "settings.ingest.max_rows)") for kind in ("orders", "events")]


def test_blank_text_rows_are_dropped_like_blank_lines_and_rows_keep_their_numbers(frames):
    orders = frames[0].astype(object)
    orders.loc[2] = ["", " ", None, "", ""]
    orders.loc[5, "Order Value"] = "n/a?"
    read = fixfirst.audit(in_memory(orders))
    table = read.data.get("orders")
    assert (table.rows_read, table.rows_kept) == (59, 59)
    assert [(p.row, p.value) for p in read.problems] == [(7, "n/a?")]  # position 5, after the dropped blank row


def test_errors_in_frames_raise_input_problems_with_a_python_fix(frames):
    orders = frames[0].drop(columns=["Ordered At"])
    with pytest.raises(fixfirst.InputProblems) as bad:
        fixfirst.audit(in_memory(orders))
    assert bad.value.fix == DATA_FIX
    assert [(p.code, p.file, p.column) for p in bad.value.problems] == [("mapping.required_missing", "<orders DataFrame>", "ordered_at")]


def test_every_problem_in_the_values_given_is_raised_together(frames):
    orders = frames[0]
    with pytest.raises(fixfirst.InputProblems) as bad:
        fixfirst.engagement_from_frames(
            client={"name": ""}, promise={"description": "x", "business_days": 99}, journey={"stages": []},
            sources={"orders": orders, "bogus": orders, "events": fixfirst.FrameSource(orders, preset="nope")},
            settings={"scoring": {"nope": 1}})
    assert bad.value.fix == BUILD_FIX
    assert [(p.file, p.column) for p in bad.value.problems] == [
        ("<in-memory engagement>", "client.name"), ("<in-memory engagement>", "promise.business_days"),
        ("<bogus DataFrame>", "kind"), ("<events DataFrame>", "preset"), ("<journey>", "stages"), ("<journey>", "touchpoints"),
        ("<in-memory engagement>", "settings.scoring.nope")]
    assert bad.value.problems[3].message.startswith("preset: Value error, unknown preset 'nope'; known: shopify")


@pytest.mark.parametrize("sources, cause", [
    ({"orders": [[1, 2]]}, "sources['orders']: expected a pandas DataFrame, got list"),
    ({"orders": "orders.csv"}, "sources['orders']: expected a pandas DataFrame, got str"),
    ({"events": []}, "sources['events']: an empty list"),
])
def test_a_source_that_is_not_a_frame_is_refused(sources, cause):
    with pytest.raises(fixfirst.FixfirstError) as refused:
        fixfirst.engagement_from_frames(client="Tiny", promise=PROMISE, journey=yaml.safe_load(TINY_JOURNEY), sources=sources)
    assert refused.value.cause == cause


def test_files_cannot_be_named_by_an_in_memory_engagement(frames):
    with pytest.raises(fixfirst.FixfirstError) as logo:
        in_memory(frames[0], client={"name": "Tiny", "logo": "logo.png"})
    assert logo.value.cause == "client.logo 'logo.png': an in-memory engagement reads no files"
    with pytest.raises(fixfirst.FixfirstError) as lexicon:
        in_memory(frames[0], settings={"feedback": {"lexicon": "words.yaml"}})
    assert lexicon.value.cause == "settings feedback.lexicon 'words.yaml': an in-memory engagement reads no files"
    engagement = in_memory(frames[0])
    with pytest.raises(fixfirst.FixfirstError, match="^orders.csv: an in-memory engagement reads no files"):
        engagement.resolve("orders.csv", "data file")


def test_a_named_index_a_pyarrow_table_and_the_callers_frame(frames):
    import pyarrow as pa

    orders, events = frames
    kept = orders.copy()
    indexed = orders.set_index("Order ID")
    via_arrow = fixfirst.audit(in_memory(pa.Table.from_pandas(indexed), events))
    via_index = fixfirst.audit(in_memory(indexed, events))
    plain = fixfirst.audit(in_memory(orders, events))
    assert via_arrow.data.get("orders").mapping["order_id"] == via_index.data.get("orders").mapping["order_id"] == "Order ID"
    assert _without_file_names(via_arrow.to_json()) == _without_file_names(plain.to_json())
    assert _without_file_names(via_index.to_json()) == _without_file_names(plain.to_json())
    pd.testing.assert_frame_equal(orders, kept)  # never changed


def test_settings_and_journey_objects_are_taken_as_they_are(frames, tiny):
    from fixfirst.journey.model import JourneySpec, journey_from_spec
    from fixfirst.config.settings import settings_with

    settings = settings_with({"scoring": {"shrinkage_strength": 30}})
    journey = journey_from_spec(JourneySpec.model_validate(yaml.safe_load(TINY_JOURNEY)))
    engagement = fixfirst.engagement_from_frames(client="Tiny Test Shop", promise=PROMISE, journey=journey, settings=settings,
                                                 sources={"orders": frames[0], "events": fixfirst.FrameSource(frames[1], columns=EVENT_COLUMNS)})
    assert engagement.settings is settings and engagement.journey is journey
    assert fixfirst.audit(engagement).verdict == "FIX FIRST"


_opened: list[tuple[str, str]] | None = None


def _record_disk_access(event: str, args: tuple) -> None:
    if _opened is not None and event in ("open", "os.listdir", "os.scandir", "os.mkdir", "os.remove", "os.rename",
                                         "os.rmdir", "shutil.copyfile", "shutil.rmtree", "tempfile.mkstemp", "tempfile.mkdtemp"):
        _opened.append((event, str(args[0]) if args else ""))


def test_an_in_memory_audit_reads_and_writes_nothing_on_disk(frames, tmp_path, monkeypatch):
    global _opened
    monkeypatch.chdir(tmp_path)
    engagement = in_memory(*frames)
    fixfirst.audit(engagement)  # every module and bundled table it needs is loaded once, before the watch starts
    sys.addaudithook(_record_disk_access)  # stays for the session; records only while _opened is a list
    _opened = []
    try:
        watched = fixfirst.audit(in_memory(*frames))
    finally:
        seen, _opened = _opened, None
    assert watched.verdict == "FIX FIRST"
    assert seen == []
    assert list(tmp_path.iterdir()) == []


# --- the docs -------------------------------------------------------------------------------------------------------

def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def test_the_docs_have_examples_and_name_every_public_property():
    text = DOC.read_text()
    assert len(python_blocks(text)) >= 5
    for name in [n for n, v in vars(Audit).items() if isinstance(v, property)]:
        assert f"`{name}`" in text, name
    for name in ("to_pdf", "to_xlsx", "to_html", "to_json", "engagement_from_frames", "FrameSource", "InputProblems", "py.typed"):
        assert name in text, name
    readme = (ROOT / "README.md").read_text()
    assert "## As a Python library" in readme and "(docs/python-api.md)" in readme


@pytest.mark.slow
def test_every_python_example_in_the_docs_runs(sample_dir, tmp_path, monkeypatch):
    """The blocks run in order in one namespace, as in a notebook, from a scratch folder that receives what they write."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(python_blocks(DOC.read_text()), start=1):
        code = block.replace('"samples/juniper-lark"', repr(str(sample_dir)))
        exec(compile(code, f"docs/python-api.md block {number}", "exec"), namespace)  # noqa: S102 (the docs' own code)
    assert namespace["a"].verdict == "FIX FIRST" and namespace["tiny"].verdict == "FIX FIRST"
    assert namespace["data"] == namespace["a"].to_json()
    assert sorted(os.listdir(tmp_path)) == ["juniper-lark.html", "juniper-lark.pdf", "juniper-lark.xlsx", "tiny.xlsx"]
    # The README's example too (from the top of a checkout, where samples/ is).
    monkeypatch.chdir(ROOT)
    readme = python_blocks((ROOT / "README.md").read_text())
    assert len(readme) == 1
    shown: dict = {}
    exec(compile(readme[0].replace('"report.pdf"', repr(str(tmp_path / "report.pdf"))), "README.md", "exec"), shown)  # noqa: S102
    assert shown["a"].verdict == "FIX FIRST" and (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
