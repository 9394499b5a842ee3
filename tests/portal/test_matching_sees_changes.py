"""A change to the schedule made anywhere (another transaction, another process, plain SQL)
shows in the next suggestion, and a change that was rolled back never does."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from models import (
    Client,
    Database,
    Staff,
    SupportRequest,
)
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import schedule
from portal.matching.weights import Weights
from tests.factories import make_client, make_request, make_staff, make_visit

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Stockholm


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", skills=["autism"], home_lat=59.22, home_lon=18.15)
        eva = make_staff(s, "eva", home_lat=59.26, home_lon=17.88)
        olle = make_client(s, "Olle", workers=[omar], needs=["autism"], lat=59.2, lon=18.1)
        sandra = make_client(s, "Sandra", workers=[omar, eva], lat=59.3, lon=18.0)
        request = make_request(s, olle, NOW)
        return {
            "omar": omar.id,
            "eva": eva.id,
            "sandra": sandra.id,
            "request": request.id,
        }


def _first(db: Database, request_id: int) -> dict[str, datetime | None]:
    """Each worker's first free start, as the console ranks them."""
    with db.transaction() as s:
        ranked = assigning.suggestions(
            s, s.get(SupportRequest, request_id), NOW, ZONE, DEFAULT_RULES, Weights()
        )
        return {x.first_name: x.start if x.feasible else None for x in ranked}


def test_a_visit_booked_elsewhere_shows_in_the_next_suggestion(
    db: Database, ids: dict[str, int]
) -> None:
    first = _first(db, ids["request"])
    assert first["Omar"] == NOW
    assert _first(db, ids["request"]) == first  # asked again: the same
    with db.transaction() as s:  # a colleague books Omar for Sandra at that time
        make_visit(s, s.get(Client, ids["sandra"]), s.get(Staff, ids["omar"]), NOW, minutes=90)
    assert _first(db, ids["request"])["Omar"] == NOW + timedelta(minutes=90)


def test_a_change_from_another_process_in_plain_sql_shows_too(
    db: Database, ids: dict[str, int]
) -> None:
    assert _first(db, ids["request"])["Eva"] == NOW
    other = Database(db.url)  # its own engine and connections, as another process has
    try:
        with other.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO visits (client_id, staff_id, channel, status, planned_start, "
                    "planned_end, late_cancellation, created_at) VALUES (:client, :staff, "
                    "'home', 'planned', :starts, :ends, false, :starts)"
                ),
                {
                    "client": ids["sandra"],
                    "staff": ids["eva"],
                    "starts": NOW.replace(tzinfo=None),
                    "ends": (NOW + timedelta(hours=2)).replace(tzinfo=None),
                },
            )
    finally:
        other.dispose()
    assert _first(db, ids["request"])["Eva"] == NOW + timedelta(hours=2)


def test_a_rolled_back_change_is_never_served(db: Database, ids: dict[str, int]) -> None:
    with db.transaction() as s:
        make_visit(s, s.get(Client, ids["sandra"]), s.get(Staff, ids["omar"]), NOW, minutes=60)
        request = s.get(SupportRequest, ids["request"])
        ranked = assigning.suggestions(s, request, NOW, ZONE, DEFAULT_RULES, Weights())
        assert next(x for x in ranked if x.first_name == "Omar").start == NOW + timedelta(hours=1)
        s.rollback()
    assert _first(db, ids["request"])["Omar"] == NOW


def test_a_worker_made_inactive_or_given_new_hours_is_seen_at_once(
    db: Database, ids: dict[str, int]
) -> None:
    assert set(_first(db, ids["request"])) == {"Omar", "Eva"}
    with db.transaction() as s:
        s.get(Staff, ids["eva"]).active = False
    assert set(_first(db, ids["request"])) == {"Omar"}
    with db.transaction() as s:
        for hours in s.get(Staff, ids["omar"]).hours:
            hours.starts = hours.starts.replace(hour=13)
    assert _first(db, ids["request"])["Omar"] == NOW.replace(hour=12)  # 13:00 in Stockholm


def test_a_page_of_requests_reads_each_days_visits_and_the_workers_once(
    db: Database, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's queue ranks a page of requests from one ``Schedule``: the day's visits and
    the workers are read once for the page, not once per request."""
    reads: list[str] = []
    for name in ("visit_arrays", "active_workers"):
        real = getattr(schedule, name)
        monkeypatch.setattr(
            schedule,
            name,
            lambda *a, _real=real, _name=name, **k: reads.append(_name) or _real(*a, **k),
        )

    def page(copies: int) -> list[str]:
        reads.clear()
        with db.transaction() as s:
            request = s.get(SupportRequest, ids["request"])
            shared = schedule.Schedule(s)
            for _ in range(copies):
                assigning.suggestions(
                    s, request, NOW, ZONE, DEFAULT_RULES, Weights(), schedule=shared
                )
        return sorted(reads)

    one = page(1)
    assert one.count("active_workers") == 1 and "visit_arrays" in one
    assert page(3) == one
