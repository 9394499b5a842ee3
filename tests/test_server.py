"""The server `serve` runs: sockets capped per process, several processes, gevent cooperating.

Each test starts the app in processes of its own as `boendestod serve` does
(``tests.browser.serve_app``): gevent workers on PostgreSQL, threads on SQLite, so CI's
PostgreSQL run exercises gevent and the SQLite run the thread server.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import socketio
from click.testing import CliRunner
from sqlalchemy import select

from models import Database, Outbox, OutboxState, Role
from portal import server
from portal.cli import main
from reminders.outbox import queue_sms
from tests.browser.video_support import gunicorn_app, redis_server
from tests.factories import make_client, make_staff
from tests.fakes.twilio_server import FakeTwilio
from tests.served import post_form, run_apart, socket_headers, staff_cookie

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
PLAIN_HTTP = {"COOKIE_SECURE": "0"}


async def open_staff_socket(url: str, cookie: str) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        url,
        namespaces=["/staff"],
        transports=["websocket"],
        headers=socket_headers(url, cookie),
        wait_timeout=10,
    )
    return sio


def get(url: str, timeout: float = 5) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers)


def test_sqlite_is_served_by_threads_and_postgresql_by_gevent() -> None:
    assert server.worker_class("sqlite:///var/demo.db") == server.GTHREAD
    assert server.worker_class("postgresql+psycopg://u@db/boendestod") == server.GEVENT
    # Threads: each socket holds one, so the cap keeps some for pages whatever the setting.
    assert server.socket_cap(3000, server.GTHREAD, threads=64) == 64 - server.HTTP_THREADS
    assert server.socket_cap(3000, server.GEVENT, threads=64) == 3000


def test_serve_refuses_gevent_on_sqlite_in_one_line(tmp_path: Path) -> None:
    env = {"APP_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = CliRunner(env=env).invoke(main, ["serve", "--worker-class", "gevent"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: refusing to start: the gevent server needs")
    assert "Traceback" not in result.output


def test_serve_refuses_several_workers_without_a_message_queue(tmp_path: Path) -> None:
    env = {"APP_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = CliRunner(env=env).invoke(main, ["serve", "--workers", "2"])
    assert result.exit_code == 1
    assert "--workers above 1 needs SOCKETIO_MESSAGE_QUEUE" in result.output
    assert "Traceback" not in result.output


@pytest.mark.real_clock  # its server runs in a subprocess, on the real clock
def test_at_the_cap_a_new_socket_is_refused_and_pages_still_answer(
    database_url: str, db: Database
) -> None:
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
    with gunicorn_app(database_url, {**PLAIN_HTTP, "MAX_SOCKETS": "3"}) as url:
        cookie = staff_cookie(url, db, "cecilia")

        async def go() -> None:
            held = [await open_staff_socket(url, cookie) for _ in range(3)]
            with pytest.raises(socketio.exceptions.ConnectionError):
                await open_staff_socket(url, cookie)
            # What the refused handshake got, and that pages answer at once beside it.
            status, headers = await asyncio.to_thread(
                get, f"{url}/socket.io/?EIO=4&transport=websocket"
            )
            assert (status, headers["Retry-After"]) == (503, "5")
            assert (await asyncio.to_thread(get, f"{url}/healthz"))[0] == 200
            assert all(s.connected for s in held)
            # One console closes: the next one gets in again.
            await held.pop().disconnect()
            deadline = time.monotonic() + 10
            while True:
                try:
                    held.append(await open_staff_socket(url, cookie))
                    break
                except socketio.exceptions.ConnectionError:
                    assert time.monotonic() < deadline, "a freed place was never given again"
                    await asyncio.sleep(0.2)
            for s in held:
                await s.disconnect()

        run_apart(go())


@pytest.mark.real_clock  # its server runs in a subprocess, on the real clock
def test_a_live_update_from_one_process_reaches_a_console_on_the_other(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra_id = make_client(s, "Sandra", workers=[anna], caseworker=karin).id
    with redis_server(tmp_path) as redis_url:
        env = {**PLAIN_HTTP, "SOCKETIO_MESSAGE_QUEUE": redis_url}
        with gunicorn_app(database_url, env) as one, gunicorn_app(database_url, env) as two:
            annas = staff_cookie(one, db, "anna")

            async def go() -> dict[str, object]:
                heard: asyncio.Queue[dict[str, object]] = asyncio.Queue()
                karins = socketio.AsyncClient(reconnection=False)
                karins.on("escalation", heard.put_nowait, namespace="/staff")
                await karins.connect(
                    two,
                    namespaces=["/staff"],
                    transports=["websocket"],
                    headers=socket_headers(two, staff_cookie(two, db, "karin")),
                    wait_timeout=10,
                )
                # Anna, on the other process, reports a concern about Sandra.
                answer = await asyncio.to_thread(
                    post_form,
                    one,
                    annas,
                    f"/personal/klient/{sandra_id}/oro",
                    {"kind": "need_increased", "text": "Orkar inte"},
                )
                assert answer.status_code == 302, answer.text
                try:
                    return await asyncio.wait_for(heard.get(), 15)
                finally:
                    await karins.disconnect()

            event = run_apart(go())
    assert event["type"] == "worker_concern"


@pytest.mark.real_clock  # its server runs in a subprocess, on the real clock
def test_two_gevent_processes_with_schedulers_send_each_reminder_once_and_keep_answering(
    database_url: str, db: Database
) -> None:
    if not db.is_postgres:
        pytest.skip("gevent serves PostgreSQL only")
    with db.transaction() as s:
        for i in range(200):
            queue_sms(s, f"+4670{i:07d}", f"Påminnelse {i}", purpose="reminder")
    with FakeTwilio(latency=0.01) as fake:
        env = {
            "SCHEDULER": "1",
            "SMS_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_FROM": "+46850000000",
            "TWILIO_API_URL": fake.url,
            "SMS_IN_FLIGHT": "8",
        }
        # Three schedulers: two workers of one `serve --workers 2`, and a second `serve`.
        with (
            gunicorn_app(database_url, {**env, "WEB_WORKERS": "2"}) as one,
            gunicorn_app(database_url, env) as two,
        ):
            deadline = time.monotonic() + 60
            while len(fake.messages()) < 200 and time.monotonic() < deadline:
                # The sweeps run beside requests: both processes answer while they send.
                assert get(f"{one}/healthz", timeout=5)[0] == 200
                assert get(f"{two}/healthz", timeout=5)[0] == 200
                time.sleep(0.2)
            time.sleep(1)  # a duplicate would arrive now
            bodies = Counter(m.body for m in fake.messages())
    assert len(bodies) == 200 and set(bodies.values()) == {1}
    with db.transaction() as s:
        assert set(s.scalars(select(Outbox.state))) <= {OutboxState.SENT, OutboxState.DELIVERED}


#: Run under gevent's patching as a gevent worker is: two slow queries in two greenlets, and a
#: third greenlet that must keep ticking meanwhile.
OVERLAP = """
from gevent import monkey
monkey.patch_all()
import sys, time, gevent, psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
ticks = []
def tick():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.05)
def slow():
    with psycopg.connect(url) as conn:
        conn.execute("SELECT pg_sleep(1)")
gevent.spawn(tick)
start = time.monotonic()
gevent.joinall([gevent.spawn(slow), gevent.spawn(slow)], raise_error=True)
print(round(time.monotonic() - start, 2), len(ticks))
"""


def test_under_gevent_two_slow_queries_overlap_and_nothing_else_waits(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("psycopg's gevent support is for PostgreSQL")
    done = subprocess.run(
        [sys.executable, "-c", OVERLAP, str(db.engine.url.render_as_string(hide_password=False))],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    seconds, ticks = done.stdout.split()
    # One after the other would take 2 s and let no tick through while each query waits.
    assert float(seconds) < 1.8, seconds
    assert int(ticks) >= 10, ticks
