"""What the load benchmarks share: a throw-away PostgreSQL database with the largest tenant,
signed-in people, the servers as production runs them, Locust, and where the CPU went.

Used by ``start_page.py`` and ``peak_hour.py``; the Locust files beside them read what this
module writes (hosts and cookies) from environment variables.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "bench-" + "k" * 40
PUBLIC_URL = "https://boendestod.example"


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# -- PostgreSQL ------------------------------------------------------------------------------


@dataclass
class Postgres:
    url: str
    data_dir: Path
    started_here: bool

    def stop(self) -> None:
        if self.started_here:
            cmd = [f"{_pg_bin()}/pg_ctl", "-D", str(self.data_dir / "data"), "-m", "fast", "stop"]
            if os.getuid() == 0:  # as .ci/start-postgres started it
                cmd = ["runuser", "-u", "postgres", "--", *cmd]
            subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "data" / "postmaster.pid").read_text().split()[0])


def _pg_bin() -> str:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[
        -1
    ].as_posix()


def postgres(port: int) -> Postgres:
    """Start (or reuse) the throw-away PostgreSQL of ``.ci/start-postgres`` and make an empty
    ``boendestod_load`` database in it."""
    from sqlalchemy import create_engine, text

    data_dir = Path(f"/tmp/pg-bench-{port}")
    running = (
        subprocess.run(
            [f"{_pg_bin()}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False
        ).returncode
        == 0
    )
    env = {**os.environ, "PGPORT": str(port), "PGDATA_DIR": str(data_dir)}
    admin = subprocess.run(
        [ROOT / ".ci" / "start-postgres"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS boendestod_load WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE boendestod_load"))
    engine.dispose()
    if running:  # somebody else's instance on this port: leave it running, and its data dir
        data_dir = Path(
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-Atc",
                 "SHOW data_directory"],
                capture_output=True, text=True, check=False,
            ).stdout.strip() or data_dir / "data"
        ).parent  # fmt: skip
    return Postgres(admin.rsplit("/", 1)[0] + "/boendestod_load", data_dir, not running)


# -- The tenant ------------------------------------------------------------------------------


@dataclass
class Tenant:
    clients: list[int]
    workers: list[int]
    coordinators: list[int]


def seed_stockholm(url: str, coordinators: int = 5) -> Tenant:
    """The largest tenant through the real migrations: 2,500 clients, 300 workers, 12,000
    visits this week and 1,000 open requests (``benchmarks.matching``'s generator), plus
    ``coordinators`` of the workers who also coordinate."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select, text

    from benchmarks.matching import build
    from models import Base, Database, Role, Staff, StaffRole
    from models.migrate import upgrade

    upgrade(url)
    db = Database(url)
    build(db, datetime.now(UTC))
    with db.transaction() as s:
        # The generator writes explicit ids; PostgreSQL's sequences must follow them.
        for table in Base.metadata.sorted_tables:
            if (
                "id" in table.c
                and table.c.id.autoincrement
                and s.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
            ):
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        workers = list(s.scalars(select(Staff.id).where(Staff.id < 1000).order_by(Staff.id)))
        chosen = [1000, *workers[: coordinators - 1]]
        s.execute(
            insert(StaffRole), [{"staff_id": i, "role": Role.COORDINATOR} for i in chosen[1:]]
        )
        clients = list(range(1, 2501))
    db.dispose()
    return Tenant(
        clients=clients, workers=[w for w in workers if w not in chosen], coordinators=chosen
    )


def device_cookies(url: str, client_ids: list[int]) -> list[str]:
    """Remember one phone per client, as the SMS sign-in does; return the cookie values."""
    from datetime import UTC, datetime

    from models import Client, Database
    from portal.auth import devices
    from portal.auth.codes import Holder

    db = Database(url)
    with db.transaction() as s:
        tokens = [
            devices.remember(
                s, Holder(client=s.get(Client, c), proxy=None), "load", datetime.now(UTC)
            )
            for c in client_ids
        ]
    db.dispose()
    return tokens


def staff_cookies(url: str, staff_ids: list[int]) -> list[str]:
    """Signed session cookies as a staff sign-in leaves them (a server-side session's token for
    Flask-Login, a CSRF secret), minted with Flask's own serializer and the servers' secret key."""
    from datetime import UTC, datetime

    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from models import Database
    from portal.auth import staff_sessions

    app = Flask("bench")
    app.secret_key = SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    db = Database(url)
    with db.transaction() as s:
        tokens = [staff_sessions.begin(s, i, "127.0.0.1", datetime.now(UTC)) for i in staff_ids]
    db.dispose()
    return [
        serializer.dumps(
            # Not fresh from the start, so Flask-Login's "basic" protection never rewrites it.
            {"_user_id": f"staff:{t}", "_fresh": False, "csrf_token": secrets.token_hex(20)}
        )
        for t in tokens
    ]


def queue_burst(url: str, client_ids: list[int], count: int) -> None:
    """``count`` reminder SMS due now, as the 08:00 rules leave them in the outbox (the row
    shape of ``benchmarks.reminders_burst``; one bulk insert, since a level may ask 100,000)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from models import Database, Outbox, OutboxKind, OutboxState

    if not count:
        return
    now = datetime.now(UTC)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Outbox),
            [
                {
                    "kind": OutboxKind.SMS,
                    "to_phone": f"+4670{c:07d}",  # the generator's numbers
                    "body": "Påminnelse: Ta din medicin.",
                    "purpose": "reminder",
                    "client_id": c,
                    "due_at": now,
                    "next_attempt_at": now,
                    "state": OutboxState.QUEUED,
                    "attempts": 0,
                    "quiet_hours": False,
                    "created_at": now,
                    "reply_window_minutes": 60,
                }
                for n in range(count)
                for c in [client_ids[n % len(client_ids)]]
            ],
        )
    db.dispose()


def outbox_waiting(url: str) -> int:
    from sqlalchemy import func, select

    from models import Database, Outbox, OutboxState

    db = Database(url)
    with db.transaction() as s:
        n = s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.state.in_([OutboxState.QUEUED, OutboxState.SENDING]))
        )
    db.dispose()
    return int(n or 0)


# -- Servers ---------------------------------------------------------------------------------


def server_env(url: str, redis_url: str | None, twilio_url: str | None, scheduler: bool) -> dict:
    """Production settings, SMS through the local Twilio fake."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_URL": PUBLIC_URL,
        "COOKIE_SECURE": "1",
        "SCHEDULER": "1" if scheduler else "0",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "fake-auth-token",
        "TWILIO_FROM": "+46850000000",
        "TWILIO_API_URL": twilio_url or "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["SOCKETIO_MESSAGE_QUEUE"] = redis_url
    return env


@dataclass
class Servers:
    procs: list[subprocess.Popen] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def start_servers(
    module: str, ports: list[int], serve_args: str, env: dict, cpus: str | None, log: Path
) -> Servers:
    """``python -m MODULE serve`` on each port (``portal.cli`` is ``boendestod``); wait until
    each answers ``/healthz``."""
    servers = Servers()
    for port in ports:
        cmd = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port)]
        cmd += shlex.split(serve_args)
        if cpus:
            cmd = ["taskset", "-c", cpus, *cmd]
        out = open(log.with_suffix(f".{port}.log"), "w")  # noqa: SIM115 - closed with the process
        servers.procs.append(
            subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        )
        servers.hosts.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for host, proc in zip(servers.hosts, servers.procs, strict=True):
        while True:
            if proc.poll() is not None:
                servers.stop()
                raise SystemExit(f"{module} on {host} exited; see {log.parent}")
            try:
                with urllib.request.urlopen(host + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    servers.stop()
                    raise SystemExit(f"{module} on {host} did not answer /healthz") from None
                time.sleep(0.2)
    return servers


def write_people(path: Path, **lists: list[str]) -> str:
    path.write_text(json.dumps(lists))
    return str(path)
