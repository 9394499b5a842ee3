"""The request's database session: one transaction per request, committed by the wrapper.

Views call services, which ``flush()``; the response hook commits when the view returned
normally (below 500) and rolls back otherwise. Callbacks registered with ``models.on_commit``
(SMS, socket emits) run only after that commit succeeds.
"""

from __future__ import annotations

from flask import Response, current_app, g
from sqlalchemy.orm import Session

from models import Database


def get_db() -> Database:
    return current_app.extensions["boendestod.db"]


def session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def finish() -> None:
    """Commit what this request wrote and close its session, before slow work that needs none.

    For a view that, after its last read and write, waits seconds on something else (Chromium
    printing a PDF): no lock or connection is held meanwhile. The response hook then has
    nothing left to commit.
    """
    s: Session | None = g.pop("db_session", None)
    if s is not None:
        try:
            s.commit()
        finally:
            s.close()


def commit(response: Response) -> Response:
    """After each request: commit below 500, roll back otherwise (``portal.wiring``)."""
    s: Session | None = g.pop("db_session", None)
    if s is None:
        return response
    try:
        if response.status_code < 500:
            s.commit()
        else:
            s.rollback()
    finally:
        s.close()
    return response


def discard(exc: BaseException | None) -> None:
    """At each request's teardown: roll back what no response hook committed."""
    s: Session | None = g.pop("db_session", None)
    if s is not None:
        s.rollback()
        s.close()
