"""Socket capacity: how many Socket.IO connections one app process holds, and /healthz meanwhile.

    .venv/bin/python -m benchmarks.sockets --database-url postgresql+psycopg://…/empty_db
                                           [--sockets 2000] [--runs 3] [--hold 10]

For each design in the same run, one app process is started (as `boendestod serve` starts it,
through ``tests.browser.serve_app``) and staff consoles' sockets are opened to it, 50 at a time,
each as a signed-in coordinator on ``/staff`` over WebSocket (python-socketio's asyncio client),
until it holds ``--sockets`` or a connection is refused or does not open within 10 s. Then every
socket stays open for ``--hold`` seconds. A separate process asks /healthz every 100 ms all along
(2 s timeout) so that the clients' own event loop does not colour the figures.

Designs: today's (gunicorn gthread, 64 threads, no cap), the same threads with the cap that now
keeps 16 of them for pages (what SQLite and the demo run), and the new one for PostgreSQL
(gevent, its cap above ``--sockets``). Loopback only; the database must be an EMPTY throw-away
PostgreSQL one (its schema is rebuilt). Prints one line per run and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import time

from sqlalchemy import text

from models import Database, Role
from models.migrate import upgrade

TIMEOUT = 2.0
BATCH = 50
DESIGNS = {
    "today: gthread, 64 threads": {
        "SERVER_KIND": "gthread",
        "BENCH_THREADS": "64",
        "BENCH_NO_CAP": "1",
    },
    "gthread, 64 threads, capped (SQLite and the demo)": {
        "SERVER_KIND": "gthread",
        "BENCH_THREADS": "64",
    },
    "new: gevent": {"SERVER_KIND": "gevent"},
}


def _sample(url: str, phase, stop, out) -> None:
    """In its own process: GET /healthz every 100 ms; (phase, seconds or None) per request."""
    import urllib.request

    rows = []
    while not stop.is_set():
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=TIMEOUT) as answer:
                ok = answer.status == 200
        except OSError:
            ok = False
        took = time.perf_counter() - start
        rows.append((phase.value, took if ok else None))
        time.sleep(max(0.0, 0.1 - took))
    out.put(rows)


async def _open(url: str, headers: dict[str, str], wanted: int, socketio):
    """Open sockets in batches until ``wanted`` or one fails; return the open clients."""
    held: list[object] = []

    async def one():
        sio = socketio.AsyncClient(reconnection=False)
        try:
            await asyncio.wait_for(
                sio.connect(
                    url,
                    namespaces=["/staff"],
                    transports=["websocket"],
                    headers=dict(headers),  # the client changes the dict it is given
                    wait_timeout=10,
                ),
                10,
            )
        except Exception:  # refused, reset, or timed out (TimeoutError)
            await _close(sio)
            return None
        return sio

    while len(held) < wanted:
        batch = await asyncio.gather(*[one() for _ in range(min(BATCH, wanted - len(held)))])
        held += [s for s in batch if s is not None]
        if None in batch:
            break
    return held


async def _close(sio) -> None:
    try:
        await asyncio.wait_for(sio.disconnect(), 5)
    except Exception:  # refused, reset, or timed out (TimeoutError)
        pass


def one_run(database_url: str, db: Database, design: dict[str, str], sockets: int, hold: float):
    import socketio

    from tests.browser.video_support import gunicorn_app
    from tests.served import socket_headers, staff_cookie

    env = {**design, "MAX_SOCKETS": str(sockets + 100), "COOKIE_SECURE": "0"}
    ctx = multiprocessing.get_context("spawn")
    with gunicorn_app(database_url, env) as url:
        headers = socket_headers(url, staff_cookie(url, db, "cecilia"))
        phase, stop, out = ctx.Value("i", 0), ctx.Event(), ctx.Queue()
        sampler = ctx.Process(target=_sample, args=(url, phase, stop, out), daemon=True)
        sampler.start()

        async def go():
            started = time.perf_counter()
            held = await _open(url, headers, sockets, socketio)
            opened_in = time.perf_counter() - started
            phase.value = 1
            await asyncio.sleep(hold)
            still = sum(1 for s in held if s.connected)
            phase.value = 2
            await asyncio.gather(*[_close(s) for s in held])
            return len(held), still, opened_in

        held, still, opened_in = asyncio.run(go())
        stop.set()
        rows = out.get(timeout=30)
        sampler.join(10)
    during = [t for p, t in rows if p == 1]
    answered = sorted(t * 1000 for t in during if t is not None)
    return {
        "held": held,
        "still": still,
        "opened_in": opened_in,
        "samples": len(during),
        "failed": sum(1 for t in during if t is None),
        "p50": statistics.median(answered) if answered else None,
        "p99": answered[min(len(answered) - 1, int(0.99 * len(answered)))] if answered else None,
    }


def _ms(value: float | None) -> str:
    return "none answered" if value is None else f"{value:.0f} ms"


def _prepare(database_url: str) -> Database:
    from tests.factories import make_staff

    db = Database(database_url)
    if not db.is_postgres:
        raise SystemExit("--database-url must be an empty throw-away PostgreSQL database")
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(database_url)
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
    return db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hold", type=float, default=10.0)
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("give --database-url (an empty throw-away PostgreSQL database)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, args.sockets * 3 + 1024)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the start")
    db = _prepare(args.database_url)
    results: dict[str, list[dict[str, object]]] = {name: [] for name in DESIGNS}
    for run in range(args.runs):
        for name, design in DESIGNS.items():  # in turns, so a burst of load hits both
            r = one_run(args.database_url, db, design, args.sockets, args.hold)
            results[name].append(r)
            print(
                f"run {run + 1} {name}: held {r['held']} (still open after {args.hold:.0f} s:"
                f" {r['still']}, opened in {r['opened_in']:.1f} s); /healthz while held:"
                f" p50 {_ms(r['p50'])}, p99 {_ms(r['p99'])}, {r['failed']} of {r['samples']}"
                f" failed or slower than {TIMEOUT:.0f} s; load {os.getloadavg()[0]:.1f}"
            )
    print("medians of the runs:")
    for name, rows in results.items():
        p50s = [r["p50"] for r in rows if r["p50"] is not None]
        p99s = [r["p99"] for r in rows if r["p99"] is not None]
        print(
            f"  {name}: held {statistics.median(r['held'] for r in rows):.0f};"
            f" /healthz p50 {_ms(statistics.median(p50s) if p50s else None)},"
            f" p99 {_ms(statistics.median(p99s) if p99s else None)},"
            f" failed {statistics.median(r['failed'] for r in rows):.0f}"
            f" of {statistics.median(r['samples'] for r in rows):.0f}"
        )
    db.dispose()


if __name__ == "__main__":
    main()
