"""Factory functions with keyword defaults; each adds to the given session and flushes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from models import (
    Channel,
    Client,
    ClientWorker,
    ContactWorkerSpell,
    Decision,
    GrantPeriod,
    RequestStatus,
    Role,
    Staff,
    SupportRequest,
    Visit,
    VisitStatus,
    WorkingHours,
    utcnow,
)
from portal.auth.staff import create_staff

_numbers = itertools.count(1)
#: When the contact workers a factory gives a client began.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def make_client(
    session: Session,
    first_name: str = "Sandra",
    last_name: str = "Nilsson",
    phone: str | None = None,
    workers: list[Staff] = (),
    caseworker: Staff | None = None,
    **extra: object,
) -> Client:
    client = Client(
        first_name=first_name,
        last_name=last_name,
        phone=phone or f"+4670{next(_numbers):07d}",
        caseworker_id=caseworker.id if caseworker else None,
        **extra,
    )
    session.add(client)
    session.flush()
    for position, worker in enumerate(workers):
        session.add(ClientWorker(client_id=client.id, staff_id=worker.id, position=position))
        # Their history too, from long before any visit a test makes (continuity figures).
        session.add(
            ContactWorkerSpell(
                client_id=client.id, staff_id=worker.id, position=position, starts_at=LONG_AGO
            )
        )
    session.flush()
    return client


def make_staff(
    session: Session,
    username: str = "anna",
    first_name: str | None = None,
    roles: list[Role] = (Role.WORKER,),
    password: str = "correct horse battery",
    is_demo: bool = False,
    weekdays: range = range(7),
    hours: tuple[time, time] = (time(7), time(22)),
    **extra: object,
) -> Staff:
    staff = create_staff(
        session,
        username,
        first_name or username.capitalize(),
        "Testsson",
        password,
        list(roles),
        is_demo=is_demo,
        **extra,
    )
    staff.hours = [WorkingHours(weekday=d, starts=hours[0], ends=hours[1]) for d in weekdays]
    session.flush()
    return staff


def make_visit(
    session: Session,
    client: Client,
    staff: Staff,
    start: datetime | None = None,
    minutes: int = 60,
    channel: Channel = Channel.HOME,
    status: VisitStatus = VisitStatus.PLANNED,
) -> Visit:
    start = start or utcnow() + timedelta(hours=1)
    visit = Visit(
        client_id=client.id,
        staff_id=staff.id,
        channel=channel,
        status=status,
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
    )
    session.add(visit)
    session.flush()
    return visit


def make_request(
    session: Session,
    client: Client,
    wanted_from: datetime,
    days: int = 2,
    category: str = "talk",
    channel: Channel = Channel.HOME,
) -> SupportRequest:
    """A new light-support request of ``client``, open for ``days`` from ``wanted_from``."""
    request = SupportRequest(
        client_id=client.id,
        category=category,
        channel=channel,
        wanted_from=wanted_from,
        wanted_to=wanted_from + timedelta(days=days),
        created_at=wanted_from,
        status=RequestStatus.NEW,
    )
    session.add(request)
    session.flush()
    return request


def make_decision(
    session: Session,
    client: Client,
    minutes: int = 240,
    per: GrantPeriod = GrantPeriod.WEEK,
    starts_on: date = date(2020, 1, 1),
    ends_on: date = date(2030, 12, 31),
) -> Decision:
    decision = Decision(
        client_id=client.id,
        caseworker_id=client.caseworker_id,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_minutes=minutes,
        granted_per=per,
    )
    session.add(decision)
    session.flush()
    return decision
