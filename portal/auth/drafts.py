"""What a person typed before proving their number, kept in the database, not in their cookie.

Flask's session cookie is signed, not encrypted: anyone who sees it (a shared computer, a
proxy's log) can read it. So a form that continues on the next page (the first-contact form
waiting for its code, the number waiting for a sign-in code) keeps its fields in a ``Draft`` row
and the cookie carries only a random token for it. Rows go when the form is completed, and a
job deletes those left behind once they expire.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import session as cookie_session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Database, Draft, utcnow

from ..database import session
from ..tokens import token_hash

#: Long enough to fetch a code and type it (codes live 10 minutes), short enough that a
#: forgotten form does not keep someone's words for long.
DRAFT_TTL = timedelta(hours=2)


def _cookie_key(purpose: str) -> str:
    return f"draft_{purpose}"


def keep(purpose: str, data: dict[str, Any]) -> None:
    """Keep ``data`` for this browser's ``purpose`` form, replacing an earlier draft of it."""
    forget(purpose)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session().add(
        Draft(
            token_hash=token_hash(token),
            purpose=purpose,
            data=data,
            created_at=now,
            expires_at=now + DRAFT_TTL,
        )
    )
    cookie_session[_cookie_key(purpose)] = token


def read(purpose: str) -> dict[str, Any] | None:
    """This browser's unexpired draft of the ``purpose`` form, or None."""
    token = cookie_session.get(_cookie_key(purpose))
    if not isinstance(token, str) or len(token) > 100:
        return None
    draft = session().scalar(
        select(Draft).where(
            Draft.token_hash == token_hash(token),
            Draft.purpose == purpose,
            Draft.expires_at > utcnow(),
        )
    )
    return dict(draft.data) if draft is not None else None


def forget(purpose: str) -> None:
    """Delete this browser's draft of the ``purpose`` form (completed, or started again)."""
    token = cookie_session.pop(_cookie_key(purpose), None)
    if isinstance(token, str):
        session().execute(delete(Draft).where(Draft.token_hash == token_hash(token)))


def delete_expired(s: Session, now: datetime) -> int:
    """Delete drafts past their time; return how many."""
    return s.execute(delete(Draft).where(Draft.expires_at <= now)).rowcount


def delete_expired_job(db: Database) -> None:
    """The scheduled job: drafts nobody completed do not stay."""
    with db.transaction() as s:
        delete_expired(s, utcnow())
