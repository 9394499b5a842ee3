"""Small things a client notices on her phone: asking to be called, hearing each line once,
and a finished call shown as done."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import (
    Channel,
    Database,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Task,
    TaskKind,
    VisitStatus,
    utcnow,
)
from portal.timeutil import day_bounds
from tests.browser.conftest import LiveServer
from tests.browser.easyread import check_easy_read
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import device_token

pytestmark = [pytest.mark.browser, pytest.mark.db]

#: Chromium's speech synthesis, replaced by one that writes down what it was asked to say.
LISTENER = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speaking: false, cancel() {}, speak(words) { window.__spoken.push(words.text); }
}});
"""


@pytest.fixture
def world(db: Database, settings) -> dict[str, int]:
    now = utcnow()
    start, _ = day_bounds(now.astimezone(settings.zone).date(), settings.zone)
    with db.transaction() as s:
        anna = make_staff(s, "anna", first_name="Anna", photo="photos/anna.svg")
        sandra = make_client(s, workers=[anna], phone="+46700000001")
        call = make_visit(
            s, sandra, anna, start=start + timedelta(minutes=1), minutes=40,
            channel=Channel.VIDEO, status=VisitStatus.DONE,
        )  # fmt: skip
        call.actual_start = call.planned_start + timedelta(minutes=2)
        call.actual_end = call.actual_start + timedelta(minutes=35)
        s.add(
            ReminderRule(
                client_id=sandra.id, text="Ta din medicin", channel=ReminderChannel.SMS,
                recurrence=Recurrence.DAILY, local_time=time(23, 59),
            )
        )  # fmt: skip
        return {"sandra": sandra.id, "anna": anna.id}


def signed_in(page: Page, live: LiveServer, db: Database, client_id: int) -> Page:
    page.context.add_cookies(
        [{"name": "device", "value": device_token(db, client_id), "url": live.url, "secure": True}]
    )
    return page


def test_sandra_asks_to_be_called_from_the_call_page_and_anna_gets_one_task(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    signed_in(phone, live, db, world["sandra"]).goto("/ring")
    expect(phone.get_by_role("heading", name="Inget samtal just nu")).to_be_visible()
    check_easy_read(phone)
    for _ in range(2):  # she presses again later the same day
        phone.goto("/ring")
        phone.get_by_role("button", name="Ring mig").click()
        expect(phone.get_by_text("Anna har fått veta att du vill prata.")).to_be_visible()
    check_easy_read(phone)
    with db.transaction() as s:
        [task] = s.scalars(select(Task)).all()
    assert (task.kind, task.staff_id) == (TaskKind.CALL_BACK, world["anna"])
    assert task.text == "Sandra vill att du ringer upp."


def test_read_aloud_says_each_line_of_the_day_once(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int]
) -> None:
    phone.add_init_script(LISTENER)
    signed_in(phone, live, db, world["sandra"]).goto("/min-dag")
    phone.get_by_role("button", name="Läs upp").click()
    [spoken] = phone.evaluate("window.__spoken")
    assert spoken.count("Ta din medicin") == 1
    assert spoken.count("Anna pratade med dig") == 1
    assert spoken.count("Hej Sandra!") == 1


def test_a_finished_video_call_shows_as_done_with_its_real_times(
    phone: Page, live: LiveServer, db: Database, world: dict[str, int], settings
) -> None:
    signed_in(phone, live, db, world["sandra"]).goto("/min-dag")
    with db.transaction() as s:
        from models import Visit

        call = s.scalar(select(Visit))
        zone = settings.zone
        span = "{}–{}".format(
            call.actual_start.astimezone(zone).strftime("%H:%M"),
            call.actual_end.astimezone(zone).strftime("%H:%M"),
        )
    expect(phone.get_by_text(f"Anna pratade med dig på video {span}.")).to_be_visible()
    expect(phone.get_by_text("Video med Anna.")).to_have_count(0)
    check_easy_read(phone)


def test_staff_checkboxes_sit_small_beside_their_label(
    browser, live: LiveServer, db: Database
) -> None:
    from models import EscalationType, Role
    from portal.escalations import raise_escalation
    from tests.browser.video_support import staff_page

    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, "Sandra", caseworker=karin)
        escalation = raise_escalation(
            s, client=sandra, kind=EscalationType.WORKER_CONCERN, reason="Oro", source="worker",
            now=utcnow(), zone=__import__("zoneinfo").ZoneInfo("Europe/Stockholm"),
        )  # fmt: skip
    page = staff_page(browser, live.url, db, "karin")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/personal/arenden/{escalation.id}")
    box = page.get_by_label("Ärendet väntar på något").bounding_box()
    label = page.locator("label.check").bounding_box()
    assert box["width"] <= 32 and box["height"] <= 32
    assert label["height"] < 48  # the box and its words on one line


def test_bara_ljud_looks_pressed_only_while_it_is_on(browser, live: LiveServer) -> None:
    page = browser.new_page(base_url=live.url)
    page.goto("/tillganglighet")
    page.set_content(
        '<link rel="stylesheet" href="/static/app.css"><link rel="stylesheet" href="/static/video.css">'
        '<div class="controls"><button class="toggle-mic" aria-pressed="true">Mikrofon</button>'
        '<button class="toggle-cam" aria-pressed="false">Kamera</button>'
        '<button class="audio-only" aria-pressed="false">Bara ljud</button></div>'
    )
    page.wait_for_load_state()

    def background(selector: str) -> str:
        return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")

    assert background(".audio-only") == background(".toggle-mic")  # off: like a button at rest
    assert background(".audio-only") != background(".toggle-cam")  # not like a switched-off one
    page.eval_on_selector(".audio-only", "el => el.setAttribute('aria-pressed', 'true')")
    assert background(".audio-only") == background(".toggle-cam")
    page.close()
