"""Retention (gallring): a closed client's records are cleared when their time has run out.

The time runs from the last entry about the client: the latest moment anything was written in
any table that names them (directly, or through a row that does: a note on their visit). The
tables are found by walking the schema, so a table added later counts without anyone
remembering this module; ``NOT_ENTRIES`` lists, with reasons, what is not an entry. Clearing
deletes the client's row and the database's cascades take every row that names them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Column, ColumnElement, Table, delete, func, select
from sqlalchemy.orm import Session

from models import (
    AuditEvent,
    Base,
    Client,
    Database,
    DevMessage,
    InboundMessage,
    LoginCode,
    Outbox,
    SupportRequest,
    Unit,
)
from models.base import UTCDateTime

from ..personnummer import birth_date

log = logging.getLogger(__name__)

#: Columns that say when something was written about the client (not when it is planned for).
RECORDED = {
    "created_at", "written_at", "approved_at", "given_at", "withdrawn_at", "received_at",
    "rated_at", "changed_at", "answered_at", "closed_at", "reopened_at", "done_at",
    "cancelled_at", "actual_end", "ended_at", "assigned_at", "taken_at",
}  # fmt: skip
#: Tables that name a client but hold no entry in their record, and why.
NOT_ENTRIES = {
    # Who read the record is not part of it, and a read must never keep a record alive.
    "audit_events": "reads and changes, kept by their own retention",
    "audit_event_clients": "reads of lists",
    # A sign-in code sent to a closed client who tries the app is not an entry either.
    "outbox": "messages sent",
    "delivery_events": "the provider's receipts",
    "devices": "phones signed in",
    "calendar_feeds": "calendar addresses",
}
#: Birth days of the research sample kept by the Swedish rules (``Settings``).
RESEARCH_DAYS = (5, 15, 25)
#: The admin sees this far ahead what will be cleared.
PREVIEW = timedelta(days=31)


@dataclass(frozen=True)
class Due:
    """A closed client and when their records are cleared."""

    client_id: int
    unit: str | None
    closed_at: datetime
    last_entry: datetime
    clear_on: date


@dataclass(frozen=True)
class Policy:
    years: int = 5
    keep_research_sample: bool = True


def _client_column(table: Table) -> Column | None:
    if table.name == Client.__tablename__:
        return table.c.id
    for fk in table.foreign_keys:
        if fk.column.table.name == Client.__tablename__:
            return fk.parent
    return None


def entry_sources() -> Iterator[tuple[ColumnElement[int], Column, Iterable[Table]]]:
    """(client id, written moment, tables to join) for every recorded column about a client."""
    direct = {}
    for table in Base.metadata.sorted_tables:
        column = _client_column(table)
        if column is not None and table.name not in NOT_ENTRIES:
            direct[table.name] = column
    for table in Base.metadata.sorted_tables:
        times = [c for c in table.c if c.name in RECORDED and isinstance(c.type, UTCDateTime)]
        if not times:
            continue
        if table.name in direct:
            for moment in times:
                yield direct[table.name], moment, (table,)
            continue
        if table.name in NOT_ENTRIES or _client_column(table) is not None:
            continue
        # A row that belongs to one that names the client (a note on a visit of theirs).
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent.name in direct and parent.name != Client.__tablename__:
                for moment in times:
                    yield direct[parent.name], moment, (table, parent, fk)
                break


def last_entries(session: Session, client_ids: list[int]) -> dict[int, datetime]:
    """The latest written moment about each client, by one grouped query per column."""
    latest: dict[int, datetime] = {}
    if not client_ids:
        return latest
    for client_column, moment, joins in entry_sources():
        query = select(client_column, func.max(moment)).where(client_column.in_(client_ids))
        if len(joins) == 3:
            child, parent, fk = joins
            query = query.select_from(child.join(parent, fk.parent == fk.column))
        for client_id, at in session.execute(query.group_by(client_column)):
            if at is None:
                continue
            at = UTCDateTime().process_result_value(at, None) if at.tzinfo is None else at
            if client_id not in latest or at > latest[client_id]:
                latest[client_id] = at
    return latest


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def in_research_sample(personal_number: str | None) -> bool:
    """Born on the 5th, 15th or 25th (samordningsnummer: the real day of birth)."""
    return personal_number is not None and birth_date(personal_number).day in RESEARCH_DAYS


def due_by(
    session: Session, day: date, zone: ZoneInfo, policy: Policy, lock: bool = False
) -> list[Due]:
    """Closed clients whose records are to be cleared on or before ``day``, soonest first.

    ``lock``: the job, which may run in several processes at once, takes the closed clients'
    rows (skipping any another process holds) so that each is cleared by one of them.
    """
    query = (
        select(Client.id, Client.personal_number, Client.closed_at, Unit.name)
        .outerjoin(Unit, Unit.id == Client.unit_id)
        .where(Client.is_closed)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Client)
    closed = session.execute(query).all()
    if policy.keep_research_sample:
        closed = [row for row in closed if not in_research_sample(row.personal_number)]
    latest = last_entries(session, [row.id for row in closed])
    found = []
    for row in closed:
        last = max(latest.get(row.id, row.closed_at), row.closed_at)
        clear_on = years_after(last.astimezone(zone).date(), policy.years)
        if clear_on <= day:
            found.append(Due(row.id, row.name, row.closed_at, last, clear_on))
    return sorted(found, key=lambda d: (d.clear_on, d.client_id))


def clear_client(session: Session, client_id: int) -> None:
    """Delete every row about the client: the cascades, and what names them only by phone."""
    phone = session.scalar(select(Client.phone).where(Client.id == client_id))
    if phone is None:
        return
    for statement in (
        delete(LoginCode).where(LoginCode.phone == phone),
        delete(DevMessage).where(DevMessage.to_phone == phone),
        delete(Outbox).where(Outbox.to_phone == phone, Outbox.client_id.is_(None)),
        delete(InboundMessage).where(
            InboundMessage.from_phone == phone, InboundMessage.client_id.is_(None)
        ),
        # A first contact they made before they were a client.
        delete(SupportRequest).where(
            SupportRequest.contact_phone == phone, SupportRequest.client_id.is_(None)
        ),
        delete(Client).where(Client.id == client_id),
    ):
        session.execute(statement.execution_options(synchronize_session=False))


def clear_audit_events(session: Session, before: datetime) -> int:
    """Delete audit events written before ``before``; returns how many."""
    result = session.execute(delete(AuditEvent).where(AuditEvent.at < before))
    return result.rowcount or 0


def run_retention(
    db: Database,
    zone: ZoneInfo,
    policy: Policy,
    audit_years: int,
    now: datetime | None = None,
) -> tuple[int, int]:
    """The scheduled job, in one transaction: clear what is due; (clients, audit events)."""
    from models import utcnow

    moment = now or utcnow()
    with db.transaction() as session:
        due = due_by(session, moment.astimezone(zone).date(), zone, policy, lock=True)
        for item in due:
            clear_client(session, item.client_id)
        audit_before = datetime.combine(
            years_after(moment.astimezone(zone).date(), -audit_years), datetime.min.time(), zone
        )
        audits = clear_audit_events(session, audit_before)
        if due or audits:
            # Counts only: a cleared client's id could still be matched against old logs.
            session.add(
                AuditEvent(at=moment, action="clear", subject="retention",
                           detail=f"cleared {len(due)} closed client(s), {audits} audit event(s)")
            )  # fmt: skip
    if due or audits:
        log.info("gallring cleared %s closed client(s) and %s audit event(s)", len(due), audits)
    return len(due), audits


def preview(session: Session, now: datetime, zone: ZoneInfo, policy: Policy) -> list[Due]:
    """What the job will clear within the coming month (the admin's page)."""
    return due_by(session, (now + PREVIEW).astimezone(zone).date(), zone, policy)


def recent_clearings(session: Session, limit: int = 10) -> list[AuditEvent]:
    """The job's own records of what it cleared, newest first (counts only)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "clear", AuditEvent.subject == "retention")
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        )
    )
