"""Skriv till mitt stöd: short messages between a client and their worker.

The SMS that tells someone a message is waiting carries no part of it: only who wrote (a first
name) and a link into the portal, where the reader is signed in.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from models import MESSAGE_MAX_LENGTH, Client, Message, Proxy, Staff, TaskKind
from reminders.outbox import queue_sms
from reminders.texts import render

from .. import tasks
from ..errors import DomainError


class MessageRefused(DomainError):
    """The message cannot be sent as written; the person reads why."""


def clean(text: str | None) -> str:
    """Check a message's text and return it trimmed, or refuse with an easy-read reason."""
    body = (text or "").replace("\r\n", "\n").strip()
    if not body:
        raise MessageRefused(_l("Du har inte skrivit något. Skriv ditt meddelande först."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise MessageRefused(
            _l(
                "Meddelandet är för långt. Du får skriva %(max)s tecken. Du skrev %(n)s.",
                max=MESSAGE_MAX_LENGTH,
                n=len(body),
            )
        )
    return body


def _add_once(session: Session, message: Message) -> tuple[Message, bool]:
    """Add the message unless its form was sent before; return it and whether it is new."""
    if message.nonce:
        earlier = session.scalar(select(Message).where(Message.nonce == message.nonce))
        if earlier is not None:
            return earlier, False
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:  # the same form arrived twice at once
        return session.scalars(select(Message).where(Message.nonce == message.nonce)).one(), False
    return message, True


def _writer(client: Client, proxy: Proxy | None) -> str:
    return f"{proxy.name} (ombud för {client.first_name})" if proxy else client.first_name


def send_from_client(
    session: Session,
    client: Client,
    text: str | None,
    now: datetime,
    nonce: str | None,
    public_url: str,
    proxy: Proxy | None = None,
) -> Message:
    """Send the client's message to their worker (written by ``proxy`` for them, if given); a
    repeated form sends it once."""
    body = clean(text)
    worker = tasks.primary_worker(session, client.id)
    message, new = _add_once(
        session,
        Message(
            client_id=client.id,
            staff_id=worker.id if worker else None,
            from_client=True,
            body=body,
            created_at=now,
            nonce=nonce or None,
            proxy_id=proxy.id if proxy else None,
        ),
    )
    if not new:
        return message  # already sent by the first press
    tasks.create_client_task(
        session,
        client_id=client.id,
        kind=TaskKind.MESSAGE,
        text=f"Nytt meddelande från {_writer(client, proxy)}.",
        now=now,
        ref=f"message:{client.id}",  # one open task per thread, however many messages
    )
    if worker is not None and worker.phone:
        queue_sms(
            session,
            worker.phone,
            f"Du har ett nytt meddelande i portalen: {public_url}/personal/meddelanden/{client.id}",
            purpose="message",
            staff_id=worker.id,
        )
    return message


def send_from_worker(
    session: Session,
    client: Client,
    worker: Staff,
    text: str | None,
    now: datetime,
    nonce: str | None,
    public_url: str,
) -> Message:
    """Send a worker's answer; the client gets an SMS that says only that it is there."""
    body = clean(text)
    message, new = _add_once(
        session,
        Message(
            client_id=client.id,
            staff_id=worker.id,
            from_client=False,
            body=body,
            created_at=now,
            nonce=nonce or None,
        ),
    )
    if not new:
        return message
    for task in tasks.open_tasks_for(session, worker):
        if task.kind is TaskKind.MESSAGE and task.ref == f"message:{client.id}":
            tasks.complete(session, task.id, worker, now)
    if not client.sms_opt_out:
        queue_sms(
            session,
            client.phone,
            render(
                "new_message", client.language, worker=worker.first_name, link=f"{public_url}/skriv"
            ),
            purpose="message",
            client_id=client.id,
        )
    return message


def thread(session: Session, client_id: int, limit: int = 20) -> list[Message]:
    """The newest messages of a client's thread, oldest first (as a chat reads)."""
    newest = list(
        session.scalars(
            select(Message)
            .options(joinedload(Message.staff), joinedload(Message.proxy))
            .where(Message.client_id == client_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )
    return newest[::-1]


def mark_read(messages: list[Message], from_client: bool, now: datetime) -> None:
    """The reader opened the thread: the other side's messages shown are now read.

    Only unread ones are touched, so opening a read thread again writes nothing.
    """
    for message in messages:
        if message.from_client is from_client and message.read_at is None:
            message.read_at = now


def unread_for_client(session: Session, client_id: int) -> int:
    return session.scalar(
        select(func.count(Message.id)).where(
            Message.client_id == client_id,
            Message.from_client.is_(False),
            Message.read_at.is_(None),
        )
    )
