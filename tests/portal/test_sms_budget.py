"""The hour's budget for asked-for SMS: past it, codes wait in the outbox, staff are told once,
and the codes go out when the hour frees room; planned reminders are never held back."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from models import Database, Outbox, OutboxState, Task, TaskKind, utcnow
from portal.app import create_app
from reminders.outbox import queue_sms
from tests.conftest import https_client, post_form, settings_for_tests

pytestmark = pytest.mark.db


@pytest.fixture
def app(database_url: str, db: Database):
    application = create_app(settings_for_tests(database_url, sms_budget_per_hour=3), db=db)
    application.config["TESTING"] = True
    yield application
    application.extensions["boendestod.dispatcher"].shutdown()


def ask(app: Flask, n: int) -> int:
    """A resident at their own address asks for a code to their own number."""
    web = https_client(app)
    web.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
    data = {"name": "Eva", "phone": f"070-123 45 6{n}", "text": ""}
    return post_form(web, "/fraga", data).status_code


def codes(db: Database) -> dict[str, list[str]]:
    """Phone numbers of the code SMS by state."""
    with db.transaction() as s:
        rows = s.scalars(select(Outbox).where(Outbox.purpose == "login_code").order_by(Outbox.id))
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.state.value, []).append(row.to_phone[-1])
        return found


def budget_tasks(db: Database) -> list[Task]:
    with db.transaction() as s:
        return list(s.scalars(select(Task).where(Task.kind == TaskKind.SMS_BUDGET)))


def test_past_the_budget_codes_wait_staff_are_told_once_and_they_go_out_when_room_frees(
    app: Flask, db: Database
) -> None:
    sweep = app.extensions["boendestod.dispatcher"].sweep_once
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert [ask(app, n) for n in range(3)] == [302] * 3
    assert codes(db) == {"delivered": ["0", "1", "2"]}
    assert budget_tasks(db) == []

    with time_machine.travel(start + timedelta(minutes=55), tick=False):
        # The page answers as always: the person cannot tell (nor find out who is a client).
        assert [ask(app, n) for n in (3, 4)] == [302, 302]
        with db.transaction() as s:  # a planned reminder is not held back by the budget
            queue_sms(s, "+46700000099", "Ta medicinen", purpose="reminder")
        sweep()
        sweep()
    assert codes(db) == {"delivered": ["0", "1", "2"], "queued": ["3", "4"]}
    with db.transaction() as s:
        reminder = s.scalar(select(Outbox).where(Outbox.purpose == "reminder"))
        assert reminder.state is OutboxState.DELIVERED
    [task] = budget_tasks(db)  # once, however many codes wait and sweeps pass
    assert task.for_role is not None and task.for_role.value == "coordinator"
    assert "sms-budget är slut" in task.text and "Nya koder väntar" in task.text

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        sweep()
    assert codes(db) == {"delivered": ["0", "1", "2", "3", "4"]}
    assert len(budget_tasks(db)) == 1


def test_a_code_held_past_its_ten_minutes_is_withdrawn_not_sent(app: Flask, db: Database) -> None:
    sweep = app.extensions["boendestod.dispatcher"].sweep_once
    start = utcnow()
    with time_machine.travel(start, tick=False):
        [ask(app, n) for n in range(4)]
    assert codes(db) == {"delivered": ["0", "1", "2"], "queued": ["3"]}
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        sweep()
    assert codes(db) == {"delivered": ["0", "1", "2"], "cancelled": ["3"]}
