"""Incoming SMS: kept once, understood, and handed to whoever must act.

``1``/``JA`` confirms the latest reminder that asked for it; ``2``/``NEJ``/``AVBOKA`` starts the
cancellation path; ``STOPP``/``STOP`` opts out of SMS (one confirming SMS; from a proxy's phone,
out of the copies of reminders), ``START`` opts in; anything else is a message for the worker.
Only the whole message counts as a keyword: "Nej, jag mår dåligt" is a message a person must
read, not a cancellation.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Client, InboundMessage, Outbox, OutboxKind, OutboxState, Proxy

from . import hooks
from .outbox import cancel_proxy_copies, queue_sms
from .texts import render

log = logging.getLogger(__name__)

CONFIRM, CANCEL, STOP, START, MESSAGE = "confirm", "cancel", "stop", "start", "message"
KEYWORDS = {
    "1": CONFIRM,
    "JA": CONFIRM,
    "2": CANCEL,
    "NEJ": CANCEL,
    "AVBOKA": CANCEL,
    "STOPP": STOP,
    "STOP": STOP,
    "START": START,
}
#: A "1" answers a reminder sent at most this long ago.
REPLY_LOOKBACK = timedelta(hours=24)
#: Longest body we keep; Twilio joins segments up to 1,600 characters, anything more is noise.
MAX_BODY = 5000


def meaning_of(body: str) -> str:
    """What a message means: a keyword on its own (any case, punctuation or emoji), or a message."""
    word = re.sub(r"[\W_]+", "", body).upper()
    return KEYWORDS.get(word, MESSAGE)


def awaiting_reply(session: Session, client_id: int, now: datetime) -> Outbox | None:
    """The newest reminder to this client that asked for "1" and has no answer yet."""
    return session.scalar(
        select(Outbox)
        .where(
            Outbox.client_id == client_id,
            Outbox.kind == OutboxKind.SMS,
            Outbox.reply_window_minutes.is_not(None),
            Outbox.replied_at.is_(None),
            Outbox.state.in_([OutboxState.SENT, OutboxState.DELIVERED]),
            Outbox.sent_at >= now - REPLY_LOOKBACK,
        )
        .order_by(Outbox.sent_at.desc(), Outbox.id.desc())
        .limit(1)
    )


def receive_sms(
    session: Session, sid: str, from_phone: str, to_phone: str, body: str, now: datetime
) -> InboundMessage:
    """Keep an incoming SMS once (Twilio may send it again) and act on what it means."""
    existing = session.scalar(select(InboundMessage).where(InboundMessage.provider_id == sid))
    if existing is not None:
        return existing
    client = session.scalar(select(Client).where(Client.phone == from_phone))
    inbound = InboundMessage(
        provider_id=sid[:64],
        from_phone=from_phone[:20],
        to_phone=to_phone[:20],
        body=body[:MAX_BODY],
        client_id=client.id if client else None,
        meaning=meaning_of(body),
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(inbound)
    except IntegrityError:  # a retried delivery of the same SMS raced us
        return session.scalars(
            select(InboundMessage).where(InboundMessage.provider_id == sid)
        ).one()
    if client is None and inbound.meaning == STOP and proxy_opt_out(session, from_phone, now):
        inbound.action = "proxy_opted_out"
    elif client is None:
        log.info("SMS %s from a number that is no client's", sid)
        inbound.action = "unknown_number"
        hooks.call(hooks.MESSAGE, session, inbound, None, now)
    else:
        _act(session, inbound, client, now)
    session.flush()
    return inbound


def _act(session: Session, inbound: InboundMessage, client: Client, now: datetime) -> None:
    meaning = inbound.meaning
    if meaning in (CONFIRM, CANCEL):
        reminder = awaiting_reply(session, client.id, now)
        if reminder is not None:
            reminder.reply = "1" if meaning == CONFIRM else "2"
            reminder.replied_at = now
            inbound.outbox_id = reminder.id
    if meaning == CONFIRM:
        inbound.action = "confirmed" if inbound.outbox_id else "nothing_to_confirm"
    elif meaning == CANCEL:
        hooks.call(hooks.CANCEL_REPLY, session, inbound, client, now)
    elif meaning == STOP:
        opt_out(session, client, now)
        inbound.action = "opted_out"
    elif meaning == START:
        opt_in(session, client, now)
        inbound.action = "opted_in"
    else:
        hooks.call(hooks.MESSAGE, session, inbound, client, now)


def opt_out(session: Session, client: Client, now: datetime) -> None:
    """Stop SMS to ``client``; confirm with one last SMS (not again on a repeated STOPP)."""
    if client.sms_opt_out:
        return
    client.sms_opt_out = True
    client.sms_opt_out_at = now
    queue_sms(
        session,
        client.phone,
        render("opted_out", client.language),
        purpose="opt_out",
        client_id=client.id,
        due_at=now,
    )


def proxy_opt_out(session: Session, phone: str, now: datetime) -> bool:
    """STOPP from a proxy's phone: no more copies of reminders, queued ones withdrawn, and one
    SMS saying so. Returns whether the number was a proxy's that got reminders."""
    proxies = list(session.scalars(select(Proxy).where(Proxy.phone == phone, Proxy.gets_reminders)))
    for proxy in proxies:
        proxy.gets_reminders = False
        client = proxy.client
        queue_sms(
            session,
            phone,
            render("proxy_opted_out", client.language, name=client.first_name),
            purpose="opt_out",
            client_id=client.id,
            due_at=now,
        )
    if proxies:
        cancel_proxy_copies(session, phone, "proxy sent STOPP")
    return bool(proxies)


def opt_in(session: Session, client: Client, now: datetime) -> None:
    """Allow SMS to ``client`` again and say so."""
    if not client.sms_opt_out:
        return
    client.sms_opt_out = False
    client.sms_opt_out_at = None
    queue_sms(
        session,
        client.phone,
        render("opted_in", client.language),
        purpose="opt_in",
        client_id=client.id,
        due_at=now,
    )
