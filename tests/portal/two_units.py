"""Two units for boundary tests: our own (Norr) with one of each role, and a foreign one (Söder).

Every record of Söder carries a fixed id from 7001 up and a name or text with "Qvarn" in it, so a
test can say "no trace of it" by looking for the marker and the id in a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from sqlalchemy.orm import Session

from models import (
    Area,
    AuditEvent,
    AuditEventClient,
    Availability,
    AvailabilityKind,
    CheckIn,
    Client,
    Consent,
    ConsentKind,
    Escalation,
    EscalationType,
    Message,
    Mood,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    RequestStatus,
    Role,
    SupportRequest,
    Task,
    TaskKind,
    Unit,
    Visit,
    utcnow,
)
from models.visits import Channel, VisitStatus
from portal.lightsupport.catalogue import ensure_defaults
from tests.factories import make_client, make_staff, make_visit

#: Strings only the foreign unit's records contain; none may appear in a refusal.
FOREIGN_MARKERS = ("Qvarn", "Söder", "Sune", "Sara", "Sigge", "+46700007001", "070-000 70 01")


@dataclass
class World:
    """Ids of our own records (per kind) and of the foreign unit's (per kind, several each)."""

    own: dict[str, int] = field(default_factory=dict)
    foreign: dict[str, list[int]] = field(default_factory=dict)
    #: Our unit's records of another worker's client and caseload: not a coordinator's boundary.
    neighbour: dict[str, list[int]] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)


def build(session: Session) -> World:
    """Fill an empty database with the two units; return the ids a test needs."""
    ensure_defaults(session)
    now = utcnow()
    world = World()
    north, south = Unit(name="Norr"), Unit(name="Söder")
    session.add_all([north, south])
    session.flush()
    centrum = Area(unit_id=north.id, name="Centrum", lat=59.33, lon=18.06)
    qvarn = Area(id=7001, unit_id=south.id, name="Qvarnområdet", lat=59.3, lon=18.0)
    session.add_all([centrum, qvarn])

    nils = make_staff(session, "nils", unit_id=north.id)
    nora = make_staff(session, "nora", roles=[Role.COORDINATOR], unit_id=north.id)
    kai = make_staff(session, "kai", roles=[Role.CASEWORKER], unit_id=north.id)
    mona = make_staff(session, "mona", roles=[Role.MANAGER], unit_id=north.id)
    adam = make_staff(session, "adam", roles=[Role.ADMIN], unit_id=north.id)
    nina = make_client(session, "Nina", "Norrman", workers=[nils], caseworker=kai, unit_id=north.id)
    lars = _proxy(session, nina, nils, "Lars Norrman", "+46700000003")
    lars.can_see_records = True  # so a proxy's "Vem har läst om mig?" meets the boundary too
    own_visit = make_visit(session, nina, nils, start=now + timedelta(days=1))
    own_rule = _rule(session, nina, nils, "Ta medicinen")
    world.people = {
        "nils": nils.id, "nora": nora.id, "kai": kai.id, "mona": mona.id, "adam": adam.id,
        "nina": nina.id, "lars": lars.id,
    }  # fmt: skip
    own_request = SupportRequest(
        client_id=nina.id, category="talk", channel=Channel.PHONE, status=RequestStatus.NEW,
        wanted_from=now + timedelta(hours=2), wanted_to=now + timedelta(hours=6), created_at=now,
    )  # fmt: skip
    own_read = AuditEvent(actor_staff_id=nils.id, client_id=nina.id, action="read",
                          subject="client.record")  # fmt: skip
    session.add_all([own_request, own_read])
    session.flush()
    world.own = {
        "client": nina.id, "visit": own_visit.id, "rule": own_rule.id, "staff": nils.id,
        "request": own_request.id, "audit_event": own_read.id, "unit": north.id,
        "area": centrum.id, "proxy": lars.id,
    }  # fmt: skip

    # The foreign unit: fixed ids, so a page can be searched for them.
    sune = make_staff(session, "sune", unit_id=south.id, id=7001)
    sara = make_staff(session, "sara", roles=[Role.COORDINATOR], unit_id=south.id, id=7002)
    sigge = make_staff(session, "sigge", roles=[Role.CASEWORKER], unit_id=south.id, id=7003)
    siv = make_client(
        session, "Siv", "Qvarnström", phone="+46700007001", workers=[sune], caseworker=sigge,
        unit_id=south.id, id=7001, address="Qvarngatan 7",
    )  # fmt: skip
    qvarn_olle = _proxy(session, siv, sune, "Qvarn-Olle", "+46700007002", id=7001)
    home, video, started = (
        Visit(
            id=7001 + i, client_id=siv.id, staff_id=sune.id, channel=channel, status=status,
            planned_start=now + start, planned_end=now + start + timedelta(hours=1),
            actual_start=now + start if status is VisitStatus.STARTED else None,
        )
        for i, (channel, status, start) in enumerate([
            (Channel.HOME, VisitStatus.PLANNED, timedelta(hours=2)),
            (Channel.VIDEO, VisitStatus.PLANNED, timedelta(days=2)),
            (Channel.HOME, VisitStatus.STARTED, timedelta(minutes=-10)),
        ])
    )  # fmt: skip
    session.add_all([home, video, started])
    rule = _rule(session, siv, sune, "Qvarnmedicin", id=7001)
    request = SupportRequest(
        id=7001, client_id=siv.id, category="talk", channel=Channel.PHONE,
        wanted_from=now + timedelta(hours=2), wanted_to=now + timedelta(hours=6),
        text="Qvarn-hjälp", status=RequestStatus.NEW, created_at=now,
    )  # fmt: skip
    escalation = Escalation(
        id=7001, client_id=siv.id, owner_id=sigge.id, type=EscalationType.REPEATED_CANCELLATIONS,
        reason="Qvarnärende", source="booking", due_at=now + timedelta(days=3),
    )  # fmt: skip
    unowned = Escalation(
        id=7002, client_id=siv.id, owner_id=None, type=EscalationType.DECISION_EXPIRING,
        reason="Qvarnbeslut", source="decisions", due_at=now + timedelta(days=3),
    )  # fmt: skip
    tasks = [
        Task(id=7001, kind=TaskKind.OTHER, client_id=siv.id, staff_id=sune.id, text="Qvarn 1"),
        Task(id=7002, kind=TaskKind.MESSAGE, client_id=siv.id, for_role=Role.COORDINATOR,
             text="Qvarn 2"),
        Task(id=7003, kind=TaskKind.OTHER, client_id=siv.id, for_role=Role.CASEWORKER,
             text="Qvarn 3"),
    ]  # fmt: skip
    check_in = CheckIn(id=7001, client_id=siv.id, mood=Mood.RED, created_at=now)
    absence = Availability(
        id=7001, staff_id=sune.id, kind=AvailabilityKind.ABSENT, reason="Qvarnledig",
        starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=6),
    )  # fmt: skip
    message = Message(client_id=siv.id, staff_id=sune.id, from_client=True, body="Qvarnhej")
    read = AuditEvent(actor_staff_id=sune.id, client_id=siv.id, action="read",
                      subject="client.record", detail="Qvarn")  # fmt: skip
    listed = AuditEvent(actor_staff_id=sara.id, action="read", subject="visits.day")
    session.add_all([request, escalation, unowned, *tasks, check_in, absence, message, read,
                     listed])  # fmt: skip
    session.flush()
    session.add(AuditEventClient(audit_event_id=listed.id, client_id=siv.id))
    session.flush()
    _neighbour(session, world, north, now)
    world.foreign = {
        "client": [siv.id],
        "visit": [home.id, video.id, started.id],
        "rule": [rule.id],
        "request": [request.id],
        "escalation": [escalation.id, unowned.id],
        "task": [t.id for t in tasks],
        "check_in": [check_in.id],
        "staff": [sune.id, sara.id, sigge.id],
        "availability": [absence.id],
        "audit_event": [read.id, listed.id],
        "unit": [south.id],
        "area": [qvarn.id],
        "proxy": [qvarn_olle.id],
    }
    return world


def _neighbour(session: Session, world: World, unit: Unit, now) -> None:
    """Petra, in our unit, with a worker and a caseworker of her own (not ours)."""
    sten = make_staff(session, "sten", unit_id=unit.id, id=7101)
    kerstin = make_staff(session, "kerstin", roles=[Role.CASEWORKER], unit_id=unit.id, id=7102)
    petra = make_client(
        session, "Petra", "Qvarnberg", workers=[sten], caseworker=kerstin, unit_id=unit.id,
        id=7101,
    )  # fmt: skip
    visit = Visit(
        id=7101, client_id=petra.id, staff_id=sten.id, channel=Channel.VIDEO,
        planned_start=now + timedelta(hours=3), planned_end=now + timedelta(hours=4),
    )  # fmt: skip
    session.add(visit)
    session.flush()
    rule = _rule(session, petra, sten, "Qvarnpromenad", id=7101)
    session.add_all([
        Escalation(
            id=7101, client_id=petra.id, owner_id=kerstin.id, reason="Qvarnoro",
            type=EscalationType.WORKER_CONCERN, source="worker", due_at=now + timedelta(days=2),
        ),
        Task(id=7101, kind=TaskKind.OTHER, client_id=petra.id, staff_id=sten.id, text="Qvarn 4"),
        CheckIn(id=7101, client_id=petra.id, mood=Mood.YELLOW, created_at=now),
    ])  # fmt: skip
    session.flush()
    world.neighbour = {
        "client": [petra.id], "visit": [visit.id], "rule": [rule.id], "escalation": [7101],
        "task": [7101], "check_in": [7101],
    }  # fmt: skip


def _proxy(session: Session, client: Client, by, name: str, phone: str, **extra) -> Proxy:
    consent = Consent(
        client_id=client.id, kind=ConsentKind.PROXY_ACCESS, scope="Får se och boka",
        recorded_by_id=by.id,
    )  # fmt: skip
    session.add(consent)
    session.flush()
    proxy = Proxy(
        client_id=client.id, name=name, phone=phone, relation=ProxyRelation.GOD_MAN,
        can_see_visits=True, can_book=True, gets_reminders=True, consent_id=consent.id, **extra,
    )  # fmt: skip
    session.add(proxy)
    session.flush()
    return proxy


def _rule(session: Session, client: Client, by, text: str, **extra) -> ReminderRule:
    rule = ReminderRule(
        client_id=client.id, text=text, channel=ReminderChannel.SMS,
        recurrence=Recurrence.DAILY, local_time=time(9), created_by_id=by.id, **extra,
    )  # fmt: skip
    session.add(rule)
    session.flush()
    return rule
