"""Karin handles an escalation raised by Sandra's cancellations, in real Chromium."""

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from models import Client, Database, Escalation, EscalationStatus, EscalationType, Role, utcnow
from portal.escalations import raise_escalation
from tests.browser.conftest import LiveServer
from tests.browser.steps import sign_in_staff
from tests.factories import make_client, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_karin_sees_the_escalation_arrive_then_takes_and_closes_it(
    browser: Browser, live: LiveServer, db: Database, settings
) -> None:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra_id = make_client(s, "Sandra", workers=[anna], caseworker=karin).id
        secret = karin.totp_secret
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    sign_in_staff(page, "karin", secret)
    expect(page.get_by_text("Inga ärenden.")).to_be_visible()
    page.wait_for_function("window.io && document.querySelector('#live-escalations')")
    page.wait_for_timeout(500)  # let the socket connect

    # Booking notices Sandra's third cancellation while Karin's queue is open.
    with db.transaction() as s:
        raise_escalation(
            s,
            client=s.get(Client, sandra_id),
            kind=EscalationType.REPEATED_CANCELLATIONS,
            reason="Sandra har avbokat tre gånger på 30 dagar.",
            source="booking",
            now=utcnow(),
            zone=settings.zone,
            evidence=[{"kind": "cancellation", "visit_id": i} for i in (11, 12, 13)],
        )
    live_link = page.locator("#live-escalations a")
    expect(live_link).to_contain_text("upprepade avbokningar", timeout=5000)
    live_link.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sandra")
    expect(page.locator(f'.evidence a[href="/personal/klient/{sandra_id}/besok/12"]')).to_have_text(
        "Avbokade ett besök (annat)."
    )
    page.get_by_role("button", name="Ta ärendet").click()
    expect(page.locator(".facts")).to_contain_text("tagen")
    page.get_by_label("Utfall").select_option("follow_up_meeting")
    page.get_by_role("button", name="Avsluta", exact=True).click()
    expect(page.get_by_text("Skriv en kort motivering.").first).to_be_visible()
    page.get_by_label("Motivering").fill("Vi ses på video med Anna nästa vecka.")
    page.get_by_role("button", name="Avsluta", exact=True).click()
    expect(page.get_by_text("Ärendet är avslutat.")).to_be_visible()
    context.close()
    with db.transaction() as s:
        escalation = s.scalar(select(Escalation))
        assert escalation.status is EscalationStatus.CLOSED
        assert escalation.resolution == "Vi ses på video med Anna nästa vecka."
