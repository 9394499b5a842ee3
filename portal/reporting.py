"""Optional error reporting to a Sentry-protocol server (Sentry, GlitchTip): SENTRY_DSN.

Off unless configured. What leaves the machine is scrubbed: no cookies, no request bodies, no
local variables, no IP addresses, and every phone number in any text masked.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from .phones import mask_phones

#: Request headers that identify a person or carry a credential.
_PRIVATE_HEADERS = {"cookie", "authorization", "x-forwarded-for", "x-real-ip", "forwarded"}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Remove cookies, bodies and addresses from an event, and mask phone numbers in the rest."""
    req = event.get("request")
    if isinstance(req, dict):
        for key in ("cookies", "data", "env"):
            req.pop(key, None)
        headers = req.get("headers")
        if isinstance(headers, dict):
            req["headers"] = {k: v for k, v in headers.items() if k.lower() not in _PRIVATE_HEADERS}
    event.pop("user", None)
    return _scrub(event)


def _scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    return _scrub(crumb)


def init(dsn: str | None, release: str) -> None:
    """Start reporting to ``dsn``; do nothing without one."""
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        release=release,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        before_breadcrumb=_scrub_breadcrumb,
        # Errors only; performance tracing would send every URL (with its ids) too.
        traces_sample_rate=0.0,
    )
