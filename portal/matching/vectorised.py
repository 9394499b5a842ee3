"""The matching score for many requests × workers at once, as NumPy arrays.

The same parts and weights as ``scoring.score`` (which stays the definition, and writes the
reasons): each part is an array over requests × workers, skills and languages as 0/1 matrices
multiplied together, distance as a vectorised great-circle formula.
``tests/portal/test_matching_speedups.py`` checks both give the same scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .scoring import Wanted, Weights


@dataclass
class Workers:
    """What scoring needs of each worker (one column each)."""

    skills: Sequence[Sequence[str]]
    languages: Sequence[Sequence[str]]


@dataclass
class Pairs:
    """What depends on the request and the worker together: arrays of requests × workers."""

    regular: np.ndarray
    seen_lately: np.ndarray
    #: Where the worker comes from (NaN when unknown).
    from_lat: np.ndarray
    from_lon: np.ndarray
    booked_minutes: np.ndarray


def km_between(lat1, lon1, lat2, lon2):  # type: ignore[no-untyped-def]
    """``scoring.km_between`` on arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def score_table(
    wanted: Sequence[Wanted], workers: Workers, pairs: Pairs, weights: Weights
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total score and its parts, requests × workers (feasibility is the caller's).

    Parts that depend only on what is asked (needs, language) are worked out once per distinct
    ask and repeated for its requests; travel only for home visits (others travel nothing);
    each element is the same arithmetic on the same numbers as pair by pair.
    """
    rows, cols = len(wanted), len(workers.skills)
    asks: dict[tuple[str, ...], int] = {}
    ask = [
        asks.setdefault((*w.needs, *((w.category_skill,) if w.category_skill else ())), len(asks))
        for w in wanted
    ]
    needs = np.zeros((len(asks), cols))
    for skills, k in asks.items():
        # How many of the asked skills (an asked skill counted as often as asked) each has.
        matched = np.array(
            [sum(1 for s in skills if s in have) for have in workers.skills], dtype=float
        )
        if skills:
            needs[k] = matched / len(skills)
    speakers: dict[str, int] = {}
    language = [speakers.setdefault(w.language, len(speakers)) for w in wanted]
    speaks = np.array(
        [[1.0 if said in spoken else 0.0 for spoken in workers.languages] for said in speakers]
    ).reshape(len(speakers), cols)

    home = np.flatnonzero([w.home_visit and None not in (w.lat, w.lon) for w in wanted])
    travel = np.ones((rows, cols))
    if len(home):
        lat = np.array([wanted[r].lat for r in home], dtype=float)[:, None]
        lon = np.array([wanted[r].lon for r in home], dtype=float)[:, None]
        with np.errstate(invalid="ignore"):
            minutes = (
                km_between(pairs.from_lat[home], pairs.from_lon[home], lat, lon)
                / weights.speed_kmh
                * 60
            )
        counts = ~np.isnan(minutes)
        travel[home] = np.where(
            counts, np.maximum(0.0, 1 - np.where(counts, minutes, 0.0) / 60), 1.0
        )
    # Minutes booked are whole minutes: each value's part worked out once.
    booked = np.asarray(pairs.booked_minutes)
    top = int(booked.max(initial=0)) + 1
    whole = np.issubdtype(booked.dtype, np.integer)
    if whole and booked.size and booked.min() >= 0 and top <= 100_000:
        workload = (np.maximum(0.0, 1 - np.arange(top) / 480) * weights.workload)[booked]
    else:
        workload = np.maximum(0.0, 1 - booked / 480) * weights.workload

    parts = {
        "continuity": np.where(pairs.regular, 1.0, np.where(pairs.seen_lately, 0.6, 0.0))
        * weights.continuity,
        "needs": (needs * weights.needs)[ask],
        "language": (np.where(speaks > 0, 1.0, 0.0) * weights.language)[language],
        "travel": travel * weights.travel,
        "workload": workload,
    }
    total = (parts["continuity"] + parts["needs"] + parts["language"] + parts["travel"]) + parts[
        "workload"
    ]
    return total, parts
