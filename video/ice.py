"""ICE servers for a participant: STUN and TURN URLs from settings, TURN credentials per person.

The credentials follow the time-limited REST scheme that coturn's ``use-auth-secret`` checks:
the username is ``<expiry unix time>:<user>`` and the password is the base64 HMAC-SHA1 of that
username keyed with the shared secret. Nothing is stored; coturn recomputes the same HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IceSettings:
    #: e.g. ("stun:turn.kommun.se:3478",)
    stun_urls: tuple[str, ...] = ()
    #: e.g. ("turn:turn.kommun.se:3478?transport=udp", "turns:turn.kommun.se:5349")
    turn_urls: tuple[str, ...] = ()
    #: coturn's ``static-auth-secret``; TURN is offered only when it is set.
    turn_secret: str = ""
    #: How long minted TURN credentials stay valid.
    turn_ttl_seconds: int = 6 * 3600
    #: "all", or "relay" to send media only through TURN (hides addresses from the other side).
    transport_policy: str = "all"

    def problems(self) -> list[str]:
        found = []
        if self.turn_urls and not self.turn_secret:
            found.append("TURN_URLS needs TURN_SECRET (coturn's static-auth-secret)")
        if self.transport_policy not in ("all", "relay"):
            found.append("ICE_TRANSPORT_POLICY must be 'all' or 'relay'")
        if self.transport_policy == "relay" and not self.turn_urls:
            found.append("ICE_TRANSPORT_POLICY=relay needs TURN_URLS")
        return found


def turn_credentials(secret: str, user: str, now: datetime, ttl_seconds: int) -> tuple[str, str]:
    """Return (username, password) valid until ``now + ttl_seconds`` for coturn's REST scheme."""
    expiry = int(now.timestamp()) + ttl_seconds
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def rtc_configuration(settings: IceSettings, user: str, now: datetime) -> dict[str, object]:
    """The ``RTCConfiguration`` for one authorised participant (``user`` names them in logs)."""
    servers: list[dict[str, object]] = []
    if settings.stun_urls:
        servers.append({"urls": list(settings.stun_urls)})
    if settings.turn_urls and settings.turn_secret:
        username, credential = turn_credentials(
            settings.turn_secret, user, now, settings.turn_ttl_seconds
        )
        servers.append(
            {"urls": list(settings.turn_urls), "username": username, "credential": credential}
        )
    return {"iceServers": servers, "iceTransportPolicy": settings.transport_policy}
