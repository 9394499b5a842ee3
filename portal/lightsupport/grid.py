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
