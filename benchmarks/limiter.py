"""What Flask-Limiter costs the client start page: the same app with and without it, same run.

    .venv/bin/python -m benchmarks.limiter [--runs 9] [--requests 400] [--path /min-dag]
                                           [--database-url URL] [--redis]

Builds the demo data in a throw-away SQLite database (or the EMPTY PostgreSQL database given,
whose public schema is dropped and rebuilt), then two apps on that one database: one as the
settings make it (Flask-Limiter with its storage: memory, or a real ``redis-server`` with
``--redis``), one with ``limits=None`` (no limiter at all). Sandra is signed in on a remembered
phone in both. Each run sends ``--requests`` GETs of the page through each app's WSGI stack in
this process (no network, no server threads: the limiter's share is not hidden behind them) and
times each one; the two apps take turns request by request, and which goes first alternates,
so a burst of load from other work on the machine hits both alike. Prints per run and the
medians of the runs: requests/s, p50 and p95 latency, and the limiter's cost in per cent.
Stops what it started.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select, text

from benchmarks import loadkit
from models import Client, Database, utcnow
from models.migrate import upgrade
from portal.app import create_app
from portal.config import Settings
from portal.demo import seed
from tests.browser.video_support import redis_server
from tests.portal.helpers import device_token

GOAL_PERCENT = 5.0


def build(url: str, storage_uri: str):
    db = Database(url)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    settings = Settings(
        env="bench",
        database_url=url,
        secret_key="bench-" + "x" * 40,
        public_url="http://localhost",
        scheduler=False,
        cookie_secure=False,
        ratelimit_storage_uri=storage_uri,
    )
    with db.transaction() as s:
        seed(s, utcnow(), settings.zone)
    with db.transaction() as s:
        sandra_id = s.scalar(select(Client.id).where(Client.first_name == "Sandra"))
    token = device_token(db, client_id=sandra_id)
    apps = {
        "with limiter": create_app(settings, db=db),
        "without": create_app(settings.with_(limits=None), db=db),
    }
    assert "boendestod.limiter" in apps["with limiter"].extensions
    assert "boendestod.limiter" not in apps["without"].extensions
    return db, apps, token


def one_run(apps: dict, token: str, path: str, requests: int, flip: bool) -> dict:
    """Requests/s, p50 ms and p95 ms per app of ``requests`` GETs of ``path`` each.

    The apps take turns request by request (who goes first alternates), so that the load of
    the moment, which swings by 5× on a shared machine, falls on both alike.
    """
    webs = {}
    for name, app in apps.items():
        web = app.test_client()
        web.set_cookie("device", token, domain="localhost")
        assert web.get(path).status_code == 200  # warm: templates compiled, caches filled
        webs[name] = web
    times: dict[str, list[float]] = {name: [] for name in apps}
    names = list(apps)
    for i in range(requests):
        for name in names if (i % 2 == 0) != flip else names[::-1]:
            start = time.perf_counter()
            response = webs[name].get(path)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    return {
        name: (
            len(t) / sum(t),
            statistics.median(t) * 1000,
            statistics.quantiles(t, n=20)[18] * 1000,
        )
        for name, t in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--path", default="/min-dag")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis", action="store_true", help="the limiter's storage in Redis")
    args = parser.parse_args()

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-limiter-")))
        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        storage = stack.enter_context(redis_server(work)) if args.redis else "memory://"
        db, apps, token = build(url, storage)
        stack.callback(db.dispose)
        for app in apps.values():
            stack.callback(app.extensions["boendestod.dispatcher"].shutdown)
        print(f"{args.path} on {db.engine.dialect.name}, limiter storage {storage.split(':')[0]}")
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in apps}
        names = list(apps)
        for run in range(args.runs):
            figures = one_run(apps, token, args.path, args.requests, flip=run % 2 == 1)
            for name in names:
                results[name].append(figures[name])
            line = "  ".join(
                f"{name}: {results[name][-1][0]:6.1f} req/s p50 {results[name][-1][1]:5.2f} ms"
                for name in names
            )
            print(f"run {run + 1}: {line}  (load {loadkit.load_average():.2f})", flush=True)
        medians = {
            name: tuple(statistics.median(r[i] for r in results[name]) for i in range(3))
            for name in names
        }
        for name, (rate, p50, p95) in medians.items():
            print(f"median {name:>12}: {rate:6.1f} req/s  p50 {p50:5.2f} ms  p95 {p95:5.2f} ms")
        pairs = list(zip(results["with limiter"], results["without"], strict=True))
        # Per run, then the median: each pair saw the same moment's load, while the medians of
        # the runs above mix runs a few times faster or slower than each other.
        rate_cost = statistics.median((o[0] / w[0] - 1) * 100 for w, o in pairs)
        p50_cost = statistics.median((w[1] / o[1] - 1) * 100 for w, o in pairs)
        print(
            f"limiter cost (median of paired runs): {rate_cost:+.1f} % in requests/s, "
            f"{p50_cost:+.1f} % in p50; goal ≤ {GOAL_PERCENT:g} %"
        )


if __name__ == "__main__":
    main()
