"""Assigning the whole queue at once: an optimal min-cost assignment, and a greedy baseline.

Rows are requests, columns are free blocks of workers' time (a worker with three free hours is
three columns, so one worker can take several requests without double booking). A pair that
breaks a hard rule (the block is outside the wanted window, the continuity cap) is infeasible.
SciPy's ``linear_sum_assignment`` finds the assignment with the most feasible pairs and, among
those, the highest total score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Scores are well below this, so one more feasible pair always beats any score gain.
INFEASIBLE = 1e6


Scores = Sequence[Sequence[float | None]] | np.ndarray


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
