"""The files the app reads besides code: where they are, and what of them is served."""

from pathlib import Path

from flask.testing import FlaskClient

from portal.i18n import missing_catalogues
from portal.resources import TEMPLATES, TRANSLATIONS


def test_the_vendored_socket_io_client_is_served_and_nothing_else(web: FlaskClient) -> None:
    served = web.get("/vendor/socket.io.min.js")
    assert served.status_code == 200 and "javascript" in served.content_type
    assert b"io" in served.data and len(served.data) > 10_000
    for name in ("package.json", "..%2Fresources.py", "..%2F..%2Fpyproject.toml"):
        assert web.get(f"/vendor/{name}").status_code == 404, name


def test_templates_and_compiled_catalogues_are_where_the_app_looks() -> None:
    assert (TEMPLATES / "base.html").is_file()
    assert missing_catalogues(("sv", "en", "ar"), TRANSLATIONS) == []


def test_a_language_without_a_compiled_catalogue_is_named(tmp_path: Path) -> None:
    compiled = tmp_path / "en" / "LC_MESSAGES" / "messages.mo"
    compiled.parent.mkdir(parents=True)
    compiled.write_bytes(b"")
    (tmp_path / "ar" / "LC_MESSAGES").mkdir(parents=True)
    # Swedish is the source language: it has no catalogue and needs none.
    assert missing_catalogues(("sv", "en", "ar"), tmp_path) == ["ar"]
