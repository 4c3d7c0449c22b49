"""Create a new engagement folder from a bundled starter template (one per business type)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import FixfirstError
from .resources import templates_dir


def starter_names() -> list[str]:
    root = templates_dir() / "engagements"
    return sorted(p.name for p in root.iterdir() if (p / "audit.yaml").is_file())


def create_engagement(directory: Path, template: str) -> list[Path]:
    """Copy the starter `template` into `directory`; refuses to touch a non-empty folder."""
    names = starter_names()
    if template not in names:
        raise FixfirstError(f"no starter template named {template!r}", f"choose one of: {', '.join(names)}")
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FixfirstError(f"{directory}: already exists and is not empty", "choose a new folder name, so no client work is overwritten")
    source = templates_dir() / "engagements" / template
    # Copy into a sibling temp folder first, then rename: an interrupted init leaves nothing half-made.
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.init-tmp"
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(source, staging)
    if directory.exists():
        directory.rmdir()
    staging.rename(directory)
    return sorted(p for p in directory.rglob("*") if p.is_file())
