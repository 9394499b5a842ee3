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


def _has(rows: Sequence[Sequence[str]], words: dict[str, int]) -> np.ndarray:
    """0/1 matrix: word × row."""
    has = np.zeros((len(words), len(rows)))
    for col, row in enumerate(rows):
        for word in row:
            has[words[word], col] = 1.0
    return has


def km_between(lat1, lon1, lat2, lon2):  # type: ignore[no-untyped-def]
    """``scoring.km_between`` on arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def score_table(
    wanted: Sequence[Wanted], workers: Workers, pairs: Pairs, weights: Weights
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total score and its parts, requests × workers (feasibility is the caller's)."""
    skill_words: dict[str, int] = {}
    for skills in [*workers.skills, *(w.needs for w in wanted)]:
        for skill in skills:
            skill_words.setdefault(skill, len(skill_words))
    for w in wanted:
        if w.category_skill:
            skill_words.setdefault(w.category_skill, len(skill_words))
    asked = np.zeros((len(wanted), len(skill_words)))
    for row, w in enumerate(wanted):
        for skill in (*w.needs, *((w.category_skill,) if w.category_skill else ())):
            asked[row, skill_words[skill]] += 1
    matched = asked @ _has(workers.skills, skill_words)
    count = asked.sum(axis=1, keepdims=True)
    needs = np.divide(matched, count, out=np.zeros_like(matched), where=count > 0)

    language_words: dict[str, int] = {}
    for languages in [*workers.languages, *((w.language,) for w in wanted)]:
        for language in languages:
            language_words.setdefault(language, len(language_words))
    speaks = _has([(w.language,) for w in wanted], language_words).T @ _has(
        workers.languages, language_words
    )

    home = np.array([w.home_visit and None not in (w.lat, w.lon) for w in wanted], dtype=bool)[
        :, None
    ]
    lat = np.array([np.nan if w.lat is None else w.lat for w in wanted], dtype=float)[:, None]
    lon = np.array([np.nan if w.lon is None else w.lon for w in wanted], dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        minutes = km_between(pairs.from_lat, pairs.from_lon, lat, lon) / weights.speed_kmh * 60
    counts = home & ~np.isnan(minutes)
    travel = np.where(counts, np.maximum(0.0, 1 - np.where(counts, minutes, 0.0) / 60), 1.0)

    parts = {
        "continuity": np.where(pairs.regular, 1.0, np.where(pairs.seen_lately, 0.6, 0.0))
        * weights.continuity,
        "needs": needs * weights.needs,
        "language": np.where(speaks > 0, 1.0, 0.0) * weights.language,
        "travel": travel * weights.travel,
        "workload": np.maximum(0.0, 1 - pairs.booked_minutes / 480) * weights.workload,
    }
    total = (parts["continuity"] + parts["needs"] + parts["language"] + parts["travel"]) + parts[
        "workload"
    ]
    return total, parts
