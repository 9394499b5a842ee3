"""Light support is given without a decision: the decision's grant never blocks it, and what
"Fördela alla" leaves is explained to the coordinator and, when it cannot be met soon, to the
client (issue 18, item 2)."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import (
    Availability,
    AvailabilityKind,
    Channel,
    Database,
    Message,
    RequestStatus,
    Role,
    SupportRequest,
    Visit,
    utcnow,
)
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.requests import When, ask_for_help
from portal.lightsupport.scope import Scope
from tests.conftest import post_form, sms_to
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import staff_client

# Sara asks for help "today": the steps need support hours, whatever the time the suite runs.
pytestmark = [pytest.mark.db, pytest.mark.usefixtures("working_morning")]
OLLE, SARA = "+46700000002", "+46700000003"


def _asks(s, client, settings, when: When = When.THIS_WEEK):
    return ask_for_help(
        s, client, category_key="talk", when=when, day=None, channel=Channel.PHONE, text=None,
        submission_key=f"talk-{client.id}", now=utcnow(), zone=settings.zone, scope=Scope(),
    )  # fmt: skip


@pytest.fixture
def olle_used_up(db: Database, settings) -> dict[str, int]:
    """Olle has more booked than his weekly 60 minutes, on every week he could get help (as in
    the demo); he asks for a talk."""
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", languages=["sv", "ar"])
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        olle = make_client(s, "Olle", phone=OLLE, workers=[omar], language="ar")
        make_decision(s, olle, minutes=60)
        for week in range(3):
            make_visit(s, olle, omar, utcnow() + timedelta(days=8 + 7 * week), minutes=120)
        today = utcnow().astimezone(settings.zone).date()
        monday = today - timedelta(days=today.weekday())
        start = (monday + timedelta(days=3)).isoformat()  # Olle's visit this week is used up
        make_visit(s, olle, omar, _local(settings, start, 6), minutes=120)
        request = _asks(s, olle, settings)
        return {"omar": omar.id, "olle": olle.id, "request": request.id}


def _local(settings, day: str, hour: int):
    from datetime import date, datetime, time

    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=settings.zone)


def test_a_coordinator_assigns_light_support_when_the_decisions_time_is_used_up(
    app: Flask, db: Database, olle_used_up: dict[str, int]
) -> None:
    web = staff_client(app, db, "cecilia")
    assigned = post_form(
        web,
        f"/personal/samordning/{olle_used_up['request']}/tilldela",
        {"staff_id": str(olle_used_up["omar"])},
        page="/personal/samordning",
    )
    page = web.get("/personal/samordning").text
    assert "Du har redan bokat all tid" not in page
    assert assigned.status_code == 302 and "Tilldelad. Klienten får ett sms." in page
    with db.transaction() as s:
        request = s.get(SupportRequest, olle_used_up["request"])
        assert request.status is RequestStatus.ASSIGNED
        assert s.scalar(select(Visit.staff_id).where(Visit.request_id == request.id))


def test_assign_all_says_why_each_request_is_left_and_tells_that_client(
    app: Flask,
    db: Database,
    olle_used_up: dict[str, int],
    settings,
) -> None:
    with db.transaction() as s:
        # Sara asks for help today, when the only worker who could help her is away.
        eva = make_staff(s, "eva", languages=["sv"])
        sara = make_client(s, "Sara", phone=SARA, workers=[eva], language="en")
        for staff_id in (eva.id, olle_used_up["omar"]):
            s.add(
                Availability(
                    staff_id=staff_id, kind=AvailabilityKind.ABSENT,
                    starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(days=9),
                )
            )  # fmt: skip
        _asks(s, sara, settings, When.TODAY)
    web = staff_client(app, db, "cecilia")
    post_form(web, "/personal/samordning/fordela-alla", {}, page="/personal/samordning")
    page = web.get("/personal/samordning").text
    assert "0 förfrågningar tilldelade, 2 kvar" in page
    assert "Sara Nilsson: ingen personal är ledig" in page
    assert "Olle Nilsson: ingen personal är ledig" in page
    assert "Du har redan bokat" not in page
    [sms] = sms_to(web, SARA)
    assert "Cecilia" in sms and "/skriv" in sms
    with db.transaction() as s:
        told = s.scalar(select(Message).where(Message.client_id == sara.id))
        assert "We cannot find a time for your request yet" in told.body
    # Pressing again tells nobody twice.
    post_form(web, "/personal/samordning/fordela-alla", {}, page="/personal/samordning")
    assert len(sms_to(web, SARA)) == 1
