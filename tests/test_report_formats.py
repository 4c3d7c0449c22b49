"""Three formats from one render: which files -o and --format ask for, and the HTML as one offline, script-free file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from fixfirst.cli import app
from fixfirst.errors import FixfirstError
from fixfirst.report import parse_formats, plan_targets
from fixfirst.report.html import render_html
from fixfirst.report.offline import assets_dir, external_references, offline_html, write_html

runner = CliRunner()
MAX_HTML_BYTES = 2 * 1024 * 1024
URL_ATTRIBUTES = ("src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "srcset", "srcdoc")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def printed_paths(output: str) -> list[Path]:
    return [Path(line.strip()) for line in output.splitlines() if line.strip().startswith("/")]


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def offline_problems(html: str) -> list[str]:
    """Everything in the page a browser would run or fetch, found with a real HTML5 parser (not the writer's own)."""
    tree = HTMLParser(html)
    problems = [f"<{node.tag}>" for node in tree.css("script, base, iframe, object, embed, link[rel~=stylesheet]")]
    for node in tree.css("*"):
        for name, value in (node.attributes or {}).items():
            value = (value or "").strip()
            if name.lower().startswith("on"):
                problems.append(f"{node.tag} {name}")
            elif name.lower() in URL_ATTRIBUTES and not (value.startswith("#") or value.startswith("data:image/")):
                problems.append(f"{node.tag} {name}={value[:60]}")
            elif name.lower() == "style" or "url(" in value.lower():
                problems += [f"{node.tag} {name} url({u[:60]})" for u in CSS_URL.findall(value)
                             if not (u.startswith("#") or u.startswith("data:"))]
    for style in tree.css("style"):
        css = style.text()
        problems += [f"style url({u[:60]})" for u in CSS_URL.findall(css) if not (u.startswith("#") or u.startswith("data:"))]
        problems += ["@import"] if "@import" in css else []
    return problems


@pytest.fixture(scope="module")
def sample_html(sample_audit):
    return render_html(sample_audit)


@pytest.fixture(scope="module")
def sample_offline(sample_html):
    return offline_html(sample_html, assets_dir())


# --- the HTML page -----------------------------------------------------------------------------------------------


def test_the_offline_page_references_nothing_outside_itself(sample_html, sample_offline):
    assert offline_problems(sample_offline) == []
    assert external_references(sample_offline) == []
    tree = HTMLParser(sample_offline)
    for node in tree.css("*"):
        for value in (node.attributes or {}).values():
            assert not re.search(r"(https?:|file:|^//)", value or "", re.IGNORECASE), (node.tag, value[:80])


def test_bundled_pictures_are_inlined(sample_html, sample_offline):
    # The PDF's HTML names bundled pictures by relative URL (the check above would fail on it); the page carries them.
    before = [img.attributes.get("src") or "" for img in HTMLParser(sample_html).css("img")]
    after = [img.attributes.get("src") or "" for img in HTMLParser(sample_offline).css("img")]
    relative = [i for i, src in enumerate(before) if src and not src.startswith("data:")]
    assert relative, "the sample report shows at least one bundled picture"
    assert offline_problems(sample_html)
    for i in relative:
        mime = "svg+xml" if before[i].endswith(".svg") else before[i].rsplit(".", 1)[-1]
        assert after[i].startswith(f"data:image/{mime};base64,"), (before[i], after[i][:40])


def test_the_offline_page_is_the_pdfs_page(sample_html, sample_offline):
    original, offline = HTMLParser(sample_html), HTMLParser(sample_offline)
    assert offline.body.text(separator=" ") == original.body.text(separator=" ")
    assert len(offline.css("section")) == len(original.css("section")) > 3
    assert len(offline.css("svg")) == len(original.css("svg"))
    assert offline.css_first("style").text() == original.css_first("style").text()


def test_the_sample_page_is_small(sample_html, sample_offline, tmp_path):
    target = write_html(sample_html, tmp_path / "report.html", assets_dir())
    size = target.stat().st_size
    assert target.read_text(encoding="utf-8") == sample_offline
    assert size < MAX_HTML_BYTES, f"the sample's HTML is {size:,} bytes"
    assert no_temp_files(tmp_path)


def test_scripts_handlers_and_external_references_are_removed():
    hostile = """<!DOCTYPE html><html><head><base href="http://evil.example/">
<link rel="stylesheet" href="https://evil.example/a.css"><meta http-equiv="refresh" content="0;url=http://evil.example">
<style>@import url(http://evil.example/b.css); .a { background: url('fixfirst-mark.svg') } .b { background: url(//evil.example/c.png) }</style>
<script src="https://evil.example/x.js"></script><script>alert(1)</script></head>
<body onload="steal()"><p class="a">Keep this text: see http://example.com for more.</p>
<img src="https://evil.example/pixel.gif"><img SRC=//evil.example/p.png><img src="file:///etc/passwd"><img src="../report.css">
<img src="fixfirst-mark.svg"><a href="javascript:alert(1)">j</a><a href="#summary">ok</a>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><use xlink:href="http://evil.example/s.svg#i"/><path marker-end="url(#arrow)"/></svg>
<p style="background:url(http://evil.example/d.png)">styled</p><iframe srcdoc="&lt;script&gt;x()&lt;/script&gt;" src="data:text/html,hi"></iframe>
<!--[if IE]><script src="http://evil.example/ie.js"></script><![endif]--><script>never closed"""
    page = offline_html(hostile, assets_dir())
    assert offline_problems(page) == []
    assert "evil.example" not in page and "passwd" not in page and "alert" not in page
    tree = HTMLParser(page)
    assert "see http://example.com for more" in tree.body.text()  # a web address in the text stays as text
    assert tree.css_first('a[href="#summary"]') is not None
    assert tree.css_first("path").attributes["marker-end"] == "url(#arrow)"
    assert tree.css_first("svg").attributes["viewBox"] == "0 0 10 10"  # untouched tags keep their attributes as written
    assert [img.attributes.get("src", "")[:26] for img in tree.css("img") if img.attributes.get("src")] == ["data:image/svg+xml;base64,"]
    assert 'url("data:image/svg+xml;base64,' in tree.css_first("style").text()


def test_the_html_is_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous")

    def broken(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(FixfirstError, match="cannot write the HTML"):
        write_html("<p>new</p>", target, assets_dir())
    monkeypatch.undo()
    assert target.read_text() == "previous" and no_temp_files(tmp_path)


# --- which files -o and --format ask for ---------------------------------------------------------------------------


@pytest.mark.parametrize("output, formats, expected", [
    (None, [], {"pdf": "base.pdf"}),
    (None, ["html", "xlsx"], {"html": "base.html", "xlsx": "base.xlsx"}),
    ("out/r.pdf", [], {"pdf": "out/r.pdf"}),
    ("out/r.HTM", [], {"html": "out/r.HTM"}),
    ("out/r.xlsx", ["xlsx"], {"xlsx": "out/r.xlsx"}),
    ("out/r.html", ["pdf", "html", "xlsx"], {"pdf": "out/r.pdf", "html": "out/r.html", "xlsx": "out/r.xlsx"}),
    ("out/report-v1.2", ["pdf", "xlsx"], {"pdf": "out/report-v1.2.pdf", "xlsx": "out/report-v1.2.xlsx"}),
])
def test_targets_follow_the_suffix_and_the_formats(output, formats, expected):
    targets = plan_targets(None if output is None else Path(output), formats, Path("base"))
    assert {name: str(path) for name, path in targets.items()} == expected


def test_an_existing_folder_as_output_gets_the_default_names(tmp_path):
    assert plan_targets(tmp_path, ["xlsx"], Path("x/fixfirst-report")) == {"xlsx": tmp_path / "fixfirst-report.xlsx"}


@pytest.mark.parametrize("values, expected", [
    (None, []), (["pdf"], ["pdf"]), (["PDF,html", "xlsx", "pdf"], ["pdf", "html", "xlsx"]), (["htm"], ["html"]), ([" xlsx , "], ["xlsx"]),
])
def test_formats_are_read_from_repeats_and_comma_lists(values, expected):
    assert parse_formats(values) == expected


@pytest.mark.parametrize("output, formats, message", [
    ("r.pdf", ["xlsx"], "ends in .pdf but --format asks for xlsx"),
    ("r.docx", [], "cannot tell the report format"),
    ("report", [], "cannot tell the report format"),
])
def test_a_suffix_that_does_not_say_or_contradicts_the_format_is_an_error(output, formats, message):
    with pytest.raises(FixfirstError, match=message):
        plan_targets(Path(output), formats, Path("base"))


# --- the command line ------------------------------------------------------------------------------------------------


@pytest.fixture
def engagement(tmp_path, sample_dir):
    folder = tmp_path / "copy"
    shutil.copytree(sample_dir, folder)
    return folder


def test_report_infers_the_format_from_the_suffix(engagement, tmp_path):
    target = tmp_path / "out" / "register.xlsx"
    result = invoke("report", engagement, "-o", target)
    assert result.exit_code == 0, result.output
    assert printed_paths(result.output) == [target.resolve()]
    assert load_workbook(target).sheetnames[0] == "Action register"
    assert sorted(p.name for p in target.parent.iterdir()) == ["register.xlsx"]


def test_report_writes_several_formats_into_the_engagement(engagement):
    result = invoke("report", engagement, "--format", "html,xlsx")
    assert result.exit_code == 0, result.output
    expected = [engagement / "fixfirst-report.html", engagement / "fixfirst-report.xlsx"]
    assert printed_paths(result.output) == [p.resolve() for p in expected]
    assert all(p.is_file() for p in expected) and not (engagement / "fixfirst-report.pdf").exists()
    assert offline_problems(expected[0].read_text(encoding="utf-8")) == []
    assert no_temp_files(engagement)


def test_report_writes_every_format_next_to_o(engagement, tmp_path):
    target = tmp_path / "out" / "juniper.pdf"
    result = invoke("report", engagement, "-o", target, "--format", "pdf", "--format", "html,xlsx")
    assert result.exit_code == 0, result.output
    names = ["juniper.pdf", "juniper.html", "juniper.xlsx"]
    assert printed_paths(result.output) == [(target.parent / n).resolve() for n in names]
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(names)
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/r.pdf", "--format", "xlsx"], "ends in .pdf but --format asks for xlsx"),
    (["--format", "docx"], "unknown report format 'docx'"),
    (["-o", "{tmp}/r.docx"], "cannot tell the report format"),
])
def test_report_format_mistakes_are_clear_errors(engagement, tmp_path, args, message):
    out = tmp_path / "errors"
    result = invoke("report", engagement, *[a.format(tmp=out) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "fix:" in result.output and "internal error" not in result.output
    assert not out.exists()


def test_demo_takes_formats_and_writes_money_in_the_clients_currency(tmp_path):
    result = invoke("demo", "-o", tmp_path / "demo.xlsx", "--format", "xlsx,html")
    assert result.exit_code == 0, result.output
    assert printed_paths(result.output) == [(tmp_path / n).resolve() for n in ("demo.xlsx", "demo.html")]
    assert "ranked by money at stake a month (GBP)" in result.output
    assert re.search(r"#1 \S.*: £\d[\d,]* at stake; score \d+, \w+ confidence", result.output), result.output
