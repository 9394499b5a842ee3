"""The private calendar feed parses with the icalendar library and shows local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from flask import Flask

from models import Channel, Database
from portal.booking import ical
from tests.conftest import https_client
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def test_the_feed_shows_visits_at_local_time_on_both_dst_days_and_can_be_revoked(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        sandra = make_client(s, workers=[anna])
        make_visit(s, sandra, anna, at("2026-03-29T10:00"))
        make_visit(s, sandra, anna, at("2026-03-28T10:00"), channel=Channel.VIDEO)
        make_visit(s, sandra, anna, at("2026-03-30T10:00"), channel=Channel.PHONE)
        token = ical.new_feed(s, at("2026-03-20T09:00"), client_id=sandra.id)
        client_id = sandra.id
    web = https_client(app)
    with time_machine.travel(at("2026-03-20T09:00"), tick=False):
        response = web.get(f"/kalender/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    starts = [e.decoded("DTSTART").astimezone(STHLM) for e in events]
    assert [t.strftime("%d %H:%M") for t in starts] == ["28 10:00", "29 10:00", "30 10:00"]
    # 10:00 is 09:00 UTC before the change and 08:00 UTC after it.
    assert [t.astimezone(UTC).hour for t in starts] == [9, 8, 8]
    assert [str(e["SUMMARY"]) for e in events] == [
        "Video med Anna", "Anna kommer hem till dig", "Anna ringer dig"
    ]  # fmt: skip

    with db.transaction() as s:
        ical.revoke_feeds(s, at("2026-03-21T09:00"), client_id=client_id)
    assert web.get(f"/kalender/{token}.ics").status_code == 404
    assert web.get("/kalender/guessed-token.ics").status_code == 404
