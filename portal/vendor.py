"""Browser libraries from npm, vendored into the package when it is built (see setup.py).

Only what the build step copied into ``portal/vendor`` is reachable; node_modules is never served.
"""

from __future__ import annotations

from flask import Blueprint, send_from_directory

from .resources import VENDOR

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<name>")
def asset(name: str):
    # send_from_directory answers 404 for a missing file and refuses paths outside VENDOR.
    return send_from_directory(VENDOR, name, max_age=86400)
