"""The client portal's pages without a browser: plan approval, visits, messages, proxies."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from models import (
    Channel,
    Client,
    Consent,
    ConsentKind,
    Database,
    Goal,
    GoalLevel,
    Message,
    Plan,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Role,
    Staff,
    Task,
    TaskKind,
    VisitStatus,
    utcnow,
)
from tests.conftest import csrf_from, https_client, post_form, sms_to
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, 13:00 in Stockholm


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna", phone="+46700000101", photo="photos/anna.svg")
        omar = make_staff(s, "omar")
        make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, workers=[anna, omar], phone="+46700000001")
        plan = Plan(client_id=sandra.id, version=1, written_by_id=anna.id, written_at=NOW)
        plan.goals = [
            Goal(position=0, client_words="Jag vill handla själv.", level=GoalLevel.WITH_SUPPORT),
            Goal(position=1, client_words="Jag vill städa.", level=GoalLevel.MORE_INDEPENDENT),
        ]
        s.add(plan)
        consent = Consent(
            client_id=sandra.id, kind=ConsentKind.PROXY_ACCESS, scope="Lars ser besök"
        )
        s.add(consent)
        s.flush()
        lars = Proxy(
            client_id=sandra.id,
            name="Lars Nilsson",
            phone="+46700000003",
            relation=ProxyRelation.GOD_MAN,
            can_see_visits=True,
            consent_id=consent.id,
        )
        s.add(lars)
        s.flush()
        return {
            "anna": anna.id,
            "omar": omar.id,
            "sandra": sandra.id,
            "plan": plan.id,
            "lars": lars.id,
            "consent": consent.id,
        }


def test_sandra_approves_her_plan_once_and_staff_see_when(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    page = web.get("/mina-mal").text
    assert "Jag vill handla själv." in page and "Jag håller med" in page
    with time_machine.travel(NOW, tick=False):
        response = post_form(web, "/mina-mal/ja", {"plan": str(world["plan"])}, page="/mina-mal")
    assert response.status_code == 303
    page = web.get("/mina-mal").text
    assert (
        "Du sa ja till planen 2026-11-24 kl 13:00." in page and "Jag håller med</span>" not in page
    )
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):  # pressed again later
        post_form(web, "/mina-mal/ja", {"plan": str(world["plan"])}, page="/mina-mal")
    with db.transaction() as s:
        assert s.get(Plan, world["plan"]).approved_at == NOW
    anna = staff_client(app, db, "anna")
    assert (
        "Godkänd av klienten 2026-11-24 13:00."
        in anna.get(f"/personal/klient/{world['sandra']}").text
    )


def test_a_plan_changed_meanwhile_is_not_approved_unread(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    token = csrf_from(web.get("/mina-mal").data)
    with db.transaction() as s:
        newer = Plan(client_id=world["sandra"], version=2, written_at=utcnow())
        newer.goals = [Goal(client_words="Jag vill laga mat.", level=GoalLevel.WITH_SUPPORT)]
        s.add(newer)
    response = web.post("/mina-mal/ja", data={"csrf_token": token, "plan": str(world["plan"])})
    assert response.status_code == 409
    assert "Planen har ändrats. Läs den igen." in response.text
    assert "Jag vill laga mat." in response.text
    with db.transaction() as s:
        assert s.scalar(select(func.count(Plan.id)).where(Plan.approved_at.is_not(None))) == 0


def test_my_visits_show_the_real_times_and_who_came(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        sandra, anna = s.get(Client, world["sandra"]), s.get(Staff, world["anna"])
        done = make_visit(s, sandra, anna, start=NOW - timedelta(days=1), status=VisitStatus.DONE)
        done.actual_start = NOW - timedelta(days=1) + timedelta(minutes=7)
        done.actual_end = NOW - timedelta(days=1) + timedelta(minutes=52)
        make_visit(
            s, sandra, anna, start=NOW - timedelta(days=2), status=VisitStatus.CANCELLED_BY_CLIENT
        )
    web = client_client(app, db, world["sandra"])
    with time_machine.travel(NOW, tick=False):
        page = web.get("/mina-besok").text
    assert "Anna var här 13:07 till 13:52." in page
    assert "Måndag 23 november" in page
    assert page.count('class="visit"') == 1  # the cancelled one did not happen
    assert 'src="/static/photos/anna.svg' in page


def test_my_day_shows_todays_visits_with_face_and_todays_reminders(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        sandra, omar = s.get(Client, world["sandra"]), s.get(Staff, world["omar"])
        make_visit(s, sandra, omar, start=NOW + timedelta(hours=2), channel=Channel.PHONE)
        for text, recurrence, weekdays in [
            ("Ta din medicin", Recurrence.DAILY, None),
            ("Ta ut soporna", Recurrence.WEEKDAYS, "1"),  # Tuesdays
            ("Gå till tvättstugan", Recurrence.WEEKDAYS, "4"),  # Fridays
        ]:
            s.add(
                ReminderRule(
                    client_id=sandra.id,
                    text=text,
                    channel=ReminderChannel.SMS,
                    recurrence=recurrence,
                    local_time=time(8),
                    weekdays=weekdays,
                )
            )
    web = client_client(app, db, world["sandra"])
    with time_machine.travel(NOW, tick=False):
        page = web.get("/min-dag").text
    assert "15:00" in page and "Omar ringer dig." in page
    assert '<span class="face initial" aria-hidden="true">O</span>' in page
    assert "Ta din medicin" in page and "Ta ut soporna" in page
    assert "Gå till tvättstugan" not in page
    assert "Hur mår du?" in page and "Mina mål" in page and "Mina besök" in page


def test_messages_refuse_empty_and_too_long_text_and_save_nothing(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    empty = post_form(web, "/skriv", {"text": "   "})
    assert empty.status_code == 400 and "Du har inte skrivit något." in empty.text
    long_text = "Hej " * 200
    too_long = post_form(web, "/skriv", {"text": long_text})
    assert too_long.status_code == 400
    assert "Meddelandet är för långt. Du får skriva 500 tecken. Du skrev 799." in too_long.text
    assert long_text.strip() in too_long.text  # nothing she wrote is lost
    with db.transaction() as s:
        assert s.scalar(select(func.count(Message.id))) == 0


def test_a_message_goes_to_the_worker_once_and_no_sms_carries_its_text(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    page = web.get("/skriv").text
    form = {
        "csrf_token": csrf_from(page),
        "text": "Kan du komma på fredag i stället?",
        "nonce": page.split('name="nonce" value="')[1].split('"')[0],
    }
    assert web.post("/skriv", data=form).status_code == 303
    assert web.post("/skriv", data=form).status_code == 303  # pressed twice
    with db.transaction() as s:
        assert s.scalar(select(func.count(Message.id))) == 1
        [task] = s.scalars(select(Task).where(Task.kind == TaskKind.MESSAGE)).all()
        assert task.staff_id == world["anna"]
    [to_anna] = sms_to(web, "+46700000101")
    assert "fredag" not in to_anna and "Sandra" not in to_anna

    anna = staff_client(app, db, "anna")
    thread = f"/personal/meddelanden/{world['sandra']}"
    assert "Kan du komma på fredag i stället?" in anna.get(thread).text
    assert post_form(anna, thread, {"text": "Ja, det går bra."}).status_code == 303
    [to_sandra] = sms_to(web, "+46700000001")
    assert "det går bra" not in to_sandra and "Anna har skrivit till dig" in to_sandra
    assert "Du har fått ett meddelande." in web.get("/min-dag").text
    assert "Ja, det går bra." in web.get("/skriv").text
    assert "Du har fått ett meddelande." not in web.get("/min-dag").text  # now read
    with db.transaction() as s:
        assert s.scalar(select(Task.done_at).where(Task.kind == TaskKind.MESSAGE)) is not None


def test_a_worker_who_is_not_sandras_cannot_read_her_messages(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        make_staff(s, "per")
    per = staff_client(app, db, "per")
    assert per.get(f"/personal/meddelanden/{world['sandra']}").status_code == 403


def test_a_proxy_sees_only_what_the_client_agreed_to(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    lars = client_client(app, db, proxy_id=world["lars"])
    day = lars.get("/min-dag").text
    assert "Du är inloggad som Lars Nilsson." in day
    assert "Hur mår du?" not in day and "Mina mål" not in day
    assert lars.get("/mina-besok").status_code == 200
    for path in ("/hur-mar-du", "/mina-mal", "/skriv"):
        refused = lars.get(path)
        assert refused.status_code == 403
        assert "Det här får bara Sandra göra." in refused.text
    refused = post_form(lars, "/mina-mal/ja", {"plan": str(world["plan"])}, page="/min-dag")
    assert refused.status_code == 403
    with db.transaction() as s:
        assert s.get(Plan, world["plan"]).approved_at is None


def test_a_proxy_loses_access_when_consent_is_withdrawn_or_the_feature_is_off(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    lars = client_client(app, db, proxy_id=world["lars"])
    with db.transaction() as s:
        proxy = s.get(Proxy, world["lars"])
        proxy.can_see_visits, proxy.gets_reminders = False, True
    assert lars.get("/mina-besok").status_code == 403
    assert "Du kan inte se besöken." in lars.get("/min-dag").text
    with db.transaction() as s:
        s.get(Proxy, world["lars"]).can_see_visits = True
        s.get(Consent, world["consent"]).withdrawn_at = utcnow()
    # Allowed nothing now: signed out on this very page (portal.auth.proxy_rights).
    response = lars.get("/mina-besok")
    assert response.status_code == 302 and response.location.endswith("/logga-in")


def test_choosing_arabic_turns_the_page_right_to_left_and_is_remembered(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    post_form(web, "/sprak/ar", {"next": "/min-dag"}, page="/min-dag")
    page = web.get("/min-dag").text
    assert '<html lang="ar" dir="rtl">' in page and "يومي" in page
    with db.transaction() as s:
        assert s.get(Client, world["sandra"]).language == "ar"


def test_a_link_from_another_site_cannot_change_a_clients_language(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    assert web.get("/sprak/ar?next=/min-dag").status_code == 303
    assert web.post("/sprak/ar", data={"next": "/min-dag"}).status_code == 400  # no CSRF token
    with db.transaction() as s:
        assert s.get(Client, world["sandra"]).language == "sv"
    assert '<html lang="sv"' in web.get("/min-dag").text


def test_the_accessibility_statement_is_open_to_everyone(app: Flask) -> None:
    page = https_client(app).get("/tillganglighet")
    assert page.status_code == 200 and "Om tillgänglighet" in page.text and "DIGG" in page.text


def test_a_guardian_for_two_clients_chooses_whom_to_help(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    from models import AuditEvent

    with db.transaction() as s:
        olle = make_client(s, first_name="Olle", last_name="Berg", phone="+46700000002")
        consent = Consent(client_id=olle.id, kind=ConsentKind.PROXY_ACCESS, scope="Lars ser besök")
        s.add(consent)
        s.flush()
        for_olle = Proxy(
            client_id=olle.id,
            name="Lars Nilsson",
            phone="+46700000003",  # the same person: the same phone
            relation=ProxyRelation.GOD_MAN,
            can_see_visits=True,
            consent_id=consent.id,
        )
        stranger = make_client(s, first_name="Eva", phone="+46700000009")
        other = Proxy(
            client_id=stranger.id,
            name="Someone Else",
            phone="+46700000010",
            relation=ProxyRelation.RELATIVE,
            consent_id=consent.id,
        )
        s.add_all([for_olle, other])
        s.flush()
        for_olle_id, other_id = for_olle.id, other.id

    web = https_client(app)
    post_form(web, "/logga-in", {"phone": "070-000 00 03"})
    code = re.search(r"\b(\d{6})\b", sms_to(web, "+46700000003")[0]).group(1)
    signed_in = post_form(web, "/logga-in/kod", {"code": code})
    assert signed_in.location.endswith("/vem")
    page = web.get("/vem").text
    assert "Vem vill du hjälpa?" in page and "Olle Berg" in page and "Sandra Nilsson" in page
    assert "Eva" not in page

    chosen = post_form(web, "/vem", {"proxy": str(for_olle_id)})
    assert chosen.status_code == 303
    day = web.get("/min-dag").text
    assert "Hej Olle!" in day and "Nu hjälper du Olle." in day and "Hjälp någon annan" in day
    refused = post_form(web, "/vem", {"proxy": str(other_id)})
    assert refused.status_code == 403
    assert "Hej Olle!" in web.get("/min-dag").text
    with db.transaction() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.subject == "proxy.acts_for"))


def test_a_client_has_nobody_else_to_choose(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    assert web.get("/vem").location.endswith("/min-dag")
    assert "Hjälp någon annan" not in web.get("/min-dag").text
