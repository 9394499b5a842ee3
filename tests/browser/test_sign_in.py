"""Signing in as a person would, in real Chromium on a phone-sized screen."""

import re

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from models import Database, Role
from tests.browser.conftest import LiveServer
from tests.factories import make_client, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_sandra_signs_in_with_the_code_she_reads_in_the_outbox(phone: Page, db: Database) -> None:
    with db.transaction() as s:
        make_client(s, first_name="Sandra", phone="+46700000001")
    phone.goto("/")
    expect(phone.get_by_role("heading", name="Logga in")).to_be_visible()
    phone.get_by_label("Ditt mobilnummer").fill("070-000 00 01")
    phone.get_by_role("button", name="Skicka kod").click()
    expect(phone.get_by_role("heading", name="Skriv koden")).to_be_visible()

    inbox = phone.context.new_page()
    inbox.goto("/dev/outbox")
    message = inbox.locator(".bubble .body").first.inner_text()
    code = re.search(r"\d{6}", message).group(0)
    inbox.close()

    phone.get_by_label("Koden från sms:et").fill(code)
    phone.get_by_role("button", name="Logga in").click()
    expect(phone.get_by_role("heading", name="Hej Sandra!")).to_be_visible()
    assert phone.url.endswith("/min-dag")
    # Nothing on the page is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The phone remembers her: a new visit to the site goes straight to her day.
    phone.goto("/")
    expect(phone.get_by_role("heading", name="Hej Sandra!")).to_be_visible()


def test_a_caseworker_signs_in_with_password_and_totp(
    browser: Browser, live: LiveServer, db: Database
) -> None:
    with db.transaction() as s:
        secret = make_staff(s, "karin", roles=[Role.CASEWORKER]).totp_secret
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill("correct horse battery")
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Öppna ärenden")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in som personal")).to_be_visible()
    context.close()
