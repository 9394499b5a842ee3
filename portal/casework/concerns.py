"""A worker's concern about a client, and the urgent concern about a child."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Escalation, EscalationType, Role, Staff, Visit

from ..access import NotYourClient, open_client
from ..errors import DomainError
from ..escalations import raise_escalation


class ConcernKind(enum.Enum):
    NEED_INCREASED = "need_increased"  # behovet har ökat
    NEED_DECREASED = "need_decreased"  # behovet har minskat
    NOT_ACCEPTING = "not_accepting"  # tar inte emot stödet
    OTHER = "other"  # annat
    CHILD = "child"  # oro för ett barn (orosanmälan går till handläggaren direkt)


REASONS = {
    ConcernKind.NEED_INCREASED: "Behovet har ökat",
    ConcernKind.NEED_DECREASED: "Behovet har minskat",
    ConcernKind.NOT_ACCEPTING: "Tar inte emot stödet",
    ConcernKind.OTHER: "Annan oro",
    ConcernKind.CHILD: "Oro för barn",
}


def raise_concern(
    session: Session,
    staff: Staff,
    client_id: int,
    kind: ConcernKind,
    text: str,
    now: datetime,
    zone: ZoneInfo,
    visit_id: int | None = None,
    ip: str | None = None,
) -> Escalation:
    """A worker tells the caseworker; only about their own clients (others refused, audited)."""
    text = text.strip()
    if not text:
        raise DomainError(_l("Beskriv kort vad du har sett."))
    if len(text) > 2000:
        raise DomainError(_l("Texten är för lång (högst 2000 tecken)."))
    if not staff.has_role(Role.WORKER):
        raise NotYourClient(_l("Den här personen finns inte bland dina klienter."))
    client = open_client(session, staff, client_id, "client.concern", now, ip)
    evidence = {"kind": "concern", "concern": kind.value, "text": text, "by": staff.full_name}
    if visit_id is not None:  # the page's id: kept only when it is one of this client's visits
        visit_id = session.scalar(
            select(Visit.id).where(Visit.id == visit_id, Visit.client_id == client.id)
        )
    if visit_id is not None:
        evidence["visit_id"] = visit_id
    return raise_escalation(
        session,
        client=client,
        kind=EscalationType.CHILD_CONCERN
        if kind is ConcernKind.CHILD
        else EscalationType.WORKER_CONCERN,
        reason=f"{REASONS[kind]}: {text[:200]}",
        source="worker",
        now=now,
        zone=zone,
        evidence=[evidence],
        raised_by_id=staff.id,
    )
