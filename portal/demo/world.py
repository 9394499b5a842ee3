"""The demo world: the people of the municipal reports, and enough generated ones to feel real."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CheckIn,
    Client,
    ClientWorker,
    Consent,
    ConsentKind,
    ConsentMethod,
    Escalation,
    EscalationType,
    Message,
    Mood,
    Plan,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Role,
    Staff,
    SupportRequest,
    Unit,
    WorkingHours,
)
from models.visits import Channel

from ..auth.staff import create_staff, hash_password
from ..i18n import translate
from ..people.contacts import record_current
from .names import AREAS, DEMO_PASSWORD, FIRST_NAMES, LANGS, LAST_NAMES, SKILLS, TAKE_MEDICINE
from .outcomes import seed_outcomes
from .places import add_areas, give_numbers
from .ratings import seed_ratings
from .second_unit import seed_second_unit
from .weeks import decision_and_plan, week_of_visits


def seed(session: Session, now: datetime, zone: ZoneInfo, generated: int = 20) -> None:
    """Fill an empty database with the demo world, relative to ``now``."""
    rnd = random.Random(2025)
    today = now.astimezone(zone).date()
    unit = Unit(name="Boendestöd Huddinge", phone="+46846500401")
    session.add(unit)
    session.flush()

    demo_hash = hash_password(DEMO_PASSWORD)

    def staff(username: str, first: str, last: str, roles: list[Role], **extra: object) -> Staff:
        return create_staff(
            session,
            username,
            first,
            last,
            DEMO_PASSWORD,
            roles,
            is_demo=True,
            unit_id=unit.id,
            password_hash=demo_hash,
            **extra,
        )

    anna = staff(
        "anna",
        "Anna",
        "Lind",
        [Role.WORKER],
        skills=["intellectual_disability", "mi"],
        languages=["sv", "en"],
        home_area="Flemingsberg",
        home_lat=59.219,
        home_lon=17.947,
        phone="+46700000101",
        photo="photos/anna.svg",
        gender="woman",
    )
    omar = staff(
        "omar",
        "Omar",
        "Haddad",
        [Role.WORKER],
        skills=["autism", "adhd", "esl"],
        languages=["sv", "ar", "en"],
        home_area="Skogås",
        home_lat=59.218,
        home_lon=18.155,
        phone="+46700000102",
        photo="photos/omar.svg",
        gender="man",
    )
    workers = [anna, omar]
    for i in range(10):
        first = FIRST_NAMES[i]
        area = AREAS[i % len(AREAS)]
        workers.append(
            staff(
                f"{first.lower()}{i}",
                first,
                rnd.choice(LAST_NAMES),
                [Role.WORKER],
                skills=rnd.sample(SKILLS, 2),
                languages=["sv", *rnd.sample(LANGS[1:], 1)],
                home_area=area[0],
                home_lat=area[1],
                home_lon=area[2],
                phone=f"+467000002{i:02d}",
                photo=f"photos/{first.lower()}.svg",
            )
        )
    staff("cecilia", "Cecilia", "Ström", [Role.COORDINATOR], phone="+46700000103")
    karin = staff("karin", "Karin", "Ek", [Role.CASEWORKER], phone="+46700000104")
    staff("maria", "Maria", "Sandberg", [Role.MANAGER])
    staff("admin", "Admin", "Adminsson", [Role.ADMIN])

    for worker in workers:
        late = worker.id % 3 == 0  # a third of the team works evenings, for clients who work
        for weekday in range(7 if late else 5):
            start, end = (time(12), time(21)) if late else (time(8), time(17))
            worker.hours.append(WorkingHours(weekday=weekday, starts=start, ends=end))
    for worker in (anna, omar):  # Sandra's and Olle's workers cover weekends between them
        worker.hours += [WorkingHours(weekday=d, starts=time(10), ends=time(16)) for d in (5, 6)]

    sandra = Client(
        first_name="Sandra",
        last_name="Nilsson",
        phone="+46700000001",
        birth_year=today.year - 43,
        address="Storvretsvägen 12, Flemingsberg",
        lat=59.221,
        lon=17.950,
        needs=["intellectual_disability"],
        preferences="Ring på dörren två gånger.",
        unit_id=unit.id,
        caseworker_id=karin.id,
    )
    olle = Client(
        first_name="Olle",
        last_name="Berg",
        phone="+46700000002",
        birth_year=today.year - 21,
        address="Skogåsvägen 3, Skogås",
        lat=59.217,
        lon=18.151,
        needs=["autism"],
        preferences="Skriv hellre än ring.",
        unit_id=unit.id,
        caseworker_id=karin.id,
    )
    clients = [sandra, olle]
    for i in range(generated):
        area = AREAS[i % len(AREAS)]
        clients.append(
            Client(
                first_name=FIRST_NAMES[(i + 7) % len(FIRST_NAMES)],
                last_name=rnd.choice(LAST_NAMES),
                phone=f"+4670000{1000 + i:04d}",
                birth_year=today.year - rnd.randint(19, 70),
                address=f"{area[0]}vägen {rnd.randint(1, 60)}",
                lat=area[1] + rnd.uniform(-0.01, 0.01),
                lon=area[2] + rnd.uniform(-0.01, 0.01),
                needs=rnd.sample(SKILLS[:5], rnd.randint(1, 2)),
                unit_id=unit.id,
                has_children_under_18=rnd.random() < 0.15,
                language=rnd.choice(["sv", "sv", "sv", "en", "ar"]),
                caseworker_id=karin.id,
            )
        )
    session.add_all(clients)
    give_numbers(clients, first_serial=900)
    session.flush()
    add_areas(session, unit, AREAS)

    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for index, client in enumerate(clients):
        pair = [anna, omar] if index < 2 else rnd.sample(workers, 2)
        if client is olle:
            pair = [omar, anna]
        for position, worker in enumerate(pair):
            session.add(ClientWorker(client_id=client.id, staff_id=worker.id, position=position))
        decision_and_plan(session, client, karin, pair[0], today, now, rnd)
        week_of_visits(session, client, pair, today, now, zone, rnd, busy)
        session.add(
            ReminderRule(
                client_id=client.id,
                text=translate(TAKE_MEDICINE, client.language),
                channel=ReminderChannel.SMS,
                recurrence=Recurrence.DAILY,
                local_time=time(8, 0),
                ask_reply=True,
                reply_within_minutes=60,
                created_by_id=pair[0].id,
            )
        )

    # Lars is god man for Sandra and for one more client, so signing in as him asks whom he
    # helps today; the second client also lets him book, get copies of the reminders and read
    # everything held about her ("Mina uppgifter").
    _lars_for(session, sandra, anna, "Min gode man Lars får se mina besök.")
    _lars_for(
        session,
        clients[2],
        anna,
        "Min gode man Lars får se och boka mina besök, få mina påminnelser och se allt om mig.",
        can_book=True,
        gets_reminders=True,
        can_see_records=True,
    )

    for client, category, channel, text in [
        (olle, "talk", Channel.VIDEO, "Jag vill prata lite."),
        (clients[3], "routines", Channel.HOME, None),
        (clients[5], "post", Channel.HOME, "Jag har fått ett brev jag inte förstår."),
    ]:
        session.add(
            SupportRequest(
                client_id=client.id,
                category=category,
                channel=channel,
                wanted_from=now + timedelta(hours=2),
                wanted_to=now + timedelta(hours=6),
                text=text,
                created_at=now - timedelta(minutes=rnd.randint(5, 90)),
            )
        )
    session.add(
        SupportRequest(
            contact_name="Eva",
            contact_phone="+46700009999",
            category="talk",
            channel=Channel.PHONE,
            wanted_from=now + timedelta(days=1),
            wanted_to=now + timedelta(days=1, hours=4),
        )
    )
    session.add_all(
        [
            Escalation(
                client_id=sandra.id,
                owner_id=karin.id,
                type=EscalationType.REPEATED_CANCELLATIONS,
                reason="Sandra har avbokat tre gånger på 30 dagar.",
                source="booking",
                evidence=[{"kind": "cancellation", "days_ago": d} for d in (3, 11, 20)],
                due_at=now + timedelta(days=3),
            ),
            Escalation(
                client_id=clients[4].id,
                owner_id=karin.id,
                type=EscalationType.DECISION_EXPIRING,
                reason="Beslutet går ut om 30 dagar.",
                source="decisions",
                due_at=now + timedelta(days=10),
            ),
        ]
    )
    session.flush()
    _client_portal(session, sandra, anna, now)
    seed_outcomes(session, sandra, karin, anna, clients[2:], now, zone)
    seed_second_unit(session, now, zone, rnd, demo_hash)
    # The contact workers' history starts before the demo's oldest visit.
    record_current(session, now - timedelta(days=365))
    seed_ratings(session, now, zone, random.Random(16))


def _client_portal(session: Session, sandra: Client, anna: Staff, now: datetime) -> None:
    """A short message thread, yesterday's check-in and a plan waiting for Sandra's yes."""
    session.add_all(
        [
            Message(
                client_id=sandra.id,
                staff_id=anna.id,
                from_client=True,
                body="Hej Anna! Kan vi handla på fredag i stället?",
                created_at=now - timedelta(days=1, hours=2),
                read_at=now - timedelta(days=1, hours=1),
            ),
            Message(
                client_id=sandra.id,
                staff_id=anna.id,
                from_client=False,
                body="Hej Sandra! Ja, det går bra. Jag kommer på fredag kl 10.",
                created_at=now - timedelta(days=1, hours=1),
            ),
            CheckIn(client_id=sandra.id, mood=Mood.GREEN, created_at=now - timedelta(days=1)),
        ]
    )
    plan = session.scalar(select(Plan).where(Plan.client_id == sandra.id))
    if plan is not None:
        plan.approved_at = None
    session.flush()


def _lars_for(
    session: Session, client: Client, recorded_by: Staff, scope: str, **may: bool
) -> None:
    """Lars Nilsson, god man, acting for ``client`` under the consent the client gave."""
    consent = Consent(
        client_id=client.id,
        kind=ConsentKind.PROXY_ACCESS,
        scope=scope,
        recorded_by_id=recorded_by.id,
        method=ConsentMethod.IN_PERSON,
    )
    session.add(consent)
    session.flush()
    session.add(
        Proxy(
            client_id=client.id,
            name="Lars Nilsson",
            phone="+46700000003",
            relation=ProxyRelation.GOD_MAN,
            can_see_visits=True,
            consent_id=consent.id,
            **may,
        )
    )
