"""Units and their areas, kept by an admin: name, the phone clients call, areas with a position."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Area, AuditEvent, Role, Unit
from tests.conftest import post_form
from tests.factories import make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def admins(db) -> dict[str, int]:
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        make_staff(s, "adam", roles=[Role.ADMIN])
        make_staff(s, "ada", roles=[Role.ADMIN], unit_id=north.id)
        make_staff(s, "kai", roles=[Role.CASEWORKER], unit_id=north.id)
        return {"north": north.id, "south": south.id}


def _count(db, model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count(model.id)))


def test_an_admin_adds_a_unit_and_its_areas(app, db, admins) -> None:
    web = staff_client(app, db, "adam")
    response = post_form(web, "/personal/enheter", {"name": "Boendestöd Väst"})
    assert response.status_code == 302
    unit_url = response.location
    response = post_form(
        web, unit_url, {"action": "add_area", "area_name": "Vällingby", "lat": "59,363",
                        "lon": "17,872"},
    )  # fmt: skip
    assert response.status_code == 302
    page = web.get(unit_url)
    assert "Vällingby" in page.text and "59.363" in page.text
    with db.transaction() as s:
        area = s.scalar(select(Area).where(Area.name == "Vällingby"))
        assert (area.lat, area.lon) == (59.363, 17.872)
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "change")) == 2


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"action": "add_area", "area_name": "", "lat": "59", "lon": "18"}, "Skriv ett namn"),
        ({"action": "add_area", "area_name": "Ön", "lat": "18", "lon": "59"}, "inte i Sverige"),
        ({"action": "add_area", "area_name": "Ön", "lat": "nan", "lon": "18"}, "inte i Sverige"),
        ({"action": "add_area", "area_name": "Ön", "lat": "59", "lon": ""}, "inte i Sverige"),
        ({"action": "add_area", "area_name": "Ön", "lat": "", "lon": ""}, "ungefärliga position"),
        ({"action": "details", "name": "Söder"}, "redan en enhet med det namnet"),
        ({"action": "details", "name": "Norr", "phone": "123"}, "inte ett telefonnummer"),
    ],
)
def test_bad_input_is_refused_shown_again_and_nothing_written(app, db, admins, data, says) -> None:
    web = staff_client(app, db, "adam")
    response = post_form(web, f"/personal/enheter/{admins['north']}", data)
    assert response.status_code == 400
    assert says in response.text
    for typed in ("area_name", "phone"):
        if data.get(typed):
            assert f'value="{data[typed]}"' in response.text
    assert _count(db, Area) == 0
    with db.transaction() as s:
        unit = s.get(Unit, admins["north"])
        assert (unit.name, unit.phone) == ("Norr", None)


def test_an_admin_sets_the_phone_clients_of_the_unit_call(app, db, admins) -> None:
    web = staff_client(app, db, "adam")
    page = f"/personal/enheter/{admins['north']}"
    # A switchboard is a fixed line: clients call it, nobody sends it an SMS.
    response = post_form(web, page, {"action": "details", "name": "Norr", "phone": "08-508 000 00"})
    assert response.status_code == 302
    assert 'value="08-508 000 00"' in web.get(page).text
    post_form(web, page, {"action": "details", "name": "Norr", "phone": ""})
    with db.transaction() as s:
        assert s.get(Unit, admins["north"]).phone is None
        changes = s.scalars(select(AuditEvent.detail).where(AuditEvent.subject == "unit")).all()
        assert changes == [f"unit {admins['north']} name or phone changed"] * 2


def test_an_admin_of_a_unit_keeps_only_that_unit(app, db, admins) -> None:
    web = staff_client(app, db, "ada")
    assert "Söder" not in web.get("/personal/enheter").text
    assert web.get(f"/personal/enheter/{admins['south']}").status_code == 404
    page = f"/personal/enheter/{admins['north']}"
    response = post_form(web, "/personal/enheter", {"name": "Ny"}, page=page)
    assert response.status_code == 400 and "hela kommunen" in response.text
    assert _count(db, Unit) == 2


def test_only_an_admin_reaches_the_unit_pages(app, db, admins) -> None:
    web = staff_client(app, db, "kai")
    assert web.get("/personal/enheter").status_code == 403
    assert web.get(f"/personal/enheter/{admins['north']}").status_code == 403
