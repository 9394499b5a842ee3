"""Olle asks for help on his phone; Cecilia's open console shows it and she assigns it."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from models import Database, Role, SupportRequest, Visit
from portal.lightsupport.catalogue import ensure_defaults
from tests.browser.conftest import LiveServer
from tests.factories import make_client, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]
OLLE = "+46700000002"


def sign_in_staff(page: Page, username: str, secret: str) -> None:
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("correct horse battery")
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()


def sign_in_client(page: Page, phone_typed: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("Ditt mobilnummer").fill(phone_typed)
    page.get_by_role("button", name="Skicka kod").click()
    body = page.request.get("/dev/outbox.json").json()[0]["body"]
    page.get_by_label("Koden från sms:et").fill(re.search(r"\d{6}", body).group(0))
    page.get_by_role("button", name="Logga in").click()


def test_olles_request_reaches_the_open_console_at_once_and_is_assigned_in_one_click(
    browser: Browser, live: LiveServer, db: Database
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
    assert re.match(r"Omar ringer dig med video (idag|i morgon) \d\d:\d\d", messages[0]["body"])
    assert messages[0]["to"] == OLLE
    with db.transaction() as s:
        request = s.scalar(select(SupportRequest))
        assert s.scalar(select(Visit.staff_id).where(Visit.request_id == request.id)) == omar.id
