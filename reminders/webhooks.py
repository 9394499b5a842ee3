"""Twilio's callbacks: incoming SMS, delivery status, and the TwiML of check-in calls.

Every route checks Twilio's signature, parses, calls one function in its own short
transaction and answers at once: no provider call is made inline (an SMS it queues is sent by
the dispatcher after the commit). Replays are harmless: SMS and status callbacks are kept once
per SID, and a call's key press is taken once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from models import Client, Outbox, OutboxKind, utcnow
from models.numbers import whole_number

from .delivery import call_back, record_status
from .outbox import WAKE
from .replies import receive_sms
from .texts import render, voice_for
from .twilio_auth import PUBLIC_URL_KEY, twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("twilio_webhooks", __name__, url_prefix="/webhooks/twilio")
XML = "text/xml; charset=utf-8"
#: Twilio's SIDs are 34 characters; our columns keep up to 64. A longer one is not Twilio's.
SID_MAX = 64


@contextmanager
def _transaction() -> Iterator[Session]:
    db = current_app.extensions["boendestod.db"]
    dispatcher = current_app.extensions.get("boendestod.dispatcher")
    with db.transaction() as session:
        if dispatcher is not None:
            session.info[WAKE] = dispatcher.kick
        yield session


def _int(value: str | None) -> int | None:
    return whole_number(value)


@bp.post("/sms")
@twilio_signed
def sms() -> Response:
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        return Response("missing MessageSid or From", 400, mimetype="text/plain")
    if len(sid) > SID_MAX:
        return Response("MessageSid is no Twilio SID", 400, mimetype="text/plain")
    with _transaction() as session:
        receive_sms(session, sid, sender, form.get("To", ""), form.get("Body", ""), utcnow())
    # An empty answer: replies to the client go through the outbox, where they are recorded.
    return Response(str(MessagingResponse()), 200, content_type=XML)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    form = request.form
    sid = form.get("MessageSid") or form.get("CallSid")
    word = form.get("MessageStatus") or form.get("CallStatus") or form.get("SmsStatus")
    if not sid or not word:
        return Response("missing SID or status", 400, mimetype="text/plain")
    if len(sid) > SID_MAX:
        return Response("SID is no Twilio SID", 400, mimetype="text/plain")
    with _transaction() as session:
        record_status(session, sid, word, _int(form.get("ErrorCode")), utcnow())
    return Response(status=204)


def _call(session: Session, outbox_id: int) -> tuple[Outbox | None, str]:
    row = session.get(Outbox, outbox_id)
    if row is None or row.kind is not OutboxKind.CALL:
        return None, "sv"
    client = session.get(Client, row.client_id) if row.client_id else None
    return row, client.language if client else "sv"


@bp.post("/voice/outbox/<int:outbox_id>")
@twilio_signed
def voice(outbox_id: int) -> Response:
    """The greeting, and one key to gather (1 = OK, 2 = call me)."""
    with _transaction() as session:
        row, language = _call(session, outbox_id)
        text = row.body if row is not None else render("call_silent", language)
    voice = voice_for(language)
    twiml = VoiceResponse()
    if row is None:
        twiml.say(text, **voice)
        twiml.hangup()
        return Response(str(twiml), 200, content_type=XML)
    base = current_app.config[PUBLIC_URL_KEY].rstrip("/")
    gather = Gather(
        num_digits=1,
        action=f"{base}{bp.url_prefix}/voice/outbox/{outbox_id}/key",
        method="POST",
        timeout=8,
        action_on_empty_result=True,
    )
    gather.say(text, **voice)
    twiml.append(gather)
    return Response(str(twiml), 200, content_type=XML)


@bp.post("/voice/outbox/<int:outbox_id>/key")
@twilio_signed
def voice_key(outbox_id: int) -> Response:
    """The key the client pressed (or none): thank them, and tell the worker if needed."""
    digit = (request.form.get("Digits") or "").strip()[:1]
    with _transaction() as session:
        key, language = take_key_press(session, outbox_id, digit, utcnow())
    twiml = VoiceResponse()
    twiml.say(render(key, language), **voice_for(language))
    twiml.hangup()
    return Response(str(twiml), 200, content_type=XML)


def take_key_press(session: Session, outbox_id: int, digit: str, now: datetime) -> tuple[str, str]:
    """Act once on the key pressed in a check-in call; return the text key to answer with and
    the language to say it in."""
    row, language = _call(session, outbox_id)
    if row is not None and digit == "1" and row.reply is None:
        row.reply, row.replied_at = "1", now
    elif row is not None and digit != "1":
        call_back(session, row, now, "pressed_2" if digit == "2" else "silent")
    return {"1": "call_ok", "2": "call_back"}.get(digit, "call_silent"), language
