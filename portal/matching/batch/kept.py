"""What "Fördela alla" keeps with each assignment: the best few suggestions for the request
(as the console would rank them) and the chosen one, built from the batch's arrays through
``scoring.score`` (pair by pair) so the stored scores, parts and reasons read exactly as the
console's.

Every assigned request is ranked at once (one sort over assigned requests × workers), the
(request, worker) pairs kept are gathered first and each array is read once for all of them
(``tolist``), so the loop that builds the suggestions touches only Python numbers.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from ..schedule import to_moment
from ..scoring import Candidate, Hour, Suggestion, score
from ..weights import Weights

if TYPE_CHECKING:
    from .plan import Scored
    from .world import World


def kept_suggestions(
    world: World,
    scored: Scored,
    weights: Weights,
    keep: int,
    chosen: dict[int, int],
    columns: list[tuple[int, int]],
) -> dict[int, list[Suggestion]]:
    """Per assigned row: the ``keep`` best workers for the request (as the console ranks them:
    feasible first, best score, then staff id) and the one chosen, at the chosen start; their
    reasons are written when first read."""
    if not chosen:
        return {}
    rows = np.fromiter(chosen, dtype=np.int64, count=len(chosen))
    eligible = scored.eligible[rows]
    top, top_eligible = _best(scored.total[rows], scored.feasible[rows], eligible, keep)
    free = eligible & scored.has_free[rows]
    booked = scored.pairs.booked_minutes[rows]
    lightest = np.where(free, booked, np.iinfo(np.int64).max).min(
        axis=1, initial=np.iinfo(np.int64).max
    )
    lightest_at = free & (booked == lightest[:, None])

    # The (row, worker) pairs kept, in order, and the chosen start where it is the chosen one.
    pair_k: list[int] = []
    pair_cols: list[int] = []
    starts: list[int | None] = []
    for k, (row, top_row, ok) in enumerate(zip(rows.tolist(), top, top_eligible, strict=True)):
        staff_id, start = columns[chosen[row]]
        mine = world.column[staff_id]
        picked = [i for i, good in zip(top_row, ok, strict=True) if good]
        if mine not in picked:
            picked.append(mine)
        pair_k += [k] * len(picked)
        pair_cols += picked
        starts += [start if i == mine else None for i in picked]
    pk = np.array(pair_k, dtype=np.int64)
    pc = np.array(pair_cols, dtype=np.int64)
    pr = rows[pk]
    pairs = scored.pairs
    has_free = scored.has_free[pr, pc]
    g = np.where(has_free, scored.first[pr, pc], 0)
    at = world.grid[g] if len(world.grid) else np.zeros(len(pr), dtype=np.int64)
    run = world.run[pc, g] if world.run.size else np.zeros(len(pr), dtype=np.int64)
    if world.capmat.size:
        run = np.where(has_free, np.minimum(run, world.capmat[pr, g]), run)
    until = np.minimum(at + run, np.array(world.ends, dtype=np.int64)[pr])
    from_lat, from_lon = pairs.from_lat[pr, pc], pairs.from_lon[pr, pc]
    # Each array read once for all the kept pairs (``tolist``): the loop touches only numbers.
    facts = {
        "start": starts,
        "free": has_free.tolist(),
        "at": at.tolist(),
        "until": until.tolist(),
        "regular": pairs.regular[pr, pc].tolist(),
        "seen": pairs.seen_lately[pr, pc].tolist(),
        "capped": scored.capped[pr, pc].tolist(),
        "lat": [None if math.isnan(x) else x for x in from_lat.tolist()],
        "lon": [None if math.isnan(x) else x for x in from_lon.tolist()],
        "minutes": pairs.booked_minutes[pr, pc].tolist(),
        "lightest": lightest_at[pk, pc].tolist(),
    }
    hour = _hours(world.zone)
    moments: dict[int, datetime] = {}
    found: dict[int, list[Suggestion]] = {}
    for n, (row, i) in enumerate(zip(pr.tolist(), pair_cols, strict=True)):
        person = world.people[i]
        free = facts["free"][n]
        free_start = _moment(moments, facts["at"][n]) if free else None
        candidate = Candidate(
            staff_id=person.id,
            first_name=person.first_name,
            skills=person.skills,
            languages=person.languages,
            regular=facts["regular"][n],
            seen_lately=facts["seen"][n],
            breaks_continuity_cap=facts["capped"][n],
            free_start=free_start,
            free_until=_moment(moments, facts["until"][n]) if free else None,
            free_starts=(free_start,) if free_start else (),
            from_lat=facts["lat"][n],
            from_lon=facts["lon"][n],
            booked_minutes_today=facts["minutes"][n],
            facts=person.facts,
        )
        suggestion = score(world.wanted[row], candidate, weights, hour)
        suggestion.lightest = facts["lightest"][n]
        if facts["start"][n] is not None:
            suggestion.start = _moment(moments, facts["start"][n])
        found.setdefault(row, []).append(suggestion)
    return found


def _best(
    total: NDArray[np.float64], feasible: NDArray[np.bool_], eligible: NDArray[np.bool_], keep: int
) -> tuple[list[list[int]], list[list[bool]]]:
    """Per row, the first ``keep`` columns in the console's order (eligible first, then
    feasible, then best score, then lowest column, which is the lowest staff id), and whether
    each is eligible.

    Usually at least ``keep`` are eligible and feasible: those within the ``keep``-th best
    score (ties included) are sorted; other rows get a full sort."""
    rows, cols = total.shape
    if not rows or not cols:
        return [[] for _ in range(rows)], [[] for _ in range(rows)]
    good = eligible & feasible
    key = np.where(good, -total, np.inf)
    k = min(keep, cols) - 1
    bound = np.partition(key, k, axis=1)[:, k]
    enough = np.isfinite(bound)
    row, col = np.nonzero((key <= bound[:, None]) & enough[:, None])
    order = np.lexsort((col, key[row, col], row))
    row, col = row[order], col[order]
    starts = np.searchsorted(row, np.arange(rows))
    top = [col[a : a + keep].tolist() for a in starts.tolist()]
    ok = [[True] * len(t) for t in top]
    for r in np.flatnonzero(~enough).tolist():
        order = np.lexsort((-total[r], ~feasible[r], ~eligible[r]))[:keep]
        top[r], ok[r] = order.tolist(), eligible[r, order].tolist()
    return top, ok


def _moment(moments: dict[int, datetime], value: int) -> datetime:
    found = moments.get(value)
    if found is None:
        found = moments[value] = to_moment(value)
    return found


def _hours(zone: ZoneInfo) -> Hour:
    """Local HH of a moment, each moment formatted once (the reasons name a few hours)."""
    seen: dict[datetime, str] = {}

    def hour(moment: datetime) -> str:
        found = seen.get(moment)
        if found is None:
            found = seen[moment] = moment.astimezone(zone).strftime("%H")
        return found

    return hour
