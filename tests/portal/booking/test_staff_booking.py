"""The coordinator books a visit for a client from the client's page (issue 15's flow needed it:
until then only the client's own booking and an assigned request made a visit)."""

import html
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from models import Channel, Database, Role, Visit
from tests.conftest import post_form
from tests.factories import make_client, make_decision, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning


@pytest.fixture
def sandra(db: Database) -> dict[str, int]:
    """Sandra, with a decision; Omar works 08–17; Cecilia coordinates."""
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        omar = make_staff(s, "omar", hours=(time(8), time(17)))
        client = make_client(s, workers=[omar])
        make_decision(s, client)
        return {"client": client.id, "omar": omar.id}


def _book(web, client_id: int, **fields: str):
    data = {"day": "2026-05-04", "start": "10:30", "minutes": "45", "channel": "home"} | fields
    return post_form(web, f"/personal/planering/klient/{client_id}", data)


def test_the_coordinator_books_sandra_a_visit_today_from_her_page(
    app: Flask, db: Database, sandra: dict[str, int]
) -> None:
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        client_page = web.get(f"/personal/klient/{sandra['client']}").text
        assert f'href="/personal/planering/klient/{sandra["client"]}"' in client_page
        form = web.get(f"/personal/planering/klient/{sandra['client']}").text
        assert 'value="2026-05-04"' in form  # today, ready to book

        booked = _book(web, sandra["client"], staff_id=str(sandra["omar"]))
        assert booked.status_code == 302
        week = web.get(booked.headers["Location"]).text
        assert "Besöket är bokat. Sandra ser det under Min dag." in html.unescape(week)
        assert "10:30 Sandra" in week
    with db.transaction() as s:
        visit = s.scalar(select(Visit))
        assert (visit.staff_id, visit.channel, visit.planned_minutes) == (
            sandra["omar"],
            Channel.HOME,
            45,
        )
        assert visit.planned_start == datetime(2026, 5, 4, 10, 30, tzinfo=STHLM)


def test_a_time_the_worker_is_off_is_refused_with_the_form_as_typed_and_nothing_booked(
    app: Flask, db: Database, sandra: dict[str, int]
) -> None:
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        refused = _book(web, sandra["client"], staff_id=str(sandra["omar"]), start="18:00")
    page = html.unescape(refused.text)
    assert refused.status_code == 409
    assert "Omar arbetar inte då (arbetstid 08:00–17:00)." in page
    assert 'value="18:00"' in page and 'value="45"' in page
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0


@pytest.mark.parametrize(
    ("day", "said"),
    [("2026-05-01", "Tiden har redan varit."), ("2027-05-06", "Boka högst ett år framåt.")],
)
def test_a_day_past_or_more_than_a_year_ahead_is_refused_and_nothing_booked(
    app: Flask, db: Database, sandra: dict[str, int], day: str, said: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        refused = _book(web, sandra["client"], staff_id=str(sandra["omar"]), day=day)
    assert refused.status_code == 409
    assert said in html.unescape(refused.text)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
