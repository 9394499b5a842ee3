"""Twilio's callbacks, signed with its RequestValidator: replies, opt-out, receipts, calls."""

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import (
    Client,
    Database,
    DeliveryEvent,
    Escalation,
    EscalationType,
    InboundMessage,
    Outbox,
    OutboxKind,
    OutboxState,
    Task,
    TaskKind,
    utcnow,
)
from portal.config import Settings
from reminders.dispatch import sweep
from reminders.outbox import queue_sms
from reminders.providers import TwilioSettings
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db
TOKEN = "twilio-test-token"
PUBLIC = "https://boendestod.example.se"
PHONE = "+46701112233"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    twilio = TwilioSettings(
        account_sid="AC" + "1" * 32,
        auth_token=TOKEN,
        from_number="+46850000000",
        public_url=PUBLIC,
        api_base_url="http://127.0.0.1:9",  # nothing is sent in these tests
    )
    return settings.with_(public_url=PUBLIC, twilio=twilio)


def post(web: FlaskClient, path: str, params: dict[str, str], token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(f"{PUBLIC}{path}", params)
    return web.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms(web: FlaskClient, body: str, sid: str = "SM1", sender: str = PHONE):
    params = {"MessageSid": sid, "From": sender, "To": "+46850000000", "Body": body}
    return post(web, "/webhooks/twilio/sms", params)


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        worker = make_staff(s, "kim", first_name="Kim")
        caseworker = make_staff(s, "hanna", roles=["caseworker"])
        client = make_client(s, phone=PHONE, workers=[worker], caseworker=caseworker)
        return {"client": client.id, "worker": worker.id}


def outbox(db: Database, **where) -> list[Outbox]:
    with db.transaction() as s:
        query = select(Outbox).order_by(Outbox.id)
        for key, value in where.items():
            query = query.where(getattr(Outbox, key) == value)
        return list(s.scalars(query))


def tasks(db: Database) -> list[Task]:
    with db.transaction() as s:
        return list(s.scalars(select(Task).order_by(Task.id)))


def sent_reminder(db: Database, client_id: int, ask_reply: bool = True) -> int:
    with db.transaction() as s:
        row = queue_sms(
            s, PHONE, "Påminnelse: Ta din medicin", purpose="reminder", client_id=client_id
        )
        row.state, row.provider_id, row.sent_at = OutboxState.SENT, "SMREMINDER", utcnow()
        row.reply_window_minutes = 60 if ask_reply else None
        row.reply_due_at = utcnow() + timedelta(hours=1)
        return row.id


def test_forged_and_unsigned_webhooks_are_refused(web: FlaskClient, people, db) -> None:
    params = {"MessageSid": "SM1", "From": PHONE, "To": "+4685", "Body": "STOPP"}
    assert post(web, "/webhooks/twilio/sms", params, token="not-the-token").status_code == 403
    assert web.post("/webhooks/twilio/sms", data=params).status_code == 403
    assert (
        post(
            web,
            "/webhooks/twilio/status",
            {"MessageSid": "x", "MessageStatus": "sent"},
            token="nope",
        ).status_code
        == 403
    )
    with db.transaction() as s:
        assert s.scalar(select(func.count(InboundMessage.id))) == 0
        assert s.get(Client, people["client"]).sms_opt_out is False


def test_one_confirms_the_reminder_and_a_replay_changes_nothing(web, people, db) -> None:
    reminder = sent_reminder(db, people["client"])
    assert sms(web, "1").status_code == 200
    assert sms(web, "1").status_code == 200  # Twilio retried the same message
    [row] = outbox(db, id=reminder)
    assert row.reply == "1" and row.replied_at is not None
    with db.transaction() as s:
        assert s.scalar(select(func.count(InboundMessage.id))) == 1


def test_stopp_opts_out_with_one_confirmation_visible_to_staff_and_start_opts_in(
    web, people, db
) -> None:
    sms(web, "STOPP", sid="SM1")
    sms(web, "stopp!", sid="SM2")  # a second STOPP gets no second SMS
    confirmations = outbox(db, purpose="opt_out")
    assert len(confirmations) == 1
    assert "START" in confirmations[0].body
    with db.transaction() as s:
        client = s.get(Client, people["client"])
        assert client.sms_opt_out and client.sms_opt_out_at is not None
        queue_sms(s, PHONE, "Påminnelse", purpose="reminder", client_id=client.id)
    sweep(web.application.extensions["boendestod.db"], FakeOk(), "x", only=None)
    assert outbox(db, purpose="reminder")[0].state is OutboxState.CANCELLED
    sms(web, "Start", sid="SM3")
    with db.transaction() as s:
        assert s.get(Client, people["client"]).sms_opt_out is False
    assert len(outbox(db, purpose="opt_in")) == 1


class FakeOk:
    """A provider that accepts everything (for sweeps inside webhook tests)."""

    is_dev = False

    class _Sms:
        def send(self, to, body):
            from reminders.providers import Sent

            return Sent(provider_id=f"SMOK{abs(hash(body)) % 10**8}", status="queued")

        def open_async(self):
            return None  # one at a time

    sms = _Sms()
    voice = None


def test_avboka_offers_a_call_instead_of_the_next_visit_and_asks_the_worker(
    web, people, db
) -> None:
    with db.transaction() as s:
        client = s.get(Client, people["client"])
        worker = s.get(__import__("models").Staff, people["worker"])
        visit = make_visit(s, client, worker, start=utcnow() + timedelta(days=1))
        visit_id = visit.id
    sms(web, "AVBOKA")
    [offer] = outbox(db, purpose="call_offer")
    assert "Kim ringer dig" in offer.body and "telefon" in offer.body
    assert offer.body.endswith(f"/boka/besok/{visit_id}/avboka")  # that visit's cancel page
    with db.transaction() as s:
        inbound = s.scalar(select(InboundMessage))
        assert (inbound.meaning, inbound.action, inbound.visit_id) == (
            "cancel",
            "call_offered",
            visit_id,
        )
    [task] = tasks(db)
    assert task.kind is TaskKind.CALL_BACK and task.staff_id == people["worker"]


def test_any_other_text_even_long_with_emoji_is_a_message_for_the_worker(web, people, db) -> None:
    body = "Nej, jag mår inte bra 😞 " + "x" * 2000
    assert sms(web, body).status_code == 200
    [task] = tasks(db)
    assert task.kind is TaskKind.MESSAGE and task.staff_id == people["worker"]
    assert "😞" in task.text


def test_a_reply_from_an_unknown_number_is_kept_and_shown_to_coordinators(web, people, db) -> None:
    assert sms(web, "Hej vem är detta?", sender="+46709999999").status_code == 200
    [task] = tasks(db)
    assert task.client_id is None and task.for_role.value == "coordinator"
    with db.transaction() as s:
        assert s.scalar(select(InboundMessage.action)).startswith("task:")


def status(web, sid: str, word: str, code: str | None = None):
    params = {"MessageSid": sid, "MessageStatus": word}
    if code:
        params["ErrorCode"] = code
    return post(web, "/webhooks/twilio/status", params)


def test_delivered_stays_delivered_and_replayed_statuses_are_harmless(web, people, db) -> None:
    reminder = sent_reminder(db, people["client"])
    assert status(web, "SMREMINDER", "delivered").status_code == 204
    assert status(web, "SMREMINDER", "sent").status_code == 204  # late and out of order
    assert status(web, "SMREMINDER", "delivered").status_code == 204  # retried
    [row] = outbox(db, id=reminder)
    assert row.state is OutboxState.DELIVERED and row.delivered_at is not None
    with db.transaction() as s:
        assert s.scalar(select(func.count(DeliveryEvent.id))) == 2


def test_a_status_for_an_unknown_sid_is_kept_and_applied_once_the_sid_is_known(
    web, people, db
) -> None:
    assert status(web, "SMEARLY", "delivered").status_code == 204
    from reminders.delivery import apply_pending_events

    with db.transaction() as s:
        row = queue_sms(s, PHONE, "Hej", purpose="notice", client_id=people["client"])
        row.state, row.provider_id = OutboxState.SENT, "SMEARLY"
        s.flush()
        apply_pending_events(s, row, utcnow())
    assert outbox(db, provider_id="SMEARLY")[0].state is OutboxState.DELIVERED


def test_an_undelivered_sms_becomes_a_task_and_an_escalation(web, people, db) -> None:
    reminder = sent_reminder(db, people["client"])
    status(web, "SMREMINDER", "undelivered", "30003")
    status(web, "SMREMINDER", "undelivered", "30003")
    [row] = outbox(db, id=reminder)
    assert row.state is OutboxState.FAILED and row.error_code == 30003
    [task] = tasks(db)
    assert task.kind is TaskKind.UNDELIVERABLE and task.staff_id == people["worker"]
    with db.transaction() as s:
        [escalation] = s.scalars(select(Escalation)).all()
        assert escalation.type is EscalationType.UNDELIVERABLE_PHONE


def call_row(db: Database, client_id: int) -> int:
    with db.transaction() as s:
        row = Outbox(
            kind=OutboxKind.CALL,
            to_phone=PHONE,
            body="Hej! Det här är boendestödet.",
            purpose="reminder",
            client_id=client_id,
            due_at=utcnow(),
            next_attempt_at=utcnow(),
            state=OutboxState.SENT,
            provider_id="CA1",
        )
        s.add(row)
        s.flush()
        return row.id


def test_a_check_in_call_greets_in_swedish_and_gathers_one_key(web, people, db) -> None:
    call_id = call_row(db, people["client"])
    response = post(web, f"/webhooks/twilio/voice/outbox/{call_id}", {"CallSid": "CA1"})
    xml = response.text
    assert response.status_code == 200
    assert '<Gather action="https://boendestod.example.se/webhooks/twilio/voice/outbox/' in xml
    assert 'numDigits="1"' in xml and 'language="sv-SE"' in xml and 'voice="Polly.Astrid"' in xml
    assert "Det här är boendestödet" in xml
    ok = post(web, f"/webhooks/twilio/voice/outbox/{call_id}/key", {"Digits": "1"})
    assert "Tack" in ok.text
    assert outbox(db, id=call_id)[0].reply == "1"
    assert tasks(db) == []


def test_a_client_who_reads_arabic_hears_the_call_in_an_arabic_voice(web, people, db) -> None:
    with db.transaction() as s:
        s.get(Client, people["client"]).language = "ar"
    call_id = call_row(db, people["client"])
    xml = post(web, f"/webhooks/twilio/voice/outbox/{call_id}", {"CallSid": "CA1"}).text
    assert 'voice="Polly.Zeina"' in xml and 'language="arb"' in xml
    thanks = post(web, f"/webhooks/twilio/voice/outbox/{call_id}/key", {"Digits": "1"}).text
    assert 'voice="Polly.Zeina"' in thanks and "Tack" not in thanks


@pytest.mark.parametrize(
    ("how", "params"),
    [
        ("pressed 2", {"path": "/key", "Digits": "2"}),
        ("no answer", {"path": "status", "CallStatus": "no-answer"}),
        ("busy", {"path": "status", "CallStatus": "busy"}),
    ],
)
def test_a_call_answered_with_2_or_not_answered_asks_the_worker_to_call_back(
    web, people, db, how, params
) -> None:
    call_id = call_row(db, people["client"])
    path = params.pop("path")
    for _ in range(2):  # replays make no second task
        if path == "status":
            post(web, "/webhooks/twilio/status", {"CallSid": "CA1", **params})
        else:
            post(web, f"/webhooks/twilio/voice/outbox/{call_id}/key", params)
    [task] = tasks(db)
    assert task.kind is TaskKind.CALL_BACK, how
