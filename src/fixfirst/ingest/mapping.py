"""Match a file's column headers to the fields an audit needs: explicit, then preset, then by synonyms."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Preset
from ..errors import Problem, Severity
from .fields import FieldSpec, field_specs, normalise


@dataclass
class ColumnMapping:
    """field name -> header in the file, and how each was decided (explicit, preset or auto)."""

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


def known_names(kind: str, preset: Preset | None = None) -> set[str]:
    """Every normalised header that means some field of `kind`: used to recognise a header row."""
    names = {normalise(n) for spec in field_specs(kind) for n in (spec.name, *spec.synonyms)}
    if preset is not None:
        names |= {normalise(h) for headers in preset.columns.values() for h in headers}
    return names - {""}


def map_columns(kind: str, headers: list[str], explicit: dict[str, str | None], reserved: set[str],
                file: str, sheet: str | None, preset: Preset | None = None) -> tuple[ColumnMapping, list[Problem]]:
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
    if preset is not None:
        for name, preset_headers in preset.columns.items():
            if name in explicit:
                continue
            found = next((h for h in (find_header(headers, c) for c in preset_headers) if h and h not in used), None)
            if found is not None:
                mapping.columns[name], mapping.how[name] = found, "preset"
                used.add(found)
    for spec in specs.values():
        if spec.name in explicit or spec.name in mapping.columns:
            continue
        candidates = _auto_candidates(spec, headers, used)
        if len(candidates) > 1:
            listed = " or ".join(repr(c) for c in candidates)
            problems.append(Problem("mapping.ambiguous",
                                    f"both {listed} could be field {spec.name!r}; say which in audit.yaml: "
                                    f"columns: {{{spec.name}: '{candidates[0]}'}} (or {spec.name}: null for neither)",
                                    Severity.ERROR, file, sheet, None, spec.name))
            used.update(candidates)
        elif candidates:
            mapping.columns[spec.name], mapping.how[spec.name] = candidates[0], "auto"
            used.add(candidates[0])
        elif spec.required:
            problems.append(Problem("mapping.required_missing",
                                    f"no column for required field {spec.name!r} ({spec.description or spec.type}); columns are: {shown_headers}. "
                                    f"Map it in audit.yaml: columns: {{{spec.name}: 'Your header'}}",
                                    Severity.ERROR, file, sheet, None, spec.name))
    return mapping, problems


def _auto_candidates(spec: FieldSpec, headers: list[str], used: set[str]) -> list[str]:
    """Unclaimed headers that match the field by its name or any synonym, best synonym first.

    More than one means two columns could fit ('Order ID' and 'Order Number'): the consultant chooses.
    """
    keys = [normalise(c) for c in (spec.name, *spec.synonyms)]
    rank = {key: i for i, key in reversed(list(enumerate(keys)))}
    found = [(rank[normalise(h)], i, h) for i, h in enumerate(headers) if h and h not in used and normalise(h) in rank]
    return [h for _, _, h in sorted(found)]
