"""Reminder rules become outbox rows at their local time, once each, across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from models import (
    Database,
    Outbox,
    OutboxState,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    VisitStatus,
)
from reminders.dispatch import sweep
from reminders.expansion import Context, expand
from reminders.providers import make_telephony
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
CTX = Context(zone=ZONE, public_url="https://boendestod.example.se")
TWIML = "https://boendestod.example.se/webhooks/twilio/voice/outbox"


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def add_rule(db: Database, created: datetime, **values) -> int:
    with db.transaction() as s:
        client = make_client(s)
        rule = ReminderRule(
            client_id=client.id,
            text="Ta din medicin",
            channel=ReminderChannel.SMS,
            created_at=created,
            **values,
        )
        s.add(rule)
        s.flush()
        return rule.id


def rows(db: Database) -> list[Outbox]:
    with db.transaction() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.due_at)))


def run_days(db: Database, start: datetime, days: int, step=timedelta(minutes=30)) -> None:
    """Live through ``days`` with the expansion job hourly and the dispatcher every step."""
    telephony = make_telephony(db, None)
    tick = start
    with time_machine.travel(start, tick=False) as traveller:
        while tick < start + timedelta(days=days):
            traveller.move_to(tick)
            if tick.minute == 0:
                expand(db, CTX, now=tick)
            sweep(db, telephony, TWIML, now=tick, zone=ZONE)
            tick += step


@pytest.mark.parametrize(
    ("first_day", "change"),
    [(date(2026, 3, 27), date(2026, 3, 29)), (date(2026, 10, 23), date(2026, 10, 25))],
)
def test_a_daily_0800_reminder_goes_out_at_0800_local_through_a_dst_weekend(
    db: Database, first_day: date, change: date
) -> None:
    start = at(first_day.year, first_day.month, first_day.day)
    add_rule(db, start, recurrence=Recurrence.DAILY, local_time=time(8, 0))
    run_days(db, start, 5)
    sent = [r for r in rows(db) if r.sent_at is not None]
    assert [local(r.due_at).date() for r in sent] == [
        first_day + timedelta(days=i) for i in range(5)
    ]
    assert {local(r.due_at).time() for r in sent} == {time(8, 0)}
    assert {local(r.sent_at).time() for r in sent} == {time(8, 0)}
    assert {r.state for r in sent} == {OutboxState.DELIVERED}
    # The change is real: UTC hours differ before and after it.
    hours = {r.due_at.date(): r.due_at.hour for r in sent}
    assert hours[change - timedelta(days=1)] != hours[change + timedelta(days=1)]


def test_a_missing_march_time_comes_an_hour_later_and_a_repeated_october_time_once(
    db: Database,
) -> None:
    add_rule(
        db,
        at(2026, 3, 1),
        recurrence=Recurrence.DAILY,
        local_time=time(2, 30),
        allow_quiet_hours=True,  # the client chose 02:30 themselves
    )
    expand(db, CTX, now=at(2026, 3, 28, 12))
    expand(db, CTX, now=at(2026, 10, 24, 12))
    days = [(local(r.due_at).date(), local(r.due_at).time()) for r in rows(db)]
    assert (date(2026, 3, 29), time(3, 30)) in days
    assert [d for d in days if d[0] == date(2026, 10, 25)] == [(date(2026, 10, 25), time(2, 30))]


def test_chosen_weekdays_only_and_expanding_twice_queues_each_occurrence_once(
    db: Database,
) -> None:
    add_rule(
        db,
        at(2026, 5, 1),
        recurrence=Recurrence.WEEKDAYS,
        local_time=time(9, 15),
        weekdays="0,3",  # Mondays and Thursdays
    )
    for hour in range(0, 24 * 7, 6):
        now = at(2026, 5, 4) + timedelta(hours=hour)
        expand(db, CTX, now=now)
        expand(db, CTX, now=now)
    due = [local(r.due_at) for r in rows(db)]
    assert {d.weekday() for d in due} == {0, 3}
    assert len(due) == len({d.date() for d in due}) == 3  # Mon 4, Thu 7, Mon 11 May, once each


def test_a_reminder_is_never_queued_more_than_two_days_ahead(db: Database) -> None:
    add_rule(db, at(2026, 5, 1), recurrence=Recurrence.DAILY, local_time=time(12, 0))
    expand(db, CTX, now=at(2026, 5, 4, 14))
    assert [local(r.due_at).date() for r in rows(db)] == [date(2026, 5, 5), date(2026, 5, 6)]


def visit_setup(db: Database, start: datetime) -> tuple[int, int]:
    with db.transaction() as s:
        worker = make_staff(s, "kim", first_name="Kim")
        client = make_client(s, workers=[worker])
        visit = make_visit(s, client, worker, start=start)
        for default in ({"days_before": 1, "local_time": time(18)}, {"offset_minutes": 60}):
            s.add(
                ReminderRule(
                    client_id=client.id,
                    text="Besök",
                    channel=ReminderChannel.SMS,
                    recurrence=Recurrence.VISIT,
                    created_at=start - timedelta(days=10),
                    **default,
                )
            )
        return client.id, visit.id


def test_a_visit_booked_days_ahead_gets_its_evening_before_and_hour_before_reminders(
    db: Database,
) -> None:
    visit_setup(db, at(2026, 6, 10, 10, 30))
    for day in range(1, 10):  # booked on 1 June; the job runs every day until the visit
        expand(db, CTX, now=at(2026, 6, day, 12))
    expand(db, CTX, now=at(2026, 6, 10, 7))
    texts = [(local(r.due_at), r.body) for r in rows(db)]
    assert [t for t, _ in texts] == [
        datetime(2026, 6, 9, 18, 0, tzinfo=ZONE),
        datetime(2026, 6, 10, 9, 30, tzinfo=ZONE),
    ]
    assert (
        texts[0][1]
        == "Hej! Kim kommer i morgon kl 10:30. Se mer: https://boendestod.example.se/min-dag"
    )
    assert texts[1][1].startswith("Hej! Kim kommer i dag kl 10:30.")


def test_an_early_visit_is_not_reminded_in_the_quiet_hours(db: Database) -> None:
    visit_setup(db, at(2026, 6, 10, 8, 30))
    expand(db, CTX, now=at(2026, 6, 9, 12))
    expand(db, CTX, now=at(2026, 6, 10, 6))
    assert [local(r.due_at).time() for r in rows(db)] == [time(18, 0), time(8, 0)]


def test_a_moved_or_cancelled_visit_withdraws_its_queued_reminders(db: Database) -> None:
    _, visit_id = visit_setup(db, at(2026, 6, 10, 14))
    expand(db, CTX, now=at(2026, 6, 9, 12))
    with db.transaction() as s:
        from models import Visit

        visit = s.get(Visit, visit_id)
        visit.planned_start += timedelta(hours=2)
        visit.planned_end += timedelta(hours=2)
    expand(db, CTX, now=at(2026, 6, 9, 13))
    queued = [r for r in rows(db) if r.state is OutboxState.QUEUED]
    assert [local(r.due_at).time() for r in queued] == [time(18), time(15)]
    assert "kl 16:00" in queued[0].body
    with db.transaction() as s:
        s.get(Visit, visit_id).status = VisitStatus.CANCELLED_BY_CLIENT
    expand(db, CTX, now=at(2026, 6, 9, 14))
    assert [r for r in rows(db) if r.state is OutboxState.QUEUED] == []
