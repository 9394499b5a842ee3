"""The ``hours`` cell of ``staff.csv``: a worker's weekly hours, as ``mån-fre 08:00-17:00``.

Windows are joined by ``|`` (as roles are); each is ``<days> <from>-<to>``, the days a weekday
(``mån``), a range (``mån-fre``) or several of either joined by ``,``. Whether the windows can be
kept (end after start, no overlap on a day) is ``planning.window_problems``: the page's rule.
"""

from __future__ import annotations

import re
from datetime import time

from ..booking.planning import END_FIRST, window_problems

#: Monday first: the index is ``WorkingHours.weekday``. Written as in Swedish schedules, and
#: without å, ä and ö for a file typed where they are hard to come by.
WEEKDAYS = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
_ASCII = {"man": 0, "lor": 5, "son": 6}
#: A hyphen, or the en dash a word processor or spreadsheet may put in its place.
_DASH = r"\s*[-\u2013]\s*"
#: ``08:00`` or ``8:00``; a whole hour may be written ``08`` or ``8`` (never read as minutes).
_TIME = r"\d{1,2}(?::\d{2})?"
#: Days hold no digit, so a time written otherwise (``8.30``, ``0830``) is never half read.
_WINDOW = re.compile(rf"(?P<days>\D*?)\s*(?P<starts>{_TIME}){_DASH}(?P<ends>{_TIME})")
FORMAT = "<days> <HH:MM>-<HH:MM>, such as mån-fre 08:00-17:00"


class BadHours(ValueError):
    """The cell cannot be read as weekly hours, or names hours the rule refuses; says why."""


def _weekday(name: str, window: str) -> int:
    key = name.casefold()
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key in _ASCII:
        return _ASCII[key]
    raise BadHours(f"hours {window!r}: {name!r} is not a weekday (write {' '.join(WEEKDAYS)})")


def _days(text: str, window: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*,\s*", text.strip()):
        ends = re.split(_DASH, part)
        if not part or len(ends) > 2:
            raise BadHours(f"hours {window!r} is not written as {FORMAT}")
        first, last = _weekday(ends[0], window), _weekday(ends[-1], window)
        if last < first:
            raise BadHours(f"hours {window!r}: the days {part!r} run backwards (a week is "
                          "mån to sön; write fre-sön,mån)")  # fmt: skip
        days += range(first, last + 1)
    return days


def _time(text: str, window: str) -> time:
    hour, _, minute = text.partition(":")
    if int(hour) > 23 or int(minute or 0) > 59:
        raise BadHours(f"hours {window!r}: {text!r} is not a time of day (00:00 to 23:59)")
    return time(int(hour), int(minute or 0))


def weekly_hours(cell: str) -> list[tuple[int, time, time]]:
    """The windows (weekday, starts, ends) the cell names; ``BadHours`` saying which window is
    wrong and how."""
    hours: list[tuple[int, time, time]] = []
    written: list[str] = []
    for window in (w.strip() for w in cell.split("|")):
        if not window:
            continue
        match = _WINDOW.fullmatch(window)
        if match is None or not match["days"]:
            raise BadHours(f"hours {window!r} is not written as {FORMAT}")
        starts, ends = _time(match["starts"], window), _time(match["ends"], window)
        for weekday in _days(match["days"], window):
            hours.append((weekday, starts, ends))
            written.append(window)
    if not hours:
        raise BadHours(f"hours {cell!r} names no window ({FORMAT})")
    for (weekday, _, _), window, problem in zip(
        hours, written, window_problems(hours), strict=True
    ):
        if problem == END_FIRST:
            raise BadHours(f"hours {window!r}: the window must end after it starts")
        if problem is not None:
            raise BadHours(f"hours {window!r} overlaps another window on {WEEKDAYS[weekday]}")
    return hours
