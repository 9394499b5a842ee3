"""Planning "Fördela alla": the whole queue against every worker, scored and solved at once.

Rows are requests, columns are free times of workers (up to ``BLOCKS`` per worker and local
day, far enough apart that one worker can take several requests without double booking). Each
request's feasibility, first free starts, travel and load come out of ``World`` as arrays, the
scores from ``scoring.score_table`` (the same criteria as the console), and SciPy's
``linear_sum_assignment`` finds the assignment with the most feasible pairs and, among those,
the highest total score. ``tests/portal/test_matching_speedups.py`` checks the matrix and the
optimum against the straightforward per-request way (``tests/portal/matching_reference.py``).
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from models import SupportRequest

from ...booking import freetime
from ...booking.rules import BookingRules
from ..candidates import FREE_STARTS
from ..continuity import ContinuityCap
from ..fits import Fits
from ..schedule import MINUTE, to_moment
from ..scoring import Pairs, Suggestion, score_table
from ..weights import Weights
from .kept import kept_suggestions
from .world import World

#: Separate free times each worker offers the batch per local day (one column each).
BLOCKS = 4
#: Scores are well below this, so one more feasible pair always beats any score gain.
INFEASIBLE = 1e6


@dataclass
class Plan:
    """What the batch decided, and why."""

    requests: list[SupportRequest]
    #: (worker, start) per column of ``scores``.
    columns: list[tuple[int, datetime]]
    #: requests × columns; NaN where the pair breaks a hard rule.
    scores: NDArray[np.float64]
    #: row → column.
    chosen: dict[int, int]
    #: Per assigned row: the best few suggestions (and the chosen one), reasons on demand.
    ranked: dict[int, list[Suggestion]] = field(default_factory=dict)
    #: Seconds spent loading, scoring, solving and writing the result.
    timings: dict[str, float] = field(default_factory=dict)


def optimal(scores: NDArray[np.float64]) -> dict[int, int]:
    """Map row → column maximising (feasible pairs, total score); NaN marks infeasible."""
    if scores.size == 0:
        return {}
    # Imported here: scipy.optimize takes some 0.6 s to import, which every app start (and
    # every gunicorn restart) would otherwise pay for a button pressed a few times a day.
    from scipy.optimize import linear_sum_assignment

    feasible = ~np.isnan(scores)
    rows, cols = linear_sum_assignment(np.where(feasible, -scores, INFEASIBLE))
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if feasible[r, c]}


def plan(
    session: Session,
    queue: Sequence[SupportRequest],
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    weights: Weights,
    solve: Callable[[NDArray[np.float64]], dict[int, int]] = optimal,
    keep: int = 5,
    contact_unit: int | None = None,
) -> Plan:
    """The optimal assignment of ``queue``, with the ``keep`` best suggestions per request
    (``contact_unit``: see ``people.unit_asked``)."""
    began = clock.perf_counter()
    world = World.load(session, list(queue), now, zone, rules, contact_unit)
    loaded = clock.perf_counter()
    scored = score(world, weights)
    columns, scores = matrix(world, scored)
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
class Scored:
    """Requests × workers: the score and its parts, and what decides whether a pair can be."""

    total: NDArray[np.float64]
    parts: dict[str, NDArray[np.float64]]
    #: The worker may be asked for the request (its unit, or a regular worker).
    eligible: NDArray[np.bool_]
    has_free: NDArray[np.bool_]
    feasible: NDArray[np.bool_]
    capped: NDArray[np.bool_]
    #: Grid index of each pair's first free start, and of its last kept one (``FREE_STARTS``).
    first: NDArray[np.int64]
    last: NDArray[np.int64]
    pairs: Pairs
    #: Workers × grid: a free start kept by at least one request.
    offered: NDArray[np.bool_]


def score(world: World, weights: Weights) -> Scored:
    """Every pair's free starts, the continuity cap and the score."""
    rows, cols, points = len(world.queue), len(world.staff_ids), len(world.grid)
    starts = np.array(world.starts, dtype=np.int64)
    lengths = world.lengths
    live = (starts < np.array(world.ends, dtype=np.int64)) & np.array(
        [len(a) > 0 for a in world.asked], dtype=np.bool_
    )
    world.ga = np.searchsorted(world.grid, starts, side="left")
    ends = np.array(world.ends, dtype=np.int64) - lengths
    world.gb = np.maximum(world.ga, np.searchsorted(world.grid, ends, side="right"))
    floors = np.array(world.floors, dtype=np.int64)
    days = np.clip(np.searchsorted(world.day_starts, floors, side="right") - 1, 0, None)
    eligible, regular, seen = (np.zeros((rows, cols), dtype=bool) for _ in range(3))
    has_free, capped = np.zeros((rows, cols), dtype=bool), np.zeros((rows, cols), dtype=bool)
    first = np.zeros((rows, cols), dtype=np.int64)
    last = np.full((rows, cols), -1, dtype=np.int64)
    offered = np.zeros(world.run.shape, dtype=bool)
    world.fits = {}
    histories, busy = world.clients_visits(live, eligible, regular, seen)
    caps = world.capmat = world._client_caps(busy)
    if points:
        for length in np.unique(lengths[live]).tolist():
            todo = np.flatnonzero(live & (lengths == length))
            _free_starts(
                world,
                todo,
                length,
                caps,
                histories,
                eligible,
                has_free,
                capped,
                first,
                last,
                offered,
            )
    from_lat, from_lon, booked = world._origins(floors, days, has_free, first)
    pairs = Pairs(regular, seen, from_lat, from_lon, booked)
    total_score, parts = score_table(world.wanted, world.people, pairs, weights)
    return Scored(
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


def _free_starts(
    world: World,
    todo: NDArray[np.intp],
    length: int,
    caps: NDArray[np.int64],
    histories: dict[int, list[tuple[int, int]]],
    eligible: NDArray[np.bool_],
    has_free: NDArray[np.bool_],
    capped: NDArray[np.bool_],
    first: NDArray[np.int64],
    last: NDArray[np.int64],
    offered: NDArray[np.bool_],
) -> None:
    """For the requests asking for one length: each worker's first free start, the last of
    the first ``FREE_STARTS``, the continuity cap, and the starts offered to the batch.

    Counted per stretch of the grid the request allows (its window, less the client's own
    visits) from each worker's running count of starts that fit (``fits.Fits``)."""
    points = len(world.grid)
    fits = Fits(world._fits(length))
    ga, gb = world.ga[todo], world.gb[todo]
    grid = np.arange(points)
    allowed = (grid >= ga[:, None]) & (grid < gb[:, None]) & (caps[todo] >= length)
    count, first_, last_, stretches = fits.first_starts(allowed, ga, gb, FREE_STARTS)
    free = (count > 0) & eligible[todo]
    has_free[todo], first[todo], last[todo] = free, first_, last_
    moments = world.grid[np.minimum(first_, points - 1)]
    staff_ids = world.staff_array
    for i, row in enumerate(todo.tolist()):
        if row not in histories:
            continue
        rule = ContinuityCap(histories[row], world.rules)
        when = np.where(free[i], moments[i], world.floors[row])
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


def matrix(world: World, scored: Scored) -> tuple[list[tuple[int, int]], NDArray[np.float64]]:
    """Columns (up to ``BLOCKS`` starts per worker and local day, far enough apart for the
    longest request and its travel) and each request's score for each, NaN where the pair
    breaks a hard rule."""
    rows, points = len(world.queue), len(world.grid)
    longest = int(world.lengths.max()) if len(world.lengths) else 60 * MINUTE
    workers = len(world.staff_ids)
    # Each worker's next offered start from each grid start on.
    ahead = np.full((workers, points + 1), points, dtype=np.int64)
    ahead[:, :points] = np.where(scored.offered, np.arange(points), points)
    ahead = np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1]
    everyone = np.arange(workers)
    day_first = np.searchsorted(world.grid_day, np.arange(len(world.days)), side="left")
    free_from = np.full(workers, np.iinfo(np.int64).min)  # the last pick's end
    travel = world.rules.travel_buffer // timedelta(milliseconds=1)
    picks = []
    for day, first in enumerate(day_first.tolist()):
        for _ in range(BLOCKS):
            start = np.maximum(first, np.searchsorted(world.grid, free_from, side="left"))
            pick = ahead[everyone, np.minimum(start, points)]
            found = pick < points
            found[found] = world.grid_day[pick[found]] == day
            picks.append(np.where(found, pick, points))
            # The next block comes after the longest visit here and, should that be in a
            # home, its travel (``freetime.visit_busy``), so one worker can take both.
            at = world.grid[np.minimum(pick, points - 1)]
            free_from = np.where(found, freetime.visit_busy(at, at + longest, True, travel)[1],
                                 free_from)  # fmt: skip
            if not found.any():
                break
    picked = np.stack(picks, axis=1) if picks else np.zeros((workers, 0), dtype=np.int64)
    valid = picked < points  # workers × blocks
    # Block by block (each block's workers in order), so each block fills whole rows of
    # the columns × requests array below.
    block, worker = np.nonzero(valid.T)
    point = picked[worker, block]
    columns = list(zip(world.staff_array[worker].tolist(), world.grid[point].tolist(), strict=True))
    scores = np.full((len(columns), rows), np.nan)
    if not columns:
        return columns, scores.T
    grid = np.arange(points)
    fits = (
        (grid[:, None] >= world.ga) & (grid[:, None] < world.gb) & (world.capmat.T >= world.lengths)
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
            & (world.run[these, at][:, None] >= world.lengths)
            & (at[:, None] <= last[these])
        )
        scores[done : done + len(these)] = np.where(usable, total[these], np.nan)
        done += len(these)
    return columns, scores.T
