"""Sandra's tasks on a cheap phone (360×640), with the easy-read bars checked on every page."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from models import (
    Consent,
    ConsentKind,
    Database,
    Goal,
    GoalLevel,
    Plan,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Role,
    VisitStatus,
    utcnow,
)
from portal.lightsupport.catalogue import ensure_defaults
from tests.browser.conftest import LiveServer
from tests.browser.easyread import check_easy_read
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import device_token

pytestmark = [pytest.mark.browser, pytest.mark.db]


@pytest.fixture
def world(db: Database, working_morning: datetime) -> dict[str, int]:
    # A visit in half an hour is still "today" only before 23:30, so the clock is moved to a
    # working morning (a CI run at 23:31 Stockholm found "Inga besök idag").
    now = utcnow()
    with db.transaction() as s:
        anna = make_staff(s, "anna", phone="+46700000101", photo="photos/anna.svg")
        omar = make_staff(s, "omar")
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        sandra = make_client(s, workers=[anna, omar], phone="+46700000001")
        make_decision(s, sandra)  # booking needs a decision in force
        make_visit(s, sandra, anna, start=now + timedelta(minutes=30))
        done = make_visit(s, sandra, omar, start=now - timedelta(days=1), status=VisitStatus.DONE)
        done.actual_start, done.actual_end = done.planned_start, done.planned_end
        s.add(
            ReminderRule(
                client_id=sandra.id,
                text="Ta din medicin",
                channel=ReminderChannel.SMS,
                recurrence=Recurrence.DAILY,
                local_time=time(8),
            )
        )
        plan = Plan(client_id=sandra.id, version=1, written_by_id=anna.id)
        plan.goals = [
            Goal(position=0, client_words="Jag vill handla själv.", level=GoalLevel.WITH_SUPPORT),
            Goal(position=1, client_words="Jag vill städa.", level=GoalLevel.MORE_INDEPENDENT),
        ]
        consent = Consent(client_id=sandra.id, kind=ConsentKind.PROXY_ACCESS, scope="Besök")
        s.add_all([plan, consent])
        s.flush()
        lars = Proxy(
            client_id=sandra.id,
            name="Lars Nilsson",
            phone="+46700000003",
            relation=ProxyRelation.GOD_MAN,
            can_see_visits=True,
            consent_id=consent.id,
        )
        s.add(lars)
        s.flush()
        return {"sandra": sandra.id, "lars": lars.id}


def signed_in(page: Page, live: LiveServer, db: Database, **who: int) -> Page:
    page.context.add_cookies(
        [{"name": "device", "value": device_token(db, **who), "url": live.url, "secure": True}]
    )
    return page


def test_sandra_walks_through_her_portal_on_a_small_phone(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    signed_in(phone, live, db, client_id=world["sandra"])
    phone.goto("/min-dag")
    expect(phone.get_by_role("heading", name="Hej Sandra!")).to_be_visible()
    expect(phone.get_by_text("Anna kommer hem till dig.")).to_be_visible()
    expect(phone.get_by_text("Ta din medicin")).to_be_visible()
    expect(phone.get_by_role("button", name="Läs upp")).to_be_visible()  # its script ran
    check_easy_read(phone)

    phone.get_by_role("link", name="Hur mår du?").click()
    expect(phone.get_by_role("heading", name="Hur mår du?")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("button", name="Jag mår dåligt").click()
    expect(phone.get_by_text("Anna ringer dig snart.")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("link", name="Till start").click()

    phone.get_by_role("link", name="Mina mål").click()
    expect(phone.get_by_text("Jag vill handla själv.")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("button", name="Jag håller med").click()
    expect(phone.get_by_text("Du sa ja till planen")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("link", name="Tillbaka").click()

    phone.get_by_role("link", name="Mina besök").click()
    expect(phone.get_by_text("Omar var här")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("link", name="Tillbaka").click()

    phone.get_by_role("link", name="Skriv till mitt stöd").click()
    check_easy_read(phone)
    phone.get_by_role("button", name="Skicka").click()
    expect(phone.get_by_text("Du har inte skrivit något.")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_label("Skriv till Anna").fill("Kan du ringa mig i kväll?")
    phone.get_by_role("button", name="Skicka").click()
    expect(phone.get_by_text("Ditt meddelande är skickat.")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_role("link", name="Tillbaka").click()

    phone.get_by_role("link", name="Mina påminnelser").click()
    check_easy_read(phone)
    phone.get_by_role("link", name="Ny påminnelse").click()
    check_easy_read(phone)
    phone.get_by_role("button", name="Spara påminnelsen").click()
    expect(phone.get_by_text("Välj vad du vill komma ihåg.")).to_be_visible()
    check_easy_read(phone)
    phone.get_by_label("Tvätta").check()
    phone.get_by_label("I morgon").check()
    phone.get_by_label("Klockan").fill("10:00")
    phone.get_by_label("Här i appen").check()
    phone.get_by_role("button", name="Spara påminnelsen").click()
    expect(phone.get_by_text("Påminnelsen är sparad.")).to_be_visible()
    expect(phone.get_by_text("Du ser den här i appen.")).to_be_visible()
    check_easy_read(phone)

    phone.get_by_role("link", name="Om tillgänglighet").click()
    expect(phone.get_by_role("heading", name="Om tillgänglighet")).to_be_visible()
    check_easy_read(phone)


def test_the_core_tasks_work_without_javascript(
    no_js_phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    page = signed_in(no_js_phone, live, db, client_id=world["sandra"])
    page.goto("/min-dag")
    expect(page.get_by_role("button", name="Läs upp")).to_be_hidden()  # nothing that can't work
    page.get_by_role("link", name="Hur mår du?").click()
    page.get_by_role("button", name="Sådär").click()
    expect(page.get_by_text("Du mår sådär.")).to_be_visible()
    page.goto("/mina-mal")
    page.get_by_role("button", name="Jag håller med").click()
    expect(page.get_by_text("Du sa ja till planen")).to_be_visible()
    page.goto("/skriv")
    page.get_by_label("Skriv till Anna").fill("Hej!")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("Ditt meddelande är skickat.")).to_be_visible()
    page.goto("/paminnelser/ny")
    page.get_by_label("Handla mat").check()
    page.get_by_label("Varje dag").check()
    page.get_by_label("Klockan").fill("16:00")
    page.get_by_label("Sms").check()
    page.get_by_role("button", name="Spara påminnelsen").click()
    expect(page.get_by_text("Varje dag kl 16:00")).to_be_visible()


def test_a_guardian_sees_the_visits_but_is_told_clearly_what_only_sandra_may_do(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    signed_in(phone, live, db, proxy_id=world["lars"])
    phone.goto("/min-dag")
    expect(phone.get_by_text("Du är inloggad som Lars Nilsson.")).to_be_visible()
    expect(phone.get_by_role("link", name="Hur mår du?")).to_have_count(0)
    check_easy_read(phone)
    phone.goto("/mina-mal")
    expect(phone.get_by_text("Det här får bara Sandra göra.")).to_be_visible()
    check_easy_read(phone)


def test_arabic_pages_read_right_to_left(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    signed_in(phone, live, db, client_id=world["sandra"])
    phone.goto("/min-dag")
    phone.get_by_role("button", name="العربية").click()
    expect(phone.get_by_role("heading", name="مرحبًا Sandra!")).to_be_visible()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    home = phone.get_by_role("link", name="البداية").bounding_box()
    logout = phone.get_by_role("button", name="خروج").bounding_box()
    assert home["x"] > logout["x"]  # "Start" sits on the right, as Arabic readers expect
    check_easy_read(phone, swedish=False)
    phone.get_by_role("link", name="كيف حالك؟").click()
    check_easy_read(phone, swedish=False)


def latin_words(page: Page, names: tuple[str, ...]) -> list[str]:
    """Words in Latin letters in the page's main text, apart from people's names."""
    text = page.locator("main").inner_text()
    return [w for w in re.findall(r"[A-Za-zÅÄÖåäöÉé]{2,}", text) if w not in names]


def test_booking_and_help_pages_read_right_to_left_in_arabic(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
    signed_in(phone, live, db, client_id=world["sandra"])
    phone.goto("/boka")
    phone.get_by_role("button", name="العربية").click()
    expect(phone.get_by_role("heading", name="احجز موعدًا", level=1)).to_be_visible()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    expect(phone.get_by_role("link", name="يوم آخر")).to_be_visible()
    assert latin_words(phone, ("Anna", "Omar")) == []  # no Swedish left on the page
    phone.get_by_role("link", name="اليوم", exact=True).click()
    expect(phone.get_by_role("heading", name="كيف تريد المساعدة؟", level=1)).to_be_visible()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    assert latin_words(phone, ()) == []
    check_easy_read(phone, swedish=False)
    phone.goto("/hjalp")
    expect(phone.get_by_role("heading", name="بماذا تحتاج المساعدة؟", level=1)).to_be_visible()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    expect(phone.get_by_role("link", name="حديث قصير")).to_be_visible()
    assert latin_words(phone, ()) == []
    check_easy_read(phone, swedish=False)
