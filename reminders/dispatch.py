"""The dispatcher: send every due outbox row through the sender the provider allows.

A provider whose SMS client opens an async session (Twilio's async client) gets up to
``concurrency`` messages in flight from one event loop, and in-doubt rows looked up at the
provider before anything is sent again (``reminders.inflight``). Any other provider, or
``concurrency`` 1, goes through the plain sender and its threads (``reminders.threaded``).
Both stand on the same steps (``reminders.claims``): claim, record, fail, give back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from models import Database

from .inflight import sweep_in_flight
from .osthreads import gevent_patched, run_in_os_thread
from .providers import Telephony
from .threaded import sweep_threaded
from .timing import STOCKHOLM

#: Messages on the wire at once when the provider can do that (see ``reminders.inflight``).
IN_FLIGHT = 32


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
    session = telephony.sms.open_async() if concurrency > 1 else None
    if session is None:
        return sweep_threaded(db, telephony, twiml_url, now, batch, only, workers, zone, budget)
    rows = None if only is None else list(only)
    args = (db, telephony, session, twiml_url, now, batch, rows, concurrency, zone, budget)
    if not _in_event_loop() and not gevent_patched():
        return sweep_in_flight(*args)
    # Inside an event loop, or under gevent (where every greenlet shares one OS thread and so
    # one running loop), the sweep's own loop runs on a real thread of its own.
    return run_in_os_thread(sweep_in_flight, *args)
