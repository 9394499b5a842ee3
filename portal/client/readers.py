""" "Vem har läst om mig?": the staff who opened a client's records, from the audit log, and the
one-button report of a reader the client did not expect (a task for the unit's manager)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from models import AuditEvent, Client, Proxy, Role, Staff, Task, TaskKind

from ..access import reads_of_query
from ..errors import DomainError
from ..tasks import create_task
from ..timeutil import local

#: Readers shown on one page.
PER_PAGE = 10

#: What was opened, in a client's words: ``client.*`` subjects are about them alone; every
#: other subject is a list (the day's visits, a queue) that had their name on it.
WHAT = {
    "client.record": _l("Hela din akt."),
    "client.visit": _l("Ett av dina besök."),
    "client.messages": _l("Dina meddelanden."),
    "client.plan": _l("Din plan."),
    "client.decisions": _l("Ditt beslut."),
    "client.reminders": _l("Dina påminnelser."),
}
ABOUT_YOU = _l("Något om dig.")
ON_A_LIST = _l("En lista med ditt namn.")
#: Staff roles, in words a client knows (one role per reader: the most senior they hold).
ROLE_WORDS = {
    Role.ADMIN: _l("En person som sköter systemet"),
    Role.MANAGER: _l("En chef"),
    Role.CASEWORKER: _l("En handläggare"),
    Role.COORDINATOR: _l("En samordnare"),
    Role.WORKER: _l("En personal"),
}
#: A staff member with no role left (switched off, roles taken away) is still a person.
SOMEONE = _l("En personal")


@dataclass(frozen=True)
class Reader:
    event_id: int
    at: datetime
    role: object
    #: The reader's name; None unless the municipality shows names (``READERS_SHOWN``).
    name: str | None
    what: object


@dataclass(frozen=True)
class ReadersPage:
    readers: list[Reader]
    page: int
    has_older: bool


def what_was_read(subject: str) -> object:
    if subject in WHAT:
        return WHAT[subject]
    return ABOUT_YOU if subject.startswith("client.") else ON_A_LIST


def role_words(staff: Staff | None) -> object:
    roles = staff.role_set if staff is not None else set()
    return next((words for role, words in ROLE_WORDS.items() if role in roles), SOMEONE)


def _staff_reads(client_id: int):
    """Reads of the client's data by a member of staff (not a proxy switching clients)."""
    return reads_of_query(client_id).where(AuditEvent.actor_staff_id.is_not(None))


def readers(session: Session, client_id: int, page: int, show_names: bool) -> ReadersPage:
    """One page of the staff who read the client's data, newest first (pages count from 1)."""
    page = max(page, 1)
    events = list(
        session.scalars(_staff_reads(client_id).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE))
    )
    ids = {e.actor_staff_id for e in events}
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}
    shown = [
        Reader(
            event_id=e.id,
            at=e.at,
            role=role_words(staff.get(e.actor_staff_id)),
            name=staff[e.actor_staff_id].full_name
            if show_names and e.actor_staff_id in staff
            else None,
            what=what_was_read(e.subject),
        )
        for e in events[:PER_PAGE]
    ]
    return ReadersPage(shown, page, has_older=len(events) > PER_PAGE)


def report_reader(
    session: Session, client: Client, event_id: int, now: datetime, proxy: Proxy | None = None
) -> Task:
    """Ask the manager of the client's unit to look into one read; pressing twice asks once.

    Only a read of this client's own data can be reported: any other id is "not found", the
    same as an id that does not exist. A proxy who asks is named, so the manager answers both.
    """
    event = session.scalar(_staff_reads(client.id).where(AuditEvent.id == event_id))
    if event is None:
        raise DomainError(_l("Vi hittar inte det du vill fråga om."), 404)
    reader = session.scalar(
        select(Staff).options(lazyload(Staff.roles)).where(Staff.id == event.actor_staff_id)
    )
    who = reader.full_name if reader else f"personal {event.actor_staff_id}"
    when = local(event.at).strftime("%Y-%m-%d %H:%M")
    return create_task(
        session,
        kind=TaskKind.UNEXPECTED_READER,
        text=(
            f"{client.first_name} {client.last_name} undrar varför {who} läste "
            f"{event.subject} {when}. Ta reda på det och svara {client.first_name}."
            + (f" Frågan kom från {proxy.name}, som hjälper {client.first_name}." if proxy else "")
        ),
        now=now,
        client_id=client.id,
        for_role=Role.MANAGER,
        ref=f"audit:{event.id}",
    )


def reported(session: Session, client_id: int, event_ids: list[int]) -> set[int]:
    """Which of these reads the client has already reported (the task may still be open)."""
    refs = {f"audit:{i}": i for i in event_ids}
    found = session.scalars(
        select(Task.ref).where(
            Task.kind == TaskKind.UNEXPECTED_READER,
            Task.client_id == client_id,
            Task.ref.in_(refs),
        )
    )
    return {refs[ref] for ref in found if ref in refs}
