"""Remembered devices: a client stays signed in on a phone until they or staff revoke it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import AuditEvent, Client, Device, Proxy

from ..tokens import token_hash
from .codes import Holder

COOKIE = "device"
COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())
#: Writing last-seen on every request would turn each page view into a write.
TOUCH_EVERY = timedelta(hours=1)
#: "This browser was once signed in as the holder of device N", kept after signing out or a
#: revocation (which end the ``device`` cookie). It signs nobody in; it only lets the holder's
#: own phone ask for codes apart from everyone else (``portal.auth.codes._bucket``).
KNOWN_COOKIE = "known"
_KNOWN_SALT = "known-device"


def remember(session: Session, holder: Holder, label: str | None, now: datetime) -> str:
    """Create a device for the holder; return the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        Device(
            client_id=holder.client.id if holder.client else None,
            proxy_id=holder.proxy.id if holder.proxy else None,
            token_hash=token_hash(token),
            label=(label or "")[:120] or None,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def device_for(session: Session, token: str | None, now: datetime) -> Device | None:
    """Return the live device behind a cookie token; None if unknown, tampered or revoked."""
    if not token or len(token) > 100:
        return None
    # Every page asks who the holder is next: one query for the device and them, not three.
    device = session.scalar(
        select(Device)
        .options(joinedload(Device.client), joinedload(Device.proxy))
        .where(Device.token_hash == token_hash(token), Device.revoked_at.is_(None))
    )
    if device is None:
        return None
    if device.client is not None and not device.client.active:
        return None
    if device.proxy is not None and not (device.proxy.active and device.proxy.client.active):
        return None
    if now - device.last_seen_at > TOUCH_EVERY:
        device.last_seen_at = now
    return device


def forget(session: Session, device_id: int, now: datetime) -> None:
    """Sign one device out (the person pressed "Logga ut")."""
    session.execute(
        update(Device)
        .where(Device.id == device_id, Device.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_client_devices(session: Session, client_id: int, staff_id: int, now: datetime) -> int:
    """Sign a client out everywhere (a lost phone); return how many devices were revoked."""
    result = session.execute(
        update(Device)
        .where(Device.client_id == client_id, Device.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=staff_id)
    )
    session.add(
        AuditEvent(
            at=now,
            actor_staff_id=staff_id,
            client_id=client_id,
            action="change",
            subject="client.devices",
            detail=f"revoked {result.rowcount} device(s)",
        )
    )
    session.flush()
    return result.rowcount


def known_token(secret: str, device_id: int) -> str:
    """The value of the ``known`` cookie for a device: its id, signed, nothing about the person."""
    return URLSafeSerializer(secret, salt=_KNOWN_SALT).dumps(device_id)


def known_cookie_for(session: Session, secret: str, token: str) -> str:
    """The ``known`` cookie value for the device a fresh ``device`` token was made for."""
    device_id = session.scalar(select(Device.id).where(Device.token_hash == token_hash(token)))
    assert device_id is not None, "known_cookie_for needs a token from remember()"
    return known_token(secret, device_id)


def _known_device_id(secret: str, cookie: str | None) -> int | None:
    if not cookie or len(cookie) > 100:
        return None
    try:
        device_id = URLSafeSerializer(secret, salt=_KNOWN_SALT).loads(cookie)
    except BadSignature:
        return None
    return device_id if isinstance(device_id, int) else None


def closed_client_of(session: Session, secret: str, cookie: str | None) -> Client | None:
    """The client whose own browser this is (``known`` cookie) when their case is closed."""
    device_id = _known_device_id(secret, cookie)
    if device_id is None:
        return None
    client = session.scalar(
        select(Client).join(Device, Device.client_id == Client.id).where(Device.id == device_id)
    )
    return client if client is not None and client.is_closed else None


def own_device(session: Session, secret: str, cookie: str | None, phone: str) -> int | None:
    """The id of the device behind a ``known`` cookie when it belongs to the holder of
    ``phone`` (revoked or not); None for any other browser."""
    device_id = _known_device_id(secret, cookie)
    if device_id is None:
        return None
    found = session.execute(
        select(Client.phone, Proxy.phone)
        .select_from(Device)
        .outerjoin(Client, Device.client_id == Client.id)
        .outerjoin(Proxy, Device.proxy_id == Proxy.id)
        .where(Device.id == device_id)
    ).first()
    return device_id if found is not None and phone in found else None
