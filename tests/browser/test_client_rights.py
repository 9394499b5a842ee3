"""Zelda's rights on a cheap phone (360×640): what we hold about her, and who read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from models import Database, Role, Unit, utcnow
from portal.access import audit_list, audit_read
from tests.browser.conftest import LiveServer
from tests.browser.easyread import check_easy_read, page_lix, visible_swedish_text
from tests.factories import make_staff
from tests.portal.full_client import make_full_client
from tests.portal.helpers import device_token

pytestmark = [pytest.mark.browser, pytest.mark.db]

#: These pages are held to a stricter readability than the kit's 30.
MAX_LIX = 25


@pytest.fixture
def zelda(db: Database) -> int:
    now = utcnow()
    with db.transaction() as s:
        unit = Unit(name="Norr")
        s.add(unit)
        s.flush()
        anna = make_staff(s, "anna", unit_id=unit.id)
        kim = make_staff(s, "kim", roles=[Role.CASEWORKER], unit_id=unit.id)
        make_staff(s, "mona", roles=[Role.MANAGER], unit_id=unit.id)
        client = make_full_client(s, "Zelda", "+46700000101", anna, kim, now, unit.id)
        audit_read(s, kim.id, client.id, "client.record", now - timedelta(days=1), None)
        audit_list(s, anna.id, [client.id], "visits.day", now - timedelta(hours=2), None)
        return client.id


def _sign_in(page: Page, live: LiveServer, db: Database, client_id: int) -> Page:
    page.context.add_cookies(
        [
            {
                "name": "device",
                "value": device_token(db, client_id=client_id),
                "url": live.url,
                "secure": True,
            }
        ]
    )
    return page


def _easy(page: Page) -> None:
    check_easy_read(page)
    score = page_lix(page)
    assert score <= MAX_LIX, f"LIX {score:.1f} on {page.url}:\n{visible_swedish_text(page)}"


def test_zelda_sees_what_we_hold_and_asks_about_a_reader(
    phone: Page, live: LiveServer, db: Database, zelda: int
) -> None:
    _sign_in(phone, live, db, zelda)
    phone.goto("/min-dag")
    phone.get_by_role("link", name="Mina uppgifter").click()
    expect(phone.get_by_role("heading", name="Mina uppgifter")).to_be_visible()
    expect(phone.get_by_text("Zelda var glad.")).to_be_visible()
    expect(phone.get_by_text("Du får 120 minuter stöd i veckan.")).to_be_visible()
    _easy(phone)

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Spara som sida").click()
    saved = download.value
    assert saved.suggested_filename.startswith("mina-uppgifter-")
    assert "Zeldaanteckning" in open(saved.path(), encoding="utf-8").read()

    phone.get_by_role("link", name="Vem har läst om mig?").click()
    expect(phone.get_by_role("heading", name="Vem har läst om mig?")).to_be_visible()
    expect(phone.get_by_text("En handläggare.")).to_be_visible()
    expect(phone.get_by_text("En lista med ditt namn.")).to_be_visible()
    _easy(phone)
    phone.get_by_role("button", name="Fråga").last.click()
    expect(phone.get_by_text("Tack! Vi har frågat chefen.")).to_be_visible()
    expect(phone.get_by_text("Du har frågat om det här.")).to_be_visible()
    _easy(phone)
    phone.get_by_role("link", name="Tillbaka").click()
    expect(phone.get_by_role("heading", name="Mina uppgifter")).to_be_visible()


def test_asking_about_a_reader_works_without_javascript(
    no_js_phone: Page, live: LiveServer, db: Database, zelda: int
) -> None:
    page = _sign_in(no_js_phone, live, db, zelda)
    page.goto("/vem-har-last")
    page.get_by_role("button", name="Fråga").first.click()
    expect(page.get_by_text("Tack! Vi har frågat chefen.")).to_be_visible()
