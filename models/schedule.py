"""Whether the schedule changed: a stamp that any write to what matching reads changes.

Matching keeps each day's visits, the workers and their hours in memory between requests (see
``portal.lightsupport.snapshot``); it may reuse them only while nothing they came from changed,
in any process. The database itself records every such write, through triggers (migration
0012), so no code path can forget to: a write to ``visits`` (start, end, status, worker,
client), ``availability``, ``working_hours``, ``staff_roles``, the matched fields of ``staff``,
or a client's home adds a row with a random token to ``schedule_changes``.

The stamp is the number of rows and the sum of their tokens. Any change of the set of rows a
transaction can see (a commit anywhere, its own uncommitted write, rows pruned) changes the
stamp, and a rolled-back write's random token never comes back, so a stamp is never reused for
a different schedule (but with odds of about one in a trillion). On SQLite, where writers take
turns, the triggers keep a single row and replace its token; on PostgreSQL each statement adds
a row (no row every writer must lock), and ``prune`` removes old ones.

A migration that rebuilds one of these tables on SQLite (``batch_alter_table``) drops its
triggers: recreate them (``tests/models/test_schedule_stamp.py`` notices).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Connection, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: Tokens below 2**40, so millions of them sum without overflow.
TOKEN_RANGE = 2**40

Stamp = tuple[int, int]


class ScheduleChange(Base):
    __tablename__ = "schedule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)
    #: When the row was written (set by the triggers from the database's clock, in UTC).
    at: Mapped[datetime]


_STAMP = select(func.count(ScheduleChange.id), func.coalesce(func.sum(ScheduleChange.token), 0))


def schedule_stamp(connection: Connection) -> Stamp:
    count, total = connection.execute(_STAMP).one()
    return int(count), int(total)


def prune_schedule_changes(connection: Connection, before: datetime) -> int:
    """Remove rows written before ``before``, always keeping the newest, so the table stays
    short and never becomes empty again once anything changed."""
    newest = select(func.max(ScheduleChange.id)).scalar_subquery()
    result = connection.execute(
        delete(ScheduleChange).where(ScheduleChange.at < before, ScheduleChange.id < newest)
    )
    return result.rowcount
