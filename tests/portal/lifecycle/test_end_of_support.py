"""End of support: the caseworker closes a case (or the daily check does when the last decision
has ended), and may reopen it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import (
    AuditEvent,
    Channel,
    Client,
    Consent,
    ConsentKind,
    Database,
    Device,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    EscalationType,
    Outbox,
    OutboxState,
    Proxy,
    ProxyRelation,
    RequestStatus,
    Role,
    SupportRequest,
    Unit,
    Visit,
    VisitStatus,
    utcnow,
)
from portal.booking.welfare import client_cancellations
from portal.lifecycle.closure import close_ended_cases
from reminders.outbox import queue_sms
from tests.browser.easyread import lix
from tests.conftest import https_client, post_form, sms_to
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import device_token, staff_client

pytestmark = pytest.mark.db
SANDRA = "+46700000001"
LARS = "+46700000003"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    """Sandra in Karin's caseload with a visit ahead, a reminder waiting, Lars as her god man
    (signed in on his phone) and a request for help nobody has answered yet."""
    now = utcnow()
    with db.transaction() as s:
        unit = Unit(name="Boendestöd Huddinge", phone="+46812345678")
        s.add(unit)
        s.flush()
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], phone="+46701110000")
        make_staff(s, "lena", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra = make_client(s, phone=SANDRA, caseworker=karin, workers=[anna], unit_id=unit.id)
        make_decision(s, sandra)
        ahead = make_visit(s, sandra, anna, start=now + timedelta(days=2))
        past = make_visit(s, sandra, anna, start=now - timedelta(days=2), status=VisitStatus.DONE)
        queue_sms(s, SANDRA, "Påminnelse: ta medicinen", purpose="reminder",
                  due_at=now + timedelta(hours=3), client_id=sandra.id)  # fmt: skip
        consent = Consent(client_id=sandra.id, kind=ConsentKind.PROXY_ACCESS, scope="se besök")
        s.add(consent)
        s.flush()
        lars = Proxy(
            client_id=sandra.id, name="Lars Berg", phone=LARS, relation=ProxyRelation.GOD_MAN,
            can_see_visits=True, consent_id=consent.id,
        )  # fmt: skip
        s.add(lars)
        s.add(SupportRequest(client_id=sandra.id, category="talk", channel=Channel.PHONE,
                             wanted_from=now, wanted_to=now + timedelta(days=1)))  # fmt: skip
        s.add(Escalation(client_id=sandra.id, owner_id=karin.id, source="decisions",
                         type=EscalationType.DECISION_EXPIRING, reason="Beslutet går ut",
                         due_at=now + timedelta(days=3)))  # fmt: skip
        s.flush()
        ids = dict(sandra=sandra.id, ahead=ahead.id, past=past.id, lars=lars.id)
    ids["lars_device"] = device_token(db, proxy_id=ids["lars"])
    return ids


def sign_in(app: Flask) -> tuple[FlaskClient, str]:
    """Sandra types her number and the code from her SMS; returns the browser and the page."""
    web = https_client(app)
    post_form(web, "/logga-in", {"phone": "070-000 00 01"})
    code = re.search(r"\b(\d{6})\b", sms_to(web, SANDRA)[0]).group(1)
    response = post_form(web, "/logga-in/kod", {"code": code}, page="/logga-in/kod")
    return web, response.text if response.status_code == 200 else response.location


def close_as_karin(app: Flask, db: Database, client_id: int):
    karin = staff_client(app, db, "karin")
    url = f"/personal/klient/{client_id}/avsluta"
    page = karin.get(url)
    assert page.status_code == 200
    return page, post_form(karin, url, {})


def test_the_caseworker_closes_the_case_and_everything_that_was_to_come_stops(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    page, done = close_as_karin(app, db, world["sandra"])
    assert "1 planerade besök avbokas" in page.text and "1 ombud" in page.text
    assert done.status_code == 303
    with db.transaction() as s:
        ahead, past = s.get(Visit, world["ahead"]), s.get(Visit, world["past"])
        assert ahead.status is VisitStatus.CANCELLED_BY_STAFF
        assert ahead.cancel_reason == "support_ended"
        assert past.status is VisitStatus.DONE
        # The reports and the cancellation ladder count only the client's own cancellations.
        assert client_cancellations(s, world["sandra"], utcnow() - timedelta(days=30)) == []
        reminder = s.scalar(select(Outbox).where(Outbox.purpose == "reminder"))
        assert reminder.state is OutboxState.CANCELLED
        assert s.get(Proxy, world["lars"]).active is False
        assert s.scalar(select(Device.revoked_at).where(Device.proxy_id == world["lars"]))
        assert s.scalar(select(SupportRequest.status)) is RequestStatus.CLOSED
        escalation = s.scalar(select(Escalation))
        assert escalation.status is EscalationStatus.CLOSED
        assert escalation.outcome is EscalationOutcome.SUPPORT_ENDED
        sandra = s.get(Client, world["sandra"])
        assert sandra.is_closed and sandra.closed_by_id is not None
        assert s.scalar(
            select(AuditEvent.detail).where(
                AuditEvent.subject == "client.case", AuditEvent.action == "change"
            )
        ).startswith("closed (by caseworker)")
    web = https_client(app)
    [sms] = sms_to(web, SANDRA)
    assert sms.endswith("Ring 070-111 00 00.")  # her caseworker's work phone; no word of why
    # Lars's phone no longer opens Sandra's pages.
    lars = https_client(app)
    lars.set_cookie("device", world["lars_device"])
    assert lars.get("/min-dag").status_code == 302


def test_a_closed_client_signing_in_sees_whom_to_call_and_nothing_of_her_record(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    close_as_karin(app, db, world["sandra"])
    web, page = sign_in(app)
    assert "Ditt stöd har slutat" in page
    assert "Karin" in page and "Boendestöd Huddinge" in page
    assert "070-111 00 00" in page and 'href="tel:0701110000"' in page
    main = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0])
    assert lix(main) <= 25, main
    assert web.get_cookie("device") is None
    assert web.get("/min-dag").status_code == 302


def test_the_page_is_in_the_language_she_reads(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        s.get(Client, world["sandra"]).language = "ar"
    close_as_karin(app, db, world["sandra"])
    _, page = sign_in(app)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "انتهى دعمك" in main and "موظف الحالة Karin" in main, main


def test_a_client_still_signed_in_when_the_case_closes_is_shown_whom_to_call(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web, _ = sign_in(app)
    assert "Hej Sandra" in web.get("/min-dag").text
    close_as_karin(app, db, world["sandra"])
    response = web.get("/min-dag", follow_redirects=True)
    assert "Ditt stöd har slutat" in response.text and "Hej Sandra" not in response.text
    # Her own phone, back on the sign-in page later, is told the same at once.
    assert "Ditt stöd har slutat" in web.get("/logga-in").text


def test_reopening_lets_her_sign_in_again_but_brings_back_no_cancelled_visit(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    close_as_karin(app, db, world["sandra"])
    karin = staff_client(app, db, "karin")
    record = f"/personal/klient/{world['sandra']}"
    response = post_form(karin, f"{record}/oppna-igen", {}, page=record)
    assert response.status_code == 303
    web, where = sign_in(app)
    assert where.endswith("/min-dag")
    with db.transaction() as s:
        assert s.get(Visit, world["ahead"]).status is VisitStatus.CANCELLED_BY_STAFF
        assert s.get(Proxy, world["lars"]).active is False
        sandra = s.get(Client, world["sandra"])
        assert sandra.active and sandra.reopened_by_id is not None
        details = s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.subject == "client.case", AuditEvent.action == "change")
            .order_by(AuditEvent.id)
        )
        assert [d.split(" ")[0] for d in details] == ["closed", "reopened"]


def test_only_her_own_caseworker_may_close_the_case(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    lena = staff_client(app, db, "lena")
    assert lena.get(f"/personal/klient/{world['sandra']}/avsluta").status_code == 403
    with db.transaction() as s:
        assert s.get(Client, world["sandra"]).active


def test_closing_twice_is_refused_without_a_second_sms(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    close_as_karin(app, db, world["sandra"])
    _, again = close_as_karin(app, db, world["sandra"])
    assert again.status_code == 409
    assert len(sms_to(https_client(app), SANDRA)) == 1


def sandra_with_decisions(db: Database, *periods: tuple[date, date]) -> int:
    """Sandra in Karin's caseload with decisions for these periods; returns her id."""
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, phone=SANDRA, caseworker=karin)
        for starts_on, ends_on in periods:
            make_decision(s, sandra, starts_on=starts_on, ends_on=ends_on)
        return sandra.id


def test_the_daily_check_closes_a_case_the_day_after_the_last_decision_ended(
    db: Database,
) -> None:
    sandra_id = sandra_with_decisions(
        db, (date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 12, 31))
    )
    with db.transaction() as s:
        olle = make_client(s, first_name="Olle", phone="+46700000099")
        make_decision(s, olle, starts_on=date(2026, 1, 1), ends_on=date(2027, 3, 31))
        olle_id = olle.id
    last_evening = datetime(2026, 12, 31, 22, 30, tzinfo=STOCKHOLM)
    assert close_ended_cases(db, STOCKHOLM, None, now=last_evening) == 0
    next_morning = datetime(2027, 1, 1, 0, 30, tzinfo=STOCKHOLM)
    assert close_ended_cases(db, STOCKHOLM, None, now=next_morning) == 1
    assert close_ended_cases(db, STOCKHOLM, None, now=next_morning) == 0
    with db.transaction() as s:
        sandra, olle = s.get(Client, sandra_id), s.get(Client, olle_id)
        assert sandra.is_closed and sandra.closed_by_id is None
        assert olle.active


def test_a_case_reopened_after_its_decision_ended_is_not_closed_again_by_the_check(
    db: Database,
) -> None:
    sandra_id = sandra_with_decisions(db, (date(2026, 1, 1), date(2026, 6, 30)))
    with time_machine.travel(datetime(2026, 7, 1, 9, tzinfo=STOCKHOLM), tick=False):
        assert close_ended_cases(db, STOCKHOLM, None) == 1
        from portal.lifecycle.closure import reopen_case

        with db.transaction() as s:
            reopen_case(s, s.get(Client, sandra_id), s.get(Client, sandra_id).caseworker, utcnow())
    later = datetime(2026, 7, 2, 9, tzinfo=STOCKHOLM)
    assert close_ended_cases(db, STOCKHOLM, None, now=later) == 0


def test_no_reminder_is_queued_for_a_closed_client(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    from datetime import time

    from models import Recurrence, ReminderChannel, ReminderRule
    from reminders.expansion import Context, expand

    with db.transaction() as s:
        s.add(ReminderRule(client_id=world["sandra"], text="Ta medicinen",
                           channel=ReminderChannel.SMS, recurrence=Recurrence.DAILY,
                           local_time=time(9)))  # fmt: skip
    close_as_karin(app, db, world["sandra"])
    expand(db, Context(zone=STOCKHOLM, public_url="http://localhost"))
    with db.transaction() as s:
        queued = s.scalars(select(Outbox).where(Outbox.state == OutboxState.QUEUED)).all()
        assert queued == []
