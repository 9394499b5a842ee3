"""The scope of light support (insats utan biståndsprövning), as configuration, not code: read
with the other settings (``Settings.light_support``, LIGHT_SUPPORT_* in ``portal.config``).

A request inside the scope is matched directly. A request beyond it is still answered — the
client is never left without a reply — but also goes to the caseworker as "needs assessment".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import RequestStatus, SupportRequest


@dataclass(frozen=True)
class Scope:
    #: At most this many occasions per client per calendar month.
    per_month: int = 4
    #: At most this many minutes each.
    minutes_each: int = 60
    #: At most this many consecutive weeks with light support.
    consecutive_weeks: int = 6

    def problems(self) -> list[str]:
        """What is wrong with these numbers (``Settings.check`` refuses to start with any)."""
        found = []
        if self.per_month < 0:
            found.append("LIGHT_SUPPORT_PER_MONTH must be 0 or more")
        if self.minutes_each < 1:
            found.append("LIGHT_SUPPORT_MINUTES_EACH must be 1 or more")
        if self.consecutive_weeks < 1:
            found.append("LIGHT_SUPPORT_WEEKS must be 1 or more")
        return found


# Why a request is beyond scope, in the caseworker's words (shown in the escalation).
CATEGORY = "kategorin ingår inte i stöd utan biståndsprövning"
TOO_MANY = "fler än {n} tillfällen den här månaden"
TOO_LONG = "längre än {n} minuter"
TOO_LONG_PERIOD = "stöd fler än {n} veckor i rad"


def beyond_scope(
    scope: Scope,
    *,
    category_in_scope: bool,
    minutes: int,
    earlier_this_month: int,
    weeks_in_a_row: int,
) -> list[str]:
    """The reasons a request is beyond scope (none: it is light support)."""
    reasons = []
    if not category_in_scope:
        reasons.append(CATEGORY)
    if earlier_this_month + 1 > scope.per_month:
        reasons.append(TOO_MANY.format(n=scope.per_month))
    if minutes > scope.minutes_each:
        reasons.append(TOO_LONG.format(n=scope.minutes_each))
    if weeks_in_a_row > scope.consecutive_weeks:
        reasons.append(TOO_LONG_PERIOD.format(n=scope.consecutive_weeks))
    return reasons


def _counted(session: Session, client_id: int, start: datetime, end: datetime) -> list[datetime]:
    """When the client's light-support requests in [start, end) were made (not withdrawn)."""
    return list(
        session.scalars(
            select(SupportRequest.created_at).where(
                SupportRequest.client_id == client_id,
                SupportRequest.status != RequestStatus.WITHDRAWN,
                SupportRequest.created_at >= start,
                SupportRequest.created_at < end,
            )
        )
    )


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def history_counts(
    session: Session, client_id: int, now: datetime, zone: ZoneInfo, weeks: int
) -> tuple[int, int]:
    """Earlier requests this calendar month, and weeks in a row with one (this week included)."""
    today = now.astimezone(zone).date()
    month_start = datetime.combine(today.replace(day=1), time.min, tzinfo=zone)
    this_month = len(_counted(session, client_id, month_start, now + timedelta(seconds=1)))
    first_week = _week_start(today) - timedelta(weeks=weeks + 1)
    since = datetime.combine(first_week, time.min, tzinfo=zone)
    asked_weeks = {
        _week_start(at.astimezone(zone).date()) for at in _counted(session, client_id, since, now)
    }
    asked_weeks.add(_week_start(today))  # the request being made now
    in_a_row, week = 0, _week_start(today)
    while week in asked_weeks:
        in_a_row += 1
        week -= timedelta(weeks=1)
    return this_month, in_a_row
