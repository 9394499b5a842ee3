"""The audit log, readable: a manager searches their unit's, an admin everyone's; CSV too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import AuditEvent, AuditEventClient, Database, Role, Unit, utcnow
from portal.access import audit_list, audit_read
from portal.timeutil import local_today
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    """Norr with Sandra, Söder with Siv; reads of both, a change, a refusal, a list."""
    now = utcnow()
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        anna = make_staff(s, "anna", unit_id=north.id)
        sune = make_staff(s, "sune", first_name="Sune", unit_id=south.id)
        make_staff(s, "mona", roles=[Role.MANAGER], unit_id=north.id)
        make_staff(s, "adam", roles=[Role.ADMIN])
        make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=north.id)
        sandra = make_client(s, workers=[anna], unit_id=north.id)
        siv = make_client(s, "=Siv", "Qvist", workers=[sune], unit_id=south.id)
        audit_read(s, anna.id, sandra.id, "client.record", now - timedelta(days=10), "10.0.0.1")
        audit_read(s, sune.id, siv.id, "client.record", now - timedelta(days=1), "10.0.0.2")
        s.add(
            AuditEvent(
                at=now - timedelta(hours=5),
                actor_staff_id=anna.id,
                client_id=sandra.id,
                action="change",
                subject="client.plan",
            )
        )
        s.add(
            AuditEvent(
                at=now - timedelta(hours=4),
                actor_staff_id=anna.id,
                client_id=None,
                action="refused",
                subject="client.record",
                detail="no client 99",
            )
        )
        audit_list(s, anna.id, [sandra.id, siv.id], "visits.day", now - timedelta(hours=3), None)
        return {"sandra": sandra.id, "siv": siv.id, "anna": anna.id}  # fmt: skip


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("<tr>")[1:] if "Inget hittades" not in row]


def test_a_manager_sees_her_units_clients_only(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    page = staff_client(app, db, "mona").get("/personal/logg")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 3, "Sandra's read, change and list row; nothing of Siv or no client"
    assert "Siv" not in page.text and "Sune" not in page.text
    assert "Sandra Nilsson" in rows[0] and "visits.day" in rows[0]
    assert "ändrat" in rows[1] and "läst" in rows[2]


def test_an_admin_sees_every_row(app: Flask, db: Database, world: dict[str, int]) -> None:
    page = staff_client(app, db, "adam").get("/personal/logg").text
    rows = _rows(page)
    assert len(rows) == 6, "two reads, a change, a refusal without client, a list of two"
    assert "no client 99" in page and "=Siv Qvist" in page


def test_search_by_client_staff_period_and_kind(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "adam")

    def found(query: str) -> int:
        """Rows of the world's events (each search adds the admin's own look at the log)."""
        rows = _rows(web.get(f"/personal/logg?{query}").text)
        return len([row for row in rows if "<td>audit.log</td>" not in row])

    assert found("klient=qvist") == 2
    assert found(f"klient={world['sandra']}") == 3
    assert found("personal=sune") == 1
    assert found("handelse=change") == 1
    with app.app_context():
        today = local_today(utcnow())
    week = (today - timedelta(days=7)).isoformat()
    assert found(f"fran={week}") == 5
    assert found(f"till={week}") == 1
    assert found("klient=%25") == 0, "% is a percent sign, not a wildcard"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fran=2026-13-40", "Skriv dagen så här: 2026-03-01."),
        ("fran=2026-03-05&till=2026-03-01", "Till-dagen kommer före från-dagen."),
        ("handelse=delete", "Välj läst, ändrat eller nekat."),
        ("klient=" + "x" * 81, "Skriv högst 80 tecken."),
    ],
)
def test_bad_searches_are_shown_again_with_what_to_fix(
    app: Flask, db: Database, world: dict[str, int], query: str, message: str
) -> None:
    web = staff_client(app, db, "mona")
    for url in ("/personal/logg", "/personal/logg.csv"):
        answer = web.get(f"{url}?{query}")
        assert answer.status_code == 400
        assert message in answer.text
    assert 'value="2026-13-40"' in web.get("/personal/logg?fran=2026-13-40").text
    assert web.get("/personal/logg?sida=abc").status_code == 200


def test_the_log_comes_a_page_at_a_time(app: Flask, db: Database, world: dict[str, int]) -> None:
    with db.transaction() as s:
        for minutes in range(60):
            audit_read(s, world["anna"], world["sandra"], "client.visit",
                       utcnow() - timedelta(minutes=minutes), None)  # fmt: skip
    web = staff_client(app, db, "mona")
    first = web.get("/personal/logg?klient=Sandra").text
    assert len(_rows(first)) == 50 and "sida=2" in first
    # 60 + Sandra's 3 + Mona's look at page one, which showed Sandra.
    assert len(_rows(web.get("/personal/logg?klient=Sandra&sida=2").text)) == 14


def test_the_csv_holds_the_search_and_opens_safely_in_a_spreadsheet(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    answer = staff_client(app, db, "adam").get("/personal/logg.csv?klient=Siv")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["tid", "handelse", "vad"]
    assert len(rows) == 3
    assert {r[6] for r in rows[1:]} == {"'=Siv Qvist"}, "no formula runs from a name"
    manager = staff_client(app, db, "mona").get("/personal/logg.csv").text
    assert "Siv" not in manager and "Sandra" in manager


def test_looking_at_the_log_is_itself_logged(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "mona")
    web.get("/personal/logg?personal=anna")
    web.get("/personal/logg?klient=nobody")
    web.get("/personal/logg.csv")
    with db.transaction() as s:
        looks = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject.in_(["audit.log", "audit.export"]))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.subject for e in looks] == ["audit.log", "audit.log", "audit.export"]
        assert looks[0].detail == "log personal=anna"
        named = s.scalars(
            select(AuditEventClient.client_id).where(AuditEventClient.audit_event_id == looks[0].id)
        ).all()
        assert named == [world["sandra"]]
        assert looks[1].detail == "log klient=nobody"


@pytest.mark.parametrize("who", ["anna", "cecilia"])
def test_other_roles_may_not_read_the_log(
    app: Flask, db: Database, world: dict[str, int], who: str
) -> None:
    web = staff_client(app, db, who)
    assert web.get("/personal/logg").status_code == 403
    assert web.get("/personal/logg.csv").status_code == 403
