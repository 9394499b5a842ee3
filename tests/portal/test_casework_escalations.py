"""Casework: the escalation queue, concerns, and the checks that raise escalations."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Database,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    EscalationType,
    GoalLevel,
    Plan,
    Task,
    TaskKind,
    utcnow,
)
from portal.casework import plans, queue
from portal.casework.jobs import check_expiring_decisions, check_unapproved_plans
from portal.escalations import raise_escalation
from tests.conftest import post_form, sms_to
from tests.portal.casework_world import NOW, STOCKHOLM, make_people, weekly
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    return make_people(db)


def raise_cancellations(db: Database, client_id: int, when: datetime = NOW) -> int:
    from models import Client

    with db.transaction() as s:
        return raise_escalation(
            s,
            client=s.get(Client, client_id),
            kind=EscalationType.REPEATED_CANCELLATIONS,
            reason="Sandra har avbokat tre gånger på 30 dagar.",
            source="booking",
            now=when,
            zone=STOCKHOLM,
            evidence=[{"kind": "cancellation", "visit_id": i} for i in (1, 2, 3)],
        ).id


def test_the_queue_shows_urgent_first_and_only_the_caseworkers_own(
    db: Database, people: dict[str, int]
) -> None:
    from models import Client, Staff

    raise_cancellations(db, people["sandra"])
    with db.transaction() as s:
        sandra, olle = s.get(Client, people["sandra"]), s.get(Client, people["olle"])
        raise_escalation(
            s,
            client=sandra,
            kind=EscalationType.CHILD_CONCERN,
            reason="Oro",
            source="worker",
            now=NOW,
            zone=STOCKHOLM,
        )
        raise_escalation(
            s,
            client=olle,
            kind=EscalationType.WORKER_CONCERN,
            reason="x",
            source="worker",
            now=NOW,
            zone=STOCKHOLM,
        )
        mine = queue.caseload_queue(s, s.get(Staff, people["karin"]))
        assert [e.type for e in mine] == [
            EscalationType.CHILD_CONCERN,
            EscalationType.REPEATED_CANCELLATIONS,
        ]


def test_an_escalation_cannot_be_closed_without_outcome_and_reason(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    escalation_id = raise_cancellations(db, people["sandra"])
    web = staff_client(app, db, "karin")
    page = f"/personal/arenden/{escalation_id}"
    response = post_form(web, f"{page}/stang", {"outcome": "no_action", "reason": ""}, page=page)
    assert response.status_code == 400 and "Skriv en kort motivering" in response.text
    response = post_form(web, f"{page}/stang", {"outcome": "", "reason": "Klart"}, page=page)
    assert response.status_code == 400 and "Välj ett utfall" in response.text
    with db.transaction() as s:
        assert s.get(Escalation, escalation_id).status is EscalationStatus.NEW


def test_karin_takes_notes_invites_and_closes_an_escalation(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    escalation_id = raise_cancellations(db, people["sandra"])
    web = staff_client(app, db, "karin")
    page = f"/personal/arenden/{escalation_id}"
    assert "Upprepade avbokningar".lower() in web.get("/personal/arenden").text.lower()
    assert post_form(web, f"{page}/ta", {}, page=page).status_code == 302
    post_form(web, f"{page}/anteckning", {"text": "Ringde Sandra", "waiting": "y"}, page=page)
    post_form(web, f"{page}/uppfoljning", {"channel": "video", "message": "Nästa vecka"}, page=page)
    with db.transaction() as s:
        e = s.get(Escalation, escalation_id)
        assert e.status is EscalationStatus.WAITING
        assert [n.text for n in e.notes][:2] == ["Tagen.", "Ringde Sandra"]
        task = s.scalar(select(Task).where(Task.kind == TaskKind.FOLLOW_UP_MEETING))
        assert task.staff_id == people["anna"] and "video" in task.text
    response = post_form(
        web,
        f"{page}/stang",
        {"outcome": "follow_up_meeting", "reason": "Uppföljning bokad"},
        page=page,
    )
    assert response.status_code == 302
    with db.transaction() as s:
        e = s.get(Escalation, escalation_id)
        assert (e.status, e.outcome) == (
            EscalationStatus.CLOSED,
            EscalationOutcome.FOLLOW_UP_MEETING,
        )
        audits = s.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.subject == "client.escalation", AuditEvent.action == "read"
            )
        )
        assert audits >= 1
    assert "Uppföljning bokad" in web.get("/personal/arenden?visa=avslutade").text


def test_another_caseworker_cannot_open_karins_escalation(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    escalation_id = raise_cancellations(db, people["sandra"])
    web = staff_client(app, db, "kalle")
    assert web.get(f"/personal/arenden/{escalation_id}").status_code == 404


def test_a_worker_raises_a_concern_about_their_own_client(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{people['sandra']}/oro"
    response = post_form(web, url, {"kind": "need_increased", "text": "Orkar inte handla"})
    assert response.status_code == 302
    with db.transaction() as s:
        e = s.scalar(select(Escalation))
        assert (e.type, e.owner_id, e.raised_by_id) == (
            EscalationType.WORKER_CONCERN,
            people["karin"],
            people["anna"],
        )
        assert e.evidence[0]["concern"] == "need_increased"


def test_a_worker_cannot_raise_a_concern_about_someone_elses_client(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{people['olle']}/oro"
    response = post_form(
        web, url, {"kind": "other", "text": "x"}, page=f"/personal/klient/{people['sandra']}/oro"
    )
    assert response.status_code == 403
    with db.transaction() as s:
        assert s.scalar(select(func.count(Escalation.id))) == 0
        refused = s.scalar(select(AuditEvent).where(AuditEvent.action == "refused"))
        assert refused.client_id == people["olle"]


def test_a_child_concern_stands_alone_is_due_today_and_alerts_the_caseworker_by_sms(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    url = f"/personal/klient/{people['sandra']}/oro"
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)):
        web = staff_client(app, db, "anna")
        post_form(web, url, {"kind": "child", "text": "Barnet var ensamt hemma"})
        post_form(web, url, {"kind": "child", "text": "Igen"})
    with db.transaction() as s:
        rows = list(s.scalars(select(Escalation).order_by(Escalation.id)))
    assert [e.type for e in rows] == [EscalationType.CHILD_CONCERN] * 2
    assert rows[0].due_at == datetime(2026, 11, 23, 17, 0, tzinfo=STOCKHOLM)
    alerts = sms_to(web, "+46700000104")
    assert len(alerts) == 2
    assert all(
        "Sandra" not in a and "barn" not in a.lower() and "/personal/arenden" in a for a in alerts
    )


def test_expiring_decisions_are_escalated_at_60_and_30_days_once_each(
    db: Database, people: dict[str, int]
) -> None:
    ends = date(2027, 3, 31)
    with db.transaction() as s:
        weekly(s, people["sandra"], date(2026, 4, 1), ends)

    def run(on: date) -> int:
        now = datetime.combine(on, datetime.min.time(), tzinfo=STOCKHOLM).astimezone(UTC)
        with db.transaction() as s:
            return check_expiring_decisions(s, now + timedelta(hours=8), STOCKHOLM)

    assert run(ends - timedelta(days=61)) == 0
    assert run(ends - timedelta(days=60)) == 1
    assert run(ends - timedelta(days=45)) == 0
    assert run(ends - timedelta(days=30)) == 1
    assert run(ends - timedelta(days=29)) == 0
    with db.transaction() as s:
        [e] = list(s.scalars(select(Escalation)))  # the 30-day warning joined the open one
        assert e.type is EscalationType.DECISION_EXPIRING and e.owner_id == people["karin"]
        assert [i.get("threshold_days") for i in e.evidence if "threshold_days" in i] == [60, 30]


def test_a_decision_already_followed_by_a_new_one_raises_nothing(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        weekly(s, people["sandra"], date(2026, 4, 1), date(2027, 1, 10))
        weekly(s, people["sandra"], date(2027, 1, 11), date(2027, 12, 31))
        assert check_expiring_decisions(s, NOW, STOCKHOLM) == 0


def test_a_plan_not_approved_30_days_after_writing_is_escalated_once(
    db: Database, people: dict[str, int]
) -> None:
    from models import Client

    with db.transaction() as s:
        goal = plans.GoalDraft("Jag vill laga mat", "", GoalLevel.WITH_SUPPORT)
        plans.write_plan(
            s, s.get(Client, people["sandra"]), people["anna"], [goal], None, NOW, STOCKHOLM
        )
    with db.transaction() as s:
        assert check_unapproved_plans(s, NOW + timedelta(days=29), STOCKHOLM) == 0
        assert check_unapproved_plans(s, NOW + timedelta(days=31), STOCKHOLM) == 1
        assert check_unapproved_plans(s, NOW + timedelta(days=32), STOCKHOLM) == 0
        e = s.scalar(select(Escalation))
        assert e.type is EscalationType.PLAN_NOT_APPROVED
        assert s.scalar(select(Plan.version)) == 1


def test_the_client_record_shows_a_timeline_and_marks_children(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    raise_cancellations(db, people["sandra"], when=utcnow())
    web = staff_client(app, db, "karin")
    page = web.get(f"/personal/klient/{people['sandra']}").text
    assert "barn under 18" in page
    assert "Händelser" in page and "Upprepade avbokningar".lower() in page.lower()
