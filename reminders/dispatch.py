"""The dispatcher: claim due outbox rows, hand them to the provider, record what happened.

Claims are safe with several processes: PostgreSQL uses ``FOR UPDATE SKIP LOCKED``; SQLite takes
its write lock at BEGIN, so the conditional update is atomic. A claim older than the lease (its
process died mid-batch) is taken over, which is why a crash can cause at most one duplicate.
No database session is held while the provider is called.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from models import Database, Outbox, OutboxKind, OutboxState, utcnow

from .providers import PermanentFailure, ProviderError, Telephony

log = logging.getLogger(__name__)

#: Waits before the 1st, 2nd … retry after a temporary failure; the last repeats.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(hours=4),
)
#: Give up on temporary failures this long after the message first fell due.
GIVE_UP_AFTER = timedelta(hours=72)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    kind: OutboxKind
    to_phone: str
    body: str
    due_at: datetime
    #: Attempts including this one.
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed attempt."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def claim_due(
    db: Database, now: datetime, limit: int = 100, only: Iterable[int] | None = None
) -> list[Claimed]:
    """Claim up to ``limit`` due rows (or just ``only``) for this process."""
    token = uuid.uuid4().hex
    due = or_(
        and_(Outbox.state == OutboxState.QUEUED, Outbox.next_attempt_at <= now),
        and_(Outbox.state == OutboxState.SENDING, Outbox.claimed_at < now - LEASE),
    )
    query = select(Outbox.id).where(due).order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    if only is not None:
        query = query.where(Outbox.id.in_(list(only)))
    with db.transaction() as session:
        if db.is_postgres:
            ids = list(session.scalars(query.with_for_update(skip_locked=True)))
            target = Outbox.id.in_(ids)
        else:
            target = Outbox.id.in_(query.scalar_subquery())
        session.execute(
            update(Outbox)
            .where(target)
            .values(
                state=OutboxState.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=Outbox.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(
            select(
                Outbox.id, Outbox.kind, Outbox.to_phone, Outbox.body, Outbox.due_at, Outbox.attempts
            )
            .where(Outbox.claim_token == token)
            .order_by(Outbox.next_attempt_at, Outbox.id)
        )
        return [
            Claimed(r.id, token, r.kind, r.to_phone, r.body, r.due_at, r.attempts) for r in rows
        ]


def _finish(db: Database, claimed: Claimed, **values: object) -> None:
    """Record an outcome, unless another process has taken the claim over since."""
    with db.transaction() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == claimed.id, Outbox.claim_token == claimed.token)
            .values(claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )


def send_claimed(db: Database, telephony: Telephony, claimed: Claimed, twiml_url: str) -> None:
    """Hand one claimed row to its provider and record the result."""
    try:
        if claimed.kind is OutboxKind.SMS:
            sent = telephony.sms.send(claimed.to_phone, claimed.body)
        else:
            sent = telephony.voice.send(claimed.to_phone, f"{twiml_url}/{claimed.id}", claimed.body)
    except PermanentFailure as exc:
        log.warning("outbox %s failed for good: %s", claimed.id, exc)
        _finish(db, claimed, state=OutboxState.FAILED, last_error=str(exc)[:300])
        return
    except ProviderError as exc:
        _retry_later(db, claimed, str(exc))
        return
    state = OutboxState.DELIVERED if sent.status == "delivered" else OutboxState.SENT
    _finish(
        db,
        claimed,
        state=state,
        provider_id=sent.provider_id,
        provider_status=sent.status,
        sent_at=utcnow(),
        last_error=None,
    )


def _retry_later(db: Database, claimed: Claimed, error: str) -> None:
    now = utcnow()
    if now - claimed.due_at > GIVE_UP_AFTER:
        log.warning("outbox %s given up after %s attempts: %s", claimed.id, claimed.attempts, error)
        _finish(db, claimed, state=OutboxState.FAILED, last_error=error[:300])
        return
    log.info("outbox %s will be retried (attempt %s): %s", claimed.id, claimed.attempts, error)
    _finish(
        db,
        claimed,
        state=OutboxState.QUEUED,
        next_attempt_at=now + retry_delay(claimed.attempts),
        last_error=error[:300],
    )


def sweep(
    db: Database,
    telephony: Telephony,
    twiml_url: str,
    now: datetime | None = None,
    batch: int = 200,
    only: Iterable[int] | None = None,
) -> int:
    """Send everything due now (or the rows in ``only``); return how many were handed over."""
    handled = 0
    while True:
        claimed = claim_due(db, now or utcnow(), batch, only)
        for row in claimed:
            send_claimed(db, telephony, row, twiml_url)
        handled += len(claimed)
        if len(claimed) < batch or only is not None:
            return handled
