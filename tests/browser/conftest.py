"""Real headless Chromium (Debian's) driven by Playwright, against the app on loopback."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.exit(
            "Browser tests need Debian's chromium: run `make test` as root, or "
            "`sudo apt-get install chromium` (or set CHROMIUM=/path/to/chromium).",
            returncode=4,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        # "localhost" is a secure context in Chromium, so Secure cookies work over plain http.
        self.url = f"http://localhost:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


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
