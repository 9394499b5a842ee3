"""From intake to the client's day, in real Chromium: no SQL between the steps that staff take."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from models import Area, Client, Database, Decision, Role, Staff, Unit, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.easyread import axe_violations
from tests.browser.steps import sign_in_client, staff_window
from tests.factories import make_staff, make_visit

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_a_new_client_registered_with_a_decision_gets_a_contact_worker_and_sees_her_day(
    browser: Browser, live: LiveServer, phone: Page, db: Database
) -> None:
    with db.transaction() as s:
        unit = Unit(name="Norr")
        s.add(unit)
        s.flush()
        s.add(Area(unit_id=unit.id, name="Centrum", lat=59.33, lon=18.06))
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], unit_id=unit.id)
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=unit.id)
        make_staff(s, "anna", unit_id=unit.id)
        secrets = {"karin": karin.totp_secret, "cecilia": cecilia.totp_secret}

    # Karin registers Hanna, with her first decision.
    page = staff_window(browser, live.url, "karin", secrets["karin"])
    page.goto("/personal/klientregister")
    page.get_by_role("link", name="Registrera en ny klient").click()
    page.get_by_label("Förnamn").fill("Hanna")
    page.get_by_label("Efternamn").fill("Ström")
    page.get_by_label("Personnummer eller samordningsnummer").fill("811228-9808")  # a typo
    page.get_by_label("Mobilnummer").fill("070-123 45 67")
    page.get_by_label("Område", exact=True).select_option(label="Centrum (Norr)")
    page.get_by_label("Registrera ett första beslut nu").check()
    today = date.today()
    page.get_by_label("Gäller från").fill(today.isoformat())
    page.get_by_label("Gäller till och med").fill((today + timedelta(days=365)).isoformat())
    page.get_by_label("Beviljad tid (minuter)").fill("240")
    page.get_by_role("button", name="Registrera klienten").click()
    expect(page.get_by_text("den sista siffran passar inte")).to_be_visible()
    expect(page.get_by_label("Förnamn")).to_have_value("Hanna")  # what she typed is kept
    assert axe_violations(page) == []
    page.get_by_label("Personnummer eller samordningsnummer").fill("811228-9809")
    page.get_by_role("button", name="Registrera klienten").click()
    expect(page.get_by_text("Hanna Ström är registrerad.")).to_be_visible()
    with db.transaction() as s:
        hanna = s.scalar(select(Client).where(Client.phone == "+46701234567"))
        assert (hanna.personal_number, hanna.lat) == ("198112289809", 59.33)
        assert s.scalar(select(Decision.granted_minutes).where(Decision.client_id == hanna.id))
        hanna_id = hanna.id

    # Cecilia, the unit's coordinator, makes Anna her contact worker.
    page = staff_window(browser, live.url, "cecilia", secrets["cecilia"])
    page.goto("/personal/klienter")
    page.get_by_role("link", name="Hanna Ström").click()
    expect(page.locator(".facts")).to_contain_text("19811228-****")  # masked for a coordinator
    page.get_by_role("link", name="Kontaktpersoner").click()
    assert axe_violations(page) == []
    page.get_by_label("Primär kontaktperson").select_option(label="Anna Testsson")
    page.get_by_role("button", name="Spara kontaktpersoner").click()
    expect(page.get_by_text("Kontaktpersonerna är sparade.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Anna Testsson")

    # Anna is booked to come soon (booking is not this page's task).
    with db.transaction() as s:
        anna = s.scalar(select(Staff).where(Staff.username == "anna"))
        make_visit(s, s.get(Client, hanna_id), anna, start=utcnow() + timedelta(minutes=10))

    # Hanna signs in with the code sent to her phone, and sees her day.
    sign_in_client(phone, "070-123 45 67")
    expect(phone.get_by_role("heading", name="Hej Hanna!")).to_be_visible()
    expect(phone.locator(".day")).to_contain_text("Anna")
