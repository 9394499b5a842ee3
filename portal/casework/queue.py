"""The caseworker's queue: take an escalation, note, ask for a follow-up, close it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload

from models import (
    Channel,
    ClientWorker,
    Escalation,
    EscalationNote,
    EscalationOutcome,
    EscalationStatus,
    Staff,
    TaskKind,
)

from ..errors import DomainError
from ..escalations import URGENT
from ..tasks import create_task


class EscalationRefused(DomainError):
    pass


def caseload_queue(session: Session, caseworker: Staff, closed: bool = False) -> list[Escalation]:
    """The caseworker's escalations: urgent types first, then the earliest due."""
    status = Escalation.status == EscalationStatus.CLOSED
    urgent_first = case((Escalation.type.in_(list(URGENT)), 0), else_=1)
    query = (
        select(Escalation)
        .options(joinedload(Escalation.client), joinedload(Escalation.raised_by))
        .where(Escalation.owner_id == caseworker.id, status if closed else ~status)
        .order_by(urgent_first, Escalation.due_at, Escalation.id)
    )
    if closed:
        query = query.order_by(None).order_by(Escalation.closed_at.desc()).limit(50)
    return list(session.scalars(query))


def escalation_for(session: Session, caseworker: Staff, escalation_id: int) -> Escalation:
    """One of the caseworker's own escalations, or a 404 (others' are not shown)."""
    escalation = session.scalar(
        select(Escalation).where(
            Escalation.id == escalation_id, Escalation.owner_id == caseworker.id
        )
    )
    if escalation is None:
        raise EscalationRefused(_l("Ärendet finns inte bland dina."), 404)
    return escalation


def _note(session: Session, escalation: Escalation, staff: Staff, text: str, now: datetime) -> None:
    session.add(
        EscalationNote(escalation_id=escalation.id, author_id=staff.id, text=text, created_at=now)
    )


def _open(escalation: Escalation) -> None:
    if escalation.status is EscalationStatus.CLOSED:
        raise EscalationRefused(_l("Ärendet är redan avslutat."), 409)


def take(session: Session, escalation: Escalation, staff: Staff, now: datetime) -> None:
    _open(escalation)
    if escalation.status is EscalationStatus.NEW:
        escalation.status = EscalationStatus.TAKEN
        escalation.taken_at = now
        _note(session, escalation, staff, "Tagen.", now)
    session.flush()


def add_note(
    session: Session,
    escalation: Escalation,
    staff: Staff,
    text: str,
    now: datetime,
    *,
    waiting: bool = False,
) -> None:
    """Add a note; ``waiting`` marks the escalation as waiting for something (väntar på)."""
    _open(escalation)
    text = text.strip()
    if not text:
        raise EscalationRefused(_l("Skriv en anteckning."))
    if len(text) > 2000:
        raise EscalationRefused(_l("Anteckningen är för lång (högst 2000 tecken)."))
    _note(session, escalation, staff, text, now)
    escalation.taken_at = escalation.taken_at or now
    escalation.status = EscalationStatus.WAITING if waiting else EscalationStatus.TAKEN
    session.flush()


def invite_follow_up(
    session: Session,
    escalation: Escalation,
    staff: Staff,
    channel: Channel,
    message: str,
    now: datetime,
) -> None:
    """Ask the client's primary worker to set up a short follow-up (video or visit)."""
    _open(escalation)
    worker_id = session.scalar(
        select(ClientWorker.staff_id)
        .where(ClientWorker.client_id == escalation.client_id)
        .order_by(ClientWorker.position)
        .limit(1)
    )
    if worker_id is None:
        raise EscalationRefused(_l("Klienten har ingen boendestödjare att bjuda in."))
    how = {Channel.VIDEO: "video", Channel.PHONE: "telefon", Channel.HOME: "besök"}[channel]
    text = f"{staff.first_name} (handläggare) vill ha en kort uppföljning ({how})."
    if message.strip():
        text += f" {message.strip()[:500]}"
    create_task(
        session,
        kind=TaskKind.FOLLOW_UP_MEETING,
        text=text,
        now=now,
        client_id=escalation.client_id,
        staff_id=worker_id,
        ref=f"escalation:{escalation.id}",
    )
    add_note(session, escalation, staff, f"Bjöd in till uppföljning ({how}).", now, waiting=True)


def close(
    session: Session,
    escalation: Escalation,
    staff: Staff | None,
    outcome: EscalationOutcome | None,
    reason: str,
    now: datetime,
) -> None:
    """Close with an outcome and a short reason; neither may be left out. ``staff`` None: the
    system closed it (the case closed when its last decision ended)."""
    _open(escalation)
    if outcome is None:
        raise EscalationRefused(_l("Välj ett utfall."))
    if not reason.strip():
        raise EscalationRefused(_l("Skriv en kort motivering."))
    escalation.status = EscalationStatus.CLOSED
    escalation.outcome = outcome
    escalation.resolution = reason.strip()[:2000]
    escalation.closed_at = now
    escalation.closed_by_id = staff.id if staff else None
    escalation.taken_at = escalation.taken_at or now
    session.flush()
