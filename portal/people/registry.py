"""Registering a client and keeping their details: checked, unique, audited, all or nothing.

A caseworker registers clients into their own caseload; an admin into their unit (any unit
when they have none). Both may later edit the details and move the client to another unit or
caseworker; the client's visits, requests and reminders stay as they are and keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Area, Client, Gender, Role, Staff, StaffRole, Unit

from .. import personnummer, phones
from ..access import audit_change, client_scope, records_scope
from .units import UnitRefused

LANGUAGES = ("sv", "en", "ar")

_PNR_WHY = {
    "length": _l("Ett personnummer har 10 eller 12 siffror, till exempel 19811228-9874."),
    "date": _l("Datumet i personnumret finns inte. Kontrollera år, månad och dag."),
    "check": _l("Personnumret stämmer inte: den sista siffran passar inte. Kontrollera det."),
}

_NOT_MOBILE = _l("Det är inte ett mobilnummer. Skriv ett mobilnummer, till exempel 070-123 45 67.")
_DUPLICATE_NUMBER = _l("Det finns redan en klient med det personnumret.")
_DUPLICATE_PHONE = _l("En annan klient har redan det mobilnumret. Varje klient behöver ett eget.")


class Refused(UnitRefused):
    """A rule said no; ``field`` is the form field it is about, ``existing`` a client to open."""

    def __init__(
        self, message: str, field: str | None = None, existing: tuple[str, int] | None = None
    ) -> None:
        super().__init__(message, field)
        #: ("details" | "record", client id) when the refusal may link to a client the user sees.
        self.existing = existing


@dataclass(frozen=True)
class Details:
    """What a caseworker or admin types about a client (numbers as typed)."""

    first_name: str
    last_name: str
    personal_number: str
    phone: str
    language: str
    #: A ``Gender`` value the client asked for as their worker; "" for either.
    wanted_gender: str
    address: str | None
    area_id: int | None
    #: A more exact position than the area's, or None to use the area's.
    position: tuple[float, float] | None
    has_children_under_18: bool
    unit_id: int | None
    caseworker_id: int | None


def number_problem(typed: str, today: date) -> str | None:
    """What is wrong with a typed personal identity number, in words; None if nothing."""
    try:
        personnummer.normalise(typed, today)
    except personnummer.InvalidPersonalNumber:
        return str(_PNR_WHY[personnummer.why_invalid(typed, today)])
    return None


def phone_problem(typed: str) -> str | None:
    """What is wrong with a typed mobile number, in words; None if nothing."""
    try:
        phones.normalise(typed)
    except phones.InvalidPhone:
        return str(_NOT_MOBILE)
    return None


def may_keep(session: Session, staff: Staff, client_id: int) -> bool:
    """Whether ``staff`` keeps this client's details (and sees the personal number whole)."""
    query = select(Client.id).where(Client.id == client_id, records_scope(staff))
    return session.scalar(query) is not None


def shown_personal_number(session: Session, staff: Staff, client: Client) -> str:
    """The number as ``staff`` may see it: whole for who keeps the client, else masked."""
    if not client.personal_number:
        return ""
    if may_keep(session, staff, client.id):
        return personnummer.display(client.personal_number)
    return personnummer.masked(client.personal_number)


def placeable_units(session: Session, staff: Staff) -> list[Unit]:
    """Units ``staff`` may place a client in: an admin's own (all without one); any for a
    caseworker, whose caseload spans the municipality."""
    query = select(Unit).order_by(Unit.name)
    if not staff.has_role(Role.CASEWORKER) and staff.unit_id is not None:
        query = query.where(Unit.id == staff.unit_id)
    return list(session.scalars(query))


def caseworkers(session: Session) -> list[Staff]:
    """Active caseworkers, by name."""
    query = (
        select(Staff)
        .join(StaffRole)
        .where(StaffRole.role == Role.CASEWORKER, Staff.active)
        .order_by(Staff.first_name, Staff.last_name)
    )
    return list(session.scalars(query))


def _link(session: Session, staff: Staff, client_id: int) -> tuple[str, int] | None:
    if may_keep(session, staff, client_id):
        return ("details", client_id)
    if session.scalar(select(Client.id).where(Client.id == client_id, client_scope(staff))):
        return ("record", client_id)
    return None


def _checked(
    session: Session, staff: Staff, details: Details, today: date, client: Client | None
) -> tuple[str, str, Area | None]:
    """The personal number and phone as stored, and the area; refuse what breaks a rule."""
    for problem, field in (
        (number_problem(details.personal_number, today), "personal_number"),
        (phone_problem(details.phone), "phone"),
    ):
        if problem:
            raise Refused(problem, field)
    number = personnummer.normalise(details.personal_number, today)
    phone = phones.normalise(details.phone)
    if details.language not in LANGUAGES:
        raise Refused(_l("Välj ett språk i listan."), "language")
    if details.wanted_gender and details.wanted_gender not in {g.value for g in Gender}:
        raise Refused(_l("Välj ett svar i listan."), "wanted_gender")
    units = {u.id for u in placeable_units(session, staff)}
    if details.unit_id not in units:
        raise Refused(_l("Välj en enhet i listan."), "unit_id")
    worker = session.get(Staff, details.caseworker_id or 0)
    if worker is None or not worker.active or not worker.has_role(Role.CASEWORKER):
        raise Refused(_l("Välj en handläggare i listan."), "caseworker_id")
    own_only = staff.has_role(Role.CASEWORKER) and not staff.has_role(Role.ADMIN)
    if client is None and own_only and worker.id != staff.id:
        raise Refused(
            _l("Du kan bara registrera klienter i din egen ärendelista. Välj dig själv."),
            "caseworker_id",
        )
    area = None
    if details.area_id is not None:
        area = session.get(Area, details.area_id)
        if area is None or area.unit_id != details.unit_id:
            raise Refused(_l("Området hör inte till den valda enheten. Välj ett annat."), "area_id")
    others = select(Client.id).where(Client.id != (client.id if client else 0))
    unique = (
        (Client.personal_number == number, "personal_number", _DUPLICATE_NUMBER),
        (Client.phone == phone, "phone", _DUPLICATE_PHONE),
    )
    for same, field, message in unique:
        other = session.scalar(others.where(same))
        if other:
            raise Refused(message, field, _link(session, staff, other))
    return number, phone, area


def placement(
    area: Area | None, position: tuple[float, float] | None
) -> tuple[int | None, float | None, float | None]:
    """The client's area id, lat and lon: matching reads lat/lon for travel, so the exact
    position when given, else the area's."""
    lat, lon = position or ((area.lat, area.lon) if area else (None, None))
    return (area.id if area else None), lat, lon


def _apply(client: Client, details: Details, number: str, phone: str, area: Area | None) -> None:
    client.first_name = " ".join(details.first_name.split())
    client.last_name = " ".join(details.last_name.split())
    client.personal_number, client.phone = number, phone
    client.language = details.language
    client.wanted_gender = details.wanted_gender or None  # matching weighs it (AskedGender)
    client.address = (details.address or "").strip() or None
    client.has_children_under_18 = details.has_children_under_18
    client.unit_id, client.caseworker_id = details.unit_id, details.caseworker_id
    client.area_id, client.lat, client.lon = placement(area, details.position)
    client.birth_year = personnummer.birth_date(number).year


def register(
    session: Session, staff: Staff, details: Details, now: datetime, today: date, ip: str | None
) -> Client:
    """Register a new client; the caller wraps it (and a first decision) in one savepoint."""
    number, phone, area = _checked(session, staff, details, today, None)
    client = Client(first_name="", last_name="", phone=phone, created_at=now)
    _apply(client, details, number, phone, area)
    session.add(client)
    _flush_unique(session)
    audit_change(session, staff.id, client.id, "client.details", "registered", now, ip)
    return client


#: What an edit may change, named in the audit event (the values are not written there).
_AUDITED = ("first_name", "last_name", "personal_number", "phone", "language", "wanted_gender",
            "address", "area_id", "lat", "lon", "has_children_under_18")  # fmt: skip


def update(
    session: Session,
    staff: Staff,
    client: Client,
    details: Details,
    now: datetime,
    today: date,
    ip: str | None,
) -> list[str]:
    """Change a client's details; return the names of what changed (audited, one event each for
    a move to another unit or caseworker)."""
    number, phone, area = _checked(session, staff, details, today, client)
    before = {name: getattr(client, name) for name in (*_AUDITED, "unit_id", "caseworker_id")}
    _apply(client, details, number, phone, area)
    _flush_unique(session)
    changed = [name for name, value in before.items() if getattr(client, name) != value]
    plain = [name for name in changed if name in _AUDITED]
    events = [("client.details", "changed " + ", ".join(plain))] if plain else []
    for name, subject in (("unit_id", "client.unit"), ("caseworker_id", "client.caseworker")):
        if name in changed:
            events.append((subject, f"{name} {before[name]} -> {getattr(client, name)}"))
    for subject, detail in events:
        audit_change(session, staff.id, client.id, subject, detail, now, ip)
    return changed


def _flush_unique(session: Session) -> None:
    """Flush; two people saving the same number at once: the second is told, as if checked."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Refused(
            _l("Det finns redan en klient med det personnumret eller mobilnumret."),
            "personal_number",
        ) from None


def details_of(client: Client) -> dict[str, object]:
    """A client's details as the form shows them (numbers whole: only keepers see the form)."""
    area = client.area
    exact = area is None or (client.lat, client.lon) != (area.lat, area.lon)
    return {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "personal_number": personnummer.display(client.personal_number)
        if client.personal_number
        else "",
        "phone": phones.display(client.phone),
        "language": client.language,
        "wanted_gender": client.wanted_gender or "",
        "address": client.address or "",
        "area_id": client.area_id or "",
        "lat": client.lat if exact and client.lat is not None else "",
        "lon": client.lon if exact and client.lon is not None else "",
        "has_children_under_18": client.has_children_under_18,
        "unit_id": client.unit_id or "",
        "caseworker_id": client.caseworker_id or "",
    }


def kept_clients(session: Session, staff: Staff) -> list[Client]:
    """The active clients whose details ``staff`` keeps, by name."""
    query = (
        select(Client)
        .where(records_scope(staff), Client.active)
        .order_by(Client.first_name, Client.last_name)
    )
    return list(session.scalars(query))
