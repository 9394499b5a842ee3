"""Retention (gallring) on a frozen clock: a closed case is cleared five years after its last
entry, never before, never while open; the research sample is kept when the setting says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import JSON, Enum, String, Text, func, select
from stdnum import luhn

from models import (
    AuditEvent,
    AuditEventClient,
    Base,
    CalendarFeed,
    Client,
    Database,
    DevMessage,
    FollowUp,
    FollowUpOutcome,
    GoalLevel,
    GoalLevelChange,
    GrantPeriod,
    LifeArea,
    LoginCode,
    Mapping,
    MappingArea,
    Order,
    OrderGoal,
    OutboxKind,
    Rating,
    RatingSource,
    Staff,
    SurveyAnswer,
    Visit,
    VisitNote,
    ensure_life_areas,
    utcnow,
)
from portal.demo import seed
from portal.lifecycle.closure import close_case
from portal.lifecycle.retention import Policy, run_retention
from portal.personnummer import COORDINATION_DAY_OFFSET, normalise
from tests.conftest import https_client, post_form

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLOSED = datetime(2026, 12, 7, 10, 0, tzinfo=STOCKHOLM)
SANDRA = "+46700000001"
#: A surname nobody else in the demo has, so finding it anywhere means she was not cleared.
SURNAME = "Gallringsdottir"


def personal_number(born: date, coordination: bool = False) -> str:
    """A valid personnummer (twelve digits) for someone born on ``born``; a samordningsnummer
    (the day plus 60) with ``coordination``."""
    day = born.day + (COORDINATION_DAY_OFFSET if coordination else 0)
    nine = f"{born:%y%m}{day:02d}123"
    number = f"{born.year // 100}{nine}{luhn.calc_check_digit(nine)}"
    assert normalise(number) == number  # the register would accept it
    return number


@pytest.fixture
def closed_sandra(db: Database) -> Iterator[int]:
    """The demo, with Sandra's case closed on 7 December 2026 and a record in every table that
    has room for her: outcomes, a sign-in code, a calendar feed, a note on her visit."""
    with time_machine.travel(CLOSED, tick=False), db.transaction() as s:
        now = utcnow()
        seed(s, now, STOCKHOLM, generated=6)
        ensure_life_areas(s)
        area = s.scalar(select(LifeArea.id).limit(1))
        sandra = s.scalar(select(Client).where(Client.phone == SANDRA))
        sandra.last_name = SURNAME
        sandra.personal_number = personal_number(date(1983, 4, 12))
        karin = sandra.caseworker
        mapping = Mapping(
            client_id=sandra.id, mapper_id=karin.id, started_by_id=karin.id,
            starts_on=now.date(), ends_on=now.date(), summary=f"{SURNAME} bor",
        )  # fmt: skip
        mapping.areas = [MappingArea(life_area_id=area, manages_today="Handlar själv")]
        order = Order(client_id=sandra.id, caseworker_id=karin.id, starts_on=now.date(),
                      ends_on=now.date(), minutes=60, per=GrantPeriod.WEEK,
                      follow_up_on=now.date())  # fmt: skip
        order.goals = [OrderGoal(life_area_id=area, text="Handla")]
        s.add_all([
            mapping, order,
            Rating(client_id=sandra.id, life_area_id=area, source=RatingSource.CLIENT, step=3),
            GoalLevelChange(
                client_id=sandra.id, client_words="Handla", level=GoalLevel.WITH_SUPPORT
            ),
            SurveyAnswer(client_id=sandra.id, follow_up_on=now.date(), answers={"ok": "yes"}),
            FollowUp(client_id=sandra.id, caseworker_id=karin.id, held_on=now.date(),
                     what_works="Allt", outcome=FollowUpOutcome.CONTINUES),
            LoginCode(phone=SANDRA, code_hash="x", expires_at=now),
            DevMessage(kind=OutboxKind.SMS, to_phone=SANDRA, body="Din kod är 123456."),
            CalendarFeed(client_id=sandra.id, token_hash="f" * 64),
        ])  # fmt: skip
        visit = s.scalar(select(Visit).where(Visit.client_id == sandra.id).limit(1))
        s.add(VisitNote(visit_id=visit.id, author_id=visit.staff_id, text=f"{SURNAME} mådde bra"))
        s.flush()
        close_case(s, sandra, karin, now)
        sandra_id = sandra.id
    yield sandra_id


def clear(db: Database, day: date, keep_sample: bool = True) -> int:
    now = datetime.combine(day, datetime.min.time(), STOCKHOLM) + timedelta(hours=3)
    cleared, _ = run_retention(db, STOCKHOLM, Policy(5, keep_sample), 10, now=now)
    return cleared


def still_there(db: Database, client_id: int) -> bool:
    with db.transaction() as s:
        return s.get(Client, client_id) is not None


def test_a_closed_case_is_cleared_five_years_after_the_last_entry_not_a_day_before(
    db: Database, closed_sandra: int
) -> None:
    assert clear(db, date(2031, 12, 6)) == 0
    assert still_there(db, closed_sandra)
    assert clear(db, date(2031, 12, 7)) == 1
    assert not still_there(db, closed_sandra)
    with db.transaction() as s:
        # The open cases of the demo, old as their data may be, are all still there.
        assert s.scalar(select(func.count()).select_from(Client)) > 2
        log = s.scalar(select(AuditEvent.detail).where(AuditEvent.subject == "retention"))
        assert log == "cleared 1 closed client(s), 0 audit event(s)"


def test_a_note_written_after_the_closing_is_the_last_entry_the_five_years_run_from(
    db: Database, closed_sandra: int
) -> None:
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=STOCKHOLM), tick=False):
        with db.transaction() as s:
            visit = s.scalar(select(Visit).where(Visit.client_id == closed_sandra).limit(1))
            s.add(VisitNote(visit_id=visit.id, author_id=visit.staff_id, text="Efterhand"))
    assert clear(db, date(2032, 2, 28)) == 0
    assert clear(db, date(2032, 3, 1)) == 1


@pytest.mark.parametrize(
    "number",
    [
        personal_number(date(1983, 4, 5)),
        personal_number(date(1983, 4, 15)),
        personal_number(date(1983, 4, 25)),
        personal_number(date(1983, 4, 5), coordination=True),  # day 65: born on the 5th
    ],
    ids=["5th", "15th", "25th", "samordningsnummer-5th"],
)
def test_someone_born_on_a_research_day_is_kept_unless_the_setting_is_off(
    db: Database, closed_sandra: int, number: str
) -> None:
    with db.transaction() as s:
        s.get(Client, closed_sandra).personal_number = number
    assert clear(db, date(2040, 1, 1)) == 0
    assert still_there(db, closed_sandra)
    assert clear(db, date(2040, 1, 1), keep_sample=False) == 1
    assert not still_there(db, closed_sandra)


@pytest.mark.parametrize("coordination", [False, True], ids=["personnummer", "samordningsnummer"])
def test_someone_born_on_the_6th_is_cleared_like_anyone(
    db: Database, closed_sandra: int, coordination: bool
) -> None:
    """The control: a day next to a research day (a samordningsnummer's day 66) is not one."""
    with db.transaction() as s:
        s.get(Client, closed_sandra).personal_number = personal_number(
            date(1983, 4, 6), coordination
        )
    assert clear(db, date(2040, 1, 1)) == 1
    assert not still_there(db, closed_sandra)


def test_a_cleared_client_leaves_nothing_of_herself_in_any_table(
    db: Database, closed_sandra: int
) -> None:
    with db.transaction() as s:
        number = s.get(Client, closed_sandra).personal_number
        before = {t.name: s.scalar(select(func.count()).select_from(t)) for t in _tables()}
    assert clear(db, date(2031, 12, 7)) == 1
    traces = []
    with db.transaction() as s:
        for table in _tables():
            for column in table.c:
                if any(fk.column.table.name == "clients" for fk in column.foreign_keys):
                    if s.scalar(select(func.count()).where(column == closed_sandra)):
                        traces.append(f"{table.name}.{column.name} = her id")
                elif isinstance(column.type, String | Text | JSON) and not isinstance(
                    column.type, Enum
                ):
                    text = func.cast(column, Text) if isinstance(column.type, JSON) else column
                    for mark in (SANDRA, number, SURNAME):
                        if s.scalar(select(func.count()).where(text.contains(mark))):
                            traces.append(f"{table.name}.{column.name} holds {mark}")
        after = {t.name: s.scalar(select(func.count()).select_from(t)) for t in _tables()}
        assert s.scalar(select(func.count()).select_from(Staff)) == before["staff"]
    assert traces == []
    # Her record was in all these tables: each lost rows, so the walk above looked at real data.
    for name in ("visits", "visit_notes", "decisions", "plans", "messages", "check_ins",
                 "mappings", "mapping_areas", "orders", "order_goals", "ratings",
                 "survey_answers", "follow_ups", "goal_level_changes", "login_codes",
                 "dev_messages", "calendar_feeds", "proxies", "escalations"):  # fmt: skip
        assert after[name] < before[name], name


def _tables():
    return Base.metadata.sorted_tables


def test_audit_events_are_kept_ten_years_then_deleted(db: Database) -> None:
    with db.transaction() as s:
        for years in (9, 11):
            s.add(AuditEvent(at=CLOSED - timedelta(days=365 * years), action="read",
                             subject=f"old.{years}"))  # fmt: skip
    _, deleted = run_retention(db, STOCKHOLM, Policy(), 10, now=CLOSED)
    assert deleted == 1
    with db.transaction() as s:
        assert s.scalars(
            select(AuditEvent.subject).where(AuditEvent.subject.like("old.%"))
        ).all() == ["old.9"]


def test_the_admin_sees_a_month_ahead_what_will_be_cleared_without_names(
    app: Flask, db: Database, closed_sandra: int
) -> None:
    app.config["DEMO_SKIP_TOTP"] = True  # the demo's admin signs in with "demo" alone
    with time_machine.travel(datetime(2031, 10, 1, 12, tzinfo=STOCKHOLM)):
        page = demo_admin(app).get("/personal/admin/gallring")
        assert page.status_code == 200 and "Inget gallras" in page.text
    with time_machine.travel(datetime(2031, 11, 20, 12, tzinfo=STOCKHOLM)):
        page = demo_admin(app).get("/personal/admin/gallring")
    assert f"<td>{closed_sandra}</td>" in page.text and "2031-12-07" in page.text
    assert "Sandra" not in page.text and SURNAME not in page.text
    with db.transaction() as s:
        # Which cases the admin was shown is audited like any list of clients.
        shown = s.scalar(
            select(func.count())
            .select_from(AuditEventClient)
            .join(AuditEvent)
            .where(AuditEvent.subject == "retention.preview")
        )
        assert shown == 1


def demo_admin(app: Flask):
    web = https_client(app)
    response = post_form(web, "/personal/logga-in", {"username": "admin", "password": "demo"})
    assert response.status_code == 302, response.text
    return web
