"""A proxy with the client's consent gets copies of the client's reminders, and can stop them."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import (
    Consent,
    ConsentKind,
    Database,
    Escalation,
    Outbox,
    OutboxState,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Task,
    TaskKind,
    Visit,
)
from reminders.expansion import Context, expand
from reminders.replies import receive_sms
from tests.factories import make_client, make_staff, make_visit

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
CTX = Context(zone=ZONE, public_url="https://boendestod.example.se")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Stockholm
SANDRA, LARS = "+46700000001", "+46700000003"


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna", first_name="Anna")
        sandra = make_client(s, first_name="Sandra", phone=SANDRA, workers=[anna])
        consent = Consent(client_id=sandra.id, kind=ConsentKind.PROXY_ACCESS, scope="påminnelser")
        s.add(consent)
        s.flush()
        lars = Proxy(
            client_id=sandra.id,
            name="Lars Nilsson",
            phone=LARS,
            relation=ProxyRelation.GOD_MAN,
            gets_reminders=True,
            consent_id=consent.id,
        )
        medicine = ReminderRule(
            client_id=sandra.id,
            text="Ta din medicin",
            channel=ReminderChannel.SMS,
            recurrence=Recurrence.DAILY,
            local_time=time(18, 0),
            ask_reply=True,
            reply_within_minutes=60,
            created_at=NOW,
        )
        visits = ReminderRule(
            client_id=sandra.id,
            text="Besök",
            channel=ReminderChannel.CALL,
            recurrence=Recurrence.VISIT,
            offset_minutes=60,
            created_at=NOW,
        )
        s.add_all([lars, medicine, visits])
        visit = make_visit(s, sandra, anna, start=NOW + timedelta(hours=3))
        s.flush()
        return {"sandra": sandra.id, "lars": lars.id, "consent": consent.id, "visit": visit.id}


def queued_to(db: Database, phone: str) -> list[Outbox]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(Outbox)
                .where(Outbox.to_phone == phone, Outbox.state == OutboxState.QUEUED)
                .order_by(Outbox.due_at)
            )
        )


def test_lars_gets_an_sms_copy_of_each_reminder_that_names_sandra_and_asks_nothing(
    db: Database, world: dict[str, int]
) -> None:
    expand(db, CTX, NOW)
    sandras = queued_to(db, SANDRA)
    copies = queued_to(db, LARS)
    assert len(copies) == len(sandras) > 0
    today = [c for c in copies if c.due_at == datetime(2026, 11, 24, 18, 0, tzinfo=ZONE)]
    assert [c.body for c in today] == ["Kopia för Sandra: Påminnelse: Ta din medicin"]
    assert today[0].reply_window_minutes is None  # Sandra answers 1, not Lars
    [visit_copy] = [c for c in copies if c.visit_id == world["visit"]]
    assert visit_copy.kind.value == "sms"  # Sandra gets a call; Lars a text
    assert visit_copy.body.startswith("Kopia för Sandra: Hej! Anna kommer i dag kl 16:00.")
    expand(db, CTX, NOW)  # the job runs again: nothing twice
    assert len(queued_to(db, LARS)) == len(copies)


def test_a_moved_visit_withdraws_the_copy_too(db: Database, world: dict[str, int]) -> None:
    expand(db, CTX, NOW)
    with db.transaction() as s:
        visit = s.get(Visit, world["visit"])
        visit.planned_start += timedelta(hours=2)
        visit.planned_end += timedelta(hours=2)
    expand(db, CTX, NOW)
    copies = [c for c in queued_to(db, LARS) if c.visit_id == world["visit"]]
    [copy] = copies  # the 16:00 copy was withdrawn with Sandra's reminder
    assert copy.body.startswith("Kopia för Sandra: Hej! Anna kommer i dag kl 18:00.")


def test_no_copies_without_consent_or_without_the_feature(
    db: Database, world: dict[str, int]
) -> None:
    with db.transaction() as s:
        s.get(Consent, world["consent"]).withdrawn_at = NOW
    expand(db, CTX, NOW)
    assert queued_to(db, LARS) == [] and queued_to(db, SANDRA) != []


def test_stopp_from_lars_stops_his_copies_only_and_says_so(
    db: Database, world: dict[str, int]
) -> None:
    expand(db, CTX, NOW)
    with db.transaction() as s:
        receive_sms(s, "SM-lars-1", LARS, "+46850000000", "STOPP", NOW)
    left = queued_to(db, LARS)
    assert [m.body for m in left] == ["Du får inga fler påminnelser för Sandra."]
    assert queued_to(db, SANDRA) != []
    with db.transaction() as s:
        assert not s.get(Proxy, world["lars"]).gets_reminders
    expand(db, CTX, NOW + timedelta(days=3))
    assert len(queued_to(db, LARS)) == 1


def test_a_copy_that_cannot_reach_lars_is_a_task_not_an_escalation(
    app, db: Database, world: dict[str, int]
) -> None:
    from portal.outreach.handlers import on_undeliverable

    expand(db, CTX, NOW)
    with db.transaction() as s:
        row = s.scalars(select(Outbox).where(Outbox.to_phone == LARS)).first()
        row.last_error = "invalid number"
        on_undeliverable(s, row, NOW, zone=ZONE)
    with db.transaction() as s:
        [task] = s.scalars(select(Task))
        assert task.kind is TaskKind.UNDELIVERABLE and LARS in task.text
        assert s.scalars(select(Escalation)).first() is None
