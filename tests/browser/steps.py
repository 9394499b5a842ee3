"""Steps several browser tests take through the pages: an admin's new staff account and its
one-time enrolment, a staff sign-in with a TOTP code, a client's (or proxy's) sign-in with the
code read from the dev outbox."""

from __future__ import annotations

import re
import time

import phonenumbers
import pyotp
from playwright.sync_api import Browser, Page, expect

from tests.portal.helpers import PASSWORD

#: How long a sent SMS may take to show in the dev outbox on a busy machine.
SMS_WAIT_SECONDS = 10


def sign_in_staff(page: Page, username: str, secret: str, password: str = PASSWORD) -> None:
    """Sign in at the staff login with the password and the code an authenticator app shows."""
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile("/logga-in"))  # signed in before the next goto


def staff_window(browser: Browser, base_url: str, username: str, secret: str) -> Page:
    """A new browser window where ``username`` has signed in (the default test password)."""
    page = browser.new_context(base_url=base_url).new_page()
    sign_in_staff(page, username, secret)
    return page


def create_account(admin: Page, username: str, first: str, last: str, role: str, unit: str) -> str:
    """As a signed-in admin, create a staff account; return its one-time enrolment link."""
    admin.goto("/personal/admin")
    admin.get_by_role("link", name="Nytt konto").click()
    admin.get_by_label("Användarnamn").fill(username)
    admin.get_by_label("Förnamn").fill(first)
    admin.get_by_label("Efternamn").fill(last)
    admin.get_by_label(role, exact=True).check()
    admin.get_by_label("Enhet", exact=True).select_option(label=unit)
    admin.get_by_role("button", name="Skapa konto").click()
    expect(
        admin.get_by_role("heading", name=f"Kontot för {first} {last} är skapat")
    ).to_be_visible()
    return admin.locator("#enrol-anchor").inner_text()


def enrol(page: Page, link: str, first: str, password: str) -> str:
    """Open the enrolment link, choose a password, confirm the app's first code; return the
    TOTP secret the page showed (what the person's authenticator app now holds)."""
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Hej {first}!")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Nytt lösenord").fill(password)
    page.get_by_label("Samma lösenord en gång till").fill(password)
    page.get_by_label("Koden som appen visar").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Klart. Logga in")).to_be_visible()
    return secret


def _newest_sms_id(page: Page) -> int:
    messages = page.request.get("/dev/outbox.json").json()
    return max((m["id"] for m in messages), default=0)


def sms_code(page: Page, to: str, after: int = 0) -> str:
    """The six-digit code in the newest SMS to ``to`` (E.164) after message ``after``; waits
    for it, since other messages (an assignment, a reminder) may be sent around it."""
    deadline = time.monotonic() + SMS_WAIT_SECONDS
    while True:
        for m in page.request.get("/dev/outbox.json").json():  # newest first
            found = re.search(r"\b\d{6}\b", m["body"])
            if m["id"] > after and m["to"] == to and found:
                return found.group(0)
        assert time.monotonic() < deadline, f"no code was sent to {to}"
        page.wait_for_timeout(200)


def sign_in_client(page: Page, phone_typed: str) -> None:
    """Sign in as a client or proxy does: the number, then the code sent to it by SMS."""
    to = phonenumbers.format_number(
        phonenumbers.parse(phone_typed, "SE"), phonenumbers.PhoneNumberFormat.E164
    )
    before = _newest_sms_id(page)
    page.goto("/logga-in")
    page.get_by_label("Ditt mobilnummer").fill(phone_typed)
    page.get_by_role("button", name="Skicka kod").click()
    page.get_by_label("Koden från sms:et").fill(sms_code(page, to, after=before))
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile("/logga-in"))  # signed in before the next goto


def add_proxy(
    caseworker: Page, client: str, name: str, phone: str, relation: str, allowed: list[str]
) -> None:
    """From the client's record, add a proxy allowed ``allowed``, the client agreeing in person."""
    caseworker.get_by_role("link", name="Klienter").click()
    caseworker.get_by_role("link", name=re.compile(client)).first.click()
    caseworker.get_by_role("link", name="Ombud").click()
    caseworker.get_by_label("Namn").fill(name)
    caseworker.get_by_label("Mobilnummer").fill(phone)
    caseworker.get_by_label("Vem är ombudet?").select_option(label=relation)
    for feature in allowed:
        caseworker.get_by_label(feature).check()
    caseworker.get_by_label("Hur sa klienten ja?").select_option(label="personligen")
    caseworker.get_by_role("button", name="Lägg till ombud").click()
    expect(caseworker.get_by_text(f"{name} är ombud för {client}.")).to_be_visible()
