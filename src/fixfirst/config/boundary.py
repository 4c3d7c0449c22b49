"""The engagement boundary: every file an engagement names must really lie inside its folder (or a folder it allows)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import FixfirstError


class OutsideEngagement(FixfirstError):
    """A file an engagement names leads outside its folder (and the folders it allows)."""


def real_path(path: Path) -> Path:
    """`path` with every symlink followed; a FixfirstError for a link loop or a path the system cannot follow."""
    try:
        return Path(path).resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
        raise FixfirstError(f"{path}: cannot follow the path ({type(exc).__name__})", "name a plain file inside the engagement folder") from None


def inside_boundary(written: str | Path, folder: Path, allowed: Sequence[Path] = (), *, what: str = "file",
                    may_be_allowed: bool = True) -> Path:
    """The real path of a file an engagement names (relative to `folder`), checked to lie inside `folder` or one of
    `allowed` (real paths). An engagement folder travels between people: a link or an absolute path that leads out
    of it could make the client's report quote any file on the consultant's machine, so it is refused, and the
    message names only the path as written, never anything read from the target. `may_be_allowed`: whether
    audit.yaml's allowed_folders can let such a file in (not for audit.yaml itself, answers or checklists)."""
    named = Path(written).expanduser()
    path = named if named.is_absolute() else Path(folder) / named
    resolved = real_path(path)
    roots = [real_path(Path(folder)), *allowed]
    if any(resolved.is_relative_to(root) for root in roots):
        return resolved
    written_inside = Path(os.path.normpath(path.absolute())).is_relative_to(roots[0])
    how = "is a link that leads" if written_inside else "lies"
    listed = " or a folder listed under allowed_folders: in audit.yaml" if allowed else ""
    fix = "copy the file into the engagement folder" + (" and name it relative to it, or list its folder under "
                                                        "allowed_folders: in audit.yaml if you trust it" if may_be_allowed else "")
    raise OutsideEngagement(f"{written}: this {what} {how} outside the engagement folder{listed}; it was not read", fix)
