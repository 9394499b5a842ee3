"""The coordinator sets a worker's weekly hours on the worker's planning page: booking's times
and the console's suggestions then follow them, bad rows come back as typed with nothing
saved, and visits the new hours leave out are listed to move."""

import html
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from models import (
    AuditEvent,
    AuditEventClient,
    Client,
    Database,
    Role,
    Staff,
    SupportRequest,
    WorkingHours,
)
from portal.booking.forms import DAYS
from portal.booking.rules import DEFAULT_RULES
from portal.booking.slots import available_slots
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching.weights import Weights
from tests.conftest import post_form
from tests.factories import make_client, make_decision, make_request, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning
TUESDAY, WEDNESDAY = date(2026, 5, 5), date(2026, 5, 6)


@pytest.fixture
def office(db: Database) -> dict[str, int]:
    """Cecilia coordinates; Omar is a new worker with no hours yet; Sandra is his client."""
    with db.transaction() as s:
        ensure_defaults(s)
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        omar = make_staff(s, "omar", weekdays=range(0))
        client = make_client(s, workers=[omar])
        make_decision(s, client)
        request = make_request(s, client, NOW, days=3)
        return {"omar": omar.id, "client": client.id, "request": request.id}


def _url(office: dict[str, int]) -> str:
    return f"/personal/planering/personal/{office['omar']}"


def _post_hours(web, office: dict[str, int], rows: dict[str, str]):
    """Post the weekly hours; every row not given is left empty (not working then)."""
    empty = {f"{d}-{i}-{t}": "" for d in DAYS for i in (0, 1) for t in ("fran", "till")}
    return post_form(web, _url(office) + "/arbetstider", empty | rows, page=_url(office))


def _local_starts(db: Database, office: dict[str, int], day: date) -> list[str]:
    with db.transaction() as s:
        slots = available_slots(s, office["client"], [day], 60, NOW, STHLM, DEFAULT_RULES)
        return [x.start.astimezone(STHLM).strftime("%H:%M") for x in slots]


def _first_suggestion(db: Database, office: dict[str, int]) -> datetime | None:
    with db.transaction() as s:
        ranked = assigning.suggestions(
            s, s.get(SupportRequest, office["request"]), NOW, STHLM, DEFAULT_RULES, Weights()
        )
        omar = next(x for x in ranked if x.first_name == "Omar")
        return omar.start if omar.feasible else None


def test_hours_set_on_the_page_are_when_booking_and_suggestions_offer_the_worker(
    app: Flask, db: Database, office: dict[str, int]
) -> None:
    assert _local_starts(db, office, TUESDAY) == []  # a new worker cannot be booked
    assert _first_suggestion(db, office) is None
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        saved = _post_hours(
            web,
            office,
            {"tis-0-fran": "10:00", "tis-0-till": "12:00",
             "ons-0-fran": "08:00", "ons-0-till": "09:00",
             "ons-1-fran": "13:00", "ons-1-till": "14:30"},
        )  # fmt: skip
        assert saved.status_code == 302
        page = html.unescape(web.get(saved.headers["Location"]).text)
    assert "Arbetstiderna är sparade." in page
    assert 'value="10:00"' in page and 'value="14:30"' in page  # the form shows them
    assert _local_starts(db, office, TUESDAY) == ["10:00", "10:30", "11:00"]
    assert _local_starts(db, office, WEDNESDAY) == ["08:00", "13:00", "13:30"]
    assert _local_starts(db, office, date(2026, 5, 7)) == []  # Thursday: not working
    assert _first_suggestion(db, office) == datetime(2026, 5, 5, 10, 0, tzinfo=STHLM)
    with db.transaction() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.subject == "staff.hours"))
        assert event.detail == "omar: weekly hours" and event.action == "change"


@pytest.mark.parametrize(
    ("rows", "said", "where"),
    [
        ({"tis-0-fran": "12:00", "tis-0-till": "10:00"}, "Till ska vara senare än Från.",
         'value="12:00"'),
        ({"tis-0-fran": "10:00"}, "Skriv både Från och Till, eller lämna båda tomma.",
         'value="10:00"'),
        ({"tis-0-fran": "tio", "tis-0-till": "12:00"}, "Inte ett giltigt tidsvärde.",
         'value="tio"'),
        ({"tis-0-fran": "08:00", "tis-0-till": "12:00", "tis-1-fran": "11:00",
          "tis-1-till": "13:00"}, "Tiden går in i en annan tid samma dag.", 'value="13:00"'),
    ],
)  # fmt: skip
def test_a_bad_row_is_shown_again_with_why_and_nothing_is_saved(
    app: Flask, db: Database, office: dict[str, int], rows: dict[str, str], said: str, where: str
) -> None:
    with db.transaction() as s:
        s.add(WorkingHours(staff_id=office["omar"], weekday=0, starts=time(9), ends=time(15)))
    web = staff_client(app, db, "cecilia")
    # A good Monday beside the bad row: nothing of the post is kept.
    refused = _post_hours(web, office, {"man-0-fran": "07:00", "man-0-till": "16:00", **rows})
    page = html.unescape(refused.text)
    assert refused.status_code == 400
    assert said in page and where in page and 'value="07:00"' in page
    with db.transaction() as s:
        kept = s.execute(
            select(WorkingHours.weekday, WorkingHours.starts, WorkingHours.ends).where(
                WorkingHours.staff_id == office["omar"]
            )
        )
        assert [tuple(r) for r in kept] == [(0, time(9), time(15))]
        assert s.scalar(select(AuditEvent).where(AuditEvent.subject == "staff.hours")) is None


def test_every_stored_window_of_a_day_is_in_the_form_so_saving_keeps_them(
    app: Flask, db: Database, office: dict[str, int]
) -> None:
    windows = [(time(8), time(9)), (time(10), time(11)), (time(13), time(14))]
    with db.transaction() as s:
        s.add_all(
            WorkingHours(staff_id=office["omar"], weekday=4, starts=a, ends=b) for a, b in windows
        )
    web = staff_client(app, db, "cecilia")
    form = web.get(_url(office)).text
    for i, (a, b) in enumerate(windows):
        assert f'name="fre-{i}-fran" type="time"\n    value="{a:%H:%M}"' in form
        assert f'name="fre-{i}-till" type="time"\n    value="{b:%H:%M}"' in form


def test_visits_the_new_hours_leave_out_are_listed_to_move(
    app: Flask, db: Database, office: dict[str, int]
) -> None:
    with db.transaction() as s:
        omar, sandra = s.get(Staff, office["omar"]), s.get(Client, office["client"])
        s.add(WorkingHours(staff_id=omar.id, weekday=1, starts=time(8), ends=time(17)))
        inside = make_visit(s, sandra, omar, datetime(2026, 5, 5, 9, 0, tzinfo=STHLM))
        late = make_visit(s, sandra, omar, datetime(2026, 5, 5, 15, 0, tzinfo=STHLM))
        ids = {"inside": inside.id, "late": late.id}
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        assert "Besök utanför arbetstiden" not in web.get(_url(office)).text
        saved = _post_hours(web, office, {"tis-0-fran": "08:00", "tis-0-till": "12:00"})
        page = html.unescape(web.get(saved.headers["Location"]).text)
    assert "Besök utanför arbetstiden – flytta dem" in page
    listed = page.split("Besök utanför arbetstiden")[1].split("</ul>")[0]
    assert f"/personal/planering/besok/{ids['late']}" in listed
    assert f"/personal/planering/besok/{ids['inside']}" not in listed
    with db.transaction() as s:  # the coordinator's read of Sandra's visit is audited
        named = s.scalars(
            select(AuditEventClient.client_id)
            .join(AuditEvent, AuditEvent.id == AuditEventClient.audit_event_id)
            .where(AuditEvent.subject == "visits.absences")
        ).all()
        assert office["client"] in named


def test_extra_time_keeps_a_visit_off_the_list(
    app: Flask, db: Database, office: dict[str, int]
) -> None:
    with db.transaction() as s:
        omar, sandra = s.get(Staff, office["omar"]), s.get(Client, office["client"])
        make_visit(s, sandra, omar, datetime(2026, 5, 5, 15, 0, tzinfo=STHLM))
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        assert "Besök utanför arbetstiden" in web.get(_url(office)).text
        post_form(
            web, _url(office),
            {"kind": "extra", "first": "2026-05-05", "start": "14:00", "last": "2026-05-05",
             "end": "17:00", "reason": ""},
        )  # fmt: skip
        assert "Besök utanför arbetstiden" not in web.get(_url(office)).text
