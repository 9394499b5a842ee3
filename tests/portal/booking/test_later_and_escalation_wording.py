"""Two wording slips (issue 18, item 11): "Senare idag" for a visit on another day, and an
escalation that says the worker reached the client when nobody had."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from models import Client, Database, Escalation, Role, Staff, Task, TaskKind
from portal import tasks
from portal.booking import actions
from portal.booking.rules import DEFAULT_RULES
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import client_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "label"),
    [
        ("2026-05-04T12:00", "Senare idag"),
        ("2026-05-05T12:00", "Senare i morgon"),
        ("2026-05-13T12:00", "Senare samma dag"),  # nine days away
    ],
)
def test_the_later_choice_names_the_day_of_the_visit(
    app: Flask, db: Database, start: str, label: str
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        sandra = make_client(s, workers=[anna])
        make_decision(s, sandra)
        visit_id = make_visit(s, sandra, anna, at(start)).id
    web = client_client(app, db, sandra.id)
    with time_machine.travel(NOW, tick=False):
        offer = web.get(f"/boka/besok/{visit_id}/avboka").text
        later = web.get(f"/boka/besok/{visit_id}/senare").text
    assert label in offer and label in later
    if label != "Senare idag":
        assert "Senare idag" not in offer and "idag" not in later.split("<main", 1)[1]
    later_day = at(start).astimezone(STHLM).date()
    assert all(
        datetime.fromtimestamp(int(t), UTC).astimezone(STHLM).date() == later_day
        for t in __import__("re").findall(r'name="start" value="(\d+)"', later)
    )


def _cancel_four_times(db: Database, client_id: int, staff_id: int, between=None) -> Escalation:
    """Sandra cancels four visits a minute apart; ``between`` runs after the third."""
    for i in range(4):
        now = NOW + timedelta(minutes=i)
        with time_machine.travel(now, tick=False), db.transaction() as s:
            visit = make_visit(
                s, s.get(Client, client_id), s.get(Staff, staff_id), at(f"2026-05-1{i}T10:00")
            )
            actions.cancel_by_client(s, visit, "not_well", now=now, zone=STHLM, rules=DEFAULT_RULES)
        if i == 2 and between:
            between(now + timedelta(seconds=30))
    with db.transaction() as s:
        return s.scalar(select(Escalation)).reason


@pytest.fixture
def sandra(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        client = make_client(s, workers=[anna], caseworker=karin)
        make_decision(s, client, minutes=600)
        return {"anna": anna.id, "sandra": client.id}


def test_an_untouched_check_in_task_is_not_called_contact(
    db: Database, sandra: dict[str, int]
) -> None:
    reason = _cancel_four_times(db, sandra["sandra"], sandra["anna"])
    assert "hört av sig" not in reason
    assert "Anna ombads höra av sig" in reason and "har inte gjort det än" in reason


def test_the_escalation_says_the_worker_reached_out_when_the_task_was_done(
    db: Database, sandra: dict[str, int]
) -> None:
    def anna_calls(when: datetime) -> None:
        with db.transaction() as s:
            task = s.scalar(select(Task).where(Task.kind == TaskKind.CANCELLATIONS))
            tasks.complete(s, task.id, s.get(Staff, sandra["anna"]), when)

    reason = _cancel_four_times(db, sandra["sandra"], sandra["anna"], anna_calls)
    assert "även efter att Anna hört av sig" in reason
