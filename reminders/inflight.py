"""Many messages in flight at once: the 08:00 burst through one event loop.

A message sent through the ``twilio`` library's plain client costs about 1.5 ms of Python under
the GIL (``requests``, ``urllib3``) plus a round trip, so a few sending threads top out near
150 a second. Here one thread runs an event loop with Twilio's async client (aiohttp, pooled
keep-alive connections) and keeps up to ``concurrency`` requests on the wire, and hand-overs are
recorded in groups (one transaction per ``GROUP`` messages) instead of one transaction each.

Still exactly once, and still no database session across a provider call:

- A claim commits before anything is sent; outcomes are recorded afterwards in short
  transactions, and the loop never awaits inside one (no provider call happens in them).
- A crash (SIGKILL) leaves messages handed over but not yet recorded: up to ``GROUP`` plus those
  on the wire. Their rows stay claimed; when the lease runs out a sweep takes them over *in
  doubt* and, before sending, asks Twilio which messages it already holds for that recipient
  with that body since the row fell due and that no other outbox row carries
  (``AsyncSmsSession.already_sent``). Found: recorded as sent with Twilio's SID, not sent again.
  Not found: sent. The lookup failing: the row stays in doubt and is looked up again later.
- Calls go one at a time through the plain path, recorded one by one: a crash repeats at most
  one call (Twilio's call list cannot tell our calls to one number apart).
- The first message of a sweep goes alone: when the provider is down, one request finds out and
  the rest are given back untried, as the plain path does.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from models import Database, DeliveryEvent, Outbox, OutboxKind, OutboxState, utcnow

from . import metrics
from .claims import Claimed, claim_due, fail, finish, release, retry_later, settle_unsendable, write
from .delivery import apply_pending_events
from .providers import AsyncSmsSession, PermanentFailure, ProviderError, Sent, Telephony
from .threaded import send_claimed
from .timing import GIVE_UP_AFTER, LEASE, PAUSE, retry_delay

log = logging.getLogger(__name__)

#: Hand-overs recorded per transaction. A crash may leave this many (plus those on the wire) in
#: doubt; they are looked up at the provider before anything is sent again.
GROUP = 200


def sweep_in_flight(
    db: Database,
    telephony: Telephony,
    session: AsyncSmsSession,
    twiml_url: str,
    now: datetime | None,
    batch: int,
    only: list[int] | None,
    concurrency: int,
    zone: ZoneInfo,
    budget: int | None = None,
) -> int:
    """Send everything due (or ``only`` these rows) through ``session`` (not yet opened: it is
    opened in this sweep's event loop); return how many were handed over."""
    run = _Run(db, telephony, session, twiml_url, now, batch, only, concurrency, zone, budget)
    run.refill()
    if not run.queue:
        return 0
    return asyncio.run(run.go())


class _Run:
    def __init__(
        self,
        db: Database,
        telephony: Telephony,
        session: AsyncSmsSession,
        twiml_url: str,
        now: datetime | None,
        batch: int,
        only: list[int] | None,
        concurrency: int,
        zone: ZoneInfo,
        budget: int | None = None,
    ) -> None:
        self.db = db
        self.budget = budget
        self.telephony = telephony
        self.session = session
        self.twiml_url = twiml_url
        self.now = now
        self.batch = batch
        self.only = only
        self.concurrency = concurrency
        self.zone = zone
        self.queue: deque[Claimed] = deque()
        #: Handed over, not yet recorded: (row, what the provider said, when).
        self.pending: list[tuple[Claimed, Sent, datetime]] = []
        #: SIDs this run has handed over, so an in-doubt row never adopts one of them.
        self.ours: set[str] = set()
        self.claiming_done = False
        self.trouble = False
        self.handled = 0

    def refill(self) -> None:
        if self.claiming_done or self.trouble:
            return
        claimed = claim_due(self.db, self.now or utcnow(), self.batch, self.only, self.budget)
        if len(claimed) < self.batch or self.only is not None:
            self.claiming_done = True
        self.queue.extend(claimed)

    async def go(self) -> int:
        self.calls = asyncio.Lock()
        async with self.session as sms:
            self.sms = sms
            try:
                await self.one(self.queue.popleft())  # alone: is the provider there at all?
                if not self.trouble:
                    async with asyncio.TaskGroup() as group:
                        for _ in range(self.concurrency):
                            group.create_task(self.worker())
            finally:
                self.flush()
                self.give_back_untried()
        return self.handled

    async def worker(self) -> None:
        while not self.trouble:
            if len(self.queue) < self.concurrency:
                self.refill()
            if not self.queue:
                return
            await self.one(self.queue.popleft())
            if len(self.pending) >= GROUP:
                self.flush()

    async def one(self, row: Claimed) -> None:
        now = self.now or utcnow()
        if row.kind is not OutboxKind.SMS:
            async with self.calls:  # one call at a time
                outcome = await asyncio.to_thread(
                    send_claimed, self.db, self.telephony, row, self.twiml_url, self.now, self.zone
                )
            self.handled += outcome == "sent"
            self.trouble |= outcome == "retry"
            return
        sent = None
        if row.in_doubt:
            try:
                sent = await self.already_sent(row)
            except ProviderError as exc:
                keep_in_doubt(self.db, row, now, str(exc))
                self.trouble = True
                return
        if sent is None:
            if settle_unsendable(self.db, row, now, self.zone) is not None:
                return
            try:
                sent = await self.sms.send(row.to_phone, row.body)
            except PermanentFailure as exc:
                log.warning("outbox %s failed for good: %s", row.id, exc)
                fail(self.db, row, now, str(exc), exc.code)
                return
            except ProviderError as exc:
                self.trouble |= retry_later(self.db, row, str(exc), exc.code, now) == "retry"
                return
        self.ours.add(sent.provider_id)
        self.pending.append((row, sent, utcnow()))

    async def already_sent(self, row: Claimed) -> Sent | None:
        """What the provider already holds for this in-doubt row, if anything."""
        found = await self.sms.already_sent(row.to_phone, row.body, row.due_at)
        candidates = [s for s in found if s.provider_id not in self.ours]
        if not candidates:
            return None
        with write(self.db) as session:
            taken = set(
                session.scalars(
                    select(Outbox.provider_id).where(
                        Outbox.provider_id.in_([c.provider_id for c in candidates])
                    )
                )
            )
        for sent in reversed(candidates):  # oldest first
            if sent.provider_id not in taken:
                log.info("outbox %s was handed over before a crash (%s)", row.id, sent.provider_id)
                return sent
        return None

    def flush(self) -> None:
        if self.pending:
            group, self.pending = self.pending, []
            record_sent_many(self.db, group)
            self.handled += len(group)

    def give_back_untried(self) -> None:
        """After a passing failure: the rows not yet tried wait a little (in doubt ones too)."""
        now = self.now or utcnow()
        by_token: dict[str, list[Claimed]] = defaultdict(list)
        for row in self.queue:
            if row.in_doubt:
                keep_in_doubt(self.db, row, now, "not tried: the provider was in trouble", PAUSE)
            else:
                by_token[row.token].append(row)
        for rows in by_token.values():
            release(self.db, rows, now)
        self.queue.clear()


def keep_in_doubt(
    db: Database, row: Claimed, now: datetime, error: str, wait: timedelta | None = None
) -> None:
    """Leave a row claimed but unclaimed by anyone, so it is looked up again after ``wait``.

    A row stays *in doubt* (it may be at the provider already) while it is ``SENDING``; its
    ``claimed_at`` is set so that its lease runs out after ``wait`` (a retry delay by default).
    """
    if now - row.due_at > GIVE_UP_AFTER:
        fail(db, row, now, f"could not check the provider for 72 h: {error}", None)
        return
    delay = wait or retry_delay(row.attempts)
    finish(
        db,
        row,
        state=OutboxState.SENDING,
        claimed_at=now - LEASE + delay,
        last_error=error[:300],
    )


def record_sent_many(db: Database, group: list[tuple[Claimed, Sent, datetime]]) -> None:
    """Record hand-overs in one transaction; skip rows another process has taken over since."""
    with write(db) as session:
        query = select(Outbox.id, Outbox.claim_token).where(
            Outbox.id.in_([row.id for row, _, _ in group])
        )
        if db.is_postgres:
            query = query.with_for_update()
        tokens = {row_id: token for row_id, token in session.execute(query)}
        ours = [(row, sent, at) for row, sent, at in group if tokens.get(row.id) == row.token]
        if not ours:
            return
        metrics.count_sent(OutboxKind.SMS, len(ours))
        table = Outbox.metadata.tables[Outbox.__tablename__]
        session.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(
                claim_token=None,
                state=bindparam("b_state"),
                provider_id=bindparam("b_sid"),
                provider_status=bindparam("b_status"),
                sent_at=bindparam("b_at"),
                delivered_at=bindparam("b_delivered"),
                last_error=None,
                reply_due_at=bindparam("b_reply_due"),
            ),
            [_values(row, sent, at) for row, sent, at in ours],
        )
        # Status callbacks that came before this commit waited for us (``claims.record_sent``).
        early = set(
            session.scalars(
                select(DeliveryEvent.provider_id).where(
                    DeliveryEvent.provider_id.in_([sent.provider_id for _, sent, _ in ours]),
                    DeliveryEvent.outbox_id.is_(None),
                )
            )
        )
        for row, sent, at in ours:
            if sent.provider_id in early:
                outbox = session.get(Outbox, row.id)
                assert outbox is not None
                apply_pending_events(session, outbox, at)


def _values(row: Claimed, sent: Sent, at: datetime) -> dict[str, object]:
    delivered = sent.status == "delivered"
    window = row.reply_window_minutes
    return {
        "b_id": row.id,
        "b_state": OutboxState.DELIVERED if delivered else OutboxState.SENT,
        "b_sid": sent.provider_id,
        "b_status": sent.status,
        "b_at": at,
        "b_delivered": at if delivered else None,
        "b_reply_due": at + timedelta(minutes=window) if window else None,
    }
