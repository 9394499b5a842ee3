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
from scipy.optimize import linear_sum_assignment

#: Scores are well below this, so one more feasible pair always beats any score gain.
INFEASIBLE = 1e6


def optimal(scores: Sequence[Sequence[float | None]]) -> dict[int, int]:
    """Map row → column maximising (feasible pairs, total score); None marks infeasible."""
    if not scores or not scores[0]:
        return {}
    matrix = np.array(
        [[INFEASIBLE if s is None else -s for s in row] for row in scores], dtype=float
    )
    rows, cols = linear_sum_assignment(matrix)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if scores[r][c] is not None}


def greedy(scores: Sequence[Sequence[float | None]]) -> dict[int, int]:
    """First come, first served: each row in order takes its best free column."""
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


def total(scores: Sequence[Sequence[float | None]], assignment: dict[int, int]) -> float:
    return float(sum(scores[r][c] for r, c in assignment.items()))  # type: ignore[misc]
