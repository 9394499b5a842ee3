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


def device_token(db: Database, client_id: int | None = None, proxy_id: int | None = None) -> str:
    """Remember a phone for a client (or proxy) as the SMS sign-in would; return the cookie."""
    from models import Client, Proxy, utcnow
    from portal.auth import devices
    from portal.auth.codes import Holder

    with db.transaction() as s:
        holder = Holder(
            client=s.get(Client, client_id) if client_id else None,
            proxy=s.get(Proxy, proxy_id) if proxy_id else None,
        )
        return devices.remember(s, holder, "test phone", utcnow())


def client_client(
    app: Flask, db: Database, client_id: int | None = None, proxy_id: int | None = None
) -> FlaskClient:
    """A test client signed in on a remembered phone as a client (or a proxy)."""
    web = https_client(app)
    web.set_cookie("device", device_token(db, client_id, proxy_id), domain="localhost")
    return web


def client_web(app: Flask, phone: str) -> FlaskClient:
    """A test client signed in as the client (or proxy) with ``phone``, by the SMS code."""
    import re

    from tests.conftest import https_client, sms_to

    web = https_client(app)
    post_form(web, "/logga-in", {"phone": phone})
    code = re.search(r"\b(\d{6})\b", sms_to(web, phone)[0]).group(1)
    response = post_form(web, "/logga-in/kod", {"code": code})
    assert response.status_code == 302, response.text
    return web
