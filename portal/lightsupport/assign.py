"""Assigning requests: one click for one request, "Fördela alla" for the whole queue.

An assignment books the visit (through booking, so the database's no-double-booking rule and
the continuity cap hold), tells the client by SMS and stores the score and reasons behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from models import (
    Assignment,
    Channel,
    Client,
    RequestStatus,
    Staff,
    SupportRequest,
    TaskKind,
)
from reminders.outbox import queue_sms
from reminders.texts import render

from ..access import client_scope
from ..booking.actions import book
from ..booking.rules import BookingRefused, BookingRules
from ..errors import DomainError
from ..events import REQUEST_ASSIGNED, announce
from ..matching.batch import plan
from ..matching.candidates import find, wanted_for
from ..matching.ranking import Ranking
from ..matching.schedule import Schedule
from ..matching.scoring import Suggestion
from ..matching.weights import Weights
from ..tasks import create_task
from .unmet import Left, nobody_free, tell_client_not_soon, why_left


class AssignmentRefused(DomainError):
    status = 409


@dataclass
class Ranked:
    request: SupportRequest
    suggestions: Sequence[Suggestion]

    @property
    def has_free_worker(self) -> bool:
        return bool(self.suggestions) and self.suggestions[0].feasible  # feasible ones first


def _waiting(coordinator: Staff):
    """New requests from clients the coordinator may see, and first contacts; urgent first."""
    return (
        select(SupportRequest)
        .outerjoin(Client, SupportRequest.client_id == Client.id)
        .where(
            SupportRequest.status == RequestStatus.NEW,
            SupportRequest.client_id.is_(None) | client_scope(coordinator),
        )
        .order_by(SupportRequest.urgent.desc(), SupportRequest.created_at, SupportRequest.id)
    )


def open_queue(session: Session, coordinator: Staff) -> list[SupportRequest]:
    """The whole queue (for "Fördela alla"); the clients come from the join the scope needs."""
    query = _waiting(coordinator).options(contains_eager(SupportRequest.client))
    return list(session.scalars(query))


def queue_page(
    session: Session, coordinator: Staff, first: int, size: int
) -> tuple[int, int, list[SupportRequest]]:
    """How many wait, where the page starts (``first``, kept inside the queue) and its requests:
    a page reads only its own rows, not the thousand behind it."""
    waiting = session.scalar(select(func.count()).select_from(_waiting(coordinator).subquery()))
    first = max(0, min(first, (waiting or 0) - 1))
    query = _waiting(coordinator).options(contains_eager(SupportRequest.client))
    return waiting or 0, first, list(session.scalars(query.offset(first).limit(size)))


def waiting_request(session: Session, coordinator: Staff, request_id: int) -> SupportRequest | None:
    """One request of the coordinator's queue, if it still waits there."""
    query = _waiting(coordinator).options(contains_eager(SupportRequest.client))
    return session.scalar(query.where(SupportRequest.id == request_id))


def request_for(session: Session, coordinator: Staff, request_id: int) -> SupportRequest | None:
    """A request the coordinator may handle (a client they may see, or a first contact), locked
    for the assignment; None otherwise."""
    return session.scalar(
        select(SupportRequest)
        .outerjoin(Client, SupportRequest.client_id == Client.id)
        .where(
            SupportRequest.id == request_id,
            SupportRequest.client_id.is_(None) | client_scope(coordinator),
        )
        .with_for_update(of=SupportRequest)
    )


def suggestions(
    session: Session,
    request: SupportRequest,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    weights: Weights,
    only: list[int] | None = None,
    *,
    starts: int = 1,
    schedule: Schedule | None = None,
    contact_unit: int | None = None,
) -> Ranking:
    """Ranked workers for one request, with their reasons (and up to ``starts`` free starts
    each: the console needs only the first)."""
    found = find(
        session, request, now, zone, rules, only,
        starts=starts, schedule=schedule, contact_unit=contact_unit,
    )  # fmt: skip
    return Ranking(wanted_for(session, request), found, weights, lambda t: _hour(t, zone))


def _hour(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H")


def _when(moment: datetime, zone: ZoneInfo, now: datetime, language: str = "sv") -> str:
    """ "idag 14:00", "i morgon 09:30" or "torsdag 10:00", in the reader's language."""
    local = moment.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    time = f"{local:%H:%M}"
    if days == 0:
        return render("when_today", language, time=time)
    if days == 1:
        return render("when_tomorrow", language, time=time)
    return render("when_day", language, day=format_date(local, "EEEE", locale=language), time=time)


#: What the client reads when help is booked: the time, the worker's first name and a link.
HELP_TEXT = {Channel.HOME: "help_home", Channel.VIDEO: "help_video", Channel.PHONE: "help_phone"}


def assign(
    session: Session,
    request_id: int,
    staff_id: int,
    coordinator: Staff,
    *,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    weights: Weights,
    portal_link: str,
    ranked: Sequence[Suggestion] | None = None,
) -> Assignment:
    """Give the request to ``staff_id``: book the time, tell the client, keep the why."""
    request = request_for(session, coordinator, request_id)
    if request is None:  # another unit's request reads exactly like one that does not exist
        raise AssignmentRefused(_l("Förfrågan finns inte."), 404)
    if request.status is not RequestStatus.NEW:
        taken = session.scalar(select(Assignment).where(Assignment.request_id == request.id))
        who = session.get(Staff, taken.assigned_by_id) if taken and taken.assigned_by_id else None
        raise AssignmentRefused(
            _l("Förfrågan är redan tilldelad av %(name)s.", name=who.full_name if who else "någon")
        )
    ranked = ranked or suggestions(
        session, request, now, zone, rules, weights, contact_unit=coordinator.unit_id
    )
    chosen = next((s for s in ranked if s.staff_id == staff_id), None)
    if chosen is None or not chosen.feasible:
        raise AssignmentRefused(_l("Den personen är inte ledig längre. Välj någon annan."))
    worker = session.get(Staff, staff_id)
    visit_id = None
    if request.client is not None:
        try:
            visit = book(
                session,
                client=request.client,
                staff_id=staff_id,
                start=chosen.start,
                minutes=request.minutes,
                channel=request.channel,
                now=now,
                zone=zone,
                rules=rules,
                notice=False,
                request_id=request.id,
            )
        except BookingRefused as exc:
            raise AssignmentRefused(exc.staff_message) from exc
        visit_id = visit.id
        to, client_id = request.client.phone, request.client.id
        sms = (
            None
            if request.client.sms_opt_out
            else render(
                HELP_TEXT[request.channel],
                request.client.language,
                worker=worker.first_name,
                when=_when(chosen.start, zone, now, request.client.language),
                link=portal_link,
            )
        )
    else:
        create_task(
            session,
            kind=TaskKind.CALL_BACK,
            now=now,
            staff_id=staff_id,
            text=f"Ring {request.contact_name} ({request.contact_phone}), ny kontakt, "
            f"{_when(chosen.start, zone, now)}.",
            due_at=chosen.start,
            ref=f"request:{request.id}",
        )
        to, client_id = request.contact_phone, None
        sms = render(
            "first_contact_call",
            name=request.contact_name,
            worker=worker.first_name,
            when=_when(chosen.start, zone, now),
        )
    assignment = Assignment(
        request_id=request.id,
        staff_id=staff_id,
        visit_id=visit_id,
        assigned_by_id=coordinator.id,
        assigned_at=now,
        score=chosen.score,
        reasons={
            "chosen": chosen.as_record(),
            "ranked": [{"staff_id": s.staff_id, **s.as_record()} for s in ranked[:5]],
        },
    )
    try:
        with session.begin_nested():
            session.add(assignment)
    except IntegrityError as exc:  # another coordinator won the race
        raise AssignmentRefused(_l("Förfrågan är redan tilldelad av någon annan.")) from exc
    request.status, request.assigned_at = RequestStatus.ASSIGNED, now
    if sms and to:
        queue_sms(session, to, sms, purpose="assignment", client_id=client_id, staff_id=staff_id)
    session.flush()
    announce(session, REQUEST_ASSIGNED, request.id)
    return assignment


def assign_all(
    session: Session,
    coordinator: Staff,
    *,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    weights: Weights,
    portal_link: str,
) -> tuple[list[Assignment], list[Left]]:
    """Assign the whole queue at once, optimally; return what was assigned, and what was not
    with the reason. A client whose request nobody can take in the time asked for is told.

    Each worker offers up to ``BLOCKS`` separate free times (one column each), so a worker can
    take several requests without two of them landing at the same time (``batch.plan``).
    """
    queue = open_queue(session, coordinator)
    planned = plan(session, queue, now, zone, rules, weights, contact_unit=coordinator.unit_id)
    done: list[Assignment] = []
    left: list[Left] = []
    for row, request in enumerate(queue):
        if row not in planned.chosen:
            left.append(Left(request, why_left(planned, row, zone)))
            if nobody_free(planned, row):
                tell_client_not_soon(session, request, coordinator, now, portal_link)
            continue
        staff_id, _ = planned.columns[planned.chosen[row]]
        try:
            with session.begin_nested():
                assignment = assign(
                    session,
                    request.id,
                    staff_id,
                    coordinator,
                    now=now,
                    zone=zone,
                    rules=rules,
                    weights=weights,
                    portal_link=portal_link,
                    ranked=planned.ranked[row],
                )
        except AssignmentRefused as exc:
            # Something changed since the plan (a booking rule, the client's answer about
            # video, another coordinator): this one waits in the queue, the rest go ahead.
            left.append(Left(request, str(exc.message)))
            continue
        done.append(assignment)
    return done, left
