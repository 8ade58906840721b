"""Tables built from a module's DWARF, kept on disk per build-id so a second run skips the parse.

A build-id names one exact build of a file, so a table saved under it never goes stale. Files
live in ``$XDG_CACHE_HOME/renacer/<FORMAT>/<kind>/<build-id>.pickle`` (``~/.cache`` when the
variable is unset); FORMAT changes whenever a table's layout does, so an older renacer's files
are never misread. Every failure (no home, a read-only disk, a truncated file) reads as "not
cached": the cache can make a run faster, never make it fail.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

FORMAT = "v1"


def root() -> Path:
    """The cache folder (created on first store)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "renacer" / FORMAT


def _path(kind: str, build_id: str) -> Path | None:
    if not build_id or not all(c in "0123456789abcdef" for c in build_id):
        return None  # no build-id, no safe name: never cache what cannot be told apart
    return root() / kind / f"{build_id}.pickle"


def load(kind: str, build_id: str) -> object | None:
    """The object stored under (kind, build_id), or None."""
    path = _path(kind, build_id)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 - a missing or damaged entry is only a miss
        return None


def store(kind: str, build_id: str, value: object) -> bool:
    """Save ``value`` under (kind, build_id), atomically; False when it could not be saved."""
    path = _path(kind, build_id)
    if path is None:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{build_id}.")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers see the old file or the whole new one
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # noqa: BLE001 - an unwritable cache only costs the next run time
        return False
    return True
