"""Join links: a signed, time-limited token that names exactly one participant.

The token is ``<participant id>.<expiry>.<signature>``; the signature is an HMAC of the first
two parts with the app's secret key, so a token cannot be stretched or moved to someone else.
Revocation and the end of a session are checked against the database when it is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime


class BadToken(Exception):
    """The token is malformed, forged or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _signature(secret: str, body: str) -> str:
    key = hashlib.sha256(b"video-join:" + secret.encode()).digest()
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(secret: str, participant_id: int, expires_at: datetime) -> str:
    body = f"{participant_id}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(secret, body)}"


def read_token(secret: str, token: object, now: datetime) -> int:
    """Return the participant id the token names; raise ``BadToken`` otherwise."""
    if not isinstance(token, str) or len(token) > 100:
        raise BadToken("malformed")
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts[:2]):
        raise BadToken("malformed")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _signature(secret, body)):
        raise BadToken("forged")
    if datetime.fromtimestamp(int(parts[1]), UTC) <= now:
        raise BadToken("expired")
    return int(parts[0])
