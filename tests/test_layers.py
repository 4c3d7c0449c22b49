"""Computation never reaches up into words: only the presentation layer, the report, history and the CLI import it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "fixfirst"


def _imports(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports resolved against its package)."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_only_presentation_report_and_cli_import_the_presentation_layer():
    # history keeps the score JSON the presentation layer writes; api.py is the front door above report (cli > api > report)
    allowed = ("present", "report", "history", "cli", "api.py")
    offenders = []
    for path in SRC.rglob("*.py"):
        layer = path.relative_to(SRC).parts[0]
        if layer in allowed:
            continue
        for name in _imports(path):
            if name.startswith(("fixfirst.present", "fixfirst.report")):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_presentation_layer_does_not_import_the_report_or_the_cli():
    offenders = [f"{p.relative_to(SRC)} imports {name}" for p in (SRC / "present").rglob("*.py") for name in _imports(p)
                 if name.startswith(("fixfirst.report", "fixfirst.cli"))]
    assert offenders == []


def test_the_checks_see_a_relative_import():
    assert "fixfirst.present.numbers" in _imports(SRC / "present" / "build.py")
