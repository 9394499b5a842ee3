"""Fixtures for install-and-operate tests: empty databases of the kind under test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from models import Database, Visit, utcnow
from models.visits import ACTIVE_STATUSES
from tests.browser.conftest import browser  # noqa: F401  (the smoke test's Chromium)


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


def todays_visits(db: Database, client_id: int) -> list[tuple[str, str]]:
    """(local start "HH:MM", worker's first name) of a client's visits today that were not
    cancelled (none, when the demo's dice cancelled today's), for comparing days."""
    zone = ZoneInfo("Europe/Stockholm")
    today = utcnow().astimezone(zone).date()
    with db.transaction() as s:
        visits = s.scalars(select(Visit).where(Visit.client_id == client_id)).all()
        found = [
            (v.planned_start.astimezone(zone).strftime("%H:%M"), v.staff.first_name)
            for v in visits
            if v.planned_start.astimezone(zone).date() == today and v.status in ACTIVE_STATUSES
        ]
    return sorted(found)


def day_section(page: str) -> str:
    """The "today" part of a client's start page, as the client reads it."""
    start = page.index('<h2 id="idag">')
    return page[start : page.index("<h2", start + 1)]
