"""Hostile files in an engagement: YAML bombs and deep nesting, huge or scripted logos, template overrides reaching out,
entities hidden after padding, stale temp files and impossible capacity figures: located errors, never exit 70."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.errors import ConfigError, FixfirstError, InputProblems
from fixfirst.fsutil import STALE_TEMP_SECONDS, atomic_path, remove_stale_temps
from fixfirst.ingest.guards import MAX_PROLOG_BYTES, check_file, prolog_problem
from fixfirst.config.logo import MAX_LOGO_BYTES, logo_data_uri
from fixfirst.pipeline import check_engagement, run_audit
from fixfirst.resources import bundled_dir, sample_engagement
from fixfirst.config.settings import Settings
from fixfirst.config.yamlfile import MAX_YAML_DEPTH, load_yaml

from .conftest import PROJECT_ROOT, write_tiny_engagement

runner = CliRunner()
INTERNAL_ERROR = 70
ALIASES_REFUSED = "YAML anchors and aliases (&name / *name) are not allowed"
TOO_DEEP = f"YAML nested more than {MAX_YAML_DEPTH} levels deep"


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code != INTERNAL_ERROR and "Traceback" not in result.output, result.output
    return result


def check_json(folder: Path) -> tuple[int, dict]:
    result = invoke("check", folder, "--json")
    return result.exit_code, json.loads(result.stdout)


def alias_bomb(key: str = "bomb") -> str:
    """A billion laughs: ten levels of twelve aliases each, 12**10 strings once expanded, in under 2 KB."""
    lines = [f"{key}:", "  l0: &l0 [" + ", ".join(['"lol"'] * 12) + "]"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 12) + "]" for i in range(1, 10)]
    text = "\n".join(lines) + "\n"
    assert len(text) < 2048
    return text


# -- YAML: aliases and nesting, in every file the tool reads -------------------------------------------------------


def _bomb_in(folder: Path, where: str) -> tuple[Path, int]:
    """Put the bomb in one configuration file of a tiny engagement: that file, and the line of its first anchor."""
    if where == "audit":
        target = folder / "audit.yaml"
        target.write_text(alias_bomb() + target.read_text())
        return target, 2
    if where == "journey":
        target = folder / "journey.yaml"
        target.write_text(target.read_text() + alias_bomb("notes"))
        return target, len(target.read_text().splitlines()) - 9
    if where == "settings":
        target = folder / "settings.yaml"
        target.write_text("scoring:\n  shrinkage_strength: 30\n" + alias_bomb("extra"))
        (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text() + "settings: settings.yaml\n")
        return target, 4
    target = folder / "answers" / "fulfilment.yaml"
    target.parent.mkdir()
    target.write_text("checklist: fulfilment\nversion: 1\n" + alias_bomb("answers"))
    return target, 4


@pytest.mark.parametrize("where", ["audit", "journey", "settings", "answers"])
def test_an_alias_bomb_in_any_configuration_file_is_refused_on_its_line(tmp_path, where):
    folder = write_tiny_engagement(tmp_path / "eng")
    target, line = _bomb_in(folder, where)
    code, document = check_json(folder)
    assert code == 1 and document["ok"] is False
    found = [p for p in document["problems"] if ALIASES_REFUSED in p["message"]]
    assert len(found) == 1, document["problems"]
    problem = found[0]
    if where in ("answers",):  # a located problem of the answers file: its own file and line
        assert problem["file"] == str(target) and problem["row"] == line
    else:  # a configuration error: the message names the file and line
        assert f"{target}: line {line}: {ALIASES_REFUSED}" in problem["message"]
        assert "write the values out" in problem["message"]


def test_check_on_an_alias_bomb_prints_the_file_and_exits_1(tmp_path):
    folder = write_tiny_engagement(tmp_path / "eng")
    target, line = _bomb_in(folder, "audit")
    result = invoke("check", folder)
    assert result.exit_code == 1
    assert f"{target}: line {line}: {ALIASES_REFUSED}" in result.output


def test_a_single_anchor_is_refused_too_with_the_fix(tmp_path):
    path = tmp_path / "audit.yaml"
    path.write_text("client:\n  name: Shop\nbase: &base {a: 1}\nother: *base\n")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert caught.value.cause == f"{path}: line 3: {ALIASES_REFUSED}"
    assert caught.value.fix.startswith("write the values out in full")


@pytest.mark.parametrize("text, line", [
    ("deep: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
    ("deep: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", 1),
    ("top:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)) + "  " * 201 + "end: 1\n", MAX_YAML_DEPTH + 1),
    ("- " * 5_000 + "x\n", 1),
])
def test_deep_nesting_is_a_located_error_not_a_recursion_error(tmp_path, text, line):
    path = tmp_path / "journey.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert caught.value.cause.startswith(f"{path}: line {line}")
    assert TOO_DEEP in caught.value.cause


def test_check_on_a_deeply_nested_journey_exits_1_naming_it(tmp_path):
    folder = write_tiny_engagement(tmp_path / "eng")
    (folder / "journey.yaml").write_text("stages: " + "[" * 10_000 + "]" * 10_000 + "\n")
    code, document = check_json(folder)
    assert code == 1
    assert any(f"{folder / 'journey.yaml'}: line 1: {TOO_DEEP}" in p["message"] for p in document["problems"]), document


def test_a_deeply_nested_answers_file_is_located(tmp_path):
    from fixfirst.checklist.answers import AnswerFile
    from fixfirst.checklist.model import find_checklist

    path = tmp_path / "answers" / "fulfilment.yaml"
    path.parent.mkdir()
    path.write_text("checklist: fulfilment\nversion: 1\nanswers: " + "[" * 5_000 + "]" * 5_000 + "\n")
    with pytest.raises(InputProblems) as caught:
        AnswerFile.open(path, find_checklist("fulfilment"))
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.code) == (str(path), 3, "answers.invalid_yaml")
    assert TOO_DEEP in problem.message


def _shipped_yaml() -> list[Path]:
    package = PROJECT_ROOT / "src" / "fixfirst"
    found = sorted(package.rglob("*.yaml"))
    for name in ("checklists", "templates", "samples"):
        found += sorted(bundled_dir(name).rglob("*.yaml"))
    return found


def test_every_shipped_yaml_file_loads_without_aliases():
    files = _shipped_yaml()
    assert len(files) >= 10  # playbook, benchmarks, lexicons, checklists, starters, samples
    for path in files:
        data, lines = load_yaml(path)
        assert data and lines, path


def test_lines_still_come_out_of_the_fast_loader(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nsources:\n  - kind: orders\n    file: o.csv\n")
    data, lines = load_yaml(path)
    assert data == {"a": 1, "sources": [{"kind": "orders", "file": "o.csv"}]}
    assert lines[("sources", 0, "file")] == 4 and lines[("a",)] == 1


# -- the logo: size before reading, and no active content in an SVG --------------------------------------------


class _CountingOpen:
    """open() whose files count the bytes read through them."""

    def __init__(self):
        self.read = 0

    def __call__(self, *args, **kwargs):
        return _Counted(open(*args, **kwargs), self)


class _Counted:
    def __init__(self, handle, counter: _CountingOpen):
        self.handle, self.counter = handle, counter

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.handle.close()

    def fileno(self):
        return self.handle.fileno()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.counter.read += len(data)
        return data


def test_a_sparse_3gb_logo_is_refused_without_being_read(tmp_path, monkeypatch):
    import fixfirst.config.logo as logo_module

    path = tmp_path / "logo.png"
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(3 * 1024**3)
    counting = _CountingOpen()
    monkeypatch.setattr(logo_module, "open", counting, raising=False)
    with pytest.raises(ConfigError) as caught:
        logo_data_uri(path)
    assert caught.value.cause == f"{path}: logo is larger than {MAX_LOGO_BYTES // 1024**2} MB"
    assert counting.read == 0


CLEAN_SVG = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             'viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><style>.a { fill: url(#g) }</style>'
             '<rect class="a" width="10" height="10"/><use xlink:href="#g"/>'
             '<image href="data:image/png;base64,iVBORw0KGgo="/></svg>\n')


@pytest.mark.parametrize("body, words", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a script (<script>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "an event attribute (onload= on <svg>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><g onClick="x()"/></svg>', "an event attribute (onclick= on <g>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>', "embedded HTML (<foreignObject>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/passwd"/></svg>',
     "an external reference (href on <image>"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/x.png"/></svg>', "an external reference (href on <image>"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>', "an external reference (href on <a>"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>', "an external reference"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]>\n<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
     "a DOCTYPE"),
    ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>',
     "a DOCTYPE"),
    ('<?xml-stylesheet type="text/css" href="https://x.example/s.css"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
     "a style sheet reference (<?xml-stylesheet ...?>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/s.css);</style></svg>', "a style sheet that fetches"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://x.example/p)"/></svg>', "a style that fetches"),
])
def test_an_svg_logo_with_active_or_external_content_is_refused(tmp_path, body, words):
    path = tmp_path / "logo.svg"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        logo_data_uri(path)
    assert caught.value.cause.startswith(f"{path}: SVG logo contains {words}")
    assert caught.value.fix.startswith("export the logo as PNG")


def test_a_clean_svg_logo_is_inlined(tmp_path):
    path = tmp_path / "logo.svg"
    path.write_text(CLEAN_SVG)
    assert logo_data_uri(path).startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize("body, words", [("<html><body/></html>", "logo is not an SVG image (it starts with <html>, not <svg>)"),
                                         ("<svg", "logo is not a readable SVG")])
def test_an_svg_logo_that_is_not_one_is_refused(tmp_path, body, words):
    path = tmp_path / "logo.svg"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        logo_data_uri(path)
    assert caught.value.cause.startswith(f"{path}: {words}")


def test_check_names_a_scripted_logo(tmp_path):
    folder = write_tiny_engagement(tmp_path / "eng")
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    audit = (folder / "audit.yaml").read_text()
    (folder / "audit.yaml").write_text(audit.replace('client:\n', 'client:\n  logo: logo.svg\n', 1))
    code, document = check_json(folder)
    assert code == 1
    assert any(f"{folder.resolve() / 'logo.svg'}: SVG logo contains a script (<script>); export the logo as PNG" in p["message"]
               for p in document["problems"]), document


# -- template overrides: Jinja's sandbox, and nothing read from outside the override folder ------------------------


@pytest.fixture(scope="module")
def override_audit(tmp_path_factory):
    """The sample audited once with `report.templates: overrides` (an empty folder); each test writes its override."""
    folder = tmp_path_factory.mktemp("overrides") / "eng"
    shutil.copytree(sample_engagement(), folder)
    (folder / "overrides").mkdir()
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("report:\n", "report:\n  templates: overrides\n"))
    return run_audit(folder)


@pytest.fixture
def override(override_audit):
    folder = override_audit.engagement.folder / "overrides"
    yield folder
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _override_healthy(folder: Path, body: str) -> None:
    (folder / "_partials").mkdir(exist_ok=True)
    (folder / "_partials" / "healthy.html").write_text(f'<section id="healthy">\n{body}\n</section>')


def test_the_bundled_report_renders_the_same_in_the_sandbox(override_audit, override, sample_audit):
    from fixfirst.report import render_html

    assert render_html(override_audit) == render_html(sample_audit)


@pytest.mark.parametrize("body, refused", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ joiner.__init__.__globals__['os'].system('id') }}", "access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ lipsum.__globals__['os'].popen('id').read() }}", "access to attribute '__globals__' of 'function' object is unsafe."),
    # view.__class__ is an undefined (unsafe) value: the next step along it is refused
    ("{{ view.__class__.__init__.__globals__ }}", "access to attribute '__init__' of 'StrictUndefined' object is unsafe."),
    ("{% set x = namespace() %}{{ x.__init__.__globals__ }}", "'jinja2.utils.Namespace object' has no attribute '__init__'"),
])
def test_an_override_cannot_reach_python_internals(override_audit, override, body, refused):
    from fixfirst.report import render_html

    _override_healthy(override, body)
    with pytest.raises(FixfirstError) as caught:
        render_html(override_audit)
    assert caught.value.cause == f"report template error in {override / '_partials' / 'healthy.html'}, line 2: {refused}"


@pytest.mark.parametrize("body, refused", [
    ('{% set s = "ab" * 200000000 %}{{ s|length }}', "a template builds more than 1,000,000 items with '*'"),
    ('{% set s = 200000000 * [1] %}{{ s|length }}', "a template builds more than 1,000,000 items with '*'"),
    ('{% set s = "a" * 900000 %}{{ (s + s)|length }}', "a template builds more than 1,000,000 items with '+'"),
    ("{{ 10 ** 100000000 }}", "a template raises a number to a power above 100"),
])
def test_an_override_cannot_build_gigabytes(override_audit, override, body, refused):
    from fixfirst.report import render_html

    _override_healthy(override, body)
    with pytest.raises(FixfirstError) as caught:
        render_html(override_audit)
    assert caught.value.cause.endswith(f"line 2: {refused}")


def test_an_override_cannot_include_a_file_by_absolute_path(override_audit, override):
    from fixfirst.report import render_html

    _override_healthy(override, "{% include '/etc/passwd' %}")
    with pytest.raises(FixfirstError) as caught:
        render_html(override_audit)
    assert "template '/etc/passwd' is neither in the override folder nor among the bundled templates" in caught.value.cause
    assert "root:" not in caught.value.cause


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_symlinked_override_leading_outside_is_not_read(override_audit, override, tmp_path, linked):
    from fixfirst.report import render_html

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "healthy.html").write_text("<p>SECRET-CONTENT</p>")
    if linked == "file":
        (override / "_partials").mkdir()
        (override / "_partials" / "healthy.html").symlink_to(outside / "healthy.html")
    else:
        (override / "_partials").symlink_to(outside)
    with pytest.raises(FixfirstError) as caught:
        render_html(override_audit)
    assert caught.value.cause == (f"{override / '_partials' / 'healthy.html'}: this template override leads out of the override "
                                  f"folder {override.resolve()} (a symbolic link); it is not read")
    assert "SECRET" not in caught.value.cause + caught.value.fix


def test_a_symlink_within_the_override_folder_is_followed(override_audit, override):
    from fixfirst.report import render_html

    (override / "mine.html").write_text('<section id="healthy"><p id="custom">Mine</p></section>')
    (override / "_partials").mkdir()
    (override / "_partials" / "healthy.html").symlink_to(override / "mine.html")
    assert '<p id="custom">Mine</p>' in render_html(override_audit)


def test_an_oversized_override_is_refused_before_it_is_read(override_audit, override):
    from fixfirst.report import render_html
    from fixfirst.report.html import MAX_OVERRIDE_BYTES

    (override / "_partials").mkdir()
    with open(override / "_partials" / "healthy.html", "wb") as handle:
        handle.truncate(3 * 1024**3)
    with pytest.raises(FixfirstError) as caught:
        render_html(override_audit)
    assert caught.value.cause == f"{override / '_partials' / 'healthy.html'}: template override is larger than {MAX_OVERRIDE_BYTES // 1024**2} MB"


def test_report_with_a_hostile_override_exits_2_not_70(override_audit, override, tmp_path):
    _override_healthy(override, "{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    result = invoke("report", override_audit.engagement.folder, "-o", tmp_path / "r.html", "--no-snapshot")
    assert result.exit_code == 2
    assert "report template error in" in result.output and "unsafe" in result.output


# -- the XML guard reads the whole prolog of every workbook part ---------------------------------------------------

ENTITY_BOMB = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Ordered At", "Order Value"])
    sheet.append(["A1", "2026-03-02", 20.5])
    book.save(path)
    return path


def _rewrite_part(source: Path, target: Path, part: str, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == part else data)
    return target


@pytest.mark.parametrize("padding", [
    b" " * 8192,
    b'<?xml version="1.0" encoding="UTF-8"?>\n' + b"\n" * 8192,
    b'<?xml version="1.0"?>' + b"<!--" + b"padding " * 1024 + b"-->" + b"<?pi " + b"x" * 70_000 + b"?>",
])
def test_a_doctype_after_padding_in_a_sheet_is_refused_with_the_file_named(tmp_path, padding):
    clean = _workbook(tmp_path / "clean.xlsx")
    limits = Settings().ingest
    check_file(clean, limits)  # the workbook as written passes
    hostile = _rewrite_part(clean, tmp_path / "orders.xlsx", "xl/worksheets/sheet1.xml", lambda data: padding + ENTITY_BOMB + data)
    with pytest.raises(FixfirstError) as caught:
        check_file(hostile, limits)
    assert caught.value.cause == (f"{hostile}: workbook part xl/worksheets/sheet1.xml declares XML entities (<!DOCTYPE before its first "
                                  "element: an entity-expansion attack, or not an Office file)")


def test_a_utf16_part_does_not_hide_its_doctype():
    part = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<worksheet/>').encode("utf-16")
    assert prolog_problem(io.BytesIO(part)).startswith("declares XML entities (<!DOCTYPE")


def test_a_prolog_longer_than_the_bound_is_refused_and_an_image_part_is_not_xml():
    padding = b"<!--" + b"x" * MAX_PROLOG_BYTES + b"-->"
    assert prolog_problem(io.BytesIO(b"<!--" + b"x" * (MAX_PROLOG_BYTES - 12) + b"--><a/>")) is None  # just within the bound
    assert "MB of comments and declarations before its first element" in prolog_problem(io.BytesIO(padding + b"<a/>"))
    assert prolog_problem(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)) is None
    assert prolog_problem(io.BytesIO(b'<?xml version="1.0"?>\r\n<!-- a -->\n<worksheet><!DOCTYPE late/></worksheet>')) is None


def test_check_names_a_workbook_with_a_padded_doctype(tmp_path):
    folder = write_tiny_engagement(tmp_path / "eng")
    clean = _workbook(tmp_path / "clean.xlsx")
    _rewrite_part(clean, folder / "orders.xlsx", "xl/worksheets/sheet1.xml", lambda data: b" " * 8192 + ENTITY_BOMB + data)
    (folder / "audit.yaml").write_text((folder / "audit.yaml").read_text().replace("file: orders.csv", "file: orders.xlsx"))
    code, document = check_json(folder)
    assert code == 1
    assert any("orders.xlsx" in (p["file"] or "") + p["message"] and "declares XML entities" in p["message"]
               for p in document["problems"]), document


# -- stale temp files of an atomic write are cleared on the next start ---------------------------------------------


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def _leftovers(folder: Path, outside: Path) -> dict[str, Path]:
    made = {
        "stale": folder / ".fulfilment.yaml.k3x_9a0b.tmp",
        "fresh": folder / ".fulfilment.yaml.p0q1r2s3.tmp",
        "other target": folder / ".technology.yaml.k3x_9a0b.tmp",
        "not mkstemp's": folder / ".fulfilment.yaml.keepme.tmp",
        "the answers": folder / "fulfilment.yaml.k3x_9a0b.tmp",
    }
    for name, path in made.items():
        path.write_text("half-written")
        if name != "fresh":
            _age(path, STALE_TEMP_SECONDS + 60)
    link = folder / ".fulfilment.yaml.zzzzzzzz.tmp"
    link.symlink_to(outside)
    _age(link, STALE_TEMP_SECONDS + 60)
    made["symlink"] = link
    return made


def test_a_save_removes_the_stale_temp_files_of_its_target_only(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("not ours")
    made = _leftovers(folder, outside)
    with atomic_path(folder / "fulfilment.yaml") as tmp:
        tmp.write_text("checklist: fulfilment\n")
    assert not made["stale"].exists()
    assert all(made[name].exists() or made[name].is_symlink() for name in made if name != "stale")
    assert outside.read_text() == "not ours"
    assert (folder / "fulfilment.yaml").read_text() == "checklist: fulfilment\n"
    assert remove_stale_temps(folder / "fulfilment.yaml") == 0  # nothing else matches


def test_the_walkthrough_clears_stale_temp_files_when_it_starts(tmp_path, monkeypatch):
    from fixfirst.checklist import walkthrough
    from fixfirst.checklist.answers import AnswerFile, answers_path
    from fixfirst.checklist.model import find_checklist

    path = answers_path(tmp_path, "fulfilment")
    path.parent.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("not ours")
    made = _leftovers(path.parent, outside)

    class NoScreen:  # the Textual app is not what is tested: only what happens before it starts
        failure = None
        return_code = 0

        def __init__(self, *_args):
            pass

        def run(self):
            pass

    monkeypatch.setattr(walkthrough, "WalkthroughApp", NoScreen)
    checklist = find_checklist("fulfilment")
    assert walkthrough.run_app(checklist, AnswerFile.open(path, checklist)) == 0
    assert not made["stale"].exists() and made["fresh"].exists() and made["symlink"].is_symlink()


# -- capacity figures: finite and within bounds at `check` ----------------------------------------------------------


def _capacity_engagement(tmp_path: Path, sheet: str) -> Path:
    folder = write_tiny_engagement(tmp_path / "cap", orders=120, campaign_uplift="20%",
                                   extra_audit="  - kind: capacity\n    file: capacity.csv\n")
    (folder / "capacity.csv").write_text(sheet)
    return folder


@pytest.mark.parametrize("sheet, column, words", [
    ("Step,Units per day\nPick and pack,inf\n", "Units per day", "units per day must be a finite number of at most 10,000,000 units a day"),
    ("Step,Units per day\nPick and pack,-inf\n", "Step", "a capacity figure is negative"),
    ("Step,Units per day\nPick and pack,1e15\n", "Units per day", "units per day must be a finite number of at most 10,000,000"),
    ("Step,Staff hours,Units per staff hour\nPick and pack,1e308,10\n", "Staff hours",
     "staff hours must be a finite number of at most 2,400,000 hours a day"),
    ("Step,Staff hours,Units per staff hour\nPick and pack,8,Infinity\n", "Units per staff hour",
     "units per staff hour must be a finite number of at most 100,000 units an hour"),
    ("Step,Staff hours,Units per staff hour\nPick and pack,2000000,90000\n", "Staff hours",
     "staff hours times units per staff hour is more than 10,000,000 units a day"),
    ("Step,Units per day\nPick and pack,1e-26\n", "Units per day", "a capacity of less than 0.01 units a day"),
    ("Step,Staff hours,Units per staff hour\nPick and pack,1e-150,1e-150\n", "Staff hours", "a capacity of less than 0.01 units a day"),
])
def test_impossible_capacity_figures_are_row_problems_at_check(tmp_path, sheet, column, words):
    folder = _capacity_engagement(tmp_path, sheet + "Pick and pack,50\n" if sheet.startswith("Step,Units") else sheet)
    problems = [p for p in check_engagement(folder).data.problems if p.file and p.file.endswith("capacity.csv") and p.row == 2]
    assert [(p.column, words in p.message) for p in problems] == [(column, True)], problems


def test_capacity_with_an_infinite_row_runs_on_the_others(tmp_path):
    folder = _capacity_engagement(tmp_path, "Step,Units per day\nPick and pack,inf\nPick and pack,50\n")
    result = invoke("capacity", folder, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)


@pytest.mark.parametrize("sheet", ["Step,Units per day\nPick and pack,inf\n", "Step,Units per day\nPick and pack,1e-26\n",
                                   "Step,Staff hours,Units per staff hour\nPick and pack,1e308,10\n"])
def test_capacity_with_only_impossible_rows_is_an_input_error_not_exit_70(tmp_path, sheet):
    folder = _capacity_engagement(tmp_path, sheet)
    result = invoke("capacity", folder)
    assert result.exit_code == 1
    assert "capacity.csv" in result.output and ("must be a finite number" in result.output or "less than 0.01" in result.output)
