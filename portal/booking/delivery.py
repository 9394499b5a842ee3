"""The record of what was delivered: a worker starts and ends a visit, marks a no-show, writes
the day note. Real times are recorded as they happen; pressing twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Staff, Visit, VisitNote, VisitStatus

from ..errors import DomainError
from .rules import BookingRefused, BookingRules, check_start_window, minutes_between
from .rules import needs_length_reason as _needs_reason


class ReasonNeeded(BookingRefused):
    """The real length differs too much from the plan: say why."""

    code = "reason"


def own_visit(session: Session, visit_id: int, staff: Staff) -> Visit:
    """One of the worker's own visits, or a 404 (never someone else's)."""
    visit = session.scalar(
        select(Visit)
        .options(joinedload(Visit.client))
        .where(Visit.id == visit_id, Visit.staff_id == staff.id)
    )
    if visit is None:
        raise DomainError(_l("Besöket finns inte bland dina besök."), 404)
    return visit


def start_visit(visit: Visit, now: datetime, rules: BookingRules) -> Visit:
    """Record the real start (accepted from two hours before to two hours after the plan)."""
    if visit.status is VisitStatus.STARTED:
        return visit
    if visit.status is not VisitStatus.PLANNED:
        raise BookingRefused(_l("Besöket kan inte startas. Det är redan avslutat eller avbokat."))
    check_start_window(visit.planned_start, now, rules)
    visit.status, visit.actual_start = VisitStatus.STARTED, now
    return visit


def length_needs_reason(visit: Visit, now: datetime, rules: BookingRules) -> bool:
    """Would ending the started ``visit`` now need a reason?"""
    if visit.actual_start is None:
        return False
    return _needs_reason(visit.planned_minutes, minutes_between(visit.actual_start, now), rules)


def reason_missing(visit: Visit, rules: BookingRules) -> bool:
    """Did ``visit`` end far from its planned length without anyone saying why (a video call
    ends when the call does, so its worker is asked afterwards)?"""
    if visit.status is not VisitStatus.DONE or visit.deviation_reason:
        return False
    if visit.actual_start is None or visit.actual_end is None:
        return False
    return length_needs_reason(visit, visit.actual_end, rules)


def end_visit(visit: Visit, now: datetime, rules: BookingRules, reason: str | None = None) -> Visit:
    """Record the real end; a length far from the plan needs a reason."""
    if visit.status is VisitStatus.DONE:
        return visit
    if visit.status is not VisitStatus.STARTED or visit.actual_start is None:
        raise BookingRefused(_l("Du har inte startat besöket. Starta det först."), "not_started")
    reason = (reason or "").strip()
    if length_needs_reason(visit, now, rules) and not reason:
        raise ReasonNeeded(_l("Besöket blev längre eller kortare än planerat. Skriv varför."))
    visit.status, visit.actual_end = VisitStatus.DONE, now
    visit.deviation_reason = reason[:200] or None
    return visit


def mark_no_show(visit: Visit, now: datetime) -> Visit:
    """The client was not there (or did not answer) at the planned time."""
    if visit.status is VisitStatus.NO_SHOW:
        return visit
    if visit.status is not VisitStatus.PLANNED:
        raise BookingRefused(_l("Bara ett planerat besök kan markeras som uteblivet."))
    if now < visit.planned_start:
        raise BookingRefused(_l("Besöket har inte börjat än."))
    visit.status = VisitStatus.NO_SHOW
    return visit


def write_note(session: Session, visit: Visit, staff: Staff, text: str, now: datetime) -> VisitNote:
    """Add the day note (daganteckning) for a visit."""
    text = text.strip()
    if not text:
        raise BookingRefused(_l("Skriv något i anteckningen."))
    if visit.status not in (VisitStatus.STARTED, VisitStatus.DONE, VisitStatus.NO_SHOW):
        raise BookingRefused(_l("Skriv anteckningen när besöket har börjat."))
    note = VisitNote(visit_id=visit.id, author_id=staff.id, text=text[:4000], created_at=now)
    session.add(note)
    session.flush()
    return note
