"""What every provider is: the interfaces senders use, the outcome and the errors they know.

A provider says what it can do through its interface: every ``SmsClient`` can ``send`` one
message, and answers ``open_async()`` with a session that keeps many messages in flight from
one event loop, or with None when it can only send one at a time (the dispatcher then uses its
sending threads; see ``reminders.dispatch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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


class AsyncSmsSession(Protocol):
    """Many messages in flight from one event loop: ``async with sms.open_async() as s``."""

    async def __aenter__(self) -> AsyncSmsSession: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def send(self, to: str, body: str) -> Sent: ...

    async def already_sent(self, to: str, body: str, since: datetime) -> list[Sent]:
        """What the provider already holds for ``to`` with this body since ``since``: for a
        message whose hand-over is in doubt (its dispatcher died before recording it)."""
        ...


class SmsClient(Protocol):
    def send(self, to: str, body: str) -> Sent: ...

    def open_async(self) -> AsyncSmsSession | None:
        """A session for many messages in flight at once, or None: this provider sends one
        message at a time (from the dispatcher's sending threads)."""
        ...


class VoiceClient(Protocol):
    def send(self, to: str, twiml_url: str, say: str) -> Sent: ...


@dataclass(frozen=True)
class Telephony:
    """The configured pair of providers and whether they are the dev ones."""

    sms: SmsClient
    voice: VoiceClient
    is_dev: bool
