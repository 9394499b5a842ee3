"""The video pages: consent before the first session, Starta video, Ring upp, the client's page,
and the signed Twilio webhooks that bridge a phone call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from models import (
    Channel,
    Consent,
    Database,
    DevMessage,
    OutboxKind,
    SessionStatus,
    VideoSession,
    Visit,
    VisitStatus,
    utcnow,
)
from portal.app import create_app
from portal.config import Settings
from portal.phones import normalise
from reminders.providers import TwilioSettings
from tests.conftest import csrf_from, https_client, post_form, sms_to
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import client_client, staff_client
from video import services
from video.services import record_video_consent

pytestmark = pytest.mark.db
TOKEN = "twilio-test-token"


def seed(db: Database, consent: bool = True, channel: Channel = Channel.VIDEO) -> int:
    with db.transaction() as s:
        anna = make_staff(s, "anna", phone="+46700000101")
        make_staff(s, "bo")
        sandra = make_client(s, first_name="Sandra", phone="+46700000001", workers=[anna])
        if consent:
            record_video_consent(s, sandra, anna, utcnow())
        return make_visit(s, sandra, anna, start=utcnow(), channel=channel).id


def test_the_worker_records_consent_before_the_first_video(app: Flask, db: Database) -> None:
    visit_id = seed(db, consent=False)
    web = staff_client(app, db, "anna")
    page = web.get("/personal/video").text
    assert "Sandra har sagt ja till video. Vi spelar aldrig in." in page
    assert "Starta video" not in page
    refused = post_form(web, f"/personal/video/{visit_id}/starta", {}, page="/personal/video")
    assert refused.status_code == 409
    post_form(web, f"/personal/video/{visit_id}/samtycke", {"yes": "1"}, page="/personal/video")
    with db.transaction() as s:
        consent = s.scalar(select(Consent))
        assert consent.kind.value == "video" and "aldrig in" in consent.scope
    assert "Starta video" in web.get("/personal/video").text


def test_starta_video_texts_sandra_a_personal_link_without_sensitive_words(
    app: Flask, db: Database
) -> None:
    visit_id = seed(db)
    web = staff_client(app, db, "anna")
    response = post_form(web, f"/personal/video/{visit_id}/starta", {}, page="/personal/video")
    assert response.status_code == 302 and response.location.endswith(f"/personal/video/{visit_id}")
    with db.transaction() as s:
        [sms] = s.scalars(select(DevMessage).where(DevMessage.to_phone == "+46700000001"))
    assert sms.body.startswith("Hej! Anna vill prata med dig på video nu.")
    assert "/ring/l/" in sms.body
    assert "Nilsson" not in sms.body and "boendestöd" not in sms.body.lower()
    # The link opens Sandra's page without signing in; her portal shows the same call.
    link = sms.body.split("http://localhost", 1)[1]
    page = https_client(app).get(link)
    assert page.status_code == 200 and "Svara" in page.text and "Ring mig istället" in page.text


def test_sandras_portal_shows_the_call_only_while_it_is_on(app: Flask, db: Database) -> None:
    visit_id = seed(db)
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        vs = services.open_session(s, visit, Channel.VIDEO, utcnow())
        link = services.token_for(vs.participants[1], app.config["SECRET_KEY"])
    web = https_client(app)
    assert "Svara" in web.get(f"/ring/l/{link}").text
    with db.transaction() as s:
        services.end(s, s.get(VideoSession, vs.id), utcnow())
    gone = web.get(f"/ring/l/{link}")
    assert gone.status_code == 410 and "Samtalet är slut." in gone.text


def test_sandra_takes_back_her_yes_to_video_and_her_support_goes_on_by_phone(
    app: Flask, db: Database
) -> None:
    visit_id = seed(db)
    with db.transaction() as s:
        today = s.get(Visit, visit_id)
        vs = services.open_session(s, today, Channel.VIDEO, utcnow())
        coming = make_visit(
            s, today.client, today.staff, start=utcnow() + timedelta(days=2), channel=Channel.VIDEO
        ).id
        client_id = today.client_id
    web = client_client(app, db, client_id)
    assert "Jag vill inte ha video" not in web.get("/ring").text  # a call is on: Svara first
    with db.transaction() as s:
        services.end(s, s.get(VideoSession, vs.id), utcnow())
    assert "Du har sagt ja till video." in web.get("/ring").text
    response = post_form(web, "/ring/ingen-video", {}, page="/ring")
    assert response.status_code == 303
    page = web.get("/ring").text
    assert "Nu blir det inga videosamtal. Vi ringer dig istället." in page
    assert "Vill du ha video? Säg det till din personal." in page
    with db.transaction() as s:
        assert not services.has_video_consent(s, client_id)
        assert s.scalar(select(Consent)).withdrawn_at is not None  # history kept
        assert s.get(Visit, coming).channel is Channel.PHONE
    anna = staff_client(app, db, "anna")
    refused = post_form(anna, f"/personal/video/{visit_id}/starta", {}, page="/personal/video")
    assert refused.status_code == 409


def test_the_worker_records_that_sandra_no_longer_wants_video(app: Flask, db: Database) -> None:
    visit_id = seed(db)
    with db.transaction() as s:
        vs = services.open_session(s, s.get(Visit, visit_id), Channel.VIDEO, utcnow())
    web = staff_client(app, db, "anna")
    response = post_form(
        web, f"/personal/video/{visit_id}/samtycke/nej", {}, page="/personal/video"
    )
    assert response.status_code == 302
    page = web.get("/personal/video").text
    assert "Samtycket till video är borttaget." in page
    assert "Sandra har sagt ja till video. Vi spelar aldrig in." in page  # asked again next time
    with db.transaction() as s:
        assert s.get(VideoSession, vs.id).status is SessionStatus.ENDED


def test_a_guest_is_invited_by_sms_in_the_language_the_worker_picks_else_the_clients(
    app: Flask, db: Database
) -> None:
    first = seed(db)
    with db.transaction() as s:
        visit = s.get(Visit, first)
        visit.client.language = "ar"
        later = make_visit(s, visit.client, visit.staff, start=utcnow() + timedelta(hours=2)).id
    web = staff_client(app, db, "anna")
    invited = {}
    for visit_id, name, phone, language in (
        (first, "Amal", "070-111 22 33", None),  # the form's default: the client's language
        (later, "Eva", "070-444 55 66", "sv"),
    ):
        post_form(web, f"/personal/video/{visit_id}/starta", {}, page="/personal/video")
        room = f"/personal/video/{visit_id}"
        page = web.get(room).text
        assert '<option value="ar" lang="ar" selected>العربية</option>' in page
        form = {"name": name, "phone": phone, **({"language": language} if language else {})}
        assert post_form(web, f"{room}/bjud-in", form, page=room).status_code == 302
        [invited[name]] = sms_to(web, normalise(phone))
    assert invited["Amal"].startswith("مرحبًا! دعوة من Anna إلى مكالمة فيديو الآن.")
    assert invited["Eva"].startswith("Hej! Anna bjuder in dig till ett videosamtal nu.")


def test_inviting_a_third_person_answers_the_rooms_script_or_a_plain_form(
    app: Flask, db: Database
) -> None:
    visit_id = seed(db)
    web = staff_client(app, db, "anna")
    post_form(web, f"/personal/video/{visit_id}/starta", {}, page="/personal/video")
    room, url = f"/personal/video/{visit_id}", f"/personal/video/{visit_id}/bjud-in"
    token = csrf_from(web.get(room).data)
    as_script = {"Accept": "application/json"}
    empty = web.post(url, data={"csrf_token": token, "name": " "}, headers=as_script)
    assert empty.status_code == 400
    assert empty.json == {"ok": False, "message": "Skriv namnet på personen du bjuder in."}
    bad = web.post(url, data={"csrf_token": token, "name": "Ali", "phone": "12"}, headers=as_script)
    assert bad.json["message"] == "Numret ser inte ut som ett mobilnummer."
    ok = web.post(url, data={"csrf_token": token, "name": "Ali"}, headers=as_script)
    assert ok.status_code == 200 and ok.json["ok"]
    assert ok.json["message"].startswith("Ali är inbjuden. Länken: http://localhost/ring/l/")
    full = web.post(url, data={"csrf_token": token, "name": "Bo"}, headers=as_script)
    assert full.status_code == 409
    assert full.json["message"] == "Det får vara högst tre personer i samtalet."
    # Without JavaScript the room page comes back with the same answer.
    plain = web.post(url, data={"csrf_token": token, "name": "Bo"}, follow_redirects=True)
    assert "Det får vara högst tre personer i samtalet." in plain.text
    assert "Video med Sandra Nilsson" in plain.text
    with db.transaction() as s:
        vs = s.scalar(select(VideoSession))
        assert sorted(p.name for p in vs.participants) == ["Ali", "Anna", "Sandra"]


def test_a_broken_link_gets_an_easy_read_page(app: Flask, db: Database) -> None:
    page = https_client(app).get("/ring/l/1.2.abc")
    assert page.status_code == 403
    assert "Länken fungerar inte. Be din boendestödjare om en ny länk." in page.text


def test_another_worker_cannot_open_or_start_annas_video(app: Flask, db: Database) -> None:
    visit_id = seed(db)
    web = staff_client(app, db, "bo")
    assert web.get(f"/personal/video/{visit_id}").status_code == 403
    assert (
        post_form(web, f"/personal/video/{visit_id}/starta", {}, page="/personal/video").status_code
        == 403
    )
    with db.transaction() as s:
        assert s.scalar(select(VideoSession)) is None


def test_ring_upp_calls_the_workers_phone_first(app: Flask, db: Database) -> None:
    visit_id = seed(db, channel=Channel.PHONE)
    web = staff_client(app, db, "anna")
    response = post_form(web, f"/personal/video/{visit_id}/ring-upp", {}, page="/personal/video")
    assert response.status_code == 302
    with db.transaction() as s:
        [call] = s.scalars(select(DevMessage).where(DevMessage.kind == OutboxKind.CALL))
        vs = s.scalar(select(VideoSession))
        assert call.to_phone == "+46700000101"  # Anna's phone, not Sandra's
        assert "Sandra" in call.body
        assert vs.channel is Channel.PHONE and vs.call_sid == f"DEV{call.id:08d}"


def test_ring_mig_istallet_turns_the_video_into_a_bridged_call(app: Flask, db: Database) -> None:
    visit_id = seed(db)
    with db.transaction() as s:
        vs = services.open_session(s, s.get(Visit, visit_id), Channel.VIDEO, utcnow())
        token = services.token_for(vs.participants[1], app.config["SECRET_KEY"])
    web = https_client(app)
    page = post_form(web, f"/ring/l/{token}/ring-mig", {}, page=f"/ring/l/{token}")
    assert page.status_code == 200 and "Din telefon ringer snart." in page.text
    with db.transaction() as s:
        assert s.scalar(select(DevMessage.to_phone).where(DevMessage.kind == OutboxKind.CALL)) == (
            "+46700000101"
        )
        assert s.get(VideoSession, vs.id).channel is Channel.PHONE


@pytest.fixture
def twilio_app(settings: Settings, db: Database) -> Iterator[Flask]:
    twilio = TwilioSettings(
        account_sid="AC" + "0" * 32,
        auth_token=TOKEN,
        from_number="+46812345678",
        public_url="http://localhost",
        api_base_url="http://127.0.0.1:9",
    )
    application = create_app(settings.with_(twilio=twilio), db=db)
    yield application
    application.extensions["boendestod.dispatcher"].shutdown()


def signed_post(app: Flask, path: str, params: dict[str, str], token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(f"http://localhost{path}", params)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_the_bridge_webhook_dials_sandra_from_the_municipalitys_number(
    twilio_app: Flask, db: Database
) -> None:
    visit_id = seed(db, channel=Channel.PHONE)
    with db.transaction() as s:
        session_id = services.open_session(s, s.get(Visit, visit_id), Channel.PHONE, utcnow()).id
    path = f"/webhooks/twilio/voice/bridge/{session_id}"
    twiml = signed_post(twilio_app, path, {"CallSid": "CA1", "CallStatus": "in-progress"})
    assert twiml.status_code == 200 and twiml.mimetype == "text/xml"
    assert 'callerId="+46812345678"' in twiml.text
    assert "<Number>+46700000001</Number>" in twiml.text
    assert "+46700000101" not in twiml.text

    done = signed_post(
        twilio_app, path + "/klar", {"DialCallStatus": "completed", "DialCallDuration": "600"}
    )
    assert "<Hangup/>" in done.text
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit.status is VisitStatus.DONE and visit.channel is Channel.PHONE
        assert visit.actual_end - visit.actual_start == timedelta(seconds=600)
        assert s.get(VideoSession, session_id).status is SessionStatus.ENDED


def test_bridge_webhooks_refuse_unsigned_and_forged_requests(
    twilio_app: Flask, db: Database
) -> None:
    visit_id = seed(db, channel=Channel.PHONE)
    with db.transaction() as s:
        session_id = services.open_session(s, s.get(Visit, visit_id), Channel.PHONE, utcnow()).id
    path = f"/webhooks/twilio/voice/bridge/{session_id}"
    assert twilio_app.test_client().post(path, data={"CallSid": "CA1"}).status_code == 403
    assert signed_post(twilio_app, path, {"CallSid": "CA1"}, token="forged").status_code == 403
    forged_done = signed_post(
        twilio_app, path + "/klar", {"DialCallStatus": "completed"}, token="forged"
    )
    assert forged_done.status_code == 403
    with db.transaction() as s:
        assert s.get(Visit, visit_id).status is VisitStatus.PLANNED


def test_a_call_nobody_answered_keeps_the_session_open(twilio_app: Flask, db: Database) -> None:
    visit_id = seed(db, channel=Channel.PHONE)
    with db.transaction() as s:
        session_id = services.open_session(s, s.get(Visit, visit_id), Channel.PHONE, utcnow()).id
    path = f"/webhooks/twilio/voice/bridge/{session_id}/klar"
    signed_post(twilio_app, path, {"DialCallStatus": "no-answer", "DialCallDuration": "0"})
    with db.transaction() as s:
        assert s.get(VideoSession, session_id).status is SessionStatus.OPEN
        assert s.get(Visit, visit_id).status is VisitStatus.PLANNED


def test_a_twenty_second_call_asks_the_worker_why_it_was_short(app: Flask, db: Database) -> None:
    visit_id = seed(db)
    with db.transaction() as s:
        vs = services.open_session(s, s.get(Visit, visit_id), Channel.VIDEO, utcnow())
        vs.started_at = utcnow() - timedelta(seconds=20)
    web = staff_client(app, db, "anna")
    ended = post_form(web, f"/personal/video/{visit_id}/avsluta", {}, page="/personal/video")
    assert ended.location.endswith(f"/personal/video/{visit_id}/varfor")
    assert "Skriv varför samtalet blev kort" in web.get("/personal/video").text
    url = f"/personal/video/{visit_id}/varfor"
    assert post_form(web, url, {"reason": "  "}).status_code == 400
    saved = post_form(web, url, {"reason": "Sandra ville inte prata i dag."})
    assert saved.location.endswith("/personal/video")
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit.status is VisitStatus.DONE
        assert visit.deviation_reason == "Sandra ville inte prata i dag."
    assert "Skriv varför samtalet blev kort" not in web.get("/personal/video").text
