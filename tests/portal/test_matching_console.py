"""The coordinator's console: ranked workers from real data, one click, races, the batch."""

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    Assignment,
    Availability,
    AvailabilityKind,
    Channel,
    Client,
    Database,
    RequestStatus,
    Role,
    Staff,
    SupportRequest,
    Task,
    Visit,
    utcnow,
)
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.requests import When, ask_for_help, first_contact
from portal.lightsupport.scope import Scope
from portal.lightsupport.scoring import Weights
from tests.conftest import post_form, sms_to
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client
from video.services import record_video_consent, withdraw_video_consent

pytestmark = pytest.mark.db
OLLE = "+46700000002"


@pytest.fixture
def world(db: Database, settings) -> dict[str, int]:
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(
            s, "omar", skills=["autism"], languages=["sv", "ar"], home_lat=59.218, home_lon=18.155
        )
        eva = make_staff(s, "eva", skills=[], languages=["sv"], home_lat=59.26, home_lon=17.88)
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        make_staff(s, "conny", roles=[Role.COORDINATOR])
        olle = make_client(
            s,
            "Olle",
            phone=OLLE,
            workers=[omar],
            needs=["autism"],
            language="ar",
            lat=59.217,
            lon=18.151,
        )
        request = ask_for_help(
            s,
            olle,
            category_key="talk",
            when=When.THIS_WEEK,
            day=None,
            channel=Channel.HOME,
            text="Jag vill prata",
            submission_key="olle-1",
            now=utcnow(),
            zone=settings.zone,
            scope=Scope(),
        )
        return {"omar": omar.id, "eva": eva.id, "olle": olle.id, "request": request.id}


def test_omar_comes_first_for_olle_with_the_reasons_spelled_out(
    db: Database,
    world: dict[str, int],
    settings,
) -> None:
    with db.transaction() as s:
        request = s.get(SupportRequest, world["request"])
        ranked = assigning.suggestions(
            s, request, utcnow(), settings.zone, DEFAULT_RULES, Weights()
        )
    assert [x.first_name for x in ranked][:2] == ["Omar", "Eva"]
    reasons = ranked[0].reasons
    assert reasons[:3] == ["känner Olle", "autism-kunnig", "talar arabiska"]
    assert any(re.fullmatch(r"\d+ min bort", r) for r in reasons)
    assert any(r.startswith("ledig ") for r in reasons)


def test_one_click_books_the_visit_tells_olle_and_keeps_the_why(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "cecilia")
    console = web.get("/personal/samordning").text
    assert "Olle" in console and "känner Olle" in console
    response = _assign(web, world["request"], world["omar"])
    assert response.status_code == 302
    with db.transaction() as s:
        request = s.get(SupportRequest, world["request"])
        visit = s.scalar(select(Visit).where(Visit.request_id == request.id))
        assignment = s.scalar(select(Assignment))
        assert request.status is RequestStatus.ASSIGNED and request.assigned_at
        assert (visit.staff_id, visit.channel) == (world["omar"], Channel.HOME)
        assert request.wanted_from <= visit.planned_start < request.wanted_to
        assert assignment.reasons["chosen"]["reasons"][0] == "känner Olle"
        assert assignment.reasons["ranked"][1]["staff_id"] == world["eva"]
    [sms] = sms_to(web, OLLE)
    # Olle reads Arabic: the day and time come in his language, the worker's name as it is.
    assert re.match(r"زيارة من Omar \S+ (الساعة )?\d\d:\d\d\. http", sms), sms
    assert "prata" not in sms.lower() and "autism" not in sms.lower()
    assert "Olle" not in web.get("/personal/samordning").text


def test_two_coordinators_at_once_one_wins_and_the_other_sees_why(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    webs = [staff_client(app, db, name) for name in ("cecilia", "conny")]
    tokens = [
        re.search(r'name="csrf_token" value="([^"]+)"', w.get("/personal/samordning").text).group(1)
        for w in webs
    ]
    url = f"/personal/samordning/{world['request']}/tilldela"
    results: list[int] = []

    def press(i: int) -> None:
        r = webs[i].post(url, data={"staff_id": str(world["omar"]), "csrf_token": tokens[i]})
        results.append(r.status_code)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [302, 303]
    messages = [w.get("/personal/samordning").text for w in webs]
    assert sum("redan tilldelad" in m for m in messages) == 1
    with db.transaction() as s:
        assert s.scalar(select(func.count(Visit.id))) == 1
        assert s.scalar(select(func.count(Assignment.id))) == 1


def test_a_worker_who_became_unavailable_since_the_suggestion_is_refused(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "cecilia")
    web.get("/personal/samordning")
    with db.transaction() as s:  # Omar calls in sick for the whole week
        s.add(
            Availability(
                staff_id=world["omar"],
                kind=AvailabilityKind.ABSENT,
                starts_at=utcnow() - timedelta(hours=1),
                ends_at=utcnow() + timedelta(days=9),
            )
        )
    response = _assign(web, world["request"], world["omar"])
    assert response.status_code == 303
    page = web.get("/personal/samordning").text
    assert "inte ledig längre" in page
    assert "Tilldela Omar" not in page and "Tilldela Eva" in page


def test_a_video_request_from_a_client_who_since_said_no_to_video_is_not_booked(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        s.get(SupportRequest, world["request"]).channel = Channel.VIDEO
        olle, omar = s.get(Client, world["olle"]), s.get(Staff, world["omar"])
        record_video_consent(s, olle, omar, utcnow())
        withdraw_video_consent(s, olle.id, utcnow())
    web = staff_client(app, db, "cecilia")
    response = _assign(web, world["request"], world["omar"])
    assert response.status_code == 303
    assert "Olle Nilsson har sagt nej till video." in web.get("/personal/samordning").text
    with db.transaction() as s:
        assert s.get(SupportRequest, world["request"]).status is RequestStatus.NEW
        assert s.scalar(select(func.count(Visit.id))) == 0


def test_a_long_queue_is_shown_twenty_at_a_time_urgent_and_oldest_first(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        now = utcnow()
        for i in range(24):  # with Olle's, 25 wait; the last one is urgent
            client = make_client(s, f"Klient{i:02d}", phone=f"+4670900{i:04d}")
            s.add(
                SupportRequest(
                    client_id=client.id,
                    category="talk",
                    channel=Channel.PHONE,
                    wanted_from=now,
                    wanted_to=now + timedelta(days=2),
                    urgent=i == 23,
                    created_at=now - timedelta(minutes=100 - i),
                    status=RequestStatus.NEW,
                )
            )
    web = staff_client(app, db, "cecilia")
    first = web.get("/personal/samordning").text
    cards = re.findall(r'<h2 id="request-\d+-title">([^ :]+)', first)
    assert len(cards) == 20 and cards[0] == "Klient23"  # urgent first
    assert cards[1:4] == ["Klient00", "Klient01", "Klient02"]  # then the longest waiting
    assert "25 förfrågningar väntar. Här är nummer 1–20." in first
    assert "Nästa 5" in first and "Föregående" not in first
    rest = web.get("/personal/samordning?fran=20").text
    assert len(re.findall(r'<h2 id="request-\d+-title">', rest)) == 5
    assert "Här är nummer 21–25." in rest and "Föregående 20" in rest
    assert "Fördela alla" in rest  # still for the whole queue


def test_a_request_nobody_can_take_is_flagged_for_the_coordinator(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        for staff_id in (world["omar"], world["eva"]):
            s.add(
                Availability(
                    staff_id=staff_id,
                    kind=AvailabilityKind.ABSENT,
                    starts_at=utcnow() - timedelta(hours=1),
                    ends_at=utcnow() + timedelta(days=9),
                )
            )
    page = staff_client(app, db, "cecilia").get("/personal/samordning").text
    assert "Ingen är ledig under den tiden" in page


def test_assign_all_gives_every_request_a_time_without_double_booking(
    app: Flask,
    db: Database,
    world: dict[str, int],
    settings,
) -> None:
    with db.transaction() as s:
        for i in range(4):
            client = make_client(s, f"Klient{i}", phone=f"+4670555000{i}", needs=["autism"])
            _asks_for_a_talk(s, client, Channel.PHONE, settings)
        first_contact(
            s,
            name="Eva",
            phone="+46709999999",
            category_key=None,
            text=None,
            submission_key="fc",
            now=utcnow(),
            zone=settings.zone,
        )
    web = staff_client(app, db, "cecilia")
    response = post_form(web, "/personal/samordning/fordela-alla", {}, page="/personal/samordning")
    assert response.status_code == 302
    assert "6 förfrågningar tilldelade, 0 kvar" in web.get("/personal/samordning").text
    with db.transaction() as s:
        visits = list(s.scalars(select(Visit).order_by(Visit.staff_id, Visit.planned_start)))
        task = s.scalar(select(Task).where(Task.ref.like("request:%")))
    for a, b in zip(visits, visits[1:], strict=False):
        assert a.staff_id != b.staff_id or a.planned_end <= b.planned_start
    assert len(visits) == 5 and "Eva" in task.text
    assert any("ringer dig" in m for m in sms_to(web, "+46709999999"))


def test_assign_all_goes_ahead_when_one_request_can_no_longer_be_booked(
    app: Flask,
    db: Database,
    world: dict[str, int],
    settings,
) -> None:
    with db.transaction() as s:
        sara = make_client(s, "Sara", phone="+46705550009", needs=["autism"])
        _asks_for_a_talk(s, sara, Channel.VIDEO, settings)
        # After asking, Sara says no to video: her request can no longer be booked as asked.
        record_video_consent(s, sara, s.get(Staff, world["omar"]), utcnow())
        withdraw_video_consent(s, sara.id, utcnow())
        sara_id = sara.id
    web = staff_client(app, db, "cecilia")
    response = post_form(web, "/personal/samordning/fordela-alla", {}, page="/personal/samordning")
    assert response.status_code == 302
    assert "1 förfrågningar tilldelade, 1 kvar" in web.get("/personal/samordning").text
    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert visit.client_id == world["olle"]
        waiting = s.scalar(select(SupportRequest).where(SupportRequest.client_id == sara_id))
        assert waiting.status is RequestStatus.NEW
        assert s.scalar(select(func.count(Assignment.id))) == 1


def _asks_for_a_talk(s, client, channel: Channel, settings) -> None:
    ask_for_help(
        s,
        client,
        category_key="talk",
        when=When.THIS_WEEK,
        day=None,
        channel=channel,
        text=None,
        submission_key=f"talk-{client.id}",
        now=utcnow(),
        zone=settings.zone,
        scope=Scope(),
    )


def _assign(web, request_id: int, staff_id: int):
    """Press "Tilldela" on the console for this worker."""
    return post_form(
        web,
        f"/personal/samordning/{request_id}/tilldela",
        {"staff_id": str(staff_id)},
        page="/personal/samordning",
    )
