"""Worker tasks: what the console asks a worker (or whoever is on duty) to do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session, joinedload

from models import Client, ClientWorker, Role, Staff, Task, TaskKind

from .access import client_scope
from .errors import DomainError
from .events import TASK_CREATED, announce


def create_task(
    session: Session,
    *,
    kind: TaskKind,
    text: str,
    now: datetime,
    client_id: int | None = None,
    staff_id: int | None = None,
    for_role: Role | None = None,
    due_at: datetime | None = None,
    ref: str | None = None,
) -> Task:
    """Ask a person (``staff_id``) or whoever holds ``for_role`` to act; returns the task.

    With a ``ref``, an open task of the same kind and ref is returned instead of a second one,
    so a retried job or webhook never asks twice.
    """
    if staff_id is None and for_role is None:
        raise ValueError("a task needs a person or a role")
    if ref is not None:
        existing = session.scalar(
            select(Task).where(Task.kind == kind, Task.ref == ref, Task.done_at.is_(None))
        )
        if existing is not None:
            return existing
    task = Task(
        kind=kind,
        text=text,
        client_id=client_id,
        staff_id=staff_id,
        for_role=for_role,
        created_at=now,
        due_at=due_at,
        ref=ref,
    )
    session.add(task)
    session.flush()
    announce(session, TASK_CREATED, task.id)
    return task


def primary_worker(session: Session, client_id: int) -> Staff | None:
    """The client's first contact worker who still works here, if any."""
    return session.scalar(
        select(Staff)
        .join(ClientWorker, ClientWorker.staff_id == Staff.id)
        .where(ClientWorker.client_id == client_id, Staff.active)
        .order_by(ClientWorker.position, ClientWorker.id)
        .limit(1)
    )


def create_client_task(
    session: Session,
    *,
    client_id: int | None,
    kind: TaskKind,
    text: str,
    now: datetime,
    due_at: datetime | None = None,
    ref: str | None = None,
) -> Task:
    """A task about a client for their contact worker, or for whoever coordinates when they
    have none (or it is not about a client yet)."""
    worker = primary_worker(session, client_id) if client_id is not None else None
    return create_task(
        session,
        kind=kind,
        text=text,
        now=now,
        client_id=client_id,
        staff_id=worker.id if worker else None,
        for_role=None if worker else Role.COORDINATOR,
        due_at=due_at,
        ref=ref,
    )


def _addressed_to(staff: Staff) -> ColumnElement[bool]:
    """Tasks for this person, and tasks for a role they hold about a client they may see (or
    about no client yet): a coordinator gets their own unit's tasks, not every unit's."""
    roles = list(staff.role_set)
    about_visible_client = Task.client_id.is_(None) | exists().where(
        Client.id == Task.client_id, client_scope(staff)
    )
    for_my_role = and_(Task.for_role.in_(roles), about_visible_client) if roles else false()
    return or_(Task.staff_id == staff.id, for_my_role)


def open_tasks_for(session: Session, staff: Staff) -> list[Task]:
    """Open tasks for this person, and for any role they hold, oldest first."""
    query = (
        select(Task)
        .options(joinedload(Task.client))
        .where(Task.done_at.is_(None), _addressed_to(staff))
        .order_by(Task.created_at)
    )
    return list(session.scalars(query))


def _task_for(session: Session, task_id: int, staff: Staff) -> Task:
    task = session.scalar(select(Task).where(Task.id == task_id, _addressed_to(staff)))
    if task is None:
        raise DomainError("no such task for you", 404)
    return task


def acknowledge(session: Session, task_id: int, staff: Staff, now: datetime) -> Task:
    """Record that ``staff`` saw the task and takes it on (idempotent)."""
    task = _task_for(session, task_id, staff)
    if task.acknowledged_at is None:
        task.acknowledged_at = now
        task.acknowledged_by_id = staff.id
        session.flush()
    return task


def complete(session: Session, task_id: int, staff: Staff, now: datetime) -> Task:
    """Mark the task done (acknowledging it too, if nobody had)."""
    task = acknowledge(session, task_id, staff, now)
    if task.done_at is None:
        task.done_at = now
        task.done_by_id = staff.id
        session.flush()
    return task
