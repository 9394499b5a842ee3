"""Reminder rules become outbox rows: occurrences in local time, each queued exactly once.

One periodic job (``expand``) looks a bounded horizon ahead. Clock rules (one-off, daily,
chosen weekdays) remember how far they are expanded, so each is looked at a few times a day;
visit rules look at the planned visits inside the horizon on every pass, so a visit booked,
moved or cancelled at any time is picked up (a visit booked days ahead is never skipped).
Every occurrence has a ``dedupe_key``, and rows are inserted with ON CONFLICT DO NOTHING: two
processes expanding at once, or one expanding twice, still queue each occurrence once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from models import (
    Client,
    Consent,
    Database,
    Outbox,
    OutboxKind,
    OutboxState,
    Proxy,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Visit,
    VisitStatus,
    rows_changed,
)
from models.numbers import whole_number

from .outbox import PROXY_PURPOSE, cancel_queued
from .texts import render
from .timing import QUIET_FROM, QUIET_UNTIL

log = logging.getLogger(__name__)

#: How far ahead occurrences are queued. Bounded: the outbox holds two days, not a year.
HORIZON = timedelta(hours=48)
#: A clock rule is expanded again when less than this is left of its horizon.
REFILL = timedelta(hours=6)
#: An occurrence found this late (the job was down) is still sent; older ones are skipped.
GRACE = timedelta(hours=1)
#: A clock reminder not sent within this long of its time is pointless (and may mislead).
CLOCK_EXPIRY = timedelta(hours=12)
#: Default answer window for "Svara 1 när du har gjort det", in minutes.
DEFAULT_REPLY_WINDOW = 60
#: Check-in calls: the worker is told if no key was pressed within this many minutes.
CALL_REPLY_WINDOW = 30
#: The defaults for a visit: the day before at 18:00, and one hour before.
DEFAULT_VISIT_REMINDERS = ({"days_before": 1, "local_time": time(18, 0)}, {"offset_minutes": 60})
#: The latest moment before the evening quiet hours that a visit reminder moves back to.
EVENING_LAST = time(20, 45)
CHUNK = 500


@dataclass(frozen=True)
class Context:
    zone: ZoneInfo
    #: Our public base URL; SMS link to the client's day page.
    public_url: str

    @property
    def link(self) -> str:
        return f"{self.public_url}/min-dag"


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``, as UTC.

    A time that does not exist (02:30 on the March change) falls an hour later, at 03:30; one
    that happens twice (02:30 on the October change) is taken once, the first time.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def clock_occurrences(
    rule: ReminderRule, start: datetime, end: datetime, zone: ZoneInfo
) -> Iterator[datetime]:
    """The moments in [start, end) at which a one-off, daily or weekday rule falls due."""
    if rule.recurrence is Recurrence.ONCE:
        if rule.once_at is not None and start <= rule.once_at < end:
            yield rule.once_at
        return
    if rule.local_time is None:
        return
    weekdays = parse_weekdays(rule.weekdays) if rule.recurrence is Recurrence.WEEKDAYS else None
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        inside = (rule.starts_on is None or day >= rule.starts_on) and (
            rule.ends_on is None or day <= rule.ends_on
        )
        if inside and (weekdays is None or day.weekday() in weekdays):
            moment = local_moment(day, rule.local_time, zone)
            if start <= moment < end:
                yield moment
        day += timedelta(days=1)


def parse_weekdays(text: str | None) -> set[int]:
    days = (whole_number(p) for p in (text or "").split(","))
    return {d for d in days if d is not None and d < 7}


def visit_reminder_time(rule: ReminderRule, visit: Visit, zone: ZoneInfo) -> datetime | None:
    """When ``rule`` reminds of ``visit``, moved out of the quiet hours; None to skip it."""
    start = visit.planned_start
    if rule.days_before is not None and rule.local_time is not None:
        day = start.astimezone(zone).date() - timedelta(days=rule.days_before)
        moment = local_moment(day, rule.local_time, zone)
    else:
        moment = start - timedelta(minutes=rule.offset_minutes or 60)
    if rule.allow_quiet_hours:
        return moment
    local = moment.astimezone(zone)
    if local.time() >= QUIET_FROM:
        moment = local_moment(local.date(), EVENING_LAST, zone)
    elif local.time() < QUIET_UNTIL:
        moment = local_moment(local.date(), QUIET_UNTIL, zone)
        if moment > start - timedelta(minutes=15):
            return None  # too close to the visit; the evening-before reminder has it covered
    return moment


def _visit_text(visit: Visit, moment: datetime, ctx: Context, language: str) -> str:
    start = visit.planned_start.astimezone(ctx.zone)
    days = (start.date() - moment.astimezone(ctx.zone).date()).days
    params: dict[str, Any] = {
        "worker": visit.staff.first_name,
        "time": start.strftime("%H:%M"),
        "link": ctx.link,
    }
    if days == 0:
        return render("visit_today", language, **params)
    if days == 1:
        return render("visit_tomorrow", language, **params)
    return render("visit_on", language, date=f"{start.day}/{start.month}", **params)


def reminder_text(rule: ReminderRule, language: str) -> str:
    if rule.channel is ReminderChannel.CALL:
        return render("call_greeting", language, text=rule.text.strip())
    key = "reminder_reply" if rule.ask_reply else "reminder"
    return render(key, language, text=rule.text.strip())


def _row(rule: ReminderRule, client: Client, due: datetime, key: str, body: str) -> dict:
    call = rule.channel is ReminderChannel.CALL
    window = (
        CALL_REPLY_WINDOW
        if call
        else ((rule.reply_within_minutes or DEFAULT_REPLY_WINDOW) if rule.ask_reply else None)
    )
    return {
        "kind": OutboxKind.CALL if call else OutboxKind.SMS,
        "to_phone": client.phone,
        "body": body,
        "purpose": "reminder",
        "client_id": client.id,
        "rule_id": rule.id,
        "dedupe_key": key,
        "due_at": due,
        "next_attempt_at": due,
        "state": OutboxState.QUEUED,
        "attempts": 0,
        "quiet_hours": not rule.allow_quiet_hours,
        "expires_at": due + CLOCK_EXPIRY,
        "reply_window_minutes": window,
        "created_at": datetime.now(UTC),
    }


def receiving_proxies(session: Session, client_ids: set[int]) -> dict[int, list[Proxy]]:
    """Proxies who get copies of a client's reminders, under consent not withdrawn."""
    if not client_ids:
        return {}
    found: dict[int, list[Proxy]] = {}
    for proxy in session.scalars(
        select(Proxy)
        .join(Consent, Proxy.consent_id == Consent.id)
        .where(
            Proxy.client_id.in_(client_ids),
            Proxy.active,
            Proxy.gets_reminders,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Proxy.id)
    ):
        found.setdefault(proxy.client_id, []).append(proxy)
    return found


def proxy_copies(row: dict, proxies: list[Proxy], client: Client, text: str) -> list[dict]:
    """An SMS copy of ``row`` for each proxy: it names the client, asks no reply, never calls."""
    key, at = row["dedupe_key"].split("@", 1)  # visit reminders are withdrawn by the "@" part
    body = render("proxy_copy", client.language, name=client.first_name, text=text)
    return [
        {
            **row,
            "kind": OutboxKind.SMS,
            "to_phone": proxy.phone,
            "body": body,
            "purpose": f"{row['purpose']}{PROXY_PURPOSE}",
            "dedupe_key": f"{key}p{proxy.id}@{at}",
            "reply_window_minutes": None,
        }
        for proxy in proxies
    ]


def _insert(session: Session, db: Database, rows: list[dict]) -> int:
    if not rows:
        return 0
    insert = pg_insert if db.is_postgres else sqlite_insert
    added = 0
    for i in range(0, len(rows), 100):  # SQLite allows some 32,000 parameters per statement
        statement = (
            insert(Outbox)
            .values(rows[i : i + 100])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += rows_changed(session.execute(statement))
    return added


def expand_clock_rules(db: Database, now: datetime, ctx: Context) -> int:
    """Queue the next occurrences of one-off, daily and weekday rules; return rows added."""
    added = 0
    end = now + HORIZON
    while True:
        with db.transaction() as session:
            query = (
                select(ReminderRule)
                .options(joinedload(ReminderRule.client))
                .where(
                    ReminderRule.active,
                    ReminderRule.channel != ReminderChannel.PORTAL,
                    ReminderRule.recurrence != Recurrence.VISIT,
                    or_(
                        ReminderRule.expanded_until.is_(None),
                        ReminderRule.expanded_until < end - REFILL,
                    ),
                )
                .order_by(ReminderRule.id)
                .limit(CHUNK)
            )
            if db.is_postgres:
                query = query.with_for_update(skip_locked=True, of=ReminderRule)
            rules = list(session.scalars(query).unique())
            proxies = receiving_proxies(session, {rule.client_id for rule in rules})
            rows = []
            for rule in rules:
                start = max(rule.expanded_until or rule.created_at, now - GRACE)
                client = rule.client
                if client.active:
                    body = reminder_text(rule, client.language)
                    copy = render("reminder", client.language, text=rule.text.strip())
                    for due in clock_occurrences(rule, start, end, ctx.zone):
                        key = f"r{rule.id}@{due:%Y%m%dT%H%MZ}"
                        rows.append(_row(rule, client, due, key, body))
                        rows += proxy_copies(rows[-1], proxies.get(client.id, []), client, copy)
                rule.expanded_until = end
            added += _insert(session, db, rows)
        if len(rules) < CHUNK:
            return added


def expand_visit_rules(db: Database, now: datetime, ctx: Context) -> int:
    """Queue reminders for planned visits inside the horizon; withdraw stale ones."""
    with db.transaction() as session:
        rules = list(
            session.scalars(
                select(ReminderRule).where(
                    ReminderRule.active,
                    ReminderRule.recurrence == Recurrence.VISIT,
                    ReminderRule.channel != ReminderChannel.PORTAL,
                )
            )
        )
        if not rules:
            withdraw_stale_visit_reminders(session, now)
            return 0
        by_client: dict[int, list[ReminderRule]] = {}
        for rule in rules:
            by_client.setdefault(rule.client_id, []).append(rule)
        visits = session.scalars(
            select(Visit)
            .options(joinedload(Visit.staff), joinedload(Visit.client))
            .where(
                Visit.status == VisitStatus.PLANNED,
                Visit.planned_start > now,
                Visit.planned_start < now + HORIZON + timedelta(days=2),
                Visit.client_id.in_(list(by_client)),
            )
        )
        proxies = receiving_proxies(session, set(by_client))
        rows = []
        for visit in visits:
            client = visit.client
            if not client.active:
                continue
            for rule in by_client[visit.client_id]:
                if rule.visit_id not in (None, visit.id):
                    continue
                due = visit_reminder_time(rule, visit, ctx.zone)
                if due is None or not (now - GRACE <= due < now + HORIZON):
                    continue
                key = f"v{visit.id}r{rule.id}@{visit.planned_start:%Y%m%dT%H%MZ}"
                text = _visit_text(visit, due, ctx, client.language)
                row = _row(rule, client, due, key, text)
                row.update(purpose="visit_reminder", visit_id=visit.id, quiet_hours=False)
                row["expires_at"] = visit.planned_start
                if rule.channel is ReminderChannel.CALL:
                    row["body"] = render("call_greeting", client.language, text=text)
                rows.append(row)
                rows += proxy_copies(row, proxies.get(client.id, []), client, text)
        added = _insert(session, db, rows)
        withdraw_stale_visit_reminders(session, now)
        return added


def withdraw_stale_visit_reminders(session: Session, now: datetime) -> int:
    """Cancel queued reminders of visits that were cancelled or moved since they were queued."""
    queued = session.execute(
        select(Outbox.id, Outbox.dedupe_key, Visit.status, Visit.planned_start)
        .join(Visit, Outbox.visit_id == Visit.id)
        .where(Outbox.state == OutboxState.QUEUED)
    )
    stale = [
        r.id
        for r in queued
        if r.status is not VisitStatus.PLANNED
        or not (r.dedupe_key or "").endswith(f"@{r.planned_start:%Y%m%dT%H%MZ}")
    ]
    if stale:
        cancel_queued(session, Outbox.id.in_(stale), why="visit cancelled or moved")
    return len(stale)


def expand(db: Database, ctx: Context, now: datetime | None = None) -> int:
    """The periodic job: queue what falls due within the horizon; return rows added."""
    now = now or datetime.now(UTC)
    added = expand_clock_rules(db, now, ctx) + expand_visit_rules(db, now, ctx)
    if added:
        log.info("queued %s reminders", added)
    return added
