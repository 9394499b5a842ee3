"""The continuity cap (no more than ``max_workers`` different workers for a client within the
continuity window) for many workers and starts at once, on milliseconds."""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta

from ..booking.rules import BookingRules


class ContinuityCap:
    """``booking.rules.too_many_workers`` for many workers and starts at once, on milliseconds.

    For a given start, a window that already holds more than the allowed workers blocks
    everyone, and a window that holds exactly the allowed number blocks every worker not in it.
    """

    def __init__(self, history: list[tuple[int, int]], rules: BookingRules) -> None:
        self.history, self.most = sorted(history), rules.max_workers
        self.times = [t for t, _ in self.history]
        self.window = rules.continuity_window // timedelta(milliseconds=1)
        self._at: dict[tuple[int, int], tuple[bool, frozenset[int] | None]] = {}

    def breaks(self, moment: int, staff_id: int) -> bool:
        everyone, allowed = self.blocks(moment)
        return everyone or (allowed is not None and staff_id not in allowed)

    def blocks(self, moment: int) -> tuple[bool, frozenset[int] | None]:
        """(everyone is blocked, the only workers not blocked or None when nobody is).

        The answer depends only on which visits fall in (moment - window, moment]: starts with
        the same such visits share it.
        """
        key = (bisect_right(self.times, moment - self.window), bisect_right(self.times, moment))
        if key not in self._at:
            self._at[key] = self._blocks(moment)
        return self._at[key]

    def _blocks(self, start: int) -> tuple[bool, frozenset[int] | None]:
        window = self.window
        near = [(t, s) for t, s in self.history if start - window < t < start + window]
        # A window opening just after ``start - window`` (one tick: a millisecond), or at a visit.
        openings = {start - window + 1}
        openings.update(t for t, _ in near if start - window < t <= start)
        allowed: frozenset[int] | None = None
        for opening in openings:
            seen = frozenset(s for t, s in near if opening <= t < opening + window)
            if len(seen) > self.most:
                return True, None
            if len(seen) == self.most:
                allowed = seen if allowed is None else allowed & seen
        return False, allowed
