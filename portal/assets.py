"""Cache-busting: every static file's URL carries a digest of its content.

``url_for('static', filename='app.css')`` becomes ``/static/app.css?v=3f2a9c1e``, so a proxy
and browsers may keep these files for a year (deploy/nginx) and still fetch a changed file at
once after an upgrade: its address changed with it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int) -> str:
    # The modification time is part of the key so that an edited file gets a new digest.
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_of(path: Path) -> str | None:
    """A short digest of the file's content, or None when there is no such file."""
    if not path.is_file():
        return None
    return _digest(path, path.stat().st_mtime_ns)


def add_version(static: Path, endpoint: str, values: dict[str, object]) -> None:
    """``url_for`` defaults: a static file's link carries its digest (see ``portal.wiring``)."""
    if endpoint != "static" or "v" in values:
        return
    version = version_of(static / str(values.get("filename", "")))
    if version:
        values["v"] = version
