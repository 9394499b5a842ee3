"""Twilio Voice webhooks for bridged calls; every request must carry Twilio's signature."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from models import Database, VideoSession, utcnow
from models.numbers import whole_number
from reminders.twilio_auth import public_request_url, twilio_signed

from . import calls

bp = Blueprint("video_webhooks", __name__, url_prefix="/webhooks/twilio/voice/bridge")
#: ``app.config`` key of the number bridged calls show: the municipality's.
CALLER_ID_KEY = "VIDEO_CALLER_ID"
#: The longest call Twilio places (its time limit is at most 24 hours).
MAX_CALL_SECONDS = 24 * 3600


def _db() -> Database:
    return current_app.extensions["boendestod.db"]


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


@bp.post("/<int:session_id>")
@twilio_signed
def bridge(session_id: int) -> Response:
    """The worker answered: say who comes, then dial the client from the municipality's number."""
    done_url = public_request_url().rsplit("?", 1)[0] + "/klar"
    with _db().transaction() as s:
        vs = s.get(VideoSession, session_id)
        if vs is None:
            return _xml(calls.twiml_done())
        return _xml(calls.twiml_bridge(vs, current_app.config[CALLER_ID_KEY], done_url))


@bp.post("/<int:session_id>/klar")
@twilio_signed
def done(session_id: int) -> Response:
    """The dial to the client ended; a completed call becomes a delivered visit."""
    status = request.form.get("DialCallStatus", "")
    # Twilio ends any call within a day; a duration beyond that (or no number) is none at all.
    seconds = whole_number(request.form.get("DialCallDuration"), MAX_CALL_SECONDS) or 0
    with _db().transaction() as s:
        vs = s.get(VideoSession, session_id)
        if vs is not None:
            calls.record_bridge_result(s, vs, status, seconds, utcnow())
    return _xml(calls.twiml_done())
