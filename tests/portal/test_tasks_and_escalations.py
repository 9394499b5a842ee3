"""The shared services other parts use: worker tasks and escalations to the caseworker."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from models import Database, EscalationType, Role, TaskKind
from portal.escalations import due_time, raise_escalation
from portal.events import ESCALATION_RAISED, listen
from portal.tasks import acknowledge, complete, create_client_task, create_task, open_tasks_for
from tests.factories import make_client, make_staff

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    """A local Stockholm time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def test_a_task_reaches_the_person_and_everyone_holding_the_role(db: Database) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        sandra = make_client(s, workers=[anna])
        now = at("2026-11-23T10:00")
        create_task(
            s,
            kind=TaskKind.RED_CHECK_IN,
            text="Ring Sandra",
            now=now,
            client_id=sandra.id,
            staff_id=anna.id,
        )
        create_task(
            s,
            kind=TaskKind.RED_CHECK_IN,
            text="Ingen svarade",
            now=now,
            client_id=sandra.id,
            for_role=Role.COORDINATOR,
        )
        assert [t.text for t in open_tasks_for(s, anna)] == ["Ring Sandra"]
        assert [t.text for t in open_tasks_for(s, cecilia)] == ["Ingen svarade"]


def test_a_task_with_the_same_ref_is_not_created_twice_while_open(db: Database) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        now = at("2026-11-23T10:00")
        first = create_task(
            s, kind=TaskKind.UNDELIVERABLE, text="x", now=now, staff_id=anna.id, ref="outbox:1"
        )
        again = create_task(
            s, kind=TaskKind.UNDELIVERABLE, text="x", now=now, staff_id=anna.id, ref="outbox:1"
        )
        assert again.id == first.id
        complete(s, first.id, anna, now)
        assert first.acknowledged_at == now and first.done_by_id == anna.id
        later = create_task(
            s, kind=TaskKind.UNDELIVERABLE, text="x", now=now, staff_id=anna.id, ref="outbox:1"
        )
        assert later.id != first.id


def test_a_task_about_a_client_goes_to_their_worker_who_is_still_here_else_the_coordinator(
    db: Database,
) -> None:
    with db.transaction() as s:
        anna, omar = make_staff(s, "anna"), make_staff(s, "omar")
        cecilia = make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        sandra = make_client(s, "Sandra", workers=[anna, omar])
        olle = make_client(s, "Olle", workers=[anna])
        anna.active = False  # Anna has left; Sandra's next worker is Omar, Olle has nobody
        now = at("2026-11-23T10:00")
        for client in (sandra, olle, None):
            create_client_task(
                s,
                client_id=client.id if client else None,
                kind=TaskKind.UNDELIVERABLE,
                text=f"Sms kom inte fram till {client.first_name if client else 'ny kontakt'}",
                now=now,
            )
        assert [t.text for t in open_tasks_for(s, omar)] == ["Sms kom inte fram till Sandra"]
        assert [t.text for t in open_tasks_for(s, cecilia)] == [
            "Sms kom inte fram till Olle",
            "Sms kom inte fram till ny kontakt",
        ]


def test_only_the_person_asked_can_acknowledge_a_task(db: Database) -> None:
    with db.transaction() as s:
        anna, omar = make_staff(s, "anna"), make_staff(s, "omar")
        task = create_task(
            s, kind=TaskKind.OTHER, text="x", now=at("2026-11-23T10:00"), staff_id=anna.id
        )
        with pytest.raises(Exception, match="no such task"):
            acknowledge(s, task.id, omar, at("2026-11-23T10:05"))


@pytest.mark.parametrize(
    ("kind", "raised", "due"),
    [
        (EscalationType.CHILD_CONCERN, "2026-11-23T09:00", "2026-11-23T17:00"),  # Monday
        (EscalationType.CHILD_CONCERN, "2026-11-23T18:30", "2026-11-24T17:00"),  # after hours
        (EscalationType.CHILD_CONCERN, "2026-11-28T11:00", "2026-11-30T17:00"),  # Saturday
        (EscalationType.REPEATED_CANCELLATIONS, "2026-11-27T10:00", "2026-12-04T17:00"),
        (EscalationType.UNDELIVERABLE_PHONE, "2026-11-27T10:00", "2026-11-30T17:00"),
        # Maundy Thursday: Good Friday and Easter Monday are days off.
        (EscalationType.UNDELIVERABLE_PHONE, "2026-04-02T10:00", "2026-04-07T17:00"),
        # Raised on Christmas Eve: the 25th is a holiday, then a weekend.
        (EscalationType.UNRESOLVED_RED, "2026-12-24T09:00", "2026-12-28T17:00"),
        # Midsummer Eve 2027 is Friday 25 June.
        (EscalationType.CHILD_CONCERN, "2027-06-24T18:00", "2027-06-28T17:00"),
    ],
)
def test_due_times_count_working_days_in_local_time(
    kind: EscalationType, raised: str, due: str
) -> None:
    assert due_time(kind, at(raised), STOCKHOLM) == at(due)


def test_an_escalation_goes_to_the_clients_caseworker_and_repeats_become_evidence(
    db: Database,
) -> None:
    raised: list[int] = []
    with db.transaction() as s:
        listen(s, ESCALATION_RAISED, lambda escalation_id, urgent: raised.append(escalation_id))
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, caseworker=karin)
        now = at("2026-11-23T10:00")
        first = raise_escalation(
            s,
            client=sandra,
            kind=EscalationType.REPEATED_CANCELLATIONS,
            reason="Tre avbokningar",
            source="booking",
            now=now,
            zone=STOCKHOLM,
            evidence=[{"kind": "cancellation", "visit_id": 1}],
        )
        second = raise_escalation(
            s,
            client=sandra,
            kind=EscalationType.REPEATED_CANCELLATIONS,
            reason="En till",
            source="booking",
            now=now,
            zone=STOCKHOLM,
            evidence=[{"kind": "cancellation", "visit_id": 2}],
        )
        assert second.id == first.id and first.owner_id == karin.id
        assert [e.get("visit_id") for e in first.evidence] == [1, None, 2]
        one = raise_escalation(
            s,
            client=sandra,
            kind=EscalationType.CHILD_CONCERN,
            reason="Oro",
            source="worker",
            now=now,
            zone=STOCKHOLM,
        )
        two = raise_escalation(
            s,
            client=sandra,
            kind=EscalationType.CHILD_CONCERN,
            reason="Oro igen",
            source="worker",
            now=now,
            zone=STOCKHOLM,
        )
        assert one.id != two.id
        ids = [first.id, one.id, two.id]
    assert raised == ids  # announced after commit, once each (the merge is not news)
