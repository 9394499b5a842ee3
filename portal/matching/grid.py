"""Workers' free time on the local step grid, as NumPy arrays.

``free_runs`` is the one array form of ``booking.freetime.free_time`` (the console's
suggestions and the batch both use it): for every worker and every grid start (…:00, …:30
inside support hours) how many milliseconds are free from there, the visits taken out as
``freetime.visit_busy`` widens them (travel around a home visit), applied to the arrays.
``FreeTimeGrid`` builds it for the whole batch from what ``schedule`` loads, with where the
worker comes from (their last visit that day, else home), and the minutes booked per local
day, all workers at once.
``fits.Fits`` counts the starts where a visit fits over any stretch of the grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from itertools import chain
from typing import TYPE_CHECKING, NamedTuple, Self

import numpy as np
from numpy.typing import NDArray

from ..booking import freetime
from ..booking.rules import BookingRules
from .schedule import MINUTE, Clock, Day, Place, Span, grid_points, working

if TYPE_CHECKING:
    from models import SupportRequest

    from .people import Person

#: Milliseconds (or indices) as arrays.
Ints = NDArray[np.int64]
#: Keys worker index × this + milliseconds order visits by worker, then time (ms < 2**42).
WORKER_KEY = 2**42


def window_ends(grid: Ints, spans: list[Span]) -> Ints:
    """For each grid start, the end of the working window (``schedule.working``: sorted,
    apart) it lies in; 0 outside every window."""
    if not spans:
        return np.zeros(len(grid), dtype=np.int64)
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, b in spans], dtype=np.int64)
    at = np.minimum(np.searchsorted(ends, grid, side="right"), len(ends) - 1)
    inside = (starts[at] <= grid) & (grid < ends[at])
    return np.where(inside, ends[at], 0)


def free_runs(grid: Ints, window_end: Ints, col: Ints, start: Ints, end: Ints) -> Ints:
    """Workers × grid: the free milliseconds from each start, ``booking.freetime.free_time`` on
    the grid: to the end of its working window (``window_end``, workers × grid, 0 outside) or
    the worker's next visit, whichever comes first; 0 inside a visit. The visits (any overlap
    allowed) by worker row ``col``, then ``start``."""
    workers = window_end.shape[0]
    until = window_end
    if len(col):
        worker = np.arange(workers)[:, None] * WORKER_KEY
        keys = col * WORKER_KEY + start
        # The last visit starting at or before each start, and the next one after it.
        at = np.searchsorted(keys, worker + grid, side="right") - 1
        reach = np.maximum.accumulate(col * WORKER_KEY + end)
        busy = (at >= 0) & (reach[np.maximum(at, 0)] > worker + grid)
        after = np.minimum(at + 1, len(keys) - 1)
        mine = (at + 1 < len(keys)) & (col[after] == np.arange(workers)[:, None])
        until = np.where(busy, 0, np.where(mine, np.minimum(until, start[after]), until))
    return np.where(until > grid, until - grid, 0)


class ClientBusy(NamedTuple):
    """The clients' own visits touching each request's window, by row (parallel arrays)."""

    row: Ints
    start: Ints
    end: Ints


class FreeTimeGrid:
    """``grid`` (UTC ms of each start) and ``grid_day``; ``run``, ``from_lat``/``from_lon``
    (workers × grid); ``booked`` (workers × days); ``visit_keys``/``visit_where`` (every visit
    by worker and end, with where it was); ``home_lat``/``home_lon`` (per worker). Subclasses
    set ``days``, ``staff_ids``, ``people`` and ``column`` first (and ``queue`` for the
    clients' own visits)."""

    # Set by the subclass before the grid is built.
    days: list[Day]
    staff_ids: list[int]
    people: list[Person]
    #: Staff id → column (index into ``staff_ids``).
    column: dict[int, int]
    queue: list[SupportRequest]
    #: Each client's visits near the requests' windows: (start, end, staff id).
    history: Mapping[int, list[tuple[int, int, int]]]

    # Built here (ms are int64; coordinates float64, NaN when unknown).
    grid: Ints
    grid_day: Ints
    day_starts: Ints
    #: Workers × grid: free milliseconds from each start.
    run: Ints
    #: Workers × days: minutes booked.
    booked: Ints
    visit_col: Ints
    visit_start: Ints
    visit_end: Ints
    visit_client: Ints
    #: The visits' busy time (travel included), by worker, then busy start.
    busy_col: Ints
    busy_start: Ints
    busy_end: Ints
    visit_keys: Ints
    visit_where: NDArray[np.float64]
    home_lat: NDArray[np.float64]
    home_lon: NDArray[np.float64]
    from_lat: NDArray[np.float64]
    from_lon: NDArray[np.float64]
    #: Visit length (ms) → workers × grid: the visit fits there (``_fits``, filled on demand).
    fits: dict[int, NDArray[np.bool_]]

    def _empty(self) -> Self:
        """Nothing to plan: no request with a window left, or nobody to ask."""
        self.run = np.zeros((len(self.staff_ids), 0), dtype=np.int64)
        self.history, self.grid_day = {}, np.zeros(0, dtype=np.int64)
        self.day_starts = np.zeros(1, dtype=np.int64)
        self.booked = np.zeros((len(self.staff_ids), 1), dtype=np.int64)
        self.visit_keys, self.visit_where = np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        self.home_lat = np.array(
            [np.nan if p.home_lat is None else p.home_lat for p in self.people]
        )
        self.home_lon = np.array(
            [np.nan if p.home_lon is None else p.home_lon for p in self.people]
        )
        return self

    def _grid(self, rules: BookingRules) -> None:
        """Every start on the local step grid inside support hours, and its day."""
        step = rules.slot_step_minutes * MINUTE
        points: list[int] = []
        day_of: list[int] = []
        for number, day in enumerate(self.days):
            found = grid_points(day, step)
            points += found
            day_of += [number] * len(found)
        self.grid = np.array(points, dtype=np.int64)
        self.grid_day = np.array(day_of, dtype=np.int64)
        self.day_starts = np.array([d.start for d in self.days], dtype=np.int64)

    def _visits(self, visits: Mapping[int, Sequence[Place]], travel: int) -> None:
        """Every visit as arrays by worker (column), then start: ``visit_col``, ``visit_start``,
        ``visit_end``, ``visit_client`` (one worker's visits never overlap: by start is by end);
        and the time each takes from its worker's day (``freetime.visit_busy``, ``travel``
        around a visit in a home) by worker, then busy start: ``busy_col``, ``busy_start``,
        ``busy_end``."""
        mine = [visits.get(s, ()) for s in self.staff_ids]
        counts = [len(v) for v in mine]
        total = sum(counts)
        flat = np.fromiter(
            chain.from_iterable(chain.from_iterable(mine)), dtype=np.int64, count=4 * total
        ).reshape(total, 4)
        self.visit_col = np.repeat(np.arange(len(self.staff_ids)), counts)
        self.visit_start, self.visit_end, self.visit_client, in_home = flat.T
        start, end = freetime.visit_busy(self.visit_start, self.visit_end, in_home, travel)
        # Travel around a home visit but not around a video session can change their order.
        order = np.argsort(self.visit_col * WORKER_KEY + start, kind="stable")
        self.busy_col, self.busy_start, self.busy_end = (
            self.visit_col[order],
            start[order],
            end[order],
        )

    def _free(
        self,
        hours: Mapping[int, Sequence[tuple[int, time, time]]],
        extras: Mapping[int, Sequence[Span]],
        absences: Mapping[int, Sequence[Span]],
        clock_: Clock,
    ) -> None:
        """Workers × grid: free milliseconds from each grid start (0 when busy or off).

        Free time is the working windows less the visits with their travel: a start is free
        when it lies in a window and in no visit's busy time, and runs to the window's end or
        the next visit's busy start."""
        workers, points = len(self.staff_ids), len(self.grid)
        # Workers with the same hours, extra time and absences share their windows.
        kinds: dict[
            tuple[tuple[tuple[int, time, time], ...], tuple[Span, ...], tuple[Span, ...]], int
        ] = {}
        kind = np.array(
            [
                kinds.setdefault(
                    (tuple(hours[s]), tuple(extras[s]), tuple(absences[s])), len(kinds)
                )
                for s in self.staff_ids
            ],
            dtype=np.int64,
        ).reshape(workers)
        window_end = np.zeros((len(kinds), points), dtype=np.int64)
        for (own, extra, absent), k in kinds.items():
            spans = [
                span
                for day in self.days
                for span in working(day, list(own), list(extra), list(absent), clock_)
            ]
            window_end[k] = window_ends(self.grid, spans)
        self.run = free_runs(
            self.grid, window_end[kind], self.busy_col, self.busy_start, self.busy_end
        )
        # Minutes booked per worker and local day (by the visit's start).
        self.booked = np.zeros((workers, len(self.days)), dtype=np.int64)
        if len(self.visit_col):
            begins, ends = self.visit_start, self.visit_end
            day = np.searchsorted(self.day_starts, begins, side="right") - 1
            ends_of_day = np.array([d.end for d in self.days], dtype=np.int64)
            inside = (day >= 0) & (begins < ends_of_day[np.maximum(day, 0)])
            np.add.at(self.booked, (self.visit_col[inside], day[inside]), (ends - begins)[inside])
        self.booked //= MINUTE

    def _places(self, home: Mapping[int, tuple[float | None, float | None]]) -> None:
        """Workers × grid: where each worker comes from (their last visit that day, else home)."""
        self.home_lat = np.array(
            [np.nan if p.home_lat is None else p.home_lat for p in self.people]
        )
        self.home_lon = np.array(
            [np.nan if p.home_lon is None else p.home_lon for p in self.people]
        )
        shape = (len(self.staff_ids), len(self.grid))
        # Every visit keyed by (worker, end), to look up many workers at once.
        self.visit_keys = self.visit_col * WORKER_KEY + self.visit_end
        clients = np.array(sorted(home), dtype=np.int64)
        lat = np.array([home[c][0] for c in clients.tolist()], dtype=float)
        lon = np.array([home[c][1] for c in clients.tolist()], dtype=float)
        at = np.minimum(np.searchsorted(clients, self.visit_client), max(len(clients) - 1, 0))
        if len(clients):
            known = clients[at] == self.visit_client
            where = [np.where(known, lat[at], np.nan), np.where(known, lon[at], np.nan)]
        else:
            where = [np.full(len(self.visit_client), np.nan)] * 2
        self.visit_where = np.stack(where, axis=1).reshape(-1, 2)
        self.from_lat = np.broadcast_to(self.home_lat[:, None], shape).copy()
        self.from_lon = np.broadcast_to(self.home_lon[:, None], shape).copy()
        if not len(self.visit_keys):
            return
        worker = np.arange(len(self.staff_ids))
        at = np.searchsorted(self.visit_keys, worker[:, None] * WORKER_KEY + self.grid, "right") - 1
        last = np.maximum(at, 0)
        that_day = (
            (at >= 0)
            & (self.visit_col[last] == worker[:, None])
            & (self.visit_end[last] >= self.day_starts[self.grid_day])
        )
        self.from_lat = np.where(that_day, self.visit_where[last, 0], self.from_lat)
        self.from_lon = np.where(that_day, self.visit_where[last, 1], self.from_lon)

    def _client_caps(self, busy: ClientBusy) -> Ints:
        """Requests × grid: free milliseconds before the client's own next visit, 0 inside one
        (``free_runs`` with no working window to end it; very large with no such visit).
        ``busy``: the clients' visits touching each window as (row, start, end), by row."""
        unbounded = np.full((len(self.queue), len(self.grid)), _NONE, dtype=np.int64)
        row, begins, ends = busy
        return free_runs(self.grid, unbounded, row, begins, ends)

    def _origins(
        self,
        floors: Ints,
        days: Ints,
        has_free: NDArray[np.bool_],
        first: Ints,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], Ints]:
        """Requests × workers: where each worker comes from and the minutes booked that day, at
        the first free start where there is one, else at the window's start (``floors``, which
        may fall between grid starts; ``days``, its local day)."""
        rows, workers, points = len(floors), len(self.staff_ids), len(self.grid)
        lat = np.broadcast_to(self.home_lat, (rows, workers))
        lon = np.broadcast_to(self.home_lon, (rows, workers))
        if len(self.visit_keys):
            # Each worker's last visit ending by each window's start: how many of the worker's
            # visits have ended by each start, the starts taken in order.
            order = np.argsort(floors, kind="stable")
            by = np.searchsorted(floors[order], self.visit_end, side="left")
            ended = np.bincount(self.visit_col * (rows + 1) + by, minlength=workers * (rows + 1))
            ended = np.cumsum(ended.reshape(workers, rows + 1), axis=1)[:, :rows]
            mine = np.bincount(self.visit_col, minlength=workers)
            before = np.cumsum(mine) - mine
            at = np.empty((rows, workers), dtype=np.int64)
            at[order] = (before[:, None] + ended - 1).T
            last = np.maximum(at, 0)
            found = (at >= before) & (self.visit_end[last] >= self.day_starts[days][:, None])
            lat = np.where(found, self.visit_where[last, 0], lat)
            lon = np.where(found, self.visit_where[last, 1], lon)
        if not points:
            return np.array(lat), np.array(lon), np.zeros((rows, workers), dtype=np.int64)
        at_grid = np.minimum(first, points - 1)
        cell = np.arange(workers) * points + at_grid
        day = np.arange(workers) * len(self.days) + self.grid_day[at_grid]
        return (
            np.where(has_free, self.from_lat.ravel()[cell], lat),
            np.where(has_free, self.from_lon.ravel()[cell], lon),
            np.where(has_free, self.booked.ravel()[day], self.booked.T[days]),
        )

    def _fits(self, length: int) -> NDArray[np.bool_]:
        """Workers × grid: a visit of ``length`` fits in the worker's own free time there."""
        if length not in self.fits:
            self.fits[length] = np.ascontiguousarray(self.run >= length)
        return self.fits[length]


#: Larger than any free run.
_NONE = np.iinfo(np.int64).max
