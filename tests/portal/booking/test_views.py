"""The booking pages as a client and staff use them (no JavaScript needed)."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Channel, Client, Database, Role, Staff, Task, Visit, VisitStatus
from tests.conftest import csrf_from, https_client, post_form, sms_to
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import staff_client
from video.services import record_video_consent, withdraw_video_consent

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
SANDRA = "+46700000001"
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def signed_in_client(app: Flask, phone: str = SANDRA) -> FlaskClient:
    web = https_client(app)
    post_form(web, "/logga-in", {"phone": phone})
    code = re.search(r"\b(\d{6})\b", sms_to(web, phone)[0]).group(1)
    assert post_form(web, "/logga-in/kod", {"code": code}).status_code == 302
    return web


@pytest.fixture
def sandra_web(app: Flask, db: Database):
    with time_machine.travel(NOW, tick=False):
        with db.transaction() as s:
            anna = make_staff(s, "anna")
            sandra = make_client(s, phone=SANDRA, workers=[anna])
            make_decision(s, sandra, minutes=120)
        yield signed_in_client(app)


def test_sandra_books_tomorrow_at_a_time_her_worker_offers(
    sandra_web: FlaskClient, db: Database
) -> None:
    with time_machine.travel(NOW, tick=False):
        start = sandra_web.get("/boka")
        assert "Idag" in start.text and "I morgon" in start.text and "Annan dag" in start.text
        how = sandra_web.get("/boka/hur?dag=imorgon")
        assert "Hembesök" in how.text and "Video" in how.text and "Telefon" in how.text
        times = sandra_web.get("/boka/tider?dag=imorgon&satt=home")
        links = re.findall(r'href="(/boka/bekrafta[^"]+)"', times.text)
        assert len(links) == 5 and "07:00 med Anna" in times.text
        confirm_url = links[0].replace("&amp;", "&")
        page = sandra_web.get(confirm_url)
        assert "Stämmer det?" in page.text
        data = dict(re.findall(r'name="(start|personal|satt)" value="([^"]*)"', page.text))
        data["csrf_token"] = csrf_from(page.text)
        done = sandra_web.post("/boka/bekrafta", data=data)
        again = sandra_web.post("/boka/bekrafta", data=data)  # a double click
        assert done.status_code == 302 and again.location == done.location
        assert "Klart! Tiden är bokad." in sandra_web.get(done.location).text
    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert visit.planned_start == at("2026-05-05T07:00")


def test_booking_beyond_the_grant_offers_to_ask_for_more_help(
    sandra_web: FlaskClient, db: Database
) -> None:
    with db.transaction() as s:
        visit = s.scalars(select(Visit)).first()
        assert visit is None
        sandra = s.scalar(select(Client))
        anna = s.scalar(select(Staff))
        make_visit(s, sandra, anna, at("2026-05-06T10:00"), minutes=120)
        anna_id = anna.id
    with time_machine.travel(NOW, tick=False):
        start = int(at("2026-05-07T10:00").timestamp())
        url = f"/boka/bekrafta?start={start}&personal={anna_id}&satt=home"
        refused = post_form(sandra_web, url, {}, page=url)
        assert refused.status_code == 400
        assert "Be om mer hjälp" in refused.text
        asked = post_form(sandra_web, "/boka/mer-hjalp", {}, page=url)
        assert "Vi hör av oss" in asked.text
    with db.transaction() as s:
        assert s.scalar(select(Task)).staff_id == anna_id


def test_cancelling_offers_lighter_alternatives_first_then_asks_why(
    sandra_web: FlaskClient, db: Database
) -> None:
    with db.transaction() as s:
        visit = make_visit(
            s, s.scalar(select(Client)), s.scalar(select(Staff)), at("2026-05-05T10:00")
        )
        visit_id = visit.id
    with time_machine.travel(NOW, tick=False):
        offer = sandra_web.get(f"/boka/besok/{visit_id}/avboka")
        for choice in ("Ring mig i stället", "Video i stället", "Kortare besök", "Ta en promenad",
                       "Senare i morgon", "Nej, avboka"):  # fmt: skip
            assert choice in offer.text
        page = f"/boka/besok/{visit_id}/avboka"
        switched = post_form(
            sandra_web, f"/boka/besok/{visit_id}/i-stallet", {"val": "video"}, page
        )
        assert switched.status_code == 302
        why = sandra_web.get(f"/boka/besok/{visit_id}/varfor")
        assert "Jag mår inte bra" in why.text and "Jag är upptagen" in why.text
        gone = post_form(sandra_web, f"/boka/besok/{visit_id}/varfor", {"orsak": "busy"})
        assert "Besöket är avbokat" in gone.text
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit.channel is Channel.VIDEO and visit.adjustment == "video"
        assert visit.status is VisitStatus.CANCELLED_BY_CLIENT and visit.cancel_reason == "busy"
        assert not visit.late_cancellation  # 26 hours' notice is not late


def test_a_worker_starts_and_ends_a_visit_on_the_phone_and_writes_the_day_note(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        visit = make_visit(s, make_client(s, workers=[anna], address="Storgatan 1", needs=["adhd"]),
                           anna, at("2026-05-04T10:00"))  # fmt: skip
        visit_id = visit.id
    with time_machine.travel(at("2026-05-04T09:55"), tick=False):
        web = staff_client(app, db, "anna")
        today = web.get("/personal/idag")
        assert "Storgatan 1" in today.text and "adhd" in today.text and "Starta" in today.text
        page = f"/personal/besok/{visit_id}"
        never = post_form(web, f"/personal/besok/{visit_id}/avsluta", {"reason": ""}, page)
        assert never.status_code == 409 and "Du har inte startat besöket" in never.text
        assert post_form(web, f"/personal/besok/{visit_id}/start", {}, page).status_code == 302
    with time_machine.travel(at("2026-05-04T11:30"), tick=False):
        web = staff_client(app, db, "anna")  # idle for the visit's 95 minutes: signs in again
        asked = post_form(web, f"/personal/besok/{visit_id}/avsluta", {"reason": ""}, page)
        assert asked.status_code == 400 and "Skriv varför" in asked.text
        post_form(web, f"/personal/besok/{visit_id}/avsluta", {"reason": "Akut ärende"}, page)
        post_form(web, f"/personal/besok/{visit_id}/anteckning", {"text": "Vi handlade."}, page)
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit.status is VisitStatus.DONE and visit.deviation_reason == "Akut ärende"
        assert (
            visit.actual_start == at("2026-05-04T09:55") and visit.notes[0].text == "Vi handlade."
        )


def test_a_coordinator_reassigns_a_visit_from_the_week_view(app: Flask, db: Database) -> None:
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        anna, omar = make_staff(s, "anna"), make_staff(s, "omar")
        client = make_client(s, workers=[anna, omar])
        make_decision(s, client)
        visit_id = make_visit(s, client, anna, at("2026-05-05T10:00")).id
        omar_id = omar.id
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        week = web.get("/personal/planering?vecka=2026-05-05")
        assert "10:00 Sandra" in week.text and "Omar" in week.text
        page = f"/personal/planering/besok/{visit_id}"
        moved = post_form(
            web, page, {"staff_id": str(omar_id), "day": "2026-05-05", "start": "14:00"}
        )
        assert moved.status_code == 302
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit.staff_id == omar_id and visit.planned_start == at("2026-05-05T14:00")


def test_a_coordinator_cancels_a_visit_with_a_reason_and_a_missing_reason_is_asked_for(
    app: Flask, db: Database
) -> None:
    with db.transaction() as s:
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        anna = make_staff(s, "anna")
        client = make_client(s, workers=[anna])
        visit_id = make_visit(s, client, anna, at("2026-05-05T10:00")).id
    with time_machine.travel(NOW, tick=False):
        web = staff_client(app, db, "cecilia")
        page, url = (
            f"/personal/planering/besok/{visit_id}",
            f"/personal/planering/besok/{visit_id}/installt",
        )
        refused = post_form(web, url, {"reason": ""}, page=page)
        assert refused.status_code == 400 and 'action="' + url + '"' in refused.text
        too_long = post_form(web, url, {"reason": "Sjuk " * 20}, page=page)
        assert too_long.status_code == 400 and "Sjuk Sjuk" in too_long.text
        assert post_form(web, url, {"reason": "Sjuk"}, page=page).status_code == 302
    with db.transaction() as s:
        assert s.get(Visit, visit_id).status is VisitStatus.CANCELLED_BY_STAFF


def test_the_manager_sees_charts_and_downloads_csv(app: Flask, db: Database) -> None:
    with db.transaction() as s:
        make_staff(s, "maria", roles=[Role.MANAGER])
        anna = make_staff(s, "anna")
        make_visit(s, make_client(s, workers=[anna]), anna, at("2026-05-04T10:00"),
                   status=VisitStatus.DONE)  # fmt: skip
        # A name typed as a formula must open as text in the spreadsheet, not run.
        make_visit(s, make_client(s, "=1+1", phone="+46700000009", workers=[anna]), anna,
                   at("2026-05-05T10:00"), status=VisitStatus.DONE)  # fmt: skip
    web = staff_client(app, db, "maria")
    page = web.get("/personal/rapport?first=2026-05-01&last=2026-05-31")
    assert page.status_code == 200 and "<svg" in page.text and "Utförandegrad" in page.text
    csv = web.get("/personal/rapport.csv?first=2026-05-01&last=2026-05-31")
    assert csv.mimetype == "text/csv" and "klient,Sandra Nilsson" in csv.text
    assert "klient,'=1+1 Nilsson" in csv.text and "klient,=" not in csv.text


def test_after_saying_no_to_video_sandra_is_not_offered_video_until_she_says_yes_again(
    sandra_web: FlaskClient, db: Database
) -> None:
    with db.transaction() as s:
        sandra, anna = s.scalar(select(Client)), s.scalar(select(Staff))
        visit_id = make_visit(s, sandra, anna, at("2026-05-05T10:00")).id
        record_video_consent(s, sandra, anna, NOW)
        withdraw_video_consent(s, sandra.id, NOW)
        sandra_id, anna_id = sandra.id, anna.id
    no_video = "Du har sagt nej till video. Vill du ha video? Säg det till din personal."
    with time_machine.travel(NOW, tick=False):
        how = sandra_web.get("/boka/hur?dag=imorgon")
        assert "Hembesök" in how.text and "Telefon" in how.text
        assert "satt=video" not in how.text and no_video in how.text
        assert no_video in sandra_web.get("/boka/tider?dag=imorgon&satt=video").text
        start = int(at("2026-05-05T13:00").timestamp())
        url = f"/boka/bekrafta?start={start}&personal={anna_id}&satt=video"
        refused = post_form(sandra_web, url, {}, page=url)
        assert refused.status_code == 400 and no_video in refused.text
        visit_page = sandra_web.get(f"/boka/besok/{visit_id}").text
        assert "Byt till telefon" in visit_page and "Byt till video" not in visit_page
        page = f"/boka/besok/{visit_id}"
        switched = post_form(sandra_web, f"{page}/satt", {"satt": "video"}, page)
        assert switched.status_code == 400 and no_video in switched.text
        offer = sandra_web.get(f"/boka/besok/{visit_id}/avboka").text
        assert "Ring mig i stället" in offer and "Video i stället" not in offer
        instead = post_form(sandra_web, f"{page}/i-stallet", {"val": "video"}, page)
        assert instead.status_code == 400
    with db.transaction() as s:
        assert s.get(Visit, visit_id).channel is Channel.HOME
        assert len(s.scalars(select(Visit)).all()) == 1
        record_video_consent(s, s.get(Client, sandra_id), s.get(Staff, anna_id), NOW)
    with time_machine.travel(NOW, tick=False):  # she said yes again to her worker
        how = sandra_web.get("/boka/hur?dag=imorgon")
        assert "satt=video" in how.text and no_video not in how.text
