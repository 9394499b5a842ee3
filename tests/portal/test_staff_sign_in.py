"""Staff sign in with username, password and a TOTP code."""

from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import Database, Role, utcnow
from portal.app import create_app
from tests.conftest import https_client, post_form
from tests.factories import make_staff

pytestmark = pytest.mark.db
PASSWORD = "correct horse battery"


@pytest.fixture
def totp_secret(db: Database) -> str:
    with db.transaction() as s:
        return make_staff(s, "karin", roles=[Role.CASEWORKER]).totp_secret


def login(web: FlaskClient, totp: str, username: str = "karin", password: str = PASSWORD):
    return post_form(
        web, "/personal/logga-in", {"username": username, "password": password, "totp": totp}
    )


def test_right_password_and_totp_land_on_the_caseworker_queue(
    web: FlaskClient, totp_secret: str
) -> None:
    response = login(web, pyotp.TOTP(totp_secret).now())
    assert response.status_code == 302 and response.location.endswith("/personal/arenden")
    assert "Öppna ärenden" in web.get("/personal/arenden").text


def test_a_wrong_totp_is_refused(web: FlaskClient, totp_secret: str) -> None:
    code = pyotp.TOTP(totp_secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = login(web, wrong)
    assert response.status_code == 401
    assert "Fel användarnamn, lösenord eller kod" in response.text
    assert web.get("/personal/arenden").status_code == 302


def test_a_code_from_an_old_time_window_is_refused(web: FlaskClient, totp_secret: str) -> None:
    stale = pyotp.TOTP(totp_secret).at(utcnow() - timedelta(minutes=5))
    assert login(web, stale).status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(
    web: FlaskClient, totp_secret: str
) -> None:
    code = pyotp.TOTP(totp_secret).now()
    wrong_password = login(web, code, password="nope")
    unknown = login(web, code, username="nobody")
    assert wrong_password.status_code == unknown.status_code == 401
    assert "Fel användarnamn, lösenord eller kod" in unknown.text


def test_ten_failures_lock_the_account_for_a_while(web: FlaskClient, totp_secret: str) -> None:
    for _ in range(10):
        login(web, "000000", password="nope")
    response = login(web, pyotp.TOTP(totp_secret).now())
    assert response.status_code == 429


def test_demo_accounts_skip_totp_only_while_the_demo_setting_is_on(db: Database, settings) -> None:
    with db.transaction() as s:
        make_staff(s, "anna", is_demo=True)
        make_staff(s, "omar", is_demo=False)
    demo: Flask = create_app(settings.with_(demo_skip_totp=True), db=db)
    web = https_client(demo)
    assert "DEMO" in web.get("/personal/logga-in").text
    assert login(web, "", username="anna").location.endswith("/personal/idag")
    assert login(https_client(demo), "", username="omar").status_code == 401

    strict = https_client(create_app(settings, db=db))
    assert "DEMO" not in strict.get("/personal/logga-in").text
    assert login(strict, "", username="anna").status_code == 401
