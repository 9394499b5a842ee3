"""Proxies in the staff console: added by the client's caseworker (or an admin of the unit),
what the client allows recorded with who, when and how, withdrawn in one step, and the proxy's
sign-in following at once."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Consent,
    ConsentMethod,
    Database,
    Message,
    Proxy,
    ProxyRelation,
    Role,
    Task,
    Unit,
)
from portal.auth.codes import holder_of
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
PHONE = "070-111 22 33"


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        unit = Unit(name="Norr")
        s.add(unit)
        s.flush()
        kai = make_staff(s, "kai", roles=[Role.CASEWORKER], unit_id=unit.id)
        kim = make_staff(s, "kim", roles=[Role.CASEWORKER], unit_id=unit.id)
        nils = make_staff(s, "nils", unit_id=unit.id)
        make_staff(s, "adam", roles=[Role.ADMIN], unit_id=unit.id)
        nina = make_client(s, "Nina", phone="+46700000001", workers=[nils], caseworker=kai,
                           unit_id=unit.id)  # fmt: skip
        return {"nina": nina.id, "kai": kai.id, "kim": kim.id}


def _page(people: dict[str, int]) -> str:
    return f"/personal/klient/{people['nina']}/ombud"


def _add(web: FlaskClient, people: dict[str, int], **changes: object):
    form = {"name": "Lars Larsson", "phone": PHONE, "relation": "god_man",
            "features": ["see_visits"], "method": "in_person", **changes}  # fmt: skip
    data = {k: v for k, v in form.items() if v is not None}
    return post_form(web, _page(people), data)


def _proxy(db: Database) -> Proxy:
    with db.transaction() as s:
        proxy = s.scalar(select(Proxy))
        s.expunge(proxy)
        return proxy


def _counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as s:
        return (
            s.scalar(select(func.count(Proxy.id))),
            s.scalar(select(func.count(Consent.id))),
            s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "change")),
        )


def test_the_caseworker_adds_a_proxy_and_the_consent_says_who_when_and_how(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    response = _add(kai, people)
    assert response.status_code == 303
    page = kai.get(_page(people)).text
    assert "Lars Larsson" in page and "se besök" in page and "personligen" in page
    with db.transaction() as s:
        proxy = s.scalar(select(Proxy))
        assert proxy.phone == "+46701112233"
        assert proxy.relation is ProxyRelation.GOD_MAN
        assert (proxy.can_see_visits, proxy.can_book, proxy.gets_reminders) == (True, False, False)
        assert proxy.consent.recorded_by_id == people["kai"]
        assert proxy.consent.method is ConsentMethod.IN_PERSON
        event = s.scalar(select(AuditEvent).where(AuditEvent.subject == "client.proxies"))
        assert event.client_id == people["nina"] and event.actor_staff_id == people["kai"]


def test_a_god_man_and_a_forvaltare_are_told_apart(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    form = kai.get(_page(people)).text
    assert '<option value="god_man">god man</option>' in form
    assert '<option value="forvaltare">förvaltare</option>' in form
    assert _add(kai, people).status_code == 303
    assert _add(kai, people, name="Eva Ek", phone="070-111 22 44",
                relation="forvaltare").status_code == 303  # fmt: skip
    page = kai.get(_page(people)).text
    assert "Lars Larsson (god man)" in page and "Eva Ek (förvaltare)" in page
    with db.transaction() as s:
        relations = {p.name: p.relation for p in s.scalars(select(Proxy))}
        assert relations == {"Lars Larsson": ProxyRelation.GOD_MAN,
                             "Eva Ek": ProxyRelation.FORVALTARE}  # fmt: skip


def test_a_god_man_found_to_be_a_forvaltare_is_said_to_be_one_and_keeps_what_is_allowed(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people)
    proxy = _proxy(db)
    url, field = f"{_page(people)}/{proxy.id}/vem", f"r{proxy.id}-relation"
    before = _counts(db)
    refused = post_form(kai, url, {field: "guardian"}, page=_page(people))
    assert refused.status_code == 400 and "Inte ett giltigt val" in refused.text
    assert _counts(db) == before and _proxy(db).relation is ProxyRelation.GOD_MAN
    done = post_form(kai, url, {field: "forvaltare"}, page=_page(people))
    assert done.status_code == 303
    assert "Lars Larsson (förvaltare)" in kai.get(_page(people)).text
    changed = _proxy(db)
    assert changed.relation is ProxyRelation.FORVALTARE and changed.can_see_visits
    with db.transaction() as s:
        changes = select(AuditEvent).where(AuditEvent.action == "change")
        event = s.scalars(changes.order_by(AuditEvent.id.desc())).first()
        assert event.detail == f"proxy {proxy.id} relation god_man -> forvaltare"
        assert event.actor_staff_id == people["kai"]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"phone": "070-000 00 01"}, "en klients eget nummer"),
        ({"phone": "08-123 456 78"}, "inte ett mobilnummer"),
        ({"phone": "hej"}, "inte ett mobilnummer"),
        ({"features": None}, "minst en sak"),
        ({"method": ""}, "hur klienten sa ja"),
        ({"relation": "boss"}, "Inte ett giltigt val"),
        ({"relation": "guardian"}, "Inte ett giltigt val"),  # god man or förvaltare: say which
    ],
)
def test_a_refused_proxy_is_shown_again_as_typed_and_nothing_is_written(
    app: Flask, db: Database, people: dict[str, int], changes: dict[str, object], says: str
) -> None:
    kai = staff_client(app, db, "kai")
    before = _counts(db)
    response = _add(kai, people, name="Lars Typad", **changes)
    assert response.status_code == 400
    assert says in response.text
    assert 'value="Lars Typad"' in response.text
    assert _counts(db) == before


def test_the_proxy_sees_only_what_is_allowed_and_a_withdrawal_signs_them_out(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people)
    proxy = _proxy(db)
    lars = client_client(app, db, proxy_id=proxy.id)
    assert lars.get("/mina-besok").status_code == 200
    assert lars.get("/boka").status_code == 403
    assert lars.get("/hur-mar-du").status_code == 403

    consent = f"{_page(people)}/{proxy.id}/samtycke"
    prefix = f"p{proxy.id}-"
    allowed = {f"{prefix}features": ["see_visits", "book"], f"{prefix}method": "phone"}
    assert post_form(kai, consent, allowed, page=_page(people)).status_code == 303
    assert lars.get("/boka").status_code == 200  # the same session, at once
    with db.transaction() as s:
        consents = s.scalars(select(Consent).order_by(Consent.id)).all()
        assert consents[0].withdrawn_at is not None and consents[1].withdrawn_at is None
        assert consents[1].method is ConsentMethod.PHONE

    withdraw = f"{_page(people)}/{proxy.id}/aterkalla"
    assert post_form(kai, withdraw, {}, page=_page(people)).status_code == 303
    response = lars.get("/mina-besok")
    assert response.status_code == 302 and response.location.endswith("/logga-in")
    with db.transaction() as s:
        assert holder_of(s, "+46701112233") is None  # no new sign-in either
    assert "Får ingenting just nu" in kai.get(_page(people)).text


def test_a_refused_consent_change_keeps_what_stood(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people)
    proxy = _proxy(db)
    consent = f"{_page(people)}/{proxy.id}/samtycke"
    nothing = {f"p{proxy.id}-method": "phone"}
    response = post_form(kai, consent, nothing, page=_page(people))
    assert response.status_code == 400 and "minst en sak" in response.text
    assert _proxy(db).can_see_visits
    assert _counts(db)[1] == 1


def test_only_the_clients_caseworker_or_an_admin_keeps_their_proxies(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    assert staff_client(app, db, "nils").get(_page(people)).status_code == 403
    assert staff_client(app, db, "kim").get(_page(people)).status_code == 403
    adam = staff_client(app, db, "adam")
    assert adam.get(_page(people)).status_code == 200
    assert _add(adam, people).status_code == 303


def test_the_same_number_twice_for_one_client_is_refused(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people)
    response = _add(kai, people, name="Lars igen")
    assert response.status_code == 400 and "redan ett ombud" in response.text
    assert _counts(db)[0] == 1


def test_a_proxy_allowed_to_write_sends_a_message_that_says_who_wrote_it(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people, features=["write_messages"])
    lars = client_client(app, db, proxy_id=_proxy(db).id)
    assert post_form(lars, "/skriv", {"text": "Hej från Lars"}).status_code == 303
    with db.transaction() as s:
        message = s.scalar(select(Message))
        assert message.proxy_id is not None and message.from_client
        assert s.scalar(select(Task.text)) == "Nytt meddelande från Lars Larsson (ombud för Nina)."
    nils = staff_client(app, db, "nils")
    assert "Lars Larsson (ombud)" in nils.get(f"/personal/meddelanden/{people['nina']}").text


def test_a_proxy_not_allowed_to_write_is_refused(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    kai = staff_client(app, db, "kai")
    _add(kai, people)
    lars = client_client(app, db, proxy_id=_proxy(db).id)
    assert lars.get("/skriv").status_code == 403
    assert "Skriv till mitt stöd" not in lars.get("/min-dag").text


def test_who_keeps_the_proxies_is_shown_the_way_to_them(app: Flask, db: Database, people) -> None:
    link = f'href="{_page(people)}"'
    record, details = (f"/personal/klient/{people['nina']}{end}" for end in ("", "/uppgifter"))
    kai, adam, nils = (staff_client(app, db, name) for name in ("kai", "adam", "nils"))
    assert link in kai.get(record).text  # her caseworker, from her record
    for keeper in (kai, adam):  # and the admin of her unit, from her details
        page = keeper.get(details)
        assert page.status_code == 200 and link in page.text
    # Her support worker reads her record but does not keep her proxies.
    other = nils.get(record)
    assert other.status_code == 200 and link not in other.text
    assert nils.get(_page(people)).status_code == 403
