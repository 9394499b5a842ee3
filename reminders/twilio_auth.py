"""Twilio webhook authentication: refuse any request without a valid X-Twilio-Signature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

#: ``app.config`` key holding the Twilio auth token used to check signatures.
TOKEN_KEY = "TWILIO_AUTH_TOKEN"
#: ``app.config`` key holding our public base URL as Twilio calls it (behind a proxy the
#: request's own URL differs, so the signature is checked against this).
PUBLIC_URL_KEY = "PUBLIC_URL"


def public_request_url() -> str:
    """The URL Twilio signed: our public base URL plus this request's path and query."""
    base = current_app.config[PUBLIC_URL_KEY].rstrip("/")
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def signature_is_valid(token: str) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not token:
        return False
    params = request.form.to_dict(flat=True) if request.form else {}
    return RequestValidator(token).validate(public_request_url(), params, signature)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 403 unless the request carries Twilio's valid signature."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not signature_is_valid(current_app.config.get(TOKEN_KEY, "")):
            log.warning("refused unsigned or forged Twilio request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped
