"""GET /healthz: is the database reachable and is the scheduler running."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .database import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    db_ok = get_db().ping()
    dispatcher = current_app.extensions["boendestod.dispatcher"]
    body = {
        "status": "ok" if db_ok else "error",
        "db": "ok" if db_ok else "unreachable",
        "scheduler": "ok" if dispatcher.running else "off",
    }
    return jsonify(body), 200 if db_ok else 503
