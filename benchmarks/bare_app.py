"""``boendestod serve`` with a bare Flask app in place of ours: the floor a page is compared to.

    python -m benchmarks.bare_app serve --port 8202 [the same options as boendestod serve]

Every path answers a short text from one route. The server (worker class, threads, workers,
whatever ``serve`` does) is exactly the one ``boendestod serve`` runs, because this goes through
the same command with only the app factory swapped.
"""

from __future__ import annotations

import sys

from flask import Flask

import portal.app
from portal import cli


def bare_app(*args: object, **kwargs: object) -> Flask:
    app = Flask("bare")

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def hello(path: str) -> str:
        return "ok"

    return app


if __name__ == "__main__":
    portal.app.create_app = bare_app  # type: ignore[assignment]
    sys.exit(cli.main())
