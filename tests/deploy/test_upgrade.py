"""Upgrading: a database the previous release made and filled is brought to head and served.

The previous release's own code (from git history) migrates an empty database and seeds the demo
world into it, exactly as a municipality running that release would have it. Then this release's
`boendestod db upgrade` runs, and this release's app serves Sandra her day from it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from models import Client, Database, sealed
from models.migrate import schema_differences
from portal.app import create_app
from tests.conftest import ROOT, TEST_SECRET, settings_for_tests
from tests.deploy.conftest import day_section, todays_visits
from tests.portal.helpers import client_client

pytestmark = pytest.mark.db

#: The last commit of the release before this one (main as it landed on 2026-12-06).
PREVIOUS_RELEASE = "01f3901bab27e828632360797181074fe0173fe9"
PACKAGES = ("models", "portal", "reminders", "video", "templates")


def previous_release(into: Path) -> Path:
    """Unpack the previous release's code from git history into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS_RELEASE, *PACKAGES],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_previous(code: Path, script: str, database_url: str) -> str:
    """Run ``script`` with the previous release's packages first on the path."""
    env = {**os.environ, "PYTHONPATH": str(code), "DATABASE_URL": database_url, "APP_ENV": "demo"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=code, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_database_of_the_previous_release_upgrades_and_serves_sandra_her_day(
    empty_database_url: str, tmp_path: Path
) -> None:
    code = previous_release(tmp_path / "previous")
    loaded_from = run_previous(
        code,
        "import portal, portal.cli as c; c.seed_demo(c.from_env('demo'), clients=5);"
        "print(portal.__file__)",
        empty_database_url,
    )
    assert loaded_from.strip().startswith(str(code)), "the old code must be the one that ran"

    # As the install guide runs it: with the app's settings, so 0019 can seal the TOTP secrets.
    upgraded = subprocess.run(
        [sys.executable, "-m", "portal.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": empty_database_url, "SECRET_KEY": TEST_SECRET},
        capture_output=True,
        text=True,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    engine = create_engine(empty_database_url)
    try:
        assert schema_differences(engine) == []
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT totp_secret FROM staff")).scalars().all()
        assert stored and all(s.startswith(sealed.TOKEN_PREFIX) for s in stored if s)
    finally:
        engine.dispose()

    db = Database(empty_database_url)
    try:
        app = create_app(settings_for_tests(empty_database_url), db=db)
        with db.transaction() as s:
            sandra = s.scalar(select(Client).where(Client.phone == "+46700000001"))
            assert sandra is not None
            sandra_id = sandra.id
        day = client_client(app, db, sandra_id).get("/min-dag")
        assert day.status_code == 200
        today, visits = day_section(day.text), todays_visits(db, sandra_id)
        assert today.count('<li class="visit">') == len(visits)
        assert all(worker in today for _, worker in visits)
        assert visits or "Inga besök idag." in today
        app.extensions["boendestod.dispatcher"].shutdown()
    finally:
        db.dispose()
