"""One-time SMS codes for client sign-in: issue, check, limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Client, LoginCode, Proxy
from models.numbers import ascii_digits
from reminders.outbox import queue_sms
from reminders.texts import render

from ..errors import DomainError
from .proxy_rights import allowed

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
LOCK_FOR = timedelta(minutes=15)
#: At most this many codes per number in ``CODE_WINDOW``, so nobody can flood a phone with SMS.
MAX_CODES = 3
CODE_WINDOW = timedelta(minutes=15)


class CodeRefused(DomainError):
    """The code cannot be used: wrong, expired, or too many tries."""


@dataclass(frozen=True)
class Holder:
    """Who a phone number signs in as."""

    client: Client | None = None
    proxy: Proxy | None = None


def _digest(secret: str, phone: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def holder_of(session: Session, phone: str) -> Holder | None:
    """Return the active client or proxy with this number, if any.

    A client whose case is closed is a holder too: their sign-in ends on a page that says whom
    to call (``Client.is_closed``), never on their data. A proxy acts only for an active client.
    """
    client = session.scalar(
        select(Client).where(
            Client.phone == phone, or_(Client.active, Client.closed_at.is_not(None))
        )
    )
    if client is not None:
        return Holder(client=client)
    proxies = session.scalars(
        select(Proxy)
        .join(Client, Proxy.client_id == Client.id)
        .where(Proxy.phone == phone, Proxy.active, Client.active)
    )
    # A proxy whose client allows nothing now (consent withdrawn) is nobody's proxy.
    proxy = min((p for p in proxies if allowed(p)), key=lambda p: p.id, default=None)
    return Holder(proxy=proxy) if proxy is not None else None


def clients_of(session: Session, proxy: Proxy) -> list[Proxy]:
    """Every active client this person (known by their phone) may act for, by name."""
    return [
        p
        for p in session.scalars(
            select(Proxy)
            .join(Client, Proxy.client_id == Client.id)
            .where(Proxy.phone == proxy.phone, Proxy.active, Client.active)
            .order_by(Client.first_name, Client.last_name, Proxy.id)
        )
        if allowed(p)
    ]


def _bucket(phone: str, device_id: int | None):
    """The codes of one number asked for from one place: the holder's own remembered device
    (``device_id``), or everywhere else together (None).

    Why two places and not one: counted per number alone, three first-contact posts or five
    wrong codes typed by a stranger locked the client out of their own sign-in. Counted per
    browser, a stranger with fresh cookies could send a number endless codes. So everything
    that is not the holder's own device shares one bucket, and the device has its own.
    """
    same_place = (
        LoginCode.device_id.is_(None) if device_id is None else (LoginCode.device_id == device_id)
    )
    return (LoginCode.phone == phone) & same_place


def _locked_until(
    session: Session, phone: str, now: datetime, device_id: int | None = None
) -> datetime | None:
    return session.scalar(
        select(func.max(LoginCode.locked_until)).where(
            _bucket(phone, device_id), LoginCode.locked_until > now
        )
    )


def request_code(
    session: Session,
    phone: str,
    now: datetime,
    secret: str,
    *,
    anyone: bool = False,
    device_id: int | None = None,
) -> None:
    """Send a fresh code to ``phone`` when it belongs to someone; say nothing either way.

    The answer is the same for unknown numbers, so the page cannot be used to find out who is a
    client. Limits apply per number whether or not it is known, and per place (``_bucket``):
    ``device_id`` is the holder's own remembered device when it is the one asking. With
    ``anyone`` (a resident checking their number before a first contact) the code goes to any
    number.
    """
    if _locked_until(session, phone, now, device_id):
        raise CodeRefused(_l("Du har skrivit fel kod för många gånger. Vänta 15 minuter."), 429)
    recent = session.scalar(
        select(func.count(LoginCode.id)).where(
            _bucket(phone, device_id), LoginCode.created_at > now - CODE_WINDOW
        )
    )
    if recent >= MAX_CODES:
        raise CodeRefused(_l("Du har fått många koder nu. Vänta 15 minuter."), 429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        LoginCode(
            phone=phone,
            code_hash=_digest(secret, phone, code),
            created_at=now,
            expires_at=now + CODE_TTL,
            device_id=device_id,
        )
    )
    holder = holder_of(session, phone)
    if holder is None and not anyone:
        session.flush()
        return
    client = holder and (holder.client or (holder.proxy.client if holder.proxy else None))
    sms = queue_sms(
        session,
        phone,
        # Only the code: no name, no service name that could reveal anything.
        render("login_code", client.language if client else "sv", code=code),
        purpose="login_code",
        client_id=client.id if client else None,
    )
    # Held back by the hour's SMS budget past the code's life, it is withdrawn, not sent.
    sms.expires_at = now + CODE_TTL


def verify_code(
    session: Session,
    phone: str,
    typed: str,
    now: datetime,
    secret: str,
    *,
    anyone: bool = False,
    device_id: int | None = None,
) -> Holder:
    """Check ``typed`` against the newest code for ``phone`` asked from the same place; return
    who signs in.

    Wrong tries count against that place only (``_bucket``). With ``anyone``, only the number
    is checked and the holder may be empty.
    """
    code = ascii_digits("".join(typed.split())) or ""
    if len(code) != 6:
        raise CodeRefused(_l("Koden har 6 siffror. Skriv den igen."))
    if _locked_until(session, phone, now, device_id):
        raise CodeRefused(_l("Du har skrivit fel kod för många gånger. Vänta 15 minuter."), 429)
    row = session.scalar(
        select(LoginCode)
        .where(_bucket(phone, device_id), LoginCode.used_at.is_(None))
        .order_by(LoginCode.created_at.desc(), LoginCode.id.desc())
        .limit(1)
    )
    if row is None or row.expires_at <= now:
        raise CodeRefused(_l("Koden gäller inte längre. Be om en ny kod."))
    if not hmac.compare_digest(row.code_hash, _digest(secret, phone, code)):
        row.attempts += 1
        if row.attempts >= MAX_ATTEMPTS:
            row.locked_until = now + LOCK_FOR
            row.used_at = now
            session.flush()
            raise CodeRefused(_l("Du har skrivit fel kod för många gånger. Vänta 15 minuter."), 429)
        session.flush()
        left = MAX_ATTEMPTS - row.attempts
        raise CodeRefused(_l("Koden stämmer inte. Du kan försöka %(n)s gånger till.", n=left))
    holder = holder_of(session, phone) or (Holder() if anyone else None)
    if holder is None:
        raise CodeRefused(_l("Koden stämmer inte. Du kan försöka %(n)s gånger till.", n=0))
    row.used_at = now
    session.flush()
    return holder
