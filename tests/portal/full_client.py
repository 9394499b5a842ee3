"""A client with a record of every kind, each text carrying a word of its own, for "all of it"
tests: ``make_full_client(session, "Sol", ...)`` gives a client whose every text contains "Sol",
so a test can look for another client's word and find no trace of it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from models import (
    CheckIn,
    Client,
    Consent,
    ConsentKind,
    Decision,
    DecisionGoal,
    Device,
    Escalation,
    EscalationNote,
    EscalationType,
    Goal,
    GoalKind,
    GoalLevel,
    GrantPeriod,
    InboundMessage,
    Message,
    Mood,
    Outbox,
    OutboxKind,
    Plan,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Staff,
    SupportRequest,
    Task,
    TaskKind,
    VisitNote,
    VisitStatus,
)
from models.visits import Channel
from tests.factories import make_client, make_visit


def make_full_client(
    session: Session,
    tag: str,
    phone: str,
    worker: Staff,
    caseworker: Staff,
    now: datetime,
    unit_id: int | None = None,
) -> Client:
    """A client named ``tag`` with at least one record of every kind the portal keeps."""
    client = make_client(
        session, tag, f"{tag}sson", phone=phone, workers=[worker], caseworker=caseworker,
        unit_id=unit_id, address=f"{tag}gatan 1", preferences=f"{tag} vill ha te",
    )  # fmt: skip
    decision = Decision(
        client_id=client.id, caseworker_id=caseworker.id, starts_on=date(2020, 1, 1),
        ends_on=date(2030, 12, 31), granted_minutes=120, granted_per=GrantPeriod.WEEK,
        reason=f"{tag}skäl",
    )  # fmt: skip
    decision.goals = [DecisionGoal(kind=GoalKind.OVERALL, text=f"{tag}mål i beslutet")]
    plan = Plan(client_id=client.id, version=1, written_by_id=worker.id)
    plan.goals = [Goal(position=0, client_words=f"Jag vill {tag}a.", level=GoalLevel.WITH_SUPPORT)]
    session.add_all([decision, plan])
    done = make_visit(session, client, worker, start=now - timedelta(days=2),
                      status=VisitStatus.DONE)  # fmt: skip
    done.actual_start, done.actual_end = done.planned_start, done.planned_end
    make_visit(session, client, worker, start=now + timedelta(days=1), channel=Channel.PHONE)
    make_visit(session, client, worker, start=now - timedelta(days=200), status=VisitStatus.DONE)
    session.add(VisitNote(visit_id=done.id, author_id=worker.id, text=f"{tag} var glad.",
                          created_at=now - timedelta(days=2)))  # fmt: skip
    session.add_all([
        Message(client_id=client.id, staff_id=worker.id, from_client=True, body=f"Hej {tag}brev"),
        ReminderRule(
            client_id=client.id, text=f"{tag}medicin", channel=ReminderChannel.SMS,
            recurrence=Recurrence.DAILY, local_time=time(8), created_by_id=worker.id,
        ),
        Outbox(
            kind=OutboxKind.SMS, to_phone=phone, body=f"Påminnelse: {tag}medicin",
            purpose="reminder", client_id=client.id, due_at=now - timedelta(hours=3),
            next_attempt_at=now - timedelta(hours=3),
        ),
        Outbox(
            kind=OutboxKind.SMS, to_phone=phone, body=f"Din kod {tag}: 123456",
            purpose="login_code", client_id=client.id, due_at=now - timedelta(hours=1),
            next_attempt_at=now - timedelta(hours=1),
        ),
        InboundMessage(provider_id=f"SM{tag}", from_phone=phone, to_phone="+46700000999",
                       body=f"1 {tag}svar", client_id=client.id),
        CheckIn(client_id=client.id, mood=Mood.YELLOW, created_at=now - timedelta(hours=5)),
        SupportRequest(
            client_id=client.id, category="talk", channel=Channel.PHONE,
            wanted_from=now + timedelta(hours=2), wanted_to=now + timedelta(hours=6),
            text=f"{tag}fråga", created_at=now - timedelta(hours=4),
        ),
        Task(kind=TaskKind.OTHER, client_id=client.id, staff_id=worker.id, text=f"Ring {tag}",
             created_at=now - timedelta(hours=2)),
        Device(client_id=client.id, token_hash=f"{tag:0<64}"[:64], label=f"{tag}telefon"),
    ])  # fmt: skip
    escalation = Escalation(
        client_id=client.id, owner_id=caseworker.id, type=EscalationType.WORKER_CONCERN,
        reason=f"{tag}oro", source="worker", due_at=now + timedelta(days=3),
        created_at=now - timedelta(days=1),
    )  # fmt: skip
    escalation.notes = [EscalationNote(author_id=caseworker.id, text=f"{tag}anteckning")]
    consent = Consent(client_id=client.id, kind=ConsentKind.PROXY_ACCESS, scope=f"{tag} sa ja")
    session.add_all([escalation, consent])
    session.flush()
    session.add(
        Proxy(
            client_id=client.id, name=f"{tag}hjälpare", phone=f"{phone[:-1]}9",
            relation=ProxyRelation.RELATIVE, can_see_visits=True, consent_id=consent.id,
        )
    )  # fmt: skip
    session.flush()
    return client
