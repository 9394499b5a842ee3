"""What the portal does when reminders tells it something: tasks, escalations, the call offer.

Registered with ``reminders.hooks`` by ``portal.wiring`` (which gives them the app's zone and
address). Each handler runs inside the transaction that recorded the event and only
``flush()``es.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.support import NullTranslations, Translations
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import (
    Client,
    EscalationType,
    InboundMessage,
    Outbox,
    ReminderRule,
    Role,
    Task,
    TaskKind,
    Visit,
    VisitStatus,
)
from reminders.outbox import is_proxy_copy, queue_sms
from reminders.texts import render

from ..escalations import raise_escalation
from ..i18n import TRANSLATIONS
from ..tasks import create_client_task, create_task

TASK_TEXTS = {
    "undeliverable": _l("Sms eller samtal till %(name)s gick inte fram (%(error)s). Kolla numret."),
    "undeliverable_proxy": _l(
        "Kopian av en påminnelse till ombudet för %(name)s (%(phone)s) gick inte fram "
        "(%(error)s). Kolla numret."
    ),
    "unanswered": _l("%(name)s har inte svarat 1 på påminnelsen ”%(text)s”."),
    "pressed_2": _l("%(name)s tryckte 2 i det automatiska samtalet: ring upp."),
    "silent": _l("%(name)s svarade inte i det automatiska samtalet: ring upp."),
    "no-answer": _l("%(name)s svarade inte i det automatiska samtalet: ring upp."),
    "busy": _l("Det var upptaget när vi ringde %(name)s: ring upp."),
    "failed": _l("Det automatiska samtalet till %(name)s gick inte fram: ring upp."),
    "canceled": _l("Det automatiska samtalet till %(name)s gick inte fram: ring upp."),
    "message": _l("Sms från %(name)s: %(body)s"),
    "unknown": _l("Sms från okänt nummer %(phone)s: %(body)s"),
    "cancel": _l("%(name)s svarade %(body)s om besöket %(when)s. Vi erbjöd ett samtal i stället."),
    "cancel_no_visit": _l("%(name)s svarade %(body)s men har inget planerat besök. Ring upp."),
    "sms_budget": _l(
        "Timmens sms-budget är slut (%(budget)s inloggningskoder). Nya koder väntar och skickas "
        "när det finns utrymme. Så många koder kan vara missbruk: säg till IT."
    ),
}


@cache
def _catalogue(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [language])


def translate(language: str, message_id: str) -> str:
    """Translate an SMS or call text into ``language`` (Swedish ids stay as they are)."""
    if language == "sv":
        return message_id
    return _catalogue(language).gettext(message_id)


def _task(
    session: Session, kind: TaskKind, client: Client | None, text: str, now: datetime, ref: str
) -> int:
    task = create_client_task(
        session, client_id=client.id if client else None, kind=kind, text=text, now=now, ref=ref
    )
    return task.id


def on_undeliverable(session: Session, row: Outbox, now: datetime, *, zone: ZoneInfo) -> None:
    """A task for the worker and an escalation to the caseworker: the phone cannot be reached."""
    client = session.get(Client, row.client_id)
    if client is None:
        return
    error = row.last_error or str(row.error_code or "")
    if is_proxy_copy(row):  # the proxy's phone, not the client's: the worker checks the number
        text = str(
            TASK_TEXTS["undeliverable_proxy"]
            % {"phone": row.to_phone, "name": client.first_name, "error": error[:80]}
        )
        _task(session, TaskKind.UNDELIVERABLE, client, text, now, f"outbox:{row.id}")
        return
    text = str(TASK_TEXTS["undeliverable"] % {"name": client.first_name, "error": error[:80]})
    _task(session, TaskKind.UNDELIVERABLE, client, text, now, f"outbox:{row.id}")
    raise_escalation(
        session,
        client=client,
        kind=EscalationType.UNDELIVERABLE_PHONE,
        reason=text,
        source="reminders",
        now=now,
        zone=zone,
        evidence=[{"kind": "outbox", "id": row.id, "error_code": row.error_code}],
    )


def on_unanswered(session: Session, row: Outbox, now: datetime, *, zone: ZoneInfo) -> None:
    client = session.get(Client, row.client_id)
    if client is None:
        return
    rule = session.get(ReminderRule, row.rule_id) if row.rule_id else None
    rule_text = rule.text if rule is not None else row.body
    text = str(TASK_TEXTS["unanswered"] % {"name": client.first_name, "text": rule_text[:80]})
    _task(session, TaskKind.REMINDER_UNANSWERED, client, text, now, f"outbox:{row.id}")
    if rule is not None and rule.important:
        raise_escalation(
            session,
            client=client,
            kind=EscalationType.UNCONFIRMED_REMINDER,
            reason=text,
            source="reminders",
            now=now,
            zone=zone,
            evidence=[
                {
                    "kind": "outbox",
                    "id": row.id,
                    "rule_id": rule.id,
                    "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                }
            ],
        )


def on_call_back(session: Session, row: Outbox, now: datetime, reason: str) -> None:
    client = session.get(Client, row.client_id)
    if client is None:
        return
    template = TASK_TEXTS.get(reason, TASK_TEXTS["silent"])
    text = str(template % {"name": client.first_name})
    _task(session, TaskKind.CALL_BACK, client, text, now, f"outbox:{row.id}")


def on_message(
    session: Session, inbound: InboundMessage, client: Client | None, now: datetime
) -> None:
    body = inbound.body[:300]
    if client is None:
        text = str(TASK_TEXTS["unknown"] % {"phone": inbound.from_phone, "body": body})
    else:
        text = str(TASK_TEXTS["message"] % {"name": client.first_name, "body": body})
    task_id = _task(session, TaskKind.MESSAGE, client, text, now, f"sms:{inbound.id}")
    inbound.action = f"task:{task_id}"


def next_planned_visit(session: Session, client_id: int, now: datetime) -> Visit | None:
    return session.scalar(
        select(Visit)
        .options(joinedload(Visit.staff))
        .where(
            Visit.client_id == client_id,
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_start > now,
        )
        .order_by(Visit.planned_start)
        .limit(1)
    )


def offer_call_instead_of_visit(
    session: Session,
    inbound: InboundMessage,
    client: Client,
    now: datetime,
    *,
    zone: ZoneInfo,
    public_url: str,
) -> Visit | None:
    """The client answered 2/NEJ/AVBOKA: start the booking's cancellation path by SMS.

    As on the portal, the lighter alternative comes first: the SMS offers a phone call instead
    of the next visit and the worker is asked to call. Nothing is cancelled by one word; the
    link opens that visit's own cancel page (alternatives, then the reason), where the client
    can still cancel.
    """
    visit = next_planned_visit(session, client.id, now)
    if visit is None:
        body = render("call_offer_no_visit", client.language)
        text = str(
            TASK_TEXTS["cancel_no_visit"] % {"name": client.first_name, "body": inbound.body[:20]}
        )
    else:
        start = visit.planned_start.astimezone(zone)
        link = f"{public_url}/boka/besok/{visit.id}/avboka"
        body = render(
            "call_offer",
            client.language,
            date=f"{start.day}/{start.month}",
            time=start.strftime("%H:%M"),
            worker=visit.staff.first_name,
            link=link,
        )
        when = start.strftime("%Y-%m-%d %H:%M")
        text = str(
            TASK_TEXTS["cancel"]
            % {"name": client.first_name, "body": inbound.body[:20], "when": when}
        )
        inbound.visit_id = visit.id
    if not client.sms_opt_out:
        queue_sms(
            session, client.phone, body, purpose="call_offer", client_id=client.id, due_at=now
        )
    _task(session, TaskKind.CALL_BACK, client, text, now, f"sms:{inbound.id}")
    inbound.action = "call_offered"
    session.flush()
    return visit


def on_sms_budget_spent(session: Session, now: datetime, budget: int, *, zone: ZoneInfo) -> None:
    """Tell the coordinators, once per clock hour however many codes wait, that the hour's
    budget for asked-for SMS is spent (``reminders.budget``)."""
    ref = f"sms-budget:{now.astimezone(zone):%Y-%m-%d %H}"
    told = select(Task.id).where(Task.kind == TaskKind.SMS_BUDGET, Task.ref == ref).limit(1)
    if session.scalar(told) is not None:
        return  # done or not: once this hour
    text = str(TASK_TEXTS["sms_budget"] % {"budget": budget})
    create_task(
        session, kind=TaskKind.SMS_BUDGET, text=text, now=now, for_role=Role.COORDINATOR, ref=ref
    )
