"""Match a file's column headers to the fields an audit needs: explicit first, then by synonyms."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Problem, Severity
from .fields import FieldSpec, field_specs, normalise


@dataclass
class ColumnMapping:
    """field name -> header in the file, and how each was decided (explicit or auto)."""

    columns: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)

    def drop(self, name: str) -> None:
        self.columns.pop(name, None)
        self.how.pop(name, None)


def find_header(headers: list[str], wanted: str) -> str | None:
    """The header equal to `wanted`, else the one equal after normalising."""
    if wanted in headers:
        return wanted
    key = normalise(wanted)
    matches = [h for h in headers if normalise(h) == key]
    return matches[0] if len(matches) == 1 else None


def map_columns(kind: str, headers: list[str], explicit: dict[str, str | None], reserved: set[str],
                file: str, sheet: str | None) -> tuple[ColumnMapping, list[Problem]]:
    specs = {s.name: s for s in field_specs(kind)}
    mapping, problems = ColumnMapping(), []
    shown_headers = ", ".join(repr(h) for h in headers if h) or "(none)"
    for name, header in explicit.items():
        if name not in specs:
            problems.append(Problem("mapping.unknown_field", f"`columns:` names unknown {kind} field {name!r}; known fields: {', '.join(specs)}",
                                    Severity.ERROR, file, sheet, None, name))
            continue
        if header is None:  # the consultant said: this file has no such field, do not guess one
            continue
        found = find_header(headers, header)
        if found is None:
            problems.append(Problem("mapping.column_not_found", f"column {header!r} mapped to {name!r} is not in the file; columns are: {shown_headers}",
                                    Severity.ERROR, file, sheet, None, header))
            continue
        mapping.columns[name], mapping.how[name] = found, "explicit"
    used = set(mapping.columns.values()) | reserved
    for spec in specs.values():
        if spec.name in explicit:  # a failed explicit mapping is reported once, not guessed around
            continue
        found = _auto_match(spec, headers, used)
        if found is not None:
            mapping.columns[spec.name], mapping.how[spec.name] = found, "auto"
            used.add(found)
        elif spec.required:
            problems.append(Problem("mapping.required_missing",
                                    f"no column for required field {spec.name!r} ({spec.description or spec.type}); columns are: {shown_headers}. "
                                    f"Map it in audit.yaml: columns: {{{spec.name}: 'Your header'}}",
                                    Severity.ERROR, file, sheet, None, spec.name))
    return mapping, problems


def _auto_match(spec: FieldSpec, headers: list[str], used: set[str]) -> str | None:
    by_key: dict[str, str] = {}
    for header in headers:
        if header and header not in used:
            by_key.setdefault(normalise(header), header)
    # The field's own name first, then synonyms in order of preference.
    for candidate in (spec.name, *spec.synonyms):
        header = by_key.get(normalise(candidate))
        if header is not None:
            return header
    return None
