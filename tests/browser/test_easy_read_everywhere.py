"""The easy-read bars hold on the client pages of booking, light support and calls too."""

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from models import Channel, Database, utcnow
from portal.lightsupport.catalogue import ensure_defaults
from tests.browser.conftest import LiveServer
from tests.browser.easyread import check_easy_read
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import device_token

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_booking_help_and_call_pages_pass_axe_lix_weight_and_targets(
    browser: Browser, live: LiveServer, db: Database
) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        anna = make_staff(s, "anna", photo="photos/anna.svg")
        sandra = make_client(s, workers=[anna], phone="+46700000001")
        make_decision(s, sandra)
        make_visit(s, sandra, anna, start=utcnow() + timedelta(days=2), channel=Channel.VIDEO)
        sandra_id = sandra.id
    context = browser.new_context(base_url=live.url, viewport={"width": 360, "height": 640})
    context.add_cookies([{"name": "device", "value": device_token(db, sandra_id), "url": live.url}])
    phone = context.new_page()
    for path in (
        "/hjalp",
        "/hjalp?vad=talk",
        "/hjalp?vad=talk&nar=idag",
        "/hjalp?vad=talk&nar=veckan&hur=video",
        "/boka",
        "/ring",
        "/fraga",
    ):
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        check_easy_read(phone)
    context.close()
