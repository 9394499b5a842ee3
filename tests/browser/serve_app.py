"""Serve the app from environment settings on an inherited socket, as `boendestod serve` does.

Used by the video tests to run two app processes that share Redis: ``python -m
tests.browser.serve_app FD``.
"""

from __future__ import annotations

import os
import sys

from gunicorn.app.base import BaseApplication

from portal.app import create_app
from portal.config import from_env


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, fd: int) -> None:
        self.fd = fd
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"fd://{self.fd}")
        self.cfg.set("workers", 1)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", int(os.environ.get("BENCH_THREADS", "32")))
        self.cfg.set("timeout", 120)
        self.cfg.set("loglevel", "warning")

    def load(self):  # type: ignore[no-untyped-def]
        return create_app(from_env())


if __name__ == "__main__":
    _Server(int(sys.argv[1])).run()
