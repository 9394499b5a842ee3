"""A second unit beside Huddinge's, so that people trying the demo see where a unit ends.

Its coordinator, caseworker and worker see only Botkyrka's clients, and Huddinge's staff never
see these: a request, a visit or a task here reads as not found from the other side.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Client, ClientWorker, Role, Staff, SupportRequest, Unit, WorkingHours
from models.visits import Channel

from ..auth.staff import create_staff
from .names import DEMO_PASSWORD
from .places import add_areas, give_numbers
from .weeks import decision_and_plan, week_of_visits

#: Botkyrka's areas, at their approximate centres.
AREAS = [("Tumba", 59.199, 17.833), ("Alby", 59.239, 17.845), ("Fittja", 59.247, 17.861)]
#: Who lives in Botkyrka: first name, last name, phone, address, position, needs.
CLIENTS = [
    ("Greta", "Holmström", "+46700000011", "Tumba torg 4, Tumba", 59.199, 17.834, ["psychiatric"]),
    ("Hassan", "Jama", "+46700000012", "Alby gård 9, Alby", 59.239, 17.846, ["esl", "adhd"]),
    ("Ulla", "Mårtensson", "+46700000013", "Fittja gård 2, Fittja", 59.247, 17.861, ["autism"]),
]


def seed_second_unit(
    session: Session, now: datetime, zone: ZoneInfo, rnd: random.Random, demo_hash: str
) -> None:
    """Add Botkyrka: Henrik coordinates, Lena is caseworker, Johan visits three clients."""
    today = now.astimezone(zone).date()
    unit = Unit(name="Boendestöd Botkyrka", phone="+46846500402")
    session.add(unit)
    session.flush()

    def staff(username: str, first: str, last: str, role: Role, **extra: object) -> Staff:
        return create_staff(
            session, username, first, last, DEMO_PASSWORD, [role], is_demo=True,
            unit_id=unit.id, password_hash=demo_hash, **extra,
        )  # fmt: skip

    johan = staff(
        "johan", "Johan", "Lindgren", Role.WORKER, skills=["psychiatric", "esl"],
        languages=["sv", "en"], home_area="Tumba", home_lat=59.200, home_lon=17.830,
        phone="+46700000111", photo="photos/johan.svg",
    )  # fmt: skip
    johan.hours = [WorkingHours(weekday=d, starts=time(8), ends=time(17)) for d in range(5)]
    staff("henrik", "Henrik", "Åberg", Role.COORDINATOR, phone="+46700000113")
    lena = staff("lena", "Lena", "Vik", Role.CASEWORKER, phone="+46700000114")

    clients = [
        Client(
            first_name=first, last_name=last, phone=phone, address=address, lat=lat, lon=lon,
            needs=needs, birth_year=today.year - rnd.randint(22, 65), unit_id=unit.id,
            caseworker_id=lena.id,
        )
        for first, last, phone, address, lat, lon, needs in CLIENTS
    ]  # fmt: skip
    session.add_all(clients)
    give_numbers(clients, first_serial=950)
    session.flush()
    add_areas(session, unit, AREAS)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for client in clients:
        session.add(ClientWorker(client_id=client.id, staff_id=johan.id, position=0))
        decision_and_plan(session, client, lena, johan, today, now, rnd)
        week_of_visits(session, client, [johan, johan], today, now, zone, rnd, busy)
    session.add_all(
        SupportRequest(
            client_id=client.id, category=category, channel=channel, text=text,
            wanted_from=now + timedelta(hours=3), wanted_to=now + timedelta(hours=7),
            created_at=now - timedelta(minutes=minutes),
        )
        for client, category, channel, text, minutes in [
            (clients[0], "talk", Channel.PHONE, "Kan någon ringa mig i eftermiddag?", 20),
            (clients[1], "post", Channel.HOME, "Jag behöver hjälp med ett brev.", 45),
        ]
    )  # fmt: skip
    session.flush()
