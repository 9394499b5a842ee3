"""Signing people in from tests without clicking through the forms each time."""

from __future__ import annotations

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Database, Staff
from tests.conftest import https_client, post_form

PASSWORD = "correct horse battery"


def staff_client(app: Flask, db: Database, username: str) -> FlaskClient:
    """A test client signed in as ``username`` (made with the factory's password)."""
    with db.transaction() as s:
        secret = s.scalar(select(Staff.totp_secret).where(Staff.username == username))
    web = https_client(app)
    response = post_form(
        web,
        "/personal/logga-in",
        {"username": username, "password": PASSWORD, "totp": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 302, response.text
    return web
