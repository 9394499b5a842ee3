"""The schedule stamp changes with every write matching's memory depends on, and only then."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from models import (
    Availability,
    AvailabilityKind,
    Client,
    Database,
    Role,
    ScheduleChange,
    Staff,
    StaffRole,
    Visit,
    VisitStatus,
    WorkingHours,
    prune_schedule_changes,
    schedule_stamps,
    utcnow,
)
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        sandra = make_client(s, "Sandra", workers=[anna], lat=59.3, lon=18.0)
        visit = make_visit(s, sandra, anna)
        return {"anna": anna.id, "sandra": sandra.id, "visit": visit.id}


def _stamp(db: Database):
    with db.transaction() as s:
        return schedule_stamps(s.connection())


CHANGES: dict[str, Callable[[Session, dict[str, int]], object]] = {
    "a visit booked": lambda s, ids: make_visit(
        s, s.get(Client, ids["sandra"]), s.get(Staff, ids["anna"]), utcnow() + timedelta(days=2)
    ),
    "a visit cancelled (Core update)": lambda s, ids: s.execute(
        update(Visit).where(Visit.id == ids["visit"]).values(status=VisitStatus.CANCELLED_BY_CLIENT)
    ),
    "a visit moved": lambda s, ids: setattr(
        s.get(Visit, ids["visit"]), "planned_end", utcnow() + timedelta(hours=3)
    ),
    "a visit removed (plain SQL)": lambda s, ids: s.execute(
        text("DELETE FROM visits WHERE id = :id"), {"id": ids["visit"]}
    ),
    "an absence": lambda s, ids: s.add(
        Availability(
            staff_id=ids["anna"],
            kind=AvailabilityKind.ABSENT,
            starts_at=utcnow(),
            ends_at=utcnow() + timedelta(hours=4),
        )
    ),
    "new weekly hours": lambda s, ids: s.execute(
        update(WorkingHours).where(WorkingHours.staff_id == ids["anna"]).values(weekday=0)
    ),
    "a new role": lambda s, ids: s.add(StaffRole(staff_id=ids["anna"], role=Role.COORDINATOR)),
    "a worker made inactive": lambda s, ids: setattr(s.get(Staff, ids["anna"]), "active", False),
    "a worker's new skills": lambda s, ids: setattr(s.get(Staff, ids["anna"]), "skills", ["mi"]),
    "a client moved house": lambda s, ids: setattr(s.get(Client, ids["sandra"]), "lat", 59.4),
}
#: The table whose stamp each change moves (the others keep theirs).
TABLE = dict.fromkeys([k for k in CHANGES if "visit " in k], "visits") | {
    "an absence": "availability",
    "new weekly hours": "working_hours",
    "a new role": "staff_roles",
    "a worker made inactive": "staff",
    "a worker's new skills": "staff",
    "a client moved house": "clients",
}
UNRELATED: dict[str, Callable[[Session, dict[str, int]], object]] = {
    "a visit's deviation reason": lambda s, ids: setattr(
        s.get(Visit, ids["visit"]), "deviation_reason", "bussen var sen"
    ),
    "a failed login": lambda s, ids: setattr(s.get(Staff, ids["anna"]), "failed_logins", 3),
    "a client's new phone number": lambda s, ids: setattr(
        s.get(Client, ids["sandra"]), "phone", "+46700009999"
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_write_matching_depends_on_changes_the_stamp(
    db: Database, ids: dict[str, int], change: str
) -> None:
    before = _stamp(db)
    with db.transaction() as s:
        CHANGES[change](s, ids)
        s.flush()
    after = _stamp(db)
    assert after[TABLE[change]] != before.get(TABLE[change])
    assert {t: v for t, v in after.items() if t != TABLE[change]} == {
        t: v for t, v in before.items() if t != TABLE[change]
    }


@pytest.mark.parametrize("change", UNRELATED)
def test_writes_matching_does_not_read_leave_the_stamp(
    db: Database, ids: dict[str, int], change: str
) -> None:
    before = _stamp(db)
    with db.transaction() as s:
        UNRELATED[change](s, ids)
        s.flush()
    assert _stamp(db) == before


def test_a_rolled_back_change_leaves_a_stamp_nobody_sees_again(
    db: Database, ids: dict[str, int]
) -> None:
    before = _stamp(db)
    with db.transaction() as s:
        CHANGES["a visit moved"](s, ids)
        s.flush()
        inside = schedule_stamps(s.connection())  # the transaction sees its own write
        s.rollback()
    assert inside != before
    assert _stamp(db) == before
    with db.transaction() as s:  # the same write again, committed this time
        CHANGES["a visit moved"](s, ids)
    assert _stamp(db) not in (before, inside)


def test_pruning_keeps_each_tables_newest_change(db: Database, ids: dict[str, int]) -> None:
    for minutes in (1, 2, 3):
        with db.transaction() as s:
            s.get(Visit, ids["visit"]).planned_end += timedelta(minutes=minutes)
    before = _stamp(db)
    with db.transaction() as s:
        prune_schedule_changes(s.connection(), utcnow() + timedelta(hours=1))
        left = s.scalars(select(ScheduleChange.source)).all()
    assert sorted(left) == sorted(before)  # one row per table written, none forgotten
    after = _stamp(db)
    for table, (count, _) in before.items():
        # PostgreSQL kept a row per change (now pruned: a new stamp); SQLite one per table.
        assert (after[table] != before[table]) == (count > 1)
