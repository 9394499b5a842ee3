from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Database, Unit, Visit, on_commit
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db


def test_times_come_back_in_utc_whatever_zone_they_were_given_in(db: Database) -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    start = datetime(2026, 7, 1, 14, 0, tzinfo=stockholm_summer)
    with db.transaction() as s:
        visit = make_visit(s, make_client(s), make_staff(s), start=start)
        visit_id = visit.id
    with db.transaction() as s:
        stored = s.scalar(select(Visit.planned_start).where(Visit.id == visit_id))
    assert stored == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert stored.tzinfo is UTC


def test_a_naive_datetime_is_refused_rather_than_guessed(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        with db.transaction() as s:
            make_visit(s, make_client(s), make_staff(s), start=datetime(2026, 7, 1, 14, 0))


def test_side_effects_run_after_commit_and_never_after_rollback(db: Database) -> None:
    ran: list[str] = []
    with db.transaction() as s:
        s.add(Unit(name="Syd"))
        on_commit(s, lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]

    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            s.add(Unit(name="Norr"))
            on_commit(s, lambda: ran.append("rolled back"))
            raise RuntimeError("boom")
    assert ran == ["committed"]
    with db.transaction() as s:
        assert s.scalar(select(Unit.id).where(Unit.name == "Norr")) is None


def test_side_effects_wait_for_the_outer_commit_not_a_savepoint(db: Database) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            with s.begin_nested():
                s.add(Unit(name="Väst"))
                on_commit(s, lambda: ran.append("too early"))
            assert ran == []  # the savepoint is released, but nothing is committed yet
            raise RuntimeError("the outer transaction rolls back")
    assert ran == []
