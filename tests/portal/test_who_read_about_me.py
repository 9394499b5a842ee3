""" "Vem har läst om mig?": the client sees who opened their record, and can ask about a reader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Client,
    Consent,
    ConsentKind,
    Database,
    Proxy,
    ProxyRelation,
    Role,
    Staff,
    Task,
    TaskKind,
    Unit,
    utcnow,
)
from portal.access import audit_list, audit_read
from portal.app import create_app
from portal.config import ConfigError, from_env
from portal.tasks import open_tasks_for
from tests.conftest import csrf_from
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        anna = make_staff(s, "anna", unit_id=north.id)
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=north.id)
        mona = make_staff(s, "mona", roles=[Role.MANAGER], unit_id=north.id)
        sven = make_staff(s, "sven", roles=[Role.MANAGER], unit_id=south.id)
        sandra = make_client(s, workers=[anna], unit_id=north.id)
        other = make_client(s, "Siv", "Qvist", unit_id=north.id)
        return {
            "anna": anna.id, "cecilia": cecilia.id, "mona": mona.id, "sven": sven.id,
            "sandra": sandra.id, "other": other.id,
        }  # fmt: skip


def _read(db: Database, staff_id: int, client_id: int, subject: str, ago: timedelta) -> int:
    with db.transaction() as s:
        audit_read(s, staff_id, client_id, subject, utcnow() - ago, "10.0.0.1")
        return s.scalar(select(func.max(AuditEvent.id)))


def test_the_client_sees_roles_not_names_newest_first(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    _read(db, world["anna"], world["sandra"], "client.record", timedelta(days=2))
    staff_client(app, db, "cecilia").get(f"/personal/klient/{world['sandra']}")
    with db.transaction() as s:
        audit_list(s, world["anna"], [world["sandra"], world["other"]], "visits.day",
                   utcnow() - timedelta(days=3), None)  # fmt: skip
    _read(db, world["anna"], world["other"], "client.record", timedelta(hours=1))
    page = client_client(app, db, client_id=world["sandra"]).get("/vem-har-last").text
    items = page.split('class="rule"')[1:]
    assert len(items) == 3, "her own reads: the record twice and one list (not Siv's)"
    assert "En samordnare" in items[0] and "Hela din akt." in items[0]
    assert "En personal" in items[1] and "Hela din akt." in items[1]
    assert "En lista med ditt namn." in items[2]
    assert "Cecilia" not in page and "Anna" not in page


def test_names_are_shown_when_the_municipality_says_so(
    settings, db: Database, world: dict[str, int]
) -> None:
    _read(db, world["cecilia"], world["sandra"], "client.messages", timedelta(hours=1))
    app = create_app(settings.with_(readers_shown="names"), db=db)
    try:
        page = client_client(app, db, client_id=world["sandra"]).get("/vem-har-last").text
    finally:
        app.extensions["boendestod.dispatcher"].shutdown()
    assert "En samordnare: Cecilia Testsson." in page
    assert "Dina meddelanden." in page


def test_the_setting_is_checked_at_start() -> None:
    base = {"APP_ENV": "test", "DATABASE_URL": "sqlite://"}
    assert from_env("test", base).readers_shown == "roles"
    assert from_env("test", {**base, "READERS_SHOWN": "Names"}).readers_shown == "names"
    with pytest.raises(ConfigError, match="READERS_SHOWN"):
        from_env("test", {**base, "READERS_SHOWN": "everything"})


def test_readers_come_a_page_at_a_time(app: Flask, db: Database, world: dict[str, int]) -> None:
    for hours in range(23):
        _read(db, world["anna"], world["sandra"], "client.visit", timedelta(hours=hours + 1))
    web = client_client(app, db, client_id=world["sandra"])
    first = web.get("/vem-har-last").text
    assert first.count('class="rule"') == 10 and 'href="/vem-har-last?sida=2"' in first
    last = web.get("/vem-har-last?sida=3").text
    assert last.count('class="rule"') == 3 and "sida=4" not in last
    for junk in ("abc", "-1", "0", "١", "99999999999999"):
        answer = web.get(f"/vem-har-last?sida={junk}")
        assert answer.status_code == 200, junk
    assert web.get("/vem-har-last?sida=abc").text.count('class="rule"') == 10
    beyond = web.get("/vem-har-last?sida=500").text
    assert "Det finns inget mer." in beyond and 'href="/vem-har-last"' in beyond


def test_one_press_asks_the_units_manager_and_only_once(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    event_id = _read(db, world["anna"], world["sandra"], "client.record", timedelta(hours=1))
    web = client_client(app, db, client_id=world["sandra"])
    page = web.get("/vem-har-last")
    asked = web.post(f"/vem-har-last/{event_id}/fraga", data={"csrf_token": csrf_from(page.text)})
    assert asked.status_code == 303
    after = web.get(asked.location).text
    assert "Tack! Vi har frågat chefen." in after
    assert "Du har frågat om det här." in after
    again = web.post(  # the page number it carries back is only a hidden field: junk is page 1
        f"/vem-har-last/{event_id}/fraga", data={"csrf_token": csrf_from(page.text), "sida": "x"}
    )
    assert again.status_code == 303 and again.location == "/vem-har-last"
    with db.transaction() as s:
        tasks = s.scalars(select(Task).where(Task.kind == TaskKind.UNEXPECTED_READER)).all()
        assert len(tasks) == 1
        task = tasks[0]
        assert task.client_id == world["sandra"] and task.for_role is Role.MANAGER
        assert "Anna Testsson" in task.text and "client.record" in task.text
        mona, sven = s.get(Staff, world["mona"]), s.get(Staff, world["sven"])
        assert [t.id for t in open_tasks_for(s, mona)] == [task.id]
        assert open_tasks_for(s, sven) == [], "another unit's manager is not asked"


def test_a_read_of_someone_else_cannot_be_reported(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    theirs = _read(db, world["anna"], world["other"], "client.record", timedelta(hours=1))
    web = client_client(app, db, client_id=world["sandra"])
    token = csrf_from(web.get("/vem-har-last").text)
    for event_id in (theirs, 999999):
        refused = web.post(f"/vem-har-last/{event_id}/fraga", data={"csrf_token": token})
        assert refused.status_code == 404
        assert "Vi hittar inte det du vill fråga om." in refused.text
    with db.transaction() as s:
        assert s.scalar(select(func.count(Task.id))) == 0


def test_the_manager_finds_the_question_on_her_start_page_with_the_log_a_click_away(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    event_id = _read(db, world["anna"], world["sandra"], "client.record", timedelta(hours=1))
    web = client_client(app, db, client_id=world["sandra"])
    token = csrf_from(web.get("/vem-har-last").text)
    web.post(f"/vem-har-last/{event_id}/fraga", data={"csrf_token": token})
    page = staff_client(app, db, "mona").get("/personal/nyckeltal").text
    assert "Sandra Nilsson undrar varför Anna Testsson läste client.record" in page
    assert f'href="/personal/logg?klient={world["sandra"]}"' in page
    assert "undrar" not in staff_client(app, db, "sven").get("/personal/nyckeltal").text


def test_a_proxy_with_consent_may_ask_too_and_is_named(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    event_id = _read(db, world["anna"], world["sandra"], "client.record", timedelta(hours=1))
    with db.transaction() as s:
        consent = Consent(client_id=world["sandra"], kind=ConsentKind.PROXY_ACCESS,
                          scope="Får se allt om mig")  # fmt: skip
        s.add(consent)
        s.flush()
        lars = Proxy(
            client_id=world["sandra"], name="Lars Nilsson", phone="+46700000003",
            relation=ProxyRelation.GOD_MAN, can_see_records=True, consent_id=consent.id,
        )  # fmt: skip
        s.add(lars)
        s.flush()
        lars_id = lars.id
    web = client_client(app, db, proxy_id=lars_id)
    page = web.get("/vem-har-last")
    assert "En personal." in page.text
    web.post(f"/vem-har-last/{event_id}/fraga", data={"csrf_token": csrf_from(page.text)})
    with db.transaction() as s:
        task = s.scalar(select(Task).where(Task.kind == TaskKind.UNEXPECTED_READER))
        assert "Frågan kom från Lars Nilsson, som hjälper Sandra." in task.text


@pytest.mark.parametrize(
    ("language", "heading", "role"),
    [("ar", "من قرأ عني؟", "موظف"), ("en", "Who has read about me?", "A staff member")],
)
def test_the_page_speaks_the_clients_language(
    app: Flask, db: Database, world: dict[str, int], language: str, heading: str, role: str
) -> None:
    _read(db, world["anna"], world["sandra"], "client.record", timedelta(hours=1))
    with db.transaction() as s:
        s.get(Client, world["sandra"]).language = language
    web = client_client(app, db, client_id=world["sandra"])
    page = web.get("/vem-har-last").text
    assert heading in page and role in page
    assert "Vem har läst" not in page and "En personal" not in page
    records = web.get("/mina-uppgifter/fil.html").text
    assert f'lang="{language}"' in records and "Mina uppgifter" not in records
