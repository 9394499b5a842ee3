"""What a proxy (god man, relative, support person) may do for a client: only what the client
agreed to, feature by feature, while that consent stands.

Other parts of the portal guard their pages with ``feature_required("book")`` and the like.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from models import AuditEvent, Device, Proxy

from ..auth.codes import clients_of
from ..auth.proxy_rights import Feature, allowed
from ..errors import DomainError

__all__ = ["Feature", "act_for", "feature_required", "may", "proxy_may", "refuse"]


class BeyondConsent(DomainError):
    status = 403


def proxy_may(proxy: Proxy, feature: Feature) -> bool:
    """True when the client's recorded, unwithdrawn consent covers this feature."""
    return feature in allowed(proxy)


def may(principal: Any, feature: Feature | str) -> bool:
    """May the signed-in person (a client, or a proxy for one) use this feature?"""
    feature = Feature(feature)
    if principal.proxy is None:
        return principal.client is not None
    return proxy_may(principal.proxy, feature)


def refuse(principal: Any) -> BeyondConsent:
    client_name = principal.client.first_name
    return BeyondConsent(
        _l(
            "Det här får bara %(name)s göra. Eller någon som %(name)s har sagt ja till.",
            name=client_name,
        )
    )


def feature_required(feature: Feature | str) -> Any:
    """Let a client through, and a proxy only when consent covers ``feature``."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_authenticated and not may(current_user, feature):
                raise refuse(current_user)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def act_for(
    session: Session, device_id: int, current: Proxy, proxy_id: int, now: datetime
) -> Proxy:
    """On this phone, let the signed-in proxy act for another of their clients from now on."""
    target = next((p for p in clients_of(session, current) if p.id == proxy_id), None)
    if target is None:
        raise DomainError(_l("Du kan inte hjälpa den personen här."), 403)
    device = session.get(Device, device_id)
    if device is None or device.proxy_id is None:
        raise DomainError(_l("Du kan inte hjälpa den personen här."), 403)
    device.proxy_id = target.id
    session.add(
        AuditEvent(
            at=now,
            client_id=target.client_id,
            action="read",
            subject="proxy.acts_for",
            detail=f"proxy {current.id} now acts as proxy {target.id}",
        )
    )
    session.flush()
    return target
