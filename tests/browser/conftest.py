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
