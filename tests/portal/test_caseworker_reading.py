"""What a caseworker reads: evidence as sentences with dates and links, real visit times."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import CheckIn, Client, Escalation, Mood, Role, Staff, VisitStatus, utcnow
from portal.booking import actions
from portal.booking.rules import DEFAULT_RULES
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
CODES = re.compile(r"\b(kind|visit_id|planned_start|reason|late|days_ago)\s*:")


@pytest.fixture
def people(db) -> dict[str, int]:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        make_staff(s, "kalle", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna", first_name="Anna")
        sandra = make_client(s, "Sandra", workers=[anna], caseworker=karin)
        make_decision(s, sandra, minutes=600)
        return {"sandra": sandra.id, "anna": anna.id}


def four_cancellations(db, people) -> None:
    from zoneinfo import ZoneInfo

    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=6)
    for day in range(4):
        now = start + timedelta(days=day)
        with db.transaction() as s:
            sandra = s.get(Client, people["sandra"])
            anna = s.get(Staff, people["anna"])
            visit = make_visit(s, sandra, anna, start=now + timedelta(days=2, hours=day))
            actions.cancel_by_client(
                s, visit, "not_well", now=now, zone=ZoneInfo("Europe/Stockholm"),
                rules=DEFAULT_RULES,
            )  # fmt: skip


def test_the_cancellation_evidence_reads_as_sentences_with_links_to_each_visit(
    app, db, people
) -> None:
    four_cancellations(db, people)
    with db.transaction() as s:
        escalation = s.scalar(select(Escalation))
        visit_ids = [i["visit_id"] for i in escalation.evidence if i["kind"] == "cancellation"]
    karin = staff_client(app, db, "karin")
    page = karin.get(f"/personal/arenden/{escalation.id}").text
    evidence = page[page.index("Underlag") : page.index("Anteckningar")]
    assert not CODES.search(evidence), evidence
    assert evidence.count("(mår inte bra)") == 4
    assert "Boendestödjaren fick i uppgift" in evidence
    for visit_id in visit_ids:
        assert f'href="/personal/klient/{people["sandra"]}/besok/{visit_id}"' in evidence


def test_the_caseworker_sees_when_a_visit_really_happened_and_another_caseworker_does_not(
    app, db, people
) -> None:
    with db.transaction() as s:
        sandra = s.get(Client, people["sandra"])
        anna = s.get(Staff, people["anna"])
        planned = utcnow().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
        visit = make_visit(s, sandra, anna, start=planned, status=VisitStatus.DONE)
        visit.actual_start = planned + timedelta(minutes=7)
        visit.actual_end = planned + timedelta(minutes=52)
        s.add(CheckIn(client_id=sandra.id, mood=Mood.RED))
        visit_id = visit.id
    karin = staff_client(app, db, "karin")
    record = karin.get(f"/personal/klient/{people['sandra']}").text
    from portal.timeutil import hhmm

    with app.app_context():
        real = f"{hhmm(visit.actual_start)}–{hhmm(visit.actual_end)}"
    assert f"skedde {real}" in record
    assert "mår dåligt (röd)" in record and "Incheckning</b> red" not in record
    page = karin.get(f"/personal/klient/{people['sandra']}/besok/{visit_id}")
    assert page.status_code == 200 and real in page.text
    kalle = staff_client(app, db, "kalle")
    refused = kalle.get(f"/personal/klient/{people['sandra']}/besok/{visit_id}")
    assert refused.status_code == 403 and real not in refused.text
    assert karin.get(f"/personal/klient/{people['sandra']}/besok/999999").status_code == 404
