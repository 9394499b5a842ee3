"""A worker's score for a request: the sum of the criteria's parts, and the reasons in words.

Plain data in (``Wanted``: what the request asks; ``Candidate``: one worker as that request
sees them), a ``Suggestion`` out with every part kept, so an assignment can store why. The same
score for requests × workers at once (``score_table``) loops over the same criteria.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from . import criteria
from .weights import Weights

if TYPE_CHECKING:
    from .people import Person


@dataclass(frozen=True)
class Wanted:
    """What the request asks for, as matching sees it."""

    client_name: str
    needs: tuple[str, ...]
    category_skill: str | None
    language: str
    home_visit: bool
    lat: float | None
    lon: float | None
    #: The client's columns that criteria name in ``client_reads``.
    facts: Mapping[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Candidate:
    staff_id: int
    first_name: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    #: One of the client's regular workers.
    regular: bool
    #: Has visited the client in the last 30 days.
    seen_lately: bool
    #: Taking the request would give the client a fourth worker in 30 days.
    breaks_continuity_cap: bool
    #: The earliest free start in the wanted window, and the free window around it.
    free_start: datetime | None
    free_until: datetime | None
    #: Where the worker comes from (the previous visit, else the home base).
    from_lat: float | None
    from_lon: float | None
    booked_minutes_today: int
    #: The first few free starts in the window (for assigning several requests at once).
    free_starts: tuple[datetime, ...] = ()
    #: The worker's columns that criteria name in ``worker_reads``.
    facts: Mapping[str, object] = field(default_factory=dict, compare=False)


#: Formats a moment as the local hour, for the reasons ("ledig 14–16").
Hour = Callable[[datetime], str]


@dataclass
class Suggestion:
    staff_id: int
    first_name: str
    score: float
    feasible: bool
    start: datetime | None
    parts: dict[str, float] = field(default_factory=dict)
    free_starts: tuple[datetime, ...] = ()
    #: The worker with the lightest day among those free (named in the reasons).
    lightest: bool = False
    #: What the reasons are written from (they are written only when someone reads them).
    why: tuple[Wanted, Candidate, Weights, Hour] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def reasons(self) -> list[str]:
        """Why this worker, in words people read (written once, on first use)."""
        words = reasons_for(*self.why) if self.why else []
        if self.lightest:
            words.append("lägst belastning idag")
        return words

    def as_record(self) -> dict[str, object]:
        """What is stored with the assignment so an inspection can see why."""
        return {
            "score": round(self.score, 4),
            "parts": self.parts,
            "reasons": self.reasons,
            "start": self.start.isoformat() if self.start else None,
        }


def score(wanted: Wanted, c: Candidate, weights: Weights, hour: Hour) -> Suggestion:
    """Score one candidate: every criterion's part, and whether they can take it at all."""
    feasible = c.free_start is not None and not c.breaks_continuity_cap
    parts = {k.name: k.one(wanted, c, weights) for k in criteria.CRITERIA}
    total = sum(parts.values())
    return Suggestion(
        c.staff_id,
        c.first_name,
        total,
        feasible,
        c.free_start,
        parts,
        c.free_starts,
        why=(wanted, c, weights, hour),
    )


def reasons_for(wanted: Wanted, c: Candidate, weights: Weights, hour: Hour) -> list[str]:
    """The criteria in words (in their order), then when the worker is free and the cap."""
    reasons = [r for k in criteria.CRITERIA for r in k.reasons(wanted, c, weights)]
    if c.free_start is not None and c.free_until is not None:
        reasons.append(f"ledig {hour(c.free_start)}–{hour(c.free_until)}")
    elif c.free_start is None:
        reasons.append("inte ledig då")
    if c.breaks_continuity_cap:
        reasons.append("skulle bli en fjärde boendestödjare på 30 dagar")
    return reasons


@dataclass
class Pairs:
    """What depends on the request and the worker together: arrays of requests × workers."""

    regular: NDArray[np.bool_]
    seen_lately: NDArray[np.bool_]
    #: Where the worker comes from (NaN when unknown).
    from_lat: NDArray[np.float64]
    from_lon: NDArray[np.float64]
    booked_minutes: NDArray[np.int64]


def score_table(
    wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Total score and its parts, requests × workers (feasibility is the caller's): each element
    the same arithmetic on the same numbers as ``score`` pair by pair."""
    parts = {k.name: k.many(wanted, workers, pairs, weights) for k in criteria.CRITERIA}
    total = np.zeros((len(wanted), len(workers)))
    for part in parts.values():
        total = total + part
    return total, parts
