"""Booking, moving, cancelling and delivering visits against a real database, time frozen."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (
    AuditEvent,
    Channel,
    Client,
    Database,
    Escalation,
    EscalationType,
    Outbox,
    Role,
    Staff,
    SupportRequest,
    Task,
    TaskKind,
    Visit,
    VisitStatus,
)
from portal.booking import actions, delivery
from portal.booking.rules import DEFAULT_RULES, BookingRefused
from portal.booking.slots import available_slots
from tests.factories import make_client, make_decision, make_staff, make_visit

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
RULES = DEFAULT_RULES


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        omar = make_staff(s, "omar")
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, workers=[anna, omar], caseworker=karin)
        make_decision(s, sandra, minutes=240)
        return {"anna": anna.id, "omar": omar.id, "karin": karin.id, "sandra": sandra.id}


def book(s, client, staff_id, start, **kw):
    kw.setdefault("minutes", 60)
    kw.setdefault("channel", Channel.HOME)
    kw.setdefault("now", at("2026-05-04T08:00"))
    return actions.book(
        s, client=client, staff_id=staff_id, start=start, zone=STHLM, rules=RULES, **kw
    )


def sandra(s, world):
    return s.get(Client, world["sandra"])


def test_pressing_book_twice_makes_one_visit(db: Database, world: dict[str, int]) -> None:
    with db.transaction() as s:
        first = book(s, sandra(s, world), world["anna"], at("2026-05-05T10:00"))
        again = book(s, sandra(s, world), world["anna"], at("2026-05-05T10:00"))
        assert again.id == first.id
        assert s.scalar(select(func.count(Visit.id))) == 1


def test_a_time_outside_the_workers_own_hours_is_refused(db: Database) -> None:
    with db.transaction() as s:
        bo = make_staff(s, "bo", hours=(time(8), time(17)))
        client = make_client(s, workers=[bo])
        make_decision(s, client)
        with pytest.raises(BookingRefused) as refused:
            book(s, client, bo.id, at("2026-05-05T18:00"))
        assert refused.value.code == "worker_off"


def test_booking_beyond_the_weekly_grant_is_refused_but_never_light_support(
    db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        client = sandra(s, world)
        for day in (5, 6, 7, 8):  # 4 × 60 = the whole 240 minutes of that week
            book(s, client, world["anna"], at(f"2026-05-0{day}T10:00"))
        with pytest.raises(BookingRefused) as refused:
            book(s, client, world["anna"], at("2026-05-09T10:00"))
        assert refused.value.code == "grant"
        book(s, client, world["anna"], at("2026-05-11T10:00"))  # next week is fresh
        asked = SupportRequest(
            client_id=client.id, category="talk", channel=Channel.HOME,
            wanted_from=at("2026-05-09T07:00"), wanted_to=at("2026-05-09T22:00"),
        )  # fmt: skip
        s.add(asked)
        s.flush()
        book(s, client, world["anna"], at("2026-05-09T10:00"), request_id=asked.id)


def test_a_fourth_worker_in_30_days_needs_a_logged_coordinator_override(
    db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        client = sandra(s, world)
        ali = make_staff(s, "ali")
        eva = make_staff(s, "eva")
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        book(s, client, world["anna"], at("2026-05-05T10:00"))
        book(s, client, world["omar"], at("2026-05-06T10:00"))
        book(s, client, ali.id, at("2026-05-07T10:00"))
        with pytest.raises(BookingRefused) as refused:
            book(s, client, eva.id, at("2026-05-08T10:00"))
        assert refused.value.code == "continuity"
        book(s, client, eva.id, at("2026-05-08T10:00"), override_by=cecilia)
        logged = s.scalar(select(AuditEvent).where(AuditEvent.action == "override"))
        assert logged.actor_staff_id == cecilia.id and logged.subject == "booking.continuity"


def test_the_database_itself_refuses_one_worker_in_two_visits_at_once(
    db: Database, world: dict[str, int]
) -> None:
    with pytest.raises(IntegrityError), db.transaction() as s:
        other = make_client(s, first_name="Olle")
        make_visit(s, sandra(s, world), _staff(s, world), at("2026-05-05T10:00"))
        make_visit(s, other, _staff(s, world), at("2026-05-05T10:30"))
    with db.transaction() as s:
        other = make_client(s, first_name="Olle")
        first = make_visit(s, sandra(s, world), _staff(s, world), at("2026-05-05T10:00"))
        first.status = VisitStatus.CANCELLED_BY_CLIENT
        s.flush()
        make_visit(s, other, _staff(s, world), at("2026-05-05T10:30"))  # a cancelled one frees it
        with pytest.raises(IntegrityError), s.begin_nested():
            first.status = VisitStatus.PLANNED  # …and cannot come back over the new one
            s.flush()


def _staff(s, world):
    return s.get(Staff, world["anna"])


def test_moving_keeps_the_worker_and_the_slot_list_offers_that_worker_first(
    db: Database, world: dict[str, int]
) -> None:
    now = at("2026-05-04T08:00")
    with db.transaction() as s:
        visit = book(s, sandra(s, world), world["omar"], at("2026-05-05T10:00"))
        slots = available_slots(
            s, world["sandra"], [at("2026-05-06T12:00").date()], 60, now, STHLM, RULES,
            staff_ids=[visit.staff_id], ignore_visit_id=visit.id,
        )  # fmt: skip
        assert {sl.staff_id for sl in slots} == {world["omar"]}
        actions.move(s, visit, start=slots[0].start, now=now, zone=STHLM, rules=RULES)
        assert visit.staff_id == world["omar"]
        assert visit.planned_start.astimezone(STHLM).hour == 7


def test_three_client_cancellations_ask_the_worker_and_the_fourth_escalates(
    db: Database, world: dict[str, int]
) -> None:
    steps = []
    for day in (5, 6, 7, 8):
        now = at(f"2026-05-0{day}T08:00")
        with time_machine.travel(now, tick=False), db.transaction() as s:
            visit = book(s, sandra(s, world), world["anna"], at(f"2026-05-1{day}T10:00"), now=now)
            steps.append(
                actions.cancel_by_client(s, visit, "not_well", now=now, zone=STHLM, rules=RULES)
            )
    assert [st.value for st in steps] == ["none", "none", "ask_worker", "escalate"]
    with db.transaction() as s:
        [task] = s.scalars(select(Task).where(Task.kind == TaskKind.CANCELLATIONS)).all()
        assert task.staff_id == world["anna"] and "3 gånger" in task.text
        [escalation] = s.scalars(select(Escalation)).all()
        assert escalation.type is EscalationType.REPEATED_CANCELLATIONS
        assert escalation.owner_id == world["karin"]
        kinds = [item["kind"] for item in escalation.evidence]
        assert kinds.count("cancellation") == 4 and "check_in_asked" in kinds


def test_taking_an_alternative_is_not_a_cancellation(db: Database, world: dict[str, int]) -> None:
    now = at("2026-05-04T08:00")
    with db.transaction() as s:
        visit = book(s, sandra(s, world), world["anna"], at("2026-05-05T10:00"))
        actions.take_alternative(
            s, visit, actions.Alternative.PHONE, now=now, zone=STHLM, rules=RULES
        )
        actions.take_alternative(
            s, visit, actions.Alternative.SHORTER, now=now, zone=STHLM, rules=RULES
        )
        assert visit.status is VisitStatus.PLANNED and visit.channel is Channel.PHONE
        assert visit.planned_minutes == 30 and visit.adjustment == "shorter"


def test_staff_cancellations_never_count_and_the_client_gets_a_plain_sms(
    app, db: Database, world: dict[str, int]
) -> None:
    with app.app_context(), db.transaction() as s:
        client = sandra(s, world)
        client.needs = ["psychiatric"]
        anna = _staff(s, world)
        for day in (5, 6, 7, 8):
            now = at(f"2026-05-0{day}T08:00")
            visit = book(s, client, anna.id, at(f"2026-05-1{day}T10:00"), now=now)
            actions.cancel_by_staff(
                s, visit, anna, "sjuk", now=now, zone=STHLM, link="https://x/boka"
            )
        assert s.scalar(select(func.count(Task.id))) == 0
        bodies = [o.body for o in s.scalars(select(Outbox))]
        assert len(bodies) == 4
        assert "10:00" in bodies[0] and "https://x/boka" in bodies[0]
        assert not any(word in bodies[0].lower() for word in ("psyk", "sjuk", "sandra"))


def test_a_worker_cannot_end_a_visit_never_started_and_a_long_one_needs_a_reason(
    db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        visit = book(s, sandra(s, world), world["anna"], at("2026-05-05T10:00"))
        with pytest.raises(BookingRefused) as refused:
            delivery.end_visit(visit, at("2026-05-05T11:00"), RULES)
        assert refused.value.code == "not_started"
        with pytest.raises(BookingRefused):
            delivery.start_visit(visit, at("2026-05-05T07:30"), RULES)  # 2.5 h early
        delivery.start_visit(visit, at("2026-05-05T10:05"), RULES)
        delivery.start_visit(visit, at("2026-05-05T10:06"), RULES)  # double tap: same start
        assert visit.actual_start == at("2026-05-05T10:05")
        with pytest.raises(delivery.ReasonNeeded):
            delivery.end_visit(visit, at("2026-05-05T11:30"), RULES)
        delivery.end_visit(visit, at("2026-05-05T11:30"), RULES, "Vi handlade också.")
        assert visit.status is VisitStatus.DONE and visit.deviation_reason == "Vi handlade också."
