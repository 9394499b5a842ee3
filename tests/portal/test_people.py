"""Registering and keeping a client in the console: who may, what is refused, what is audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Area,
    AuditEvent,
    Client,
    Decision,
    Role,
    Unit,
    Visit,
)
from portal.demo.places import valid_number
from tests.conftest import post_form
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db

#: Valid numbers (Luhn digit computed), as a caseworker would type them.
NEW_NUMBER = "19811228-9809"
OTHER_NUMBER = "19900101-9802"


@pytest.fixture
def people(db) -> dict[str, int]:
    """Norr (with Centrum) and Söder (with Hagen); a caseworker, coordinator and workers each."""
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        centrum = Area(unit_id=north.id, name="Centrum", lat=59.33, lon=18.06)
        hagen = Area(unit_id=south.id, name="Hagen", lat=59.25, lon=18.0)
        s.add_all([centrum, hagen])
        kai = make_staff(s, "kai", roles=[Role.CASEWORKER], unit_id=north.id)
        kerstin = make_staff(s, "kerstin", roles=[Role.CASEWORKER], unit_id=north.id)
        nora = make_staff(s, "nora", roles=[Role.COORDINATOR], unit_id=north.id)
        sara = make_staff(s, "sara", roles=[Role.COORDINATOR], unit_id=south.id)
        nils = make_staff(s, "nils", unit_id=north.id)
        make_staff(s, "adam", roles=[Role.ADMIN])
        make_staff(s, "maja", roles=[Role.MANAGER], unit_id=north.id)
        petra = make_client(
            s, "Petra", "Berg", phone="+46701110000", caseworker=kerstin, unit_id=north.id,
            personal_number="199001019802", workers=[nils],
        )  # fmt: skip
        s.flush()
        return {
            "north": north.id, "south": south.id, "centrum": centrum.id, "hagen": hagen.id,
            "kai": kai.id, "kerstin": kerstin.id, "nora": nora.id, "sara": sara.id,
            "nils": nils.id, "petra": petra.id,
        }  # fmt: skip


def _form(ids: dict[str, int], **changes: str) -> dict[str, str]:
    form = {
        "first_name": "Hanna", "last_name": "Ström", "personal_number": NEW_NUMBER,
        "phone": "070-123 45 67", "language": "sv", "address": "Storgatan 1",
        "area_id": str(ids["centrum"]), "lat": "", "lon": "", "unit_id": str(ids["north"]),
        "caseworker_id": str(ids["kai"]),
    }  # fmt: skip
    return {**form, **changes}


def _clients(db) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count(Client.id)))


def test_a_caseworker_registers_a_client_placed_by_her_area(app, db, people) -> None:
    web = staff_client(app, db, "kai")
    response = post_form(web, "/personal/klienter/ny", _form(people))
    assert response.status_code == 302, response.text
    with db.transaction() as s:
        hanna = s.scalar(select(Client).where(Client.first_name == "Hanna"))
        assert (hanna.personal_number, hanna.phone) == ("198112289809", "+46701234567")
        assert (hanna.lat, hanna.lon, hanna.area_id) == (59.33, 18.06, people["centrum"])
        assert hanna.caseworker_id == people["kai"]
        event = s.scalar(select(AuditEvent).where(AuditEvent.client_id == hanna.id))
        assert (event.action, event.subject, event.detail) == ("change", "client.details",
                                                               "registered")  # fmt: skip
    page = web.get(response.location)
    assert "19811228-9809" in page.text


def test_an_exact_position_wins_over_the_area(app, db, people) -> None:
    web = staff_client(app, db, "kai")
    form = _form(people, lat="59,341", lon="18.07")
    assert post_form(web, "/personal/klienter/ny", form).status_code == 302
    with db.transaction() as s:
        hanna = s.scalar(select(Client).where(Client.first_name == "Hanna"))
        assert (hanna.lat, hanna.lon) == (59.341, 18.07)


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [
        ("personal_number", "19811228-9808", "sista siffran passar inte"),
        ("personal_number", "19811232-9809", "Datumet i personnumret finns inte"),
        ("personal_number", "1981122", "10 eller 12 siffror"),
        ("phone", "08-123 456 78", "inte ett mobilnummer"),
        ("phone", "hej", "inte ett mobilnummer"),
        ("lat", "18.06", "ligger inte i Sverige"),
        ("area_id", "hagen", "hör inte till den valda enheten"),
        ("caseworker_id", "kerstin", "din egen ärendelista"),
        ("caseworker_id", "nils", "Välj en handläggare"),
        ("unit_id", "9999", "Välj en enhet"),
        ("language", "fi", "Välj ett språk"),
        ("wanted_gender", "other", "Välj ett svar i listan"),
    ],
)
def test_a_refused_form_says_why_keeps_what_was_typed_and_writes_nothing(
    app, db, people, field: str, typed: str, says: str
) -> None:
    web = staff_client(app, db, "kai")
    value = str(people.get(typed, typed))
    form = _form(people, **{field: value}, **({"lon": "18.0"} if field == "lat" else {}))
    before = _clients(db)
    response = post_form(web, "/personal/klienter/ny", form)
    assert response.status_code == 400
    assert says in response.text
    assert 'value="Hanna"' in response.text and 'value="Storgatan 1"' in response.text
    assert _clients(db) == before


def test_a_duplicate_number_links_to_the_client_when_the_user_may_see_her(app, db, people) -> None:
    # Kerstin keeps Petra: she gets a link to her; Kai does not keep her and learns nothing more.
    form = _form(people, personal_number="900101-9802", caseworker_id=str(people["kerstin"]))
    kerstin = staff_client(app, db, "kerstin")
    response = post_form(kerstin, "/personal/klienter/ny", form)
    assert response.status_code == 400
    assert "Det finns redan en klient med det personnumret" in response.text
    assert f"/personal/klient/{people['petra']}/uppgifter" in response.text
    kai = staff_client(app, db, "kai")
    response = post_form(kai, "/personal/klienter/ny", _form(people, personal_number="900101-9802"))
    assert "Det finns redan en klient med det personnumret" in response.text
    assert f"/klient/{people['petra']}" not in response.text
    assert "Petra" not in response.text and "Norr" in response.text  # only the unit choice
    assert _clients(db) == 1


def test_a_duplicate_phone_is_refused(app, db, people) -> None:
    web = staff_client(app, db, "kai")
    response = post_form(web, "/personal/klienter/ny", _form(people, phone="070-111 00 00"))
    assert response.status_code == 400
    assert "En annan klient har redan det mobilnumret" in response.text
    assert _clients(db) == 1


def test_a_first_decision_is_saved_with_the_client_or_neither_is(app, db, people) -> None:
    web = staff_client(app, db, "kai")
    day = date.today()
    decision = {
        "with_decision": "y", "decision-starts_on": day.isoformat(),
        "decision-ends_on": (day - timedelta(days=1)).isoformat(),
        "decision-granted_minutes": "240", "decision-granted_per": "week",
        "decision-goals-0-text": "Handla själv",
    }  # fmt: skip
    response = post_form(web, "/personal/klienter/ny", {**_form(people), **decision})
    assert response.status_code == 400
    assert "Slutdatum kan inte vara före startdatum" in response.text
    assert _clients(db) == 1
    decision["decision-ends_on"] = (day + timedelta(days=365)).isoformat()
    response = post_form(web, "/personal/klienter/ny", {**_form(people), **decision})
    assert response.status_code == 302, response.text
    with db.transaction() as s:
        made = s.scalar(select(Decision).join(Client).where(Client.first_name == "Hanna"))
        assert made.granted_minutes == 240 and made.caseworker_id == people["kai"]
        assert [g.text for g in made.goals] == ["Handla själv"]


def test_the_number_is_whole_for_who_keeps_the_client_and_masked_for_others(
    app, db, people
) -> None:
    record = f"/personal/klient/{people['petra']}"
    kerstin = staff_client(app, db, "kerstin").get(record)
    assert "19900101-9802" in kerstin.text
    for who in ("nora", "nils", "maja"):
        page = staff_client(app, db, who).get(record)
        assert page.status_code == 200, who
        assert "19900101-****" in page.text and "9802" not in page.text, who


def test_moving_a_client_is_audited_and_her_visits_stay(app, db, people) -> None:
    with db.transaction() as s:
        petra = s.get(Client, people["petra"])
        visit_id = make_visit(s, petra, s.get(type(petra.caseworker), people["nils"])).id
    web = staff_client(app, db, "kerstin")
    url = f"/personal/klient/{people['petra']}/uppgifter"
    form = _form(
        people, first_name="Petra", last_name="Berg", personal_number="199001019802",
        phone="+46701110000", unit_id=str(people["south"]), area_id=str(people["hagen"]),
        caseworker_id=str(people["kai"]),
    )  # fmt: skip
    assert post_form(web, url, form).status_code == 302
    with db.transaction() as s:
        petra = s.get(Client, people["petra"])
        assert (petra.unit_id, petra.caseworker_id) == (people["south"], people["kai"])
        assert (petra.lat, petra.lon) == (59.25, 18.0)
        assert s.get(Visit, visit_id).client_id == petra.id
        subjects = set(
            s.scalars(
                select(AuditEvent.subject).where(
                    AuditEvent.client_id == petra.id, AuditEvent.action == "change"
                )
            )
        )
        assert {"client.unit", "client.caseworker", "client.details"} <= subjects
    # No longer Kerstin's: refused; now Kai's: his.
    assert web.get(url).status_code == 403
    assert staff_client(app, db, "kai").get(url).status_code == 200


def test_an_admin_without_a_unit_registers_into_any_unit(app, db, people) -> None:
    web = staff_client(app, db, "adam")
    form = _form(people, unit_id=str(people["south"]), area_id=str(people["hagen"]))
    response = post_form(web, "/personal/klienter/ny", form)
    assert response.status_code == 302, response.text
    assert response.location.endswith("/uppgifter")
    assert "Hanna" in web.get("/personal/klientregister").text


def test_an_area_moved_by_the_admin_moves_the_clients_placed_by_it(app, db, people) -> None:
    kai = staff_client(app, db, "kai")
    post_form(kai, "/personal/klienter/ny", _form(people))
    post_form(kai, "/personal/klienter/ny", _form(
        people, first_name="Ida", personal_number=valid_number(date(1991, 5, 5), 981),
        phone="070-765 43 21", lat="59.4", lon="18.1",
    ))  # fmt: skip
    admin = staff_client(app, db, "adam")
    url = f"/personal/enheter/{people['north']}"
    change = {"action": "change_area", "area_id": str(people["centrum"]),
              "area_name": "Centrum", "lat": "59.3", "lon": "18"}  # fmt: skip
    assert post_form(admin, url, change).status_code == 302
    with db.transaction() as s:
        places = dict(s.execute(select(Client.first_name, Client.lat)).all())
    assert places["Hanna"] == 59.3  # placed by the area: follows it
    assert places["Ida"] == 59.4  # placed exactly: stays


def test_the_demo_numbers_are_valid() -> None:
    from portal.personnummer import normalise

    assert normalise(valid_number(date(1981, 12, 28), 980)) == "198112289809"


def test_every_mistake_is_shown_at_once(app, db, people) -> None:
    web = staff_client(app, db, "kai")
    form = _form(people, last_name="", personal_number="19811232-9809", phone="08-123 456 78")
    response = post_form(web, "/personal/klienter/ny", form)
    assert response.status_code == 400
    for says in ("Skriv efternamnet", "Datumet i personnumret finns inte", "inte ett mobilnummer"):
        assert says in response.text
    assert _clients(db) == 1


def test_a_clients_wish_for_a_woman_is_kept_shown_and_changed_with_an_audit(
    app, db, people
) -> None:
    web = staff_client(app, db, "kai")
    assert 'value="woman"' in web.get("/personal/klienter/ny").text  # offered on the form
    response = post_form(web, "/personal/klienter/ny", _form(people, wanted_gender="woman"))
    assert response.status_code == 302, response.text
    with db.transaction() as s:
        hanna = s.scalar(select(Client).where(Client.first_name == "Hanna"))
        assert hanna.wanted_gender == "woman"
        hanna_id = hanna.id
    url = f"/personal/klient/{hanna_id}/uppgifter"
    assert '<option selected value="woman">' in web.get(url).text
    assert post_form(web, url, _form(people, wanted_gender="")).status_code == 302
    with db.transaction() as s:
        assert s.get(Client, hanna_id).wanted_gender is None  # either will do
        details = s.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.client_id == hanna_id, AuditEvent.subject == "client.details"
            )
        ).all()
        assert "changed wanted_gender" in details
