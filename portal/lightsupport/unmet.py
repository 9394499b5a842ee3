"""Requests "Fördela alla" leaves in the queue: why, for the coordinator, and word to the client
when their request cannot be met in the time they asked for.

The client hears it the way a worker's answer reaches them (``client.messages``): a message in
the portal and an SMS that only says someone wrote, with a link. Never anything more by SMS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from models import Staff, SupportRequest

from ..client.messages import send_from_worker
from ..matching.batch import Plan

#: What the client reads in the portal, in their language.
NOT_SOON = _l("Vi hittar ingen tid för din förfrågan än. Vi letar vidare och hör av oss.")


@dataclass(frozen=True)
class Left:
    """A request left waiting, and why in the coordinator's words."""

    request: SupportRequest
    why: str

    @property
    def line(self) -> str:
        return f"{who(self.request)}: {self.why}"


def who(request: SupportRequest) -> str:
    return request.client.full_name if request.client else (request.contact_name or "")


def _until(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{format_date(local, 'EEEE d MMMM', locale='sv')} {local:%H:%M}"


def nobody_free(plan: Plan, row: int) -> bool:
    """No worker had a free time in the request's window (every column is a hard no)."""
    return all(math.isnan(x) for x in plan.scores[row]) if len(plan.columns) else True


def why_left(plan: Plan, row: int, zone: ZoneInfo) -> str:
    """Why the plan gave this request no one, in the coordinator's words."""
    request = plan.requests[row]
    if nobody_free(plan, row):
        until = _until(request.wanted_to, zone)
        return str(_l("ingen personal är ledig före %(until)s.", until=until))
    return str(_l("de lediga tiderna gick till andra förfrågningar. Välj själv eller vänta."))


def tell_client_not_soon(
    session: Session, request: SupportRequest, coordinator: Staff, now: datetime, public_url: str
) -> None:
    """Tell the client their request cannot be met in the time they asked for (once only)."""
    client = request.client
    if client is None:
        return  # a first contact is called back by a worker, as the page told them
    with force_locale(client.language):
        text = str(NOT_SOON)
    send_from_worker(
        session, client, coordinator, text, now, nonce=f"unmet:{request.id}",
        public_url=public_url.rstrip("/"),
    )  # fmt: skip
