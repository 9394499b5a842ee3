"""A client with a record of every kind, each text carrying a word of its own, for "all of it"
tests: ``make_full_client(session, "Sol", ...)`` gives a client whose every text contains "Sol",
so a test can look for another client's word and find no trace of it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Area,
    CheckIn,
    Client,
    Consent,
    ConsentKind,
    ConsentMethod,
    Decision,
    DecisionGoal,
    Device,
    Escalation,
    EscalationNote,
    EscalationType,
    FollowUp,
    FollowUpOutcome,
    Goal,
    GoalKind,
    GoalLevel,
    GoalLevelChange,
    GrantPeriod,
    InboundMessage,
    LifeArea,
    Mapping,
    MappingArea,
    Message,
    Mood,
    Order,
    OrderGoal,
    Outbox,
    OutboxKind,
    Plan,
    Proxy,
    ProxyRelation,
    Rating,
    RatingSource,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Staff,
    SupportRequest,
    SurveyAnswer,
    Task,
    TaskKind,
    VisitNote,
    VisitStatus,
    ensure_life_areas,
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
    personal_number: str | None = None,
) -> Client:
    """A client named ``tag`` with at least one record of every kind the portal keeps."""
    area_id = None
    if unit_id is not None:
        area = Area(unit_id=unit_id, name=f"{tag}området", lat=59.3, lon=18.0)
        session.add(area)
        session.flush()
        area_id = area.id
    client = make_client(
        session, tag, f"{tag}sson", phone=phone, workers=[worker], caseworker=caseworker,
        unit_id=unit_id, address=f"{tag}gatan 1", preferences=f"{tag} vill ha te",
        personal_number=personal_number, area_id=area_id,
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
    session.flush()
    _add_outcomes(session, client, tag, worker, caseworker, decision, now)
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
    earlier = Consent(
        client_id=client.id, kind=ConsentKind.PROXY_ACCESS, scope=f"{tag} sa ja förut",
        given_at=now - timedelta(days=30), recorded_by_id=worker.id, method=ConsentMethod.PHONE,
        withdrawn_at=now - timedelta(days=10), withdrawn_by_id=caseworker.id,
    )  # fmt: skip
    consent = Consent(
        client_id=client.id, kind=ConsentKind.PROXY_ACCESS, scope=f"{tag} sa ja",
        given_at=now - timedelta(days=10), recorded_by_id=caseworker.id,
        method=ConsentMethod.IN_PERSON,
    )  # fmt: skip
    session.add_all([escalation, earlier, consent])
    session.flush()
    session.add(
        Proxy(
            client_id=client.id, name=f"{tag}hjälpare", phone=f"{phone[:-1]}9",
            relation=ProxyRelation.RELATIVE, can_see_visits=True, consent_id=consent.id,
        )
    )  # fmt: skip
    session.flush()
    return client


def _add_outcomes(
    session: Session, client: Client, tag: str, worker: Staff, caseworker: Staff,
    decision: Decision, now: datetime,
) -> None:  # fmt: skip
    """The mapping, an order, a follow-up, both ratings, a survey and a goal level change."""
    ensure_life_areas(session)
    area = session.scalars(select(LifeArea).order_by(LifeArea.position)).first()
    mapping = Mapping(
        client_id=client.id, mapper_id=worker.id, started_by_id=caseworker.id,
        starts_on=date(2019, 11, 1), ends_on=date(2019, 12, 15),
        summary=f"{tag}sammanfattning", closed_at=now - timedelta(days=400),
    )  # fmt: skip
    mapping.areas = [MappingArea(life_area_id=area.id, manages_today=f"{tag} klarar disken",
                                 wishes=f"{tag} vill laga mat")]  # fmt: skip
    session.add(mapping)
    session.flush()
    order = Order(
        client_id=client.id, decision_id=decision.id, mapping_id=mapping.id,
        caseworker_id=caseworker.id, starts_on=date(2020, 1, 1), ends_on=date(2030, 12, 31),
        minutes=120, per=GrantPeriod.WEEK, follow_up_on=date(2030, 6, 1),
    )  # fmt: skip
    order.goals = [OrderGoal(life_area_id=area.id, text=f"{tag}beställningsmål")]
    session.add(order)
    session.flush()
    session.add_all([
        FollowUp(client_id=client.id, order_id=order.id, caseworker_id=caseworker.id,
                 held_on=date(2025, 6, 1), what_works=f"{tag}fungerar",
                 what_changes=f"{tag}ändras", outcome=FollowUpOutcome.CONTINUES),
        Rating(client_id=client.id, life_area_id=area.id, source=RatingSource.CLIENT, step=3,
               rated_at=now - timedelta(days=7)),
        Rating(client_id=client.id, life_area_id=area.id, source=RatingSource.WORKER, step=4,
               staff_id=worker.id, rated_at=now - timedelta(days=6)),
        SurveyAnswer(client_id=client.id, follow_up_on=date(2030, 6, 1),
                     answers={"contact": "yes", "say": "sometimes"}, named=True,
                     answered_at=now - timedelta(days=3)),
        GoalLevelChange(client_id=client.id, client_words=f"Jag vill {tag}a.",
                        level=GoalLevel.MORE_INDEPENDENT, changed_by_id=worker.id,
                        changed_at=now - timedelta(days=5)),
    ])  # fmt: skip
