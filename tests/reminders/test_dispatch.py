"""The outbox dispatcher: due rows are sent once, failures retried or stopped, claims safe."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Database, DevMessage, Outbox, OutboxState, utcnow
from reminders.claims import claim_due
from reminders.dispatch import sweep
from reminders.outbox import queue_sms
from reminders.providers import (
    PermanentFailure,
    Sent,
    Telephony,
    TemporaryFailure,
    make_telephony,
)
from reminders.timing import LEASE

pytestmark = pytest.mark.db
TWIML = "http://localhost/webhooks/twilio/voice/outbox"


class FlakySms:
    """Fails with the given errors first, then succeeds; records what it sent."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> Sent:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((to, body))
        return Sent(provider_id=f"SM{len(self.sent):032d}", status="queued")

    def open_async(self) -> None:
        return None  # one at a time


def _queue(db: Database, n: int = 1, due_in: timedelta = timedelta(0)) -> list[int]:
    with db.transaction() as s:
        return [
            queue_sms(
                s, f"+4670000{i:04d}", f"Hej {i}", purpose="test", due_at=utcnow() + due_in
            ).id
            for i in range(n)
        ]


def _state(db: Database, outbox_id: int) -> Outbox:
    with db.transaction() as s:
        return s.get(Outbox, outbox_id)


def test_due_messages_reach_the_dev_inbox_and_future_ones_wait(db: Database) -> None:
    now_ids = _queue(db, 2)
    later = _queue(db, 1, due_in=timedelta(hours=3))
    assert sweep(db, make_telephony(db, None), TWIML) == 2
    assert {_state(db, i).state for i in now_ids} == {OutboxState.DELIVERED}
    assert _state(db, later[0]).state is OutboxState.QUEUED
    with db.transaction() as s:
        assert s.scalar(select(func.count(DevMessage.id))) == 2


def test_a_temporary_failure_is_retried_after_a_delay_then_sent_once(db: Database) -> None:
    [outbox_id] = _queue(db)
    sms = FlakySms(TemporaryFailure("HTTP 503"))
    telephony = Telephony(sms=sms, voice=None, is_dev=False)
    sweep(db, telephony, TWIML)
    row = _state(db, outbox_id)
    assert row.state is OutboxState.QUEUED and row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=5)
    assert sweep(db, telephony, TWIML) == 0  # not before its retry time
    sweep(db, telephony, TWIML, now=utcnow() + timedelta(seconds=11))
    row = _state(db, outbox_id)
    assert row.state is OutboxState.SENT and row.attempts == 2
    assert row.provider_id and len(sms.sent) == 1


def test_a_permanent_failure_stops_at_once(db: Database) -> None:
    [outbox_id] = _queue(db)
    sms = FlakySms(PermanentFailure("invalid number", 21211))
    sweep(db, Telephony(sms=sms, voice=None, is_dev=False), TWIML)
    row = _state(db, outbox_id)
    assert row.state is OutboxState.FAILED
    assert "invalid number" in row.last_error
    assert sms.sent == []


def test_a_claim_left_by_a_crashed_process_is_taken_over_after_the_lease(db: Database) -> None:
    [outbox_id] = _queue(db)
    crashed = claim_due(db, utcnow())  # claimed, then the process "dies" without sending
    assert [c.id for c in crashed] == [outbox_id]
    sms = FlakySms()
    telephony = Telephony(sms=sms, voice=None, is_dev=False)
    assert sweep(db, telephony, TWIML) == 0  # still leased to the dead process
    assert sweep(db, telephony, TWIML, now=utcnow() + LEASE + timedelta(seconds=1)) == 1
    assert _state(db, outbox_id).state is OutboxState.SENT
    assert len(sms.sent) == 1


def test_concurrent_sweeps_send_each_message_exactly_once(db: Database) -> None:
    _queue(db, 60)
    sms = FlakySms()
    telephony = Telephony(sms=sms, voice=None, is_dev=False)
    threads = [
        threading.Thread(target=sweep, args=(db, telephony, TWIML), kwargs={"batch": 7})
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = [body for _, body in sms.sent]
    assert len(bodies) == 60
    assert len(set(bodies)) == 60
