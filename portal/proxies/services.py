"""Adding a proxy, recording what the client allows them, withdrawing it: every change audited.

What a proxy may do is read from their standing consent on every request
(``portal.auth.proxy_rights``), so a change here reaches a signed-in proxy on their next page,
and a proxy left with nothing is signed out there. Reminder copies are queued up to two days
ahead (``reminders.expansion.HORIZON``): taking the copies away withdraws those already queued,
in the same transaction, so none reaches the proxy after the client said no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import (
    Client,
    Consent,
    ConsentKind,
    ConsentMethod,
    Proxy,
    ProxyRelation,
    Staff,
)
from reminders.outbox import cancel_proxy_copies

from ..access import audit_change
from ..auth.proxy_rights import GRANTABLE, Feature, allowed
from ..errors import DomainError
from ..phones import InvalidPhone, normalise


class ProxyRefused(DomainError):
    """The form cannot be saved as typed; nothing was written, the form is shown again."""


@dataclass(frozen=True)
class Agreement:
    """What the client allows, and how they said so."""

    features: frozenset[Feature]
    method: ConsentMethod


def proxies_of(session: Session, client_id: int) -> list[Proxy]:
    """The client's proxies, standing consents first, with who recorded them."""
    found = session.scalars(
        select(Proxy)
        .options(joinedload(Proxy.consent).joinedload(Consent.recorded_by))
        .where(Proxy.client_id == client_id, Proxy.active)
        .order_by(Proxy.name, Proxy.id)
    ).all()
    return sorted(found, key=lambda p: not allowed(p))


def proxy_of(session: Session, client: Client, proxy_id: int) -> Proxy:
    """One proxy of this client; another client's looks as if it did not exist."""
    proxy = session.scalar(
        select(Proxy).where(Proxy.id == proxy_id, Proxy.client_id == client.id, Proxy.active)
    )
    if proxy is None:
        raise DomainError(_l("Det ombudet finns inte."), 404)
    return proxy


def _scope_words(features: frozenset[Feature]) -> str:
    """The consent's scope as stored: the features' names, in a fixed order."""
    return ", ".join(f.value for f in GRANTABLE if f in features)


def _audit(session: Session, by: Staff, client: Client, what: str, now: datetime) -> None:
    audit_change(session, by.id, client.id, "client.proxies", what, now)


def _checked_phone(session: Session, typed: str) -> str:
    try:
        phone = normalise(typed)
    except InvalidPhone:
        raise ProxyRefused(
            _l("Numret är inte ett mobilnummer. Ombudet loggar in med en kod i sms.")
        ) from None
    if session.scalar(select(Client.id).where(Client.phone == phone)):
        raise ProxyRefused(
            _l("Numret är en klients eget nummer. Ett ombud behöver ett eget mobilnummer.")
        )
    return phone


def _consent(
    session: Session, by: Staff, client: Client, agreement: Agreement, now: datetime
) -> Consent:
    if not agreement.features:
        raise ProxyRefused(_l("Kryssa i minst en sak som klienten tillåter."))
    consent = Consent(
        client_id=client.id, kind=ConsentKind.PROXY_ACCESS,
        scope=_scope_words(agreement.features), given_at=now, recorded_by_id=by.id,
        method=agreement.method,
    )  # fmt: skip
    session.add(consent)
    return consent


def _grant(proxy: Proxy, features: frozenset[Feature]) -> None:
    for feature, column in GRANTABLE.items():
        setattr(proxy, column, feature in features)


def add(
    session: Session, by: Staff, client: Client, name: str, typed_phone: str,
    relation: ProxyRelation, agreement: Agreement, now: datetime,
) -> Proxy:  # fmt: skip
    """Add a proxy with what the client allows; refuse, writing nothing, on a bad number."""
    phone = _checked_phone(session, typed_phone)
    taken = session.scalar(
        select(Proxy.id).where(Proxy.client_id == client.id, Proxy.phone == phone, Proxy.active)
    )
    if taken:
        raise ProxyRefused(_l("Det numret har redan ett ombud för den här klienten."))
    consent = _consent(session, by, client, agreement, now)
    proxy = Proxy(
        client_id=client.id, name=name.strip(), phone=phone, relation=relation, consent=consent,
        created_at=now,
    )  # fmt: skip
    _grant(proxy, agreement.features)
    session.add(proxy)
    session.flush()
    _audit(session, by, client, f"proxy {proxy.id} added ({relation.value}): "
           f"{consent.scope} ({agreement.method.value})", now)  # fmt: skip
    return proxy


def _stop_copies(session: Session, client: Client, proxy: Proxy, why: str) -> None:
    """Withdraw the reminder copies already queued for this proxy about this client."""
    cancel_proxy_copies(session, proxy.phone, why, client_id=client.id)


def record_consent(
    session: Session, by: Staff, client: Client, proxy: Proxy, agreement: Agreement,
    now: datetime,
) -> Consent:  # fmt: skip
    """Record what the client allows the proxy now; the standing consent is replaced."""
    consent = _consent(session, by, client, agreement, now)
    if proxy.consent is not None and proxy.consent.withdrawn_at is None:
        proxy.consent.withdrawn_at, proxy.consent.withdrawn_by_id = now, by.id
    proxy.consent = consent
    _grant(proxy, agreement.features)
    if Feature.REMINDERS not in agreement.features:
        _stop_copies(session, client, proxy, "proxy consent changed")
    session.flush()
    _audit(session, by, client, f"proxy {proxy.id} consent: {consent.scope} "
           f"({agreement.method.value})", now)  # fmt: skip
    return consent


def change_relation(
    session: Session, by: Staff, client: Client, proxy: Proxy, relation: ProxyRelation,
    now: datetime,
) -> None:  # fmt: skip
    """Say who the proxy is to the client; what the client allows them stays as it is."""
    if proxy.relation is relation:
        return
    before, proxy.relation = proxy.relation, relation
    session.flush()
    _audit(session, by, client, f"proxy {proxy.id} relation {before.value} -> {relation.value}",
           now)  # fmt: skip


def withdraw(session: Session, by: Staff, client: Client, proxy: Proxy, now: datetime) -> None:
    """The client takes everything back: the proxy may do nothing from their next page on."""
    if proxy.consent is not None and proxy.consent.withdrawn_at is None:
        proxy.consent.withdrawn_at, proxy.consent.withdrawn_by_id = now, by.id
    _grant(proxy, frozenset())
    _stop_copies(session, client, proxy, "proxy consent withdrawn")
    session.flush()
    _audit(session, by, client, f"proxy {proxy.id} consent withdrawn", now)


def history(session: Session, client_id: int) -> list[Consent]:
    """Every proxy consent of the client, newest first: what was allowed, by whom, how."""
    return list(
        session.scalars(
            select(Consent)
            .options(joinedload(Consent.recorded_by))
            .where(Consent.client_id == client_id, Consent.kind == ConsentKind.PROXY_ACCESS)
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
    )
