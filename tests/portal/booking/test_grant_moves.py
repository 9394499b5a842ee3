"""The decision's grant: a move counts only the difference, and a client whose time is used up
is told so before choosing a day and a time (issue 18, item 1)."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask

from models import Client, Database, Staff, Visit
from portal.booking import actions
from portal.booking.rules import DEFAULT_RULES, BookingRefused
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import client_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning
GRANT_USED_UP = "Du har redan bokat all tid du har fått."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


@pytest.fixture
def overbooked_week(db: Database) -> dict[str, int]:
    """Sandra has 360 minutes booked this week against a 240-minute weekly grant (as the demo)."""
    with db.transaction() as s:
        omar = make_staff(s, "omar")
        sandra = make_client(s, workers=[omar])
        make_decision(s, sandra, minutes=240)
        visits = [make_visit(s, sandra, omar, at(f"2026-05-{d:02d}T10:00")) for d in range(4, 10)]
        return {"omar": omar.id, "sandra": sandra.id, "wednesday": visits[1].id}


def test_moving_a_visit_within_an_overbooked_week_counts_only_the_difference(
    db: Database, overbooked_week: dict[str, int]
) -> None:
    with db.transaction() as s:
        wednesday = s.get(Visit, overbooked_week["wednesday"])
        actions.move(
            s, wednesday, start=at("2026-05-06T13:00"), now=NOW, zone=STHLM, rules=DEFAULT_RULES
        )
    with db.transaction() as s:
        assert s.get(Visit, overbooked_week["wednesday"]).planned_start == at("2026-05-06T13:00")


def test_moving_a_visit_into_a_week_whose_grant_is_used_up_is_still_refused(
    db: Database, overbooked_week: dict[str, int]
) -> None:
    with db.transaction() as s:
        sandra = s.get(Client, overbooked_week["sandra"])
        next_week = make_visit(
            s, sandra, s.get(Staff, overbooked_week["omar"]), at("2026-05-12T10:00")
        )
        with pytest.raises(BookingRefused) as refused:
            actions.move(
                s, next_week, start=at("2026-05-07T15:00"), now=NOW, zone=STHLM,
                rules=DEFAULT_RULES,
            )  # fmt: skip
        assert refused.value.code == "grant"


def test_sandra_moves_wednesdays_visit_to_13_in_her_browser(
    app: Flask, db: Database, overbooked_week: dict[str, int]
) -> None:
    visit_id = overbooked_week["wednesday"]
    web = client_client(app, db, overbooked_week["sandra"])
    with time_machine.travel(NOW, tick=False):
        times = web.get(f"/boka/tider?dag=2026-05-06&besok={visit_id}")
        assert GRANT_USED_UP not in times.text
        start = int(at("2026-05-06T13:00").timestamp())
        omar = overbooked_week["omar"]
        page = web.get(f"/boka/bekrafta?start={start}&personal={omar}&besok={visit_id}")
        assert "Ja, flytta" in page.text
        data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
        done = web.post("/boka/bekrafta", data=data)
        assert done.status_code == 302, done.text
    with db.transaction() as s:
        assert s.get(Visit, visit_id).planned_start == at("2026-05-06T13:00")


def test_a_client_whose_grant_is_used_up_is_told_before_choosing_a_day(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        omar = make_staff(s, "omar")
        sandra = make_client(s, workers=[omar])
        make_decision(s, sandra, minutes=120)
        for monday in ("2026-05-04", "2026-05-11", "2026-05-18"):  # every week within reach
            make_visit(s, sandra, omar, at(f"{monday}T18:00"), minutes=120)
    web = client_client(app, db, sandra.id)
    with time_machine.travel(NOW, tick=False):
        start = web.get("/boka").text
        assert GRANT_USED_UP in start
        assert "Be om mer hjälp" in start
        assert 'href="/boka/hur?dag=idag"' not in start and "Annan dag" not in start


def test_days_in_a_week_whose_grant_is_used_up_are_not_offered(app: Flask, db: Database) -> None:
    with db.transaction() as s:
        omar = make_staff(s, "omar")
        sandra = make_client(s, workers=[omar])
        make_decision(s, sandra, minutes=120)
        make_visit(s, sandra, omar, at("2026-05-04T18:00"), minutes=120)  # this week is full
    web = client_client(app, db, sandra.id)
    with time_machine.travel(NOW, tick=False):
        start = web.get("/boka").text
        assert GRANT_USED_UP not in start
        assert 'href="/boka/hur?dag=idag"' not in start  # today and tomorrow are this week
        assert 'href="/boka/hur?dag=imorgon"' not in start
        days = web.get("/boka/dag").text
        assert "onsdag 6 maj" not in days and "måndag 11 maj" in days
        times = web.get("/boka/tider?dag=2026-05-07&satt=home").text
        assert GRANT_USED_UP in times and "/boka/bekrafta" not in times


def test_a_client_without_a_decision_is_told_before_choosing_a_day(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        sandra = make_client(s, workers=[make_staff(s, "omar")])
    web = client_client(app, db, sandra.id)
    with time_machine.travel(NOW, tick=False):
        start = web.get("/boka").text
    assert "Du kan inte boka tid själv än." in start and GRANT_USED_UP not in start
    assert "Annan dag" not in start
