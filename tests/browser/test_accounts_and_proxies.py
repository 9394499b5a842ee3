"""From the admin console to a proxy's phone, in real Chromium: an admin creates a caseworker,
who enrols through the one-time link and signs in with the code from the secret; the caseworker
adds a proxy allowed only to see visits, who signs in and sees only that; the consent is
withdrawn and the proxy is refused at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from models import Client, Database, Role, Staff, Unit, utcnow
from tests.browser.conftest import LiveServer
from tests.browser.steps import (
    add_proxy,
    create_account,
    enrol,
    sign_in_client,
    sign_in_staff,
)
from tests.factories import make_client, make_staff, make_visit

pytestmark = [pytest.mark.browser, pytest.mark.db]
PASSWORD_KAI = "kais eget långa lösenord"


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
    sign_in_staff(admin, "adam", adam_secret)
    admin.get_by_role("link", name="Admin").first.click()
    link = create_account(admin, "kai", "Kai", "Ek", "biståndshandläggare", "Norr")

    # Kai, on her own computer, opens the link.
    kai = browser.new_context(base_url=live.url).new_page()
    secret = enrol(kai, link, "Kai", PASSWORD_KAI)
    sign_in_staff(kai, "kai", secret, PASSWORD_KAI)
    expect(kai.get_by_role("heading", name="Öppna ärenden")).to_be_visible()

    # Nina's case comes to Kai (registering clients is another page's work).
    with db.transaction() as s:
        s.get(Client, nina_id).caseworker_id = s.query(Staff).filter_by(username="kai").one().id
    add_proxy(kai, "Nina", "Lars Larsson", "070-111 22 33", "anhörig", ["se besök"])

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
