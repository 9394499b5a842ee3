"""One request's ranked workers, as the console shows them.

Every worker is scored at once (``scoring.score_table``) and ordered feasible first, best
first, then by id. A suggestion (score parts, reasons) is built through ``scoring.score`` for
that one pair only when someone reads it: the console shows three,
an assignment stores five.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import overload

import numpy as np

from .candidates import Found
from .scoring import Pairs, Suggestion, Wanted, score, score_table
from .weights import Weights


class Ranking(Sequence[Suggestion]):
    def __init__(
        self,
        wanted: Wanted,
        found: Found,
        weights: Weights,
        zone_hhmm: Callable[[datetime], str],
    ) -> None:
        self.wanted, self.found, self.weights, self.zone_hhmm = wanted, found, weights, zone_hhmm
        self._built: dict[int, Suggestion] = {}
        if not len(found):
            self.order: list[int] = []
            return
        where = np.array(found.came_from, dtype=float)  # None (unknown) becomes NaN
        pairs = Pairs(
            found.regular[None, :],
            found.seen_lately[None, :],
            where[None, :, 0],
            where[None, :, 1],
            found.booked_minutes[None, :],
        )
        total = score_table([wanted], found.people, pairs, weights)[0][0]
        self.has_free = np.array([len(s) > 0 for s in found.starts], dtype=bool)
        feasible = self.has_free & ~found.capped
        staff_ids = np.array([p.id for p in found.people], dtype=np.int64)
        self.order = np.lexsort((staff_ids, -total, ~feasible)).tolist()
        # The lightest day among the workers who are free (named in the reasons).
        free = found.booked_minutes[self.has_free]
        self.lightest = int(free.min()) if len(free) else None

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, index: int) -> Suggestion: ...

    @overload
    def __getitem__(self, index: slice) -> list[Suggestion]: ...

    def __getitem__(self, index: int | slice) -> Suggestion | list[Suggestion]:
        if isinstance(index, slice):
            return [self._suggestion(i) for i in self.order[index]]
        return self._suggestion(self.order[index])

    def _suggestion(self, i: int) -> Suggestion:
        if i not in self._built:
            suggestion = score(self.wanted, self.found.candidate(i), self.weights, self.zone_hhmm)
            suggestion.lightest = bool(
                self.has_free[i] and self.found.booked_minutes[i] == self.lightest
            )
            self._built[i] = suggestion
        return self._built[i]
