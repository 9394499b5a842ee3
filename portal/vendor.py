"""Browser libraries installed from npm (``npm ci`` at setup), served from node_modules.

Only the files listed here are reachable; nothing else in node_modules is exposed.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
FILES = {"socket.io.min.js": "socket.io-client/dist/socket.io.min.js"}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<name>")
def asset(name: str):  # type: ignore[no-untyped-def]
    relative = FILES.get(name)
    path = NODE_MODULES / relative if relative else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, max_age=86400)
