"""Planning "Fördela alla": the whole queue against every worker, loaded and scored at once.

The straightforward way (ranked suggestions per request, then ``assign.blocks`` and
``assign.score_matrix``) asks the database once per request and scores each pair in Python:
seconds for 1,000 requests × 300 workers. Here every table is read once for the whole queue,
free time lives on the local step grid as a workers × grid matrix of "free minutes from here",
and each request's feasibility, first starts, travel and load come out as arrays; the scores
come from ``vectorised.score_table``. Reasons are written only for the few suggestions kept
with each assignment. ``tests/portal/test_matching_speedups.py`` checks the matrix equals the
straightforward one.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from models import Channel, SupportRequest

from ..booking.rules import BookingRules
from ..lightsupport import catalogue
from . import batch
from .candidates import FREE_STARTS, ContinuityCap
from .freetime import (
    MINUTE,
    Clock,
    availability_ms,
    ceil_ms,
    client_visits_ms,
    homes,
    local_days,
    to_moment,
    to_ms,
    visits_ms,
    weekly_hours_on,
)
from .grid import Fits, FreeTimeGrid
from .people import active_workers, others, people, regular_workers_of, unit_asked
from .planresult import kept_suggestions
from .scoring import Suggestion, Wanted, Weights
from .vectorised import Pairs, Workers, score_table

#: Separate free times each worker offers the batch per local day (one column each).
BLOCKS = 4


@dataclass
class Plan:
    requests: list[SupportRequest]
    #: (worker, start) per column of ``scores``.
    columns: list[tuple[int, datetime]]
    #: requests × columns; NaN where the pair breaks a hard rule.
    scores: np.ndarray
    #: row → column.
    chosen: dict[int, int]
    #: Per assigned row: the best few suggestions (and the chosen one), reasons on demand.
    ranked: dict[int, list[Suggestion]] = field(default_factory=dict)
    #: Seconds spent loading, scoring, solving and writing the result.
    timings: dict[str, float] = field(default_factory=dict)


def plan(
    session: Session,
    queue: Sequence[SupportRequest],
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    weights: Weights,
    solve: Callable[[np.ndarray], dict[int, int]] = batch.optimal,
    keep: int = 5,
    contact_unit: int | None = None,
) -> Plan:
    """The optimal assignment of ``queue``, with the ``keep`` best suggestions per request
    (``contact_unit``: see ``people.unit_asked``)."""
    with batch.collecting_later():
        return _plan(session, queue, now, zone, rules, weights, solve, keep, contact_unit)


def _plan(session, queue, now, zone, rules, weights, solve, keep, contact_unit) -> Plan:  # type: ignore[no-untyped-def]
    began = clock.perf_counter()
    world = _World.load(session, list(queue), now, zone, rules, contact_unit)
    loaded = clock.perf_counter()
    scored = world.score(weights)
    columns, scores = world.matrix(scored)
    scored_at = clock.perf_counter()
    chosen = solve(scores)
    solved = clock.perf_counter()
    result = Plan(list(queue), [(s, to_moment(t)) for s, t in columns], scores, chosen)
    result.ranked = kept_suggestions(world, scored, weights, keep, chosen, columns)
    done = clock.perf_counter()
    result.timings = {
        "load": loaded - began,
        "score": scored_at - loaded,
        "solve": solved - scored_at,
        "result": done - solved,
    }
    return result


@dataclass
class _Scored:
    total: np.ndarray
    parts: dict[str, np.ndarray]
    eligible: np.ndarray
    has_free: np.ndarray
    feasible: np.ndarray
    capped: np.ndarray
    #: Grid index of each pair's first free start, and of its last kept one (``FREE_STARTS``).
    first: np.ndarray
    last: np.ndarray
    pairs: Pairs
    #: Workers × grid: a free start kept by at least one request.
    offered: np.ndarray


class _World(FreeTimeGrid):
    """Everything the batch needs, read in one query per table."""

    @classmethod
    def load(
        cls,
        session: Session,
        queue: list[SupportRequest],
        now: datetime,
        zone: ZoneInfo,
        rules: BookingRules,
        contact_unit: int | None = None,
    ) -> _World:
        self = cls()
        self.queue, self.now, self.zone, self.rules = queue, now, zone, rules
        # Each request's attributes read once (ORM attribute access is not free at 1,000).
        facts = [_facts(r, now, contact_unit) for r in queue]
        self.client_ids = [f[0] for f in facts]
        units_of = [f[1] for f in facts]
        self.starts, self.floors, self.ends = ([f[k] for f in facts] for k in (2, 3, 4))
        self.lengths = np.array([f[5] for f in facts], dtype=np.int64) * MINUTE
        client_ids = [c for c in self.client_ids if c is not None]
        workers = active_workers(session)
        regular = regular_workers_of(session, client_ids)
        self.regular = [regular[c] if c is not None else [] for c in self.client_ids]
        units = set(units_of)
        # Who may be asked: the client's regular workers and the unit's (any unit's) workers.
        of_unit = {unit: others(workers, unit, []) for unit in units}
        staff = {w.id: w for w in workers}
        asked_ids = {s for ids in of_unit.values() for s in ids}
        asked_ids.update(s for ids in self.regular for s in ids)
        staff.update(people(session, asked_ids - set(staff)))
        self.staff_ids = sorted(asked_ids)
        self.people = [staff[s] for s in self.staff_ids]
        self.column = {s: i for i, s in enumerate(self.staff_ids)}
        self.staff_array = np.array(self.staff_ids, dtype=np.int64)
        unit_columns = {
            unit: np.array([self.column[s] for s in ids], dtype=np.int64)
            for unit, ids in of_unit.items()
        }
        unit_sets = {unit: set(ids) for unit, ids in of_unit.items()}
        self.asked = [
            unit_columns[unit]
            if unit_sets[unit].issuperset(ids)
            else np.union1d(
                unit_columns[unit], np.array([self.column[s] for s in ids], dtype=np.int64)
            )
            for unit, ids in zip(units_of, self.regular, strict=True)
        ]
        categories = {c.key: c.skill for c in catalogue.categories(session, active_only=False)}
        self.wanted = [Wanted(**f[7], category_skill=categories.get(f[6])) for f in facts]
        open_ = [
            i for i in range(len(queue)) if self.starts[i] < self.ends[i] and len(self.asked[i])
        ]
        if not open_ or not self.staff_ids:
            self.days, self.grid = [], np.zeros(0, dtype=np.int64)
            return self._empty()
        first = to_moment(min(self.starts[i] for i in open_)).astimezone(zone).date()
        last = to_moment(max(self.ends[i] for i in open_)).astimezone(zone).date()
        self.days = local_days(first, last, zone, rules)
        begin, end = to_moment(self.days[0].start), to_moment(self.days[-1].end)
        hours = weekly_hours_on(session, self.staff_ids, {d.day.weekday() for d in self.days})
        extras, absences = availability_ms(session, self.staff_ids, begin, end)
        visits = visits_ms(session, self.staff_ids, begin, end)
        window = rules.continuity_window
        history = client_visits_ms(
            session,
            client_ids,
            to_moment(min(self.starts[i] for i in open_)) - window,
            to_moment(max(self.starts[i] for i in open_)) + window,
        )
        self.history = history
        self._grid(rules)
        self._visits(visits)
        home = homes(session, np.unique(self.visit_client).tolist())
        self._free(hours, extras, absences, Clock(zone))
        self._places(home)
        return self

    def _clients_visits(self, live, eligible, regular, seen):  # type: ignore[no-untyped-def]
        """Mark who may be asked and who the client knows (regular, seen lately), for the live
        requests; return the clients' visits near each window for the continuity cap (only
        where the client already has ``max_workers`` workers: fewer cannot break it) and the
        client's own visits touching each window, (row, start, end), by row."""
        rows = np.flatnonzero(live).tolist()
        by_array: dict[int, tuple[np.ndarray, list[int]]] = {}
        for row in rows:
            by_array.setdefault(id(self.asked[row]), (self.asked[row], []))[1].append(row)
        for asked, these in by_array.values():
            eligible[np.array(these)[:, None], asked] = True
        pairs = [(row, self.column[s]) for row in rows for s in self.regular[row]]
        if pairs:
            regular[tuple(np.array(pairs).T)] = True
        # Every live request's client's visits, one after another (row, start, end, worker).
        empty: list[tuple[int, int, int]] = []
        visits = [
            self.history.get(c, empty) if c is not None else empty
            for c in (self.client_ids[row] for row in rows)
        ]
        counts = [len(v) for v in visits]
        total = sum(counts)
        flat = np.fromiter(
            chain.from_iterable(chain.from_iterable(visits)), dtype=np.int64, count=3 * total
        ).reshape(total, 3)
        begins, ends, staff = flat.T
        row = np.repeat(np.array(rows, dtype=np.int64), counts)
        start = np.array(self.starts, dtype=np.int64)[row]
        window = self.rules.continuity_window // timedelta(milliseconds=1)
        near = (start - window <= begins) & (begins < start + window)
        at = np.minimum(np.searchsorted(self.staff_array, staff), len(self.staff_array) - 1)
        known = self.staff_array[at] == staff
        lately = near & (begins < ceil_ms(self.now)) & known  # visited before now
        seen[row[lately], at[lately]] = True
        histories: dict[int, list[tuple[int, int]]] = {}
        if near.any():
            pairs_ = np.unique(np.stack([row[near], staff[near]], axis=1), axis=0)
            who, many = np.unique(pairs_[:, 0], return_counts=True)
            for r in who[many >= self.rules.max_workers].tolist():
                mine = near & (row == r)
                histories[r] = list(zip(begins[mine].tolist(), staff[mine].tolist(), strict=True))
        # The client's own visits touching the window (the client cannot be in two places).
        touch = (begins < np.array(self.ends, dtype=np.int64)[row]) & (ends > start)
        return histories, (row[touch], begins[touch], ends[touch])

    def score(self, weights: Weights) -> _Scored:
        rows, cols, points = len(self.queue), len(self.staff_ids), len(self.grid)
        starts = np.array(self.starts, dtype=np.int64)
        lengths = self.lengths
        live = (starts < np.array(self.ends, dtype=np.int64)) & np.array(
            [len(a) > 0 for a in self.asked], dtype=bool
        )
        self.ga = np.searchsorted(self.grid, starts, side="left")
        ends = np.array(self.ends, dtype=np.int64) - lengths
        self.gb = np.maximum(self.ga, np.searchsorted(self.grid, ends, side="right"))
        floors = np.array(self.floors, dtype=np.int64)
        days = np.clip(np.searchsorted(self.day_starts, floors, side="right") - 1, 0, None)
        eligible, regular, seen = (np.zeros((rows, cols), dtype=bool) for _ in range(3))
        has_free, capped = np.zeros((rows, cols), dtype=bool), np.zeros((rows, cols), dtype=bool)
        first = np.zeros((rows, cols), dtype=np.int64)
        last = np.full((rows, cols), -1, dtype=np.int64)
        offered = np.zeros(self.run.shape, dtype=bool)
        self.fits: dict[int, np.ndarray] = {}
        histories, busy = self._clients_visits(live, eligible, regular, seen)
        caps = self.capmat = self._client_caps(busy)
        if points:
            for length in np.unique(lengths[live]).tolist():
                todo = np.flatnonzero(live & (lengths == length))
                self._free_starts(
                    todo, length, caps, histories, eligible, has_free, capped, first, last, offered
                )
        from_lat, from_lon, booked = self._origins(floors, days, has_free, first)
        pairs = Pairs(regular, seen, from_lat, from_lon, booked)
        table = Workers([p.skills for p in self.people], [p.languages for p in self.people])
        total_score, parts = score_table(self.wanted, table, pairs, weights)
        return _Scored(
            total=total_score,
            parts=parts,
            eligible=eligible,
            has_free=has_free,
            feasible=has_free & ~capped,
            capped=capped,
            first=first,
            last=last,
            pairs=pairs,
            offered=offered,
        )

    def _free_starts(  # type: ignore[no-untyped-def]
        self, todo, length, caps, histories, eligible, has_free, capped, first, last, offered
    ) -> None:
        """For the requests asking for one length: each worker's first free start, the last of
        the first ``FREE_STARTS``, the continuity cap, and the starts offered to the batch.

        Counted per stretch of the grid the request allows (its window, less the client's own
        visits) from each worker's running count of starts that fit (``grid.Fits``)."""
        points = len(self.grid)
        fits = Fits(self._fits(length))
        ga, gb = self.ga[todo], self.gb[todo]
        grid = np.arange(points)
        allowed = (grid >= ga[:, None]) & (grid < gb[:, None]) & (caps[todo] >= length)
        count, first_, last_, stretches = fits.first_starts(allowed, ga, gb, FREE_STARTS)
        free = (count > 0) & eligible[todo]
        has_free[todo], first[todo], last[todo] = free, first_, last_
        moments = self.grid[np.minimum(first_, points - 1)]
        staff_ids = self.staff_array
        for i, row in enumerate(todo.tolist()):
            if row not in histories:
                continue
            rule = ContinuityCap(histories[row], self.rules)
            when = np.where(free[i], moments[i], self.floors[row])
            # Starts with the same visits in (start - window, start] share the answer.
            times = np.array(rule.times, dtype=np.int64)
            keys = np.searchsorted(times, when - rule.window, side="right") * (
                len(times) + 1
            ) + np.searchsorted(times, when, side="right")
            for key in np.unique(keys):
                these = keys == key
                nobody, allowed_ = rule.blocks(int(when[np.argmax(these)]))
                if nobody:
                    capped[row] |= these
                elif allowed_ is not None:
                    capped[row] |= these & ~np.isin(staff_ids, list(allowed_))
        offered |= fits.offered(stretches, free & ~capped[todo], last_)

    def matrix(self, scored: _Scored) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Columns (up to ``BLOCKS`` starts per worker and local day, far enough apart for the
        longest request) and each request's score for each, NaN where the pair breaks a hard
        rule."""
        rows, points = len(self.queue), len(self.grid)
        longest = int(self.lengths.max()) if len(self.lengths) else 60 * MINUTE
        workers = len(self.staff_ids)
        # Each worker's next offered start from each grid start on.
        ahead = np.full((workers, points + 1), points, dtype=np.int64)
        ahead[:, :points] = np.where(scored.offered, np.arange(points), points)
        ahead = np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1]
        everyone = np.arange(workers)
        day_first = np.searchsorted(self.grid_day, np.arange(len(self.days)), side="left")
        free_from = np.full(workers, np.iinfo(np.int64).min)  # the last pick's end
        picks = []
        for day, first in enumerate(day_first.tolist()):
            for _ in range(BLOCKS):
                start = np.maximum(first, np.searchsorted(self.grid, free_from, side="left"))
                pick = ahead[everyone, np.minimum(start, points)]
                found = pick < points
                found[found] = self.grid_day[pick[found]] == day
                picks.append(np.where(found, pick, points))
                free_from = np.where(found, self.grid[np.minimum(pick, points - 1)] + longest,
                                     free_from)  # fmt: skip
                if not found.any():
                    break
        picked = np.stack(picks, axis=1) if picks else np.zeros((workers, 0), dtype=np.int64)
        valid = picked < points  # workers × blocks
        # Block by block (each block's workers in order), so each block fills whole rows of
        # the columns × requests array below.
        block, worker = np.nonzero(valid.T)
        point = picked[worker, block]
        columns = list(
            zip(self.staff_array[worker].tolist(), self.grid[point].tolist(), strict=True)
        )
        scores = np.full((len(columns), rows), np.nan)
        if not columns:
            return columns, scores.T
        grid = np.arange(points)
        fits = (
            (grid[:, None] >= self.ga) & (grid[:, None] < self.gb) & (self.capmat.T >= self.lengths)
        )  # grid × requests
        feasible, total = scored.feasible.T.copy(), scored.total.T.copy()  # workers × requests
        last = scored.last.T.copy()
        done = 0
        for k in range(picked.shape[1]):
            these = np.flatnonzero(valid[:, k])  # the workers with a k-th block
            at = picked[these, k]
            usable = (
                feasible[these]
                & fits[at]
                & (self.run[these, at][:, None] >= self.lengths)
                & (at[:, None] <= last[these])
            )
            scores[done : done + len(these)] = np.where(usable, total[these], np.nan)
            done += len(these)
        return columns, scores.T


def _facts(request: SupportRequest, now: datetime, contact_unit: int | None):  # type: ignore[no-untyped-def]
    """What the batch reads of one request: client id, unit, the grid start at or after the
    window's start (rounded up), where a worker is then (rounded down), the window's end
    (rounded down), minutes, category, and what ``Wanted`` holds but the category's skill
    (as ``candidates.wanted_for``, with the catalogue read once for the whole queue)."""
    client = request.client
    opens = max(request.wanted_from, now)
    wanted = {
        "client_name": client.first_name if client else (request.contact_name or ""),
        "needs": tuple(client.needs) if client else (),
        "language": client.language if client else "sv",
        "home_visit": request.channel is Channel.HOME and client is not None,
        "lat": client.lat if client else None,
        "lon": client.lon if client else None,
    }
    return (
        client.id if client is not None else None,
        unit_asked(request, contact_unit),
        ceil_ms(opens),
        to_ms(opens),
        to_ms(request.wanted_to),
        request.minutes,
        request.category,
        wanted,
    )
