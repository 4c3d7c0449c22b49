"""Locate the bundled templates, checklists and samples, in a wheel or in a checkout."""

from __future__ import annotations

from pathlib import Path

BUNDLED_FOLDERS = ("templates", "checklists", "samples")

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """Return the folder `name` (templates, checklists or samples) that ships with fixfirst.

    An installed wheel carries the folders under ``fixfirst/_bundled``; an editable install or
    a plain checkout has them at the repository top, two levels above ``src/fixfirst``.
    """
    if name not in BUNDLED_FOLDERS:
        raise ValueError(f"unknown bundled folder {name!r}; expected one of {BUNDLED_FOLDERS}")
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"fixfirst's bundled '{name}' folder is missing; reinstall fixfirst (pip install --force-reinstall fixfirst)"
    )


def templates_dir() -> Path:
    return bundled_dir("templates")


def samples_dir() -> Path:
    return bundled_dir("samples")


def checklists_dir() -> Path:
    return bundled_dir("checklists")


def sample_engagement(name: str = "juniper-lark") -> Path:
    """The bundled sample engagement folder used by `fixfirst demo`."""
    path = samples_dir() / name
    if not (path / "audit.yaml").is_file():
        raise FileNotFoundError(f"bundled sample engagement {name!r} not found at {path}")
    return path
