"""When an outbox row may go: retries and how long to keep trying, claims' lease, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Waits before the 1st, 2nd … retry after a temporary failure; the last repeats. Short at
#: first (a blip), then 5-minute steps so a provider outage of minutes delays little.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
#: Give up on temporary failures this long after the message first fell due.
GIVE_UP_AFTER = timedelta(hours=72)
LEASE = timedelta(minutes=5)
#: After a temporary failure the rest of the batch waits this long instead of hammering.
PAUSE = timedelta(seconds=10)
#: No reminder between these local times unless the client chose such a time.
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed attempt."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def in_quiet_hours(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def end_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first moment at or after ``moment`` outside the quiet hours."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(moment, zone):
        return moment
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(UTC)
