"""The rules of a video session: who may start, join, let in, invite and end it.

Functions take a ``Session`` and ``flush()``; the caller owns the transaction. A refusal raises
``Refused`` with a short reason code; the portal turns codes into easy-read sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import (
    Channel,
    Client,
    Consent,
    ConsentKind,
    Participant,
    ParticipantRole,
    SessionStatus,
    Staff,
    VideoSession,
    Visit,
    VisitStatus,
)
from reminders.outbox import queue_sms
from reminders.texts import render

from .tokens import BadToken, make_token, read_token

#: A join link works until the visit's planned end plus this (a late start still works).
LINK_GRACE = timedelta(hours=2)
#: Worker, client and one invited person: a mesh of three is what a phone can carry.
MAX_PARTICIPANTS = 3
CONSENT_SCOPE = "Video med boendestödet. Samtalen spelas aldrig in."


class Refused(Exception):
    """A rule said no; ``reason`` is one of the codes below."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Reasons: "expired", "forged", "malformed", "unknown", "ended", "revoked", "not_worker",
# "no_consent", "full", "not_video", "no_phone", "not_admitted".


def has_video_consent(session: Session, client_id: int) -> bool:
    """Return whether the client has a standing (not withdrawn) consent to video."""
    return (
        session.scalar(
            select(Consent.id).where(
                Consent.client_id == client_id,
                Consent.kind == ConsentKind.VIDEO,
                Consent.withdrawn_at.is_(None),
            )
        )
        is not None
    )


def said_no_to_video(session: Session, client_id: int) -> bool:
    """The client took back their consent to video and has not given it again (a client who
    was never asked may still choose video: the worker asks before the first call)."""
    if has_video_consent(session, client_id):
        return False
    withdrawn = select(Consent.id).where(
        Consent.client_id == client_id,
        Consent.kind == ConsentKind.VIDEO,
        Consent.withdrawn_at.is_not(None),
    )
    return session.scalar(withdrawn.limit(1)) is not None


def record_video_consent(session: Session, client: Client, staff: Staff, now: datetime) -> Consent:
    """Record that the client agreed to video with their support (once; later calls reuse it)."""
    existing = session.scalar(
        select(Consent).where(
            Consent.client_id == client.id,
            Consent.kind == ConsentKind.VIDEO,
            Consent.withdrawn_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    consent = Consent(
        client_id=client.id,
        kind=ConsentKind.VIDEO,
        scope=CONSENT_SCOPE,
        given_at=now,
        recorded_by_id=staff.id,
    )
    session.add(consent)
    session.flush()
    return consent


def withdraw_video_consent(session: Session, client_id: int, now: datetime) -> list[Visit]:
    """The client says no to video from now on; return the coming visits that became calls.

    No new video session can start, a running one ends, and coming video visits become phone
    calls so that the support itself still happens. The consent's history is kept.
    """
    for consent in session.scalars(
        select(Consent).where(
            Consent.client_id == client_id,
            Consent.kind == ConsentKind.VIDEO,
            Consent.withdrawn_at.is_(None),
        )
    ):
        consent.withdrawn_at = now
    for vs in session.scalars(
        select(VideoSession)
        .join(Visit, VideoSession.visit_id == Visit.id)
        .where(
            Visit.client_id == client_id,
            VideoSession.channel == Channel.VIDEO,
            VideoSession.status != SessionStatus.ENDED,
        )
    ):
        end(session, vs, now)
    coming = list(
        session.scalars(
            select(Visit).where(
                Visit.client_id == client_id,
                Visit.channel == Channel.VIDEO,
                Visit.status == VisitStatus.PLANNED,
                Visit.planned_start > now,
            )
        )
    )
    for visit in coming:
        visit.channel = Channel.PHONE
    session.flush()
    return coming


def live_session_for_visit(session: Session, visit_id: int) -> VideoSession | None:
    """The visit's session that has not ended, if any."""
    return session.scalar(
        select(VideoSession)
        .where(VideoSession.visit_id == visit_id, VideoSession.status != SessionStatus.ENDED)
        .order_by(VideoSession.id.desc())
        .limit(1)
    )


def waiting_session_for_client(
    session: Session, client_id: int, now: datetime
) -> VideoSession | None:
    """The client's session that is open or live now (the one "Svara" answers)."""
    return session.scalar(
        select(VideoSession)
        .join(Visit, VideoSession.visit_id == Visit.id)
        .options(joinedload(VideoSession.visit).joinedload(Visit.staff))
        .where(
            Visit.client_id == client_id,
            VideoSession.status != SessionStatus.ENDED,
            Visit.planned_end > now - LINK_GRACE,
        )
        .order_by(VideoSession.id.desc())
        .limit(1)
    )


def participant(vs: VideoSession, role: ParticipantRole) -> Participant:
    return next(p for p in vs.participants if p.role is role)


def _link_expiry(visit: Visit, now: datetime) -> datetime:
    return max(visit.planned_end, now) + LINK_GRACE


def open_session(session: Session, visit: Visit, channel: Channel, now: datetime) -> VideoSession:
    """Return the visit's running session, or start one naming its worker and client."""
    existing = live_session_for_visit(session, visit.id)
    if existing is not None:
        return existing
    if channel is Channel.VIDEO and not has_video_consent(session, visit.client_id):
        raise Refused("no_consent")
    client, worker = visit.client, visit.staff
    expires = _link_expiry(visit, now)
    vs = VideoSession(visit_id=visit.id, channel=channel, status=SessionStatus.OPEN, created_at=now)
    vs.participants = [
        Participant(
            role=ParticipantRole.WORKER,
            staff_id=worker.id,
            name=worker.first_name,
            expires_at=expires,
            admitted_at=now,
        ),
        Participant(
            role=ParticipantRole.CLIENT,
            client_id=client.id,
            name=client.first_name,
            expires_at=expires,
        ),
    ]
    session.add(vs)
    session.flush()
    return vs


def start_video(
    session: Session, visit: Visit, now: datetime, *, secret: str, public_url: str
) -> VideoSession:
    """Start (or reuse) the video session and text the client their personal link."""
    vs = open_session(session, visit, Channel.VIDEO, now)
    client = visit.client
    if not client.sms_opt_out:
        link = f"{public_url}/ring/l/{token_for(participant(vs, ParticipantRole.CLIENT), secret)}"
        # No sensitive text: the worker's first name and a link, nothing about why.
        body = render("video_invite", client.language, worker=visit.staff.first_name, link=link)
        queue_sms(session, client.phone, body, purpose="video_invite", client_id=client.id)
    return vs


def token_for(p: Participant, secret: str) -> str:
    return make_token(secret, p.id, p.expires_at)


def invite_guest(
    session: Session,
    vs: VideoSession,
    by: Staff,
    name: str,
    phone: str | None,
    now: datetime,
    *,
    secret: str,
    public_url: str,
    proxy_id: int | None = None,
    language: str = "sv",
) -> tuple[Participant, str]:
    """Let the session's worker invite a third person; returns them and their join link (sent
    by SMS in ``language`` when there is a phone number)."""
    if vs.visit.staff_id != by.id:
        raise Refused("not_worker")
    if vs.status is SessionStatus.ENDED:
        raise Refused("ended")
    named = [p for p in vs.participants if p.revoked_at is None]
    if len(named) >= MAX_PARTICIPANTS:
        raise Refused("full")
    guest = Participant(
        role=ParticipantRole.GUEST,
        name=name.strip()[:120],
        phone=phone,
        proxy_id=proxy_id,
        invited_by_id=by.id,
        expires_at=_link_expiry(vs.visit, now),
    )
    vs.participants.append(guest)
    session.flush()
    link = f"{public_url}/ring/l/{token_for(guest, secret)}"
    if phone:
        body = render("video_invite_guest", language, worker=by.first_name, link=link)
        queue_sms(session, phone, body, purpose="video_invite_guest")
    return guest, link


@dataclass
class Joined:
    participant: Participant
    session: VideoSession
    #: Others who are let in and connected now.
    peers: list[Participant] = field(default_factory=list)
    #: People in the waiting room (shown to the worker).
    waiting: list[Participant] = field(default_factory=list)
    #: The socket this person used before (now replaced), to be closed.
    replaced_sid: str | None = None
    #: True when this join made the session live (worker and client together for the first time).
    went_live: bool = False


def participant_for_token(
    session: Session, secret: str, token: object, now: datetime
) -> Participant:
    """Return who the join link names, or refuse an expired, forged, revoked or ended one."""
    try:
        pid = read_token(secret, token, now)
    except BadToken as exc:
        raise Refused(exc.reason) from exc
    p = session.get(Participant, pid)
    if p is None:
        raise Refused("unknown")
    if p.revoked_at is not None:
        raise Refused("revoked")
    if p.session.status is SessionStatus.ENDED:
        raise Refused("ended")
    return p


def join(session: Session, secret: str, token: object, sid: str, now: datetime) -> Joined:
    """Connect a participant's socket; a second socket for the same person replaces the first."""
    p = participant_for_token(session, secret, token, now)
    vs = p.session
    result = Joined(participant=p, session=vs)
    if p.sid is not None and p.sid != sid:
        result.replaced_sid = p.sid
    p.sid = sid
    p.left_at = None
    p.joined_at = p.joined_at or now
    result.went_live = _maybe_live(vs, now)
    others = [o for o in vs.participants if o.id != p.id and o.online]
    result.peers = [o for o in others if o.admitted_at is not None]
    result.waiting = [o for o in others if o.admitted_at is None]
    session.flush()
    return result


def _maybe_live(vs: VideoSession, now: datetime) -> bool:
    """Mark the real start once the worker and the client are both in the call."""
    if vs.started_at is not None:
        return False
    worker = participant(vs, ParticipantRole.WORKER)
    client = participant(vs, ParticipantRole.CLIENT)
    if worker.online and client.online and client.admitted_at is not None:
        vs.started_at = now
        vs.status = SessionStatus.LIVE
        return True
    return False


def admit(session: Session, by: Participant, pid: int, now: datetime) -> Participant:
    """Let a waiting person in; only the session's worker may."""
    if by.role is not ParticipantRole.WORKER:
        raise Refused("not_worker")
    target = session.scalar(
        select(Participant).where(Participant.id == pid, Participant.session_id == by.session_id)
    )
    if target is None or target.revoked_at is not None:
        raise Refused("unknown")
    if by.session.status is SessionStatus.ENDED:
        raise Refused("ended")
    target.admitted_at = target.admitted_at or now
    _maybe_live(by.session, now)
    session.flush()
    return target


def by_sid(session: Session, sid: str) -> Participant | None:
    return session.scalar(select(Participant).where(Participant.sid == sid))


def leave(session: Session, sid: str, now: datetime) -> Participant | None:
    """Forget a socket (hung up or dropped); returns who it was, if still theirs."""
    p = by_sid(session, sid)
    if p is None:
        return None
    p.sid = None
    p.left_at = now
    session.flush()
    return p


def end(session: Session, vs: VideoSession, now: datetime) -> VideoSession:
    """End the session; once it really took place, its visit is done with the real times."""
    if vs.status is SessionStatus.ENDED:
        return vs
    vs.status = SessionStatus.ENDED
    vs.ended_at = now
    for p in vs.participants:
        p.sid = None
        p.left_at = p.left_at or now
    visit = vs.visit
    if vs.started_at is not None:
        visit.status = VisitStatus.DONE
        visit.actual_start = vs.started_at
        visit.actual_end = now
        visit.channel = vs.channel
    session.flush()
    return vs


def end_as_worker(session: Session, by: Participant, now: datetime) -> VideoSession:
    if by.role is not ParticipantRole.WORKER:
        raise Refused("not_worker")
    return end(session, by.session, now)


def admitted_ids(session: Session, session_id: int) -> set[int]:
    """Participants let in and not revoked: the only ones signalling may reach."""
    return set(
        session.scalars(
            select(Participant.id)
            .join(VideoSession, Participant.session_id == VideoSession.id)
            .where(
                Participant.session_id == session_id,
                VideoSession.status != SessionStatus.ENDED,
                Participant.admitted_at.is_not(None),
                Participant.revoked_at.is_(None),
            )
        )
    )
