"""What matching reads of the schedule, kept in memory while the schedule stays the same.

Ranking one request reads every worker, their hours that weekday and every visit of the day
(~1,700 rows for 300 workers): most of what a suggestion costs. The console asks for many
suggestions while the schedule changes now and then, so each process keeps what it read, per
database, under the stamp it read it with (``models.schedule``: the database itself records
every write these depend on, from any process). A transaction asks for the stamps first and
takes only what was read under the same stamps of the tables it came from; anything else is
read again. A booked visit thus reloads the day's visits but not the workers or their hours.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from threading import Lock
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from models import Database, prune_schedule_changes, schedule_stamps, utcnow

from .freetime import VisitArrays, homes, hours_on, visit_arrays
from .people import Person, active_workers

T = TypeVar("T")

#: Entries kept per database (a day's visits of 300 workers take about 60 kB).
KEEP = 64
#: Stamp rows older than this are pruned (no transaction runs for an hour).
PRUNE_AFTER = timedelta(hours=1)


class _Store:
    def __init__(self) -> None:
        self.lock = Lock()
        self.entries: OrderedDict[tuple[object, object], object] = OrderedDict()

    def get(self, stamp: object, key: object, load: Callable[[], T]) -> T:
        with self.lock:
            if (stamp, key) in self.entries:
                self.entries.move_to_end((stamp, key))
                return self.entries[(stamp, key)]  # type: ignore[return-value]
        value = load()  # outside the lock: another thread may load the same; both are right
        with self.lock:
            self.entries[(stamp, key)] = value
            while len(self.entries) > KEEP:
                self.entries.popitem(last=False)
        return value


_stores: WeakKeyDictionary[Engine, _Store] = WeakKeyDictionary()
_stores_lock = Lock()


class Snapshot:
    """The schedule as one transaction sees it, from memory where it may be."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stamps = schedule_stamps(session.connection())
        engine = session.get_bind()
        with _stores_lock:
            self._store = _stores.setdefault(engine, _Store())  # type: ignore[arg-type]

    def _stamp(self, *tables: str) -> tuple[tuple[int, int], ...]:
        return tuple(self.stamps.get(table, (0, 0)) for table in tables)

    def workers(self) -> list[Person]:
        return self._store.get(
            self._stamp("staff", "staff_roles"), "workers", lambda: active_workers(self.session)
        )

    def hours(self, weekday: int) -> dict[int, list[tuple[int, time, time]]]:
        return self._store.get(
            self._stamp("working_hours"),
            ("hours", weekday),
            lambda: hours_on(self.session, [weekday]),
        )

    def visits(self, start: datetime, end: datetime, *, ending_at_start: bool) -> VisitArrays:
        return self._store.get(
            self._stamp("visits"),
            ("visits", start, end, ending_at_start),
            lambda: visit_arrays(self.session, start, end, ending_at_start=ending_at_start),
        )

    def homes(self, client_ids: Iterable[int]) -> dict[int, tuple[float | None, float | None]]:
        known: dict[int, tuple[float | None, float | None]] = self._store.get(
            self._stamp("clients"), "homes", dict
        )
        wanted = set(client_ids)
        missing = wanted - known.keys()
        if missing:
            found = homes(self.session, missing)
            with self._store.lock:
                known.update(found)
        return {c: known[c] for c in wanted if c in known}


def prune(db: Database) -> None:
    """Keep the stamp's table short (the scheduler runs this every hour)."""
    with db.transaction() as session:
        prune_schedule_changes(session.connection(), utcnow() - PRUNE_AFTER)
