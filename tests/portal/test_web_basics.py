"""Headers, cookies, CSRF, error pages, health and the dev outbox."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import Database
from portal.app import create_app
from reminders.providers import TwilioSettings
from tests.conftest import csrf_from, https_client
from tests.factories import make_client

pytestmark = pytest.mark.db


def test_pages_carry_a_strict_csp_without_inline_script(web: FlaskClient) -> None:
    response = web.get("/logga-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in response.text and " style=" not in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_secure_httponly_and_samesite(web: FlaskClient) -> None:
    web.get("/logga-in")
    cookie = web.get_cookie("session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_a_form_without_its_csrf_token_is_refused_kindly(web: FlaskClient, db: Database) -> None:
    with db.transaction() as s:
        make_client(s, phone="+46700000001")
    response = web.post("/logga-in", data={"phone": "070-000 00 01"})
    assert response.status_code == 400
    assert "Sidan var för gammal" in response.text
    assert web.get("/dev/outbox.json").json == []


def test_unknown_pages_get_an_easy_read_404_with_a_way_home(web: FlaskClient) -> None:
    response = web.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.text and 'href="/"' in response.text


def test_a_crash_shows_a_friendly_page_and_no_stack_trace(settings, db: Database) -> None:
    app = create_app(settings, db=db)

    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Det är vårt fel" in response.text
    assert "ZeroDivisionError" not in response.text and "Traceback" not in response.text


def test_healthz_reports_database_and_scheduler(web: FlaskClient) -> None:
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "db": "ok", "scheduler": "off"}


def test_healthz_says_503_when_the_database_cannot_be_reached(settings) -> None:
    down = settings.with_(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(down)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["db"] == "unreachable"
    page = app.test_client().get("/logga-in")
    assert page.status_code == 200  # a page that needs no data still works
    login = app.test_client().post(
        "/logga-in", data={"phone": "070-000 00 01", "csrf_token": csrf_from(page.data)}
    )
    assert login.status_code in (400, 503)
    assert "Traceback" not in login.text


def test_a_page_that_needs_the_database_says_so_in_easy_read_when_it_is_down(settings) -> None:
    down = settings.with_(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    web = https_client(create_app(down))
    web.set_cookie("device", "x" * 43)
    response = web.get("/min-dag")
    assert response.status_code == 503
    assert "Tjänsten fungerar inte just nu" in response.text


def test_the_dev_outbox_is_404_when_twilio_is_configured(settings, db: Database) -> None:
    twilio = TwilioSettings(account_sid="AC" + "0" * 32, auth_token="t", from_number="+46700000000")
    app: Flask = create_app(settings.with_(twilio=twilio), db=db)
    web = app.test_client()
    assert web.get("/dev/outbox").status_code == 404
    assert web.get("/dev/outbox.json").status_code == 404


def test_english_is_available_and_swedish_is_the_default(web: FlaskClient) -> None:
    assert '<html lang="sv"' in web.get("/logga-in").text
    web.get("/sprak/en?next=/logga-in")
    page = web.get("/logga-in").text
    assert '<html lang="en"' in page and "Your mobile number" in page
