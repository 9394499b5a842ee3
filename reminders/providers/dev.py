"""The dev provider: keeps every message and call in the database, shown at /dev/outbox."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Database, DevMessage, OutboxKind

from .base import Sent

log = logging.getLogger(__name__)


class DevSmsClient:
    """Keeps every message in the database, shown as a phone inbox at /dev/outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, to: str, body: str) -> Sent:
        return _record(self.db, OutboxKind.SMS, to, body)

    def open_async(self) -> None:
        """One at a time: a local database write needs no requests in flight."""
        return None


class DevVoiceClient:
    """Keeps every call, with what it would say, next to the messages."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, to: str, twiml_url: str, say: str) -> Sent:
        return _record(self.db, OutboxKind.CALL, to, say)


def _record(db: Database, kind: OutboxKind, to: str, body: str) -> Sent:
    with db.transaction() as session:
        message = DevMessage(kind=kind, to_phone=to, body=body)
        session.add(message)
        session.flush()
        log.info("dev provider kept %s %s for %s", kind.value, message.id, to)
        return Sent(provider_id=dev_provider_id(message.id), status="delivered")


def dev_provider_id(message_id: int) -> str:
    """The SID the dev provider gives what it kept (so a reply can find its outbox row)."""
    return f"DEV{message_id:08d}"


def dev_messages(session: Session, limit: int = 200) -> list[DevMessage]:
    """Return what the dev provider has kept, newest first."""
    query = select(DevMessage).order_by(DevMessage.id.desc()).limit(limit)
    return list(session.scalars(query))
