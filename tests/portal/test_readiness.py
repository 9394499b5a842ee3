"""GET /readyz: not ready while the schema is behind the code or the package lacks its files."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from alembic.script import ScriptDirectory

from models import Database
from models.migrate import alembic_config, head_revision, upgrade
from portal.app import create_app
from tests.conftest import https_client, settings_for_tests


def one_before_head() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(head_revision())
    assert isinstance(head.down_revision, str)
    return head.down_revision


def test_not_ready_while_the_schema_is_behind_and_ready_once_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, one_before_head())  # the database of the previous release
    db = Database(url)
    try:
        web = https_client(create_app(settings_for_tests(url), db=db))
        behind = web.get("/readyz")
        assert behind.status_code == 503
        assert behind.json["status"] == "not ready"
        assert behind.json["database"] == {
            "status": "behind",
            "revision": one_before_head(),
            "head": head_revision(),
        }
        assert web.get("/healthz").status_code == 200, "alive all the same: do not restart it"

        upgrade(url)  # boendestod db upgrade
        ready = web.get("/readyz")
        assert ready.status_code == 200
        assert ready.json["status"] == "ready"
        assert ready.json["database"]["revision"] == head_revision()
        assert ready.json["version"] == version("boendestod")
        assert ready.json["templates"] == "ok" and ready.json["static"] == "ok"
    finally:
        db.dispose()


def test_an_empty_database_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db = Database(url)
    try:
        answer = https_client(create_app(settings_for_tests(url), db=db)).get("/readyz")
        assert answer.status_code == 503
        assert answer.json["database"]["revision"] is None
    finally:
        db.dispose()


def test_not_ready_when_the_install_lacks_templates_or_static_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    upgrade(url)
    db = Database(url)
    try:
        app = create_app(settings_for_tests(url), db=db)
        # What a package built without its data files looks like: empty folders.
        app.template_folder = str(tmp_path / "templates")
        app.static_folder = str(tmp_path / "static")
        answer = https_client(app).get("/readyz")
        assert answer.status_code == 503
        assert answer.json["templates"] == "missing" and answer.json["static"] == "missing"
    finally:
        db.dispose()
