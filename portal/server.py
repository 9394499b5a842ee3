"""How the app is served: which gunicorn worker, which Socket.IO mode, how many sockets.

One rule decides the server (``worker_class``): PostgreSQL is served by gevent workers, where a
Socket.IO connection is a greenlet and thousands fit beside the pages; SQLite (the demo, small
tests) by threads, because a SQLite writer waiting for the file lock sleeps inside the C
library and under gevent that sleep would stop every request of the process. Socket.IO's mode
then follows what actually runs (``async_mode``), so the two can never disagree.

Sockets are capped per process (``MAX_SOCKETS``): past the cap a new Socket.IO connection gets
503 before it is upgraded, so pages and /healthz keep answering. With threads the cap also
leaves ``HTTP_THREADS`` threads free for pages, since each open socket holds one.
"""

from __future__ import annotations

import gc
import logging
import resource
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from reminders.osthreads import gevent_patched

if TYPE_CHECKING:  # kept light: tests.browser.serve_app imports this before gevent patches
    from flask import Flask

    from .config import Settings

log = logging.getLogger(__name__)

GEVENT = "gevent"
GTHREAD = "gthread"
#: Threads kept for pages when sockets hold threads (the gthread worker).
HTTP_THREADS = 16
#: Connections a gevent worker accepts beyond its socket cap, for pages and /healthz.
HTTP_CONNECTIONS = 1000
#: Where Flask-SocketIO serves Engine.IO (its default).
SOCKETIO_PATH = "/socket.io/"


def worker_class(database_url: str) -> str:
    """The gunicorn worker for this database (see the module's docstring)."""
    return GTHREAD if database_url.startswith("sqlite") else GEVENT


def async_mode() -> str:
    """Flask-SocketIO's mode for the server that is running this process."""
    return "gevent" if gevent_patched() else "threading"


def socket_cap(max_sockets: int, kind: str, threads: int) -> int:
    """Sockets one process may hold: the setting, and with threads a reserve for pages."""
    if kind == GTHREAD:
        return max(1, min(max_sockets, threads - HTTP_THREADS))
    return max_sockets


def open_sockets(app: Flask) -> int:
    """Engine.IO connections this process holds now (one per WebSocket)."""
    server = app.extensions["socketio"].server
    if server is None:
        return 0
    # A closed socket stays listed until its handler or Engine.IO's sweep removes it.
    return sum(1 for s in list(server.eio.sockets.values()) if not s.closed)


class SocketCap:
    """WSGI middleware: refuse a NEW Socket.IO connection (503) once ``cap`` are open.

    Engine.IO has no limit of its own. The check sits in front of it and looks only at
    handshakes (no ``sid`` in the query), so connected sockets and plain pages pass untouched.
    Under gevent nothing else runs between the count and the handshake; under threads a burst
    of handshakes can pass it by a few.
    """

    def __init__(self, wsgi_app: Callable[..., Any], app: Flask, cap: int) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.cap = cap

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if (
            environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH)
            and "sid" not in parse_qs(environ.get("QUERY_STRING", ""))
            and open_sockets(self.app) >= self.cap
        ):
            log.warning("refused a new socket: %s are open, the cap", self.cap)
            body = b"too many live connections on this process; try again shortly\n"
            start_response(
                "503 Service Unavailable",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Retry-After", "5"),
                ],
            )
            return [body]
        return self.wsgi_app(environ, start_response)


def raise_file_limit(wanted: int) -> int:
    """Allow this process ``wanted`` open files if the hard limit lets it; return the limit.

    Every socket is a file descriptor, and many systems start processes at 1,024.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def _our_logs() -> type:
    from gunicorn.glogging import Logger

    class OurLogs(Logger):
        """gunicorn's own lines go through our handlers (one line each, JSON when asked,
        phone numbers masked). No access log: the request metrics count requests, and a line
        per request would put every client's address and path in the logs."""

        def setup(self, cfg: object) -> None:
            super().setup(cfg)
            self.error_log.handlers.clear()
            self.error_log.propagate = True
            self.access_log.handlers.clear()
            self.access_log.propagate = False

    return OurLogs


def limit_sockets(app: Flask, cap: int) -> None:
    """Install the cap in front of the app (called by the app factory)."""
    app.wsgi_app = SocketCap(app.wsgi_app, app, cap)


def run(
    settings: Settings,
    factory: Callable[[Settings], Flask],
    bind: str,
    kind: str,
    workers: int = 1,
    threads: int = 64,
    loglevel: str = "info",
) -> None:
    """Serve ``factory(settings)`` under gunicorn: ``workers`` processes of the given ``kind``.

    The factory runs in each worker after gevent has patched it, so the app sees the real
    server; it gets the socket cap this server can keep (``socket_cap``).
    """
    from gunicorn.app.base import BaseApplication

    cap = socket_cap(settings.max_sockets, kind, threads)
    limit = raise_file_limit(cap + HTTP_CONNECTIONS + 256)
    if limit < cap + 256:
        log.warning("only %s open files allowed: fewer sockets than MAX_SOCKETS fit", limit)

    OurLogs = _our_logs()

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", kind)
            if kind == GEVENT:
                self.cfg.set("worker_connections", cap + HTTP_CONNECTIONS)
            else:
                self.cfg.set("threads", threads)
                # Each open socket is a kept connection; gthread counts them here too.
                self.cfg.set("worker_connections", threads + HTTP_CONNECTIONS)
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("loglevel", loglevel)
            self.cfg.set("logger_class", OurLogs)

        def load(self) -> Flask:
            log.info("serving with %s, at most %s sockets per process", kind, cap)
            app = factory(settings.with_(max_sockets=cap))
            # Everything built so far (modules, classes, the app) lives as long as the process:
            # kept out of the cyclic collector's full scans, which otherwise walk all of it
            # (~150,000 objects) twice during one "Fördela alla" (benchmarks/README.md).
            gc.freeze()
            return app

    log.info("starting %s %s worker(s) on %s", workers, kind, bind)
    Server().run()
