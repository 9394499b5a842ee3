"""Domain errors that carry an easy-read message for the person, and the error pages."""

from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule said no. ``message`` is what the person reads; ``status`` the HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status


PAGES = {
    400: (_l("Något blev fel"), _l("Sidan kunde inte visas. Gå tillbaka och försök igen.")),
    403: (_l("Du får inte se den här sidan"), _l("Den här sidan är inte till för dig.")),
    404: (_l("Sidan finns inte"), _l("Vi hittar inte sidan. Kanske är länken fel.")),
    405: (_l("Något blev fel"), _l("Sidan kunde inte visas. Gå tillbaka och försök igen.")),
    429: (_l("Vänta en stund"), _l("Du har försökt många gånger. Vänta en stund.")),
    500: (_l("Något gick fel hos oss"), _l("Det är vårt fel, inte ditt. Försök igen om en stund.")),
    503: (
        _l("Tjänsten fungerar inte just nu"),
        _l("Vi lagar det. Försök igen om en stund. Är det bråttom? Ring din boendestödjare."),
    ),
}


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    title, text = PAGES.get(status, PAGES[500])
    return render_template("errors/error.html", title=title, text=message or text), status


#: Said when a request carries a NUL character, which no keyboard types and PostgreSQL cannot
#: store in text: refused at the door, so no form or webhook has to think of it.
NUL_REFUSED = _l("Texten har ett tecken som inte går att spara. Skriv texten igen.")


def _has_nul() -> bool:
    sources = (request.args, request.form) if request.method == "POST" else (request.args,)
    return any(
        "\x00" in value for source in sources for _, values in source.lists() for value in values
    )


# The hooks below are registered by ``portal.wiring`` (``request_hooks``, ``error_handlers``).


def refuse_nul():
    """Before each request: a NUL character anywhere in what was sent is refused at the door."""
    if _has_nul():
        log.info("refused a NUL character on %s", request.path)
        return render_error(400, NUL_REFUSED)
    return None


def csrf_refused(exc: CSRFError):
    log.info("CSRF refused on %s: %s", request.path, exc.description)
    return render_error(400, _l("Sidan var för gammal. Gå tillbaka och försök igen."))


def domain_refused(exc: DomainError):
    return render_error(exc.status, exc.message)


def http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return render_error(exc.code)


def database_down(exc: OperationalError):
    log.error("database unavailable on %s: %s", request.path, exc.orig)
    return render_error(503)


def crash(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return render_error(500)
