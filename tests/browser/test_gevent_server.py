"""The parts that do not speak gevent, in a process served as `serve` serves PostgreSQL.

The camera check's aiortc loop needs a real OS thread under gevent (``reminders.osthreads``):
here Sandra's check runs in a gevent-served process while its pages keep answering.
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from models import Database
from tests.browser.test_camera_check import signed_in_sandra
from tests.browser.video_support import gunicorn_app

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_the_camera_check_works_under_gevent_and_pages_answer_meanwhile(
    browser: Browser, database_url: str, db: Database
) -> None:
    if not db.is_postgres:
        pytest.skip("gevent serves PostgreSQL only")
    with gunicorn_app(database_url) as url:
        page = signed_in_sandra(browser, url, db)
        page.goto("/ring/test")
        page.get_by_role("button", name="Starta testet").click()
        deadline = time.monotonic() + 30
        status = page.get_by_role("status")
        while status.text_content() != "Vi ser dig och hör dig.":
            # While the server's peer echoes video, the process still serves everyone else.
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                assert answer.status == 200
            assert time.monotonic() < deadline, status.text_content()
            time.sleep(0.5)
        expect(status).to_have_text("Vi ser dig och hör dig.")
        echoed = page.evaluate(
            "() => { const v = document.querySelector('video.echo');"
            " return {w: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames}; }"
        )
        assert echoed["w"] > 0 and echoed["frames"] > 3
        page.context.close()
