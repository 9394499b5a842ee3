"""Logging for every command: one line per event, a request id, no personal data.

``configure`` is called once from the console command. Plain text by default; one JSON object a
line with LOG_FORMAT=json, through python-json-logger (well kept, handles exceptions and extra
fields; a hand-written formatter would have to get JSON escaping of tracebacks right again).
Libraries that talk about each HTTP call or each timer tick (twilio, apscheduler, urllib3 …)
log at WARNING unless LOG_LEVEL=DEBUG. A filter masks phone numbers in every line.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import IO

from flask import g, has_request_context, request
from flask.typing import ResponseReturnValue
from pythonjsonlogger.json import JsonFormatter

from .envvars import LogSettings
from .phones import mask_phones

REQUEST_ID_HEADER = "X-Request-ID"
#: What a proxy's request id may look like (nginx's $request_id is 32 hex digits); anything
#: else is replaced, so a client cannot write newlines or long junk into our logs.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}", re.ASCII)
#: Chatty at INFO about every HTTP call, timer run or socket packet: WARNING unless debugging.
QUIET = (
    "twilio",
    "apscheduler",
    "urllib3",
    "engineio",
    "socketio",
    "werkzeug",
    "aiohttp",
    "asyncio",
    "geventwebsocket",
    # Says "The CSRF token is missing." beside our own line about the same refusal.
    "flask_wtf",
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


class RequestId(logging.Filter):
    """Put the current request's id on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = g.get("request_id") if has_request_context() else None
        record.request_id = rid or "-"
        return True


class MaskPhones(logging.Filter):
    """Mask phone numbers in the message and the traceback before any formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_phones(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
            # Formatters format exc_info afresh when they have it; the masked text is what to use.
            record.exc_info = None
        return True


class _NoAlembicContextChatter(logging.Filter):
    """Drop the two lines Alembic says whenever it looks at a database (each /readyz probe).

    Its lines about migrations it runs (``db upgrade``) are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl", "Will assume"))


class _Handler(logging.StreamHandler):
    """Ours, so that configuring twice (tests, the CLI) replaces it instead of adding one."""


def configure(settings: LogSettings, stream: IO[str] | None = None) -> None:
    """Send every logger's records to ``stream`` (stderr) as text or JSON lines."""
    handler = _Handler(stream or sys.stderr)
    if settings.json:
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestId())
    handler.addFilter(MaskPhones())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    quiet = logging.DEBUG if settings.level == "DEBUG" else logging.WARNING
    for name in QUIET:
        logging.getLogger(name).setLevel(quiet)
    alembic = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _NoAlembicContextChatter) for f in alembic.filters):
        alembic.addFilter(_NoAlembicContextChatter())


def take_request_id() -> None:
    """Before each request, first: its id (the proxy's when sane) for every log line."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex


def echo_request_id(response: ResponseReturnValue) -> ResponseReturnValue:
    """After each request: send its id back in the response."""
    rid = g.get("request_id")
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid
    return response
