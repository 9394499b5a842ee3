"""Staff accounts in the admin console: create with roles and unit, the one-time enrolment
link, switch off, resets that give a new link, role changes, and the last admin's guard."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import AuditEvent, Database, Role, Staff, StaffEnrolment, Unit, utcnow
from tests.conftest import https_client, post_form
from tests.factories import make_staff
from tests.portal.helpers import PASSWORD, staff_client

pytestmark = pytest.mark.db
NEW = "/personal/admin/konton/ny"
LINK = re.compile(r'id="enrol-anchor">https?://[^<]*(/personal/konto/[^<"]+)<')


@pytest.fixture
def units(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        make_staff(s, "adam", roles=[Role.ADMIN], unit_id=north.id)
        make_staff(s, "sune", unit_id=south.id)
        return {"north": north.id, "south": south.id}


@pytest.fixture
def admin(app, db: Database, units) -> FlaskClient:
    return staff_client(app, db, "adam")


def _create(admin: FlaskClient, units: dict[str, int], **changes: str):
    form = {"username": "karin", "first_name": "Karin", "last_name": "Ek", "phone": "",
            "roles": "caseworker", "unit": str(units["north"]), **changes}  # fmt: skip
    # None: not sent at all, as a browser sends no unticked box.
    return post_form(admin, NEW, {k: v for k, v in form.items() if v is not None})


def _link(response) -> str:
    match = LINK.search(response.text)
    assert match, response.text
    return match.group(1)


def _staff(db: Database, username: str) -> Staff | None:
    with db.transaction() as s:
        staff = s.scalar(select(Staff).where(Staff.username == username))
        if staff is not None:
            s.expunge(staff)
        return staff


def _enrol(app, link: str, data: dict[str, str]):
    return post_form(https_client(app), link, data)


def _sign_in(app, username: str, password: str, secret: str):
    web = https_client(app)
    form = {"username": username, "password": password, "totp": pyotp.TOTP(secret).now()}
    return web, post_form(web, "/personal/logga-in", form)


def test_admin_creates_a_caseworker_who_enrols_through_the_link_once(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    response = _create(admin, units)
    assert response.status_code == 200
    link = _link(response)
    karin = _staff(db, "karin")
    assert karin.unit_id == units["north"]
    with db.transaction() as s:
        assert {r.role for r in s.get(Staff, karin.id).roles} == {Role.CASEWORKER}
        event = s.scalar(select(AuditEvent).where(AuditEvent.subject == "staff.account"))
        assert "karin: created" in event.detail
        stored = s.scalar(select(StaffEnrolment.token_hash))
    assert link.rsplit("/", 1)[1] not in stored  # only the hash is kept

    page = https_client(app).get(link)
    assert page.status_code == 200
    assert "<svg" in page.text and "karin" in page.text
    assert karin.totp_secret in page.text  # to type in by hand when scanning fails

    new_password = "ett långt lösenord"
    done = _enrol(app, link, {"password": new_password, "repeat": new_password,
                              "code": pyotp.TOTP(karin.totp_secret).now()})  # fmt: skip
    assert done.status_code == 303 and done.location.endswith("/personal/logga-in")
    web, signed_in = _sign_in(app, "karin", new_password, karin.totp_secret)
    assert signed_in.status_code == 302
    assert web.get("/personal/arenden").status_code == 200
    assert https_client(app).get(link).status_code == 404  # used once


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"password": "kort", "repeat": "kort"}, "för kort"),
        ({"password": "ett långt lösenord", "repeat": "ett annat lösenord"}, "inte lika"),
        ({"password": "ett långt lösenord", "repeat": "ett långt lösenord", "code": "000000"},
         "Koden stämmer inte"),
    ],
)  # fmt: skip
def test_a_refused_enrolment_writes_nothing_and_keeps_the_link(
    app: Flask,
    db: Database,
    units: dict[str, int],
    admin: FlaskClient,
    data: dict[str, str],
    says: str,
) -> None:
    link = _link(_create(admin, units))
    before = _staff(db, "karin").password_hash
    data = {"code": "", **data}
    response = _enrol(app, link, data)
    assert response.status_code == 400
    assert says in response.text
    assert f'value="{data["code"]}"' in response.text  # what was typed is shown again
    assert _staff(db, "karin").password_hash == before
    assert https_client(app).get(link).status_code == 200


def test_an_expired_or_replaced_link_opens_nothing(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    first = _link(_create(admin, units))
    karin = _staff(db, "karin")
    second = _link(post_form(admin, f"/personal/admin/konton/{karin.id}/ny-kod", {},
                             page=f"/personal/admin/konton/{karin.id}"))  # fmt: skip
    assert https_client(app).get(first).status_code == 404
    assert https_client(app).get(second).status_code == 200
    with db.transaction() as s:
        s.execute(StaffEnrolment.__table__.update().values(expires_at=utcnow() - timedelta(1)))
    assert https_client(app).get(second).status_code == 404
    assert https_client(app).get("/personal/konto/" + "x" * 300).status_code == 404


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"username": "adam"}, "finns redan"),
        ({"roles": None}, "minst en roll"),
        ({"phone": "08-123 456 78"}, "inte ett mobilnummer"),
        ({"username": "kar in"}, "bara bokstäver"),
        ({"first_name": ""}, "Skriv förnamnet"),
    ],
)
def test_a_refused_account_is_shown_again_as_typed_and_nothing_is_written(
    db: Database, units: dict[str, int], admin: FlaskClient, changes: dict[str, str], says: str
) -> None:
    with db.transaction() as s:
        count = s.scalar(select(func.count(Staff.id)))
    response = _create(admin, units, last_name="Eklund-Typad", **changes)
    assert response.status_code == 400
    assert says in response.text
    assert 'value="Eklund-Typad"' in response.text
    with db.transaction() as s:
        assert s.scalar(select(func.count(Staff.id))) == count
        assert s.scalar(select(func.count(StaffEnrolment.id))) == 0


def test_a_unit_admin_manages_only_their_units_accounts(
    db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    sune = _staff(db, "sune")
    assert admin.get(f"/personal/admin/konton/{sune.id}").status_code == 404
    assert "sune" not in admin.get("/personal/admin").text
    response = _create(admin, units, unit=str(units["south"]))
    assert response.status_code == 400 and _staff(db, "karin") is None


def test_switching_off_ends_every_session_and_the_account_can_come_back(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna", unit_id=units["north"])
        anna_id = anna.id
    anna_web = staff_client(app, db, "anna")
    assert anna_web.get("/personal/idag").status_code == 200
    page = f"/personal/admin/konton/{anna_id}"
    off = post_form(admin, f"{page}/stang-av", {}, page=page)
    assert off.status_code == 303
    assert "är avstängd. 1 inloggningar" in admin.get(page).text
    assert anna_web.get("/personal/idag").status_code == 302
    assert not _staff(db, "anna").active
    assert post_form(admin, f"{page}/sla-pa", {}, page=page).status_code == 303
    assert _staff(db, "anna").active


def test_the_last_admin_cannot_switch_themselves_off_or_drop_the_admin_role(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    me = _staff(db, "adam")
    page = f"/personal/admin/konton/{me.id}"
    off = post_form(admin, f"{page}/stang-av", {}, page=page)
    assert off.status_code == 409 and "sista aktiva administratören" in off.text
    roles = post_form(admin, f"{page}/roller", {"roles": "worker", "unit": str(units["north"])},
                      page=page)  # fmt: skip
    assert roles.status_code == 400 and "sista aktiva administratören" in roles.text
    assert _staff(db, "adam").active
    with db.transaction() as s:
        assert s.get(Staff, me.id).role_set == {Role.ADMIN}
        make_staff(s, "alma", roles=[Role.ADMIN], unit_id=units["north"])
    both = {"roles": ["admin", "manager"], "unit": str(units["north"])}
    roles = post_form(admin, f"{page}/roller", both, page=page)
    assert roles.status_code == 303
    with db.transaction() as s:
        assert s.get(Staff, me.id).role_set == {Role.ADMIN, Role.MANAGER}


def test_a_password_reset_stops_the_old_password_and_the_link_sets_a_new_one(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna", unit_id=units["north"])
        anna_id, secret = anna.id, anna.totp_secret
    page = f"/personal/admin/konton/{anna_id}"
    link = _link(post_form(admin, f"{page}/nytt-losenord", {}, page=page))
    assert _sign_in(app, "anna", PASSWORD, secret)[1].status_code == 401
    response = _enrol(
        app, link, {"password": "nytt och långt lösen", "repeat": "nytt och långt lösen"}
    )
    assert response.status_code == 303
    assert _sign_in(app, "anna", "nytt och långt lösen", secret)[1].status_code == 302


def test_a_totp_reset_gives_a_new_secret_confirmed_through_the_link(
    app: Flask, db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna", unit_id=units["north"])
        anna_id, old = anna.id, anna.totp_secret
    page = f"/personal/admin/konton/{anna_id}"
    link = _link(post_form(admin, f"{page}/ny-kod", {}, page=page))
    new = _staff(db, "anna").totp_secret
    assert new != old
    assert _sign_in(app, "anna", PASSWORD, old)[1].status_code == 401
    assert _enrol(app, link, {"code": pyotp.TOTP(new).now()}).status_code == 303
    assert _sign_in(app, "anna", PASSWORD, new)[1].status_code == 302


def test_the_cli_keeps_the_last_admin_by_the_same_rule(db: Database, units: dict[str, int]) -> None:
    from click.testing import CliRunner

    from portal.cli import main

    result = CliRunner(env={"DATABASE_URL": db.url}).invoke(
        main, ["switch-off-staff", "--username", "adam"]
    )
    assert result.exit_code == 1 and "sista aktiva administratören" in result.output
    assert _staff(db, "adam").active


def test_a_workers_gender_is_set_on_the_new_account_and_changed_on_the_account_page(
    db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    assert 'value="woman"' in admin.get(NEW).text
    assert _create(admin, units, roles="worker", gender="woman").status_code == 200
    karin = _staff(db, "karin")
    assert karin.gender == "woman"
    page = f"/personal/admin/konton/{karin.id}"
    assert '<option selected value="woman">' in admin.get(page).text
    form = {"roles": "worker", "unit": str(units["north"]), "gender": ""}
    assert post_form(admin, f"{page}/roller", form, page=page).status_code == 303
    assert _staff(db, "karin").gender is None  # not recorded: matched for neither
    with db.transaction() as s:
        said = s.scalars(select(AuditEvent.detail).where(AuditEvent.subject == "staff.account"))
        assert f"karin: roles worker, unit {units['north']}, gender None" in list(said)


def test_a_gender_not_in_the_list_is_refused_and_nothing_is_written(
    db: Database, units: dict[str, int], admin: FlaskClient
) -> None:
    response = _create(admin, units, gender="other")
    assert response.status_code == 400 and 'value="Karin"' in response.text
    assert _staff(db, "karin") is None
