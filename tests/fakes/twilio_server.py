"""A local HTTP server that speaks the parts of Twilio's REST API we use.

Point the real ``twilio`` library at it (``TwilioSettings(api_base_url=fake.url)``) and it
accepts ``POST /2010-04-01/Accounts/{sid}/Messages.json`` and ``Calls.json`` as Twilio does:
HTTP basic auth with the account SID and token, form-encoded parameters, 201 with the
resource's JSON, and Twilio's error JSON (``code``, ``message``, ``more_info``, ``status``).

Failures to play back::

    fake.fail_number("+46700000000", INVALID_NUMBER)   # always, for this recipient
    fake.fail_next(3, SERVER_ERROR)                     # the next three requests
    fake.down = SERVICE_UNAVAILABLE                     # every request until set to None

Stdlib only; binds 127.0.0.1 on a port the OS chooses; reusable by any test or benchmark.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

API = "/2010-04-01/Accounts/"
#: Twilio's date filters on lists (``DateSent>=2026-05-04``, sent as ``DateSent>``).
DATE_FILTERS = {
    "DateSent": lambda sent, day: sent == day,
    "DateSent>": lambda sent, day: sent >= day,
    "DateSent<": lambda sent, day: sent <= day,
}


@dataclass(frozen=True)
class TwilioError:
    http_status: int
    code: int
    message: str


INVALID_NUMBER = TwilioError(400, 21211, "The 'To' number is not a valid phone number.")
OPTED_OUT = TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
RATE_LIMITED = TwilioError(429, 20429, "Too Many Requests")
SERVER_ERROR = TwilioError(500, 20500, "Internal Server Error")
SERVICE_UNAVAILABLE = TwilioError(503, 20503, "Service Unavailable")
AUTH_FAILED = TwilioError(401, 20003, "Authenticate")


@dataclass
class Received:
    """One request the server accepted: which resource, its parameters and the SID it got."""

    kind: str  # "message" or "call"
    sid: str
    params: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def body(self) -> str:
        return self.params.get("Body", "")


class FakeTwilio:
    """The fake API; use as a context manager or call ``start()`` and ``stop()``."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",
        latency: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        #: Seconds each request takes, to look like a real network round trip.
        self.latency = latency
        #: When set, every request fails with this error (the provider is down).
        self.down: TwilioError | None = None
        self.received: list[Received] = []
        #: Every request seen, including refused ones: (path, HTTP status answered).
        self.log: list[tuple[str, int]] = []
        self._failing_numbers: dict[str, TwilioError] = {}
        self._fail_next: list[TwilioError] = []
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------

    def fail_number(self, to: str, error: TwilioError) -> None:
        self._failing_numbers[to] = error

    def fail_next(self, count: int, error: TwilioError) -> None:
        with self._lock:
            self._fail_next.extend([error] * count)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def messages(self, to: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == "message" and to in (None, r.to)]

    def calls(self, to: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == "call" and to in (None, r.to)]

    def start(self) -> FakeTwilio:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the API -----------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def handle(
        self, method: str, path: str, header: str | None, params: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one request: (HTTP status, JSON body)."""
        if self.latency:
            time.sleep(self.latency)
        prefix = f"{API}{self.account_sid}/"
        if not path.startswith(API):
            return 404, _error(TwilioError(404, 20404, "The requested resource was not found"))
        if not self._authorised(header) or not path.startswith(prefix):
            return 401, _error(AUTH_FAILED)
        resource = path[len(prefix) :]
        if method == "GET" and resource == "Messages.json":
            if self.down is not None:
                return self.down.http_status, _error(self.down)
            return 200, self._message_page(params)
        if method == "GET" and resource.startswith("Messages/"):
            sid = resource.removeprefix("Messages/").removesuffix(".json")
            with self._lock:
                found = next((r for r in self.received if r.sid == sid), None)
            if found is None:
                return 404, _error(TwilioError(404, 20404, "The requested resource was not found"))
            return 200, self._message_json(found, "sent")
        if method != "POST" or resource not in ("Messages.json", "Calls.json"):
            return 404, _error(TwilioError(404, 20404, "The requested resource was not found"))
        with self._lock:
            error = self.down or (self._fail_next.pop(0) if self._fail_next else None)
        error = error or self._failing_numbers.get(params.get("To", ""))
        if error is not None:
            return error.http_status, _error(error)
        if "To" not in params:
            return 400, _error(TwilioError(400, 21604, "A 'To' phone number is required."))
        if resource == "Messages.json":
            if not (params.get("From") or params.get("MessagingServiceSid")):
                return 400, _error(TwilioError(400, 21603, "A 'From' phone number is required."))
            if not params.get("Body"):
                return 400, _error(TwilioError(400, 21602, "Message body is required."))
            if len(params["Body"]) > 1600:
                return 400, _error(
                    TwilioError(
                        400,
                        21617,
                        "The concatenated message body exceeds the 1600 character limit.",
                    )
                )
            received = self._accept("message", "SM", params)
            return 201, self._message_json(received, "queued")
        if not params.get("From") or not (params.get("Url") or params.get("Twiml")):
            return 400, _error(TwilioError(400, 21205, "Url parameter is required."))
        received = self._accept("call", "CA", params)
        return 201, self._call_json(received)

    def _accept(self, kind: str, prefix: str, params: dict[str, str]) -> Received:
        with self._lock:
            sid = f"{prefix}{next(self._sids):032x}"
            received = Received(kind, sid, params)
            self.received.append(received)
        return received

    def _message_page(self, params: dict[str, str]) -> dict[str, Any]:
        """Twilio's list of messages: filtered by To/From/DateSent, newest first, in pages.

        The fake counts a message as sent when it was created, so ``DateSent`` filters (day
        precision, as Twilio's) apply to the creation date.
        """
        size = min(int(params.get("PageSize") or 50), 1000)
        page = int(params.get("Page") or 0)
        day = {k: date.fromisoformat(params[k][:10]) for k in DATE_FILTERS if params.get(k)}
        with self._lock:
            found = [
                r
                for r in reversed(self.received)
                if r.kind == "message"
                and params.get("To") in (None, r.to)
                and params.get("From") in (None, r.params.get("From"))
                and all(DATE_FILTERS[k](r.created.date(), d) for k, d in day.items())
            ]
        chunk = found[page * size : (page + 1) * size]
        query = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items() if k not in ("Page",))
        uri = f"{API}{self.account_sid}/Messages.json?{query}"
        more = (page + 1) * size < len(found)
        return {
            "messages": [self._message_json(r, "sent") for r in chunk],
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": f"{uri}&Page=0",
            "next_page_uri": f"{uri}&Page={page + 1}" if more else None,
            "previous_page_uri": f"{uri}&Page={page - 1}" if page else None,
            "page": page,
            "page_size": size,
            "start": page * size,
            "uri": f"{uri}&Page={page}",
        }

    def _message_json(self, r: Received, status: str) -> dict[str, Any]:
        now = _rfc2822(datetime.now(UTC))
        return {
            "sid": r.sid,
            "account_sid": self.account_sid,
            "to": r.to,
            "from": r.params.get("From"),
            "messaging_service_sid": r.params.get("MessagingServiceSid"),
            "body": r.body,
            "status": status,
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": _rfc2822(r.created),
            "date_updated": now,
            "date_sent": None if status == "queued" else _rfc2822(r.created),
            "error_code": None,
            "error_message": None,
            "price": None,
            "api_version": "2010-04-01",
            "uri": f"{API}{self.account_sid}/Messages/{r.sid}.json",
        }

    def _call_json(self, r: Received) -> dict[str, Any]:
        now = _rfc2822(datetime.now(UTC))
        return {
            "sid": r.sid,
            "account_sid": self.account_sid,
            "to": r.to,
            "from": r.params.get("From"),
            "status": "queued",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "uri": f"{API}{self.account_sid}/Calls/{r.sid}.json",
        }


def _error(error: TwilioError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.http_status,
    }


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the twilio library's session expects

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as two writes; without this, Nagle's algorithm and the
            # client's delayed ACK add some 40 ms to every request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _answer(self, method: str) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            params = {k: v[-1] for k, v in parse_qs(raw or split.query).items()}
            status, payload = fake.handle(
                method, split.path, self.headers.get("Authorization"), params
            )
            with fake._lock:
                fake.log.append((split.path, status))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            self._answer("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._answer("GET")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler
