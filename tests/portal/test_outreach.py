"""The worker's reminders page: rules made with the client, what was sent, delivered, answered."""

import pytest
from sqlalchemy import select

from models import Database, OutboxState, ReminderRule, utcnow
from reminders.expansion import Context, expand
from reminders.outbox import queue_sms
from reminders.texts import render
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        kim = make_staff(s, "kim", first_name="Kim")
        make_staff(s, "other")
        client = make_client(s, first_name="Sandra", workers=[kim])
        return {"client": client.id}


def test_a_worker_adds_a_daily_reminder_and_sees_it_coming_then_sent_and_answered(
    app, db, people
) -> None:
    web = staff_client(app, db, "kim")
    url = f"/personal/klient/{people['client']}/paminnelser"
    response = post_form(
        web,
        url,
        {
            "text": "Ta din medicin",
            "channel": "sms",
            "recurrence": "daily",
            "local_time": "09:00",
            "ask_reply": "y",
            "reply_within_minutes": "45",
        },
    )
    assert response.status_code == 302
    expand(db, Context(app.config["ZONE"], "https://x.se"), now=utcnow())
    page = web.get(url).text
    assert "Ta din medicin" in page and "svara 1 inom 45 min" in page
    assert "Påminnelse: Ta din medicin Svara 1 när du har gjort det." in page  # coming
    with db.transaction() as s:
        row = queue_sms(
            s, "+46700000001", "Påminnelse: Städa", purpose="reminder", client_id=people["client"]
        )
        row.state, row.sent_at, row.delivered_at = OutboxState.DELIVERED, utcnow(), utcnow()
        row.reply, row.replied_at = "1", utcnow()
    page = web.get(url).text
    assert "levererat" in page and "svarade 1 kl" in page


def test_a_reminder_that_names_a_diagnosis_is_refused(app, db, people) -> None:
    web = staff_client(app, db, "kim")
    url = f"/personal/klient/{people['client']}/paminnelser"
    response = post_form(
        web,
        url,
        {
            "text": "Ta din psykosmedicin",
            "channel": "sms",
            "recurrence": "daily",
            "local_time": "09:00",
        },
    )
    assert response.status_code == 400
    assert "Skriv inget om hälsa eller diagnos" in response.text
    with db.transaction() as s:
        assert s.scalars(select(ReminderRule)).all() == []


def test_a_time_in_the_quiet_hours_needs_the_clients_own_choice(app, db, people) -> None:
    web = staff_client(app, db, "kim")
    url = f"/personal/klient/{people['client']}/paminnelser"
    late = {
        "text": "Ta din medicin",
        "channel": "sms",
        "recurrence": "daily",
        "local_time": "22:30",
    }
    assert post_form(web, url, late).status_code == 400
    assert post_form(web, url, {**late, "client_chose_time": "y"}).status_code == 302
    with db.transaction() as s:
        assert s.scalar(select(ReminderRule.allow_quiet_hours)) is True


def test_another_worker_cannot_open_the_page(app, db, people) -> None:
    web = staff_client(app, db, "other")
    assert web.get(f"/personal/klient/{people['client']}/paminnelser").status_code == 403


def test_sms_texts_come_in_the_clients_language(app) -> None:
    assert render("reminder_reply", "en", text="Take your medicine") == (
        "Reminder: Take your medicine Answer 1 when you have done it."
    )
    assert render("opted_out", "sv").startswith("Du får inga fler sms")


def test_visit_reminders_default_to_the_evening_before_and_an_hour_before(app, db, people):
    web = staff_client(app, db, "kim")
    url = f"/personal/klient/{people['client']}/paminnelser"
    post_form(web, url, {"text": "Besök", "channel": "sms", "recurrence": "visit"})
    page = web.get(url).text
    assert "Dagen före besöket kl 18:00" in page and "1 timme före besöket" in page


def test_the_workers_client_record_links_to_the_reminders_and_hides_a_cancelled_visit(
    app, db, people
) -> None:
    from datetime import timedelta

    from models import Client, Staff, VisitStatus
    from tests.factories import make_visit

    with db.transaction() as s:
        client = s.get(Client, people["client"])
        kim = s.scalar(select(Staff).where(Staff.username == "kim"))
        start = utcnow().replace(microsecond=0) + timedelta(days=2)
        make_visit(s, client, kim, start=start)
        cancelled = make_visit(s, client, kim, start=start + timedelta(days=1))
        cancelled.status = VisitStatus.CANCELLED_BY_CLIENT
    page = staff_client(app, db, "kim").get(f"/personal/klient/{people['client']}").text
    upcoming = page[page.index("Kommande besök") : page.index("Händelser")]
    assert upcoming.count("<li>") == 1
    assert f'href="/personal/klient/{people["client"]}/paminnelser"' in page
