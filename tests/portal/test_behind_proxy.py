"""Behind nginx on https: sign-in, the person's address, https links, Socket.IO's origin."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEvent, Database, Staff
from portal.app import create_app
from portal.assets import version_of
from portal.config import ConfigError, Settings, from_env
from tests.conftest import csrf_from
from tests.factories import make_client, make_staff
from tests.portal.helpers import PASSWORD, client_client

pytestmark = pytest.mark.db
PUBLIC = "https://boendestod.example.se"
PERSON = "198.51.100.7"  # the browser's address, as nginx appends it
FORGED = "203.0.113.66"  # what a client wrote into X-Forwarded-For itself


@pytest.fixture
def app_for(settings: Settings, db: Database):
    apps: list[Flask] = []

    with db.transaction() as s:
        make_staff(s, "karin")

    def make(trusted_proxies: int) -> Flask:
        app = create_app(settings.with_(public_url=PUBLIC, trusted_proxies=trusted_proxies), db=db)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["boendestod.dispatcher"].shutdown()


def through_nginx(app: Flask) -> FlaskClient:
    """Requests as nginx passes them on: from 127.0.0.1, with the headers deploy/nginx sets."""
    web = app.test_client()
    web.environ_base.update(
        {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": f"{FORGED}, {PERSON}",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "boendestod.example.se",
        }
    )
    return web


def sign_in_karin(web: FlaskClient, db: Database, referer: str | None) -> int:
    with db.transaction() as s:
        secret = s.scalar(select(Staff.totp_secret).where(Staff.username == "karin"))
    page = web.get("/personal/logga-in")
    assert page.status_code == 200
    response = web.post(
        "/personal/logga-in",
        data={
            "username": "karin",
            "password": PASSWORD,
            "totp": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(page.data),
        },
        headers={"Referer": referer} if referer else {},
    )
    return response.status_code


def karins_client(db: Database) -> int:
    with db.transaction() as s:
        karin = s.scalar(select(Staff).where(Staff.username == "karin"))
        return make_client(s, "Sandra", workers=[karin]).id


def audited_addresses(db: Database) -> list[str | None]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent.ip).where(AuditEvent.subject == "client.record")))


def test_staff_sign_in_over_https_behind_the_proxy_and_the_audit_log_has_their_address(
    app_for, db: Database
) -> None:
    web = through_nginx(app_for(1))
    page = web.get("/personal/logga-in")
    # Our pages send the Referer to our own site only: the CSRF check on https needs it.
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert sign_in_karin(web, db, referer=f"{PUBLIC}/personal/logga-in") == 302
    assert web.get(f"/personal/klient/{karins_client(db)}").status_code == 200
    assert audited_addresses(db) == [PERSON]


def test_over_https_a_post_from_another_site_is_still_refused(app_for, db: Database) -> None:
    web = through_nginx(app_for(1))
    assert sign_in_karin(web, db, referer="https://elak.example/personal/logga-in") == 400
    assert sign_in_karin(web, db, referer=None) == 400


def test_without_a_trusted_proxy_forged_forwarded_headers_change_nothing(
    app_for, db: Database
) -> None:
    # A client talks to the app directly and claims another address, https and another host.
    web = through_nginx(app_for(0))
    assert sign_in_karin(web, db, referer=None) == 302  # plain http: no Referer check
    assert web.get(f"/personal/klient/{karins_client(db)}").status_code == 200
    assert audited_addresses(db) == ["127.0.0.1"]


def test_a_calendar_link_is_on_public_url_whatever_address_the_request_came_to(
    app_for, db: Database
) -> None:
    app = app_for(0)
    with db.transaction() as s:
        client_id = make_client(s, "Sandra").id
    web = client_client(app, db, client_id)
    token = csrf_from(web.get("/boka/kalender").data)
    page = web.post("/boka/kalender", data={"csrf_token": token})
    assert page.status_code == 200
    # The address to copy is https; the button opens the same address as webcal://.
    assert re.search(r'value="https://boendestod\.example\.se/kalender/[\w-]+\.ics"', page.text)
    assert re.search(r'href="webcal://boendestod\.example\.se/kalender/[\w-]+\.ics"', page.text)
    assert "localhost" not in page.text


def origin_refused(web: FlaskClient, origin: str, **headers: str) -> bool:
    """Does Socket.IO refuse a handshake from a page on ``origin``?"""
    response = web.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin, **headers})
    # Checked before anything else, so also where only WebSocket transport is served.
    return response.status_code == 400 and b"Not an accepted origin" in response.data


def test_socketio_accepts_exactly_the_origin_of_public_url(app_for) -> None:
    web = through_nginx(app_for(1))
    assert not origin_refused(web, PUBLIC)
    assert origin_refused(web, "https://elak.example")
    assert origin_refused(web, "http://boendestod.example.se")
    # Before, the origin was checked against X-Forwarded-Host, which anyone can send.
    direct = app_for(0).test_client()
    forged = {"X-Forwarded-Host": "elak.example", "X-Forwarded-Proto": "https"}
    assert origin_refused(direct, "https://elak.example", **forged)


def test_static_addresses_change_when_the_file_changes(app_for, tmp_path: Path) -> None:
    page = app_for(0).test_client().get("/logga-in").text
    assert re.search(r'href="/static/app\.css\?v=[0-9a-f]{12}"', page), page[:500]
    css = tmp_path / "a.css"
    css.write_text("body{color:black}")
    before = version_of(css)
    css.write_text("body{color:navy}")
    assert version_of(css) != before


@pytest.mark.parametrize("value", ["nginx", "-1", "1.5"])
def test_a_bad_trusted_proxies_refuses_the_start_naming_the_setting(value: str) -> None:
    environ = {"APP_ENV": "demo", "DATABASE_URL": "sqlite://", "TRUSTED_PROXIES": value}
    with pytest.raises(ConfigError, match="^TRUSTED_PROXIES must be"):
        from_env(environ=environ)
