"""Straightforward forms the product's fast ones are checked against (used only by tests and
the benchmark's baseline): ranking a list of candidates, the batch's columns and matrix from
ranked suggestions, a greedy first-come solver, and the total of an assignment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from portal.matching.batch import BLOCKS
from portal.matching.scoring import Candidate, Hour, Suggestion, Wanted, score
from portal.matching.weights import Weights

Scores = Sequence[Sequence[float | None]] | np.ndarray


def rank(
    wanted: Wanted, candidates: Sequence[Candidate], weights: Weights, hour: Hour
) -> list[Suggestion]:
    """Every candidate scored, feasible ones first, best first; the lightest day is named."""
    suggestions = [score(wanted, c, weights, hour) for c in candidates]
    feasible = [c for c in candidates if c.free_start is not None]
    if feasible:
        lightest = min(c.booked_minutes_today for c in feasible)
        for s, c in zip(suggestions, candidates, strict=True):
            if c.free_start is not None and c.booked_minutes_today == lightest:
                s.lightest = True
    suggestions.sort(key=lambda s: (not s.feasible, -s.score, s.staff_id))
    return suggestions


def blocks(
    ranked: list[list[Suggestion]], zone: ZoneInfo, minutes: int = 60
) -> dict[int, list[datetime]]:
    """Up to ``BLOCKS`` start times per worker and local day, taken from the requests' free
    starts and far enough apart (``minutes``) that no two assignments to one worker can
    overlap."""
    starts: dict[int, set[datetime]] = {}
    for suggestions_ in ranked:
        for s in suggestions_:
            if s.feasible:
                starts.setdefault(s.staff_id, set()).update(s.free_starts)
    found: dict[int, list[datetime]] = {}
    for staff, times in starts.items():
        kept: list[datetime] = []
        for t in sorted(times):
            day = t.astimezone(zone).date()
            that_day = [k for k in kept if k.astimezone(zone).date() == day]
            if len(that_day) < BLOCKS and (not kept or t >= kept[-1] + timedelta(minutes=minutes)):
                kept.append(t)
        found[staff] = kept
    return found


def score_matrix(
    ranked: list[list[Suggestion]], columns: list[tuple[int, datetime]]
) -> list[list[float | None]]:
    """Each request's score for each (worker, time) column; None where it cannot be given."""
    matrix = []
    for suggestions_ in ranked:
        usable = {s.staff_id: s for s in suggestions_ if s.feasible}
        row: list[float | None] = []
        for staff_id, start in columns:
            s = usable.get(staff_id)
            row.append(s.score if s is not None and start in s.free_starts else None)
        matrix.append(row)
    return matrix


def as_array(scores: Scores) -> np.ndarray:
    """The scores as a float array, NaN where infeasible (None in lists)."""
    if isinstance(scores, np.ndarray):
        return scores
    return np.array([[np.nan if s is None else s for s in row] for row in scores], dtype=float)


def greedy(scores: Scores) -> dict[int, int]:
    """First come, first served: each row in order takes its best free column (the first
    such column on a tie)."""
    if isinstance(scores, np.ndarray):
        return _greedy_array(scores)
    taken: set[int] = set()
    result: dict[int, int] = {}
    for r, row in enumerate(scores):
        best = max(
            (c for c, s in enumerate(row) if s is not None and c not in taken),
            key=lambda c: row[c],
            default=None,
        )
        if best is not None:
            taken.add(best)
            result[r] = best
    return result


def _greedy_array(scores: np.ndarray) -> dict[int, int]:
    free = np.where(np.isnan(scores), -np.inf, scores)
    result: dict[int, int] = {}
    for r in range(free.shape[0]):
        c = int(np.argmax(free[r])) if free.shape[1] else 0
        if free.shape[1] and free[r, c] > -np.inf:
            result[r] = c
            free[:, c] = -np.inf
    return result


def total(scores: Scores, assignment: dict[int, int]) -> float:
    return float(sum(scores[r][c] for r, c in assignment.items()))
