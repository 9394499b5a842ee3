"""Backup and restore as docs/backup.md tells it: the restored database serves the same day."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from models import Base, Client, Database, utcnow
from models.migrate import upgrade
from portal.app import create_app
from portal.demo import seed
from tests.conftest import settings_for_tests, wipe
from tests.deploy.conftest import day_section, todays_visits
from tests.portal.helpers import client_client

pytestmark = pytest.mark.db


def libpq(url: str) -> str:
    """The same database as a libpq address, which pg_dump and pg_restore take."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def back_up(url: str, to: Path) -> None:
    if url.startswith("sqlite"):
        # SQLite's online backup: consistent while the app writes (WAL).
        command = ["sqlite3", make_url(url).database, f".backup '{to}'"]
    else:
        command = ["pg_dump", "--format=custom", f"--file={to}", libpq(url)]
    subprocess.run(command, check=True, capture_output=True)


def restore(backup: Path, url: str) -> None:
    """As docs/backup.md says: copy the file back (SQLite), or pg_restore into an empty
    database; then `db upgrade`."""
    if url.startswith("sqlite"):
        database = Path(make_url(url).database)
        shutil.copyfile(backup, database)
        for suffix in ("-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
    else:
        command = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(url)}"]
        subprocess.run([*command, str(backup)], check=True, capture_output=True)
    upgrade(url)


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def served_day(db: Database, url: str) -> tuple[str, list[tuple[str, str]]]:
    app = create_app(settings_for_tests(url), db=db)
    try:
        with db.transaction() as s:
            sandra_id = s.scalar(select(Client.id).where(Client.phone == "+46700000001"))
        page = client_client(app, db, sandra_id).get("/min-dag")
        assert page.status_code == 200
        return page.text, todays_visits(db, sandra_id)
    finally:
        app.extensions["boendestod.dispatcher"].shutdown()


def test_a_restored_backup_serves_sandra_the_same_day(
    db: Database, empty_database_url: str, tmp_path: Path
) -> None:
    """The suite's own database (emptied by ``db``) is backed up and restored into a new one."""
    restored = Database(empty_database_url)
    try:
        with db.transaction() as s:
            seed(s, utcnow(), settings_for_tests(db.url).zone, generated=5)
        day, visits = served_day(db, db.url)
        before = row_counts(db)

        backup = tmp_path / "boendestod.backup"
        back_up(db.url, backup)
        restore(backup, empty_database_url)

        assert row_counts(restored) == before
        page, restored_visits = served_day(restored, empty_database_url)
        assert restored_visits == visits
        assert day_section(page) == day_section(day)
    finally:
        wipe(db)  # leave the suite's database empty for tests that do not empty it themselves
        restored.dispose()
