"""The session cookie is signed, not encrypted: what a person types before proving their number
stays on the server, and the cookie carries only a random token for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Database, Draft, utcnow
from portal.auth.drafts import DRAFT_TTL, delete_expired_job
from tests.conftest import https_client, post_form, sms_to
from tests.factories import make_client

pytestmark = pytest.mark.db
EVA = {"name": "Eva", "phone": "070-999 99 99", "text": "Jag behöver någon att prata med"}


def cookie_contents(app: Flask, web: FlaskClient) -> str:
    """What anyone holding the cookie can read: Flask's own serializer, no secret needed to
    read it (the key only checks the signature)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(web.get_cookie("session").value))


def drafts_kept(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count(Draft.id)))


def test_the_first_contact_cookie_has_no_name_number_or_words_and_the_form_completes(
    app: Flask, db: Database
) -> None:
    web = https_client(app)
    assert post_form(web, "/fraga", EVA).status_code == 302
    seen = cookie_contents(app, web)
    # The name as a stored value and the number's seven nines however written: the random
    # tokens in the cookie hold short runs such as "999" or "Eva" now and then (a CI run failed).
    for personal in ("'Eva'", "9999999", "prata"):
        assert personal not in seen
    code = re.search(r"\d{6}", sms_to(web, "+46709999999")[0]).group(0)
    assert "070-999 99 99" in web.get("/fraga/kod").text  # the page still shows the number
    page = post_form(web, "/fraga/kod", {"code": code})
    assert page.status_code == 200 and "Tack Eva!" in page.text
    assert drafts_kept(db) == 0


def test_the_number_waiting_for_a_sign_in_code_is_not_in_the_cookie(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        make_client(s, first_name="Sandra", phone="+46700000001")
    web = https_client(app)
    post_form(web, "/logga-in", {"phone": "070-000 00 01"})
    assert "0000001" not in cookie_contents(app, web)
    code = re.search(r"\b(\d{6})\b", sms_to(web, "+46700000001")[0]).group(1)
    assert post_form(web, "/logga-in/kod", {"code": code}).status_code == 302
    assert "Sandra" in web.get("/min-dag").text
    assert drafts_kept(db) == 0


def test_a_first_contact_left_for_hours_is_forgotten(app: Flask, db: Database) -> None:
    web = https_client(app)
    post_form(web, "/fraga", EVA)
    with time_machine.travel(utcnow() + DRAFT_TTL + timedelta(minutes=1)):
        assert web.get("/fraga/kod").location == "/fraga"  # start again
        delete_expired_job(db)
    assert drafts_kept(db) == 0
