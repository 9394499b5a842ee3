"""The scheduler: one interval job per process that sweeps the outbox.

Never one APScheduler job per reminder: APScheduler 3 keeps every job in memory, and the outbox
rows already say what is due. Several processes may run this side by side; claims keep each
row to one sender.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from models import Database, Outbox, OutboxKind, OutboxState

from . import hooks, metrics
from .delivery import call_back
from .dispatch import IN_FLIGHT, sweep
from .providers import Telephony
from .timing import STOCKHOLM

log = logging.getLogger(__name__)
SWEEP_JOB = "sweep-outbox"


class Dispatcher:
    """Sends what the outbox holds: on a timer when started, at once when kicked."""

    def __init__(
        self,
        db: Database,
        telephony: Telephony,
        twiml_url: str,
        interval: float = 5.0,
        workers: int = 1,
        zone: ZoneInfo = STOCKHOLM,
        concurrency: int = IN_FLIGHT,
        sms_budget: int | None = None,
    ) -> None:
        self.db = db
        #: Asked-for SMS (sign-in codes) per rolling hour, all processes together; None: none.
        self.sms_budget = sms_budget
        self.telephony = telephony
        self.twiml_url = twiml_url
        self.interval = interval
        #: Messages on the wire at once through Twilio's async client (``reminders.inflight``):
        #: a crash repeats none of them, since in-doubt rows are looked up at Twilio first.
        self.concurrency = concurrency
        #: Threads for providers without an async client (the dev provider): a crash may
        #: repeat up to this many messages (one when 1, as the issue asks).
        self.workers = workers
        #: The municipality's zone, for the quiet hours.
        self.zone = zone
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self._periodic: list[tuple[str, Callable[[], object], float]] = []

    def every(self, seconds: float, job: Callable[[], object], name: str) -> None:
        """Run ``job`` every ``seconds`` in this process, next to the outbox sweep.

        For time-driven rules that are not messages (an escalation ladder, expiring decisions).
        Like the sweep, the job must be safe when several processes run it at once.
        """
        self._periodic.append((name, job, seconds))
        if self._scheduler is not None:
            self._add(self._scheduler, name, job, seconds)

    @staticmethod
    def _add(
        scheduler: BackgroundScheduler, name: str, job: Callable[[], object], seconds: float
    ) -> None:
        def guarded() -> None:
            try:
                job()
            except Exception:
                log.exception("periodic job %s failed", name)

        scheduler.add_job(
            guarded, "interval", seconds=seconds, id=name, max_instances=1, coalesce=True
        )

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            scheduler = BackgroundScheduler(
                executors={"default": ThreadPoolExecutor(2)}, timezone=UTC
            )
            scheduler.add_job(
                self.sweep,
                "interval",
                seconds=self.interval,
                id=SWEEP_JOB,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
            for name, job, seconds in self._periodic:
                self._add(scheduler, name, job, seconds)
            scheduler.start()
            self._scheduler = scheduler
            log.info("outbox sweep every %ss", self.interval)

    def shutdown(self) -> None:
        with self._lock:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def sweep(self) -> int:
        try:
            handed = self.sweep_once()
        except Exception:
            # One bad sweep must not stop the timer; the next one tries again.
            log.exception("outbox sweep failed")
            return 0
        # Only a sweep that went through: a stale timestamp alerts on a stopped timer and on a
        # database the sweeps cannot use alike.
        metrics.LAST_SWEEP.set_to_current_time()
        return handed

    def sweep_once(self, now: datetime | None = None) -> int:
        return sweep(
            self.db,
            self.telephony,
            self.twiml_url,
            now=now,
            workers=self.workers,
            zone=self.zone,
            concurrency=self.concurrency,
            budget=self.sms_budget,
        )

    def kick(self, outbox_ids: Iterable[int]) -> None:
        """Send these rows now: wake the timer if it runs, else send in this thread."""
        if self.running:
            assert self._scheduler is not None
            self._scheduler.modify_job(SWEEP_JOB, next_run_time=datetime.now(UTC))
            return
        sweep(
            self.db,
            self.telephony,
            self.twiml_url,
            only=list(outbox_ids),
            zone=self.zone,
            concurrency=self.concurrency,
            budget=self.sms_budget,
        )


def follow_up_unanswered(db: Database, now: datetime | None = None, limit: int = 500) -> int:
    """Tell the worker about reminders whose answer window closed without a "1"."""
    now = now or datetime.now(UTC)
    with db.transaction() as session:
        query = (
            select(Outbox)
            .where(
                Outbox.reply_due_at <= now,
                Outbox.replied_at.is_(None),
                Outbox.followed_up_at.is_(None),
                Outbox.state.in_([OutboxState.SENT, OutboxState.DELIVERED]),
            )
            .order_by(Outbox.reply_due_at)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            if row.kind is OutboxKind.CALL:
                call_back(session, row, now, "silent")
            else:
                row.followed_up_at = now
                hooks.call(hooks.UNANSWERED, session, row, now)
        return len(rows)
