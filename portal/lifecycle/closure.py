"""End of support: a case is closed by its caseworker, or by the daily check once the client's
last decision has ended; a caseworker may reopen it.

Closing switches the client off (``Client.active``: no sign-in, no reminders, on no list: the
rules that already read that flag stop on their own), cancels the planned visits ahead as the
service's cancellations (never counted as the client's), withdraws the messages waiting in the
outbox, ends every proxy's access, closes open requests with one SMS that says whom to call, and
closes the client's open escalations with the outcome "support ended".
Reopening lets the client sign in again and their reminder rules run again; cancelled visits
stay cancelled and proxies are added again with the client's consent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import (
    Client,
    Database,
    Decision,
    Device,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    Outbox,
    Proxy,
    RequestStatus,
    Staff,
    SupportRequest,
    Unit,
    Visit,
    VisitStatus,
)
from reminders.outbox import cancel_queued, queue_sms
from reminders.texts import render

from ..access import audit_change
from ..booking.actions import mark_cancelled_by_staff
from ..casework.queue import close as close_escalation
from ..errors import DomainError
from ..phones import display

log = logging.getLogger(__name__)

#: ``Visit.cancel_reason`` of the visits a closing cancelled.
SUPPORT_ENDED = "support_ended"
OPEN_REQUESTS = (RequestStatus.NEW, RequestStatus.ASSIGNED, RequestStatus.ESCALATED)


class CaseRefused(DomainError):
    status = 409


@dataclass(frozen=True)
class Closing:
    """What closing a case does (or did): shown before the caseworker confirms."""

    visits: int
    proxies: int
    requests: int


@dataclass(frozen=True)
class Contact:
    """Someone a client whose support has ended can call."""

    who: str
    phone: str


def whom_to_call(session: Session, client: Client, municipality_phone: str | None) -> list[Contact]:
    """The client's caseworker and unit, where they have a phone; else the municipality."""
    found = []
    caseworker = session.get(Staff, client.caseworker_id) if client.caseworker_id else None
    if caseworker is not None and caseworker.active and caseworker.phone:
        found.append(Contact(str(_l("Din handläggare %(name)s", name=caseworker.first_name)),
                             display(caseworker.phone)))  # fmt: skip
    unit = session.get(Unit, client.unit_id) if client.unit_id else None
    if unit is not None and unit.phone:
        found.append(Contact(unit.name, display(unit.phone)))
    if not found and municipality_phone:
        found.append(Contact(str(_l("Kommunen")), display(municipality_phone)))
    return found


def _future_visits(session: Session, client_id: int, now: datetime) -> list[Visit]:
    return list(
        session.scalars(
            select(Visit).where(
                Visit.client_id == client_id,
                Visit.status == VisitStatus.PLANNED,
                Visit.planned_start > now,
            )
        )
    )


def _live_proxies(session: Session, client_id: int) -> list[Proxy]:
    return list(session.scalars(select(Proxy).where(Proxy.client_id == client_id, Proxy.active)))


def _open_requests(session: Session, client_id: int) -> list[SupportRequest]:
    return list(
        session.scalars(
            select(SupportRequest).where(
                SupportRequest.client_id == client_id, SupportRequest.status.in_(OPEN_REQUESTS)
            )
        )
    )


def closing_preview(session: Session, client: Client, now: datetime) -> Closing:
    """What closing the case now would cancel and end."""
    return Closing(
        visits=len(_future_visits(session, client.id, now)),
        proxies=len(_live_proxies(session, client.id)),
        requests=len(_open_requests(session, client.id)),
    )


def _audit(session: Session, client: Client, by: Staff | None, detail: str, now: datetime) -> None:
    audit_change(session, by.id if by else None, client.id, "client.case", detail, now)


def close_case(
    session: Session,
    client: Client,
    by: Staff | None,
    now: datetime,
    municipality_phone: str | None = None,
) -> Closing:
    """End the client's support now (``by`` None: the daily check, the last decision ended)."""
    if client.is_closed:
        raise CaseRefused(_l("Ärendet är redan avslutat."))
    visits = _future_visits(session, client.id, now)
    for visit in visits:
        mark_cancelled_by_staff(visit, by.id if by else None, SUPPORT_ENDED, now)
    # Reminders, visit reminders and proxies' copies waiting to go: none of them is wanted now.
    cancel_queued(session, Outbox.client_id == client.id, why="support ended")
    proxies = _live_proxies(session, client.id)
    for proxy in proxies:
        proxy.active = False
    if proxies:
        session.execute(
            update(Device)
            .where(Device.proxy_id.in_([p.id for p in proxies]), Device.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by_id=by.id if by else None)
        )
    requests = _open_requests(session, client.id)
    for request in requests:
        request.status = RequestStatus.CLOSED
    # What the caseworker was asked to look at has its answer: the support ended.
    for escalation in session.scalars(
        select(Escalation).where(
            Escalation.client_id == client.id, Escalation.status != EscalationStatus.CLOSED
        )
    ):
        close_escalation(session, escalation, by, EscalationOutcome.SUPPORT_ENDED,
                         "Stödet avslutades.", now)  # fmt: skip
    client.active = False
    client.closed_at, client.closed_by_id = now, by.id if by else None
    if requests and not client.sms_opt_out:
        contacts = whom_to_call(session, client, municipality_phone)
        text = render(
            "support_ended" if contacts else "support_ended_no_phone",
            client.language,
            phone=contacts[0].phone if contacts else "",
        )
        queue_sms(session, client.phone, text, purpose="support_ended", client_id=client.id)
    done = Closing(visits=len(visits), proxies=len(proxies), requests=len(requests))
    why = "by caseworker" if by else "last decision ended"
    _audit(session, client, by, f"closed ({why}): {done.visits} visit(s) cancelled, "
           f"{done.proxies} proxy(ies) ended, {done.requests} request(s) closed", now)  # fmt: skip
    session.flush()
    return done


def reopen_case(session: Session, client: Client, by: Staff, now: datetime) -> None:
    """Let the client sign in again and their reminders run; cancelled visits stay cancelled."""
    if not client.is_closed:
        raise CaseRefused(_l("Ärendet är inte avslutat."))
    client.active = True
    client.reopened_at, client.reopened_by_id = now, by.id
    _audit(session, client, by, "reopened", now)
    session.flush()


def ended_support(session: Session, today: date, zone: ZoneInfo) -> list[Client]:
    """Active clients whose every decision has ended before ``today``.

    A case the caseworker reopened after its last decision ended stays open until a decision
    made since ends too: reopening is a deliberate act the check must not undo the next hour.
    """
    last = (
        select(Decision.client_id, func.max(Decision.ends_on).label("ends_on"))
        .group_by(Decision.client_id)
        .subquery()
    )
    query = (
        select(Client, last.c.ends_on)
        .join(last, last.c.client_id == Client.id)
        .where(Client.active, last.c.ends_on < today)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several processes run the check: each client is closed by one of them.
        query = query.with_for_update(skip_locked=True, of=Client)
    return [
        client
        for client, ends_on in session.execute(query)
        if client.reopened_at is None or client.reopened_at.astimezone(zone).date() <= ends_on
    ]


def close_ended_cases(
    db: Database, zone: ZoneInfo, municipality_phone: str | None, now: datetime | None = None
) -> int:
    """The daily check: close the cases whose last decision has ended; returns how many."""
    from models import utcnow

    moment = now or utcnow()
    with db.transaction() as session:
        clients = ended_support(session, moment.astimezone(zone).date(), zone)
        for client in clients:
            close_case(session, client, None, moment, municipality_phone)
    if clients:
        log.info("closed %s case(s) whose last decision had ended", len(clients))
    return len(clients)
