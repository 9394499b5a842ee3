"""Who matching may ask, in one query each: the active workers, and clients' regular workers.

Read as plain rows (no ORM objects): ranking 300 workers should not build 300 entities.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, select
from sqlalchemy.orm import Session

from models import ClientWorker, Role, Staff, StaffRole, SupportRequest

from . import criteria


@dataclass(frozen=True)
class Person:
    id: int
    unit_id: int | None
    first_name: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    home_lat: float | None
    home_lon: float | None
    #: The columns criteria name in ``worker_reads`` (``criteria.worker_reads``).
    facts: dict[str, object] = field(default_factory=dict, compare=False)


def _strings(value: str | None) -> tuple[str, ...]:
    """A stored JSON list, read as text."""
    return tuple(json.loads(value) or ()) if value is not None else ()


_COLUMNS = (
    Staff.id,
    Staff.unit_id,
    Staff.first_name,
    # As text on both databases (PostgreSQL would hand back lists), so rows can be keys.
    cast(Staff.skills, String),
    cast(Staff.languages, String),
    Staff.home_lat,
    Staff.home_lon,
)


@cache
def _queries(
    reads: tuple[str, ...],
) -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """Every active worker, and workers by id, with the columns the criteria read."""
    columns = (*_COLUMNS, *(getattr(Staff, name) for name in reads))
    workers = (
        select(*columns)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.active, StaffRole.role == Role.WORKER)
        .order_by(Staff.id)
    )
    by_id = select(*columns).where(Staff.id.in_(bindparam("ids", expanding=True)))
    return workers, by_id


_REGULAR = (
    select(ClientWorker.client_id, ClientWorker.staff_id)
    .join(Staff, Staff.id == ClientWorker.staff_id)
    .where(ClientWorker.client_id.in_(bindparam("ids", expanding=True)), Staff.active)
    .order_by(ClientWorker.client_id, ClientWorker.position, ClientWorker.id)
)


_persons: dict[tuple[object, ...], Person] = {}


def _person(row: Sequence[Any], reads: tuple[str, ...]) -> Person:
    """The worker a row describes; built once per distinct row (a changed worker is a new row,
    so nothing is ever stale)."""
    key = (reads, *row)
    if key not in _persons:
        if len(_persons) > 10_000:  # workers edited many times over in a long-running process
            _persons.clear()
        staff_id, unit_id, first_name, skills, languages, lat, lon, *extra = row
        _persons[key] = Person(
            staff_id,
            unit_id,
            first_name,
            _strings(skills),
            _strings(languages),
            lat,
            lon,
            dict(zip(reads, extra, strict=True)),
        )
    return _persons[key]


def active_workers(session: Session) -> list[Person]:
    """Every active worker, by id."""
    reads = criteria.worker_reads()
    rows = session.connection().execute(_queries(reads)[0]).all()
    return [_person(row, reads) for row in rows]


def people(session: Session, staff_ids: Iterable[int]) -> dict[int, Person]:
    wanted = list(set(staff_ids))
    if not wanted:
        return {}
    reads = criteria.worker_reads()
    rows = session.connection().execute(_queries(reads)[1], {"ids": wanted}).all()
    return {row[0]: _person(row, reads) for row in rows}


def regular_workers_of(session: Session, client_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each client's active regular workers, primary first (as ``booking.slots``)."""
    found: dict[int, list[int]] = defaultdict(list)
    if client_ids:
        rows = session.connection().execute(_REGULAR, {"ids": list(set(client_ids))}).all()
        for client_id, staff_id in rows:
            found[client_id].append(staff_id)
    return found


def unit_asked(request: SupportRequest, contact_unit: int | None) -> int | None:
    """Whose workers may be asked for a request: its client's unit; for a first contact (no
    client yet, so no unit), the unit of the coordinator handling it (``None``: every unit)."""
    return request.client.unit_id if request.client is not None else contact_unit


def others(workers: Iterable[Person], unit_id: int | None, regular: Sequence[int]) -> list[int]:
    """Active workers of the unit (any unit when none) who are not regular (as ``booking``)."""
    skip = set(regular)
    return [w.id for w in workers if w.id not in skip and (unit_id is None or w.unit_id == unit_id)]
