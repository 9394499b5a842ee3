"""Twilio for real: SMS and calls through the ``twilio`` library's plain (threaded) client;
many SMS in flight through its async client (``twilio_async``) when the dispatcher asks."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException

from .base import PermanentFailure, Sent, TemporaryFailure
from .twilio_account import TwilioAccount, twilio_error
from .twilio_async import AsyncTwilioSms


class TwilioSmsClient(TwilioAccount):
    def send(self, to: str, body: str) -> Sent:
        try:
            message = self.client.messages.create(
                to=to,
                body=body,
                status_callback=self.status_callback,
                **self.sender(),
            )
        except TwilioException as exc:
            raise twilio_error(exc) from exc
        except OSError as exc:  # connection refused, timeouts
            raise TemporaryFailure(str(exc)) from exc
        return Sent(provider_id=str(message.sid), status=str(message.status or "queued"))

    def open_async(self) -> AsyncTwilioSms:
        """A session for many messages in flight at once; see ``reminders.inflight``."""
        return AsyncTwilioSms(self)


class TwilioVoiceClient(TwilioAccount):
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
            raise twilio_error(exc) from exc
        except OSError as exc:
            raise TemporaryFailure(str(exc)) from exc
        return Sent(provider_id=str(call.sid), status=str(call.status or "queued"))
