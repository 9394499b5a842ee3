"""What staff read when a booking rule says no: written for staff, naming what is in the way
(issue 18, items 3, 11 and "every message a staff member sees is written for staff")."""

import html
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Database, Role, Visit
from portal.booking import actions, staff_views
from portal.booking.refusals import REFUSALS, SAMPLE_DETAILS, BookingRefused
from tests.conftest import post_form
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


@pytest.fixture
def week(db: Database) -> dict[str, int]:
    """Omar visits Sandra 10:00 and Olle 13:00 on Tuesday; Cecilia plans the week."""
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        omar = make_staff(s, "omar", hours=(time(8), time(17)))
        sandra = make_client(s, workers=[omar])
        olle = make_client(s, "Olle", workers=[omar])
        for client in (sandra, olle):
            make_decision(s, client)
        return {
            "omar": omar.id,
            "sandra_visit": make_visit(s, sandra, omar, at("2026-05-05T10:00")).id,
            "olle_visit": make_visit(s, olle, omar, at("2026-05-05T13:00")).id,
        }


def _move(web: FlaskClient, visit_id: int, staff_id: int, day: str, start: str):
    return post_form(
        web,
        f"/personal/planering/besok/{visit_id}",
        {"staff_id": str(staff_id), "day": day, "start": start},
    )


def test_moving_a_visit_onto_a_time_its_worker_is_booked_names_the_clash(
    app: Flask, db: Database, week: dict[str, int]
) -> None:
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        moved = _move(web, week["sandra_visit"], week["omar"], "2026-05-05", "13:00")
    assert moved.status_code == 409
    assert "Omar har redan ett besök 13:00–14:00 då." in moved.text
    assert "Någon hann boka" not in moved.text
    with db.transaction() as s:
        assert s.get(Visit, week["sandra_visit"]).planned_start == at("2026-05-05T10:00")


def test_a_worker_who_works_but_is_busy_is_called_busy_not_off(
    app: Flask, db: Database, week: dict[str, int]
) -> None:
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        half_past = _move(web, week["sandra_visit"], week["omar"], "2026-05-05", "12:30")
        evening = _move(web, week["sandra_visit"], week["omar"], "2026-05-05", "18:00")
    assert "Omar har redan ett besök 13:00–14:00 då." in half_past.text
    assert "arbetar inte" not in half_past.text
    assert "Omar arbetar inte då (arbetstid 08:00–17:00)." in evening.text


def test_a_staff_move_beyond_the_grant_reads_as_staff_text(
    app: Flask, db: Database, week: dict[str, int]
) -> None:
    with db.transaction() as s:
        olle_visit = s.get(Visit, week["olle_visit"])
        # Olle's next week is full: moving Tuesday's visit there adds 60 minutes to it.
        make_visit(s, olle_visit.client, olle_visit.staff, at("2026-05-11T08:00"), minutes=240)
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        moved = _move(web, week["olle_visit"], week["omar"], "2026-05-12", "10:00")
    assert moved.status_code == 400
    assert "Olle Nilsson har redan bokat all beviljad tid" in moved.text
    assert "Fråga oss" not in moved.text


#: Words only a client is addressed with; a staff text never has them.
CLIENT_ONLY = ("Fråga oss", "Välj en av dina vanliga", "din personal", "Vill du ha")


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_every_refusal_reads_as_staff_text_on_a_staff_page(app: Flask, kind: str) -> None:
    """Each refusal the booking rules can give (every kind in ``REFUSALS``; a refusal cannot be
    raised without one), rendered as the staff pages render it, carries no client text."""
    refusal = BookingRefused(kind, **SAMPLE_DETAILS)
    with app.test_request_context("/personal/planering"):
        client_texts = {str(v.client) for v in REFUSALS.values() if v.client is not None}
        staff_text = str(refusal.staff_message)
        page, _ = staff_views.refused(refusal)
    assert staff_text and staff_text in html.unescape(page)
    assert not any(text in html.unescape(page) for text in client_texts)
    assert not any(phrase in staff_text for phrase in CLIENT_ONLY)
    assert "%(" not in staff_text  # every detail it names was given


def test_a_move_the_database_refuses_leaves_the_visit_as_it_was(
    db: Database, week: dict[str, int]
) -> None:
    """Another booking won the race after the checks: the refusal must not leave the visit
    changed in the session (the next query would flush it again and fail with a 500)."""
    with db.transaction() as s:
        visit = s.get(Visit, week["sandra_visit"])
        with pytest.raises(BookingRefused) as refused:
            actions.write_move(
                s, visit, week["omar"], at("2026-05-05T13:00"), at("2026-05-05T14:00")
            )
        assert refused.value.code == "taken"
        assert visit.planned_start == at("2026-05-05T10:00")
        assert s.scalar(select(func.count(Visit.id))) == 2
