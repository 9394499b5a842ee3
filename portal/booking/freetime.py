"""Free time, defined once: a worker's own hours and extra time, less absences, inside support
hours, less the visits already booked (theirs, with the travel between homes, and the client's).

Every function works on spans of any ordered value: aware datetimes (booking one visit,
``slots``) or whole milliseconds since the epoch (matching, ``portal.matching.schedule``), so
the rule is the same code for both. Matching's one fast form for many workers at once,
``portal.matching.grid.free_runs`` (workers × step grid: free milliseconds from each start),
lays these same working windows on the grid and takes the same visits out, widened by this
module's ``visit_busy`` applied to the arrays, for the console's suggestions and for the batch;
``tests/portal/test_free_time.py`` holds it equal to this definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, time
from typing import Any, TypeVar

T = TypeVar("T", bound=Any)  # datetimes or integers: anything ordered
Span = tuple[T, T]


def union(spans: Iterable[Span[T]]) -> list[Span[T]]:
    """Overlapping or touching spans merged, in order."""
    merged: list[Span[T]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(windows: Sequence[Span[T]], busy: Iterable[Span[T]]) -> list[Span[T]]:
    """Sorted, non-overlapping ``windows`` less every busy span (in any order): one sweep."""
    taken = sorted(busy)
    free: list[Span[T]] = []
    for w_start, w_end in windows:
        at = w_start
        for b_start, b_end in taken:
            if b_start >= w_end:
                break
            if b_end <= at:
                continue
            if b_start > at:
                free.append((at, b_start))
            at = b_end
            if at >= w_end:
                break
        if at < w_end:
            free.append((at, w_end))
    return free


def working(
    day: date,
    hours: Iterable[tuple[int, time, time]],
    extras: Iterable[Span[T]],
    absences: Iterable[Span[T]],
    at: Callable[[date, time], T],
    opens: T,
    closes: T,
) -> list[Span[T]]:
    """When one worker can be booked on a local day: weekly hours (``at`` turns a local wall
    clock time into the spans' kind, so 08:00 stays 08:00 across a clock change) plus extra
    time, minus absences, inside the support hours (``opens`` to ``closes``)."""
    own = [(at(day, s), at(day, e)) for wd, s, e in hours if wd == day.weekday()]
    own += list(extras)
    clipped = [(max(s, opens), min(e, closes)) for s, e in union(own)]
    return subtract([(s, e) for s, e in clipped if s < e], absences)


def inside(windows: Iterable[Span[T]], start: T, end: T) -> bool:
    """Whether ``start`` to ``end`` lies wholly within one of the working ``windows``: a visit
    the worker can be booked for (checked on booking, listed when hours change)."""
    return any(s <= start and end <= e for s, e in windows)


def visit_busy(start: T, end: T, in_home: Any, travel: Any) -> tuple[T, T]:
    """The time one of the worker's visits takes from their day: a visit in a client's home
    also ``travel`` before and after it (to get there from the previous place and on to the
    next); a video or phone session only itself.

    A fixed buffer, the municipality's ``TRAVEL_BUFFER_MINUTES``, because no map service is
    reachable (nothing may need the internet), and straight-line minutes depend on where the
    worker goes next, which the batch's grid (one free time per worker, shared by every
    request) cannot hold per request. The client's own visits take no buffer: they only
    cannot be in two places at once.

    Elementwise, so one rule serves every form: datetimes with a ``timedelta``, milliseconds
    with an ``int``, and arrays of visits (``in_home`` an array of booleans) in
    ``portal.matching``.
    """
    padding = travel * in_home
    return start - padding, end + padding


def free_time(
    working_windows: Sequence[Span[T]],
    visits: Iterable[tuple[T, T, bool]],
    client_visits: Iterable[Span[T]],
    travel: Any,
) -> list[Span[T]]:
    """Working time less the worker's visits (start, end, in a home?) with their travel
    (``visit_busy``) and the client's own visits (the client cannot be in two places)."""
    busy = [visit_busy(s, e, home, travel) for s, e, home in visits]
    return subtract(working_windows, [*busy, *client_visits])
