"""Real headless Chromium (Debian's) driven by Playwright, against the app on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from models import Database
from portal.app import create_app
from portal.config import Settings
from tests.browser.video_support import ThreadServer

#: The app on a werkzeug server in this process, built for the address it got.
LiveServer = ThreadServer


@pytest.fixture
def live(settings: Settings, db: Database) -> Iterator[LiveServer]:
    # Socket.IO accepts only PUBLIC_URL's origin, so the app is made for the server's address.
    def make(url: str) -> Flask:
        return create_app(settings.with_(public_url=url), db=db)

    with ThreadServer(make) as server:
        yield server
    server.app.extensions["boendestod.dispatcher"].shutdown()


@pytest.fixture
def phone(browser: Browser, live: LiveServer) -> Iterator[Page]:
    """A page on a small phone screen (360×640), like the cheap phones clients use."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        base_url=live.url,
        locale="sv-SE",
        has_touch=True,
        is_mobile=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def no_js_phone(browser: Browser, live: LiveServer) -> Iterator[Page]:
    """The same small phone with JavaScript switched off: the core tasks must still work."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        base_url=live.url,
        locale="sv-SE",
        java_script_enabled=False,
    )
    yield context.new_page()
    context.close()


def sign_in_by_code(phone: Page, number: str) -> None:
    """Sign in on ``phone`` as a client does: the number, then the code read in the dev outbox."""
    import re

    phone.goto("/logga-in")
    phone.get_by_label("Ditt mobilnummer").fill(number)
    phone.get_by_role("button", name="Skicka kod").click()
    inbox = phone.context.new_page()
    inbox.goto("/dev/outbox")
    code = re.search(r"\d{6}", inbox.locator(".bubble .body").first.inner_text()).group(0)
    inbox.close()
    phone.get_by_label("Koden från sms:et").fill(code)
    phone.get_by_role("button", name="Logga in").click()


def sign_in_staff(browser: Browser, live: LiveServer, username: str, secret: str) -> Page:
    """A new browser window where ``username`` has signed in with password and TOTP code."""
    import pyotp

    page = browser.new_context(base_url=live.url).new_page()
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("correct horse battery")
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    return page
