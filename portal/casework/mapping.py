"""Kartläggning: a mapping period before a decision, per life area, with a named mapper.

The caseworker starts it for a client in their caseload and names a mapper from the client's
unit; the mapper (or the caseworker) writes how the client manages each area today and what the
client wishes. Closing needs at least one area and leaves a readable summary for the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from models import Client, LifeArea, Mapping, MappingArea, Role, Staff, StaffRole

from ..access import NotYourClient, audit_read, client_scope, open_client
from ..errors import DomainError

#: How long a mapping runs unless the caseworker says otherwise.
DEFAULT_LENGTH = timedelta(weeks=4)
MAX_LENGTH = timedelta(weeks=26)


class MappingRefused(DomainError):
    pass


@dataclass(frozen=True)
class AreaText:
    life_area_id: int
    manages_today: str
    wishes: str


def latest_mapping(session: Session, client_id: int) -> Mapping | None:
    return session.scalar(
        select(Mapping)
        .options(selectinload(Mapping.areas).joinedload(MappingArea.life_area))
        .where(Mapping.client_id == client_id)
        .order_by(Mapping.created_at.desc(), Mapping.id.desc())
        .limit(1)
    )


def latest_closed_mapping(session: Session, client_id: int) -> Mapping | None:
    return session.scalar(
        select(Mapping)
        .options(selectinload(Mapping.areas).joinedload(MappingArea.life_area))
        .where(Mapping.client_id == client_id, Mapping.closed_at.is_not(None))
        .order_by(Mapping.closed_at.desc(), Mapping.id.desc())
        .limit(1)
    )


def is_mapper(session: Session, staff: Staff, client_id: int) -> bool:
    """Whether ``staff`` is the named mapper of the client's open mapping."""
    return bool(
        session.scalar(
            select(Mapping.id).where(
                Mapping.client_id == client_id,
                Mapping.mapper_id == staff.id,
                Mapping.closed_at.is_(None),
            )
        )
    )


def open_for_mapping(
    session: Session, staff: Staff, client_id: int, subject: str, now: datetime, ip: str | None
) -> Client:
    """The client for someone in whose scope they are, or for the mapper of an open mapping.

    The mapper may be any worker of the unit, not yet one of the client's workers; anyone else
    is refused (and the refusal audited) exactly as ``open_client`` refuses.
    """
    scoped = session.scalar(select(Client.id).where(Client.id == client_id, client_scope(staff)))
    if scoped is None and is_mapper(session, staff, client_id):
        client = session.get(Client, client_id)
        if client is None:  # pragma: no cover - the mapping names an existing client
            raise NotYourClient(_l("Den här personen finns inte bland dina klienter."))
        audit_read(session, staff.id, client.id, subject, now, ip)
        return client
    return open_client(session, staff, client_id, subject, now, ip)


def may_write(mapping: Mapping, client: Client, staff: Staff) -> bool:
    """The named mapper and the client's caseworker write the mapping; no one else."""
    return staff.id in (mapping.mapper_id, client.caseworker_id)


def mappings_of(session: Session, mapper: Staff) -> list[tuple[Mapping, Client]]:
    """The open mappings ``mapper`` is named for, with their clients, the soonest to end first."""
    query = (
        select(Mapping, Client)
        .join(Client, Client.id == Mapping.client_id)
        .where(Mapping.mapper_id == mapper.id, Mapping.closed_at.is_(None))
        .order_by(Mapping.ends_on, Mapping.id)
    )
    return [(m, c) for m, c in session.execute(query)]


def possible_mappers(session: Session, client: Client) -> list[Staff]:
    """Active workers and caseworkers of the client's unit, by name."""
    works_here = exists().where(
        StaffRole.staff_id == Staff.id, StaffRole.role.in_((Role.WORKER, Role.CASEWORKER))
    )
    query = (
        select(Staff)
        .where(Staff.active, Staff.unit_id == client.unit_id, works_here)
        .order_by(Staff.first_name, Staff.last_name)
    )
    return list(session.scalars(query))


def start_mapping(
    session: Session,
    client: Client,
    caseworker: Staff,
    mapper_id: int,
    starts_on: date,
    ends_on: date | None,
    now: datetime,
) -> Mapping:
    """Start a mapping period; at most one is open per client."""
    ends_on = ends_on or starts_on + DEFAULT_LENGTH
    if ends_on < starts_on:
        raise MappingRefused(_l("Slutdatum kan inte vara före startdatum."))
    if ends_on - starts_on > MAX_LENGTH:
        raise MappingRefused(_l("En kartläggning kan pågå i högst ett halvår."))
    if mapper_id not in {s.id for s in possible_mappers(session, client)}:
        raise MappingRefused(_l("Välj en kartläggare från klientens enhet."))
    current = latest_mapping(session, client.id)
    if current is not None and current.closed_at is None:
        raise MappingRefused(_l("Det finns redan en pågående kartläggning."))
    mapping = Mapping(
        client_id=client.id,
        mapper_id=mapper_id,
        started_by_id=caseworker.id,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=now,
    )
    session.add(mapping)
    session.flush()
    return mapping


def save_areas(session: Session, mapping: Mapping, texts: list[AreaText]) -> None:
    """Write what was said per area; an area left empty is removed from the mapping."""
    if mapping.closed_at is not None:
        raise MappingRefused(_l("Kartläggningen är avslutad och kan inte ändras."))
    known = {a.id for a in session.scalars(select(LifeArea).where(LifeArea.active))}
    for text in texts:
        if text.life_area_id not in known:
            raise MappingRefused(_l("Det livsområdet finns inte."))
        if text.wishes.strip() and not text.manages_today.strip():
            raise MappingRefused(
                _l("Skriv hur klienten klarar området i dag, inte bara önskemålen.")
            )
    by_area = {a.life_area_id: a for a in mapping.areas}
    for text in texts:
        row = by_area.get(text.life_area_id)
        if not text.manages_today.strip():
            if row is not None:
                mapping.areas.remove(row)
            continue
        if row is None:
            row = MappingArea(life_area_id=text.life_area_id, manages_today="")
            mapping.areas.append(row)
        row.manages_today = text.manages_today.strip()
        row.wishes = text.wishes.strip() or None
    session.flush()


def summary_text(mapping: Mapping) -> str:
    """The readable summary: per area, how the client manages today and what they wish.

    Kept in Swedish, the language of the record, whatever language the closer's screen is in.
    """
    parts = []
    for area in sorted(mapping.areas, key=lambda a: (a.life_area.position, a.life_area.id)):
        lines = [area.life_area.name("sv"), f"Klarar i dag: {area.manages_today}"]
        if area.wishes:
            lines.append(f"Önskar: {area.wishes}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def close_mapping(session: Session, mapping: Mapping, now: datetime) -> None:
    """Close the mapping with its summary; refused without any area, and nothing is written."""
    if mapping.closed_at is not None:
        raise MappingRefused(_l("Kartläggningen är redan avslutad."))
    session.refresh(mapping, ["areas"])
    if not mapping.areas:
        raise MappingRefused(_l("Skriv om minst ett livsområde innan kartläggningen avslutas."))
    mapping.summary = summary_text(mapping)
    mapping.closed_at = now
    session.flush()
