"""The steps every sender takes on an outbox row: claim it, record what happened, fail it for
good, retry it later, or give it back untried.

Claims are safe with several processes: PostgreSQL uses ``FOR UPDATE SKIP LOCKED``; SQLite takes
its write lock at BEGIN, so reading due rows and updating them is atomic. A claim older than the
lease (its process died mid-batch) is taken over and marked *in doubt*. No database session is
held while a provider is called: a claim commits, the call is made, then a short transaction
records the outcome (``finish`` and the steps on top of it), unless another process has taken
the claim over since. The senders are built on these steps: ``reminders.threaded`` and
``reminders.inflight``; ``reminders.dispatch`` chooses between them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models import (
    Client,
    Database,
    DeliveryEvent,
    Outbox,
    OutboxKind,
    OutboxState,
    rows_changed,
)

from . import hooks, metrics
from .budget import within_budget
from .delivery import apply_pending_events
from .timing import (
    GIVE_UP_AFTER,
    LEASE,
    PAUSE,
    end_of_quiet_hours,
    in_quiet_hours,
    retry_delay,
)

log = logging.getLogger(__name__)

#: Purposes that go out even to a client who sent STOPP: asked for, or confirming the STOPP.
DESPITE_OPT_OUT = {"login_code", "opt_out", "opt_in"}


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
    purpose: str = "notice"
    quiet_hours: bool = False
    expires_at: datetime | None = None
    opted_out: bool = False
    reply_window_minutes: int | None = None
    #: Taken over from a process that died holding it: it may already be at the provider.
    in_doubt: bool = False


def claim_due(
    db: Database,
    now: datetime,
    limit: int = 100,
    only: Iterable[int] | None = None,
    budget: int | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` due rows (or just ``only``) for this process, taking no more
    asked-for SMS than the hour's ``budget`` has room for (``reminders.budget``)."""
    token = uuid.uuid4().hex
    due = or_(
        and_(Outbox.state == OutboxState.QUEUED, Outbox.next_attempt_at <= now),
        and_(Outbox.state == OutboxState.SENDING, Outbox.claimed_at < now - LEASE),
    )
    if only is not None:
        due = and_(due, Outbox.id.in_(list(only)))
    # SQLite: BEGIN IMMEDIATE already holds the write lock, so read-then-update is atomic.
    with write(db) as session:
        query = (
            select(Outbox.id, Outbox.state)
            .where(within_budget(session, due, budget, now))
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        found = session.execute(query).all()
        if not found:
            return []
        #: Rows a dead process had claimed: it may have handed them over before it died.
        in_doubt = {r.id for r in found if r.state is OutboxState.SENDING}
        session.execute(
            update(Outbox)
            .where(Outbox.id.in_([r.id for r in found]))
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
                Outbox.id,
                Outbox.kind,
                Outbox.to_phone,
                Outbox.body,
                Outbox.due_at,
                Outbox.attempts,
                Outbox.purpose,
                Outbox.quiet_hours,
                Outbox.expires_at,
                Client.sms_opt_out,
                Outbox.reply_window_minutes,
            )
            .outerjoin(Client, Outbox.client_id == Client.id)
            .where(Outbox.claim_token == token)
            .order_by(Outbox.next_attempt_at, Outbox.id)
        )
        return [
            Claimed(
                r.id,
                token,
                r.kind,
                r.to_phone,
                r.body,
                r.due_at,
                r.attempts,
                r.purpose,
                r.quiet_hours,
                r.expires_at,
                bool(r.sms_opt_out),
                r.reply_window_minutes,
                r.id in in_doubt,
            )
            for r in rows
        ]


#: SQLite lets one writer in at a time and makes the others sleep and poll; sending threads of
#: one process queue here instead, which keeps the 08:00 burst fast.
SQLITE_WRITES = threading.Lock()


@contextmanager
def write(db: Database) -> Iterator[Session]:
    if db.is_postgres:
        with db.transaction() as session:
            yield session
    else:
        with SQLITE_WRITES, db.transaction() as session:
            yield session


def _settle(session: Session, claimed: Claimed, **values: object) -> bool:
    """Write an outcome on the row and let the claim go; False when another process has taken
    the claim over since (our lease ran out), and then nothing is written."""
    result = session.execute(
        update(Outbox)
        .where(Outbox.id == claimed.id, Outbox.claim_token == claimed.token)
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(rows_changed(result))


def finish(db: Database, claimed: Claimed, **values: object) -> Session | None:
    """Record an outcome, unless another process has taken the claim over since."""
    with write(db) as session:
        return session if _settle(session, claimed, **values) else None


def fail(db: Database, claimed: Claimed, now: datetime, error: str, code: int | None) -> None:
    """Stop for good and tell the worker, in one transaction."""
    with write(db) as session:
        if _settle(
            session,
            claimed,
            state=OutboxState.FAILED,
            last_error=error[:300],
            error_code=code,
            followed_up_at=now,
        ):
            metrics.count_failure(claimed.kind, code, final=True)
            row = session.get(Outbox, claimed.id)
            if row is not None and row.client_id is not None:
                hooks.call(hooks.UNDELIVERABLE, session, row, now)


def settle_unsendable(db: Database, claimed: Claimed, now: datetime, zone: ZoneInfo) -> str | None:
    """Record the outcome of a row that must not go out now (too late, STOPP, quiet hours)."""
    if claimed.expires_at is not None and now >= claimed.expires_at:
        if claimed.attempts > 1:  # it kept failing until too late: the worker must know
            fail(db, claimed, now, "not delivered in time", None)
            return "failed"
        finish(db, claimed, state=OutboxState.CANCELLED, last_error="too late to be useful")
        return "cancelled"
    if claimed.kind is OutboxKind.SMS and claimed.opted_out:
        if claimed.purpose not in DESPITE_OPT_OUT:
            finish(db, claimed, state=OutboxState.CANCELLED, last_error="client sent STOPP")
            return "cancelled"
    if claimed.quiet_hours and in_quiet_hours(now, zone):
        # Not counted as an attempt: nothing was tried.
        finish(
            db,
            claimed,
            state=OutboxState.QUEUED,
            next_attempt_at=end_of_quiet_hours(now, zone),
            attempts=claimed.attempts - 1,
        )
        return "deferred"
    return None


def record_sent(db: Database, claimed: Claimed, sid: str, status: str, at: datetime) -> None:
    state = OutboxState.DELIVERED if status == "delivered" else OutboxState.SENT
    window = claimed.reply_window_minutes
    with write(db) as session:
        recorded = _settle(
            session,
            claimed,
            state=state,
            provider_id=sid,
            provider_status=status,
            sent_at=at,
            delivered_at=at if state is OutboxState.DELIVERED else None,
            last_error=None,
            reply_due_at=at + timedelta(minutes=window) if window else None,
        )
        if not recorded:
            return  # taken over by another process after our lease ran out
        metrics.count_sent(claimed.kind)
        # A status callback may have come before this commit; it waited for us.
        if session.scalar(
            select(DeliveryEvent.id)
            .where(DeliveryEvent.provider_id == sid, DeliveryEvent.outbox_id.is_(None))
            .limit(1)
        ):
            row = session.get(Outbox, claimed.id)
            assert row is not None
            apply_pending_events(session, row, at)


def retry_later(db: Database, claimed: Claimed, error: str, code: int | None, now: datetime) -> str:
    if now - claimed.due_at > GIVE_UP_AFTER:
        log.warning("outbox %s given up after %s attempts: %s", claimed.id, claimed.attempts, error)
        fail(db, claimed, now, f"gave up after 72 h: {error}", code)
        return "failed"
    log.info("outbox %s will be retried (attempt %s): %s", claimed.id, claimed.attempts, error)
    metrics.count_failure(claimed.kind, code, final=False)
    finish(
        db,
        claimed,
        state=OutboxState.QUEUED,
        next_attempt_at=now + retry_delay(claimed.attempts),
        last_error=error[:300],
        error_code=code,
    )
    return "retry"


def release(db: Database, rows: list[Claimed], now: datetime) -> None:
    """Give claimed rows back untried: the provider is in trouble, wait a little."""
    with write(db) as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id.in_([r.id for r in rows]), Outbox.claim_token == rows[0].token)
            .values(
                state=OutboxState.QUEUED,
                claim_token=None,
                next_attempt_at=now + PAUSE,
                attempts=Outbox.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        )
