"""Delivery receipts: status callbacks recorded once, applied forwards only, never lost.

Twilio retries a callback it got no answer to, may send statuses out of order, and may call
back before the dispatcher has stored the message's SID. Each (SID, status) is kept once as a
``DeliveryEvent``; an event for a SID we do not know yet waits and is applied when the
dispatcher records that SID. A row never moves backwards: ``delivered`` stays ``delivered``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import DeliveryEvent, Outbox, OutboxKind, OutboxState

from . import hooks
from .providers import CALL_NOT_ANSWERED, RANK, our_status

log = logging.getLogger(__name__)

#: A call that ends without a key pressed within this long of the last callback is "silent".
CALL_WINDOW = timedelta(minutes=30)


def record_status(
    session: Session, sid: str, status: str, error_code: int | None, now: datetime
) -> str:
    """Keep one status callback and apply it; return "applied", "duplicate" or "unknown"."""
    status = status.strip().lower()[:32]
    if session.scalar(
        select(DeliveryEvent.id).where(
            DeliveryEvent.provider_id == sid, DeliveryEvent.status == status
        )
    ):
        return "duplicate"
    row = session.scalar(select(Outbox).where(Outbox.provider_id == sid))
    event = DeliveryEvent(
        provider_id=sid,
        status=status,
        error_code=error_code,
        outbox_id=row.id if row else None,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:  # the same callback, retried by Twilio, raced us
        return "duplicate"
    if row is None:
        log.info("status %s for %s, which has no outbox row (yet)", status, sid)
        return "unknown"
    apply_status(session, row, status, error_code, now)
    return "applied"


def apply_status(
    session: Session, row: Outbox, status: str, error_code: int | None, now: datetime
) -> None:
    """Move ``row`` forward by one provider status, and tell the worker when it failed."""
    new = our_status(status)
    if new is None:
        log.info("outbox %s: unknown provider status %r kept, not applied", row.id, status)
        return
    if RANK[new] > RANK[row.state]:
        row.state = new
        row.provider_status = status
        if new is OutboxState.DELIVERED:
            row.delivered_at = now
        if new is OutboxState.FAILED:
            row.error_code = error_code
            row.last_error = f"provider status {status}" + (
                f" ({error_code})" if error_code else ""
            )
    if row.kind is OutboxKind.CALL:
        if status in CALL_NOT_ANSWERED:
            call_back(session, row, now, status)
        elif status == "completed" and row.reply is None:
            call_back(session, row, now, "silent")
    elif row.state is OutboxState.FAILED and new is OutboxState.FAILED:
        if row.followed_up_at is None and row.client_id is not None:
            row.followed_up_at = now
            hooks.call(hooks.UNDELIVERABLE, session, row, now)
    session.flush()


def call_back(session: Session, row: Outbox, now: datetime, reason: str) -> None:
    """Ask the worker to call the client (once per call), for ``reason``."""
    if row.followed_up_at is not None:
        return
    row.followed_up_at = now
    if row.reply is None:
        row.reply = "2" if reason == "pressed_2" else "none"
        row.replied_at = now if reason == "pressed_2" else None
    session.flush()
    if row.client_id is not None:
        hooks.call(hooks.CALL_BACK, session, row, now, reason)


def apply_pending_events(session: Session, row: Outbox, now: datetime) -> None:
    """Apply callbacks that arrived for ``row``'s SID before the SID was stored."""
    if not row.provider_id:
        return
    waiting = list(
        session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.provider_id == row.provider_id, DeliveryEvent.outbox_id.is_(None))
            .order_by(DeliveryEvent.id)
        )
    )
    for event in sorted(waiting, key=lambda e: RANK.get(our_status(e.status), -1)):  # type: ignore[arg-type]
        event.outbox_id = row.id
        apply_status(session, row, event.status, event.error_code, now)
