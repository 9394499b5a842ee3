"""The dispatcher: claim due outbox rows, hand them to the provider, record what happened.

Claims are safe with several processes: PostgreSQL uses ``FOR UPDATE SKIP LOCKED``; SQLite takes
its write lock at BEGIN, so reading due rows and updating them is atomic. A claim older than the
lease (its process died mid-batch) is taken over and marked *in doubt*. On this plain path an
in-doubt row is sent again, so a crash can cause at most one duplicate per message in flight;
the path the app uses with Twilio (``reminders.inflight``) looks in-doubt rows up at Twilio
first and sends none twice. No database session is held while the provider is called: a claim
commits, the call is made, then a short transaction records the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models import Client, Database, DeliveryEvent, Outbox, OutboxKind, OutboxState, utcnow

from . import hooks, metrics
from .budget import within_budget
from .delivery import apply_pending_events
from .osthreads import gevent_patched, run_in_os_thread
from .providers import PermanentFailure, ProviderError, Telephony

log = logging.getLogger(__name__)

#: Waits before the 1st, 2nd … retry after a temporary failure; the last repeats. Short at
#: first (a blip), then 5-minute steps so a provider outage of minutes delays little.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
#: Give up on temporary failures this long after the message first fell due.
GIVE_UP_AFTER = timedelta(hours=72)
LEASE = timedelta(minutes=5)
#: Messages on the wire at once when the provider can do that (see ``reminders.inflight``).
IN_FLIGHT = 32
#: After a temporary failure the rest of the batch waits this long instead of hammering.
PAUSE = timedelta(seconds=10)
#: No reminder between these local times unless the client chose such a time.
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
#: Purposes that go out even to a client who sent STOPP: asked for, or confirming the STOPP.
DESPITE_OPT_OUT = {"login_code", "opt_out", "opt_in"}
STOCKHOLM = ZoneInfo("Europe/Stockholm")


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


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed attempt."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def in_quiet_hours(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def end_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first moment at or after ``moment`` outside the quiet hours."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(moment, zone):
        return moment
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(UTC)


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
    with _write(db) as session:
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
_sqlite_writes = threading.Lock()


@contextmanager
def _write(db: Database) -> Iterator[Session]:
    if db.is_postgres:
        with db.transaction() as session:
            yield session
    else:
        with _sqlite_writes, db.transaction() as session:
            yield session


def _finish(db: Database, claimed: Claimed, **values: object) -> Session | None:
    """Record an outcome, unless another process has taken the claim over since."""
    with _write(db) as session:
        result = session.execute(
            update(Outbox)
            .where(Outbox.id == claimed.id, Outbox.claim_token == claimed.token)
            .values(claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )
        return session if result.rowcount else None


def _fail(db: Database, claimed: Claimed, now: datetime, error: str, code: int | None) -> None:
    """Stop for good and tell the worker, in one transaction."""
    with _write(db) as session:
        result = session.execute(
            update(Outbox)
            .where(Outbox.id == claimed.id, Outbox.claim_token == claimed.token)
            .values(
                claim_token=None,
                state=OutboxState.FAILED,
                last_error=error[:300],
                error_code=code,
                followed_up_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            metrics.count_failure(claimed.kind, code, final=True)
            row = session.get(Outbox, claimed.id)
            if row is not None and row.client_id is not None:
                hooks.call(hooks.UNDELIVERABLE, session, row, now)


def send_claimed(
    db: Database,
    telephony: Telephony,
    claimed: Claimed,
    twiml_url: str,
    now: datetime | None = None,
    zone: ZoneInfo = STOCKHOLM,
) -> str:
    """Hand one claimed row to its provider and record the result; return what happened."""
    now = now or utcnow()
    settled = settle_unsendable(db, claimed, now, zone)
    if settled is not None:
        return settled
    try:
        if claimed.kind is OutboxKind.SMS:
            sent = telephony.sms.send(claimed.to_phone, claimed.body)
        else:
            sent = telephony.voice.send(claimed.to_phone, f"{twiml_url}/{claimed.id}", claimed.body)
    except PermanentFailure as exc:
        log.warning("outbox %s failed for good: %s", claimed.id, exc)
        _fail(db, claimed, now, str(exc), exc.code)
        return "failed"
    except ProviderError as exc:
        return _retry_later(db, claimed, str(exc), exc.code, now)
    _record_sent(db, claimed, sent.provider_id, sent.status, utcnow())
    return "sent"


def settle_unsendable(db: Database, claimed: Claimed, now: datetime, zone: ZoneInfo) -> str | None:
    """Record the outcome of a row that must not go out now (too late, STOPP, quiet hours)."""
    if claimed.expires_at is not None and now >= claimed.expires_at:
        if claimed.attempts > 1:  # it kept failing until too late: the worker must know
            _fail(db, claimed, now, "not delivered in time", None)
            return "failed"
        _finish(db, claimed, state=OutboxState.CANCELLED, last_error="too late to be useful")
        return "cancelled"
    if claimed.kind is OutboxKind.SMS and claimed.opted_out:
        if claimed.purpose not in DESPITE_OPT_OUT:
            _finish(db, claimed, state=OutboxState.CANCELLED, last_error="client sent STOPP")
            return "cancelled"
    if claimed.quiet_hours and in_quiet_hours(now, zone):
        # Not counted as an attempt: nothing was tried.
        _finish(
            db,
            claimed,
            state=OutboxState.QUEUED,
            next_attempt_at=end_of_quiet_hours(now, zone),
            attempts=claimed.attempts - 1,
        )
        return "deferred"
    return None


def _record_sent(db: Database, claimed: Claimed, sid: str, status: str, at: datetime) -> None:
    state = OutboxState.DELIVERED if status == "delivered" else OutboxState.SENT
    window = claimed.reply_window_minutes
    with _write(db) as session:
        result = session.execute(
            update(Outbox)
            .where(Outbox.id == claimed.id, Outbox.claim_token == claimed.token)
            .values(
                claim_token=None,
                state=state,
                provider_id=sid,
                provider_status=status,
                sent_at=at,
                delivered_at=at if state is OutboxState.DELIVERED else None,
                last_error=None,
                reply_due_at=at + timedelta(minutes=window) if window else None,
            )
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
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


def _retry_later(
    db: Database, claimed: Claimed, error: str, code: int | None, now: datetime
) -> str:
    if now - claimed.due_at > GIVE_UP_AFTER:
        log.warning("outbox %s given up after %s attempts: %s", claimed.id, claimed.attempts, error)
        _fail(db, claimed, now, f"gave up after 72 h: {error}", code)
        return "failed"
    log.info("outbox %s will be retried (attempt %s): %s", claimed.id, claimed.attempts, error)
    metrics.count_failure(claimed.kind, code, final=False)
    _finish(
        db,
        claimed,
        state=OutboxState.QUEUED,
        next_attempt_at=now + retry_delay(claimed.attempts),
        last_error=error[:300],
        error_code=code,
    )
    return "retry"


def _release(db: Database, rows: list[Claimed], now: datetime) -> None:
    """Give claimed rows back untried: the provider is in trouble, wait a little."""
    with _write(db) as session:
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


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def sweep(
    db: Database,
    telephony: Telephony,
    twiml_url: str,
    now: datetime | None = None,
    batch: int = 200,
    only: Iterable[int] | None = None,
    workers: int = 1,
    zone: ZoneInfo = STOCKHOLM,
    concurrency: int = IN_FLIGHT,
    budget: int | None = None,
) -> int:
    """Send everything due now (or the rows in ``only``); return how many were handed over.

    A provider that can keep many messages in flight (Twilio's async client) gets up to
    ``concurrency`` at once from one event loop: see ``reminders.inflight``. Otherwise, with
    ``workers`` > 1 a small thread pool makes the provider calls of a batch side by side.
    When one call fails for a passing reason, the rest of the batch is given back untried.
    """
    if concurrency > 1 and hasattr(telephony.sms, "open_async"):
        from .inflight import sweep_in_flight  # imports this module

        args = (db, telephony, twiml_url, now, batch, only, concurrency, zone, budget)
        if not _in_event_loop() and not gevent_patched():
            return sweep_in_flight(*args)
        # Inside an event loop, or under gevent (where every greenlet shares one OS thread and
        # so one running loop), the sweep's own loop runs on a real thread of its own.
        return run_in_os_thread(sweep_in_flight, *args)
    handled = 0
    pool = ThreadPoolExecutor(workers, thread_name_prefix="outbox") if workers > 1 else None
    try:
        while True:
            moment = now or utcnow()
            claimed = claim_due(db, moment, batch, only, budget)
            trouble = threading.Event()

            def one(row: Claimed, trouble: threading.Event = trouble) -> str:
                if trouble.is_set():
                    return "untried"
                outcome = send_claimed(db, telephony, row, twiml_url, now, zone)
                if outcome == "retry":
                    trouble.set()
                return outcome

            outcomes = list(pool.map(one, claimed)) if pool else [one(row) for row in claimed]
            untried = [row for row, o in zip(claimed, outcomes, strict=True) if o == "untried"]
            if untried:
                _release(db, untried, moment)
            handled += outcomes.count("sent")
            if len(claimed) < batch or only is not None or trouble.is_set():
                return handled
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
