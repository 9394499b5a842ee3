"""Server-side staff sessions: each sign-in is a row, and the browser holds only its token.

Flask-Login's "alternative tokens" pattern: the id it keeps in the cookie is a random token for
one sign-in, not the staff id, so a session can be ended without changing the person. We did
not take Flask-Session: it moves the *whole* cookie session server-side for everyone (each
anonymous visitor's CSRF token would become a row), needs Flask-SQLAlchemy beside our own
``Database``, and stores each session as an opaque blob, so "end every session of this person"
would mean reading them all. Here that is one indexed UPDATE.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, joinedload

from models import SessionEnd, StaffSession

from ..tokens import token_hash

#: ``last_seen_at`` is written at most this often: a write on every page view would double the
#: writes of a busy console, and the idle timeout (tens of minutes) needs no finer clock. An
#: idle session may so live up to this much longer than the timeout says.
TOUCH_EVERY = timedelta(minutes=1)
#: Tokens longer than this are not ours; refused before hashing.
MAX_TOKEN = 100


class SessionEnded(Exception):
    """The cookie names a staff session that is over; ``reason`` says why (None: unknown)."""

    def __init__(self, reason: SessionEnd | None) -> None:
        super().__init__(reason.value if reason else "unknown")
        self.reason = reason


def begin(session: Session, staff_id: int, ip: str | None, now: datetime) -> str:
    """Record a new sign-in; return the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            staff_id=staff_id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            ip=(ip or "")[:64] or None,
        )
    )
    session.flush()
    return token


def live(
    session: Session, token: str, now: datetime, idle: timedelta, *, touch: bool = True
) -> StaffSession:
    """Return the open session behind ``token`` with its staff; raise ``SessionEnded`` if none.

    A session idle past ``idle`` or of a switched-off account is ended here, when next used.
    ``touch`` counts this as use (a page view; not an open socket, or a console left open on
    an unattended screen would never time out).
    """
    if not token or len(token) > MAX_TOKEN:
        raise SessionEnded(None)
    row = session.scalar(_rows([token_hash(token)]))
    if row is None:
        raise SessionEnded(None)
    if _over(row, now, idle):
        raise SessionEnded(row.ended_reason)
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def ended_tokens(session: Session, tokens: set[str], now: datetime, idle: timedelta) -> set[str]:
    """Those of ``tokens`` whose session is over (``live`` would refuse them), in one query; the
    sessions found idle or of a switched-off account are ended here, as ``live`` ends them."""
    hashes = {token_hash(t): t for t in tokens if t and len(t) <= MAX_TOKEN}
    still = {
        hashes[row.token_hash]
        for row in session.scalars(_rows(list(hashes)))
        if not _over(row, now, idle)
    }
    return tokens - still


def _rows(hashes: list[str]) -> Select[tuple[StaffSession]]:
    return (
        select(StaffSession)
        .options(joinedload(StaffSession.staff))
        .where(StaffSession.token_hash.in_(hashes))
    )


def _over(row: StaffSession, now: datetime, idle: timedelta) -> bool:
    """Whether this session is over; one idle too long or of a switched-off account is ended
    now, with its reason."""
    if row.ended_at is None and not row.staff.active:
        _end(row, now, SessionEnd.SWITCHED_OFF)
    elif row.ended_at is None and now - row.last_seen_at > idle:
        _end(row, now, SessionEnd.IDLE)
    return row.ended_at is not None


def _end(row: StaffSession, now: datetime, reason: SessionEnd) -> None:
    row.ended_at, row.ended_reason = now, reason


def end(session: Session, token: str, now: datetime) -> None:
    """End one session (the person pressed "Logga ut" on this device)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=SessionEnd.SIGNED_OUT)
    )


def end_all(session: Session, staff_id: int, now: datetime, reason: SessionEnd) -> int:
    """End every open session of a member of staff, on every device; return how many."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    return result.rowcount
