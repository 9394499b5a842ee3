"""The demo's phone: answering an SMS or pressing a key in a call at /dev/outbox does what the
same answer through Twilio's signed webhook does, once."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Client, InboundMessage, Outbox, OutboxKind, OutboxState, Task, TaskKind, utcnow
from reminders.dispatch import sweep
from reminders.outbox import queue_sms
from tests.conftest import csrf_from
from tests.factories import make_client, make_staff

pytestmark = pytest.mark.db
PHONE = "+46701112233"


@pytest.fixture
def client_id(db) -> int:
    with db.transaction() as s:
        worker = make_staff(s, "kim", first_name="Kim")
        return make_client(s, phone=PHONE, workers=[worker]).id


def send_all(app) -> None:
    db, telephony = app.extensions["boendestod.db"], app.extensions["boendestod.telephony"]
    sweep(db, telephony, "http://localhost/twiml", only=None)


def a_reminder_asking_for_a_reply(app, db, client_id: int) -> int:
    with db.transaction() as s:
        row = queue_sms(
            s,
            PHONE,
            "Påminnelse: Ta din medicin. Svara 1.",
            purpose="reminder",
            client_id=client_id,
        )
        row.reply_window_minutes = 60
        row.reply_due_at = utcnow() + timedelta(hours=1)
        reminder = row.id
    send_all(app)
    return reminder


def reply_form(web, phone: str = PHONE) -> dict[str, str]:
    page = web.get("/dev/outbox").text
    thread = page[page.index('<input type="hidden" name="phone" value="' + phone) :]
    sid = re.search(r'name="sid" value="([^"]+)"', thread).group(1)
    return {"csrf_token": csrf_from(page), "phone": phone, "sid": sid}


def test_a_reply_of_1_confirms_the_reminder_once_even_when_the_form_is_sent_twice(
    web, app, db, client_id
) -> None:
    reminder = a_reminder_asking_for_a_reply(app, db, client_id)
    form = {**reply_form(web), "body": "1"}
    assert web.post("/dev/outbox/svar", data=form).status_code == 302
    assert web.post("/dev/outbox/svar", data=form).status_code == 302
    with db.transaction() as s:
        row = s.get(Outbox, reminder)
        assert row.reply == "1" and row.replied_at is not None
        assert s.scalar(select(func.count(InboundMessage.id))) == 1


def test_stopp_from_the_demo_phone_opts_out_and_the_confirmation_shows_in_the_thread(
    web, app, db, client_id
) -> None:
    a_reminder_asking_for_a_reply(app, db, client_id)
    web.post("/dev/outbox/svar", data={**reply_form(web), "body": "STOPP"})
    send_all(app)
    with db.transaction() as s:
        assert s.get(Client, client_id).sms_opt_out is True
    assert "START" in web.get("/dev/outbox").text


def test_an_empty_reply_is_refused_with_a_message_and_nothing_is_kept(
    web, app, db, client_id
) -> None:
    a_reminder_asking_for_a_reply(app, db, client_id)
    response = web.post("/dev/outbox/svar", data={**reply_form(web), "body": ""})
    assert response.status_code == 400
    assert "Skriv ett svar." in response.text
    with db.transaction() as s:
        assert s.scalar(select(func.count(InboundMessage.id))) == 0


def test_pressing_2_in_a_demo_call_asks_the_worker_to_call_back_once(
    web, app, db, client_id
) -> None:
    with db.transaction() as s:
        s.add(
            Outbox(
                kind=OutboxKind.CALL,
                to_phone=PHONE,
                body="Hej! Det här är boendestödet.",
                purpose="reminder",
                client_id=client_id,
                due_at=utcnow(),
                next_attempt_at=utcnow(),
                state=OutboxState.QUEUED,
            )
        )
    send_all(app)
    page = web.get("/dev/outbox").text
    message = re.search(r'name="message" value="(\d+)"', page).group(1)
    form = {"csrf_token": csrf_from(page), "message": message, "digit": "2"}
    for _ in range(2):
        assert web.post("/dev/outbox/knapp", data=form).status_code == 302
    with db.transaction() as s:
        assert [t.kind for t in s.scalars(select(Task))] == [TaskKind.CALL_BACK]


def test_the_demo_phone_does_not_exist_when_twilio_sends(db, settings, client_id) -> None:
    from portal.app import create_app
    from reminders.providers import TwilioSettings
    from tests.conftest import https_client

    twilio = TwilioSettings(
        account_sid="AC" + "1" * 32,
        auth_token="t",
        from_number="+4685",
        public_url="https://x",
        api_base_url="http://127.0.0.1:9",
    )
    app = create_app(settings.with_(twilio=twilio), db=db)
    web = https_client(app)
    assert web.get("/dev/outbox").status_code == 404
    assert web.post("/dev/outbox/svar", data={"body": "1"}).status_code in (400, 404)
    app.extensions["boendestod.dispatcher"].shutdown()
