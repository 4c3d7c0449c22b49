"""The docs keep up with the code: every command option, audit.yaml key, setting and JSON field is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer

from fixfirst.cli import app
from fixfirst.config.engagement import Audit, Client, Promise, ReportOptions, SourceSpec
from fixfirst.ingest.fields import FIELDS
from fixfirst.journey.model import JourneySpec, TouchpointData, TouchpointSpec, TransitionSpec
from fixfirst.config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
ENGAGEMENT_DOC = (ROOT / "docs" / "engagement.md").read_text()
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text()
SCORE_DOC = (ROOT / "docs" / "score-json.md").read_text()


def _cli_options():
    """Every option of every command, command groups included (`checklist run`)."""
    def walk(group, prefix):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix}{name} ")
                continue
            for param in command.params:
                if param.param_type_name == "option":
                    yield f"{prefix}{name}", param.opts

    yield from walk(typer.main.get_command(app), "")


@pytest.mark.parametrize("command, opts", list(_cli_options()))
def test_every_cli_option_is_in_the_readme(command, opts):
    assert f"fixfirst {command}" in README
    assert any(opt in README for opt in opts), f"{command} {opts} is not documented in README.md"


def test_readme_gives_the_two_commands():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("model, prefix", [(Audit, ""), (Client, "client."), (Promise, "promise."),
                                           (SourceSpec, "sources[]."), (ReportOptions, "report.")])
def test_every_audit_key_is_documented(model, prefix):
    for name in model.model_fields:
        assert f"`{prefix}{name}`" in ENGAGEMENT_DOC or f"| `{prefix}{name}` |" in ENGAGEMENT_DOC, f"{prefix}{name}"


@pytest.mark.parametrize("model", [JourneySpec, TouchpointSpec, TouchpointData, TransitionSpec])
def test_every_journey_key_is_documented(model):
    for name, info in model.model_fields.items():
        key = info.alias or name
        assert re.search(rf"\b{re.escape(key)}\b", ENGAGEMENT_DOC), key


def test_every_data_field_is_documented():
    for kind, specs in FIELDS.items():
        assert f"### `{kind}`" in ENGAGEMENT_DOC
        for spec in specs:
            assert f"| `{spec.name}` |" in ENGAGEMENT_DOC, f"{kind}.{spec.name}"



def test_every_setting_is_documented():
    settings = Settings()
    for group, model in settings:
        for name in type(model).model_fields:
            assert f"`{group}.{name}`" in SETTINGS_DOC, f"{group}.{name}"


def test_every_score_json_field_is_documented(sample_audit):
    from fixfirst.present.score_json import ranking_payload

    payload = json.loads(json.dumps(ranking_payload(sample_audit)))
    for key in payload:
        assert f"`{key}" in SCORE_DOC, key
    for key in payload["verdict"]:
        assert f"`verdict.{key}`" in SCORE_DOC, key
    for key in payload["weak_spots"][0]:
        if key != "signals":
            assert f"`weak_spots[].{key}`" in SCORE_DOC, key
    for key in payload["weak_spots"][0]["signals"][0]:
        if key != "touchpoint":
            assert f"`signals[].{key}`" in SCORE_DOC, key
    for key in payload["capacity"]:
        assert f"`{key}`" in SCORE_DOC or f"`capacity.{key}`" in SCORE_DOC, key
    for key in payload["capacity"]["history"]:
        assert f"`{key}`" in SCORE_DOC, key
    for key in payload["decision"]:
        assert f"`decision.{key}`" in SCORE_DOC, key
    for group in (payload["decision"]["headroom"], payload["decision"]["campaign"], payload["decision"]["schedule"][0]):
        for key in group:
            assert f"`{key}`" in SCORE_DOC, key


def test_every_capacity_json_field_is_documented(sample_audit):
    from fixfirst.present.capacity_json import capacity_payload

    doc = (ROOT / "docs" / "capacity-json.md").read_text()
    payload = json.loads(json.dumps(capacity_payload(sample_audit)))
    sim = payload["simulation"]
    scenario = sim["campaign"]
    groups = [payload, payload["history"], payload["history"]["bands"][0], sim, sim["steps"][0], sim["demand"], sim["headroom_search"],
              payload["headroom"], payload["campaign"],
              scenario, scenario["daily"], scenario["projection"], scenario["projection"]["steps"][0],
              scenario["projection"]["lead_time"], scenario["projection"]["littles_law"], payload["kpis"][0]]
    for group in groups:
        for key in group:
            assert f"`{key}`" in doc, key


def test_every_check_json_field_is_documented(sample_dir):
    from typer.testing import CliRunner

    payload = json.loads(CliRunner().invoke(app, ["check", str(sample_dir), "--json"]).stdout)
    for key in payload:
        assert f"`{key}`" in ENGAGEMENT_DOC, key
    for key in payload["sources"][0]:
        assert f"`{key}`" in ENGAGEMENT_DOC or f"`sources[].{key}`" in ENGAGEMENT_DOC or f", `{key}`" in ENGAGEMENT_DOC, key
    for key in payload["problems"][0]:
        assert f"`{key}`" in ENGAGEMENT_DOC, key
