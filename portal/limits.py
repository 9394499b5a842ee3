"""Rate limits (Flask-Limiter) on every page that sends an SMS or a call or checks a secret.

Every limit is listed here, per endpoint, and put around the view when the app is built, so the
views stay as they are. Two kinds of key:

- the **address** the request came from: ``request.remote_addr``, which is the person's own
  address only behind a trusted proxy (``TRUSTED_PROXIES``; ``portal.security.trust_proxies``
  applies ProxyFix before any request reaches here), never a header anyone can send;
- the **number** an SMS goes to, together with the *place* asking: the holder's own remembered
  device, or anywhere else (the rule of ``portal.auth.codes._bucket``), so that a stranger who
  spends a number's limit does not spend the holder's own phone's.

The counts live in ``RATELIMIT_STORAGE_URI``: Redis when several processes serve (they count
together), memory in the demo and tests. If Redis is unreachable the limiter falls back to
memory and logs it: a limit is never a reason to show a 500.

A person who is refused gets the page they were on, with what they typed, a message in easy
words, status 429 and ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import gettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from .auth import codes, devices, drafts
from .auth.forms import CodeForm, PhoneForm, StaffLoginForm
from .config import RateLimits
from .database import session
from .errors import render_error
from .lightsupport.forms import FirstContactForm
from .phones import InvalidPhone, display, normalise


def _address() -> str:
    return request.remote_addr or ""


def _typed_phone() -> str:
    try:
        return normalise(request.form.get("phone", ""))
    except InvalidPhone:
        return ""  # no number, no per-number count (Flask-Limiter skips an empty key)


def _draft_phone(purpose: str) -> str:
    """The number a form waiting for its code holds (``portal.auth.drafts``), or ""."""
    draft = drafts.read(purpose)
    return draft.get("phone") or "" if draft else ""


def _pending_phone() -> str:
    return _draft_phone("sign_in")


def _first_contact_phone() -> str:
    return _draft_phone("first_contact")


#: Where each page that sends a code finds the number, and whether the holder's own device
#: can be the one asking (the first-contact page always counts as elsewhere, as its codes do).
_NUMBER_OF: dict[str, tuple[Callable[[], str], bool]] = {
    "auth.client_login": (_typed_phone, True),
    "auth.client_new_code": (_pending_phone, True),
    "help.first_contact": (_typed_phone, False),
}


def _number_and_place() -> str:
    phone_of, own_device_counts = _NUMBER_OF[request.endpoint or ""]
    phone = phone_of()
    if not phone:
        return ""
    device = None
    if own_device_counts:
        device = devices.own_device(
            session(),
            current_app.config["SECRET_KEY"],
            request.cookies.get(devices.KNOWN_COOKIE),
            phone,
        )
    return f"{phone}|{device or 'elsewhere'}"


def _client() -> str:
    client = getattr(current_user, "client", None) if current_user.is_authenticated else None
    return f"client:{client.id}" if client is not None else ""


def _call_link() -> str:
    return f"link:{(request.view_args or {}).get('token', '')[:100]}"


def _wire(app: Flask, limiter: Limiter, limits: RateLimits) -> None:
    """Put the limits around the views; a renamed endpoint fails here, at start-up."""
    post = ["POST"]
    sms_from_address = limiter.shared_limit(
        limits.sms_per_address, "sms-per-address", key_func=_address, methods=post
    )
    sms_to_number = limiter.shared_limit(
        limits.sms_per_number, "sms-per-number", key_func=_number_and_place, methods=post
    )
    code_checks = limiter.shared_limit(
        limits.code_checks_per_address, "code-checks", key_func=_address, methods=post
    )
    table = {
        "auth.client_login": [sms_from_address, sms_to_number],
        "auth.client_new_code": [sms_from_address, sms_to_number],
        "help.first_contact": [sms_from_address, sms_to_number],
        "auth.client_code": [code_checks],
        "help.first_contact_code": [code_checks],
        "auth.staff_login": [
            limiter.limit(limits.passwords_per_address, key_func=_address, methods=post)
        ],
        # No SMS, but a task for the worker (and the bridged call below rings two phones).
        "video.call_me": [
            limiter.limit(limits.call_me, key_func=_address),
            limiter.limit(limits.call_me, key_func=_client, scope="per-client"),
        ],
        "video.ring_me": [
            limiter.limit(limits.call_me, key_func=_address),
            limiter.limit(limits.call_me, key_func=_call_link, scope="per-link"),
        ],
    }
    limited = frozenset(table)

    @limiter.request_filter
    def _not_limited() -> bool:
        # Every other page (the client's start page …) is let through at once, before
        # Flask-Limiter works out which of its limits apply: that search is what a page pays.
        return request.endpoint not in limited

    for endpoint, decorators in table.items():
        if endpoint not in app.view_functions:
            raise RuntimeError(f"rate limits name {endpoint!r}, which is not a route")
        view = app.view_functions[endpoint]
        for decorate in decorators:
            view = decorate(view)
        app.view_functions[endpoint] = view


def _seconds_to_wait(limiter: Limiter) -> int:
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))


def _wait_words(seconds: int) -> str:
    if seconds > 90 * 60:
        return gettext("Du har försökt många gånger. Försök igen i morgon.")
    minutes = max(1, round(seconds / 60))  # the window ends on a whole second: 601 s is 10 min
    return gettext(
        "Du har försökt många gånger. Vänta %(minutes)s minuter. Försök sedan igen.",
        minutes=minutes,
    )


def _phone_page(message: str) -> str:
    form = PhoneForm()  # bound to what was posted, so the number is still there
    form.phone.errors = [message]
    return render_template("auth/phone.html", form=form)


def _code_page(template: str, phone: str) -> Callable[[str], str | None]:
    def page(message: str) -> str | None:
        if not phone:
            return None
        form = CodeForm()
        form.code.errors = [message]
        return render_template(template, form=form, phone=display(phone))

    return page


def _first_contact_page(message: str) -> str:
    form = FirstContactForm()
    form.phone.errors = [message]
    return render_template("lightsupport/first_contact.html", form=form)


def _staff_page(message: str) -> str:
    form = StaffLoginForm()
    form.password.data = ""
    return render_template("auth/staff_login.html", form=form, error=message)


def _refusal_page(message: str) -> str | None:
    """The page the person was on, refusing in words; None where there is no form."""
    endpoint = request.endpoint or ""
    if endpoint == "auth.client_login":
        return _phone_page(message)
    if endpoint in ("auth.client_code", "auth.client_new_code"):
        return _code_page("auth/code.html", _pending_phone())(message)
    if endpoint == "help.first_contact":
        return _first_contact_page(message)
    if endpoint == "help.first_contact_code":
        return _code_page("lightsupport/first_contact_code.html", _first_contact_phone())(message)
    if endpoint == "auth.staff_login":
        return _staff_page(message)
    return None


def init_app(app: Flask, storage_uri: str, limits: RateLimits) -> Limiter:
    """Flask-Limiter for ``app`` with our limits on their views (``portal.wiring`` calls this in
    its place among the request hooks: the limiter adds its own)."""
    limiter = Limiter(
        key_func=_address,
        storage_uri=storage_uri,
        # Counts over the last N minutes, not per clock window: no double burst at a boundary.
        strategy="moving-window",
        headers_enabled=False,  # Retry-After is set on refusals only, below
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    _wire(app, limiter, limits)
    app.extensions["boendestod.limiter"] = limiter

    return limiter


def refused(exc: RateLimitExceeded):
    """A request over a limit: the page it came from says how long to wait (``portal.wiring``)."""
    seconds = _seconds_to_wait(current_app.extensions["boendestod.limiter"])
    message = _wait_words(seconds)
    page = _refusal_page(message)
    response = make_response(page if page is not None else render_error(429, message)[0], 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def when_to_come_back(response):
    """After each request: the code rules' refusals (``portal.auth.codes``) say "Vänta 15
    minuter" in words; a 429 without Retry-After gets it too."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(int(codes.LOCK_FOR.total_seconds()))
    return response
