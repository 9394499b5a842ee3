"""Serve the app from environment settings on an inherited socket, as `boendestod serve` does.

Used by the video tests and the benchmarks to run app processes of their own: ``python -m
tests.browser.serve_app FD``. The server is the one `serve` picks for the database (gevent on
PostgreSQL, threads on SQLite); ``SERVER_KIND`` (gevent or gthread), ``BENCH_THREADS`` and
``WEB_WORKERS`` override it, and ``BENCH_NO_CAP`` lifts the socket cap, for the benchmarks'
comparisons.
"""

from __future__ import annotations

import os
import sys

from portal import server  # imports nothing that holds ssl, so gevent can still patch first

KIND = os.environ.get("SERVER_KIND") or server.worker_class(os.environ["DATABASE_URL"])
if KIND == server.GEVENT:
    from gevent import monkey

    monkey.patch_all()  # as portal.gevent_main does for `boendestod serve`

from portal.config import from_env  # noqa: E402


def _factory(settings):
    from portal.app import create_app

    if os.environ.get("BENCH_NO_CAP"):  # the benchmark's "today": no cap on sockets at all
        settings = settings.with_(max_sockets=1_000_000)
    return create_app(settings)


if __name__ == "__main__":
    server.run(
        from_env(),
        _factory,
        f"fd://{sys.argv[1]}",
        KIND,
        workers=int(os.environ.get("WEB_WORKERS", "1")),
        threads=int(os.environ.get("BENCH_THREADS", "32")),
        loglevel="warning",
    )
