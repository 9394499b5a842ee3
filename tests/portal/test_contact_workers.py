"""Contact workers set by the coordinator of the client's unit, and the continuity figure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import (
    AuditEvent,
    Client,
    ClientWorker,
    ContactWorkerSpell,
    Role,
    Staff,
    Unit,
    VisitStatus,
    utcnow,
)
from portal.people.contacts import continuity, set_contact_workers
from tests.conftest import post_form
from tests.factories import make_client, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def team(db) -> dict[str, int]:
    with db.transaction() as s:
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        ids = {"north": north.id, "south": south.id}
        for name in ("anna", "omar", "ali", "eva"):
            ids[name] = make_staff(s, name, unit_id=north.id).id
        ids["sune"] = make_staff(s, "sune", unit_id=south.id).id
        ids["nora"] = make_staff(s, "nora", roles=[Role.COORDINATOR], unit_id=north.id).id
        ids["sara"] = make_staff(s, "sara", roles=[Role.COORDINATOR], unit_id=south.id).id
        ids["maja"] = make_staff(s, "maja", roles=[Role.MANAGER], unit_id=north.id).id
        anna = s.get(Staff, ids["anna"])
        ids["sandra"] = make_client(s, "Sandra", workers=[anna], unit_id=north.id).id
    return ids


def _url(team: dict[str, int]) -> str:
    return f"/personal/klient/{team['sandra']}/kontaktpersoner"


def _workers(db, client_id: int) -> list[int]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(ClientWorker.staff_id)
                .where(ClientWorker.client_id == client_id)
                .order_by(ClientWorker.position)
            )
        )


def test_the_coordinator_sets_a_primary_and_a_second_and_it_is_audited(app, db, team) -> None:
    web = staff_client(app, db, "nora")
    form = {"primary": str(team["omar"]), "second": str(team["anna"]), "third": ""}
    response = post_form(web, _url(team), form)
    assert response.status_code == 302, response.text
    assert _workers(db, team["sandra"]) == [team["omar"], team["anna"]]
    with db.transaction() as s:
        changes = select(AuditEvent).where(AuditEvent.subject == "client.contact_workers")
        event = s.scalar(changes.where(AuditEvent.action == "change"))
        assert (event.action, event.actor_staff_id) == ("change", team["nora"])
    page = web.get(_url(team))
    assert "Omar Testsson (primär)" in page.text  # the history shows who, from when


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"primary": "", "second": "anna"}, "Välj en primär kontaktperson"),
        ({"primary": "anna", "second": "anna"}, "Välj varje person bara en gång"),
        ({"primary": "sune"}, "Välj boendestödjare från klientens enhet"),
        ({"primary": "nora"}, "Välj boendestödjare från klientens enhet"),
        ({"primary": "x1"}, "Välj en primär kontaktperson"),
    ],
)
def test_a_wrong_choice_is_refused_and_changes_nothing(app, db, team, form, says) -> None:
    web = staff_client(app, db, "nora")
    data = {k: str(team.get(v, v)) for k, v in form.items()}
    response = post_form(web, _url(team), data)
    assert response.status_code == 400
    assert says in response.text
    assert _workers(db, team["sandra"]) == [team["anna"]]


def test_more_than_three_is_refused_by_the_rule(db, team) -> None:
    from portal.people.contacts import ContactsRefused

    with db.transaction() as s:
        sandra = s.get(Client, team["sandra"])
        nora = s.get(Staff, team["nora"])
        four = [team["anna"], team["omar"], team["ali"], team["eva"]]
        with pytest.raises(ContactsRefused):
            set_contact_workers(s, nora, sandra, four, utcnow(), None)


def test_a_coordinator_of_another_unit_may_not_set_them(app, db, team) -> None:
    web = staff_client(app, db, "sara")
    response = post_form(web, _url(team), {"primary": str(team["sune"])}, page="/personal/")
    assert response.status_code == 403
    assert _workers(db, team["sandra"]) == [team["anna"]]
    with db.transaction() as s:
        refused = s.scalar(select(AuditEvent).where(AuditEvent.action == "refused"))
        assert refused.client_id == team["sandra"]
    assert staff_client(app, db, "anna").get(_url(team)).status_code == 403  # a worker neither


def test_replacing_a_contact_worker_keeps_last_months_continuity_true(app, db, team) -> None:
    now = utcnow()
    with db.transaction() as s:
        sandra, anna = s.get(Client, team["sandra"]), s.get(Staff, team["anna"])
        omar = s.get(Staff, team["omar"])
        # Last month: two visits by Anna (her contact worker then), one by Omar (not then).
        for days, who in ((20, anna), (15, anna), (10, omar)):
            make_visit(s, sandra, who, start=now - timedelta(days=days), status=VisitStatus.DONE)
        manager = s.get(Staff, team["maja"])
        before = continuity(s, manager, now - timedelta(days=30), now)
        assert (before.done, before.by_contact_worker) == (3, 2)
        # Anna leaves; Omar becomes the contact worker from now.
        set_contact_workers(s, s.get(Staff, team["nora"]), sandra, [omar.id], now, None)
        after = continuity(s, manager, now - timedelta(days=30), now + timedelta(seconds=1))
        assert (after.done, after.by_contact_worker) == (3, 2)
        make_visit(s, sandra, omar, start=now + timedelta(minutes=1), status=VisitStatus.DONE)
        later = continuity(s, manager, now - timedelta(days=30), now + timedelta(hours=2))
        assert (later.done, later.by_contact_worker) == (4, 3)
        spells = s.scalars(
            select(ContactWorkerSpell).where(ContactWorkerSpell.client_id == sandra.id)
        ).all()
        ended = {sp.staff_id: sp.ends_at for sp in spells}
        assert ended == {anna.id: now, omar.id: None}
    page = staff_client(app, db, "maja").get("/personal/nyckeltal")
    assert "Besök av en kontaktperson" in page.text
