"""Units and their areas, kept by an admin: names, and each area's approximate position.

No geocoding service is reachable, so the admin types a position per area (from any map); a
client placed in the area gets it for matching's travel estimates. An admin without a unit keeps
every unit and may add units; an admin of a unit keeps that unit only.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session

from models import Area, Client, Staff, Unit

from .. import phones
from ..access import audit_change
from ..errors import DomainError

#: Roughly Sweden: a position outside is a typing mistake (latitude and longitude swapped).
LAT_RANGE, LON_RANGE = (55.0, 69.5), (10.5, 24.5)


class UnitRefused(DomainError):
    def __init__(self, message: str, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message, status)
        self.field = field


class UnitNotFound(UnitRefused):
    status = 404


def _scope(admin: Staff):
    return true() if admin.unit_id is None else Unit.id == admin.unit_id


def kept_units(session: Session, admin: Staff) -> list[Unit]:
    """The units ``admin`` keeps, by name."""
    return list(session.scalars(select(Unit).where(_scope(admin)).order_by(Unit.name)))


def kept_unit(session: Session, admin: Staff, unit_id: int) -> Unit:
    """A unit ``admin`` keeps; another unit reads as one that does not exist."""
    unit = session.scalar(select(Unit).where(Unit.id == unit_id, _scope(admin)))
    if unit is None:
        raise UnitNotFound(_l("Enheten finns inte."))
    return unit


def parse_position(lat_text: str | None, lon_text: str | None) -> tuple[float, float] | None:
    """A position typed as two decimal numbers (comma or point); None when both are empty."""
    lat_text, lon_text = (lat_text or "").strip(), (lon_text or "").strip()
    if not lat_text and not lon_text:
        return None
    try:
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
    except ValueError:
        lat = lon = math.nan
    inside = LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]
    if not inside:  # also NaN, and a half-typed pair
        raise UnitRefused(
            _l(
                "Positionen ligger inte i Sverige. Skriv latitud och longitud som decimaltal, "
                "till exempel 59,22 och 17,95."
            ),
            field="lat",
        )
    return lat, lon


def _name(text: str, field: str = "name") -> str:
    name = " ".join((text or "").split())
    if not name:
        raise UnitRefused(_l("Skriv ett namn."), field=field)
    if len(name) > 80:
        raise UnitRefused(_l("Namnet får vara högst 80 tecken."), field=field)
    return name


def create_unit(session: Session, admin: Staff, name: str, now: datetime, ip: str | None) -> Unit:
    if admin.unit_id is not None:
        raise UnitRefused(_l("Bara en administratör för hela kommunen kan lägga till enheter."))
    name = _name(name)
    if session.scalar(select(Unit.id).where(func.lower(Unit.name) == name.lower())):
        raise UnitRefused(_l("Det finns redan en enhet med det namnet."), field="name")
    unit = Unit(name=name)
    session.add(unit)
    session.flush()
    audit_change(session, admin.id, None, "unit", f"unit {unit.id} created", now, ip)
    return unit


def change_unit(
    session: Session,
    admin: Staff,
    unit: Unit,
    name: str,
    phone: str,
    now: datetime,
    ip: str | None,
) -> None:
    """Rename a unit and set the phone number its clients call (shown to a client whose
    support has ended); an empty phone removes it."""
    name = _name(name)
    taken = session.scalar(
        select(Unit.id).where(func.lower(Unit.name) == name.lower(), Unit.id != unit.id)
    )
    if taken:
        raise UnitRefused(_l("Det finns redan en enhet med det namnet."), field="name")
    try:
        number = phones.normalise(phone, mobile=False) if (phone or "").strip() else None
    except phones.InvalidPhone:
        raise UnitRefused(
            _l("Det är inte ett telefonnummer. Skriv till exempel 08-123 456 78."), field="phone"
        ) from None
    unit.name, unit.phone = name, number
    session.flush()
    audit_change(session, admin.id, None, "unit", f"unit {unit.id} name or phone changed", now, ip)


def _check_area_name(session: Session, unit: Unit, name: str, area_id: int | None) -> str:
    name = _name(name, "area_name")
    clash = session.scalar(
        select(Area.id).where(
            Area.unit_id == unit.id,
            func.lower(Area.name) == name.lower(),
            Area.id != (area_id or 0),
        )
    )
    if clash:
        raise UnitRefused(_l("Enheten har redan ett område med det namnet."), field="area_name")
    return name


def add_area(
    session: Session,
    admin: Staff,
    unit: Unit,
    name: str,
    position: tuple[float, float] | None,
    now: datetime,
    ip: str | None,
) -> Area:
    name = _check_area_name(session, unit, name, None)
    if position is None:
        raise UnitRefused(_l("Skriv områdets ungefärliga position."), field="lat")
    area = Area(unit_id=unit.id, name=name, lat=position[0], lon=position[1])
    session.add(area)
    session.flush()
    audit_change(session, admin.id, None, "unit.area", f"area {area.id} added", now, ip)
    return area


def change_area(
    session: Session,
    admin: Staff,
    unit: Unit,
    area_id: int | None,
    name: str,
    position: tuple[float, float] | None,
    now: datetime,
    ip: str | None,
) -> Area:
    """Rename or move an area; clients placed by the area (not exactly) move with it."""
    area = session.scalar(select(Area).where(Area.id == (area_id or 0), Area.unit_id == unit.id))
    if area is None:
        raise UnitNotFound(_l("Området finns inte."))
    name = _check_area_name(session, unit, name, area.id)
    if position is None:
        raise UnitRefused(_l("Skriv områdets ungefärliga position."), field="lat")
    moved = session.execute(
        update(Client)
        .where(Client.area_id == area.id, Client.lat == area.lat, Client.lon == area.lon)
        .values(lat=position[0], lon=position[1])
    ).rowcount
    area.name, area.lat, area.lon = name, position[0], position[1]
    session.flush()
    detail = f"area {area.id} changed; {moved} client position(s) follow it"
    audit_change(session, admin.id, None, "unit.area", detail, now, ip)
    return area


def areas_of(session: Session, unit_ids: list[int]) -> list[Area]:
    """The areas of these units, by unit and name (for the client form's choice)."""
    return list(session.scalars(select(Area).where(Area.unit_id.in_(unit_ids)).order_by(Area.name)))


def clients_per_area(session: Session, unit_id: int) -> dict[int, int]:
    """How many active clients each area of a unit has (a count: nobody is named)."""
    rows = session.execute(
        select(Client.area_id, func.count(Client.id))
        .where(Client.unit_id == unit_id, Client.active, Client.area_id.is_not(None))
        .group_by(Client.area_id)
    )
    return {area_id: count for area_id, count in rows}
