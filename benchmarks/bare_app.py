"""``boendestod serve`` with a bare Flask app in place of ours: the floor a page is compared to.

    python -m benchmarks.bare_app serve --port 8202 [the same options as boendestod serve]

Every path answers a short text from one route. The server (worker class, threads, workers,
whatever ``serve`` does) is exactly the one ``boendestod serve`` runs, because this goes through
the same command with only the app factory swapped.
"""

import os

if os.environ.get("BARE_APP_GEVENT"):
    # serve re-ran itself to patch the standard library first; do as its entry point does.
    from gevent import monkey

    monkey.patch_all()

import sys  # noqa: E402

from flask import Flask  # noqa: E402

import portal.app  # noqa: E402
from portal import cli  # noqa: E402

_execv = os.execv


def bare_app(*args: object, **kwargs: object) -> Flask:
    app = Flask("bare")

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def hello(path: str) -> str:
        return "ok"

    return app


def _stay_bare(path: str, argv: list[str]) -> None:
    """When serve re-runs itself under another entry point (gevent), re-run this one."""
    if "portal.gevent_main" in argv:
        os.environ["BARE_APP_GEVENT"] = "1"
        argv = [__spec__.name if a == "portal.gevent_main" else a for a in argv]
    _execv(path, argv)


if __name__ == "__main__":
    portal.app.create_app = bare_app
    os.execv = _stay_bare
    sys.exit(cli.main())
