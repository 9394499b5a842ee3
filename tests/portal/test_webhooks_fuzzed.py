"""Random parameters in Twilio's signed callbacks: the right answer, a 4xx, never a 500.

Each request is signed with Twilio's own ``RequestValidator``, as the fake Twilio's webhooks are,
so what is tried is the parsing behind the signature check; a refused callback writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from models import Database, Outbox, OutboxKind, OutboxState, utcnow
from models.numbers import MAX_INT
from portal.app import create_app
from tests.conftest import https_client
from tests.factories import make_client, make_staff, make_visit
from tests.fakes.twilio_server import FakeTwilio
from tests.portal.fuzzing import FUZZ, JUNK, TEXT, fingerprint

pytestmark = pytest.mark.db
PHONE = "+46700000002"


@pytest.fixture
def twilio_app(settings, db: Database) -> Iterator[Flask]:
    """The app as it runs with Twilio: webhooks are checked against the fake's token."""
    fake = FakeTwilio()
    twilio = fake.settings(api_base_url="http://127.0.0.1:9")  # nothing is sent from here
    app = create_app(settings.with_(public_url=twilio.public_url, twilio=twilio), db=db)
    yield app
    app.extensions["boendestod.dispatcher"].shutdown()


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """A check-in call to Olle that Twilio has placed, and a bridged phone call to him."""
    from models import Channel
    from video import services

    with db.transaction() as s:
        kim = make_staff(s, "kim")
        olle = make_client(s, "Olle", phone=PHONE, workers=[kim])
        visit = make_visit(s, olle, kim, channel=Channel.PHONE)
        bridged = services.open_session(s, visit, Channel.PHONE, utcnow())
        row = Outbox(
            kind=OutboxKind.CALL, to_phone=PHONE, body="Hej!", purpose="reminder",
            client_id=olle.id, due_at=utcnow(), next_attempt_at=utcnow(),
            state=OutboxState.SENT, provider_id="CA1",
        )  # fmt: skip
        s.add(row)
        s.flush()
        return {"call": row.id, "session": bridged.id}


#: The parameters Twilio sends to each callback; each may be left out or be anything.
KEYS = {
    "sms": ["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia"],
    "status": ["MessageSid", "CallSid", "MessageStatus", "CallStatus", "SmsStatus", "ErrorCode"],
    "voice": ["CallSid", "From", "To", "CallStatus"],
    "key": ["CallSid", "Digits"],
    "bridge": ["CallSid", "CallStatus"],
    "done": ["CallSid", "DialCallStatus", "DialCallDuration"],
}
PATHS = {
    "sms": "/webhooks/twilio/sms",
    "status": "/webhooks/twilio/status",
    "voice": "/webhooks/twilio/voice/outbox/{id}",
    "key": "/webhooks/twilio/voice/outbox/{id}/key",
    "bridge": "/webhooks/twilio/voice/bridge/{id}",
    "done": "/webhooks/twilio/voice/bridge/{id}/klar",
}
LIKELY = ["SM1", "CA1", PHONE, "1", "2", "delivered", "undelivered", "completed"]
VALUES = st.one_of(TEXT, JUNK, st.sampled_from(LIKELY))
IDS = st.one_of(st.integers(0, 5), st.integers(0, 10**25), st.just(MAX_INT))


def expected(kind: str, params: dict[str, str], path_id: int) -> int:
    """The status Twilio should get back for these parameters."""
    if "{id}" in PATHS[kind] and path_id > MAX_INT:
        return 404
    if any("\x00" in value for value in params.values()):
        return 400  # no text we keep may hold NUL
    if kind == "sms":
        sid = params.get("MessageSid") or params.get("SmsSid")
        return 200 if sid and len(sid) <= 64 and params.get("From") else 400
    if kind == "status":
        sid = params.get("MessageSid") or params.get("CallSid")
        word = params.get("MessageStatus") or params.get("CallStatus") or params.get("SmsStatus")
        return 204 if sid and len(sid) <= 64 and word else 400  # Twilio's SIDs are 34 long
    return 200


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_random_signed_callbacks_get_their_answer_and_never_a_500(
    twilio_app: Flask, db: Database, ids: dict[str, int], kind: str
) -> None:
    known = ids["session"] if kind in ("bridge", "done") else ids["call"]
    web = https_client(twilio_app)
    validator = RequestValidator(FakeTwilio().auth_token)
    public = twilio_app.config["PUBLIC_URL"].rstrip("/")

    @FUZZ
    @given(
        st.fixed_dictionaries({}, optional={key: VALUES for key in KEYS[kind]}),
        st.one_of(st.just(known), IDS),
    )
    def post_signed(params: dict[str, str], path_id: int) -> None:
        path = PATHS[kind].format(id=path_id)
        signature = validator.compute_signature(f"{public}{path}", params)
        before = fingerprint(db)
        response = web.post(path, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == expected(kind, params, path_id), (
            params,
            response.text[:500],
        )
        if response.status_code >= 400:
            assert fingerprint(db) == before

    post_signed()


def test_a_bridged_call_said_to_have_lasted_for_ages_leaves_the_session_open(
    twilio_app: Flask, db: Database, ids: dict[str, int]
) -> None:
    from models import SessionStatus, VideoSession

    path = f"/webhooks/twilio/voice/bridge/{ids['session']}/klar"
    params = {"DialCallStatus": "completed", "DialCallDuration": "9" * 30}
    public = twilio_app.config["PUBLIC_URL"].rstrip("/")
    signature = RequestValidator(FakeTwilio().auth_token).compute_signature(public + path, params)
    response = https_client(twilio_app).post(
        path, data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200 and "<Hangup/>" in response.text
    with db.transaction() as s:
        assert s.get(VideoSession, ids["session"]).status is SessionStatus.OPEN


@pytest.mark.parametrize("kind", ["sms", "status"])
def test_a_signed_callback_with_a_sid_longer_than_twilios_is_refused(
    twilio_app: Flask, db: Database, kind: str
) -> None:
    params = {"MessageSid": "SM" + "x" * 98, "From": PHONE, "Body": "1", "MessageStatus": "sent"}
    path = PATHS[kind]
    public = twilio_app.config["PUBLIC_URL"].rstrip("/")
    signature = RequestValidator(FakeTwilio().auth_token).compute_signature(public + path, params)
    before = fingerprint(db)
    response = https_client(twilio_app).post(
        path, data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400 and fingerprint(db) == before
