"""Matching a request to workers: the score, its parts and the reasons people read.

Plain functions over plain data, so the ranking can be tested by hand and explained: every part
of the score is kept with the assignment for a later inspection.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from ..config import env_float

SKILL_WORDS = {
    "autism": "autism-kunnig",
    "intellectual_disability": "kunnig om intellektuell funktionsnedsättning",
    "adhd": "adhd-kunnig",
    "psychiatric": "psykiatri-kunnig",
    "substance_use": "missbruks-kunnig",
    "mi": "MI-utbildad",
    "esl": "ESL-utbildad",
}
LANGUAGE_WORDS = {
    "en": "talar engelska",
    "ar": "talar arabiska",
    "so": "talar somaliska",
    "tr": "talar turkiska",
    "fa": "talar persiska",
    "bs": "talar bosniska",
    "fi": "talar finska",
    "ti": "talar tigrinja",
    "pl": "talar polska",
}


@dataclass(frozen=True)
class Weights:
    continuity: float = 3.0
    needs: float = 2.0
    language: float = 2.0
    travel: float = 1.0
    workload: float = 1.0
    #: km/h for straight-line travel time (no map service needed).
    speed_kmh: float = 25.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Weights:
        env = os.environ if environ is None else environ
        names = ("continuity", "needs", "language", "travel", "workload", "speed_kmh")
        return cls(
            **{n: env_float(env, f"MATCH_WEIGHT_{n.upper()}", getattr(cls, n)) for n in names}
        )


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
    why: tuple[Wanted, Candidate, Weights, Callable[[datetime], str]] | None = field(
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


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def travel_minutes(wanted: Wanted, c: Candidate, weights: Weights) -> float | None:
    """Straight-line minutes from where the worker comes from; None when no travel counts."""
    if wanted.home_visit and None not in (wanted.lat, wanted.lon, c.from_lat, c.from_lon):
        return km_between(c.from_lat, c.from_lon, wanted.lat, wanted.lon) / weights.speed_kmh * 60  # type: ignore[arg-type]
    return None


def score(wanted: Wanted, c: Candidate, weights: Weights, zone_hhmm) -> Suggestion:  # type: ignore[no-untyped-def]
    """Score one candidate; ``zone_hhmm`` formats a moment as local HH (for the reasons)."""
    feasible = c.free_start is not None and not c.breaks_continuity_cap
    continuity = 1.0 if c.regular else 0.6 if c.seen_lately else 0.0
    wanted_skills = wanted.needs + ((wanted.category_skill,) if wanted.category_skill else ())
    matched = sum(1 for s in wanted_skills if s in c.skills)
    minutes = travel_minutes(wanted, c, weights)
    parts = {
        "continuity": continuity * weights.continuity,
        "needs": (matched / len(wanted_skills) if wanted_skills else 0.0) * weights.needs,
        "language": (1.0 if wanted.language in c.languages else 0.0) * weights.language,
        # video and phone need no travel
        "travel": (1.0 if minutes is None else max(0.0, 1 - minutes / 60)) * weights.travel,
        "workload": max(0.0, 1 - c.booked_minutes_today / 480) * weights.workload,
    }
    total = sum(parts.values())
    return Suggestion(
        c.staff_id,
        c.first_name,
        total,
        feasible,
        c.free_start,
        parts,
        c.free_starts,
        why=(wanted, c, weights, zone_hhmm),
    )


def reasons_for(wanted: Wanted, c: Candidate, weights: Weights, zone_hhmm) -> list[str]:  # type: ignore[no-untyped-def]
    """The parts of the score in words, strongest reasons first."""
    reasons: list[str] = []
    if c.regular:
        reasons.append(f"känner {wanted.client_name}")
    elif c.seen_lately:
        reasons.append(f"har träffat {wanted.client_name}")
    wanted_skills = [*wanted.needs, *([wanted.category_skill] if wanted.category_skill else [])]
    reasons += [SKILL_WORDS.get(s, s) for s in wanted_skills if s in c.skills]
    if wanted.language in c.languages and wanted.language != "sv":
        reasons.append(LANGUAGE_WORDS.get(wanted.language, f"talar {wanted.language}"))
    minutes = travel_minutes(wanted, c, weights)
    if minutes is not None:
        reasons.append(f"{round(minutes)} min bort")
    if c.free_start is not None and c.free_until is not None:
        reasons.append(f"ledig {zone_hhmm(c.free_start)}–{zone_hhmm(c.free_until)}")
    elif c.free_start is None:
        reasons.append("inte ledig då")
    if c.breaks_continuity_cap:
        reasons.append("skulle bli en fjärde boendestödjare på 30 dagar")
    return reasons


def rank(
    wanted: Wanted,
    candidates: Sequence[Candidate],
    weights: Weights,
    zone_hhmm,  # type: ignore[no-untyped-def]
) -> list[Suggestion]:
    """Every candidate scored, feasible ones first, best first; the lightest day is named."""
    suggestions = [score(wanted, c, weights, zone_hhmm) for c in candidates]
    feasible = [c for c in candidates if c.free_start is not None]
    if feasible:
        lightest = min(c.booked_minutes_today for c in feasible)
        for s, c in zip(suggestions, candidates, strict=True):
            if c.free_start is not None and c.booked_minutes_today == lightest:
                s.lightest = True
    suggestions.sort(key=lambda s: (not s.feasible, -s.score, s.staff_id))
    return suggestions
