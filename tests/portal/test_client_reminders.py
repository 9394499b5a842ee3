"""A client adds, sees and removes their own reminders on the portal."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from models import (
    Client,
    Consent,
    ConsentKind,
    Database,
    Outbox,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
)
from reminders.expansion import Context, expand
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, 13:00 in Stockholm
NEW = "/paminnelser/ny"
CTX = Context(zone=ZONE, public_url="https://boendestod.example.se")


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        sandra = make_client(s, workers=[anna], phone="+46700000001")
        by_anna = ReminderRule(
            client_id=sandra.id,
            text="Tvätta idag",
            channel=ReminderChannel.SMS,
            recurrence=Recurrence.WEEKDAYS,
            weekdays="0,3",
            local_time=time(9, 0),
            created_by_id=anna.id,
        )
        s.add(by_anna)
        s.flush()
        return {"anna": anna.id, "sandra": sandra.id, "by_anna": by_anna.id}


def own_rules(db: Database, client_id: int) -> list[ReminderRule]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(ReminderRule).where(
                    ReminderRule.client_id == client_id, ReminderRule.by_client
                )
            )
        )


def test_sandra_adds_a_daily_reminder_that_goes_out_by_sms_at_her_time(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    assert "Mina påminnelser" in web.get("/min-dag").text
    with time_machine.travel(NOW, tick=False):
        response = post_form(
            web, NEW, {"vad": "0", "nar": "varje-dag", "klockan": "08:30", "hur": "sms"}
        )
        assert response.status_code == 303
        page = web.get("/paminnelser").text
    assert "Påminnelsen är sparad." in page
    assert "Ta din medicin" in page and "Varje dag kl 08:30" in page and "Du får ett sms." in page
    # Anna's reminder is shown too, with a weekday in words, but Sandra cannot remove it.
    assert "Varje måndag, torsdag kl 09:00" in page
    assert page.count('/ta-bort"') == 1

    with time_machine.travel(NOW, tick=False):
        expand(db, CTX, NOW)
    with db.transaction() as s:
        due = [
            row.due_at
            for row in s.scalars(select(Outbox).where(Outbox.body.contains("Ta din medicin")))
        ]
    assert datetime(2026, 11, 25, 8, 30, tzinfo=ZONE) in due  # tomorrow 08:30 local
    anna = staff_client(app, db, "anna")
    staff_page = anna.get(f"/personal/klient/{world['sandra']}/paminnelser").text
    assert "klienten la till" in staff_page and "Varje dag kl 08:30" in staff_page
    assert "Varje måndag, torsdag kl 09:00" in staff_page


def test_a_reminder_only_in_the_app_shows_on_my_day(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    with time_machine.travel(NOW, tick=False):
        post_form(
            web,
            NEW,
            {
                "vad": "egen",
                "egen_text": "Ring mamma",
                "nar": "idag",
                "klockan": "17:00",
                "hur": "appen",
            },
        )
        day = web.get("/min-dag").text
    assert "Ring mamma" in day and "17:00" in day
    with time_machine.travel(NOW, tick=False):
        expand(db, CTX, NOW)
    with db.transaction() as s:  # nothing is sent for an in-app reminder
        assert s.scalars(select(Outbox).where(Outbox.body.contains("Ring mamma"))).first() is None


def test_a_one_off_reminder_leaves_the_list_once_it_has_passed(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    answers = {"vad": "egen", "egen_text": "Ring mamma", "nar": "idag", "klockan": "17:00"}
    with time_machine.travel(NOW, tick=False):
        post_form(web, NEW, {**answers, "hur": "appen"})
        assert "Ring mamma" in web.get("/paminnelser").text
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):  # 18:00 in Stockholm
        assert "Ring mamma" not in web.get("/paminnelser").text


def test_a_time_that_has_passed_is_refused_and_the_answers_are_kept(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    with time_machine.travel(NOW, tick=False):
        response = post_form(
            web,
            NEW,
            {
                "vad": "egen",
                "egen_text": "Köp mjölk",
                "nar": "idag",
                "klockan": "09:15",
                "hur": "sms",
            },
        )
    assert response.status_code == 400
    assert "Tiden har redan varit. Välj en senare tid." in response.text
    assert 'value="Köp mjölk"' in response.text and 'value="09:15"' in response.text
    assert 'value="idag" checked' in response.text and 'value="sms" checked' in response.text
    assert own_rules(db, world["sandra"]) == []


def test_missing_answers_are_each_pointed_out(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    response = post_form(web, NEW, {"vad": "egen", "egen_text": " ", "klockan": "25:00"})
    assert response.status_code == 400
    for message in (
        "Skriv vad du vill komma ihåg.",
        "Välj när.",
        "Skriv en tid, till exempel 08:30.",
        "Välj hur du vill bli påmind.",
    ):
        assert message in response.text
    assert own_rules(db, world["sandra"]) == []


def test_health_words_are_kept_out_of_an_sms(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    response = post_form(
        web,
        NEW,
        {
            "vad": "egen",
            "egen_text": "Möte om min adhd",
            "nar": "imorgon",
            "klockan": "10:00",
            "hur": "sms",
        },
    )
    assert response.status_code == 400
    assert "Skriv inget om hälsa eller diagnos" in response.text
    assert 'value="Möte om min adhd"' in response.text


def test_pressing_save_twice_keeps_one_reminder(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    answers = {"vad": "3", "nar": "imorgon", "klockan": "10:00", "hur": "samtal"}
    with time_machine.travel(NOW, tick=False):
        post_form(web, NEW, answers)
        post_form(web, NEW, answers)
    (rule,) = own_rules(db, world["sandra"])
    assert rule.channel is ReminderChannel.CALL
    assert rule.once_at == datetime(2026, 11, 25, 10, 0, tzinfo=ZONE)


def test_after_stopp_sms_is_not_offered_as_if_it_would_arrive(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        s.get(Client, world["sandra"]).sms_opt_out = True
    web = client_client(app, db, world["sandra"])
    answers = {"vad": "1", "nar": "varje-dag", "klockan": "12:00", "hur": "sms"}
    response = post_form(web, NEW, answers)
    assert response.status_code == 400
    assert "Du har sagt STOPP till sms." in response.text
    assert post_form(web, NEW, {**answers, "hur": "appen"}).status_code == 303


def test_sandra_removes_her_own_reminder_but_not_annas(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, world["sandra"])
    post_form(web, NEW, {"vad": "2", "nar": "varje-dag", "klockan": "11:00", "hur": "appen"})
    (rule,) = own_rules(db, world["sandra"])
    response = post_form(web, f"/paminnelser/{rule.id}/ta-bort", {}, page="/paminnelser")
    assert response.status_code == 303
    page = web.get("/paminnelser").text
    assert "Påminnelsen är borttagen." in page and "Handla mat" not in page
    refused = post_form(web, f"/paminnelser/{world['by_anna']}/ta-bort", {}, page="/paminnelser")
    assert refused.status_code == 403
    assert "Prata med din personal." in refused.text
    with db.transaction() as s:
        assert s.get(ReminderRule, world["by_anna"]).active


def test_a_proxy_manages_reminders_only_with_consent_for_it(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        consent = Consent(client_id=world["sandra"], kind=ConsentKind.PROXY_ACCESS, scope="besök")
        s.add(consent)
        s.flush()
        lars = Proxy(
            client_id=world["sandra"],
            name="Lars Nilsson",
            phone="+46700000003",
            relation=ProxyRelation.GOD_MAN,
            can_see_visits=True,
            consent_id=consent.id,
        )
        s.add(lars)
        s.flush()
        lars_id = lars.id
    web = client_client(app, db, proxy_id=lars_id)
    assert web.get("/paminnelser").status_code == 403
    assert "Mina påminnelser" not in web.get("/min-dag").text
    with db.transaction() as s:
        s.get(Proxy, lars_id).gets_reminders = True
    assert web.get("/paminnelser").status_code == 200
    assert (
        post_form(
            web, NEW, {"vad": "4", "nar": "varje-dag", "klockan": "19:00", "hur": "sms"}
        ).status_code
        == 303
    )


def test_a_busy_week_gets_a_clear_limit(app: Flask, db: Database, world: dict[str, int]) -> None:
    with db.transaction() as s:
        s.add_all(
            ReminderRule(
                client_id=world["sandra"],
                text=f"Sak {n}",
                channel=ReminderChannel.PORTAL,
                recurrence=Recurrence.DAILY,
                local_time=time(8, 0),
                by_client=True,
            )
            for n in range(20)
        )
    web = client_client(app, db, world["sandra"])
    response = post_form(
        web, NEW, {"vad": "0", "nar": "varje-dag", "klockan": "08:00", "hur": "sms"}
    )
    assert response.status_code == 400 and "Ta bort en först." in response.text
