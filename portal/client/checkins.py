""" "Hur mår du?": recording a check-in, and the timed ladder that follows a red answer.

Red: the client's worker gets a task at once (and an SMS that says only that something is
urgent). When nobody has acknowledged it within ``coordinator_after``, the coordinator on duty
gets a task; when still nobody has within ``escalate_after``, the caseworker gets an
UNRESOLVED_RED escalation. Acknowledging either task stops the ladder. Three yellows in a row
ask the worker to follow up. One periodic job (``run_ladder``) climbs the ladder for all clients.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    CheckIn,
    Client,
    Database,
    EscalationType,
    Mood,
    Role,
    Staff,
    Task,
    TaskKind,
)
from reminders.outbox import queue_sms

from .. import tasks
from ..config import Settings
from ..escalations import raise_escalation

log = logging.getLogger(__name__)
YELLOWS_IN_A_ROW = 3
#: Red answers older than this are left to the people who already have them.
LADDER_HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class LadderTimes:
    coordinator_after: timedelta = timedelta(minutes=15)
    escalate_after: timedelta = timedelta(minutes=60)


def ladder_times(settings: Settings) -> LadderTimes:
    """The ladder's steps as the settings give them (RED_COORDINATOR_MINUTES and the next)."""
    return LadderTimes(
        coordinator_after=timedelta(minutes=settings.red_coordinator_minutes),
        escalate_after=timedelta(minutes=settings.red_escalation_minutes),
    )


def record_check_in(
    session: Session,
    client: Client,
    mood: Mood,
    now: datetime,
    nonce: str | None,
    public_url: str,
    times: LadderTimes = LadderTimes(),
) -> CheckIn:
    """Record the client's answer and start what it asks for; a repeated form counts once."""
    if nonce:
        earlier = session.scalar(select(CheckIn).where(CheckIn.nonce == nonce))
        if earlier is not None and earlier.client_id == client.id:
            return earlier
    check_in = CheckIn(client_id=client.id, mood=mood, created_at=now, nonce=nonce or None)
    try:
        with session.begin_nested():
            session.add(check_in)
            session.flush()
    except IntegrityError:  # the same form arrived twice at once; the first one counts
        return session.scalar(select(CheckIn).where(CheckIn.nonce == nonce))
    worker = tasks.primary_worker(session, client.id)
    if mood is Mood.RED:
        _alert_worker(session, check_in, client, worker, now, public_url, times)
    elif mood is Mood.YELLOW and _yellows_in_a_row(session, client.id) >= YELLOWS_IN_A_ROW:
        tasks.create_client_task(
            session,
            client_id=client.id,
            kind=TaskKind.CHECK_IN_FOLLOW_UP,
            text=f"{client.first_name} har svarat ”Sådär” {YELLOWS_IN_A_ROW} gånger i rad. "
            "Hör av dig.",
            now=now,
            due_at=now + timedelta(days=1),
            ref=f"yellows:{client.id}",
        )
    return check_in


def _alert_worker(
    session: Session,
    check_in: CheckIn,
    client: Client,
    worker: Staff | None,
    now: datetime,
    public_url: str,
    times: LadderTimes,
) -> None:
    task = tasks.create_task(
        session,
        kind=TaskKind.RED_CHECK_IN,
        text=f"{client.first_name} har svarat ”Jag mår dåligt”. Ring {client.first_name}.",
        now=now,
        client_id=client.id,
        staff_id=worker.id if worker else None,
        for_role=None if worker else Role.COORDINATOR,
        due_at=now + times.coordinator_after,
        # One open task per client: a second red while the first is open joins it.
        ref=f"red:{client.id}",
    )
    check_in.task_id = task.id
    if worker is None:
        check_in.coordinator_task_id = task.id
    session.flush()
    if worker is not None and worker.phone:
        # Nothing about the client or their answer: only that something urgent waits.
        queue_sms(
            session,
            worker.phone,
            f"Bråttom: en klient vill ha kontakt. Se Att göra: {public_url}/personal/idag",
            purpose="red_check_in",
            staff_id=worker.id,
        )


def _yellows_in_a_row(session: Session, client_id: int) -> int:
    recent = session.scalars(
        select(CheckIn.mood)
        .where(CheckIn.client_id == client_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(YELLOWS_IN_A_ROW)
    )
    count = 0
    for mood in recent:
        if mood is not Mood.YELLOW:
            break
        count += 1
    return count


def _acknowledger(session: Session, check_in: CheckIn) -> Task | None:
    for task_id in (check_in.task_id, check_in.coordinator_task_id):
        task = session.get(Task, task_id) if task_id else None
        if task is not None and task.acknowledged_at is not None:
            return task
    return None


def _settle(session: Session, check_in: CheckIn, by: Task) -> None:
    """Someone took the red answer on: remember who, and close the coordinator's copy."""
    check_in.acknowledged_at = by.acknowledged_at
    check_in.acknowledged_by_id = by.acknowledged_by_id
    other = (
        session.get(Task, check_in.coordinator_task_id) if check_in.coordinator_task_id else None
    )
    if other is not None and other.id != by.id and other.done_at is None:
        other.acknowledged_at = other.acknowledged_at or by.acknowledged_at
        other.acknowledged_by_id = other.acknowledged_by_id or by.acknowledged_by_id
        other.done_at = by.acknowledged_at
        other.done_by_id = by.acknowledged_by_id


def climb(
    session: Session, now: datetime, zone: ZoneInfo, times: LadderTimes = LadderTimes()
) -> int:
    """Take every waiting red answer one step up the ladder when its time has come.

    Returns how many steps were taken. Rows are locked (skipped when another process holds
    them on PostgreSQL), so two processes never take the same step twice.
    """
    pending = session.scalars(
        select(CheckIn)
        .where(
            CheckIn.mood == Mood.RED,
            CheckIn.acknowledged_at.is_(None),
            CheckIn.escalation_id.is_(None),
            CheckIn.created_at > now - LADDER_HORIZON,
        )
        .order_by(CheckIn.created_at)
        .with_for_update(skip_locked=True)
    ).all()
    steps = 0
    for check_in in pending:
        by = _acknowledger(session, check_in)
        if by is not None:
            _settle(session, check_in, by)
            continue
        age = now - check_in.created_at
        client = session.get(Client, check_in.client_id)
        assert client is not None
        if age >= times.coordinator_after and check_in.coordinator_task_id is None:
            task = tasks.create_task(
                session,
                kind=TaskKind.RED_CHECK_IN,
                text=f"{client.first_name} mår dåligt och ingen boendestödjare har svarat. "
                f"Ring {client.first_name}.",
                now=now,
                client_id=client.id,
                for_role=Role.COORDINATOR,
                due_at=check_in.created_at + times.escalate_after,
                ref=f"red-coordinator:{client.id}",
            )
            check_in.coordinator_task_id = task.id
            steps += 1
        if age >= times.escalate_after:
            escalation = raise_escalation(
                session,
                client=client,
                kind=EscalationType.UNRESOLVED_RED,
                reason=f"{client.first_name} svarade ”Jag mår dåligt” och ingen har tagit "
                f"emot det på {int(times.escalate_after.total_seconds() // 60)} minuter.",
                source="check_in",
                now=now,
                zone=zone,
                evidence=[{"kind": "check_in", "id": check_in.id, "mood": "red"}],
            )
            check_in.escalation_id = escalation.id
            steps += 1
    session.flush()
    return steps


def run_ladder(db: Database, now: datetime, zone: ZoneInfo, times: LadderTimes) -> int:
    """The periodic job: one transaction per run."""
    with db.transaction() as session:
        steps = climb(session, now, zone, times)
    if steps:
        log.info("check-in ladder took %s step(s)", steps)
    return steps


def acknowledge_task(session: Session, task_id: int, staff: Staff, now: datetime) -> Task:
    """A worker (or coordinator) takes a task on; a red answer behind it stops climbing."""
    task = tasks.acknowledge(session, task_id, staff, now)
    if task.kind is TaskKind.RED_CHECK_IN:
        waiting = session.scalars(
            select(CheckIn).where(
                (CheckIn.task_id == task.id) | (CheckIn.coordinator_task_id == task.id),
                CheckIn.acknowledged_at.is_(None),
            )
        )
        for check_in in waiting:
            _settle(session, check_in, task)
        session.flush()
    return task


@dataclass(frozen=True)
class NextStep:
    """What the client reads after answering: who will contact them, and whether they saw it."""

    mood: Mood
    worker_name: str | None
    seen_by: str | None


def next_step(session: Session, check_in: CheckIn) -> NextStep:
    worker = tasks.primary_worker(session, check_in.client_id)
    seen_by = None
    if check_in.acknowledged_by_id:
        staff = session.get(Staff, check_in.acknowledged_by_id)
        seen_by = staff.first_name if staff else None
    return NextStep(check_in.mood, worker.first_name if worker else None, seen_by)


def latest_check_in(session: Session, client_id: int, since: datetime) -> CheckIn | None:
    return session.scalar(
        select(CheckIn)
        .where(CheckIn.client_id == client_id, CheckIn.created_at >= since)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    )


MOODS = {"green": Mood.GREEN, "yellow": Mood.YELLOW, "red": Mood.RED}
UNKNOWN_MOOD = _l("Tryck på en av knapparna.")
