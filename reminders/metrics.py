"""What the outbox and the dispatcher show Prometheus (served by ``portal.metrics``).

Counters count in the process that sends; every process serves its own ``/metrics`` and
Prometheus adds them up. The outbox gauges are read from the database at scrape time, so every
process reports the same figures: aggregate those with ``max``, not ``sum``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Database, Outbox, OutboxKind, OutboxState, utcnow

log = logging.getLogger(__name__)

SENT = Counter(
    "boendestod_outbox_sent",
    "Messages and calls handed over to the provider.",
    ["kind"],
)
FAILURES = Counter(
    "boendestod_outbox_failures",
    "Sends the provider refused, by its error code; final=true when the row gave up for good.",
    ["kind", "error_code", "final"],
)
LAST_SWEEP = Gauge(
    "boendestod_scheduler_last_sweep_timestamp_seconds",
    "When this process's dispatcher last finished an outbox sweep (Unix time).",
    multiprocess_mode="max",
)

#: Rows waiting to be sent: queued, or claimed by a dispatcher that has not recorded them yet.
UNSENT = (OutboxState.QUEUED, OutboxState.SENDING)


def count_sent(kind: OutboxKind, n: int = 1) -> None:
    SENT.labels(kind=kind.value).inc(n)


def count_failure(kind: OutboxKind, code: int | None, final: bool) -> None:
    FAILURES.labels(
        kind=kind.value, error_code=str(code) if code is not None else "none", final=str(final)
    ).inc()


def outbox_rows_by_state(session: Session) -> dict[OutboxState, int]:
    """How many outbox rows are in each state (every state present, zero when none)."""
    found = dict(session.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all())
    return {state: found.get(state, 0) for state in OutboxState}


def oldest_due_unsent(session: Session, now: datetime) -> datetime | None:
    """The due time of the longest-waiting row the dispatcher could send now but has not."""
    return session.scalar(
        select(func.min(Outbox.due_at)).where(
            Outbox.state.in_(UNSENT), Outbox.next_attempt_at <= now, Outbox.due_at <= now
        )
    )


class OutboxCollector(Collector):
    """Read the outbox gauges from the database each time Prometheus scrapes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        try:
            with self.db.transaction() as session:
                states = outbox_rows_by_state(session)
                oldest = oldest_due_unsent(session, now)
        except Exception:
            # A scrape must still answer (process figures, counters) when the database is down;
            # the missing gauges and /readyz tell the operator.
            log.warning("outbox figures could not be read", exc_info=True)
            return
        rows = GaugeMetricFamily(
            "boendestod_outbox_rows", "Outbox rows by state (from the database).", labels=["state"]
        )
        for state, n in states.items():
            rows.add_metric([state.value], n)
        yield rows
        yield GaugeMetricFamily(
            "boendestod_outbox_oldest_due_unsent_seconds",
            "Age of the oldest reminder that is due and could be sent but is not (0 when none).",
            value=(now - oldest).total_seconds() if oldest is not None else 0.0,
        )
