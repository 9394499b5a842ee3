"""Booking actions: book, move, switch channel, take a lighter alternative, cancel.

Every action checks the rules, then writes inside a savepoint so the database's own refusal
(one worker never in two active visits at once) becomes an easy-read "that time was just taken".
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    AuditEvent,
    Channel,
    Client,
    Role,
    Staff,
    TaskKind,
    Visit,
    VisitStatus,
)
from reminders.outbox import queue_sms
from video.services import said_no_to_video

from ..tasks import create_task
from . import welfare
from .clashes import check_worker, span
from .grant import check_grant
from .queries import client_visits_between, same_booking
from .rules import (
    BookingRefused,
    BookingRules,
    check_bookable_time,
    is_late_cancellation,
    minutes_between,
    too_many_workers,
)
from .slots import available_slots, regular_workers

CANCEL_REASONS = ("not_well", "busy", "other")


class Alternative(enum.Enum):
    """Lighter ways to keep a visit instead of cancelling it."""

    PHONE = "phone"
    VIDEO = "video"
    SHORTER = "shorter"
    WALK = "walk"
    LATER = "later"


# --- Checks shared by book and move -------------------------------------------------------------


def _full_name(session: Session, client_id: int) -> str:
    client = session.get(Client, client_id)
    return client.full_name if client else ""


def _check_continuity(
    session: Session,
    client: Client,
    staff_id: int,
    start: datetime,
    rules: BookingRules,
    ignore: int | None,
    override_by: Staff | None,
    now: datetime,
) -> None:
    window = rules.continuity_window
    others = client_visits_between(session, client.id, start - window, start + window, ignore)
    if not too_many_workers(
        [(v.planned_start, v.staff_id) for v in others], start, staff_id, rules
    ):
        return
    if override_by is None:
        raise BookingRefused("continuity", client=client.full_name, most=rules.max_workers)
    session.add(
        AuditEvent(
            at=now,
            actor_staff_id=override_by.id,
            client_id=client.id,
            action="override",
            subject="booking.continuity",
            detail=f"worker {staff_id} at {start.isoformat()} beyond {rules.max_workers} workers",
        )
    )


def _check_all(
    session: Session,
    client: Client,
    staff_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    *,
    notice: bool,
    moving: Visit | None = None,
    light_support: bool = False,
    override_by: Staff | None = None,
) -> None:
    ignore = moving.id if moving is not None else None
    check_bookable_time(start, end, now, zone, rules, notice=notice)
    check_worker(session, staff_id, start, end, zone, rules, ignore)
    for v in client_visits_between(session, client.id, start - _DAY, end, ignore):
        if v.planned_start < end and start < v.planned_end:
            clash = span(v.planned_start, v.planned_end, zone)
            raise BookingRefused("overlap", client=client.full_name, clash=clash)
    if not light_support and (moving is None or moving.request_id is None):
        check_grant(session, client, start, minutes_between(start, end), zone, moving)
    _check_continuity(session, client, staff_id, start, rules, ignore, override_by, now)


_DAY = timedelta(days=1)


def check_channel(session: Session, client_id: int, channel: Channel) -> None:
    """No video for a client who has said no to it, until they say yes again."""
    if channel is Channel.VIDEO and said_no_to_video(session, client_id):
        raise BookingRefused("no_video", client=_full_name(session, client_id))


def _write(session: Session, change: object) -> None:
    """Flush inside a savepoint; the database's no-overlap rule becomes a clear refusal."""
    try:
        with session.begin_nested():
            if isinstance(change, Visit) and change not in session:
                session.add(change)
            session.flush()
    except IntegrityError as exc:
        raise BookingRefused("taken", status=409) from exc


# --- Actions ------------------------------------------------------------------------------------


def book(
    session: Session,
    *,
    client: Client,
    staff_id: int,
    start: datetime,
    minutes: int,
    channel: Channel,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    notice: bool = True,
    override_by: Staff | None = None,
    request_id: int | None = None,
) -> Visit:
    """Book a visit; pressing twice returns the visit the first press made.

    A visit for a light-support request (``request_id``) is given without a decision, so the
    decision's grant neither limits it nor is used up by it.
    """
    existing = same_booking(session, client.id, staff_id, start)
    if existing is not None:
        return existing
    check_channel(session, client.id, channel)
    end = start + timedelta(minutes=minutes)
    _check_all(
        session, client, staff_id, start, end, now, zone, rules,
        notice=notice, override_by=override_by, light_support=request_id is not None,
    )  # fmt: skip
    visit = Visit(
        request_id=request_id,
        client_id=client.id,
        staff_id=staff_id,
        channel=channel,
        planned_start=start,
        planned_end=end,
        created_at=now,
    )
    _write(session, visit)
    return visit


def _editable(visit: Visit, now: datetime) -> None:
    if visit.status is not VisitStatus.PLANNED or visit.planned_end <= now:
        raise BookingRefused("closed", status=409)


def move(
    session: Session,
    visit: Visit,
    *,
    start: datetime,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    staff_id: int | None = None,
    notice: bool = True,
    override_by: Staff | None = None,
) -> Visit:
    """Move a visit to ``start``, keeping its worker unless another is named."""
    staff_id = staff_id or visit.staff_id
    if visit.planned_start == start and visit.staff_id == staff_id:
        return visit  # pressed twice, or nothing to change
    _editable(visit, now)
    end = start + timedelta(minutes=visit.planned_minutes)
    _check_all(
        session, visit.client, staff_id, start, end, now, zone, rules,
        notice=notice, moving=visit, override_by=override_by,
    )  # fmt: skip
    write_move(session, visit, staff_id, start, end)
    return visit


def write_move(
    session: Session, visit: Visit, staff_id: int, start: datetime, end: datetime
) -> None:
    """Change the visit inside the savepoint, so a refusal by the database (another booking
    won the race) leaves it as it was and the page can say so, rather than failing later."""
    try:
        with session.begin_nested():
            visit.staff_id, visit.planned_start, visit.planned_end = staff_id, start, end
            session.flush()
    except IntegrityError as exc:
        session.refresh(visit)
        raise BookingRefused("taken", status=409) from exc


def switch_channel(session: Session, visit: Visit, channel: Channel, now: datetime) -> Visit:
    """Home ⇄ video ⇄ phone in one tap."""
    if visit.channel is channel:
        return visit
    _editable(visit, now)
    check_channel(session, visit.client_id, channel)
    visit.channel = channel
    session.flush()
    return visit


def take_alternative(
    session: Session,
    visit: Visit,
    kind: Alternative,
    *,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    later_start: datetime | None = None,
) -> Visit:
    """Keep the visit in a lighter form instead of cancelling it."""
    if visit.adjustment == kind.value:
        return visit
    _editable(visit, now)
    if kind is Alternative.PHONE:
        visit.channel = Channel.PHONE
    elif kind is Alternative.VIDEO:
        check_channel(session, visit.client_id, Channel.VIDEO)
        visit.channel = Channel.VIDEO
    elif kind is Alternative.SHORTER:
        shorter = min(rules.shorter_visit_minutes, visit.planned_minutes)
        visit.planned_end = visit.planned_start + timedelta(minutes=shorter)
    elif kind is Alternative.WALK:
        visit.channel = Channel.HOME
    elif kind is Alternative.LATER:
        same_day = visit.planned_start.astimezone(zone).date()
        if later_start is None or later_start.astimezone(zone).date() != same_day:
            raise BookingRefused("later")
        move(session, visit, start=later_start, now=now, zone=zone, rules=rules)
    visit.adjustment = kind.value
    session.flush()
    return visit


def later_today(
    session: Session, visit: Visit, now: datetime, zone: ZoneInfo, rules: BookingRules
) -> list[datetime]:
    """Later starts the same day with the same worker, for "later today"."""
    day = visit.planned_start.astimezone(zone).date()
    slots = available_slots(
        session, visit.client_id, [day], visit.planned_minutes, now, zone, rules,
        staff_ids=[visit.staff_id], ignore_visit_id=visit.id,
    )  # fmt: skip
    return [s.start for s in slots if s.start > visit.planned_start]


def cancel_by_client(
    session: Session,
    visit: Visit,
    reason: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
) -> welfare.WelfareStep:
    """Cancel at the client's wish (always allowed; late under the notice rule)."""
    if visit.status is VisitStatus.CANCELLED_BY_CLIENT:
        return welfare.WelfareStep.NONE  # pressed twice: counted once
    _editable(visit, now)
    visit.status = VisitStatus.CANCELLED_BY_CLIENT
    visit.cancelled_at = now
    visit.cancel_reason = reason if reason in CANCEL_REASONS else "other"
    visit.late_cancellation = is_late_cancellation(visit.planned_start, now, rules)
    session.flush()
    return welfare.after_client_cancellation(session, visit.client, now, zone, rules)


def cancel_by_staff(
    session: Session,
    visit: Visit,
    staff: Staff,
    reason: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    link: str,
) -> Visit:
    """Cancel for a staff reason: never counted against the client, who is told by SMS."""
    if visit.status is VisitStatus.CANCELLED_BY_STAFF:
        return visit
    _editable(visit, now)
    mark_cancelled_by_staff(visit, staff.id, reason, now)
    session.flush()
    client = visit.client
    if not client.sms_opt_out:
        queue_sms(
            session,
            client.phone,
            staff_cancellation_sms(client, visit, link, zone),
            purpose="visit_cancelled",
            client_id=client.id,
        )
    return visit


def mark_cancelled_by_staff(visit: Visit, staff_id: int | None, reason: str, now: datetime) -> None:
    """Cancel on the service's side (``staff_id`` None: the system, e.g. support ended): the
    reports and the cancellation rules count it apart from the client's own cancellations."""
    visit.status = VisitStatus.CANCELLED_BY_STAFF
    visit.cancelled_at, visit.cancelled_by_id = now, staff_id
    visit.cancel_reason = reason[:80] or "staff"
    visit.late_cancellation = False


def staff_cancellation_sms(client: Client, visit: Visit, link: str, zone: ZoneInfo) -> str:
    """The SMS a client gets when staff cancel: the time and a link, nothing sensitive."""
    with force_locale(client.language):
        local = visit.planned_start.astimezone(zone)
        when = f"{format_date(local.date(), 'EEEE d MMMM')} {local:%H:%M}"
        return str(
            _l("Hej! Besöket %(when)s blir inte av. Förlåt! Välj en ny tid här: %(link)s",
               when=when, link=link)
        )  # fmt: skip


def ask_for_more_help(session: Session, client: Client, now: datetime) -> None:
    """The client wants more than the decision gives: ask their worker to take it further."""
    workers = regular_workers(session, client.id)
    with force_locale("sv"):
        text = str(_l("%(name)s vill ha mer hjälp än beslutet ger. Prata med %(name)s.",
                      name=client.first_name))  # fmt: skip
    create_task(
        session,
        kind=TaskKind.OTHER,
        text=text,
        now=now,
        client_id=client.id,
        staff_id=workers[0] if workers else None,
        for_role=None if workers else Role.COORDINATOR,
        ref=f"more_help:{client.id}",
    )
