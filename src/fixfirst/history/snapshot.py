"""Every audit is kept: a snapshot of its result in ENGAGEMENT/audits/<as-of date>.json, with the data it judged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import FixfirstError
from ..fsutil import atomic_path

if TYPE_CHECKING:
    from ..decision import AuditResult

SCHEMA = "fixfirst.snapshot/1"
AUDITS_DIR = "audits"
MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024  # a snapshot is a few hundred KB; anything this large is not one of ours
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.json$")


@dataclass(frozen=True)
class SavedSnapshot:
    path: Path
    created: bool  # False: an identical snapshot (same data, settings and version) was already there


def file_sha256(path: Path, chunk: int = 1 << 20) -> str | None:
    """The file's checksum, read in chunks (a million-row export is never held in memory twice); None when unreadable."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def data_fingerprint(result: AuditResult) -> list[dict[str, Any]]:
    """Which files the audit judged: each source with its checksum and row counts."""
    engagement = result.engagement
    kept = {(t.kind, t.file): t for t in result.data.tables.values()}
    out: list[dict[str, Any]] = []
    for spec in engagement.audit.sources:
        table = kept.get((spec.kind, Path(spec.file).name)) or kept.get((spec.kind, spec.file))
        out.append({"kind": spec.kind, "file": spec.file, "sha256": file_sha256(engagement.resolve(spec.file)),
                    "rows_read": None if table is None else table.rows_read,
                    "rows_kept": None if table is None else table.rows_kept})
    return out


def settings_digest(result: AuditResult) -> str:
    dumped = json.dumps(result.engagement.settings.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(dumped.encode()).hexdigest()


def snapshot_payload(result: AuditResult, audit: dict[str, Any]) -> dict[str, Any]:
    """The audit as it will be compared later: its score JSON (`audit`, made by the presentation layer) plus what it
    judged and how."""
    return {
        "schema": SCHEMA,
        "fixfirst_version": __version__,
        "as_of": result.as_of.isoformat(),
        "generated_on": result.generated_on.isoformat(),
        "data": data_fingerprint(result),
        "settings_sha256": settings_digest(result),
        "settings": result.engagement.settings.model_dump(mode="json"),
        # The promise defines "late": a later audit that judges another promise must say so beside every late figure.
        "promise": result.engagement.audit.promise.model_dump(mode="json"),
        "audit": json.loads(json.dumps(audit, default=str)),
    }


def _same_audit(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a.get("data") == b.get("data") and a.get("settings_sha256") == b.get("settings_sha256")
            and a.get("fixfirst_version") == b.get("fixfirst_version"))


def audits_folder(engagement_folder: Path) -> Path:
    return Path(engagement_folder) / AUDITS_DIR


def save_snapshot(result: AuditResult, audit: dict[str, Any]) -> SavedSnapshot:
    """Write the snapshot atomically to audits/<as-of>.json; never overwrite a different one.

    The same data judged again with the same settings and version is the same audit: the file already there is kept.
    A different audit with the same as-of date (new settings, corrected data) gets the next free name, <as-of>.2.json.
    """
    payload = snapshot_payload(result, audit)
    folder = audits_folder(result.engagement.folder)
    if folder.is_symlink():
        raise FixfirstError(f"{folder}: the audits folder is a link; snapshots are written only inside the engagement",
                            "replace the link with a real folder")
    base = result.as_of.isoformat()
    for n in range(1, 1000):
        path = folder / (f"{base}.json" if n == 1 else f"{base}.{n}.json")
        if not path.exists():
            break
        try:
            existing = load_snapshot(path)
        except FixfirstError:
            continue  # a broken file is never replaced silently: take the next name
        if _same_audit(existing, payload):
            return SavedSnapshot(path, False)
    else:
        raise FixfirstError(f"{folder}: too many snapshots for {base}", "remove old snapshots from the audits folder")
    text = json.dumps(payload, indent=1, ensure_ascii=False)
    try:
        with atomic_path(path) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FixfirstError(f"{path}: cannot save the audit snapshot ({exc.strerror or exc})",
                            "make the engagement folder writable, or run with --no-snapshot") from None
    return SavedSnapshot(path, True)


def load_snapshot(path: Path) -> dict[str, Any]:
    """A snapshot read back, bounded in size and checked for its schema; a located error otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FixfirstError(f"{path}: cannot read the snapshot ({exc.strerror or exc})", "name an existing snapshot") from None
    if size > MAX_SNAPSHOT_BYTES:
        raise FixfirstError(f"{path}: {size:,} bytes is too large for an audit snapshot", "name a snapshot fixfirst wrote")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixfirstError(f"{path}: not a readable audit snapshot ({exc})", "name a snapshot fixfirst wrote") from None
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA or not isinstance(payload.get("audit"), dict):
        raise FixfirstError(f"{path}: not a {SCHEMA} audit snapshot", "name a snapshot fixfirst wrote in ENGAGEMENT/audits")
    return payload


def list_snapshots(engagement_folder: Path) -> list[Path]:
    """The engagement's snapshots, oldest first (by as-of date, then by their number)."""
    folder = audits_folder(engagement_folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append((dt.date.fromisoformat(match.group(1)), int(match.group(2) or 1), path))
    return [p for _, _, p in sorted(found)]
