"""The demo's areas and personal identity numbers: every client placed and numbered validly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.orm import Session
from stdnum import luhn

from models import Area, Client, Unit


def add_areas(session: Session, unit: Unit, areas: Iterable[tuple[str, float, float]]) -> None:
    """Give ``unit`` its areas, and place each of its clients whose address names one."""
    made = [Area(unit_id=unit.id, name=name, lat=lat, lon=lon) for name, lat, lon in areas]
    session.add_all(made)
    session.flush()
    for client in session.query(Client).filter(Client.unit_id == unit.id):
        for area in made:
            if area.name in (client.address or ""):
                client.area_id = area.id
    session.flush()


def valid_number(born: date, serial: int) -> str:
    """A valid twelve-digit personnummer for ``born``: the serial given, the Luhn digit computed.

    Serials from 900 up are what the demo hands out, one per client, so no two are alike.
    """
    body = f"{born:%y%m%d}{serial:03d}"
    return f"{born.year // 100}{body}{luhn.calc_check_digit(body)}"


def give_numbers(clients: Sequence[Client], first_serial: int) -> None:
    """Number each client from their birth year, a day of the year from their place in line."""
    for index, client in enumerate(clients):
        born = date(client.birth_year or 1980, 1 + index % 12, 1 + index % 28)
        client.personal_number = valid_number(born, first_serial + index)
