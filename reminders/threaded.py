"""The plain sender: one provider call at a time per thread, a small pool for a batch.

Used with a provider that can only send one message at a time (the dev provider), with
``concurrency`` 1, and for calls. An in-doubt row (its process died holding it) is sent again
here, so a crash can cause at most one duplicate per message in flight; the in-flight sender
(``reminders.inflight``) looks such rows up at the provider first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

from models import Database, OutboxKind, utcnow

from .claims import Claimed, claim_due, fail, record_sent, release, retry_later, settle_unsendable
from .providers import PermanentFailure, ProviderError, Telephony
from .timing import STOCKHOLM

log = logging.getLogger(__name__)


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
        fail(db, claimed, now, str(exc), exc.code)
        return "failed"
    except ProviderError as exc:
        return retry_later(db, claimed, str(exc), exc.code, now)
    record_sent(db, claimed, sent.provider_id, sent.status, utcnow())
    return "sent"


def sweep_threaded(
    db: Database,
    telephony: Telephony,
    twiml_url: str,
    now: datetime | None,
    batch: int,
    only: Iterable[int] | None,
    workers: int,
    zone: ZoneInfo,
    budget: int | None,
) -> int:
    """Send everything due (or ``only`` these rows); return how many were handed over.

    With ``workers`` > 1 a small thread pool makes the provider calls of a batch side by side.
    When one call fails for a passing reason, the rest of the batch is given back untried.
    """
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
                release(db, untried, moment)
            handled += outcomes.count("sent")
            if len(claimed) < batch or only is not None or trouble.is_set():
                return handled
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
