"""The delivered time stored on each visit, which the manager's report sums, stays right
whatever happens to the visit: started, ended, moved, cancelled, a no-show, a video session,
a decision changed in the middle of the period, and the nights the clocks change."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import insert, select

from models import Channel, Client, Database, GrantPeriod, Role, Staff, Visit
from models import VisitStatus as S
from portal.booking import actions, delivery
from portal.booking.reports import monthly_report
from portal.booking.rules import DEFAULT_RULES as RULES
from portal.casework.decisions import change_decision, granted_minutes_between
from tests.factories import make_client, make_decision, make_staff, make_visit

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def stored(s, visit: Visit) -> int | None:
    """What the database holds, not what the object in memory says."""
    return s.scalar(select(Visit.delivered_seconds).where(Visit.id == visit.id))


def march(s, manager: Staff):
    return monthly_report(s, manager, date(2026, 3, 1), date(2026, 3, 31), STHLM)


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        maria = make_staff(s, "maria", roles=[Role.MANAGER])
        anna = make_staff(s, "anna")
        omar = make_staff(s, "omar")
        sandra = make_client(s, workers=[anna, omar])
        make_decision(s, sandra, 240, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        return {"maria": maria.id, "anna": anna.id, "omar": omar.id, "sandra": sandra.id}


def test_a_visit_delivers_its_real_length_to_the_second_once_it_has_ended(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        anna, sandra = s.get(Staff, people["anna"]), s.get(Client, people["sandra"])
        visit = make_visit(s, sandra, anna, at("2026-03-10T10:00"))
        assert stored(s, visit) is None
        delivery.start_visit(visit, at("2026-03-10T10:02:10.400000"), RULES)
        s.flush()
        assert stored(s, visit) is None  # started: nothing delivered yet
        delivery.end_visit(visit, at("2026-03-10T11:04:40.900000"), RULES)
        s.flush()
        assert stored(s, visit) == 62 * 60 + 31  # 62 min 30.5 s, rounded half up
        delivery.end_visit(visit, at("2026-03-10T12:00"), RULES)  # pressed again: no change
        s.flush()
        assert stored(s, visit) == 62 * 60 + 31
        report = march(s, s.get(Staff, people["maria"]))
    assert report.total.delivered == pytest.approx(62 + 31 / 60)
    assert report.total.done == 1


def test_cancelled_and_no_show_visits_deliver_nothing(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    with app.app_context(), db.transaction() as s:
        anna, sandra = s.get(Staff, people["anna"]), s.get(Client, people["sandra"])
        by_client = make_visit(s, sandra, anna, at("2026-03-10T10:00"))
        by_staff = make_visit(s, sandra, anna, at("2026-03-11T10:00"))
        missed = make_visit(s, sandra, anna, at("2026-03-12T10:00"))
        now = at("2026-03-09T09:00")
        actions.cancel_by_client(s, by_client, "busy", now=now, zone=STHLM, rules=RULES)
        actions.cancel_by_staff(s, by_staff, anna, "sjuk", now=now, zone=STHLM, link="x")
        delivery.mark_no_show(missed, at("2026-03-12T10:20"))
        s.flush()
        assert [stored(s, v) for v in (by_client, by_staff, missed)] == [None, None, None]
        report = march(s, s.get(Staff, people["maria"]))
    assert report.total.delivered == 0
    assert (report.total.cancelled_by_client, report.total.cancelled_by_staff) == (1, 1)
    assert report.total.no_show == 1
    assert report.cancel_reasons == {"busy": 1}
    assert report.cancelled_by == {"client": 1, "staff": 1}


def test_a_moved_visit_counts_in_the_month_and_for_the_worker_it_was_moved_to(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        anna, sandra = s.get(Staff, people["anna"]), s.get(Client, people["sandra"])
        visit = make_visit(s, sandra, anna, at("2026-02-27T10:00"), minutes=45)
        actions.move(
            s, visit, start=at("2026-03-02T14:00"), staff_id=people["omar"],
            now=at("2026-02-20T09:00"), zone=STHLM, rules=RULES,
        )  # fmt: skip
        delivery.start_visit(visit, at("2026-03-02T14:00"), RULES)
        delivery.end_visit(visit, at("2026-03-02T14:45"), RULES)
        s.flush()
        assert stored(s, visit) == 45 * 60
        maria = s.get(Staff, people["maria"])
        report = march(s, maria)
        february = monthly_report(s, maria, date(2026, 2, 1), date(2026, 2, 28), STHLM)
    [worker] = report.workers
    assert worker.key == people["omar"] and worker.delivered == 45
    assert february.total.visits == 0


def test_a_video_session_that_ended_stores_what_it_delivered(
    db: Database, people: dict[str, int]
) -> None:
    # Writers outside booking (the video service) set the times directly: the model keeps the
    # stored length on every flush, whoever wrote the visit.
    with db.transaction() as s:
        anna, sandra = s.get(Staff, people["anna"]), s.get(Client, people["sandra"])
        visit = make_visit(s, sandra, anna, at("2026-03-10T10:00"), channel=Channel.VIDEO)
        visit.status = S.DONE
        visit.actual_start, visit.actual_end = at("2026-03-10T10:05"), at("2026-03-10T10:35")
        s.flush()
        assert stored(s, visit) == 30 * 60
        visit.actual_end = at("2026-03-10T10:50")  # a correction of the record
        s.flush()
        assert stored(s, visit) == 45 * 60
        report = march(s, s.get(Staff, people["maria"]))
    assert report.channels == {"video": 1}


def test_visits_inserted_without_the_orm_get_their_delivered_time_too(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        start = at("2026-03-10T10:00")
        row = {"client_id": people["sandra"], "staff_id": people["anna"], "channel": Channel.HOME,
               "planned_start": start, "planned_end": start + timedelta(hours=1)}  # fmt: skip
        s.execute(insert(Visit), [
            row | {"status": S.DONE, "actual_start": start,
                   "actual_end": start + timedelta(minutes=50)},
            row | {"status": S.DONE, "planned_start": start + timedelta(hours=2),
                   "planned_end": start + timedelta(hours=3)},  # no real times: the plan
            row | {"status": S.NO_SHOW, "planned_start": start + timedelta(hours=4),
                   "planned_end": start + timedelta(hours=5)},
        ])  # fmt: skip
        values = s.scalars(select(Visit.delivered_seconds).order_by(Visit.planned_start))
        assert list(values) == [50 * 60, 60 * 60, None]


def test_a_decision_changed_mid_month_grants_each_part_by_its_own_rule(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        olle = make_client(s, first_name="Olle", workers=[s.get(Staff, people["anna"])])
        monthly = make_decision(s, olle, 600, GrantPeriod.MONTH, date(2026, 1, 1),
                                date(2026, 12, 31))  # fmt: skip
        change_decision(
            s, monthly, karin.id, effective_from=date(2026, 3, 16), ends_on=date(2026, 12, 31),
            granted_minutes=240, granted_per=GrantPeriod.WEEK, goals=[], reason="Mer stöd",
            today=date(2026, 3, 1), now=at("2026-03-01T09:00"),
        )  # fmt: skip
        report = march(s, s.get(Staff, people["maria"]))
        by_casework = granted_minutes_between(s, olle.id, date(2026, 3, 1), date(2026, 3, 31))
    rows = {r.name: r for r in report.clients}
    # 1–15 March under 600 min/month, 16–31 March (16 days) under 240 min/week.
    assert rows["Olle Nilsson"].granted == pytest.approx(600 * 15 / 31 + 240 * 16 / 7)
    assert rows["Olle Nilsson"].granted == pytest.approx(by_casework)


@pytest.mark.parametrize(
    ("real_start", "real_end", "minutes"),
    [
        # 29 March: 02:00 becomes 03:00, so 01:30–03:30 on the clock is one real hour.
        ("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", 60),
        # 25 October: 03:00 becomes 02:00 again, so 01:30–02:30 (second time) is two hours.
        ("2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+01:00", 120),
    ],
)
def test_a_visit_over_the_night_the_clocks_change_delivers_the_real_time(
    db: Database, people: dict[str, int], real_start: str, real_end: str, minutes: int
) -> None:
    start, end = datetime.fromisoformat(real_start), datetime.fromisoformat(real_end)
    with db.transaction() as s:
        anna, sandra = s.get(Staff, people["anna"]), s.get(Client, people["sandra"])
        visit = make_visit(s, sandra, anna, start.astimezone(UTC), minutes=minutes)
        visit.status, visit.actual_start, visit.actual_end = S.DONE, start, end
        s.flush()
        day = start.date()
        report = monthly_report(s, s.get(Staff, people["maria"]), day, day, STHLM)
    assert report.total.delivered == minutes
    # The day has 23 or 25 hours, and the week's grant counts a seventh of 240 min for it.
    assert report.total.granted == pytest.approx(240 / 7)
