"""A local HTTP server that speaks the parts of Twilio's REST API we use.

Point the real ``twilio`` library at it (``TwilioSettings(api_base_url=fake.url)``) and it
accepts ``POST /2010-04-01/Accounts/{sid}/Messages.json`` and ``Calls.json`` as Twilio does:
HTTP basic auth with the account SID and token, form-encoded parameters, 201 with the
resource's JSON, and Twilio's error JSON (``code``, ``message``, ``more_info``, ``status``).

Failures to play back::

    fake.fail_number("+46700000000", INVALID_NUMBER)   # always, for this recipient
    fake.fail_next(3, SERVER_ERROR)                     # the next three requests
    fake.down = SERVICE_UNAVAILABLE                     # every request until set to None

Served by ``tests.fakes.http_loop`` (stdlib only: an asyncio HTTP/1.1 loop with keep-alive in
its own thread); binds 127.0.0.1 on a port the OS chooses; reusable by any test or benchmark.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from reminders.providers import TwilioSettings

from .http_loop import LoopServer, closing, response

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
        self._http = LoopServer(self._answer, lambda: self.latency, "fake-twilio")

    # -- control -----------------------------------------------------------------------------

    def fail_number(self, to: str, error: TwilioError) -> None:
        self._failing_numbers[to] = error

    def fail_next(self, count: int, error: TwilioError) -> None:
        with self._lock:
            self._fail_next.extend([error] * count)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    def settings(self, **changes: Any) -> TwilioSettings:
        """Settings that point the real ``twilio`` library at this fake, as the app would be set."""
        values: dict[str, Any] = {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "from_number": "+46850000000",
            "public_url": "https://boendestod.example.se",
        }
        values.update(changes)
        if "api_base_url" not in values:  # a child process is given the running fake's address
            values["api_base_url"] = self.url
        return TwilioSettings(**values)

    def messages(self, to: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == "message" and to in (None, r.to)]

    def calls(self, to: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == "call" and to in (None, r.to)]

    def start(self) -> FakeTwilio:
        """Serve on 127.0.0.1 (a port the OS chooses) from an event loop in its own thread."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections, as a provider that went away."""
        self._http.stop()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP --------------------------------------------------------------------------------

    def _answer(self, method: str, target: str, headers: dict[str, str], raw: str) -> bytes:
        """One request, parsed: the HTTP response to write back."""
        split = urlsplit(target)
        params = {k: v[-1] for k, v in parse_qs(raw or split.query).items()}
        status, payload = self.handle(method, split.path, headers.get("authorization"), params)
        with self._lock:
            self.log.append((split.path, status))
        return response(status, json.dumps(payload).encode(), closing(headers))

    # -- the API -----------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def handle(
        self, method: str, path: str, header: str | None, params: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one request: (HTTP status, JSON body). The server adds ``latency``."""
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
