"""Clients sign in with their phone number and a one-time SMS code."""

import re
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Database, Device, LoginCode, utcnow
from tests.conftest import csrf_from, https_client, post_form, sms_to
from tests.factories import make_client

pytestmark = pytest.mark.db
SANDRA = "+46700000001"


@pytest.fixture
def sandra(db: Database) -> int:
    with db.transaction() as s:
        return make_client(s, first_name="Sandra", phone=SANDRA).id


def ask_for_code(web: FlaskClient, typed: str = "070-000 00 01"):
    return post_form(web, "/logga-in", {"phone": typed})


def enter_code(web: FlaskClient, code: str):
    return post_form(web, "/logga-in/kod", {"code": code})


def latest_code(web: FlaskClient, phone: str = SANDRA) -> str:
    return re.search(r"\b(\d{6})\b", sms_to(web, phone)[0]).group(1)


def test_sandra_signs_in_with_the_code_from_her_sms_and_stays_signed_in(
    web: FlaskClient, sandra: int
) -> None:
    response = ask_for_code(web, "070-000 00 01")
    assert response.status_code == 302 and response.location.endswith("/logga-in/kod")
    [sms] = sms_to(web, SANDRA)
    assert "Sandra" not in sms  # the code SMS says nothing about who or why
    response = enter_code(web, latest_code(web))
    assert response.location.endswith("/min-dag")
    cookie = web.get_cookie("device")
    assert cookie.http_only and cookie.secure and cookie.same_site == "Lax"
    assert cookie.expires - utcnow() > timedelta(days=300)
    page = web.get("/min-dag")
    assert page.status_code == 200 and "Hej Sandra!" in page.text
    # The Flask session is gone (browser restarted); the device still signs her in.
    web.delete_cookie("session")
    assert "Hej Sandra!" in web.get("/min-dag").text


def test_a_malformed_number_is_shown_again_with_an_easy_read_explanation(
    web: FlaskClient, sandra: int
) -> None:
    response = ask_for_code(web, "070-12")
    assert response.status_code == 400
    assert "Numret ser inte rätt ut" in response.text
    assert 'value="070-12"' in response.text
    assert sms_to(web, SANDRA) == []


def test_an_unknown_number_gets_the_same_answer_but_no_sms(web: FlaskClient, db: Database) -> None:
    response = ask_for_code(web, "070-999 99 99")
    assert response.status_code == 302 and response.location.endswith("/logga-in/kod")
    assert sms_to(web, "+46709999999") == []


def test_a_wrong_code_says_how_many_tries_are_left(web: FlaskClient, sandra: int) -> None:
    ask_for_code(web)
    code = latest_code(web)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = enter_code(web, wrong)
    assert response.status_code == 400
    assert "Du kan försöka 4 gånger till" in response.text
    assert web.get("/min-dag").status_code == 302  # not signed in


def test_five_wrong_codes_lock_the_number_for_a_while(
    web: FlaskClient, sandra: int, db: Database
) -> None:
    ask_for_code(web)
    code = latest_code(web)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert enter_code(web, wrong).status_code == 400
    locked = enter_code(web, wrong)
    assert locked.status_code == 429 and "Vänta 15 minuter" in locked.text
    # Even the right code is refused now, and no new code is sent.
    assert enter_code(web, code).status_code == 429
    assert ask_for_code(web).status_code == 429
    assert len(sms_to(web, SANDRA)) == 1
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert ask_for_code(web).status_code == 302
        assert enter_code(web, latest_code(web)).location.endswith("/min-dag")


def test_a_code_older_than_ten_minutes_no_longer_works(web: FlaskClient, sandra: int) -> None:
    ask_for_code(web)
    code = latest_code(web)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=5)):
        response = enter_code(web, code)
    assert response.status_code == 400
    assert "Koden gäller inte längre" in response.text


def test_a_used_code_cannot_be_used_again(web: FlaskClient, sandra: int, app) -> None:
    ask_for_code(web)
    code = latest_code(web)
    enter_code(web, code)
    other = https_client(app)
    ask_for_code(other)
    # ``other`` asked for a new code; the old one must not sign anyone in.
    assert enter_code(other, code).status_code == 400


def test_no_more_than_three_codes_in_fifteen_minutes(web: FlaskClient, sandra: int) -> None:
    for _ in range(3):
        assert ask_for_code(web).status_code == 302
    response = ask_for_code(web)
    assert response.status_code == 429 and "Vänta 15 minuter" in response.text
    assert len(sms_to(web, SANDRA)) == 3


def test_a_tampered_device_cookie_signs_no_one_in_and_is_removed(
    web: FlaskClient, sandra: int
) -> None:
    ask_for_code(web)
    enter_code(web, latest_code(web))
    token = web.get_cookie("device").value
    web.set_cookie("device", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    web.delete_cookie("session")
    response = web.get("/min-dag")
    assert response.status_code == 302 and response.location.endswith("/logga-in")
    assert web.get_cookie("device") is None


def test_signing_out_forgets_the_device(web: FlaskClient, sandra: int, db: Database) -> None:
    ask_for_code(web)
    enter_code(web, latest_code(web))
    token = web.get_cookie("device").value
    page = web.get("/min-dag")
    response = web.post("/logga-ut", data={"csrf_token": csrf_from(page.data)})
    assert response.location.endswith("/logga-in")
    web.set_cookie("device", token)  # even a copy of the old cookie is now worthless
    assert web.get("/min-dag").status_code == 302
    with db.transaction() as s:
        assert s.scalar(select(func.count(Device.id)).where(Device.revoked_at.is_(None))) == 0


def test_nothing_half_written_when_the_number_is_bad(web: FlaskClient, db: Database) -> None:
    ask_for_code(web, "not a number")
    with db.transaction() as s:
        assert s.scalar(select(func.count(LoginCode.id))) == 0
