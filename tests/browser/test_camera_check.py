"""Testa kamera och ljud in real Chromium: the server's aiortc peer sends the tracks back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from models import Database
from portal.app import create_app
from portal.config import Settings
from tests.browser.video_support import ThreadServer, phone_page
from tests.factories import make_client

pytestmark = [pytest.mark.browser, pytest.mark.db]

#: A phone whose owner said no to the camera: asking for video fails, sound alone works.
DENY_CAMERA = """
const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (c) => c && c.video
  ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
  : real(c);
"""


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[ThreadServer]:
    def make(url: str) -> Flask:
        return create_app(settings.with_(public_url=url), db=db)

    with ThreadServer(make) as live:
        yield live
    live.app.extensions["boendestod.video.echo"].shutdown()
    live.app.extensions["boendestod.dispatcher"].shutdown()


def signed_in_sandra(browser: Browser, url: str, db: Database) -> Page:
    import re

    with db.transaction() as s:
        make_client(s, first_name="Sandra", phone="+46700000001")
    page = phone_page(browser, url)
    page.goto("/")
    page.get_by_label("Ditt mobilnummer").fill("070-000 00 01")
    page.get_by_role("button", name="Skicka kod").click()
    inbox = page.context.new_page()
    inbox.goto("/dev/outbox")
    code = re.search(r"\d{6}", inbox.locator(".bubble .body").first.inner_text()).group(0)
    inbox.close()
    page.get_by_label("Koden från sms:et").fill(code)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/min-dag")
    return page


def test_sandra_sees_herself_through_the_server_and_gets_an_easy_answer(
    browser: Browser, server: ThreadServer, db: Database
) -> None:
    page = signed_in_sandra(browser, server.url, db)
    page.goto("/ring")
    page.get_by_role("link", name="Testa kamera och ljud").click()
    page.get_by_role("button", name="Starta testet").click()
    expect(page.get_by_role("status")).to_have_text("Vi ser dig och hör dig.", timeout=30000)
    echoed = page.evaluate(
        "() => { const v = document.querySelector('video.echo');"
        " return {w: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames}; }"
    )
    assert echoed["w"] > 0 and echoed["frames"] > 3
    page.context.close()


def test_with_the_camera_denied_the_check_says_so_and_sound_still_works(
    browser: Browser, server: ThreadServer, db: Database
) -> None:
    page = signed_in_sandra(browser, server.url, db)
    page.add_init_script(DENY_CAMERA)
    page.goto("/ring/test")
    page.get_by_role("button", name="Starta testet").click()
    expect(page.get_by_role("status")).to_have_text(
        "Vi ser dig inte. Är kameran på? Vi hör dig. Du kan prata med oss utan bild.",
        timeout=30000,
    )
    page.context.close()
