"""Random values posted to the pages that read their fields without a form class (issue 14).

The client's one-tap pages, the message threads and the admin's catalogue read ``request.form``
themselves. ``RAW`` names their fields; every other POST route is a button without typed fields
(``BUTTONS``) or posts a form class of ``FORMS``. A POST route in none of them fails
``test_every_post_route_is_fuzzed_or_a_button``, so a new page is covered once it is named.
"""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from models import Database
from tests.conftest import csrf_from
from tests.portal.fuzzing import (
    FUZZ,
    JUNK,
    TEXT,
    Post,
    fingerprint,
    form_shown,
    make_world,
    signed_in,
)
from tests.portal.test_forms_fuzzed import FORMS, GET_FORMS

pytestmark = pytest.mark.db

NUMBER = st.one_of(st.integers(-5, 10**30).map(str), JUNK)
#: (page, fields: name → (values, shown again when refused)).
RAW: dict[str, tuple[Post, dict[str, tuple[st.SearchStrategy[str], bool]]]] = {
    "client.new_reminder": (
        Post("/paminnelser/ny", "olle"),
        {"vad": (st.one_of(st.sampled_from(["0", "1", "egen"]), NUMBER), False),
         "egen_text": (TEXT, True), "nar": (TEXT, False), "klockan": (TEXT, False),
         "hur": (st.one_of(st.sampled_from(["sms", "call", "portal"]), TEXT), False)},
    ),
    "client.write": (Post("/skriv", "olle"), {"text": (TEXT, True), "nonce": (TEXT, False)}),
    "client.checkin": (
        Post("/hur-mar-du", "olle"),
        {"mood": (st.one_of(st.sampled_from(["green", "yellow", "red"]), TEXT), False),
         "nonce": (TEXT, False)},
    ),
    "client.approve_plan": (
        Post("/mina-mal/ja", "olle", page="/mina-mal"), {"plan": (NUMBER, False)}
    ),
    "client.who": (Post("/vem", "olle", page="/min-dag"), {"proxy": (NUMBER, False)}),
    "client_staff.thread": (
        Post("/personal/meddelanden/{olle}", "kim"), {"text": (TEXT, True), "nonce": (TEXT, False)}
    ),
    "lightsupport_staff.catalogue_page": (
        Post("/personal/admin/katalog", "admin"),
        {"key": (TEXT, True), "name_sv": (TEXT, True), "name_en": (TEXT, True),
         "name_ar": (TEXT, True), "in_scope": (TEXT, False), "active": (TEXT, False),
         "skill": (TEXT, False)},
    ),
    "booking.confirm": (
        Post("/boka/bekrafta", "olle", page="/boka"),
        {"besok": (NUMBER, False), "personal": (NUMBER, False), "start": (NUMBER, False),
         "satt": (TEXT, False)},
    ),
    "booking.cancel": (
        Post("/boka/besok/{visit}/varfor", "olle", page="/boka"), {"orsak": (TEXT, False)}
    ),
    "booking.alternative": (
        Post("/boka/besok/{visit}/i-stallet", "olle", page="/boka"),
        {"val": (TEXT, False), "start": (NUMBER, False)},
    ),
    "booking.switch": (
        Post("/boka/besok/{visit}/satt", "olle", page="/boka"), {"satt": (TEXT, False)}
    ),
    "booking.more_help": (
        Post("/boka/mer-hjalp", "olle", page="/boka"), {"start": (NUMBER, False)}
    ),
    "booking.calendar_change": (Post("/boka/kalender", "olle"), {"gor": (TEXT, False)}),
    "schedule.calendar": (Post("/personal/min-kalender", "kim"), {"gor": (TEXT, False)}),
    "i18n.choose": (Post("/sprak/en", "olle", page="/min-dag"), {"next": (TEXT, False)}),
    "console.assign": (
        Post("/personal/samordning/1/tilldela", "cecilia", page="/personal/samordning"),
        {"staff_id": (NUMBER, False)},
    ),
    "video.invite": (
        Post("/personal/video/{video}/bjud-in", "kim", page="/personal/idag"),
        {"name": (TEXT, False), "phone": (TEXT, False), "proxy": (NUMBER, False),
         "language": (TEXT, False)},
    ),
    "video.consent": (
        Post("/personal/video/{video}/samtycke", "kim", page="/personal/idag"),
        {"yes": (TEXT, False)},
    ),
    "units.index": (Post("/personal/enheter", "admin"), {"name": (TEXT, True)}),
    "units.unit": (
        Post("/personal/enheter/{unit}", "admin"),
        {"action": (st.one_of(st.sampled_from(["details", "add_area", "change_area"]), TEXT),
                    False),
         "name": (TEXT, False), "phone": (TEXT, False), "area_name": (TEXT, False),
         "lat": (TEXT, False), "lon": (TEXT, False), "area_id": (NUMBER, False)},
    ),
    "units.life_areas_page": (
        Post("/personal/livsomraden", "admin"),
        {"action": (st.one_of(st.sampled_from(["rename", "up", "down", "off", "on"]), TEXT),
                    False),
         "area_id": (st.one_of(st.sampled_from(["1", "9"]), NUMBER), False),
         "name_sv": (TEXT, False), "name_en": (TEXT, False), "name_ar": (TEXT, False)},
    ),
    "ratings.area": (
        Post("/hur-gar-det/1", "olle"),
        {"step": (st.one_of(st.sampled_from(["1", "3", "5"]), NUMBER), False)},
    ),
    "ratings.questions": (
        Post("/hur-gar-det/fragor", "olle"),
        {"contact": (st.one_of(st.sampled_from(["yes", "no"]), TEXT), False),
         "say": (TEXT, False), "cancel": (TEXT, False), "would_help": (TEXT, False),
         "bad_day": (TEXT, False), "named": (TEXT, False)},
    ),
    "ratings_staff.rate": (
        Post("/personal/klient/{olle}/hur-gar-det", "kim"),
        {"area-1": (st.one_of(st.sampled_from(["2", "4"]), NUMBER), False),
         "area-3": (NUMBER, False), "area-9": (NUMBER, False)},
    ),
}  # fmt: skip
#: POST routes with no typed field: a button press, or a signed callback fuzzed on its own.
BUTTONS = {
    "auth.client_new_code", "auth.logout", "client.remove_reminder", "casework.take",
    "client_staff.acknowledge", "client_staff.complete", "schedule.start_visit",
    "schedule.no_show", "staff.revoke_devices", "outreach.stop",
    "schedule.remove_availability", "console.assign_all", "video.end", "video.ring",
    "video.withdraw_consent", "video.start_video", "video.no_video", "video.ring_me",
    "video.call_me", "video.check_offer", "twilio_webhooks.sms", "twilio_webhooks.status",
    "twilio_webhooks.voice", "twilio_webhooks.voice_key", "video.video_webhooks.bridge",
    "video.video_webhooks.done", "lifecycle.close", "lifecycle.reopen", "rights.report",
    "accounts.switch_off", "accounts.switch_on", "accounts.reset_password",
    "accounts.reset_totp", "proxies.withdraw", "ratings.skip", "ratings.skip_questions",
}  # fmt: skip


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    return make_world(db)


def test_every_post_route_is_fuzzed_or_a_button(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    ids = dict.fromkeys(
        ("olle", "kim", "visit", "started", "video", "escalation", "unit", "proxy"), 1
    )
    ids["enrol"] = "a-token"
    with_form = {
        adapter.match(post.url.format(**ids), method="POST")[0]
        for name, posts in FORMS.items()
        for post in posts
        if name not in GET_FORMS
    }
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert posted - with_form - set(RAW) - BUTTONS == set()


@pytest.mark.parametrize("endpoint", sorted(RAW))
def test_random_values_on_a_page_without_a_form_class_never_fail_nor_write_when_refused(
    app: Flask,
    db: Database,
    world: dict[str, int],
    endpoint: str,  # noqa: F811
) -> None:
    post, fields = RAW[endpoint]
    web = signed_in(app, db, post.who)
    url, page = post.url.format(**world), (post.page or post.url).format(**world)
    token = csrf_from(web.get(page).data)

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: s for name, (s, _) in fields.items()}))
    def post_random(data: dict[str, str]) -> None:
        before = fingerprint(db)
        response = web.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500, (data, response.text[:2000])
        if response.status_code >= 400:
            assert fingerprint(db) == before, data
        if response.status_code == 400 and form_shown(response.text, url, page):
            for name, (_, echoed) in fields.items():
                typed = data.get(name)
                if echoed and typed and typed.strip():
                    assert str(escape(typed)) in response.text, (name, typed)

    post_random()
