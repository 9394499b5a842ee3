"""Asking for a little extra help: the client's request, a resident's first contact."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Channel,
    Client,
    EscalationType,
    RequestStatus,
    SupportRequest,
)

from ..booking.actions import check_channel
from ..booking.rules import BookingRefused
from ..errors import DomainError
from ..escalations import raise_escalation
from ..events import REQUEST_CREATED, announce
from . import catalogue
from .scope import Scope, beyond_scope, history_counts

DAY_STARTS, DAY_ENDS = time(7, 0), time(22, 0)
MAX_TEXT = 500


class When(enum.Enum):
    TODAY = "idag"
    THIS_WEEK = "veckan"
    DAY = "dag"


class RequestRefused(DomainError):
    pass


def wanted_window(
    when: When, day: date | None, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The local support hours (07–22) the client means by "idag", "i veckan" or a day."""
    today = now.astimezone(zone).date()
    if when is When.TODAY:
        first, last = today, today
    elif when is When.THIS_WEEK:
        first, last = today, today + timedelta(days=6 - today.weekday())
    else:
        if day is None or day < today or day > today + timedelta(days=60):
            raise RequestRefused(_l("Välj en dag från idag och två månader framåt."))
        first, last = day, day
    start = max(datetime.combine(first, DAY_STARTS, tzinfo=zone), now)
    end = datetime.combine(last, DAY_ENDS, tzinfo=zone)
    if start >= end:
        raise RequestRefused(_l("Det är för sent idag. Välj i morgon eller en annan dag."))
    return start, end


def _clean_text(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise RequestRefused(_l("Texten är för lång. Skriv högst 500 tecken."))
    return text or None


def existing_submission(session: Session, key: str | None) -> SupportRequest | None:
    if not key:
        return None
    return session.scalar(select(SupportRequest).where(SupportRequest.submission_key == key))


def ask_for_help(
    session: Session,
    client: Client,
    *,
    category_key: str,
    when: When,
    day: date | None,
    channel: Channel,
    text: str | None,
    submission_key: str | None,
    now: datetime,
    zone: ZoneInfo,
    scope: Scope,
    minutes: int = 60,
) -> SupportRequest:
    """Save the client's request; beyond scope it also goes to the caseworker.

    Pressing "Skicka" twice (same submission key) returns the first request.
    """
    earlier = existing_submission(session, submission_key)
    if earlier is not None:
        return earlier
    category = catalogue.by_key(session, category_key)
    if category is None or not category.active:
        raise RequestRefused(_l("Den hjälpen finns inte längre. Välj en annan."))
    try:
        check_channel(session, client.id, channel)
    except BookingRefused as exc:
        raise RequestRefused(exc.message) from exc
    start, end = wanted_window(when, day, now, zone)
    this_month, weeks = history_counts(session, client.id, now, zone, scope.consecutive_weeks)
    reasons = beyond_scope(
        scope,
        category_in_scope=category.in_scope,
        minutes=minutes,
        earlier_this_month=this_month,
        weeks_in_a_row=weeks,
    )
    request = SupportRequest(
        client_id=client.id,
        category=category.key,
        channel=channel,
        wanted_from=start,
        wanted_to=end,
        minutes=minutes,
        text=_clean_text(text),
        in_scope=not reasons,
        submission_key=submission_key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:
        # The same form was sent twice at the same moment: the first one stands.
        return existing_submission(session, submission_key)
    if reasons:
        _escalate(session, client, request, reasons, now, zone)
    announce(session, REQUEST_CREATED, request.id)
    return request


def _escalate(
    session: Session,
    client: Client,
    request: SupportRequest,
    reasons: list[str],
    now: datetime,
    zone: ZoneInfo,
) -> None:
    recent = session.scalars(
        select(SupportRequest)
        .where(SupportRequest.client_id == client.id, SupportRequest.id != request.id)
        .order_by(SupportRequest.created_at.desc())
        .limit(20)
    )
    history = [
        {
            "kind": "request",
            "request_id": r.id,
            "category": r.category,
            "at": r.created_at.isoformat(),
            "status": r.status.value,
        }
        for r in recent
    ]
    raise_escalation(
        session,
        client=client,
        kind=EscalationType.BEYOND_LIGHT_SUPPORT,
        reason=f"Behöver biståndsprövning: {', '.join(reasons)}.",
        source="light_support",
        now=now,
        zone=zone,
        evidence=[
            {
                "kind": "request",
                "request_id": request.id,
                "category": request.category,
                "reasons": reasons,
                "at": now.isoformat(),
            },
            *history,
        ],
    )


def first_contact(
    session: Session,
    *,
    name: str,
    phone: str,
    category_key: str | None,
    text: str | None,
    submission_key: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> SupportRequest:
    """A resident who is not yet a client asks; the number was checked with an SMS code."""
    earlier = existing_submission(session, submission_key)
    if earlier is not None:
        return earlier
    name = name.strip()
    if not name or len(name) > 80:
        raise RequestRefused(_l("Skriv ditt förnamn."))
    category = catalogue.by_key(session, category_key or "talk")
    # A first contact is a phone call back within the coming week.
    start, end = now, now + timedelta(days=7)
    request = SupportRequest(
        contact_name=name,
        contact_phone=phone,
        category=category.key if category else "talk",
        channel=Channel.PHONE,
        wanted_from=start,
        wanted_to=end,
        text=_clean_text(text),
        submission_key=submission_key,
        created_at=now,
    )
    session.add(request)
    session.flush()
    announce(session, REQUEST_CREATED, request.id)
    return request


def requests_of(session: Session, client_id: int, limit: int = 10) -> list[SupportRequest]:
    """The client's own recent requests, newest first (what happens next, who will come)."""
    query = (
        select(SupportRequest)
        .where(
            SupportRequest.client_id == client_id, SupportRequest.status != RequestStatus.WITHDRAWN
        )
        .order_by(SupportRequest.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
