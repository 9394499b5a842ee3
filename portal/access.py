"""Who may see which client: the one scoping helper every staff query for client data uses.

A worker sees the clients they are a regular worker for, a caseworker their caseload, a
coordinator and a manager the clients of their unit (all units when they have none). An admin
manages accounts and sees no client data, but for the audit log (``portal.staff.auditlog``),
whose rows name clients. Every allowed read of a record is audited, and so is
every refusal; a list that shows clients is audited as one event naming them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, exists, false, insert, or_, select, true
from sqlalchemy.orm import Session

from models import AuditEvent, AuditEventClient, Client, ClientWorker, Role, Staff

from .errors import DomainError


class NotYourClient(DomainError):
    status = 403


def client_scope(staff: Staff) -> ColumnElement[bool]:
    """A condition on ``Client`` that is true for the clients ``staff`` may see."""
    parts: list[ColumnElement[bool]] = []
    roles = staff.role_set
    if Role.WORKER in roles:
        parts.append(
            exists().where(ClientWorker.client_id == Client.id, ClientWorker.staff_id == staff.id)
        )
    if Role.CASEWORKER in roles:
        parts.append(Client.caseworker_id == staff.id)
    if roles & {Role.COORDINATOR, Role.MANAGER}:
        parts.append(true() if staff.unit_id is None else Client.unit_id == staff.unit_id)
    return or_(*parts) if parts else false()


def records_scope(staff: Staff) -> ColumnElement[bool]:
    """A condition on ``Client`` for whose registered details and proxies ``staff`` keeps.

    A caseworker their caseload, an admin the clients of their unit (all units when they have
    none); their personal identity number is shown whole to them and masked to everyone else.
    """
    parts: list[ColumnElement[bool]] = []
    if staff.has_role(Role.CASEWORKER):
        parts.append(Client.caseworker_id == staff.id)
    if staff.has_role(Role.ADMIN):
        parts.append(true() if staff.unit_id is None else Client.unit_id == staff.unit_id)
    return or_(*parts) if parts else false()


def contacts_scope(staff: Staff) -> ColumnElement[bool]:
    """A condition on ``Client`` for whom ``staff`` sets the contact workers: a coordinator's
    unit (all units when they have none)."""
    if not staff.has_role(Role.COORDINATOR):
        return false()
    return true() if staff.unit_id is None else Client.unit_id == staff.unit_id


def staff_scope(admin: Staff) -> ColumnElement[bool]:
    """A condition on ``Staff`` for the accounts ``admin`` manages: their unit's (all units'
    when they have none); nobody without the admin role manages any."""
    if not admin.has_role(Role.ADMIN):
        return false()
    return true() if admin.unit_id is None else Staff.unit_id == admin.unit_id


def visible_clients(session: Session, staff: Staff) -> list[Client]:
    """The clients ``staff`` may see, by name."""
    query = (
        select(Client)
        .where(client_scope(staff), Client.active)
        .order_by(Client.first_name, Client.last_name)
    )
    return list(session.scalars(query))


def open_client(
    session: Session,
    staff: Staff,
    client_id: int,
    subject: str,
    now: datetime,
    ip: str | None = None,
    scope: ColumnElement[bool] | None = None,
) -> Client:
    """Return a client's record for ``staff`` and audit the read; refuse (and audit) otherwise.

    ``scope`` replaces ``client_scope(staff)`` for a task with its own boundary (``records_scope``).
    The refusal is flushed before anything else is written, and a 403 response still commits.
    """
    scope = client_scope(staff) if scope is None else scope
    client = session.scalar(select(Client).where(Client.id == client_id, scope))
    if client is None:
        exists_at_all = session.scalar(select(Client.id).where(Client.id == client_id))
        session.add(
            AuditEvent(
                at=now,
                actor_staff_id=staff.id,
                client_id=exists_at_all,
                action="refused",
                subject=subject,
                detail=None if exists_at_all else f"no client {client_id}",
                ip=ip,
            )
        )
        session.flush()
        raise NotYourClient(_l("Den här personen finns inte bland dina klienter."))
    audit_read(session, staff.id, client.id, subject, now, ip)
    return client


def audit_read(
    session: Session, staff_id: int, client_id: int, subject: str, now: datetime, ip: str | None
) -> None:
    """Audit a read of one client's data that the caller has already scoped (a visit of theirs).

    Prefer ``open_client``, which scopes and audits in one step; this is for pages reached
    through a record that is not the client (a worker's own visit of a client they stand in for).
    """
    session.add(
        AuditEvent(
            at=now, actor_staff_id=staff_id, client_id=client_id, action="read", subject=subject,
            ip=ip,
        )
    )  # fmt: skip
    session.flush()


def audit_change(
    session: Session,
    staff_id: int | None,
    client_id: int | None,
    subject: str,
    detail: str,
    now: datetime,
    ip: str | None = None,
) -> None:
    """Audit a change of a client's data, a staff account, or what places clients (a unit, an
    area); ``staff_id`` None when the system made it (a scheduled check, an import).

    ``detail`` names what changed, never the values of personal data (no number, no address).
    """
    session.add(
        AuditEvent(
            at=now, actor_staff_id=staff_id, client_id=client_id, action="change",
            subject=subject, detail=detail[:300], ip=ip,
        )
    )  # fmt: skip
    session.flush()


def audit_list(
    session: Session,
    staff_id: int,
    client_ids: Iterable[int | None],
    subject: str,
    now: datetime,
    ip: str | None,
    detail: str | None = None,
) -> AuditEvent | None:
    """Audit a list view as one event naming every client it shows (none shown: nothing written).

    One insert for the event and one multi-row insert for the clients, however long the list.
    ``None`` ids (a first contact who is not a client yet) are skipped.
    """
    shown = sorted({cid for cid in client_ids if cid is not None})
    if not shown:
        return None
    event = AuditEvent(
        at=now, actor_staff_id=staff_id, action="read", subject=subject, detail=detail, ip=ip
    )
    session.add(event)
    session.flush()
    session.execute(
        insert(AuditEventClient), [{"audit_event_id": event.id, "client_id": c} for c in shown]
    )
    return event


def reads_of_query(client_id: int) -> Select[tuple[AuditEvent]]:
    """The audited reads of a client's data, newest first: their record and the lists."""
    on_lists = select(AuditEventClient.audit_event_id).where(
        AuditEventClient.client_id == client_id
    )
    return (
        select(AuditEvent)
        .where(
            AuditEvent.action == "read",
            or_(AuditEvent.client_id == client_id, AuditEvent.id.in_(on_lists)),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def reads_of(session: Session, client_id: int) -> list[AuditEvent]:
    """Every audited read of a client's data, newest first: their record and the lists."""
    return list(session.scalars(reads_of_query(client_id)))
