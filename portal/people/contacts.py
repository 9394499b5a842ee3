"""Contact workers: at most three per client, the first the primary, set by the unit's coordinator.

``ClientWorker`` holds who they are now (booking, matching and access read it); every change
also closes and opens ``ContactWorkerSpell``s, so the continuity figure for a past month counts
the contact workers of that month, not today's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Client,
    ClientWorker,
    ContactWorkerSpell,
    Role,
    Staff,
    StaffRole,
    Visit,
    VisitStatus,
)

from ..access import audit_change, client_scope
from .units import UnitRefused

#: At most three contact workers: continuity (DOMAIN.md) is two who alternate, one more at most.
MOST = 3


class ContactsRefused(UnitRefused):
    pass


def eligible_workers(session: Session, client: Client) -> list[Staff]:
    """Active workers of the client's unit (every unit's when the client has none), by name."""
    query = (
        select(Staff)
        .join(StaffRole)
        .where(StaffRole.role == Role.WORKER, Staff.active)
        .order_by(Staff.first_name, Staff.last_name)
    )
    if client.unit_id is not None:
        query = query.where(Staff.unit_id == client.unit_id)
    return list(session.scalars(query))


def set_contact_workers(
    session: Session,
    coordinator: Staff | None,
    client: Client,
    staff_ids: Sequence[int | None],
    now: datetime,
    ip: str | None,
) -> None:
    """Make ``staff_ids`` (the primary first, then blanks skipped) the client's contact workers;
    ``coordinator`` None when the system makes the change (an import)."""
    chosen = [s for s in staff_ids if s is not None]
    if not staff_ids or staff_ids[0] is None:
        raise ContactsRefused(_l("Välj en primär kontaktperson."), "primary")
    if len(chosen) > MOST:
        raise ContactsRefused(_l("En klient kan ha högst tre kontaktpersoner."), "primary")
    if len(set(chosen)) != len(chosen):
        raise ContactsRefused(_l("Välj varje person bara en gång."), "second")
    allowed = {s.id for s in eligible_workers(session, client)}
    if not set(chosen) <= allowed:
        raise ContactsRefused(_l("Välj boendestödjare från klientens enhet i listan."), "primary")
    by = coordinator.id if coordinator else None
    current = {cw.staff_id: cw for cw in client.workers}
    before = [cw.staff_id for cw in sorted(client.workers, key=lambda cw: cw.position)]
    if before == chosen:
        return
    spells = {
        s.staff_id: s
        for s in session.scalars(
            select(ContactWorkerSpell).where(
                ContactWorkerSpell.client_id == client.id, ContactWorkerSpell.ends_at.is_(None)
            )
        )
    }
    for staff_id, link in current.items():
        if staff_id not in chosen:
            client.workers.remove(link)
            if staff_id in spells:
                spells[staff_id].ends_at = now
    session.flush()
    for position, staff_id in enumerate(chosen):
        link = current.get(staff_id)
        if link is not None and link.position == position:
            continue
        if link is None:
            client.workers.append(
                ClientWorker(client_id=client.id, staff_id=staff_id, position=position, since=now)
            )
        else:
            link.position = position
        if staff_id in spells:  # the same person in a new place: a new spell from now
            spells[staff_id].ends_at = now
        session.add(
            ContactWorkerSpell(
                client_id=client.id, staff_id=staff_id, position=position, starts_at=now,
                set_by_id=by,
            )
        )  # fmt: skip
    session.flush()
    detail = f"staff {', '.join(map(str, chosen))} (primary first); was {before or 'none'}"
    audit_change(session, by, client.id, "client.contact_workers", detail, now, ip)


def record_current(session: Session, since: datetime) -> int:
    """Open a spell from ``since`` for each current contact worker who has none (data brought in
    without history: the demo, an import); return how many were opened."""
    open_spell = exists().where(
        ContactWorkerSpell.client_id == ClientWorker.client_id,
        ContactWorkerSpell.staff_id == ClientWorker.staff_id,
        ContactWorkerSpell.ends_at.is_(None),
    )
    links = list(session.scalars(select(ClientWorker).where(~open_spell)))
    session.add_all(
        ContactWorkerSpell(
            client_id=cw.client_id, staff_id=cw.staff_id, position=cw.position, starts_at=since
        )
        for cw in links
    )
    session.flush()
    return len(links)


def history(session: Session, client_id: int) -> list[ContactWorkerSpell]:
    """Every spell of the client's contact workers, latest first."""
    query = (
        select(ContactWorkerSpell)
        .where(ContactWorkerSpell.client_id == client_id)
        .order_by(ContactWorkerSpell.starts_at.desc(), ContactWorkerSpell.position)
    )
    return list(session.scalars(query))


def staff_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names of staff by id (for the history of contact workers)."""
    return {s.id: s.full_name for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}


@dataclass(frozen=True)
class Continuity:
    done: int
    by_contact_worker: int

    @property
    def share(self) -> float | None:
        return self.by_contact_worker / self.done if self.done else None


def continuity(session: Session, staff: Staff, start: datetime, end: datetime) -> Continuity:
    """Visits done in [start, end) for clients in ``staff``'s scope, and how many of them were
    made by someone who was the client's contact worker at the time of the visit."""
    by_contact = exists().where(
        ContactWorkerSpell.client_id == Visit.client_id,
        ContactWorkerSpell.staff_id == Visit.staff_id,
        ContactWorkerSpell.starts_at <= Visit.planned_start,
        or_(ContactWorkerSpell.ends_at.is_(None), ContactWorkerSpell.ends_at > Visit.planned_start),
    )
    row = session.execute(
        select(func.count(Visit.id), func.coalesce(func.sum(case((by_contact, 1), else_=0)), 0))
        .join(Client, Client.id == Visit.client_id)
        .where(
            and_(client_scope(staff), Visit.status == VisitStatus.DONE),
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
    ).one()
    return Continuity(done=row[0], by_contact_worker=row[1])
