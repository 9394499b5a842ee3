"""SMS and voice providers behind one interface: Twilio for real, a dev provider for the demo.

``base`` declares what a provider is and can do; ``twilio_*`` and ``dev`` are the providers;
``make_telephony`` chooses them from the settings. The names below are the package's interface.
"""

from __future__ import annotations

from models import Database

from .base import (
    AsyncSmsSession,
    PermanentFailure,
    ProviderError,
    Sent,
    SmsClient,
    Telephony,
    TemporaryFailure,
    VoiceClient,
)
from .dev import DevSmsClient, DevVoiceClient, dev_messages, dev_provider_id
from .twilio_account import PERMANENT_TWILIO_CODES, TwilioSettings
from .twilio_async import AsyncTwilioSms
from .twilio_rest import TwilioSmsClient, TwilioVoiceClient
from .twilio_status import CALL_NOT_ANSWERED, RANK, TWILIO_STATUS, our_status

__all__ = [
    "CALL_NOT_ANSWERED",
    "PERMANENT_TWILIO_CODES",
    "RANK",
    "TWILIO_STATUS",
    "AsyncSmsSession",
    "AsyncTwilioSms",
    "DevSmsClient",
    "DevVoiceClient",
    "PermanentFailure",
    "ProviderError",
    "Sent",
    "SmsClient",
    "Telephony",
    "TemporaryFailure",
    "TwilioSettings",
    "TwilioSmsClient",
    "TwilioVoiceClient",
    "VoiceClient",
    "dev_messages",
    "dev_provider_id",
    "make_telephony",
    "our_status",
]


def make_telephony(db: Database, twilio: TwilioSettings | None) -> Telephony:
    """Twilio when settings are given, the dev provider otherwise."""
    if twilio is None:
        return Telephony(sms=DevSmsClient(db), voice=DevVoiceClient(db), is_dev=True)
    return Telephony(sms=TwilioSmsClient(twilio), voice=TwilioVoiceClient(twilio), is_dev=False)
