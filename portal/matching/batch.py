"""Assigning the whole queue at once: an optimal min-cost assignment, and a greedy baseline.

Rows are requests, columns are free blocks of workers' time (a worker with three free hours is
three columns, so one worker can take several requests without double booking). A pair that
breaks a hard rule (the block is outside the wanted window, the continuity cap) is infeasible.
SciPy's ``linear_sum_assignment`` finds the assignment with the most feasible pairs and, among
those, the highest total score.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

#: Scores are well below this, so one more feasible pair always beats any score gain.
INFEASIBLE = 1e6


Scores = Sequence[Sequence[float | None]] | np.ndarray


@contextmanager
def collecting_later() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is planned.

    Planning builds tens of thousands of short-lived, acyclic objects (rows, tuples, small
    lists) that reference counting frees as soon as they go. Left on, the collector counts
    them as new and scans the whole heap (every loaded module, the session's objects) once or
    twice per batch, about 0.1 s each on the slow host, finding nothing to free; worse, it
    moves the short-lived objects into older generations, which makes the next full scan come
    sooner. Collection resumes afterwards with only the objects that survive the batch left
    to look at. (Process-wide: another thread planning at the same time may see it resumed
    early, which only costs it the scans.)
    """
    pausing = gc.isenabled()
    if pausing:
        gc.disable()
    try:
        yield
    finally:
        if pausing:
            gc.enable()


def as_array(scores: Scores) -> np.ndarray:
    """The scores as a float array, NaN where infeasible (None in lists)."""
    if isinstance(scores, np.ndarray):
        return scores
    return np.array([[np.nan if s is None else s for s in row] for row in scores], dtype=float)


def optimal(scores: Scores) -> dict[int, int]:
    """Map row → column maximising (feasible pairs, total score); None/NaN marks infeasible."""
    matrix = as_array(scores)
    if matrix.size == 0:
        return {}
    # Imported here: scipy.optimize takes some 0.6 s to import, which every app start (and
    # every gunicorn restart) would otherwise pay for a button pressed a few times a day.
    from scipy.optimize import linear_sum_assignment

    feasible = ~np.isnan(matrix)
    rows, cols = linear_sum_assignment(np.where(feasible, -matrix, INFEASIBLE))
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if feasible[r, c]}


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
            key=lambda c: row[c],  # type: ignore[arg-type, return-value]
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
    return float(sum(scores[r][c] for r, c in assignment.items()))  # type: ignore[misc]
