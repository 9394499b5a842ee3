"""Issue 16 end to end in real Chromium, every step through its own page: Sandra answers "Hur går
det?" on her phone, Anna rates the same areas after talking with her, and eight weeks later both
again and Sandra answers the survey before the follow-up; Karin opens the follow-up and sees both
ratings over time, who rated and when, and the survey in its own words, and prints the PDF.

Only the people, the order and its follow-up date are written by SQL. The eight weeks pass with
time-machine (the server runs in this process, so it moves too); everyone signs in again after.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from models import (
    Database,
    GrantPeriod,
    LifeArea,
    Order,
    OrderGoal,
    Role,
    ensure_life_areas,
    utcnow,
)
from portal.ratings.views import STEP_TEXTS
from tests.browser.conftest import LiveServer
from tests.browser.steps import sign_in_client, staff_window
from tests.factories import make_client, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: The follow-up is this many days ahead; the second round is in its last week.
FOLLOW_UP_IN, LATER = 60, 57
#: Area key → (Sandra's step, Anna's step), first round then second round.
FIRST = {"home": (2, 3), "money": (3, 3), "health": (1, 2)}
SECOND = {"home": (4, 4), "money": (4, 3), "health": (3, 3)}
#: The survey as Sandra answers it: the link she taps on each question's page, in order.
SURVEY = [
    ("Fungerar det bra med din boendestödjare?", "Ja"),
    ("Kan du säga vad du tycker?", "Ibland"),
    ("Händer det att du avbokar?", "Nej, aldrig"),
    ("Vad kan hjälpa dig att inte avboka?", "Att vi pratar på video"),
    ("Får du hjälp en dålig dag?", "Ja"),
]


def _step(step: int) -> str:
    return f"{step}. {STEP_TEXTS[step - 1]}"


@contextmanager
def _phone(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, base_url=live.url,
                                  locale="sv-SE", has_touch=True, is_mobile=True)  # fmt: skip
    try:
        page = context.new_page()
        sign_in_client(page, "070-000 00 01")
        expect(page.get_by_role("heading", name="Hej Sandra!")).to_be_visible()
        yield page
    finally:
        context.close()


def _sandra_rates(phone: Page, names: dict[str, str], steps: dict[str, tuple[int, int]]) -> None:
    """From the start page's prompt through one page per area, as Sandra taps."""
    phone.goto("/min-dag")
    phone.get_by_role("link", name="Hur går det? Vi vill gärna veta. Tryck här.").click()
    phone.locator('a[href="/hur-gar-det/1"]').click()
    by_name = {names[key]: mine for key, (mine, _) in steps.items()}
    for number in range(1, len(steps) + 1):
        expect(phone).to_have_url(re.compile(f"/hur-gar-det/{number}$"))
        area = phone.get_by_role("heading", level=1).inner_text()
        phone.get_by_role("button", name=STEP_TEXTS[by_name[area] - 1]).click()
    expect(phone).to_have_url(re.compile("/hur-gar-det/klart$"))


def _anna_rates(
    browser: Browser, live: LiveServer, secret: str, record: str, names: dict[str, str],
    steps: dict[str, tuple[int, int]],
) -> None:  # fmt: skip
    page = staff_window(browser, live.url, "anna", secret)
    page.goto(record)
    page.get_by_role("link", name="Hur går det? Skattning").click()
    for key, (_, hers) in steps.items():
        area = page.locator("fieldset").filter(has=page.locator("legend", has_text=names[key]))
        area.get_by_label(_step(hers)).check()
    page.get_by_role("button", name="Spara skattningen").click()
    expect(page.get_by_text("Din skattning är sparad.")).to_be_visible()
    page.context.close()


def test_both_ratings_over_time_and_the_survey_reach_the_follow_up_and_its_pdf(
    browser: Browser, live: LiveServer, db: Database
) -> None:
    today = utcnow().astimezone(STOCKHOLM).date()
    follow_up_on = today + timedelta(days=FOLLOW_UP_IN)
    with db.transaction() as s:
        ensure_life_areas(s)
        anna = make_staff(s, "anna")
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, "Sandra", "Berg", workers=[anna], caseworker=karin,
                             phone="+46700000001")  # fmt: skip
        areas = {a.key: a for a in s.scalars(select(LifeArea).where(LifeArea.key.in_(FIRST)))}
        order = Order(client_id=sandra.id, caseworker_id=karin.id, starts_on=today,
                      ends_on=today + timedelta(days=300), minutes=240, per=GrantPeriod.WEEK,
                      follow_up_on=follow_up_on)  # fmt: skip
        order.goals = [OrderGoal(life_area_id=areas[k].id, text=f"Mål {k}") for k in FIRST]
        s.add(order)
        names = {key: area.name("sv") for key, area in areas.items()}
        record = f"/personal/klient/{sandra.id}"
        secrets = {"anna": anna.totp_secret, "karin": karin.totp_secret}

    with _phone(browser, live) as phone:
        _sandra_rates(phone, names, FIRST)
        expect(phone.locator('main a[href="/hur-gar-det/fragor"]')).to_have_count(0)  # not yet
    _anna_rates(browser, live, secrets["anna"], record, names, FIRST)

    with time_machine.travel(utcnow() + timedelta(days=LATER)):
        later = utcnow().astimezone(STOCKHOLM).date()
        with _phone(browser, live) as phone:
            _sandra_rates(phone, names, SECOND)
            phone.locator('main a[href="/hur-gar-det/fragor"]').click()
            for question, answer in SURVEY:
                expect(phone.get_by_role("heading", name=question)).to_be_visible()
                phone.locator("ul.answers").get_by_role("link", name=answer, exact=True).click()
            phone.locator('button[name="named"][value="1"]').click()
            expect(phone.get_by_text("Tack för dina svar!")).to_be_visible()
        _anna_rates(browser, live, secrets["anna"], record, names, SECOND)

        karin_page = staff_window(browser, live.url, "karin", secrets["karin"])
        karin_page.goto(record)
        karin_page.get_by_role("link", name="Uppföljning").click()
        _sees_the_follow_up(karin_page, names, today, later, follow_up_on)
        pdf = karin_page.request.get(
            karin_page.get_by_role("link", name="Utskrift (PDF) till mötet").get_attribute("href")
        )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(pdf.body())).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Uppföljning för Sandra Berg" in text
    assert text.count("(Anna Testsson)") == 2 * len(FIRST)
    for question, answer in SURVEY:
        assert f"{question} {answer}" in text, question


def _sees_the_follow_up(
    page: Page, names: dict[str, str], today: date, later: date, follow_up_on: date
) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning för Sandra Berg")
    for key, name in names.items():
        chart = page.locator("figure.chart").filter(has=page.locator("figcaption", has_text=name))
        # One line per source, never one averaged: the client's solid, the worker's dashed.
        expect(chart.locator("svg polyline")).to_have_count(2)
        expect(chart.locator("svg polyline[stroke-dasharray]")).to_have_count(1)
        expect(chart.locator("svg circle")).to_have_count(2)  # Sandra's two answers
        expect(chart.locator("svg rect")).to_have_count(2)  # Anna's two ratings
        # The table beside it says when each rating was made, and by whom.
        rows = page.locator("table").filter(
            has=page.locator("caption", has_text=name)
        ).locator("tbody tr")  # fmt: skip
        expected = []
        for day, steps in ((today, FIRST[key]), (later, SECOND[key])):
            expected += [f"{day} {_step(steps[0])}", f"{day} {_step(steps[1])} (Anna Testsson)"]
        expect(rows).to_have_count(4)
        assert [" ".join(r.split()) for r in rows.all_inner_texts()] == expected
    survey = page.locator("section").filter(has=page.get_by_role("heading", name="Klientens enkät"))
    expect(survey.get_by_role("heading", level=3)).to_have_text(
        f"Inför uppföljningen {follow_up_on}"
    )
    expect(survey.get_by_text("med namn till enheten")).to_be_visible()
    for question, answer in SURVEY:
        dt = survey.locator("dt", has_text=question)
        expect(dt).to_have_count(1)
        expect(dt.locator("xpath=following-sibling::dd[1]")).to_have_text(answer)
