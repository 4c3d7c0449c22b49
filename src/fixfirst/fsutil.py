"""Atomic file writes: a temp file in the target folder, then a rename; temp files left by a killed writer are removed."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A temp file older than this was left by a writer that was killed: every write here takes seconds at most.
STALE_TEMP_SECONDS = 10 * 60
# The random part mkstemp puts between prefix and suffix (tempfile's name sequence: 8 of a-z, 0-9 and _).
TEMP_NAME_PART = r"[a-z0-9_]{8}"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it replaces `target` in one rename.

    A crash or an exception leaves the previous `target` untouched and removes the temp file; the temp files of
    `target` that a killed process could not remove are cleared on the next write (remove_stale_temps).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the mode any new file of the user's would have.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def remove_stale_temps(target: Path, older_than: float = STALE_TEMP_SECONDS) -> int:
    """Remove the temp files of `target` that a writer killed mid-write left behind (`.NAME.xxxxxxxx.tmp`, as
    mkstemp names them here), once older than `older_than` seconds: a live save takes milliseconds, so a younger
    one may still be another process's. Only regular files of exactly that pattern, never a symlink. Returns how
    many were removed; a folder or file that cannot be read or removed is left as it is."""
    target = Path(target)
    pattern = re.compile(re.escape(f".{target.name}.") + TEMP_NAME_PART + re.escape(".tmp"))
    now, removed = time.time(), 0
    try:
        entries = os.scandir(target.parent)
    except OSError:
        return 0
    with entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= older_than:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
