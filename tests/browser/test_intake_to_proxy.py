"""The whole road from an empty unit to a proxy's refusal, in real Chromium, every step through
the pages (issue 15): the admin creates a caseworker and a worker, who enrol through their
one-time links; the caseworker registers Hanna with a decision; the coordinator makes the worker
her contact person, sets the worker's weekly hours and books her visit; Hanna signs in with an SMS
code and sees who is coming; a proxy is added, signs in and sees only what Hanna allowed; the
consent is withdrawn and the proxy is refused at once.

Only the admin, the coordinator and the unit with its area are made by SQL, before the first
step: someone must exist first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect

from models import Area, Database, Role, Unit
from tests.browser.conftest import LiveServer
from tests.browser.steps import (
    add_proxy,
    create_account,
    enrol,
    sign_in_client,
    sign_in_staff,
)
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]
KARIN_PASSWORD = "karins eget långa lösenord"
ANNA_PASSWORD = "annas eget långa lösenord"


def _staff_page(browser: Browser, live: LiveServer) -> Page:
    return browser.new_context(
        base_url=live.url, viewport={"width": 1280, "height": 800}
    ).new_page()


def test_from_an_empty_unit_to_a_proxy_refused_all_through_the_pages(
    browser: Browser,
    live: LiveServer,
    phone: Page,
    db: Database,
    working_morning: datetime,
) -> None:
    today = working_morning.date().isoformat()
    with db.transaction() as s:
        north = Unit(name="Norr")
        s.add(north)
        s.flush()
        s.add(Area(unit_id=north.id, name="Centrum", lat=59.33, lon=18.06))
        adam = make_staff(s, "adam", roles=[Role.ADMIN], unit_id=north.id)
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=north.id)
        secrets = {"adam": adam.totp_secret, "cecilia": cecilia.totp_secret}

    # Adam, the admin, creates Karin (caseworker) and Anna (worker); each enrols.
    admin = _staff_page(browser, live)
    sign_in_staff(admin, "adam", secrets["adam"])
    karin_link = create_account(admin, "karin", "Karin", "Lund", "biståndshandläggare", "Norr")
    anna_link = create_account(admin, "anna", "Anna", "Berg", "boendestödjare", "Norr")
    karin, anna = _staff_page(browser, live), _staff_page(browser, live)
    secrets["karin"] = enrol(karin, karin_link, "Karin", KARIN_PASSWORD)
    secrets["anna"] = enrol(anna, anna_link, "Anna", ANNA_PASSWORD)

    # Karin registers Hanna, with her first decision.
    sign_in_staff(karin, "karin", secrets["karin"], KARIN_PASSWORD)
    expect(karin.get_by_role("heading", name="Öppna ärenden")).to_be_visible()
    karin.goto("/personal/klientregister")
    karin.get_by_role("link", name="Registrera en ny klient").click()
    karin.get_by_label("Förnamn").fill("Hanna")
    karin.get_by_label("Efternamn").fill("Ström")
    karin.get_by_label("Personnummer eller samordningsnummer").fill("811228-9809")
    karin.get_by_label("Mobilnummer").fill("070-123 45 67")
    karin.get_by_label("Område", exact=True).select_option(label="Centrum (Norr)")
    karin.get_by_label("Registrera ett första beslut nu").check()
    karin.get_by_label("Gäller från").fill(today)
    karin.get_by_label("Gäller till och med").fill(
        (working_morning.date() + timedelta(days=365)).isoformat()
    )
    karin.get_by_label("Beviljad tid (minuter)").fill("240")
    karin.get_by_role("button", name="Registrera klienten").click()
    expect(karin.get_by_text("Hanna Ström är registrerad.")).to_be_visible()

    # Cecilia makes Anna Hanna's contact person, and sets Anna's weekly hours.
    cecilia = _staff_page(browser, live)
    sign_in_staff(cecilia, "cecilia", secrets["cecilia"])
    cecilia.goto("/personal/klienter")
    cecilia.get_by_role("link", name="Hanna Ström").click()
    cecilia.get_by_role("link", name="Kontaktpersoner").click()
    cecilia.get_by_label("Primär kontaktperson").select_option(label="Anna Berg")
    cecilia.get_by_role("button", name="Spara kontaktpersoner").click()
    expect(cecilia.get_by_text("Kontaktpersonerna är sparade.")).to_be_visible()
    expect(cecilia.locator(".facts")).to_contain_text("Anna Berg")
    cecilia.goto("/personal/planering")
    cecilia.get_by_role("link", name="Anna Berg").click()
    weekday = cecilia.get_by_role("group", name=format_date(working_morning, "EEEE", "sv").title())
    weekday.get_by_label("Från", exact=True).first.fill("08:00")
    weekday.get_by_label("Till", exact=True).first.fill("20:00")
    cecilia.get_by_role("button", name="Spara arbetstider").click()
    expect(cecilia.get_by_text("Arbetstiderna är sparade.")).to_be_visible()

    # Hanna signs in with the code sent to her phone: nobody is coming yet.
    sign_in_client(phone, "070-123 45 67")
    expect(phone.get_by_role("heading", name="Hej Hanna!")).to_be_visible()
    expect(phone.get_by_text("Inga besök idag.")).to_be_visible()

    # Cecilia books Anna to come to Hanna's home at 10:30, from Hanna's page.
    cecilia.goto("/personal/klienter")
    cecilia.get_by_role("link", name="Hanna Ström").click()
    cecilia.get_by_role("link", name="Boka ett besök").click()
    cecilia.get_by_label("Boendestödjare").select_option(label="Anna Berg")
    expect(cecilia.get_by_label("Dag", exact=True)).to_have_value(today)
    cecilia.get_by_label("Tid", exact=True).fill("10:30")
    cecilia.get_by_label("Hur", exact=True).select_option(label="hembesök")
    cecilia.get_by_role("button", name="Boka besöket").click()
    expect(cecilia.get_by_text("Besöket är bokat. Hanna ser det under Min dag.")).to_be_visible()
    expect(cecilia.get_by_role("link", name="10:30 Hanna")).to_be_visible()

    # Hanna's day says who is coming, and Anna's day says whom she visits.
    phone.goto("/min-dag")
    expect(phone.locator(".day")).to_contain_text("10:30 Anna kommer hem till dig.")
    sign_in_staff(anna, "anna", secrets["anna"], ANNA_PASSWORD)
    anna.goto("/personal/idag")
    expect(anna.get_by_text("Hanna Ström")).to_be_visible()

    # Karin adds Lars, allowed to see visits and nothing else.
    add_proxy(karin, "Hanna", "Lars Larsson", "070-111 22 33", "anhörig", ["se besök"])

    # Lars signs in on his own phone: Hanna's visits, and nothing else.
    lars = browser.new_context(
        base_url=live.url, viewport={"width": 360, "height": 640}, is_mobile=True
    ).new_page()
    sign_in_client(lars, "070-111 22 33")
    expect(lars.get_by_text("Du är inloggad som Lars Larsson.")).to_be_visible()
    expect(lars.locator(".day")).to_contain_text("Anna kommer hem till dig.")
    expect(lars.get_by_role("link", name="Skriv till mitt stöd")).to_have_count(0)
    expect(lars.get_by_role("link", name="Boka eller ändra")).to_have_count(0)
    assert lars.goto("/mina-besok").status == 200
    assert lars.goto("/skriv").status == 403
    assert lars.goto("/boka").status == 403

    # Hanna takes it back; Lars's very next page is the sign-in page.
    karin.get_by_role("button", name="Återkalla allt").click()
    expect(karin.get_by_text("Får ingenting just nu.")).to_be_visible()
    lars.goto("/mina-besok")
    expect(lars.get_by_role("heading", name="Logga in")).to_be_visible()
    assert "/logga-in" in lars.url
    # Hanna herself is still signed in and still sees her day.
    phone.goto("/min-dag")
    expect(phone.locator(".day")).to_contain_text("Anna kommer hem till dig.")
