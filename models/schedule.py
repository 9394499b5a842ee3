"""Whether the schedule changed: a stamp that any write to what matching reads changes.

Matching keeps each day's visits, the workers and their hours in memory between requests (see
``portal.lightsupport.snapshot``); it may reuse them only while nothing they came from changed,
in any process. The database itself records every such write, through triggers (migration
0012), so no code path can forget to: a write to ``visits`` (start, end, status, worker,
client), ``availability``, ``working_hours``, ``staff_roles``, the matched fields of ``staff``,
or a client's home adds a row with a random token to ``schedule_changes``.

Each row names the table written (``source``). A table's stamp is the number of its rows and
the sum of their tokens: any change of the set of rows a transaction can see (a commit
anywhere, its own uncommitted write, rows pruned) changes it, and a rolled-back write's random
token never comes back, so a stamp is never reused for a different state of the table (but
with odds of about one in a trillion). What is kept in memory is checked against the stamps of
the tables it came from only, so a booked visit leaves the workers and their hours in memory.
On SQLite, where writers take turns, the triggers keep one row per table and replace its
token; on PostgreSQL each statement adds a row (no row every writer must lock), and
``prune_schedule_changes`` removes old ones.

A migration that rebuilds one of these tables on SQLite (``batch_alter_table``) drops its
triggers: recreate them (``tests/models/test_schedule_stamp.py`` notices).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Connection, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: Tokens below 2**40, so millions of them sum without overflow.
TOKEN_RANGE = 2**40

#: Each watched table's (number of rows, sum of tokens); a table never written is absent.
Stamps = dict[str, tuple[int, int]]


class ScheduleChange(Base):
    __tablename__ = "schedule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The table written.
    source: Mapped[str] = mapped_column(String(40))
    token: Mapped[int] = mapped_column(BigInteger)
    #: When the row was written (set by the triggers from the database's clock, in UTC).
    at: Mapped[datetime]


_STAMPS = select(
    ScheduleChange.source, func.count(ScheduleChange.id), func.sum(ScheduleChange.token)
).group_by(ScheduleChange.source)


def schedule_stamps(connection: Connection) -> Stamps:
    return {source: (int(n), int(total)) for source, n, total in connection.execute(_STAMPS)}


def prune_schedule_changes(connection: Connection, before: datetime) -> int:
    """Remove rows written before ``before``, always keeping each table's newest, so the table
    stays short and a table's stamp never goes back to "never written"."""
    newest = select(func.max(ScheduleChange.id)).group_by(ScheduleChange.source)
    result = connection.execute(
        delete(ScheduleChange).where(ScheduleChange.at < before, ScheduleChange.id.not_in(newest))
    )
    return result.rowcount
