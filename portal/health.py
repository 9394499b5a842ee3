"""GET /healthz (is the process alive) and GET /readyz (may it be sent traffic).

/healthz stays cheap, for a supervisor that restarts a hung process. /readyz is for the load
balancer and for the operator after an upgrade: it says which version runs and whether the
database schema is the one this version needs.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify

from models.migrate import current_revision, head_revision

from .database import get_db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

#: Files every page needs; a package built without them serves nothing but errors.
NEEDED_TEMPLATE = "base.html"
NEEDED_STATIC = "app.css"


@bp.get("/healthz")
def healthz():
    db_ok = get_db().ping()
    dispatcher = current_app.extensions["boendestod.dispatcher"]
    body = {
        "status": "ok" if db_ok else "error",
        "db": "ok" if db_ok else "unreachable",
        "scheduler": "ok" if dispatcher.running else "off",
    }
    return jsonify(body), 200 if db_ok else 503


def package_version() -> str:
    try:
        return version("boendestod")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _schema() -> dict[str, object]:
    head = head_revision()
    try:
        current = current_revision(get_db().engine)
    except Exception:
        log.warning("readiness: the database cannot be reached", exc_info=True)
        return {"status": "unreachable", "revision": None, "head": head}
    if current == head:
        status = "ok"
    else:
        status = "behind"  # or ahead: a newer release migrated it; either way, not ours
    return {"status": status, "revision": current, "head": head}


def _files(app: Flask) -> dict[str, str]:
    template = Path(app.template_folder or "", NEEDED_TEMPLATE)
    static = Path(app.static_folder or "", NEEDED_STATIC)
    return {
        "templates": "ok" if template.is_file() else "missing",
        "static": "ok" if static.is_file() else "missing",
    }


@bp.get("/readyz")
def readyz():
    schema = _schema()
    files = _files(current_app)
    ready = schema["status"] == "ok" and set(files.values()) == {"ok"}
    body = {
        "status": "ready" if ready else "not ready",
        "version": package_version(),
        "database": schema,
        **files,
    }
    return jsonify(body), 200 if ready else 503
