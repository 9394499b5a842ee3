"""Every staff query for client data is scoped, and every read is audited."""

import pytest
from flask import Flask
from sqlalchemy import select

from models import AuditEvent, Database, Role, Unit
from tests.conftest import https_client, post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        syd, norr = Unit(name="Syd"), Unit(name="Norr")
        s.add_all([syd, norr])
        s.flush()
        anna = make_staff(s, "anna", unit_id=syd.id)
        omar = make_staff(s, "omar", unit_id=syd.id)
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], unit_id=syd.id)
        kalle = make_staff(s, "kalle", roles=[Role.CASEWORKER], unit_id=syd.id)
        make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=norr.id)
        make_staff(s, "admin", roles=[Role.ADMIN])
        sandra = make_client(s, "Sandra", workers=[anna], caseworker=karin, unit_id=syd.id)
        olle = make_client(s, "Olle", workers=[omar], caseworker=kalle, unit_id=syd.id)
        return {"sandra": sandra.id, "olle": olle.id}


def audit(db: Database) -> list[tuple[str | None, int | None, str, str]]:
    with db.transaction() as s:
        rows = s.execute(
            select(
                AuditEvent.actor_staff_id,
                AuditEvent.client_id,
                AuditEvent.action,
                AuditEvent.subject,
            ).order_by(AuditEvent.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_a_worker_opens_their_own_client_and_the_read_is_audited(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    page = web.get(f"/personal/klient/{world['sandra']}")
    assert page.status_code == 200 and "Sandra" in page.text
    [(actor, client_id, action, subject)] = audit(db)
    assert (client_id, action, subject) == (world["sandra"], "read", "client.record")
    assert actor is not None


def test_a_worker_asking_for_another_workers_client_gets_403_and_no_data(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    page = web.get(f"/personal/klient/{world['olle']}")
    assert page.status_code == 403
    assert "Olle" not in page.text and "Testsson" not in page.text
    [(_, client_id, action, _)] = audit(db)
    assert (client_id, action) == (world["olle"], "refused")


def test_caseworkers_see_only_their_caseload(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "karin")
    assert web.get(f"/personal/klient/{world['sandra']}").status_code == 200
    assert web.get(f"/personal/klient/{world['olle']}").status_code == 403
    listing = web.get("/personal/klienter").text
    assert "Sandra" in listing and "Olle" not in listing


def test_a_coordinator_sees_the_clients_of_their_own_unit_only(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "cecilia")  # works in Norr; both clients are in Syd
    assert web.get(f"/personal/klient/{world['sandra']}").status_code == 403


def test_an_admin_manages_accounts_but_reads_no_client_record(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "admin")
    assert "anna" in web.get("/personal/admin").text
    assert web.get(f"/personal/klient/{world['sandra']}").status_code == 403


def test_an_unknown_client_id_is_refused_like_someone_elses(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    assert web.get("/personal/klient/999999").status_code == 403


def test_staff_pages_refuse_other_roles(app: Flask, db: Database, world: dict[str, int]) -> None:
    web = staff_client(app, db, "anna")
    assert web.get("/personal/arenden").status_code == 403
    assert web.get("/personal/admin").status_code == 403
    assert web.get("/min-dag").status_code == 403


def test_staff_sign_a_client_out_of_every_device(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    from tests.portal.test_client_sign_in import SANDRA, enter_code, latest_code

    with db.transaction() as s:
        from models import Client

        s.get(Client, world["sandra"]).phone = SANDRA
    phone = https_client(app)
    post_form(phone, "/logga-in", {"phone": SANDRA})
    enter_code(phone, latest_code(phone))
    assert phone.get("/min-dag").status_code == 200

    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{world['sandra']}/enheter/logga-ut"
    response = post_form(web, url, {}, page=f"/personal/klient/{world['sandra']}")
    assert response.status_code == 302
    assert "utloggad på 1 enheter" in web.get(response.location).text
    assert phone.get("/min-dag").status_code == 302
    assert ("change", "client.devices") in [(a, s) for _, _, a, s in audit(db)]
