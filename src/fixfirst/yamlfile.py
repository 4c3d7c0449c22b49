"""Read YAML files safely and turn schema errors into problems that name the file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError, FixfirstError, InputProblems, Problem, Severity

Model = TypeVar("Model", bound=BaseModel)

MAX_YAML_BYTES = 2 * 1024 * 1024


def _index_lines(node: yaml.Node, path: tuple = (), index: dict | None = None) -> dict[tuple, int]:
    """Map each key path (('sources', 0, 'file')) to its 1-based line in the file."""
    index = {} if index is None else index
    index.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), index)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), index)
    return index


def _duplicate_key(node: yaml.Node | None) -> tuple[str, int, int] | None:
    """The first key written twice in one mapping: (key, first line, second line). YAML would silently keep the last."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None:
                if key in seen:
                    return str(key), seen[key], key_node.start_mark.line + 1
                seen[key] = key_node.start_mark.line + 1
            found = _duplicate_key(value_node)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found:
                return found
    return None


def load_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file with the safe loader; return its data and a key-path -> line index."""
    path = Path(path)
    if not path.is_file():
        raise FixfirstError(f"{path}: file not found", "check the path, or run `fixfirst init DIR` to start an engagement")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ConfigError(f"{path}: YAML file is larger than {MAX_YAML_BYTES // 1024} KiB", "this is a settings file, not data")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", "save the file as UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: invalid YAML: {reason}", "fix the YAML syntax (indentation, quotes, colons)") from None
    twice = _duplicate_key(node)
    if twice:
        key, first, second = twice
        raise ConfigError(f"{path}: line {second}: '{key}' is written twice (first on line {first}); YAML would silently keep the last",
                            "keep one of the two lines")
    return data, (_index_lines(node) if node is not None else {})


def client_yaml(path: str | Path, folder: Path | None, *, missing_cause: str, missing_fix: str) -> tuple[Path, bool]:
    """A client's own YAML file named in the engagement (a lexicon, a playbook): its resolved path, and whether it
    `extends:` the shipped one (read as the schema reads it, "no" is false too; a bad value is reported when the
    file is validated in full)."""
    from pydantic import TypeAdapter

    file = Path(path).expanduser()
    if not file.is_absolute() and folder is not None:
        file = Path(folder) / file
    if not file.is_file():
        raise FixfirstError(f"{file}: {missing_cause}", missing_fix)
    data, _ = load_yaml(file)
    try:
        extends = TypeAdapter(bool).validate_python(data.get("extends", True)) if isinstance(data, dict) else True
    except ValidationError:
        extends = True
    return file, extends


def _nearest_line(lines: dict[tuple, int], loc: tuple) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def validation_problems(exc: ValidationError, file: Path, lines: dict[tuple, int]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _nearest_line(lines, loc)
        value = err.get("input")
        shown = None if isinstance(value, (dict, list)) or value is None else str(value)[:80]
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see the engagement format in docs/engagement.md)"
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(
            Problem(
                code=f"config.{err['type']}",
                message=f"{field}: {message}",
                severity=Severity.ERROR,
                file=str(file),
                row=line,
                column=field,
                value=shown,
            )
        )
    return problems


def load_model(path: Path, model: type[Model], data: Any = None, lines: dict | None = None) -> Model:
    """Load a YAML file into a pydantic model; every schema error becomes one located Problem."""
    if lines is None:  # not read yet by the caller
        data, lines = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FixfirstError(f"{path}: expected a mapping of fields at the top level, found {type(data).__name__}", "see docs/engagement.md")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputProblems(validation_problems(exc, Path(path), lines or {})) from None
