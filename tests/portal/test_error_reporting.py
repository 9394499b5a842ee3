"""SENTRY_DSN: a forced error reaches a local Sentry-protocol server, scrubbed of personal data."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from flask import Flask

from models import Database
from portal.app import create_app
from tests.conftest import https_client, settings_for_tests

PHONE = "+46701234501"
# Kept here, away from the failing view: the report quotes source lines around the error.
COOKIE = "secret-session-cookie"
WORDS = "Jag mår dåligt"
ADDRESS = "10.1.2.3"


class Envelopes(ThreadingHTTPServer):
    """Records what the Sentry SDK posts to /api/<project>/envelope/."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[bytes] = []

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_port}/42"

    def events(self) -> list[dict]:
        found = []
        for raw in self.received:
            for line in raw.splitlines():
                item = json.loads(line) if line.startswith(b"{") else None
                if item and "exception" in item:
                    found.append(item)
        return found


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        # The SDK compresses with brotli when that module is installed (Locust brings it),
        # with gzip otherwise.
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        assert isinstance(self.server, Envelopes)
        self.server.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def envelopes() -> Iterator[Envelopes]:
    server = Envelopes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.init()  # reporting off again for the tests that follow
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.db
def test_a_forced_error_arrives_without_phone_number_cookie_or_body(
    database_url: str, db: Database, envelopes: Envelopes
) -> None:
    app: Flask = create_app(settings_for_tests(database_url, sentry_dsn=envelopes.dsn), db=db)

    @app.post("/test-fel")
    def broken() -> str:
        raise RuntimeError(f"no client with phone {PHONE}")

    app.config["WTF_CSRF_ENABLED"] = False
    web = https_client(app)
    web.set_cookie("session", COOKIE, domain="localhost")
    answer = web.post(
        f"/test-fel?telefon={PHONE}",
        data={"telefon": PHONE, "text": WORDS},
        headers={"X-Forwarded-For": ADDRESS},
    )
    assert answer.status_code == 500
    sentry_sdk.flush(timeout=10)
    deadline = time.monotonic() + 10
    while not envelopes.events() and time.monotonic() < deadline:
        time.sleep(0.05)

    [event] = envelopes.events()
    raw = json.dumps(event)
    assert "RuntimeError" in raw and "+46 70 *** ** 01" in raw, "the error itself arrives"
    assert "46701234501" not in raw
    assert COOKIE not in raw
    assert WORDS not in raw and ADDRESS not in raw
    assert "cookies" not in event["request"] and "data" not in event["request"]
