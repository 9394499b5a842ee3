"""An important reminder that gets no "1" in time reaches the caseworker, not only the worker."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import (
    Database,
    Escalation,
    EscalationType,
    Outbox,
    OutboxState,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Role,
    Task,
    TaskKind,
    utcnow,
)
from reminders.jobs import follow_up_unanswered
from reminders.outbox import queue_sms
from tests.factories import make_client, make_staff

pytestmark = pytest.mark.db


@pytest.mark.parametrize("important", [True, False])
def test_an_unanswered_reminder_escalates_only_when_marked_important(
    app: Flask, db: Database, important: bool
) -> None:
    now = utcnow()
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra = make_client(s, workers=[anna], caseworker=karin)
        rule = ReminderRule(
            client_id=sandra.id,
            text="Ta din medicin",
            channel=ReminderChannel.SMS,
            recurrence=Recurrence.DAILY,
            ask_reply=True,
            reply_within_minutes=60,
            important=important,
        )
        s.add(rule)
        s.flush()
        row = queue_sms(
            s,
            sandra.phone,
            "Ta din medicin. Svara 1.",
            purpose="reminder",
            client_id=sandra.id,
            due_at=now - timedelta(hours=2),
        )
        row.rule_id, row.state, row.sent_at = rule.id, OutboxState.DELIVERED, row.due_at
        row.reply_due_at = now - timedelta(minutes=1)
    assert follow_up_unanswered(db, now) == 1
    with db.transaction() as s:
        task = s.scalar(select(Task).where(Task.kind == TaskKind.REMINDER_UNANSWERED))
        escalation = s.scalar(select(Escalation))
        assert task is not None and task.staff_id is not None
        if important:
            assert escalation.type is EscalationType.UNCONFIRMED_REMINDER
            assert escalation.owner_id == karin.id
            assert escalation.evidence[0]["rule_id"] == rule.id
        else:
            assert escalation is None
        assert s.scalar(select(Outbox.followed_up_at)) is not None
    assert follow_up_unanswered(db, now) == 0  # once only
