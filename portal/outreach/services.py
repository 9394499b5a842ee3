"""Reminder rules set with the client, and what the worker sees of sent and answered ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Client,
    InboundMessage,
    Outbox,
    OutboxState,
    Recurrence,
    ReminderChannel,
    ReminderRule,
)
from reminders.expansion import DEFAULT_REPLY_WINDOW, DEFAULT_VISIT_REMINDERS, local_moment
from reminders.outbox import cancel_queued
from reminders.texts import sensitive_words
from reminders.timing import QUIET_FROM, QUIET_UNTIL

from ..errors import DomainError

PURPOSE = {
    "reminder": _l("påminnelse"),
    "visit_reminder": _l("besökspåminnelse"),
    "reminder_proxy": _l("påminnelse, kopia till ombud"),
    "visit_reminder_proxy": _l("besökspåminnelse, kopia till ombud"),
    "login_code": _l("inloggningskod"),
    "opt_out": _l("bekräftelse på STOPP"),
    "opt_in": _l("bekräftelse på START"),
    "call_offer": _l("erbjudande om samtal"),
}
STATE = {
    "queued": _l("väntar"),
    "sending": _l("skickas"),
    "sent": _l("skickat"),
    "delivered": _l("levererat"),
    "failed": _l("gick inte fram"),
    "cancelled": _l("stoppat"),
}
MEANING = {
    "confirm": _l("bekräftade"),
    "cancel": _l("vill avboka"),
    "stop": _l("STOPP"),
    "start": _l("START"),
    "message": _l("meddelande"),
}


WEEKDAY_NAMES = (
    _l("måndag"),
    _l("tisdag"),
    _l("onsdag"),
    _l("torsdag"),
    _l("fredag"),
    _l("lördag"),
    _l("söndag"),
)


def when_words(rule: ReminderRule, zone: ZoneInfo) -> str:
    """When a rule reminds, in plain words: "Varje dag kl 08:00", "Måndag, torsdag kl 09:00"."""
    at = rule.local_time.strftime("%H:%M") if rule.local_time else ""
    if rule.recurrence is Recurrence.VISIT:
        if rule.days_before:
            return gettext("Dagen före besöket kl %(time)s", time=at)
        if rule.offset_minutes == 60:
            return gettext("1 timme före besöket")
        return gettext("%(minutes)s minuter före besöket", minutes=rule.offset_minutes)
    if rule.recurrence is Recurrence.ONCE and rule.once_at is not None:
        moment = rule.once_at.astimezone(zone)
        day = format_date(moment, "EEEE d MMMM")
        return gettext("%(day)s kl %(time)s", day=day[:1].upper() + day[1:], time=f"{moment:%H:%M}")
    if rule.recurrence is Recurrence.DAILY:
        return gettext("Varje dag kl %(time)s", time=at)
    days = ", ".join(str(WEEKDAY_NAMES[int(d)]) for d in (rule.weekdays or "").split(",") if d)
    return gettext("Varje %(days)s kl %(time)s", days=days, time=at)


@dataclass(frozen=True)
class RuleInput:
    text: str
    channel: ReminderChannel
    recurrence: Recurrence
    local_time: time | None = None
    on_date: date | None = None
    weekdays: tuple[int, ...] = ()
    ask_reply: bool = False
    #: An unanswered reply also goes to the caseworker as an escalation.
    important: bool = False
    reply_within_minutes: int | None = None
    #: The client chose a time between 21 and 08 themselves.
    client_chose_time: bool = False


def in_quiet_hours(at: time) -> bool:
    return at >= QUIET_FROM or at < QUIET_UNTIL


def check_rule(data: RuleInput, now: datetime, zone: ZoneInfo) -> None:
    """Refuse a rule that cannot work or would break the SMS rules; say why in plain words."""
    text = data.text.strip()
    if not text:
        raise DomainError(_l("Skriv vad påminnelsen ska säga."))
    if len(text) > 120:
        raise DomainError(_l("Skriv högst 120 tecken."))
    words = sensitive_words(text)
    if words:
        raise DomainError(
            _l(
                "Skriv inget om hälsa eller diagnos i en påminnelse (%(words)s). "
                "Andra kan se sms på telefonen.",
                words=", ".join(words),
            )
        )
    if data.channel is ReminderChannel.PORTAL and data.ask_reply:
        raise DomainError(_l("Svar med 1 fungerar bara med sms."))
    if data.recurrence is Recurrence.VISIT:
        return
    if data.local_time is None:
        raise DomainError(_l("Välj en tid."))
    if in_quiet_hours(data.local_time) and not data.client_chose_time:
        raise DomainError(
            _l("Mellan 21 och 08 skickar vi bara om klienten själv har valt tiden. Kryssa i det.")
        )
    if data.recurrence is Recurrence.ONCE:
        if data.on_date is None:
            raise DomainError(_l("Välj en dag."))
        if local_moment(data.on_date, data.local_time, zone) <= now:
            raise DomainError(_l("Tiden har redan varit. Välj en senare tid."))
    if data.recurrence is Recurrence.WEEKDAYS and not data.weekdays:
        raise DomainError(_l("Välj minst en veckodag."))


def create_rule(
    session: Session,
    client: Client,
    data: RuleInput,
    now: datetime,
    zone: ZoneInfo,
    staff_id: int | None = None,
    by_client: bool = False,
) -> list[ReminderRule]:
    """Add a reminder rule (two for visits: the evening before and one hour before)."""
    check_rule(data, now, zone)
    common = {
        "client_id": client.id,
        "text": data.text.strip(),
        "channel": data.channel,
        "recurrence": data.recurrence,
        "ask_reply": data.ask_reply and data.channel is ReminderChannel.SMS,
        "important": data.important and data.ask_reply and data.channel is ReminderChannel.SMS,
        "reply_within_minutes": (data.reply_within_minutes or DEFAULT_REPLY_WINDOW)
        if data.ask_reply
        else None,
        "allow_quiet_hours": data.client_chose_time or by_client,
        "created_by_id": staff_id,
        "by_client": by_client,
        "created_at": now,
    }
    if data.recurrence is Recurrence.VISIT:
        rules = [ReminderRule(**common, **default) for default in DEFAULT_VISIT_REMINDERS]
    elif data.recurrence is Recurrence.ONCE:
        assert data.on_date is not None and data.local_time is not None
        once_at = local_moment(data.on_date, data.local_time, zone)
        rules = [ReminderRule(**common, once_at=once_at, local_time=data.local_time)]
    else:
        weekdays = ",".join(str(d) for d in sorted(set(data.weekdays)))
        rules = [
            ReminderRule(
                **common,
                local_time=data.local_time,
                weekdays=weekdays if data.recurrence is Recurrence.WEEKDAYS else None,
            )
        ]
    session.add_all(rules)
    session.flush()
    return rules


def stop_rule(session: Session, client_id: int, rule_id: int) -> ReminderRule:
    """Stop a rule and withdraw what it had queued."""
    rule = session.scalar(
        select(ReminderRule).where(ReminderRule.id == rule_id, ReminderRule.client_id == client_id)
    )
    if rule is None:
        raise DomainError(_l("Påminnelsen finns inte."), 404)
    rule.active = False
    cancel_queued(session, Outbox.rule_id == rule.id, why="rule stopped")
    session.flush()
    return rule


def active_rules(session: Session, client_id: int) -> list[ReminderRule]:
    return list(
        session.scalars(
            select(ReminderRule)
            .where(ReminderRule.client_id == client_id, ReminderRule.active)
            .order_by(ReminderRule.recurrence, ReminderRule.local_time, ReminderRule.id)
        )
    )


def upcoming_messages(session: Session, client_id: int, now: datetime, limit: int = 30) -> list:
    """Messages and calls queued for the client, soonest first."""
    return list(
        session.scalars(
            select(Outbox)
            .where(
                Outbox.client_id == client_id,
                Outbox.state.in_([OutboxState.QUEUED, OutboxState.SENDING]),
            )
            .order_by(Outbox.due_at)
            .limit(limit)
        )
    )


def sent_messages(session: Session, client_id: int, limit: int = 50) -> list[Outbox]:
    """What was sent (or failed, or was stopped), newest first, with delivery and answer."""
    return list(
        session.scalars(
            select(Outbox)
            .where(
                Outbox.client_id == client_id,
                Outbox.state.not_in([OutboxState.QUEUED, OutboxState.SENDING]),
            )
            .order_by(Outbox.due_at.desc(), Outbox.id.desc())
            .limit(limit)
        )
    )


def replies_from(session: Session, client_id: int, limit: int = 30) -> list[InboundMessage]:
    return list(
        session.scalars(
            select(InboundMessage)
            .where(InboundMessage.client_id == client_id)
            .order_by(InboundMessage.received_at.desc())
            .limit(limit)
        )
    )


def outreach_overview(session: Session, client: Client, now: datetime) -> dict[str, object]:
    """Everything the worker's reminders page shows for one client."""
    return {
        "rules": active_rules(session, client.id),
        "upcoming": upcoming_messages(session, client.id, now),
        "sent": sent_messages(session, client.id),
        "replies": replies_from(session, client.id),
    }
