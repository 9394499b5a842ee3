"""End sessions that everyone has left without pressing "end".

A worker who closes the tab, a phone that runs out of battery, an app process that dies: the
session would stay open for ever, the visit would never count as delivered, and the client's
portal would keep offering "Svara". A sweep ends such sessions at the last moment anyone was
known to be in them, so the visit gets its real times, not the sweep's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Database, SessionStatus, VideoSession

from .services import end

#: Everyone gone this long: nobody is coming back (a network change re-joins within seconds).
LEFT_FOR = timedelta(minutes=10)


def last_seen(vs: VideoSession) -> datetime:
    """The last moment anyone was known to be in the session."""
    moments = [vs.created_at]
    moments += [vs.started_at] if vs.started_at else []
    for p in vs.participants:
        moments += [m for m in (p.joined_at, p.left_at) if m is not None]
    return max(moments)


def is_abandoned(vs: VideoSession, now: datetime) -> bool:
    """Everyone who came has left, ``LEFT_FOR`` ago, or every join link has expired.

    A session nobody has joined yet waits for its links (a client may answer late). The
    expiry also covers a socket the server never saw close (its process died): after the
    links expire nobody can be in the call any more.
    """
    if vs.status is SessionStatus.ENDED:
        return False
    if now >= max(p.expires_at for p in vs.participants):
        return True
    someone_came = any(p.joined_at is not None for p in vs.participants)
    nobody_connected = all(p.sid is None for p in vs.participants)
    return someone_came and nobody_connected and now - last_seen(vs) >= LEFT_FOR


def end_abandoned(db: Database, now: datetime) -> list[int]:
    """End every abandoned session at its last-seen moment; return their ids."""
    ended = []
    with db.transaction() as s:
        running = s.scalars(
            select(VideoSession)
            .options(selectinload(VideoSession.participants), selectinload(VideoSession.visit))
            .where(VideoSession.status != SessionStatus.ENDED)
        )
        for vs in running:
            if is_abandoned(vs, now):
                end(s, vs, min(now, last_seen(vs)))
                ended.append(vs.id)
    return ended
