"""The built wheel works on its own: installed into a fresh virtual environment, run from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]


def _run(args, cwd, timeout=900):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT], cwd=ROOT)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return next(out.glob("fixfirst-*.whl"))


def test_wheel_carries_templates_checklists_and_samples(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("fixfirst/_bundled/templates/report/report.html", "fixfirst/_bundled/templates/report/_partials/decision.html", "fixfirst/_bundled/templates/report/css/decision.css",
                     "fixfirst/_bundled/templates/engagements/online-shop/audit.yaml",
                     "fixfirst/_bundled/templates/engagements/local-service/journey.yaml",
                     "fixfirst/_bundled/samples/juniper-lark/orders.xlsx", "fixfirst/_bundled/samples/generate.py",
                     "fixfirst/_bundled/checklists/marketing-ops-alignment.yaml", "fixfirst/_bundled/checklists/fulfilment.yaml",
                     "fixfirst/_bundled/templates/report/_partials/fix_plan.html", "fixfirst/config/playbook.yaml",
                     "fixfirst/config/lexicons/en.yaml", "fixfirst/config/lexicons/pt.yaml", "fixfirst/config/benchmarks.yaml",
                     "fixfirst/py.typed", "fixfirst/api.py", "fixfirst/memory.py"):
        assert required in names, required
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pdf")]


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    installed = _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = _run([venv / "bin" / "python", "-c", "import fixfirst.resources as r; print(r.templates_dir())"], cwd=tmp_path)
    assert "site-packages" in where.stdout, where.stdout + where.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    demo = _run([venv / "bin" / "fixfirst", "demo", "-o", "report.pdf"], cwd=work)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    text = "".join(page.extract_text() for page in PdfReader(work / "report.pdf").pages)
    assert "Juniper & Lark" in text and "FIX FIRST" in text
    init = _run([venv / "bin" / "fixfirst", "init", "client", "--template", "local-service"], cwd=work)
    assert init.returncode == 0 and (work / "client" / "journey.yaml").is_file(), init.stdout + init.stderr
    # The bundled checklists, playbook and lexicons work from the installed wheel too.
    listed = _run([venv / "bin" / "fixfirst", "checklist", "list"], cwd=work)
    assert listed.returncode == 0 and "fulfilment" in listed.stdout, listed.stdout + listed.stderr
    assert "Fix plan" in text


@pytest.mark.slow
def test_installed_wheel_is_a_typed_library(wheel, tmp_path):
    """The issue's "done when": `import fixfirst; a = fixfirst.audit("samples/juniper-lark"); a.verdict` in a fresh
    virtual environment (from a checkout's top, where that folder is), and a type checker sees its types (py.typed)."""
    mypy = pytest.importorskip("mypy.api", reason="mypy checks the installed wheel's types: pip install mypy")
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    installed = _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    code = 'import fixfirst; a = fixfirst.audit("samples/juniper-lark"); print(a.verdict); print(fixfirst.__file__)'
    ran = _run([venv / "bin" / "python", "-c", code], cwd=ROOT)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    verdict, where = ran.stdout.splitlines()[-2:]
    assert verdict == "FIX FIRST" and "site-packages" in where
    snippet = tmp_path / "use.py"
    snippet.write_text('import fixfirst\na = fixfirst.audit("samples/juniper-lark")\nreveal_type(a.verdict)\nreveal_type(a.weak_spots)\n')
    out, err, status = mypy.run(["--python-executable", str(venv / "bin" / "python"), "--no-incremental", str(snippet)])
    assert status == 0, out + err
    assert "Literal['FIX FIRST'] | Literal['MARKET WITH LIMITS'] | Literal['READY TO MARKET'] | Literal['NOT ENOUGH DATA']" in out
    assert "list[fixfirst.scoring.weak_spots.WeakSpot]" in out
