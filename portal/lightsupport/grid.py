"""Workers' free time on the local step grid, as NumPy arrays (for planning a whole queue).

Built from what ``freetime`` loads: for every worker and every grid start (…:00, …:30 inside
support hours) how many milliseconds are free from there, where the worker comes from (their
last visit that day, else home), and the minutes booked per local day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from ..booking.rules import BookingRules
from .freetime import MINUTE, Clock, Span, subtract, working

#: Keys worker index × this + milliseconds order visits by worker, then time (ms < 2**42).
WORKER_KEY = 2**42


class FreeTimeGrid:
    """``grid`` (UTC ms of each start) and ``grid_day``; ``run``, ``from_lat``/``from_lon``
    (workers × grid); ``booked`` (workers × days); ``visit_keys``/``visit_where`` (every visit
    by worker and end, with where it was); ``home_lat``/``home_lon`` (per worker). Subclasses
    set ``days``, ``staff_ids``, ``people`` and ``column`` first."""

    def _empty(self):  # type: ignore[no-untyped-def]
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
        points, day_of = [], []
        for number, day in enumerate(self.days):
            first = -(-(day.opens - day.grid_origin) // step) * step + day.grid_origin
            found = range(first, day.closes, step)
            points += found
            day_of += [number] * len(found)
        self.grid = np.array(points, dtype=np.int64)
        self.grid_day = np.array(day_of, dtype=np.int64)
        self.day_starts = np.array([d.start for d in self.days], dtype=np.int64)

    def _free(self, hours, extras, absences, visits, clock_: Clock) -> None:  # type: ignore[no-untyped-def]
        """Workers × grid: free milliseconds from each grid start (0 when busy or off)."""
        self.run = np.zeros((len(self.staff_ids), len(self.grid)), dtype=np.int64)
        self.booked = np.zeros((len(self.staff_ids), len(self.days)), dtype=np.int64)
        for i, staff_id in enumerate(self.staff_ids):
            busy = [(s, e) for s, e, _ in visits.get(staff_id, [])]
            # One worker's visits never overlap: sorted by start, they are sorted by end too.
            busy_starts, busy_ends = [s for s, _ in busy], [e for _, e in busy]
            free: list[Span] = []
            for day in self.days:
                windows = working(
                    day, hours[staff_id], extras[staff_id], absences[staff_id], clock_
                )
                that_day = busy[
                    bisect_right(busy_ends, day.opens) : bisect_left(busy_starts, day.closes)
                ]
                free += subtract(windows, that_day)
            if free:
                starts = np.array([s for s, _ in free], dtype=np.int64)
                ends = np.array([e for _, e in free], dtype=np.int64)
                at = np.searchsorted(ends, self.grid, side="right")
                inside = at < len(ends)
                at = np.minimum(at, len(ends) - 1)
                inside &= starts[at] <= self.grid
                self.run[i] = np.where(inside, ends[at] - self.grid, 0)
        # Minutes booked per worker and local day (by the visit's start).
        mine = [(self.column[w], s, e) for w, vs in visits.items() for s, e, _ in vs]
        if mine:
            worker, begins, ends = (np.array(x, dtype=np.int64) for x in zip(*mine, strict=True))
            day = np.searchsorted(self.day_starts, begins, side="right") - 1
            ends_of_day = np.array([d.end for d in self.days], dtype=np.int64)
            inside = (day >= 0) & (begins < ends_of_day[np.maximum(day, 0)])
            np.add.at(self.booked, (worker[inside], day[inside]), (ends - begins)[inside])
        self.booked //= MINUTE

    def _places(self, visits, home) -> None:  # type: ignore[no-untyped-def]
        """Workers × grid: where each worker comes from (their last visit that day, else home)."""
        shape = (len(self.staff_ids), len(self.grid))
        self.from_lat, self.from_lon = np.full(shape, np.nan), np.full(shape, np.nan)
        day_start = self.day_starts[self.grid_day]
        keys, places = [], []
        for i, person in enumerate(self.people):
            mine = visits.get(person.id, [])
            lat = np.nan if person.home_lat is None else person.home_lat
            lon = np.nan if person.home_lon is None else person.home_lon
            self.from_lat[i], self.from_lon[i] = lat, lon
            # Visits of one worker never overlap, so the last to end is the last to start.
            ends = np.array([e for _, e, _ in mine], dtype=np.int64)
            where = np.array([home.get(c, (None, None)) for _, _, c in mine], dtype=float).reshape(
                -1, 2
            )
            keys += [i * WORKER_KEY + e for _, e, _ in mine]
            places.append(where)
            if not mine:
                continue
            at = np.searchsorted(ends, self.grid, side="right") - 1
            that_day = (at >= 0) & (ends[np.maximum(at, 0)] >= day_start)
            self.from_lat[i] = np.where(that_day, where[np.maximum(at, 0), 0], lat)
            self.from_lon[i] = np.where(that_day, where[np.maximum(at, 0), 1], lon)
        # Every visit keyed by (worker, end), to look up many workers at once.
        self.visit_keys = np.array(keys, dtype=np.int64)
        self.visit_where = np.concatenate(places) if places else np.zeros((0, 2))
        self.home_lat = np.array(
            [np.nan if p.home_lat is None else p.home_lat for p in self.people]
        )
        self.home_lon = np.array(
            [np.nan if p.home_lon is None else p.home_lon for p in self.people]
        )

    def _fits(self, length: int) -> np.ndarray:
        """Workers × grid: a visit of ``length`` fits in the worker's own free time there."""
        if length not in self.fits:
            self.fits[length] = np.ascontiguousarray(self.run >= length)
        return self.fits[length]


#: Larger than any grid index.
_NONE = np.iinfo(np.int64).max


class Fits:
    """Where a visit of one length fits, indexed for counting over any range of the grid.

    Workers × grid (+1): ``before[w, g]``, how many starts before grid index ``g`` fit worker
    ``w``; ``next[w, g]``, the first start at or after ``g`` that fits (the grid's length when
    none); and ``at[w, j]``, the ``j``-th start that fits. Small integers (int32): the arrays
    over requests' stretches × workers below are the batch's largest.
    """

    def __init__(self, fits: np.ndarray) -> None:
        workers, points = fits.shape
        self.fits = fits
        self.before = np.zeros((workers, points + 1), dtype=np.int32)
        np.cumsum(fits, axis=1, dtype=np.int32, out=self.before[:, 1:])
        ahead = np.full((workers, points + 1), points, dtype=np.int32)
        ahead[:, :points] = np.where(fits, np.arange(points, dtype=np.int32), points)
        self.next = np.ascontiguousarray(np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1])
        who, where = np.nonzero(fits)
        totals = self.before[:, -1]
        self.width = int(totals.max(initial=0))
        self.at = np.full((workers, self.width + 1), points, dtype=np.int32)
        offset = np.concatenate(([0], np.cumsum(totals, dtype=np.int64)[:-1]))
        self.at[who, np.arange(len(who)) - offset[who]] = where

    def first_starts(self, allowed: np.ndarray, ga: np.ndarray, gb: np.ndarray, most: int):
        """For requests (rows of ``allowed``, requests × grid: the starts their window and the
        client's own visits leave) × workers: how many starts fit, the first (``ga`` when none)
        and the ``most``-th (``gb - 1`` when fewer fit); and the allowed stretches of the grid
        (row, first index, end index), each request's in order."""
        rows, workers = allowed.shape[0], self.before.shape[0]
        edges = np.diff(allowed.view(np.int8), axis=1, prepend=0, append=0)
        row, where = np.nonzero(edges)
        opening = edges[row, where] == 1
        row, a, b = row[opening], where[opening], where[~opening]
        count = np.zeros((rows, workers), dtype=np.int64)
        first = np.broadcast_to(ga[:, None], (rows, workers)).copy()
        last = np.broadcast_to(gb[:, None] - 1, (rows, workers)).copy()
        if not len(row):
            return count, first, last, (row, a, b)
        # Workers × stretches; a request's stretches are consecutive and in grid order, so a
        # running sum over all stretches, less its value before the request's first, sums
        # over the request.
        has, group = np.unique(row, return_index=True)
        ends = np.append(group[1:], len(row)) - 1
        sizes = ends - group + 1

        def per_request(values: np.ndarray) -> np.ndarray:
            running = np.cumsum(values, axis=1, dtype=np.int32)
            total = running[:, ends]
            total[:, 1:] -= running[:, ends[:-1]]
            return total

        inside = self.before[:, b] - self.before[:, a]
        earlier = np.cumsum(inside, axis=1, dtype=np.int32)
        ahead = earlier[:, ends]
        ahead[:, 1:] -= earlier[:, ends[:-1]]
        earlier -= inside
        if len(has) > 1:
            earlier -= np.repeat(earlier[:, group], sizes, axis=1)
        else:
            earlier -= earlier[:, :1]
        count[has] = ahead.T
        # The first start that fits is in the first stretch with any; the ``most``-th in the
        # stretch where the count reaches it (one stretch per request and worker, or none).
        found = per_request(np.where((earlier == 0) & (inside > 0), self.next[:, a], 0))
        first[has] = np.where(ahead > 0, found, ga[has]).T
        j = np.minimum(self.before[:, a] + (most - 1) - earlier, self.width)
        nth = np.take_along_axis(self.at, np.maximum(j, 0), axis=1)
        found = per_request(np.where((earlier < most) & (earlier + inside >= most), nth, 0))
        last[has] = np.where(ahead >= most, found, gb[has] - 1).T
        return count, first, last, (row, a, b)

    def offered(self, stretches, keep: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Workers × grid: the starts that fit, inside a stretch of a request the worker is kept
        for (``keep``, requests × workers) and not after that pair's ``last``."""
        row, a, b = stretches
        workers, points = self.fits.shape
        if not len(row):
            return np.zeros((workers, points), dtype=bool)
        # +1 where a run of offered starts opens, -1 where it closes (nothing where it is empty).
        offset = np.arange(workers) * (points + 1)
        lo = offset + a[:, None]
        hi = offset + np.minimum(b[:, None], last[row] + 1)
        hi = np.where(keep[row] & (hi > lo), hi, lo)
        size = workers * (points + 1)
        marks = np.bincount(lo.ravel(), minlength=size) - np.bincount(hi.ravel(), minlength=size)
        inside = np.cumsum(marks.reshape(workers, points + 1), axis=1)[:, :points] > 0
        return inside & self.fits
