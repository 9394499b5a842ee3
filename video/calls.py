"""Bridged phone calls: the platform rings the worker's phone, then connects the client.

The client sees the municipality's number, never the worker's own. Twilio fetches what to say
and whom to dial from our signature-checked webhooks (``video.webhooks``); the call is placed
only after the transaction that asked for it has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from models import Channel, Database, SessionStatus, VideoSession, Visit, on_commit
from reminders.providers import ProviderError, VoiceClient

from . import services
from .services import Refused

log = logging.getLogger(__name__)
#: A bridged call is cut after this many seconds (a runaway call costs money).
CALL_LIMIT_SECONDS = 2 * 3600


def bridge_url(public_url: str, session_id: int) -> str:
    return f"{public_url}/webhooks/twilio/voice/bridge/{session_id}"


def ring_worker_first(
    session: Session,
    visit: Visit,
    now: datetime,
    *,
    db: Database,
    voice: VoiceClient,
    public_url: str,
    on_placed: Callable[[int, str | None], None] | None = None,
) -> VideoSession:
    """Turn the visit's session (or a new one) into a bridged phone call and place it.

    Refused with "no_phone" when the worker or the client has no number to call.
    """
    if not visit.staff.phone:
        raise Refused("no_phone")
    if not visit.client.phone:
        raise Refused("no_phone")
    vs = services.live_session_for_visit(session, visit.id)
    if vs is None:
        vs = services.open_session(session, visit, Channel.PHONE, now)
    vs.channel = Channel.PHONE
    session.flush()
    session_id, worker_phone = vs.id, visit.staff.phone
    say = f"Boendestödet kopplar dig till {visit.client.first_name}."

    def place() -> None:
        error = None
        try:
            sent = voice.send(worker_phone, bridge_url(public_url, session_id), say)
        except ProviderError as exc:
            log.warning("bridged call for session %s failed: %s", session_id, exc)
            error = str(exc)
            sid = None
        else:
            sid = sent.provider_id
            with db.transaction() as s:
                row = s.get(VideoSession, session_id)
                if row is not None:
                    row.call_sid = sid
        if on_placed is not None:
            on_placed(session_id, error)

    on_commit(session, place)
    return vs


def twiml_bridge(vs: VideoSession, caller_id: str, done_url: str) -> str:
    """What the worker hears when they answer, then a dial to the client from our number."""
    name = escape(vs.visit.client.first_name)
    number = escape(vs.visit.client.phone)
    if vs.status is SessionStatus.ENDED:
        return _response(
            '<Say voice="Polly.Astrid" language="sv-SE">Samtalet är redan avslutat.</Say><Hangup/>'
        )
    return _response(
        f'<Say voice="Polly.Astrid" language="sv-SE">Du kopplas nu till {name}.</Say>'
        f"<Dial callerId={quoteattr(caller_id)} action={quoteattr(done_url)}"
        f' timeLimit="{CALL_LIMIT_SECONDS}"><Number>{number}</Number></Dial>'
    )


def twiml_done() -> str:
    return _response("<Hangup/>")


def record_bridge_result(
    session: Session, vs: VideoSession, status: str, seconds: int, now: datetime
) -> VideoSession:
    """Twilio told us how the dial to the client went: a completed call is a delivered visit."""
    if vs.status is SessionStatus.ENDED:
        return vs
    if status == "completed" and seconds > 0:
        vs.started_at = vs.started_at or now - timedelta(seconds=seconds)
        vs.status = SessionStatus.LIVE
        return services.end(session, vs, now)
    # Busy, no answer, failed: the session stays open so the worker can try again.
    session.flush()
    return vs


def _response(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
