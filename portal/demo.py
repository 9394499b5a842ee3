"""Demo data: the people of the municipal reports, plus enough generated ones to feel real."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CheckIn,
    Client,
    ClientWorker,
    Consent,
    ConsentKind,
    Decision,
    DecisionGoal,
    Escalation,
    EscalationType,
    Goal,
    GoalKind,
    GoalLevel,
    GrantPeriod,
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
    Visit,
    VisitNote,
    VisitStatus,
    WorkingHours,
)
from models.visits import Channel

from .auth.staff import create_staff

DEMO_PASSWORD = "demo"
FIRST_NAMES = [
    "Ali",
    "Amina",
    "Bengt",
    "Birgitta",
    "Dragan",
    "Eva",
    "Fatima",
    "Gunnar",
    "Hanna",
    "Ibrahim",
    "Johan",
    "Karl",
    "Leila",
    "Lina",
    "Mats",
    "Nadia",
    "Per",
    "Sara",
    "Tove",
    "Yusuf",
    "Zeynep",
    "Elin",
    "Jonas",
    "Maja",
]
LAST_NAMES = [
    "Andersson",
    "Berg",
    "Ahmed",
    "Nilsson",
    "Hassan",
    "Lund",
    "Karlsson",
    "Öberg",
    "Persson",
    "Yilmaz",
    "Holm",
    "Ek",
    "Lindqvist",
    "Mohammed",
    "Sjöberg",
]
AREAS = [
    ("Flemingsberg", 59.219, 17.947),
    ("Skogås", 59.218, 18.155),
    ("Trångsund", 59.227, 18.131),
    ("Vårby", 59.264, 17.884),
    ("Sjödalen", 59.236, 17.980),
    ("Stuvsta", 59.253, 17.997),
]
SKILLS = ["autism", "intellectual_disability", "psychiatric", "adhd", "substance_use", "mi", "esl"]
LANGS = ["sv", "en", "ar", "so", "tr", "fa", "bs"]
GOALS = [
    ("Jag vill kunna handla mat själv.", "Vi handlar tillsammans på tisdagar.", "boende"),
    ("Jag vill ha ordning på mina räkningar.", "Vi går igenom posten varje vecka.", "ekonomi"),
    ("Jag vill komma upp på morgonen.", "Påminnelse kl 8 och en plan för morgonen.", "hälsa"),
    ("Jag vill träffa andra människor.", "Vi letar upp en träffpunkt.", "fritid"),
    ("Jag vill städa min lägenhet.", "Vi gör ett städschema.", "boende"),
]


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def seed(session: Session, now: datetime, zone: ZoneInfo, generated: int = 20) -> None:
    """Fill an empty database with the demo world, relative to ``now``."""
    rnd = random.Random(2025)
    today = now.astimezone(zone).date()
    unit = Unit(name="Boendestöd Huddinge")
    session.add(unit)
    session.flush()

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
    session.flush()

    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for index, client in enumerate(clients):
        pair = [anna, omar] if index < 2 else rnd.sample(workers, 2)
        if client is olle:
            pair = [omar, anna]
        for position, worker in enumerate(pair):
            session.add(ClientWorker(client_id=client.id, staff_id=worker.id, position=position))
        _decision_and_plan(session, client, karin, pair[0], today, now, rnd)
        _week_of_visits(session, client, pair, today, now, zone, rnd, busy)
        session.add(
            ReminderRule(
                client_id=client.id,
                text="Ta din medicin",
                channel=ReminderChannel.SMS,
                recurrence=Recurrence.DAILY,
                local_time=time(8, 0),
                ask_reply=True,
                reply_within_minutes=60,
                created_by_id=pair[0].id,
            )
        )

    # Lars is god man for Sandra and for one more client, so signing in as him asks whom he
    # helps today; the second client also lets him book and get copies of the reminders.
    _lars_for(session, sandra, anna, "Min gode man Lars får se mina besök.")
    _lars_for(
        session,
        clients[2],
        anna,
        "Min gode man Lars får se och boka mina besök och få mina påminnelser.",
        can_book=True,
        gets_reminders=True,
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


def _decision_and_plan(
    session: Session,
    client: Client,
    caseworker: Staff,
    writer: Staff,
    today: date,
    now: datetime,
    rnd: random.Random,
) -> None:
    decision = Decision(
        client_id=client.id,
        caseworker_id=caseworker.id,
        starts_on=today - timedelta(days=rnd.randint(30, 300)),
        ends_on=today + timedelta(days=rnd.randint(25, 330)),
        granted_minutes=rnd.choice([120, 180, 240, 300]),
        granted_per=GrantPeriod.WEEK,
    )
    chosen = rnd.sample(GOALS, 2)
    decision.goals = [
        DecisionGoal(
            kind=GoalKind.OVERALL, life_area=None, text="Att kunna bo kvar i egen lägenhet."
        )
    ]
    decision.goals += [
        DecisionGoal(kind=GoalKind.PERSONAL, life_area=area, text=words)
        for words, _, area in chosen
    ]
    session.add(decision)
    session.flush()
    plan = Plan(
        client_id=client.id,
        decision_id=decision.id,
        version=1,
        written_by_id=writer.id,
        written_at=now - timedelta(days=20),
        approved_at=now - timedelta(days=18) if rnd.random() < 0.7 else None,
    )
    plan.goals = [
        Goal(position=i, client_words=words, activity=activity, level=rnd.choice(list(GoalLevel)))
        for i, (words, activity, _) in enumerate(chosen)
    ]
    session.add(plan)


def _week_of_visits(
    session: Session,
    client: Client,
    pair: list[Staff],
    today: date,
    now: datetime,
    zone: ZoneInfo,
    rnd: random.Random,
    busy: dict[int, list[tuple[datetime, datetime]]],
) -> None:
    """Three days back and four ahead, inside the worker's hours and never overlapping."""
    for offset in range(-3, 5):
        if rnd.random() < 0.35 and client.first_name not in ("Sandra", "Olle"):
            continue
        day = today + timedelta(days=offset)
        worker = pair[offset % 2]
        hours = next((h for h in worker.hours if h.weekday == day.weekday()), None)
        if hours is None:
            continue
        length = timedelta(minutes=rnd.choice([45, 60, 90]))
        slots = [
            _at(day, h, m, zone)
            for h in range(hours.starts.hour, hours.ends.hour - 1)
            for m in (0, 30)
        ]
        rnd.shuffle(slots)
        taken = busy.setdefault(worker.id, [])
        start = next((t for t in slots if all(t + length <= a or t >= b for a, b in taken)), None)
        if start is None:
            continue
        end = start + length
        taken.append((start, end))
        channel = rnd.choices(list(Channel), weights=[6, 2, 2])[0]
        visit = Visit(
            client_id=client.id,
            staff_id=worker.id,
            channel=channel,
            planned_start=start,
            planned_end=end,
        )
        if end < now:
            if rnd.random() < 0.15:
                visit.status = VisitStatus.CANCELLED_BY_CLIENT
                visit.cancelled_at = start - timedelta(hours=rnd.randint(1, 30))
                visit.cancel_reason = "not_well"
                visit.late_cancellation = start - visit.cancelled_at < timedelta(hours=24)
            else:
                visit.status = VisitStatus.DONE
                visit.actual_start = start + timedelta(minutes=rnd.randint(-5, 10))
                visit.actual_end = end + timedelta(minutes=rnd.randint(-10, 10))
                visit.notes.append(
                    VisitNote(
                        author_id=worker.id,
                        created_at=end,
                        text="Vi handlade och pratade om veckan.",
                    )
                )
        session.add(visit)


def _lars_for(
    session: Session, client: Client, recorded_by: Staff, scope: str, **may: bool
) -> None:
    """Lars Nilsson, god man, acting for ``client`` under the consent the client gave."""
    consent = Consent(
        client_id=client.id,
        kind=ConsentKind.PROXY_ACCESS,
        scope=scope,
        recorded_by_id=recorded_by.id,
    )
    session.add(consent)
    session.flush()
    session.add(
        Proxy(
            client_id=client.id,
            name="Lars Nilsson",
            phone="+46700000003",
            relation=ProxyRelation.GUARDIAN,
            can_see_visits=True,
            consent_id=consent.id,
            **may,
        )
    )
