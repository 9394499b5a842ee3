"""What "Fördela alla" keeps with each assignment: the best few suggestions for the request
(as the console would rank them) and the chosen one, built from the planner's arrays through
the scalar ``scoring.score`` so the stored scores, parts and reasons read exactly as the
console's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .freetime import to_moment
from .scoring import Candidate, Suggestion, Weights, score

if TYPE_CHECKING:
    from .planner import _Scored, _World


def kept_suggestions(
    world: _World, row: int, scored: _Scored, weights: Weights, keep: int, column: tuple[int, int]
) -> list[Suggestion]:
    """The ``keep`` best workers for one request (as the console ranks them) and the one
    chosen, at the chosen start; their reasons are written when first read."""
    who = np.flatnonzero(scored.eligible[row])
    order = np.lexsort(
        (world.staff_array[who], -scored.total[row, who], ~scored.feasible[row, who])
    )
    picked = [int(who[o]) for o in order[:keep]]
    staff_id, start = column
    if world.column[staff_id] not in picked:
        picked.append(world.column[staff_id])
    free = who[scored.has_free[row, who]]
    lightest = scored.pairs.booked_minutes[row, free].min() if len(free) else None
    found = []
    for i in picked:
        suggestion = _suggestion(world, row, i, scored, weights)
        suggestion.lightest = bool(
            scored.has_free[row, i] and scored.pairs.booked_minutes[row, i] == lightest
        )
        if world.staff_ids[i] == staff_id:
            suggestion.start = to_moment(start)
        found.append(suggestion)
    return found


def _suggestion(world: _World, row: int, i: int, scored: _Scored, weights: Weights) -> Suggestion:
    person, pairs = world.people[i], scored.pairs
    free_start = free_until = None
    if scored.has_free[row, i]:
        g = int(scored.first[row, i])
        run = int(world.run[i, g])
        if row in world.caps:
            run = min(run, int(world.caps[row][g]))
        free_start = to_moment(int(world.grid[g]))
        free_until = to_moment(min(int(world.grid[g]) + run, world.ends[row]))
    lat, lon = pairs.from_lat[row, i], pairs.from_lon[row, i]
    candidate = Candidate(
        staff_id=person.id,
        first_name=person.first_name,
        skills=person.skills,
        languages=person.languages,
        regular=bool(pairs.regular[row, i]),
        seen_lately=bool(pairs.seen_lately[row, i]),
        breaks_continuity_cap=bool(scored.capped[row, i]),
        free_start=free_start,
        free_until=free_until,
        free_starts=(free_start,) if free_start else (),
        from_lat=None if np.isnan(lat) else float(lat),
        from_lon=None if np.isnan(lon) else float(lon),
        booked_minutes_today=int(pairs.booked_minutes[row, i]),
    )
    return score(
        world.wanted[row], candidate, weights, lambda t: t.astimezone(world.zone).strftime("%H")
    )
