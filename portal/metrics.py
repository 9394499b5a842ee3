"""GET /metrics for Prometheus, behind a bearer token (METRICS_TOKEN).

Each process serves its own figures and Prometheus scrapes each process (one target per
``serve`` port): counters and the request histogram then need no shared files, which
prometheus-client's multiprocess mode would (a directory wiped at every start, and custom
collectors that cannot take part). Figures read from the database at scrape time (the outbox,
escalations) are the same from every process: aggregate them with ``max``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Database, Escalation, EscalationStatus, utcnow
from reminders.metrics import OutboxCollector

from .extensions import socketio

bp = Blueprint("metrics", __name__)

LATENCY = Histogram(
    "boendestod_request_duration_seconds",
    "Time from a request's arrival in Flask to its response, by endpoint (route name).",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
)


def escalations_past_deadline(session: Session, now: datetime) -> int:
    """Open escalations whose deadline (``due_at``) has passed."""
    return (
        session.scalar(
            select(func.count()).where(
                Escalation.status != EscalationStatus.CLOSED, Escalation.due_at < now
            )
        )
        or 0
    )


class _Process(Collector):
    """This process's own metrics (the default registry: counters, histogram, CPU, memory)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class _Escalations(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        try:
            with self.db.transaction() as session:
                late = escalations_past_deadline(session, utcnow())
        except Exception:
            return  # the outbox collector has logged it; /readyz tells the operator
        yield GaugeMetricFamily(
            "boendestod_escalations_past_deadline",
            "Open escalations whose deadline has passed (read from the database).",
            value=late,
        )


class _Sockets(Collector):
    """Open Socket.IO connections of this process, counted by Engine.IO when scraped.

    Read from the server's own table of sockets rather than counted up and down in connect
    and disconnect handlers: those run per namespace, and a count kept by hand drifts when a
    handler fails or a connection dies without a disconnect.
    """

    def collect(self) -> Iterator[Metric]:
        server = getattr(socketio, "server", None)
        sockets = getattr(getattr(server, "eio", None), "sockets", {})
        # Closed sockets stay in the table until Engine.IO's next sweep of it.
        open_now = sum(not s.closed for s in list(sockets.values()))
        yield GaugeMetricFamily(
            "boendestod_socketio_connections",
            "Socket.IO (Engine.IO) connections open in this process.",
            value=open_now,
        )


def start_timer() -> None:
    """Before each request: note when it began."""
    g.metrics_started = time.perf_counter()


def observe(exc: BaseException | None) -> None:
    """At each request's teardown: record how long it took, by route."""
    started = g.pop("metrics_started", None)
    if started is None:
        return
    # The route's name, never the raw path: paths carry ids and tokens, and would give
    # Prometheus one series per visit.
    endpoint = request.endpoint or "unmatched"
    LATENCY.labels(endpoint=endpoint, method=request.method).observe(time.perf_counter() - started)


def _authorised(token: str) -> bool:
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), token.encode()
    )


@bp.get("/metrics")
def metrics() -> Response:
    token = current_app.config["SETTINGS"].metrics_token
    if not token:
        abort(404)  # not configured: as if there were no such page
    if not _authorised(token):
        return Response(
            "a valid bearer token is needed\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    registry = current_app.extensions["boendestod.metrics"]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask, db: Database) -> None:
    """Serve /metrics with this app's database figures (``portal.wiring`` times requests)."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in (_Process(), OutboxCollector(db), _Escalations(db), _Sockets()):
        registry.register(collector)
    app.extensions["boendestod.metrics"] = registry
    app.register_blueprint(bp)
