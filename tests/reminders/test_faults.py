"""Faults: the provider down for ten minutes, a dispatcher killed mid-batch, two processes."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from models import Database, Outbox, OutboxState
from models.migrate import upgrade
from reminders.dispatch import sweep
from reminders.outbox import queue_sms
from reminders.providers import TwilioSettings, make_telephony
from reminders.timing import LEASE
from tests.fakes.twilio_server import SERVICE_UNAVAILABLE, FakeTwilio

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # 08:00 in Stockholm


def telephony_for(db: Database, fake: FakeTwilio):
    return make_telephony(
        db,
        TwilioSettings(
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            from_number="+46850000000",
            public_url="https://boendestod.example.se",
            api_base_url=fake.url,
        ),
    )


def queue_reminders(db: Database, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            queue_sms(s, f"+4670{i:07d}", f"Påminnelse {i}", purpose="reminder", due_at=T0)


def states(db: Database) -> Counter:
    with db.transaction() as s:
        return Counter(s.scalars(select(Outbox.state)))


def test_a_provider_down_for_ten_minutes_loses_and_duplicates_nothing(db: Database) -> None:
    queue_reminders(db, 60)
    with FakeTwilio() as fake:
        telephony = telephony_for(db, fake)
        fake.down = SERVICE_UNAVAILABLE
        tick = T0
        while tick < T0 + timedelta(minutes=30):
            if tick >= T0 + timedelta(minutes=10):
                fake.down = None
            sweep(db, telephony, "x", now=tick)
            tick += timedelta(seconds=30)
        bodies = Counter(m.body for m in fake.messages())
        refused = sum(1 for _, code in fake.log if code == 503)
    assert len(bodies) == 60, "every reminder delivered"
    assert set(bodies.values()) == {1}, "none twice"
    assert states(db) == {OutboxState.SENT: 60}
    # While it was down the dispatcher paused instead of hammering: about one try per sweep.
    assert refused <= 60 + 10 * 2


def run_child(
    url: str, api: str, now: datetime, workers: int = 1, in_flight: int = 1
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reminders.dispatcher_child",
            url,
            api,
            now.isoformat(),
            str(workers),
            str(in_flight),
        ],
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("in_flight", "duplicates_allowed"),
    [
        # The plain path sends one at a time: the one message on the wire may go twice.
        (1, 1),
        # Eight on the wire and hand-overs recorded in groups: the dead process leaves many rows
        # in doubt, and each is looked up at Twilio before it is sent again, so none goes twice.
        (8, 0),
    ],
    ids=["one-at-a-time", "eight-in-flight"],
)
def test_a_dispatcher_killed_mid_batch_and_restarted_loses_nothing(
    db: Database, in_flight: int, duplicates_allowed: int
) -> None:
    queue_reminders(db, 80)
    with FakeTwilio(latency=0.02) as fake:
        child = run_child(db.url, fake.url, T0, in_flight=in_flight)
        deadline = time.monotonic() + 30
        while len(fake.messages()) < 25 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        before_restart = len(fake.messages())
        assert 0 < before_restart < 80, "killed in the middle"
        with db.transaction() as s:
            unrecorded = s.scalar(
                select(func.count(Outbox.id)).where(Outbox.state == OutboxState.SENDING)
            )
        # The restarted process takes over the dead one's claims once their lease has run out.
        restarted = run_child(
            db.url, fake.url, T0 + LEASE + timedelta(seconds=1), in_flight=in_flight
        )
        assert restarted.wait(timeout=60) == 0
        bodies = Counter(m.body for m in fake.messages())
    duplicates = sum(n - 1 for n in bodies.values())
    print(
        f"SIGKILL after {before_restart} sent ({unrecorded} claimed, not recorded), "
        f"{in_flight} in flight: 80 reminders, {len(bodies)} delivered, "
        f"{duplicates} duplicate(s) for 1 crash"
    )
    assert len(bodies) == 80, "none lost"
    assert duplicates <= duplicates_allowed
    assert states(db) == {OutboxState.SENT: 80}


def _postgres_url() -> str:
    if not shutil.which("pg_ctl") and not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI has it")
    base = subprocess.run(
        [str(ROOT / ".ci" / "start-postgres")], capture_output=True, text=True, check=True
    ).stdout.strip()
    server, _, _ = base.rpartition("/")
    admin = Database(f"{server}/postgres")
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS boendestod_issue5_two_processes"))
        conn.execute(text("CREATE DATABASE boendestod_issue5_two_processes"))
    admin.dispose()
    return f"{server}/boendestod_issue5_two_processes"


def test_two_processes_on_one_postgresql_send_each_reminder_exactly_once() -> None:
    url = _postgres_url()
    upgrade(url)
    db = Database(url)
    try:
        queue_reminders(db, 300)
        with FakeTwilio(latency=0.002) as fake:
            children = [run_child(url, fake.url, T0, in_flight=8) for _ in range(2)]
            assert [c.wait(timeout=120) for c in children] == [0, 0]
            bodies = Counter(m.body for m in fake.messages())
        assert len(bodies) == 300
        assert set(bodies.values()) == {1}
        assert states(db) == {OutboxState.SENT: 300}
    finally:
        db.dispose()
