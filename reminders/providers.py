"""SMS and voice providers behind one interface: Twilio for real, a dev provider for the demo."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote_plus

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client as TwilioRestClient

from models import Database, DevMessage, OutboxKind, OutboxState

log = logging.getLogger(__name__)


class ProviderError(Exception):
    """Sending failed; ``code`` is the provider's own error code when it gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(ProviderError):
    """Worth trying again later: the provider is down, busy or rate-limiting us."""


class PermanentFailure(ProviderError):
    """Trying again will not help: an invalid number, an opted-out recipient."""


@dataclass(frozen=True)
class Sent:
    provider_id: str
    #: Our reading of the provider's status at hand-over, e.g. "sent" or "delivered".
    status: str


class SmsClient(Protocol):
    def send(self, to: str, body: str) -> Sent: ...


class VoiceClient(Protocol):
    def send(self, to: str, twiml_url: str, say: str) -> Sent: ...


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    #: Sender: the municipality's number, or a Messaging Service SID (MG…).
    from_number: str | None = None
    messaging_service_sid: str | None = None
    #: Our public base URL, for status callbacks and TwiML.
    public_url: str = ""
    #: Where Twilio's REST API lives; tests point it at a local fake server.
    api_base_url: str | None = None


# Twilio error codes that mean "this recipient cannot get it", see Twilio's error dictionary.
PERMANENT_TWILIO_CODES = {21211, 21214, 21217, 21408, 21610, 21612, 21614, 13224}


#: Twilio's message and call statuses in our words, in one table.
TWILIO_STATUS: dict[str, OutboxState] = {
    # messages
    "accepted": OutboxState.SENT,
    "scheduled": OutboxState.SENT,
    "queued": OutboxState.SENT,
    "sending": OutboxState.SENT,
    "sent": OutboxState.SENT,
    "delivered": OutboxState.DELIVERED,
    "read": OutboxState.DELIVERED,
    "undelivered": OutboxState.FAILED,
    "failed": OutboxState.FAILED,
    "canceled": OutboxState.FAILED,
    # calls
    "initiated": OutboxState.SENT,
    "ringing": OutboxState.SENT,
    "in-progress": OutboxState.DELIVERED,
    "answered": OutboxState.DELIVERED,
    "completed": OutboxState.DELIVERED,
    "busy": OutboxState.FAILED,
    "no-answer": OutboxState.FAILED,
}
#: Call statuses that mean the client did not pick up: a worker calls instead.
CALL_NOT_ANSWERED = {"busy", "no-answer", "failed", "canceled"}
#: How far along a row is; a status callback never moves a row to a lower rank.
RANK = {
    OutboxState.QUEUED: 0,
    OutboxState.SENDING: 1,
    OutboxState.SENT: 2,
    OutboxState.FAILED: 3,
    OutboxState.DELIVERED: 4,
    OutboxState.CANCELLED: 5,
}


def our_status(provider_status: str) -> OutboxState | None:
    """Our state for a provider's status word, None for one we do not know."""
    return TWILIO_STATUS.get(provider_status.strip().lower())


def _twilio_error(exc: TwilioException) -> ProviderError:
    if isinstance(exc, TwilioRestException):
        # A bad request stays bad; auth errors, 429 and 5xx may pass once fixed or calmer.
        if exc.code in PERMANENT_TWILIO_CODES or exc.status in (400, 404, 422):
            return PermanentFailure(str(exc.msg), exc.code)
        return TemporaryFailure(f"HTTP {exc.status}: {exc.msg}", exc.code)
    return TemporaryFailure(str(exc))


class _TwilioBase:
    def __init__(self, settings: TwilioSettings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout
        # One REST client (and its keep-alive HTTP session) per sending thread.
        self._local = threading.local()

    @property
    def client(self) -> TwilioRestClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self.rest_client(TwilioHttpClient(timeout=self.timeout))
            self._local.client = client
        return client

    def rest_client(self, http: TwilioHttpClient | AsyncTwilioHttpClient) -> TwilioRestClient:
        client = TwilioRestClient(
            self.settings.account_sid, self.settings.auth_token, http_client=http
        )
        if self.settings.api_base_url:
            client.api.base_url = self.settings.api_base_url.rstrip("/")
        return client

    @property
    def status_callback(self) -> str:
        return f"{self.settings.public_url}/webhooks/twilio/status"

    def _sender(self) -> dict[str, str]:
        if self.settings.messaging_service_sid:
            return {"messaging_service_sid": self.settings.messaging_service_sid}
        if not self.settings.from_number:
            raise PermanentFailure("no sender configured: set TWILIO_FROM or TWILIO_MESSAGING_SID")
        return {"from_": self.settings.from_number}


class TwilioSmsClient(_TwilioBase):
    def send(self, to: str, body: str) -> Sent:
        try:
            message = self.client.messages.create(
                to=to,
                body=body,
                status_callback=self.status_callback,
                **self._sender(),
            )
        except TwilioException as exc:
            raise _twilio_error(exc) from exc
        except OSError as exc:  # connection refused, timeouts
            raise TemporaryFailure(str(exc)) from exc
        return Sent(provider_id=str(message.sid), status=str(message.status or "queued"))

    def open_async(self) -> AsyncTwilioSms:
        """A session for many messages in flight at once; see ``reminders.inflight``."""
        return AsyncTwilioSms(self)


class TwilioVoiceClient(_TwilioBase):
    def send(self, to: str, twiml_url: str, say: str) -> Sent:
        if not self.settings.from_number:
            raise PermanentFailure("calls need TWILIO_FROM, the municipality's number")
        try:
            call = self.client.calls.create(
                to=to,
                from_=self.settings.from_number,
                url=twiml_url,
                method="POST",
                status_callback=self.status_callback,
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                # Ring for 30 s; Twilio then reports "no-answer".
                timeout=30,
            )
        except TwilioException as exc:
            raise _twilio_error(exc) from exc
        except OSError as exc:
            raise TemporaryFailure(str(exc)) from exc
        return Sent(provider_id=str(call.sid), status=str(call.status or "queued"))


#: How far Twilio's clock may be ahead of ours when we look up what it already has.
CLOCK_SKEW = timedelta(minutes=5)


@functools.lru_cache(maxsize=512)
def _quoted(value: str) -> str:
    return quote_plus(value)


def _form(data: dict[str, object]) -> bytes:
    """``urlencode(data, doseq=True)``, remembering the parts every message repeats (the
    sender, the callback URL, a reminder text sent to many clients)."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            pairs.append(f"{_quoted(key)}={_quoted(str(item))}")
    return "&".join(pairs).encode()


class _AsyncHttp(AsyncTwilioHttpClient):
    """Twilio's async HTTP client, made cheaper per request for the 08:00 burst.

    Basic auth goes as a header (aiohttp deprecates ``auth=``), the form is encoded here in one
    call (aiohttp's ``FormData`` costs more than the rest of building the request), and the
    request is logged only when someone listens at INFO.
    """

    _header: tuple[tuple[str, str], str] | None = None

    def log_request(self, kwargs: dict[str, object]) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code: int, response: object) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)  # type: ignore[arg-type]

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            if self._header is None or self._header[0] != auth:
                self._header = (auth, aiohttp.encode_basic_auth(*auth))
            headers = {**(headers or {}), "Authorization": self._header[1]}
        body: bytes | None = None
        if data:
            body = _form(data)
            headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        return await super().request(
            method,
            url,
            params,
            body,  # type: ignore[arg-type]
            headers,
            None,
            timeout,
            allow_redirects,
        )


class AsyncTwilioSms:
    """One event loop's Twilio session: many messages in flight over pooled connections.

    The sending threads of the plain client spend most of their time building and parsing HTTP
    in Python under the GIL; here one thread keeps dozens of requests on the wire at once over
    one aiohttp connection pool. Open it inside a running loop: ``async with sms.open_async()``.
    """

    def __init__(self, base: TwilioSmsClient) -> None:
        self.base = base
        self.http: _AsyncHttp | None = None
        self.client: TwilioRestClient | None = None

    async def __aenter__(self) -> AsyncTwilioSms:
        self.http = _AsyncHttp()
        self.client = self.base.rest_client(self.http)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()

    async def send(self, to: str, body: str) -> Sent:
        assert self.client is not None
        try:
            async with asyncio.timeout(self.base.timeout):
                message = await self.client.messages.create_async(
                    to=to,
                    body=body,
                    status_callback=self.base.status_callback,
                    **self.base._sender(),
                )
        except TwilioException as exc:
            raise _twilio_error(exc) from exc
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            raise TemporaryFailure(str(exc) or type(exc).__name__) from exc
        return Sent(provider_id=str(message.sid), status=str(message.status or "queued"))

    async def already_sent(self, to: str, body: str, since: datetime) -> list[Sent]:
        """Messages Twilio holds for ``to`` with this body, created at or after ``since``.

        For a message whose hand-over is in doubt (its dispatcher died before recording it):
        Twilio lists an account's messages by recipient, newest first, with their body and
        creation time. A body Twilio rewrote (smart encoding) does not match: then we send
        again, a duplicate rather than a loss.
        """
        assert self.client is not None
        try:
            async with asyncio.timeout(self.base.timeout):
                found = await self.client.messages.list_async(to=to, limit=50)
        except TwilioException as exc:
            raise _twilio_error(exc) from exc
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            raise TemporaryFailure(str(exc) or type(exc).__name__) from exc
        earliest = since - CLOCK_SKEW
        return [
            Sent(provider_id=str(m.sid), status=str(m.status or "queued"))
            for m in found
            if m.body == body and m.date_created is not None and m.date_created >= earliest
        ]


class DevSmsClient:
    """Keeps every message in the database, shown as a phone inbox at /dev/outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, to: str, body: str) -> Sent:
        return _record(self.db, OutboxKind.SMS, to, body)


class DevVoiceClient:
    """Keeps every call, with what it would say, next to the messages."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, to: str, twiml_url: str, say: str) -> Sent:
        return _record(self.db, OutboxKind.CALL, to, say)


def _record(db: Database, kind: OutboxKind, to: str, body: str) -> Sent:
    with db.transaction() as session:
        message = DevMessage(kind=kind, to_phone=to, body=body)
        session.add(message)
        session.flush()
        log.info("dev provider kept %s %s for %s", kind.value, message.id, to)
        return Sent(provider_id=dev_provider_id(message.id), status="delivered")


def dev_provider_id(message_id: int) -> str:
    """The SID the dev provider gives what it kept (so a reply can find its outbox row)."""
    return f"DEV{message_id:08d}"


def dev_messages(session: Session, limit: int = 200) -> list[DevMessage]:
    """Return what the dev provider has kept, newest first."""
    query = select(DevMessage).order_by(DevMessage.id.desc()).limit(limit)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Telephony:
    """The configured pair of providers and whether they are the dev ones."""

    sms: SmsClient
    voice: VoiceClient
    is_dev: bool


def make_telephony(db: Database, twilio: TwilioSettings | None) -> Telephony:
    """Twilio when settings are given, the dev provider otherwise."""
    if twilio is None:
        return Telephony(sms=DevSmsClient(db), voice=DevVoiceClient(db), is_dev=True)
    return Telephony(sms=TwilioSmsClient(twilio), voice=TwilioVoiceClient(twilio), is_dev=False)
