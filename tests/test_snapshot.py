"""Every audit is kept: snapshots saved atomically, never overwritten silently, read back safely, documented."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.errors import FixfirstError
from fixfirst.history.snapshot import SCHEMA, list_snapshots, load_snapshot
from fixfirst.report.snapshot import current_snapshot, keep_snapshot
from fixfirst.pipeline import run_audit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engagement(tmp_path_factory, sample_dir) -> Path:
    folder = tmp_path_factory.mktemp("snap") / "eng"
    shutil.copytree(sample_dir, folder)
    return folder


@pytest.fixture(scope="module")
def audited(engagement):
    return run_audit(engagement)


def test_a_snapshot_round_trips_with_the_data_it_judged(audited, engagement):
    saved = keep_snapshot(audited)
    assert saved.created and saved.path == engagement / "audits" / f"{audited.as_of.isoformat()}.json"
    back = load_snapshot(saved.path)
    assert back["schema"] == SCHEMA and back["as_of"] == "2026-09-30"
    assert back["audit"]["verdict"]["status"] == audited.verdict.status
    assert [w["touchpoint"] for w in back["audit"]["weak_spots"]] == [w.touchpoint.id for w in audited.ranking.weak_spots]
    orders = next(d for d in back["data"] if d["kind"] == "orders")
    import hashlib
    assert orders["sha256"] == hashlib.sha256((engagement / "orders.xlsx").read_bytes()).hexdigest()
    assert orders["rows_read"] == 4954 and orders["rows_kept"] == 4947
    assert not list((engagement / "audits").glob(".*.tmp"))  # written atomically, nothing left behind


def test_the_same_audit_is_not_written_twice_and_a_different_one_never_overwrites(audited, engagement):
    first = keep_snapshot(audited)
    again = keep_snapshot(audited)
    assert not again.created and again.path == first.path
    before = first.path.read_bytes()
    changed = run_audit(engagement)
    changed.engagement.settings.metrics.promise_breach.target = 0.04  # another definition: another audit
    other = keep_snapshot(changed)
    assert other.created and other.path.name == "2026-09-30.2.json" and first.path.read_bytes() == before
    assert [p.name for p in list_snapshots(engagement)][:2] == ["2026-09-30.json", "2026-09-30.2.json"]


def test_a_file_that_is_not_a_snapshot_is_never_replaced(tmp_path, sample_dir):
    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    (folder / "audits").mkdir()
    (folder / "audits" / "2026-09-30.json").write_text("my own notes")
    saved = keep_snapshot(run_audit(folder))
    assert saved.path.name == "2026-09-30.2.json"
    assert (folder / "audits" / "2026-09-30.json").read_text() == "my own notes"


def test_a_linked_audits_folder_is_refused(tmp_path, audited):
    import dataclasses

    folder = tmp_path / "eng"
    folder.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, folder / "audits")
    moved = dataclasses.replace(audited, engagement=type(audited.engagement)(folder, audited.engagement.audit,
                                                                              audited.engagement.settings))
    with pytest.raises(FixfirstError, match="link"):
        keep_snapshot(moved)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("content", ["not json", json.dumps({"schema": "other/1"}), json.dumps([1, 2])])
def test_reading_back_refuses_what_is_not_a_snapshot(tmp_path, content):
    path = tmp_path / "2026-01-01.json"
    path.write_text(content)
    with pytest.raises(FixfirstError):
        load_snapshot(path)


def test_the_cli_keeps_the_audit_unless_told_not_to(tmp_path, sample_dir):
    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    runner = CliRunner()
    assert runner.invoke(app, ["score", str(folder), "--no-snapshot"]).exit_code == 0
    assert not (folder / "audits").exists()
    assert runner.invoke(app, ["capacity", str(folder), "--uplift", "30%"]).exit_code == 0
    assert not (folder / "audits").exists()  # a what-if is not the audit of the business as it is
    scored = runner.invoke(app, ["score", str(folder), "--json"])
    assert scored.exit_code == 0 and json.loads(scored.stdout)["schema"] == "fixfirst.score/2"  # stdout stays pure JSON
    assert [p.name for p in list_snapshots(folder)] == ["2026-09-30.json"]


def test_the_bundled_sample_is_never_written_into(sample_dir):
    before = sorted(p.name for p in sample_dir.iterdir())
    assert CliRunner().invoke(app, ["score", str(sample_dir)]).exit_code == 0
    assert sorted(p.name for p in sample_dir.iterdir()) == before


def test_every_snapshot_field_is_documented(audited):
    doc = (ROOT / "docs" / "snapshot-json.md").read_text()
    payload = current_snapshot(audited)
    for key in payload:
        assert f"`{key}`" in doc, key
    for key in payload["data"][0]:
        assert f"`{key}`" in doc, key


def test_a_folder_that_cannot_be_written_warns_but_still_scores(tmp_path, sample_dir):
    folder = tmp_path / "eng"
    shutil.copytree(sample_dir, folder)
    (folder / "audits").write_text("a file where the folder should be")  # the snapshot cannot be written
    result = CliRunner().invoke(app, ["score", str(folder), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["verdict"]["status"] == "FIX FIRST"
