"""Units are a boundary: a coordinator handles only their own unit's clients (issue 14, item 1)."""

import pytest
from sqlalchemy import func, select

from models import Channel, RequestStatus, Role, SupportRequest, Unit, Visit, utcnow
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.requests import When, ask_for_help
from portal.lightsupport.scope import Scope
from tests.conftest import post_form, sms_to
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
SOUTH = "+46700000077"


@pytest.fixture
def two_units(db, settings) -> dict[str, int]:
    with db.transaction() as s:
        ensure_defaults(s)
        north, south = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([north, south])
        s.flush()
        make_staff(s, "nora", roles=[Role.COORDINATOR], unit_id=north.id)
        sune = make_staff(s, "sune", unit_id=south.id)
        make_staff(s, "nils", unit_id=north.id)
        client = make_client(s, "Siv", phone=SOUTH, workers=[sune], unit_id=south.id)
        request = ask_for_help(
            s, client, category_key="talk", when=When.THIS_WEEK, day=None,
            channel=Channel.PHONE, text="Jag vill prata", submission_key="siv-1", now=utcnow(),
            zone=settings.zone, scope=Scope(),
        )  # fmt: skip
        return {"request": request.id, "sune": sune.id}


def test_a_coordinator_cannot_assign_another_units_request_by_its_id(app, db, two_units) -> None:
    web = staff_client(app, db, "nora")
    for worker in ("sune", "nils"):
        with db.transaction() as s:
            from models import Staff

            staff_id = s.scalar(select(Staff.id).where(Staff.username == worker))
        response = post_form(
            web,
            f"/personal/samordning/{two_units['request']}/tilldela",
            {"staff_id": str(staff_id)},
            page="/personal/samordning",
        )
        assert response.status_code == 303
        page = web.get("/personal/samordning").text
        assert "Förfrågan finns inte." in page
        assert "Siv" not in page and "Söder" not in page
    with db.transaction() as s:
        assert s.scalar(select(func.count(Visit.id))) == 0
        assert s.get(SupportRequest, two_units["request"]).status is RequestStatus.NEW
    assert sms_to(web, SOUTH) == []


def test_a_task_for_the_coordinator_reaches_only_the_clients_unit(app, db, two_units) -> None:
    from sqlalchemy import delete

    from models import Client, ClientWorker, Task, TaskKind, Unit
    from portal.tasks import create_client_task

    with db.transaction() as s:
        siv = s.scalar(select(Client).where(Client.first_name == "Siv"))
        s.execute(delete(ClientWorker))  # no worker of her own: the task is the coordinator's
        task = create_client_task(
            s, client_id=siv.id, kind=TaskKind.MESSAGE, text="Siv har skrivit", now=utcnow()
        )
        assert task.for_role is Role.COORDINATOR
        south = s.scalar(select(Unit.id).where(Unit.name == "Söder"))
        make_staff(s, "sara", roles=[Role.COORDINATOR], unit_id=south)
        task_id = task.id
    nora = staff_client(app, db, "nora")
    assert "Siv har skrivit" not in nora.get("/personal/samordning").text
    taken = post_form(nora, f"/personal/att-gora/{task_id}/ta", {}, page="/personal/samordning")
    assert taken.status_code == 404
    with db.transaction() as s:
        assert s.get(Task, task_id).acknowledged_at is None
    sara = staff_client(app, db, "sara")
    assert "Siv har skrivit" in sara.get("/personal/samordning").text


def test_a_concern_names_only_a_visit_of_the_client_it_is_about(app, db) -> None:
    from models import Escalation
    from tests.portal import two_units

    with db.transaction() as s:
        world = two_units.build(s)
    nils = staff_client(app, db, "nils")
    page = f"/personal/klient/{world.people['nina']}/oro"
    for visit_id, kept in [(world.foreign["visit"][0], False), (world.own["visit"], True)]:
        response = post_form(
            nils, f"{page}?besok={visit_id}", {"kind": "other", "text": "Kylskåpet är tomt"}, page
        )
        assert response.status_code == 302
        with db.transaction() as s:
            latest = s.scalar(select(Escalation).where(Escalation.client_id == world.own["client"]))
            assert ("visit_id" in latest.evidence[-1]) is kept


def test_a_first_contact_is_offered_only_the_coordinators_own_workers(
    app, db, two_units, settings
) -> None:
    """A first contact has no unit yet: the coordinator who handles it books from their own."""
    from models import Assignment, Staff
    from portal.lightsupport.requests import first_contact

    with db.transaction() as s:
        eva = first_contact(
            s, name="Eva", phone="+46709999999", category_key=None, text=None,
            submission_key="fc", now=utcnow(), zone=settings.zone,
        ).id  # fmt: skip
        nils = s.scalar(select(Staff.id).where(Staff.username == "nils"))
    web = staff_client(app, db, "nora")
    card = web.get(f"/personal/samordning/forfragan/{eva}").text
    assert "Nils" in card and "Sune" not in card
    refused = post_form(
        web, f"/personal/samordning/{eva}/tilldela", {"staff_id": str(two_units["sune"])},
        page="/personal/samordning",
    )  # fmt: skip
    assert refused.status_code == 303
    with db.transaction() as s:
        assert s.scalar(select(func.count(Assignment.id))) == 0
    post_form(web, "/personal/samordning/fordela-alla", {}, page="/personal/samordning")
    with db.transaction() as s:
        assert s.scalar(select(Assignment.staff_id).where(Assignment.request_id == eva)) == nils
