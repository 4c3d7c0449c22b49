"""The layers hold: the import-linter contract is kept, and no function-level import hides a cycle between modules."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "fixfirst"

# Function-level imports of fixfirst modules that are allowed, each for a reason that is not a cycle:
# - cli/: each command imports the library when it runs, so `fixfirst --help` and `fixfirst init` start in a blink
#   (the CLI is the top layer: nothing imports it, so these cannot hide a cycle);
# - report/__init__.py: WeasyPrint loads Pango when imported; a missing Pango must be an error naming what to
#   install, raised only when a PDF is asked for.


def function_level_imports() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("fixfirst")):
                    found.append(f"{rel}:{inner.lineno}: from {'.' * inner.level}{inner.module or ''}")
                elif isinstance(inner, ast.Import) and any(a.name.startswith("fixfirst") for a in inner.names):
                    found.append(f"{rel}:{inner.lineno}: import {inner.names[0].name}")
    return found


def test_no_function_level_import_of_fixfirst_modules_outside_the_cli():
    found = function_level_imports()
    pdf = [f for f in found if f.startswith("report/__init__.py") and f.endswith("from .pdf")]
    assert len(pdf) == 1, found
    assert [f for f in found if f not in pdf] == []


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed: pip install -e '.[test]' (make test installs it)")
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(root / "src")}
    return subprocess.run([lint, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300, env=env)


def test_the_layer_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_catch_a_stage_importing_a_higher_one_or_a_submodule_of_another(tmp_path):
    shutil.copytree(SRC, tmp_path / "src" / "fixfirst", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src" / "fixfirst" / "signals" / "upward.py").write_text(
        '"""A signal that reaches up into the report: the contract must refuse it."""\n\nfrom ..report import write_reports\n')
    (tmp_path / "src" / "fixfirst" / "scoring" / "inside.py").write_text(
        '"""A score that reaches inside the configuration package instead of its public names."""\n\n'
        "from ..config.settings import Settings\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout[-3000:]
    assert "fixfirst.signals is not allowed to import fixfirst.report" in done.stdout, done.stdout[-3000:]
    assert "fixfirst.scoring is not allowed to import fixfirst.config.settings" in done.stdout, done.stdout[-3000:]


def test_the_contract_names_every_stage_package():
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11 reads pyproject.toml with tomllib")

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layered = {m.strip() for c in contracts if c["type"] == "layers" for layer in c["layers"] for m in layer.split(":")}
    packages = {f"fixfirst.{p.name}" for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    modules = {f"fixfirst.{p.stem}" for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= layered, sorted((packages | modules) - layered)
