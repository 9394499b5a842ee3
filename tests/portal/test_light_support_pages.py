"""Asking for a little help, as a client and as a resident; the catalogue and the figures."""

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import (
    Channel,
    Client,
    Consent,
    ConsentKind,
    Database,
    LightSupportCategory,
    Proxy,
    ProxyRelation,
    RequestStatus,
    Role,
    Staff,
    SupportRequest,
    utcnow,
)
from portal.lightsupport.catalogue import ensure_defaults
from tests.conftest import https_client, post_form, sms_to
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_web, staff_client
from video.services import record_video_consent, withdraw_video_consent

pytestmark = pytest.mark.db
OLLE = "+46700000002"


@pytest.fixture
def olle(db: Database) -> int:
    with db.transaction() as s:
        ensure_defaults(s)
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        return make_client(s, "Olle", phone=OLLE, caseworker=karin).id


def test_olle_asks_for_a_talk_by_video_this_week_in_four_steps(
    app: Flask, db: Database, olle: int
) -> None:
    web = client_web(app, OLLE)
    assert "Prata en stund" in web.get("/hjalp").text
    assert "I veckan" in web.get("/hjalp?vad=talk").text
    assert "Video" in web.get("/hjalp?vad=talk&nar=veckan").text
    confirm = web.get("/hjalp?vad=talk&nar=veckan&hur=video")
    fields = dict(re.findall(r'name="(vad|nar|dag|hur|key)" value="([^"]*)"', confirm.text))
    response = post_form(
        web,
        "/hjalp",
        {**fields, "text": "Jag vill prata"},
        page="/hjalp?vad=talk&nar=veckan&hur=video",
    )
    assert response.status_code == 302
    assert "Nu väljer vi vem som hjälper dig" in web.get(response.location).text
    again = post_form(
        web,
        "/hjalp",
        {**fields, "text": "Jag vill prata"},
        page="/hjalp?vad=talk&nar=veckan&hur=video",
    )
    assert again.location == response.location  # pressing twice saves once
    with db.transaction() as s:
        [request] = list(s.scalars(select(SupportRequest)))
    assert (request.category, request.channel, request.in_scope) == ("talk", Channel.VIDEO, True)
    assert request.wanted_to > request.wanted_from >= utcnow() - timedelta(minutes=1)


def test_olle_who_said_no_to_video_is_offered_home_or_phone_and_told_why(
    app: Flask, db: Database, olle: int
) -> None:
    with db.transaction() as s:
        record_video_consent(s, s.get(Client, olle), s.scalar(select(Staff)), utcnow())
        withdraw_video_consent(s, olle, utcnow())
    no_video = "Du har sagt nej till video. Vill du ha video? Säg det till din personal."
    web = client_web(app, OLLE)
    how = web.get("/hjalp?vad=talk&nar=veckan").text
    assert "Hem till mig" in how and "hur=video" not in how and no_video in how
    assert no_video in web.get("/hjalp?vad=talk&nar=veckan&hur=video").text  # an old link
    sent = post_form(
        web,
        "/hjalp",
        {"vad": "talk", "nar": "veckan", "hur": "video", "key": "k1", "text": "Hej"},
        page="/hjalp?vad=talk&nar=veckan&hur=hem",
    )
    assert sent.status_code == 400 and no_video in sent.text and "Hej" in sent.text
    with db.transaction() as s:
        assert s.scalar(select(SupportRequest)) is None


def test_a_too_long_text_is_shown_again_with_what_was_typed(
    app: Flask, db: Database, olle: int
) -> None:
    web = client_web(app, OLLE)
    page = "/hjalp?vad=post&nar=idag&hur=hem"
    fields = dict(re.findall(r'name="(vad|nar|dag|hur|key)" value="([^"]*)"', web.get(page).text))
    response = post_form(web, "/hjalp", {**fields, "text": "x" * 501 + "SLUT"}, page=page)
    assert response.status_code == 400
    assert "Skriv högst 500 tecken" in response.text and "SLUTX" not in response.text
    assert "xSLUT" in response.text
    with db.transaction() as s:
        assert s.scalar(select(SupportRequest.id)) is None


def test_a_category_removed_while_the_client_was_choosing_gets_a_clear_answer(
    app: Flask, db: Database, olle: int
) -> None:
    web = client_web(app, OLLE)
    page = "/hjalp?vad=post&nar=idag&hur=hem"
    fields = dict(re.findall(r'name="(vad|nar|dag|hur|key)" value="([^"]*)"', web.get(page).text))
    with db.transaction() as s:
        s.scalar(
            select(LightSupportCategory).where(LightSupportCategory.key == "post")
        ).active = False
    response = post_form(web, "/hjalp", fields, page=page)
    assert response.status_code == 400 and "Den hjälpen finns inte längre" in response.text


def test_a_proxy_without_consent_to_book_cannot_ask_for_the_client(
    app: Flask, db: Database, olle: int
) -> None:
    with db.transaction() as s:
        s.add(
            Proxy(
                client_id=olle,
                name="Lars Berg",
                phone="+46700000003",
                relation=ProxyRelation.RELATIVE,
                can_see_visits=True,
                can_book=False,
                consent=Consent(client_id=olle, kind=ConsentKind.PROXY_ACCESS, scope="see_visits"),
            )
        )
    web = client_web(app, "+46700000003")
    refused = web.get("/hjalp")
    assert refused.status_code == 403
    assert "Det här får bara Olle göra." in refused.text  # said in easy-read words


def test_a_resident_checks_their_number_and_reaches_the_coordinator(
    app: Flask, db: Database
) -> None:
    web = https_client(app)
    response = post_form(
        web,
        "/fraga",
        {"name": "Eva", "phone": "070-999 99 99", "text": "Jag behöver någon att prata med"},
    )
    assert response.status_code == 302
    [sms] = sms_to(web, "+46709999999")
    code = re.search(r"\d{6}", sms).group(0)
    page = post_form(web, "/fraga/kod", {"code": code})
    assert page.status_code == 200 and "Tack Eva!" in page.text
    with db.transaction() as s:
        [request] = list(s.scalars(select(SupportRequest)))
    assert (request.client_id, request.contact_name, request.contact_phone) == (
        None,
        "Eva",
        "+46709999999",
    )
    assert request.status is RequestStatus.NEW


def test_a_resident_with_a_wrong_code_is_not_registered(app: Flask, db: Database) -> None:
    web = https_client(app)
    post_form(web, "/fraga", {"name": "Eva", "phone": "070-999 99 99", "text": ""})
    code = re.search(r"\d{6}", sms_to(web, "+46709999999")[0]).group(0)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert post_form(web, "/fraga/kod", {"code": wrong}).status_code == 400
    with db.transaction() as s:
        assert s.scalar(select(SupportRequest.id)) is None


def test_an_admin_edits_the_catalogue_and_clients_see_it(
    app: Flask, db: Database, olle: int
) -> None:
    with db.transaction() as s:
        make_staff(s, "admin", roles=[Role.ADMIN])
    admin = staff_client(app, db, "admin")
    post_form(
        admin,
        "/personal/admin/katalog",
        {
            "key": "accompany",
            "name_sv": "Följ med mig",
            "name_en": "Come with me",
            "name_ar": "",
            "skill": "",
            "in_scope": "y",
        },
    )  # no "active": hidden
    post_form(
        admin,
        "/personal/admin/katalog",
        {
            "key": "shopping",
            "name_sv": "Handla mat",
            "name_en": "Shopping",
            "in_scope": "y",
            "active": "y",
        },
    )
    page = client_web(app, OLLE).get("/hjalp").text
    assert "Handla mat" in page and "Följ med mig" not in page


def test_the_manager_sees_time_to_assign_volume_and_share_escalated(
    app: Flask, db: Database, olle: int
) -> None:
    now = utcnow()
    with db.transaction() as s:
        make_staff(s, "maria", roles=[Role.MANAGER])
        for minutes, category, in_scope in (
            (10, "talk", True),
            (30, "talk", True),
            (None, "post", False),
        ):
            s.add(
                SupportRequest(
                    client_id=olle,
                    category=category,
                    channel=Channel.PHONE,
                    wanted_from=now,
                    wanted_to=now + timedelta(hours=2),
                    in_scope=in_scope,
                    created_at=now - timedelta(hours=2),
                    assigned_at=now - timedelta(hours=2) + timedelta(minutes=minutes)
                    if minutes
                    else None,
                )
            )
    page = staff_client(app, db, "maria").get("/personal/nyckeltal/latt-stod").text
    assert "<dd>3</dd>" in page and "<dd>33 %</dd>" in page
    assert "<dd>20 min</dd>" in page  # median of 10 and 30
    assert "<dd>28 min</dd>" in page  # 90th percentile, inclusive method
