"""The dev outbox: every SMS and call the dev provider "sent", as a simple phone inbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template

from reminders.providers import dev_messages

from ..database import session
from ..phones import display

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.before_request
def _only_with_dev_provider():  # type: ignore[no-untyped-def]
    if not current_app.extensions["boendestod.telephony"].is_dev:
        abort(404)


@bp.get("/outbox")
def outbox():  # type: ignore[no-untyped-def]
    messages = dev_messages(session())
    return render_template("dev/outbox.html", messages=messages, display=display)


@bp.get("/outbox.json")
def outbox_json():  # type: ignore[no-untyped-def]
    return jsonify(
        [
            {
                "id": m.id,
                "to": m.to_phone,
                "body": m.body,
                "kind": m.kind.value,
                "created_at": m.created_at.isoformat(),
                "status": m.status,
            }
            for m in dev_messages(session())
        ]
    )
