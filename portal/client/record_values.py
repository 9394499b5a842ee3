"""How a value of the client's records is written in the file: plain JSON, times as ISO 8601."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Staff


def when(moment: datetime | date | time | None) -> str | None:
    """A moment, day or time of day as ISO 8601 text (times in UTC); None stays None."""
    return None if moment is None else moment.isoformat()


def name_of(staff: Staff | None) -> str | None:
    """A member of staff by their full name; None for nobody."""
    return staff.full_name if staff is not None else None


def newest(session: Session, model: Any, client_id: int, at: Any) -> list[Any]:
    """Rows of ``model`` about the client, newest ``at`` first."""
    query = select(model).where(model.client_id == client_id).order_by(at.desc(), model.id.desc())
    return list(session.scalars(query))
