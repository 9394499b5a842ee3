"""Sandra books, moves, nearly cancels and switches to video on a small phone, in Chromium."""

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Channel, Database, Visit, VisitStatus
from tests.browser.steps import sign_in_client
from tests.factories import make_client, make_decision, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]
STHLM = ZoneInfo("Europe/Stockholm")


def sign_in(phone: Page, number: str = "070-000 00 01") -> None:
    sign_in_client(phone, number)
    expect(phone.get_by_role("heading", name="Hej Sandra!")).to_be_visible()


def test_sandra_books_moves_takes_an_alternative_and_switches_to_video(
    phone: Page, db: Database
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna", first_name="Anna")
        omar = make_staff(s, "omar", first_name="Omar", hours=(time(7), time(8)))
        sandra = make_client(s, phone="+46700000001", workers=[anna, omar])
        make_decision(s, sandra, minutes=600)
        anna_id = anna.id
    sign_in(phone)

    # Boka: a day, a way, a time, yes.
    phone.goto("/boka")
    phone.get_by_role("link", name="I morgon").click()
    phone.get_by_role("link", name="Hembesök").click()
    times = phone.get_by_role("link", name=re.compile(r"\d\d:\d\d med "))
    assert 1 <= times.count() <= 5
    times.last.click()
    expect(phone.get_by_role("heading", name="Stämmer det?")).to_be_visible()
    phone.get_by_role("button", name="Ja, boka").click()
    expect(phone.get_by_text("Klart! Tiden är bokad.")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # Flytta: Anna stays.
    phone.get_by_role("link", name="Flytta").click()
    phone.get_by_role("link", name="Annan dag").click()
    phone.get_by_role("link").filter(has_text=re.compile(r"dag \d")).first.click()
    phone.get_by_role("link", name=re.compile(r"med Anna")).first.click()
    phone.get_by_role("button", name="Ja, flytta").click()
    expect(phone.get_by_text("Klart! Tiden är bokad.")).to_be_visible()

    # Avboka: the lighter alternatives come first; she takes a phone call instead.
    phone.get_by_role("link", name="Avboka").click()
    expect(phone.get_by_role("heading", name="Vill du göra något annat i stället?")).to_be_visible()
    phone.get_by_role("button", name="Ring mig i stället").click()
    expect(phone.get_by_text("Klart! Besöket är ändrat.")).to_be_visible()

    # Switch to video in one tap.
    phone.get_by_role("button", name="Byt till video").click()
    expect(phone.get_by_text("Video med Anna.")).to_be_visible()

    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
    assert visit.staff_id == anna_id and visit.status is VisitStatus.PLANNED
    assert visit.channel is Channel.VIDEO and visit.adjustment == "phone"
    assert visit.planned_start > datetime.now(UTC)
