"""Read YAML files safely and turn schema errors into problems that name the file, line and field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.resolver import Resolver

from ..errors import ConfigError, FixfirstError, InputProblems, Problem, Severity

try:  # libyaml's parser: an order of magnitude faster than the pure-Python one; its events carry line marks too
    from yaml.cyaml import CParser as _Parser
except ImportError:  # PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]  # the three parts of yaml.SafeLoader that parse
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

Model = TypeVar("Model", bound=BaseModel)

MAX_YAML_BYTES = 2 * 1024 * 1024
# Deeper than any file fixfirst reads needs (audit.yaml and journeys nest five or six levels), and shallow enough that
# composing, constructing and walking a file never comes near Python's recursion limit.
MAX_YAML_DEPTH = 50
ALIAS_CAUSE = "YAML anchors and aliases (&name / *name) are not allowed"
ALIAS_FIX = ("write the values out in full where the alias stands; fixfirst refuses aliases so that a small file "
             "cannot expand into gigabytes")
DEPTH_FIX = "flatten the file: fixfirst's files need only a few levels of nesting"


class YamlRefused(yaml.MarkedYAMLError):
    """Well-formed YAML that fixfirst will not read (aliases, deep nesting), with the line it starts on and the fix."""

    def __init__(self, cause: str, fix: str, mark) -> None:
        super().__init__(problem=cause, problem_mark=mark)
        self.cause = cause
        self.fix = fix
        self.line = mark.line + 1 if mark is not None else None


def depth_cause() -> str:
    """The cause of a nesting refusal, the same from fixfirst's bound and libyaml's."""
    return f"YAML nested more than {MAX_YAML_DEPTH} levels deep"


class _GuardedComposer(Composer):
    """The composer, refusing anchors and aliases (every alias is a shared node: walking the tree, validating it or
    indexing its lines would follow each one, and nested aliases grow exponentially) and nesting deeper than
    MAX_YAML_DEPTH (a RecursionError otherwise)."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise YamlRefused(ALIAS_CAUSE, ALIAS_FIX, event.start_mark)
        if not isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            return super().compose_node(parent, index)
        if self._depth >= MAX_YAML_DEPTH:
            raise YamlRefused(depth_cause(), DEPTH_FIX, event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class GuardedLoader(_GuardedComposer, _Parser, SafeConstructor, Resolver):
    """The safe loader on libyaml's event parser when it is there, composing in Python so that every node is guarded."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse once: compose the node tree (its marks give the lines) and construct the data from the same nodes.

    Raises YamlRefused for aliases and deep nesting, and yaml.YAMLError for invalid YAML."""
    loader = GuardedLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound (1000 levels) met while scanning ahead
                raise YamlRefused(depth_cause(), DEPTH_FIX, exc.problem_mark) from None
            raise
        try:
            data = loader.construct_document(node) if node is not None else None
        except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits (Python's own bound)
            where = _first_scalar(node, lambda v: len(v) > MAX_SCALAR_DIGITS) or node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"a value cannot be read ({str(exc).split(';')[0]})", where) from None
    finally:
        loader.dispose()
    return data, node


MAX_SCALAR_DIGITS = 4000  # a number longer than this is not a setting; Python refuses ints past 4,300 digits


def _first_scalar(node: yaml.Node | None, test) -> yaml.Mark | None:
    """The mark of the first scalar whose text passes `test` (depth-bounded by the nesting guard already)."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            if test(current.value):
                return current.start_mark
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in reversed(current.value) for v in reversed(pair))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return None


def _index_lines(node: yaml.Node, path: tuple = (), index: dict | None = None) -> dict[tuple, int]:
    """Map each key path (('sources', 0, 'file')) to its 1-based line in the file."""
    index = {} if index is None else index
    index.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: construction refuses it; nothing to locate by
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


def read_yaml_text(path: Path) -> str:
    """The text of a YAML file, its size checked before it is read (and never more than the limit read)."""
    try:
        with open(path, "rb") as handle:
            too_big = os.fstat(handle.fileno()).st_size > MAX_YAML_BYTES
            raw = b"" if too_big else handle.read(MAX_YAML_BYTES + 1)  # a file still growing is cut off at the limit too
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})", "check the file's permissions") from None
    if too_big or len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"{path}: YAML file is larger than {MAX_YAML_BYTES // 1024} KiB", "this is a settings file, not data")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", "save the file as UTF-8") from None


def load_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file with the safe loader; return its data and a key-path -> line index."""
    path = Path(path)
    if not path.is_file():
        raise FixfirstError(f"{path}: file not found", "check the path, or run `fixfirst init DIR` to start an engagement")
    text = read_yaml_text(path)
    try:
        data, node = parse_yaml(text)
    except YamlRefused as exc:
        raise ConfigError(f"{path}: line {exc.line}: {exc.cause}", exc.fix) from None
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
                code=_config_code(err["type"]),
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


# pydantic's error types, folded into the documented config codes (docs/reason-codes.md); the message keeps the detail.
_PYDANTIC_CODES = {"missing": "config.missing", "extra_forbidden": "config.unknown_field", "value_error": "config.value_error",
                   "assertion_error": "config.value_error"}


def _config_code(pydantic_type: str) -> str:
    return _PYDANTIC_CODES.get(pydantic_type, "config.invalid_value")
