"""Which report files to write: the formats asked for (pdf, html, xlsx) and the path of each, from -o and --format."""

from __future__ import annotations

from pathlib import Path

from ..errors import FixfirstError

# Each format and the suffix its file gets; .htm is read as HTML too.
FORMATS = {"pdf": ".pdf", "html": ".html", "xlsx": ".xlsx"}
SUFFIX_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}
DEFAULT_FORMAT = "pdf"
_KNOWN = ", ".join(FORMATS)


def parse_formats(values: list[str] | None) -> list[str]:
    """The formats asked for, in order and once each; `--format pdf,html` and `--format pdf --format html` alike."""
    formats: list[str] = []
    for value in values or []:
        for name in value.split(","):
            name = name.strip().lower().lstrip(".")
            if not name:
                continue
            if name == "htm":
                name = "html"
            if name not in FORMATS:
                raise FixfirstError(f"unknown report format {name!r}", f"use one or more of {_KNOWN}, e.g. --format pdf,xlsx")
            if name not in formats:
                formats.append(name)
    return formats


def plan_targets(output: Path | None, formats: list[str], default_base: Path) -> dict[str, Path]:
    """Where each format goes: {format: path}.

    Without -o, `default_base` plus each format's suffix. With -o, its suffix names the format when --format is not
    given; with several formats, each file goes next to -o with its own suffix. A suffix that contradicts --format is
    an error rather than a PDF in a file called .xlsx.
    """
    if output is None:
        return {name: _with_suffix(default_base, name) for name in (formats or [DEFAULT_FORMAT])}
    output = Path(output)
    if output.is_dir():
        return {name: output / (default_base.name + FORMATS[name]) for name in (formats or [DEFAULT_FORMAT])}
    named = SUFFIX_FORMATS.get(output.suffix.lower())
    if named is None:
        if not formats:
            raise FixfirstError(f"{output}: cannot tell the report format from {output.suffix or 'a name without a suffix'!r}",
                                f"end the file name in .pdf, .html or .xlsx, or add --format ({_KNOWN})")
        # No format suffix (a name such as "report-v1.2"): each format's own suffix is added to the name.
        return {name: output.with_name(output.name + FORMATS[name]) for name in formats}
    if not formats:
        return {named: output}
    if named not in formats:
        raise FixfirstError(f"{output}: the name ends in {output.suffix} but --format asks for {', '.join(formats)}",
                            f"name the file with the suffix of the format you want, or give --format {named}")
    stem = output.with_suffix("")
    return {name: output if name == named else _with_suffix(stem, name) for name in formats}


def _with_suffix(base: Path, name: str) -> Path:
    return base.with_name(base.name + FORMATS[name])
