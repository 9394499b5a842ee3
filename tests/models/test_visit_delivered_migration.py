"""Migration 0010 fills the delivered seconds of visits that existed before it, by the same
rule the model uses for new ones, and leaves the no-double-booking triggers in place."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text, update

from models import Channel, Client, Database, Staff, Visit, VisitStatus
from models.migrate import alembic_config, schema_differences, upgrade
from models.visits import seconds_delivered

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def fill_and_refill(url: str) -> None:
    """Write visits at the head, forget their stored seconds, go back to 0009 and up again."""
    db = Database(url)
    try:
        with db.transaction() as s:
            staff = Staff(username="w", first_name="W", last_name="X", password_hash="-")
            client = Client(first_name="K", last_name="Y", phone="+46700000001")
            s.add_all([staff, client])
            s.flush()
            times = [  # real start, real end (None: the plan stands in)
                (T0 + timedelta(seconds=3), T0 + timedelta(minutes=50, microseconds=500_000)),
                (T0, T0 + timedelta(minutes=61, seconds=59, microseconds=499_999)),
                (None, None),
                (T0 + timedelta(minutes=5), None),
            ]
            for n, (real_start, real_end) in enumerate(times):
                start = T0 + timedelta(hours=2 * n)
                s.add(Visit(client_id=client.id, staff_id=staff.id, channel=Channel.HOME,
                            status=VisitStatus.DONE, planned_start=start,
                            planned_end=start + timedelta(minutes=60),
                            actual_start=real_start and real_start + timedelta(hours=2 * n),
                            actual_end=real_end and real_end + timedelta(hours=2 * n)))  # fmt: skip
            s.add(Visit(client_id=client.id, staff_id=staff.id, channel=Channel.PHONE,
                        status=VisitStatus.NO_SHOW, planned_start=T0 + timedelta(days=1),
                        planned_end=T0 + timedelta(days=1, hours=1)))  # fmt: skip
        with db.transaction() as s:
            expected = {v.id: v.delivered_seconds for v in s.scalars(select(Visit))}
            assert None not in (expected[v] for v in sorted(expected)[:4])
            assert expected == {
                v.id: seconds_delivered(v.status, v.planned_start, v.planned_end,
                                        v.actual_start, v.actual_end)
                for v in s.scalars(select(Visit))
            }  # fmt: skip
            s.execute(update(Visit).values(delivered_seconds=None))
        command.downgrade(alembic_config(url), "0009")
        upgrade(url)
        with db.transaction() as s:
            rows = s.execute(select(Visit.id, Visit.delivered_seconds))
            refilled = {visit_id: seconds for visit_id, seconds in rows}
        assert refilled == expected
        assert sorted(v for v in refilled.values() if v is not None) == [
            50 * 60 - 3 + 1,  # 49 min 57.5 s: half a second rounds up
            55 * 60,  # no real end: from the real start to the planned end
            60 * 60,  # no real times: the plan
            62 * 60 - 1,  # 61 min 59.499999 s rounds down
        ]
        assert schema_differences(db.engine) == []
        if not db.is_postgres:
            with db.engine.connect() as conn:
                triggers = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
                assert {"tr_visits_no_overlap_insert", "tr_visits_no_overlap_update"} <= set(
                    triggers
                )
    finally:
        db.dispose()


def test_older_visits_get_the_delivered_seconds_the_model_would_give_them(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)
    fill_and_refill(empty_database_url)
