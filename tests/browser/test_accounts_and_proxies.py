"""From the admin console to a proxy's phone, in real Chromium: an admin creates a caseworker,
who enrols through the one-time link and signs in with the code from the secret; the caseworker
adds a proxy allowed only to see visits, who signs in and sees only that; the consent is
withdrawn and the proxy is refused at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from models import Client, Database, Role, Staff, Unit, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.test_coordinator_console import sign_in_client
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.db]
PASSWORD_KAI = "kais eget långa lösenord"


def _staff_sign_in(page: Page, username: str, password: str, secret: str) -> None:
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()


def test_admin_to_caseworker_to_proxy_and_back(
    browser: Browser, live: LiveServer, db: Database, phone: Page
) -> None:
    with db.transaction() as s:
        north = Unit(name="Norr")
        s.add(north)
        s.flush()
        adam = make_staff(s, "adam", roles=[Role.ADMIN], unit_id=north.id)
        nils = make_staff(s, "nils", unit_id=north.id)
        nina = make_client(s, "Nina", phone="+46700000001", workers=[nils], unit_id=north.id)
        make_visit(s, nina, nils, start=utcnow() + timedelta(days=1))
        adam_secret, nina_id = adam.totp_secret, nina.id

    admin = browser.new_context(base_url=live.url).new_page()
    _staff_sign_in(admin, "adam", PASSWORD, adam_secret)
    admin.get_by_role("link", name="Admin").first.click()
    admin.get_by_role("link", name="Nytt konto").click()
    admin.get_by_label("Användarnamn").fill("kai")
    admin.get_by_label("Förnamn").fill("Kai")
    admin.get_by_label("Efternamn").fill("Ek")
    admin.get_by_label("biståndshandläggare").check()
    admin.get_by_label("Enhet", exact=True).select_option(label="Norr")
    admin.get_by_role("button", name="Skapa konto").click()
    expect(admin.get_by_role("heading", name="Kontot för Kai Ek är skapat")).to_be_visible()
    link = admin.locator("#enrol-anchor").inner_text()

    # Kai, on her own computer, opens the link.
    kai = browser.new_context(base_url=live.url).new_page()
    kai.goto(link)
    expect(kai.get_by_role("heading", name="Hej Kai!")).to_be_visible()
    expect(kai.locator("figure.qr svg")).to_be_visible()
    secret = kai.locator("#totp-secret").inner_text()
    kai.get_by_label("Nytt lösenord").fill(PASSWORD_KAI)
    kai.get_by_label("Samma lösenord en gång till").fill(PASSWORD_KAI)
    kai.get_by_label("Koden som appen visar").fill(pyotp.TOTP(secret).now())
    kai.get_by_role("button", name="Spara").click()
    expect(kai.get_by_text("Klart. Logga in")).to_be_visible()
    _staff_sign_in(kai, "kai", PASSWORD_KAI, secret)
    expect(kai.get_by_role("heading", name="Öppna ärenden")).to_be_visible()

    # Nina's case comes to Kai (registering clients is another page's work).
    with db.transaction() as s:
        s.get(Client, nina_id).caseworker_id = s.query(Staff).filter_by(username="kai").one().id
    kai.get_by_role("link", name="Klienter").click()
    kai.get_by_role("link", name=re.compile("Nina")).first.click()
    kai.get_by_role("link", name="Ombud").click()
    kai.get_by_label("Namn").fill("Lars Larsson")
    kai.get_by_label("Mobilnummer").fill("070-111 22 33")
    kai.get_by_label("Vem är ombudet?").select_option(label="anhörig")
    kai.get_by_label("se besök").check()
    kai.get_by_label("Hur sa klienten ja?").select_option(label="personligen")
    kai.get_by_role("button", name="Lägg till ombud").click()
    expect(kai.get_by_text("Lars Larsson är ombud för Nina.")).to_be_visible()

    # Lars signs in on his phone: visits, and nothing else.
    sign_in_client(phone, "070-111 22 33")
    assert phone.url.endswith("/min-dag")
    expect(phone.get_by_role("link", name="Boka eller ändra")).to_have_count(0)
    expect(phone.get_by_role("link", name="Hur mår du?")).to_have_count(0)
    assert phone.goto("/mina-besok").status == 200
    assert phone.goto("/boka").status == 403

    # Nina takes it back; Lars's very next page is the sign-in page.
    kai.get_by_role("button", name="Återkalla allt").click()
    expect(kai.get_by_text("Får ingenting just nu.")).to_be_visible()
    phone.goto("/mina-besok")
    expect(phone.get_by_role("heading", name="Logga in")).to_be_visible()
    assert "/logga-in" in phone.url
