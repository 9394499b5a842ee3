"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app.

Nothing here may reach the internet: the SMS provider is the dev one unless a test sets up the
local fake, and Twilio's real API host is refused outright.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models import Base, Database, sealed
from models.migrate import upgrade
from portal.app import create_app
from portal.config import Settings
from tests.chromium import browser  # noqa: F401  (a fixture for every folder)

TEST_SECRET = "test-secret-" + "x" * 40
TEST_SEALING_KEYS = (sealed.derive_key(TEST_SECRET),)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``TEST_CLOCK``, skip the tests whose servers keep the real clock (a sign-in code
    or a due time reckoned on the moved clock means nothing to them)."""
    if os.environ.get("TEST_CLOCK"):
        skip = pytest.mark.skip(reason="TEST_CLOCK: its servers keep the real clock")
        for item in items:
            if item.get_closest_marker("real_clock"):
                item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _clock_of_the_run() -> Iterator[None]:
    """``TEST_CLOCK=2026-12-09T00:30+01:00`` runs the suite with this process's clock (app and
    test) moved to that moment and ticking, to find tests that hold only at some hours: CI runs
    whenever a change lands, and runs at 22:05 and 23:31 Stockholm each found one. Chromium,
    PostgreSQL and servers started as subprocesses keep the real clock."""
    moment = os.environ.get("TEST_CLOCK")
    if not moment:
        yield
        return
    with time_machine.travel(datetime.fromisoformat(moment), tick=True):
        yield


@pytest.fixture(autouse=True)
def _sealing_keys() -> None:
    """The keys the app derives from TEST_SECRET, for the sealed columns tests write without an
    app (and that subprocesses started with SECRET_KEY=TEST_SECRET read); set again for each
    test, as a command or an app with another secret changes the process's keys."""
    sealed.use_keys(TEST_SEALING_KEYS)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Give the next test the root logger this one found: a command run with click's CliRunner
    configures logging onto the runner's stream, which is closed once the command returns."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to connect beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise RuntimeError(f"test tried to reach {address!r}: no internet in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The suite's database; with pytest-xdist each worker has its own (a file, or a database
    named after the worker beside TEST_DATABASE_URL's), so tests that empty it never meet."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _database_beside(url, f"{make_url(url).database}_{worker}")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _database_beside(url: str, name: str) -> str:
    """The URL of database ``name`` on ``url``'s server, created when missing."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    if database.is_postgres:
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(database_url)
    yield database
    database.dispose()


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database beside the suite's own: a file for SQLite, a database on PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"boendestod_scratch_{secrets.token_hex(4)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wipe(database: Database) -> None:
    """Empty every table, keeping the schema."""
    with database.engine.begin() as conn:
        if database.is_postgres:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(migrated: Database) -> Iterator[Database]:
    wipe(migrated)
    # The database outlives each test's app; forget the last app's listeners and waker.
    migrated.configure_session = None
    yield migrated
    migrated.configure_session = None


def settings_for_tests(database_url: str, **changes: object) -> Settings:
    """Settings for tests: nothing implicit, the scheduler off, the dev SMS provider."""
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        public_url="http://localhost",
        twilio=None,
        demo_skip_totp=False,
        scheduler=False,
        cookie_secure=True,
    )
    return settings.with_(**changes) if changes else settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for_tests(database_url)


@pytest.fixture
def working_morning(settings: Settings) -> Iterator[datetime]:
    """The clock of this process (app and test) moved to next week's Wednesday at 09:00 local
    and ticking, for tests that book or ask for help "today": within support hours whenever
    the suite runs (one run at 22:05 Stockholm found "too late today"), and in the future, so
    the cookies Chromium keeps are not already out of date. Playwright's own waits use the
    monotonic clock, which does not move."""
    today = datetime.now(settings.zone).date()
    wednesday = today + timedelta(days=7 + (2 - today.weekday()) % 7)
    morning = datetime.combine(wednesday, time(9), tzinfo=settings.zone)
    with time_machine.travel(morning, tick=True):
        yield morning


@pytest.fixture
def app(settings: Settings, db: Database) -> Iterator[Flask]:
    application = create_app(settings, db=db)
    application.config["TESTING"] = True
    yield application
    application.extensions["boendestod.dispatcher"].shutdown()


def https_client(app: Flask) -> FlaskClient:
    """A browser-like test client whose requests arrive over https (the cookies are Secure)."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    return https_client(app)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: bytes | str) -> str:
    text_ = html.decode() if isinstance(html, bytes) else html
    match = CSRF.search(text_)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(web: FlaskClient, url: str, data: dict[str, str], page: str | None = None):
    """GET the form page (``page`` or ``url``) for its CSRF token, then POST ``data``."""
    token = csrf_from(web.get(page or url).data)
    return web.post(url, data={**data, "csrf_token": token})


def sms_to(web: FlaskClient, phone: str) -> list[str]:
    """Bodies of the SMS the dev provider kept for ``phone``, newest first."""
    return [m["body"] for m in web.get("/dev/outbox.json").json if m["to"] == phone]


ROOT = Path(__file__).resolve().parent.parent
