"""Olle asks for help on his phone; Cecilia's open console shows it and she assigns it."""

import re
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from models import Channel, Database, RequestStatus, Role, SupportRequest, Visit, utcnow
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.requests import When, ask_for_help
from portal.lightsupport.scope import Scope
from tests.browser.conftest import LiveServer
from tests.browser.steps import sign_in_client, sign_in_staff
from tests.factories import make_client, make_decision, make_staff, make_visit

pytestmark = [pytest.mark.browser, pytest.mark.db]
OLLE = "+46700000002"


def test_olles_request_reaches_the_open_console_at_once_and_is_assigned_in_one_click(
    browser: Browser, live: LiveServer, db: Database, working_morning: datetime
) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", skills=["autism"], languages=["sv", "ar"])
        secret = make_staff(s, "cecilia", roles=[Role.COORDINATOR]).totp_secret
        make_client(s, "Olle", phone=OLLE, workers=[omar], needs=["autism"])

    console = browser.new_context(base_url=live.url).new_page()
    sign_in_staff(console, "cecilia", secret)
    expect(console.get_by_text("Inga förfrågningar väntar.")).to_be_visible()
    console.wait_for_function("window.io !== undefined")
    console.wait_for_timeout(500)  # the socket connects

    phone = browser.new_context(
        base_url=live.url, viewport={"width": 360, "height": 640}
    ).new_page()
    sign_in_client(phone, "070-000 00 02")
    phone.goto("/hjalp")
    phone.get_by_role("link", name="Prata en stund").click()
    phone.get_by_role("link", name="Idag").click()
    phone.get_by_role("link", name="Video").click()
    sent_at = time.monotonic()
    phone.get_by_role("button", name="Ja, skicka").click()
    expect(phone.get_by_role("heading", name="Tack! Vi har fått det.")).to_be_visible()

    card = console.locator(".request").filter(has_text="Olle")
    expect(card).to_be_visible(timeout=1000)
    arrived_after = time.monotonic() - sent_at
    assert arrived_after < 1.0, f"the request took {arrived_after:.2f} s to appear"
    expect(card).to_contain_text("känner Olle")
    card.get_by_role("button", name=re.compile("Tilldela Omar")).click()
    expect(console.get_by_text("Tilldelad. Klienten får ett sms.")).to_be_visible()

    messages = console.request.get("/dev/outbox.json").json()
    assert re.match(r"Omar ringer dig med video idag \d\d:\d\d", messages[0]["body"])
    assert messages[0]["to"] == OLLE
    with db.transaction() as s:
        request = s.scalar(select(SupportRequest))
        assert s.scalar(select(Visit.staff_id).where(Visit.request_id == request.id)) == omar.id


def _tomorrow_at(hour: int, zone) -> datetime:
    day = datetime.now(zone).date() + timedelta(days=1)
    return datetime.combine(day, dtime(hour), tzinfo=zone).astimezone(UTC)


def test_cecilia_moving_a_visit_onto_omars_booked_hour_reads_what_is_in_the_way(
    browser: Browser,
    live: LiveServer,
    db: Database,
    settings,
) -> None:
    with db.transaction() as s:
        omar = make_staff(s, "omar")
        secret = make_staff(s, "cecilia", roles=[Role.COORDINATOR]).totp_secret
        sandra = make_client(s, "Sandra", workers=[omar])
        olle = make_client(s, "Olle", workers=[omar])
        for client in (sandra, olle):
            make_decision(s, client)
        visit_id = make_visit(s, sandra, omar, _tomorrow_at(10, settings.zone)).id
        make_visit(s, olle, omar, _tomorrow_at(13, settings.zone))

    page = browser.new_context(
        base_url=live.url, viewport={"width": 1280, "height": 800}
    ).new_page()
    sign_in_staff(page, "cecilia", secret)
    page.goto(f"/personal/planering/besok/{visit_id}")
    page.get_by_label("Tid").fill("13:00")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Omar har redan ett besök 13:00–14:00 då.")
    expect(page.get_by_text("Något gick fel hos oss")).to_have_count(0)
    with db.transaction() as s:
        assert s.get(Visit, visit_id).planned_start == _tomorrow_at(10, settings.zone)


def test_cecilia_assigns_olles_talk_though_his_granted_time_is_used_up(
    browser: Browser,
    live: LiveServer,
    db: Database,
    settings,
) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar")
        secret = make_staff(s, "cecilia", roles=[Role.COORDINATOR]).totp_secret
        olle = make_client(s, "Olle", phone=OLLE, workers=[omar])
        make_decision(s, olle, minutes=60)
        for days in range(0, 21, 7):  # more than his 60 minutes booked, every week in reach
            make_visit(s, olle, omar, _tomorrow_at(7, settings.zone) + timedelta(days=days),
                       minutes=120)  # fmt: skip
        ask_for_help(
            s, olle, category_key="talk", when=When.DAY, channel=Channel.PHONE,
            day=_tomorrow_at(12, settings.zone).astimezone(settings.zone).date(),
            text=None, submission_key="olle-talk", now=utcnow(), zone=settings.zone,
            scope=Scope(),
        )  # fmt: skip

    console = browser.new_context(
        base_url=live.url, viewport={"width": 1280, "height": 800}
    ).new_page()
    sign_in_staff(console, "cecilia", secret)
    card = console.locator(".request").filter(has_text="Olle")
    card.get_by_role("button", name=re.compile("Tilldela Omar")).click()
    expect(console.get_by_text("Tilldelad. Klienten får ett sms.")).to_be_visible()
    expect(console.get_by_text("Du har redan bokat all tid")).to_have_count(0)
    with db.transaction() as s:
        assert s.scalar(select(SupportRequest.status)) is RequestStatus.ASSIGNED
