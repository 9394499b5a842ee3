"""Named queries and small rules behind the video pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Channel, Client, Proxy, SessionStatus, Staff, TaskKind, VideoSession, Visit
from video import services as video

from ..booking.delivery import reason_missing
from ..booking.rules import BookingRules
from ..errors import DomainError
from ..tasks import create_client_task, primary_worker
from ..timeutil import zone
from .texts import refusal


@dataclass
class ConsoleRow:
    visit: Visit
    session: VideoSession | None
    consent: bool
    #: The call ended far from its planned length and the worker has not said why yet.
    reason_missing: bool = False


def todays_calls(
    session: Session, staff: Staff, start: datetime, end: datetime, rules: BookingRules
) -> list[ConsoleRow]:
    """The worker's video and phone visits starting in [start, end), with their sessions."""
    visits = session.scalars(
        select(Visit)
        .options(joinedload(Visit.client))
        .where(
            Visit.staff_id == staff.id,
            Visit.channel.in_([Channel.VIDEO, Channel.PHONE]),
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
        .order_by(Visit.planned_start)
    )
    rows = []
    for visit in visits:
        latest = session.scalar(
            select(VideoSession)
            .where(VideoSession.visit_id == visit.id)
            .order_by(VideoSession.id.desc())
            .limit(1)
        )
        consent = video.has_video_consent(session, visit.client_id)
        rows.append(ConsoleRow(visit, latest, consent, reason_missing(visit, rules)))
    return rows


def own_visit(session: Session, staff: Staff, visit_id: int) -> Visit:
    """The visit, if it is this worker's own video or phone visit; a 403 otherwise."""
    visit = session.scalar(select(Visit).where(Visit.id == visit_id, Visit.staff_id == staff.id))
    if visit is None:
        raise DomainError(refusal("not_worker"), status=403)
    return visit


def running_session(session: Session, visit: Visit) -> VideoSession | None:
    vs = video.live_session_for_visit(session, visit.id)
    return vs if vs is not None and vs.status is not SessionStatus.ENDED else None


def client_proxies(session: Session, client_id: int) -> list[Proxy]:
    return list(session.scalars(select(Proxy).where(Proxy.client_id == client_id, Proxy.active)))


def refused(exc: video.Refused, status: int = 403) -> DomainError:
    return DomainError(refusal(exc.reason), status=status)


def ask_to_be_called(session: Session, client: Client, now: datetime) -> Staff | None:
    """The client asks to be called when no call is running: a task for their worker (or the
    coordinator), once a day however often they press; return the worker who will call."""
    with force_locale("sv"):  # staff read tasks in Swedish
        text = str(_l("%(name)s vill att du ringer upp.", name=client.first_name))
    day = now.astimezone(zone()).date().isoformat()
    create_client_task(
        session, client_id=client.id, kind=TaskKind.CALL_BACK, text=text, now=now,
        ref=f"call-me:{client.id}:{day}",
    )  # fmt: skip
    return primary_worker(session, client.id)
