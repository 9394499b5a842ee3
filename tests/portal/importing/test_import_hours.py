"""The ``hours`` column of ``staff.csv``: imported workers can be booked in exactly the hours
the file names, a second run changes nothing, an empty cell keeps a coordinator's hours, and a
cell that cannot be read or breaks the hours rule refuses its row with nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Database, Role, Staff, WorkingHours
from portal.booking.planning import set_weekly_hours
from portal.booking.rules import DEFAULT_RULES
from portal.booking.slots import available_slots
from portal.importing.hours import WEEKDAYS, weekly_hours
from portal.importing.run import run_import
from tests.factories import make_client, make_decision, make_staff
from tests.portal.importing.conftest import ALL, NOW, snapshot

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
#: The Monday of a week after the import, and its days.
MONDAY = date(2026, 12, 14)
HEADER = "username,first_name,last_name,roles,unit,phone,hours\n"


def _staff_file(tmp_path: Path, *rows: str, header: str = HEADER) -> dict[str, Path]:
    path = tmp_path / "staff.csv"
    path.write_text(header + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return {"staff": path}


def _omar(hours: str) -> str:
    return f"omar,Omar,Haddad,worker,Boendestöd Huddinge,,{hours}"


def _stored(db: Database, username: str) -> list[tuple[int, time, time]]:
    with db.transaction() as s:
        rows = s.execute(
            select(WorkingHours.weekday, WorkingHours.starts, WorkingHours.ends)
            .join(Staff, Staff.id == WorkingHours.staff_id)
            .where(Staff.username == username)
        )
        return sorted(map(tuple, rows))


def _hours_audits(db: Database) -> list[tuple[str, int | None]]:
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject == "staff.hours"))
        return [(e.detail, e.actor_staff_id) for e in events]


def _starts(db: Database, username: str, days: list[date]) -> dict[str, list[str]]:
    """The times booking offers a client of the worker's for an hour's visit, day by day."""
    with db.transaction() as s:
        worker = s.scalar(select(Staff).where(Staff.username == username))
        client = make_client(s, workers=[worker], unit_id=worker.unit_id)
        make_decision(s, client)
        now = datetime(2026, 12, 13, 12, tzinfo=UTC)
        slots = available_slots(s, client.id, days, 60, now, STHLM, DEFAULT_RULES)
        offered: dict[str, list[str]] = {WEEKDAYS[d.weekday()]: [] for d in days}
        for slot in slots:
            local = slot.start.astimezone(STHLM)
            offered[WEEKDAYS[local.weekday()]].append(f"{local:%H:%M}")
        return offered


def test_imported_hours_are_exactly_when_booking_offers_the_worker(
    db: Database, tmp_path: Path
) -> None:
    files = _staff_file(tmp_path, _omar('"MAN,ons 09:00-11:00|Tis 13-15|ons 14:00-15:30"'))
    report = run_import(db, files, NOW, dry_run=False)
    assert report.lines() == ["staff.csv line 2: create: staff omar with weekly hours"]
    week = [MONDAY + timedelta(days=n) for n in range(7)]
    assert _starts(db, "omar", week) == {
        "mån": ["09:00", "09:30", "10:00"],
        "tis": ["13:00", "13:30", "14:00"],
        "ons": ["09:00", "09:30", "10:00", "14:00", "14:30"],
        "tor": [], "fre": [], "lör": [], "sön": [],
    }  # fmt: skip
    assert _hours_audits(db) == [("omar: weekly hours", None)]  # the system acted


def test_a_second_identical_run_is_unchanged_and_audits_nothing(
    db: Database, tmp_path: Path
) -> None:
    files = _staff_file(tmp_path, _omar("mån-fre 08:00-16:30|lör 10:00-14:00"))
    run_import(db, files, NOW, dry_run=False)
    before = snapshot(db)
    again = run_import(db, files, NOW, dry_run=False)
    assert again.lines() == ["staff.csv line 2: unchanged: staff omar"]
    assert snapshot(db) == before  # no audit event, the same rows under the same ids


def test_other_hours_replace_the_stored_ones_and_are_reported_as_a_change(
    db: Database, tmp_path: Path
) -> None:
    run_import(db, _staff_file(tmp_path, _omar("mån-fre 08:00-16:30")), NOW, dry_run=False)
    files = _staff_file(tmp_path, _omar('"tis,tor 10:00-12:00"'))
    assert run_import(db, files, NOW, dry_run=True).lines() == [
        "staff.csv line 2: change: staff omar: weekly hours"
    ]
    assert _stored(db, "omar")[0] == (0, time(8), time(16, 30))  # the dry run wrote nothing
    run_import(db, files, NOW, dry_run=False)
    assert _stored(db, "omar") == [(1, time(10), time(12)), (3, time(10), time(12))]
    assert len(_hours_audits(db)) == 2


def test_an_empty_cell_or_no_column_keeps_the_hours_a_coordinator_set(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as s:
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        omar = make_staff(s, "omar", first_name="Omar", weekdays=range(0))
        omar.last_name = "Haddad"
        set_weekly_hours(s, omar, [(2, time(9), time(12))], cecilia, NOW)
    empty_cell = "omar,Omar,Haddad,worker,,,"
    no_column = "username,first_name,last_name,roles\nomar,Omar,Haddad,worker"
    for text in (HEADER + empty_cell, no_column):
        (tmp_path / "staff.csv").write_text(text + "\n", encoding="utf-8")
        report = run_import(db, {"staff": tmp_path / "staff.csv"}, NOW, dry_run=False)
        assert report.lines() == ["staff.csv line 2: unchanged: staff omar"]
        assert _stored(db, "omar") == [(2, time(9), time(12))]


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("mån-fre 8.30-17", "hours 'mån-fre 8.30-17' is not written as <days> <HH:MM>-<HH:MM>, "
         "such as mån-fre 08:00-17:00"),
        ("08:00-17:00", "hours '08:00-17:00' is not written as <days>"),
        ("mån 0830-1700", "hours 'mån 0830-1700' is not written as <days>"),
        ("måndag 08:00-12:00", "hours 'måndag 08:00-12:00': 'måndag' is not a weekday "
         "(write mån tis ons tor fre lör sön)"),
        ('"mån,,ons 08:00-12:00"', "hours 'mån,,ons 08:00-12:00' is not written as"),
        ("fre-mån 08:00-12:00", "hours 'fre-mån 08:00-12:00': the days 'fre-mån' run backwards"),
        ("mån 07:00-24:00", "hours 'mån 07:00-24:00': '24:00' is not a time of day "
         "(00:00 to 23:59)"),
        ("mån 12:00-10:00", "hours 'mån 12:00-10:00': the window must end after it starts"),
        ("mån 08:00-12:00|mån 11:00-13:00", "hours 'mån 11:00-13:00' overlaps another window "
         "on mån"),
        ("mån-fre 08:00-12:00|ONS 11:30-13:00", "hours 'ONS 11:30-13:00' overlaps another "
         "window on ons"),
        ("|", "hours '|' names no window"),
        ("mån,ons 08:00-12:00", "more cells than the header has columns (a cell holding the "
         "delimiter must be in quotes)"),
    ],
)  # fmt: skip
def test_a_bad_cell_refuses_its_line_saying_what_is_wrong_and_nothing_is_written(
    db: Database, tmp_path: Path, cell: str, said: str
) -> None:
    anna = "anna,Anna,Ek,worker,Boendestöd Huddinge,,mån-fre 08:00-16:30"  # fine on its own
    files = _staff_file(tmp_path, anna, _omar(cell))
    before = snapshot(db)
    dry = run_import(db, files, NOW, dry_run=True)
    assert [o.line for o in dry.refused] == [3] and dry.refused[0].text.startswith(said)
    report = run_import(db, files, NOW, dry_run=False)
    assert not report.written and [o.line for o in report.refused] == [3]
    assert snapshot(db) == before


def test_hours_for_an_account_that_is_no_worker_refuse_the_row(
    db: Database, tmp_path: Path
) -> None:
    files = _staff_file(tmp_path, "karin,Karin,Lund,caseworker,,,mån 08:00-12:00")
    [refused] = run_import(db, files, NOW, dry_run=False).refused
    assert refused.line == 2 and refused.text.startswith("hours are a worker's")
    # A worker already, roles are only added: the row need not name the role again.
    with db.transaction() as s:
        make_staff(s, "omar", weekdays=range(0))
    files = _staff_file(tmp_path, "omar,Omar,Haddad,coordinator,,,lör 10-14")
    assert not run_import(db, files, NOW, dry_run=False).refused
    assert _stored(db, "omar") == [(5, time(10), time(14))]


def test_the_ways_of_writing_days_and_times_read_the_same() -> None:
    monday_to_wednesday = [(d, time(8), time(12)) for d in range(3)]
    for cell in ("mån-ons 08:00-12:00", "MAN-Ons 8-12", "man,tis,ons 8:00 - 12:00",
                 "mån - tis, ons 08:00\u201312:00", "|mån-ons 08:00-12:00|"):  # fmt: skip
        assert weekly_hours(cell) == monday_to_wednesday, cell
    assert weekly_hours("lor,son 10:00-14:00|sön 15:00-16:00") == [
        (5, time(10), time(14)),
        (6, time(10), time(14)),
        (6, time(15), time(16)),
    ]


def test_the_sample_file_names_hours_for_its_workers(db: Database) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    assert _stored(db, "anna") == [(d, time(8), time(16, 30)) for d in range(5)]
    assert len(_stored(db, "omar")) == 8 and _stored(db, "karin") == []
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(WorkingHours)) == 13
