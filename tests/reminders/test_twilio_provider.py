"""The real twilio library against the local fake Twilio server: requests, answers, errors."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from reminders.providers import (
    PermanentFailure,
    Sent,
    TemporaryFailure,
    TwilioSmsClient,
    TwilioVoiceClient,
)
from tests.fakes.twilio_server import (
    INVALID_NUMBER,
    OPTED_OUT,
    RATE_LIMITED,
    SERVER_ERROR,
    FakeTwilio,
)

TO = "+46701234567"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def test_an_sms_reaches_the_local_server_with_sender_body_and_status_callback(fake) -> None:
    sent = TwilioSmsClient(fake.settings()).send(TO, "Påminnelse: Ta din medicin 💊")
    [message] = fake.messages()
    assert fake.log[0][0] == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    assert sent.provider_id == message.sid and sent.provider_id.startswith("SM")
    assert sent.status == "queued"
    assert message.params["To"] == TO
    assert message.params["From"] == "+46850000000"
    assert message.body == "Påminnelse: Ta din medicin 💊"
    assert message.params["StatusCallback"] == (
        "https://boendestod.example.se/webhooks/twilio/status"
    )


def test_a_messaging_service_sid_is_used_as_the_sender_when_set(fake) -> None:
    client = TwilioSmsClient(fake.settings(from_number=None, messaging_service_sid="MG1"))
    client.send(TO, "Hej")
    [message] = fake.messages()
    assert message.params["MessagingServiceSid"] == "MG1"
    assert "From" not in message.params


def test_a_call_asks_twilio_to_fetch_our_twiml_and_report_its_status(fake) -> None:
    url = "https://boendestod.example.se/webhooks/twilio/voice/outbox/7"
    sent = TwilioVoiceClient(fake.settings()).send(TO, url, "Hej!")
    [call] = fake.calls()
    assert sent.provider_id.startswith("CA")
    assert call.params["Url"] == url
    assert call.params["StatusCallback"].endswith("/webhooks/twilio/status")
    assert fake.log[0][0].endswith("/Calls.json")


@pytest.mark.parametrize(
    ("error", "expected", "code"),
    [
        (INVALID_NUMBER, PermanentFailure, 21211),
        (OPTED_OUT, PermanentFailure, 21610),
        (RATE_LIMITED, TemporaryFailure, 20429),
        (SERVER_ERROR, TemporaryFailure, 20500),
    ],
)
def test_twilio_errors_become_ours(fake, error, expected, code) -> None:
    fake.fail_number(TO, error)
    with pytest.raises(expected) as caught:
        TwilioSmsClient(fake.settings()).send(TO, "Hej")
    assert type(caught.value) is expected
    assert caught.value.code == code
    assert fake.messages() == []


def test_wrong_credentials_are_refused_as_a_passing_failure_not_a_lost_message(fake) -> None:
    with pytest.raises(TemporaryFailure):
        TwilioSmsClient(fake.settings(auth_token="wrong")).send(TO, "Hej")


def test_a_provider_that_does_not_answer_is_a_temporary_failure(fake) -> None:
    settings = fake.settings()
    fake.stop()
    with pytest.raises(TemporaryFailure):
        TwilioSmsClient(settings, timeout=2).send(TO, "Hej")


def test_messages_are_listed_by_recipient_newest_first_page_by_page(fake) -> None:
    sms = TwilioSmsClient(fake.settings())
    for i in range(5):
        sms.send(TO, f"Hej {i}")
    sms.send("+46709999999", "Annan")
    listed = sms.client.messages.list(to=TO, page_size=2)
    assert [m.body for m in listed] == [f"Hej {i}" for i in reversed(range(5))]
    assert all(m.to == TO and m.date_created is not None for m in listed)
    assert sum(1 for path, _ in fake.log if path.endswith("Messages.json")) == 6 + 3  # 3 pages


def test_the_async_client_sends_the_same_form_as_the_plain_one(fake) -> None:
    body = "Påminnelse: Ta din medicin 💊 & svara 1 = klart"

    async def send() -> Sent:
        async with TwilioSmsClient(fake.settings()).open_async() as sms:
            return await sms.send(TO, body)

    # A loop of its own in a thread: under the browser tests Playwright's loop runs in this one.
    with ThreadPoolExecutor(1) as thread:
        sent = thread.submit(asyncio.run, send()).result()
    [message] = fake.messages()
    assert sent.provider_id == message.sid
    assert message.params == {
        "To": TO,
        "From": "+46850000000",
        "Body": body,
        "StatusCallback": "https://boendestod.example.se/webhooks/twilio/status",
    }
