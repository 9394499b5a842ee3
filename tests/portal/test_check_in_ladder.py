"""Hur mår du?: red starts a timed ladder (worker → coordinator → caseworker); yellows add up."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from models import (
    CheckIn,
    Database,
    Escalation,
    EscalationType,
    Role,
    Task,
    TaskKind,
)
from portal.client.checkins import LadderTimes, climb, run_ladder
from tests.conftest import post_form, sms_to
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna", phone="+46700000101")
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, workers=[anna], caseworker=karin, phone="+46700000001")
        return {"anna": anna.id, "karin": karin.id, "sandra": sandra.id}


def answer(app: Flask, db: Database, client_id: int, mood: str, at: datetime):
    with time_machine.travel(at, tick=False):
        web = client_client(app, db, client_id)
        return web, post_form(web, "/hur-mar-du", {"mood": mood})


def ladder(app: Flask, db: Database, at: datetime) -> None:
    settings = app.config["SETTINGS"]
    run_ladder(db, at, settings.zone, LadderTimes())


def tasks_of(db: Database, kind: TaskKind = TaskKind.RED_CHECK_IN) -> list[Task]:
    with db.transaction() as s:
        return list(s.scalars(select(Task).where(Task.kind == kind).order_by(Task.id)))


def escalations(db: Database) -> list[Escalation]:
    with db.transaction() as s:
        return list(s.scalars(select(Escalation)))


def test_red_alerts_the_worker_at_once_and_tells_the_client_who_will_call(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web, response = answer(app, db, people["sandra"], "red", T0)
    assert response.status_code == 303
    page = web.get(response.headers["Location"]).text
    assert "Anna ringer dig snart." in page and "112" in page
    [task] = tasks_of(db)
    assert task.staff_id == people["anna"] and task.acknowledged_at is None
    # Anna's phone buzzes, but the SMS says nothing about who or why.
    [alert] = sms_to(web, "+46700000101")
    assert "Sandra" not in alert and "dåligt" not in alert and "/personal/idag" in alert


def test_nobody_acknowledging_brings_the_coordinator_at_15_and_the_caseworker_at_60_minutes(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    answer(app, db, people["sandra"], "red", T0)
    ladder(app, db, T0 + timedelta(minutes=14))
    assert [t.for_role for t in tasks_of(db)] == [None]
    ladder(app, db, T0 + timedelta(minutes=15))
    assert [t.for_role for t in tasks_of(db)] == [None, Role.COORDINATOR]
    ladder(app, db, T0 + timedelta(minutes=59))
    assert escalations(db) == []
    ladder(app, db, T0 + timedelta(minutes=60))
    ladder(app, db, T0 + timedelta(minutes=61))  # a later run adds nothing
    [escalation] = escalations(db)
    assert escalation.type is EscalationType.UNRESOLVED_RED
    assert escalation.owner_id == people["karin"]
    assert len(tasks_of(db)) == 2


def test_a_worker_who_acknowledges_in_time_stops_the_whole_ladder(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web, response = answer(app, db, people["sandra"], "red", T0)
    [task] = tasks_of(db)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        anna = staff_client(app, db, "anna")
        assert "Jag tar det" in anna.get("/personal/idag").text
        post_form(anna, f"/personal/att-gora/{task.id}/ta", {}, page="/personal/idag")
    for minutes in (15, 30, 60, 120):
        ladder(app, db, T0 + timedelta(minutes=minutes))
    assert len(tasks_of(db)) == 1 and escalations(db) == []
    # Sandra sees that Anna has seen it.
    assert "Anna har sett ditt svar." in web.get(response.headers["Location"]).text


def test_a_late_acknowledgement_after_the_coordinator_still_stops_the_escalation(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    answer(app, db, people["sandra"], "red", T0)
    ladder(app, db, T0 + timedelta(minutes=15))
    worker_task = tasks_of(db)[0]
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        anna = staff_client(app, db, "anna")
        post_form(anna, f"/personal/att-gora/{worker_task.id}/ta", {}, page="/personal/idag")
    ladder(app, db, T0 + timedelta(minutes=60))
    assert escalations(db) == []
    coordinator_task = tasks_of(db)[1]
    assert coordinator_task.done_at is not None  # the coordinator need not call as well


def test_the_ladder_times_are_configurable(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    answer(app, db, people["sandra"], "red", T0)
    with db.transaction() as s:
        climb(
            s,
            T0 + timedelta(minutes=5),
            app.config["ZONE"],
            LadderTimes(
                coordinator_after=timedelta(minutes=5), escalate_after=timedelta(minutes=10)
            ),
        )
    assert len(tasks_of(db)) == 2
    assert app.config["SETTINGS"].red_coordinator_minutes == 15  # the default


def test_the_ladder_runs_as_one_periodic_job_on_the_dispatcher(app: Flask) -> None:
    names = [name for name, _, _ in app.extensions["boendestod.dispatcher"]._periodic]
    assert names.count("check-in-ladder") == 1


def test_three_yellows_in_a_row_ask_the_worker_to_follow_up(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    for i, mood in enumerate(["yellow", "yellow", "green", "yellow", "yellow"]):
        answer(app, db, people["sandra"], mood, T0 + timedelta(hours=i))
    assert tasks_of(db, TaskKind.CHECK_IN_FOLLOW_UP) == []
    answer(app, db, people["sandra"], "yellow", T0 + timedelta(hours=6))
    answer(app, db, people["sandra"], "yellow", T0 + timedelta(hours=7))  # still one task
    [task] = tasks_of(db, TaskKind.CHECK_IN_FOLLOW_UP)
    assert task.staff_id == people["anna"] and "3 gånger" in task.text


def test_pressing_a_mood_twice_records_one_check_in(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web = client_client(app, db, people["sandra"])
    page = web.get("/hur-mar-du").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    form = {"csrf_token": token, "nonce": nonce, "mood": "red"}
    first, second = web.post("/hur-mar-du", data=form), web.post("/hur-mar-du", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    with db.transaction() as s:
        assert s.scalar(select(func.count(CheckIn.id))) == 1
    assert len(tasks_of(db)) == 1


def test_a_check_in_without_a_mood_asks_again(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web = client_client(app, db, people["sandra"])
    response = post_form(web, "/hur-mar-du", {"mood": "purple"})
    assert response.status_code == 400 and "Tryck på en av knapparna." in response.text
    with db.transaction() as s:
        assert s.scalar(select(func.count(CheckIn.id))) == 0
