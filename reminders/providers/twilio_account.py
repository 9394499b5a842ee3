"""A Twilio account: its settings, its REST clients, and Twilio's errors in our words."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioRestClient

from .base import PermanentFailure, ProviderError, TemporaryFailure


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


def twilio_error(exc: TwilioException) -> ProviderError:
    if isinstance(exc, TwilioRestException):
        # A bad request stays bad; auth errors, 429 and 5xx may pass once fixed or calmer.
        if exc.code in PERMANENT_TWILIO_CODES or exc.status in (400, 404, 422):
            return PermanentFailure(str(exc.msg), exc.code)
        return TemporaryFailure(f"HTTP {exc.status}: {exc.msg}", exc.code)
    return TemporaryFailure(str(exc))


class TwilioAccount:
    """One Twilio account as our clients use it: REST clients, the sender, the callback URL."""

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

    def sender(self) -> dict[str, str]:
        if self.settings.messaging_service_sid:
            return {"messaging_service_sid": self.settings.messaging_service_sid}
        if not self.settings.from_number:
            raise PermanentFailure("no sender configured: set TWILIO_FROM or TWILIO_MESSAGING_SID")
        return {"from_": self.settings.from_number}
