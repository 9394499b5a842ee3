"""Many messages in flight through Twilio's async client; in-doubt rows looked up, not resent."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Database, DeliveryEvent, Outbox, OutboxState
from reminders.claims import claim_due
from reminders.dispatch import sweep
from reminders.inflight import record_sent_many
from reminders.outbox import queue_sms
from reminders.providers import Sent, TwilioSmsClient, make_telephony
from reminders.timing import LEASE
from tests.fakes.twilio_server import SERVICE_UNAVAILABLE, FakeTwilio

pytestmark = pytest.mark.db
T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)  # 08:00 in Stockholm
AFTER_LEASE = T0 + LEASE + timedelta(seconds=1)
TWIML = "https://boendestod.example.se/webhooks/twilio/voice/outbox"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def queue(db: Database, n: int, to: str | None = None, body: str | None = None) -> list[int]:
    with db.transaction() as s:
        queued = [
            queue_sms(
                s, to or f"+4670{i:07d}", body or f"Påminnelse {i}", purpose="reminder", due_at=T0
            )
            for i in range(n)
        ]
        for row in queued:
            row.reply_window_minutes = 60  # "Svara 1 när du har gjort det"
        return [row.id for row in queued]


def rows(db: Database) -> list[Outbox]:
    with db.transaction() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def test_a_burst_goes_out_many_at_a_time_each_message_once(db: Database, fake) -> None:
    queue(db, 300)
    handed = sweep(db, make_telephony(db, fake.settings()), TWIML, now=T0, concurrency=16)
    bodies = [m.body for m in fake.messages()]
    assert handed == 300
    assert sorted(bodies) == sorted(f"Påminnelse {i}" for i in range(300))
    outbox = rows(db)
    assert {r.state for r in outbox} == {OutboxState.SENT}
    assert {r.provider_id for r in outbox} == {m.sid for m in fake.messages()}
    assert all(r.reply_due_at == r.sent_at + timedelta(minutes=60) for r in outbox)
    assert all(r.claim_token is None for r in outbox)


def test_a_message_twilio_already_has_from_a_crashed_dispatcher_is_not_sent_again(
    db: Database, fake
) -> None:
    [outbox_id] = queue(db, 1)
    claim_due(db, T0)  # the dispatcher claimed it, handed it over, and died before recording
    sent = TwilioSmsClient(fake.settings()).send("+46700000000", "Påminnelse 0")
    sweep(db, make_telephony(db, fake.settings()), TWIML, now=AFTER_LEASE)
    assert len(fake.messages()) == 1, "not sent a second time"
    [row] = rows(db)
    assert row.id == outbox_id and row.state is OutboxState.SENT
    assert row.provider_id == sent.provider_id


def test_a_claimed_message_twilio_never_got_is_sent_once_after_the_lease(
    db: Database, fake
) -> None:
    queue(db, 1)
    claim_due(db, T0)  # died before the message left
    sweep(db, make_telephony(db, fake.settings()), TWIML, now=AFTER_LEASE)
    [message] = fake.messages()
    [row] = rows(db)
    assert row.state is OutboxState.SENT and row.provider_id == message.sid


def test_a_message_already_recorded_for_another_row_is_not_taken_for_the_one_in_doubt(
    db: Database, fake
) -> None:
    # The same text to the same client twice (two rules); the first went out and was recorded.
    first, second = queue(db, 2, to="+46701234567", body="Ta din medicin")
    telephony = make_telephony(db, fake.settings())
    sweep(db, telephony, TWIML, now=T0, only=[first])
    claim_due(db, T0, only=[second])  # claimed, then the dispatcher died before sending it
    sweep(db, telephony, TWIML, now=AFTER_LEASE)
    assert len(fake.messages("+46701234567")) == 2, "the second one is sent, not skipped"
    assert {r.state for r in rows(db)} == {OutboxState.SENT}
    assert len({r.provider_id for r in rows(db)}) == 2


def test_when_twilio_cannot_be_asked_the_row_in_doubt_waits_and_is_asked_again(
    db: Database, fake
) -> None:
    queue(db, 1)
    claim_due(db, T0)
    sent = TwilioSmsClient(fake.settings()).send("+46700000000", "Påminnelse 0")
    telephony = make_telephony(db, fake.settings())
    fake.down = SERVICE_UNAVAILABLE
    assert sweep(db, telephony, TWIML, now=AFTER_LEASE) == 0
    [row] = rows(db)
    assert row.state is OutboxState.SENDING and row.claim_token is None, "still in doubt"
    assert "503" in (row.last_error or "")
    fake.down = None
    assert sweep(db, telephony, TWIML, now=AFTER_LEASE) == 0, "not before its retry delay"
    assert sweep(db, telephony, TWIML, now=AFTER_LEASE + timedelta(minutes=2)) == 1
    [row] = rows(db)
    assert row.state is OutboxState.SENT and row.provider_id == sent.provider_id
    assert len(fake.messages()) == 1


def test_while_twilio_is_down_one_request_finds_out_and_the_rest_wait(db: Database, fake) -> None:
    queue(db, 50)
    fake.down = SERVICE_UNAVAILABLE
    sweep(db, make_telephony(db, fake.settings()), TWIML, now=T0, concurrency=16)
    assert len(fake.log) == 1, "one request, not fifty"
    assert {r.state for r in rows(db)} == {OutboxState.QUEUED}
    assert sum(r.attempts for r in rows(db)) == 1


def test_a_delivery_receipt_that_came_before_the_group_was_recorded_still_counts(
    db: Database,
) -> None:
    queue(db, 2)
    claimed = claim_due(db, T0)
    with db.transaction() as s:  # Twilio's callback for the first came before our commit
        s.add(DeliveryEvent(provider_id="SM" + "1" * 32, status="delivered"))
    record_sent_many(
        db,
        [
            (claimed[0], Sent("SM" + "1" * 32, "queued"), T0),
            (claimed[1], Sent("SM" + "2" * 32, "queued"), T0),
        ],
    )
    first, second = rows(db)
    assert first.state is OutboxState.DELIVERED
    assert second.state is OutboxState.SENT


def test_a_sweep_called_from_inside_an_event_loop_still_looks_up_before_resending(
    db: Database, fake
) -> None:
    queue(db, 1)
    claim_due(db, T0)
    TwilioSmsClient(fake.settings()).send("+46700000000", "Påminnelse 0")
    telephony = make_telephony(db, fake.settings())

    handed: list[int] = []

    async def inside_a_loop() -> None:  # as under Playwright's sync API, or in a video thread
        handed.append(sweep(db, telephony, TWIML, now=AFTER_LEASE))

    thread = threading.Thread(target=asyncio.run, args=(inside_a_loop(),))
    thread.start()
    thread.join()
    assert handed == [1]
    assert len(fake.messages()) == 1
