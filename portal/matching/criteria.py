"""The parts of a worker's score for a request: one class each, in one list.

Each criterion gives its part of the score for one pair (``one``), the same for arrays of
requests × workers (``many``, what the console's ranking and the batch compute) and its reason
in words (``reasons``). ``scoring`` and ``scoring.score_table`` loop over ``CRITERIA``; nothing
else names a criterion. A criterion that reads more than every worker row and request carry
names the columns in ``worker_reads`` (``Staff``) and ``client_reads`` (``Client``): they are
loaded with the workers and the request and handed over in ``facts``.

``tests/portal/test_matching_speedups.py`` holds ``one`` and ``many`` equal for every criterion
in the list (``test_the_vectorised_scores_equal_the_scalar_ones``); ``test_matching_criteria.py``
adds one through the list to show that nothing else needs to change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray

from .weights import Weights

if TYPE_CHECKING:
    from .people import Person
    from .scoring import Candidate, Pairs, Wanted

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


class Criterion:
    """One part of the score. Subclasses set ``name`` and give ``one`` and ``many``."""

    name: str = ""
    #: Columns of ``Staff`` / ``Client`` (attribute names) read into ``facts``.
    worker_reads: tuple[str, ...] = ()
    client_reads: tuple[str, ...] = ()

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        """This part of the score for one request and one worker."""
        raise NotImplementedError

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        """The same for requests × workers (``pairs``: what depends on both)."""
        raise NotImplementedError

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        """This part in words a coordinator reads (nothing when it says nothing worth reading)."""
        return []


class Continuity(Criterion):
    """One of the client's regular workers, else someone who has visited them lately."""

    name = "continuity"

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        return (1.0 if c.regular else 0.6 if c.seen_lately else 0.0) * weights.continuity

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        known = np.where(pairs.regular, 1.0, np.where(pairs.seen_lately, 0.6, 0.0))
        return known * weights.continuity

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        if c.regular:
            return [f"känner {wanted.client_name}"]
        if c.seen_lately:
            return [f"har träffat {wanted.client_name}"]
        return []


def asked_skills(wanted: Wanted) -> tuple[str, ...]:
    """The client's needs and the category's skill (an asked skill counted as often as asked)."""
    return wanted.needs + ((wanted.category_skill,) if wanted.category_skill else ())


class Needs(Criterion):
    """The share of the skills asked for (client needs, the category's skill) the worker has."""

    name = "needs"

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        skills = asked_skills(wanted)
        matched = sum(1 for s in skills if s in c.skills)
        return (matched / len(skills) if skills else 0.0) * weights.needs

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        # Worked out once per distinct ask and repeated for its requests.
        asks: dict[tuple[str, ...], int] = {}
        ask = [asks.setdefault(asked_skills(w), len(asks)) for w in wanted]
        share = np.zeros((len(asks), len(workers)))
        for skills, k in asks.items():
            matched = np.array(
                [sum(1 for s in skills if s in p.skills) for p in workers], dtype=float
            )
            if skills:
                share[k] = matched / len(skills)
        return (share * weights.needs)[ask]

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        return [SKILL_WORDS.get(s, s) for s in asked_skills(wanted) if s in c.skills]


class Language(Criterion):
    """The worker speaks the client's language."""

    name = "language"

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        return (1.0 if wanted.language in c.languages else 0.0) * weights.language

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        speakers: dict[str, int] = {}
        language = [speakers.setdefault(w.language, len(speakers)) for w in wanted]
        speaks = np.array(
            [[1.0 if said in p.languages else 0.0 for p in workers] for said in speakers]
        ).reshape(len(speakers), len(workers))
        return (np.where(speaks > 0, 1.0, 0.0) * weights.language)[language]

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        if wanted.language in c.languages and wanted.language != "sv":
            return [LANGUAGE_WORDS.get(wanted.language, f"talar {wanted.language}")]
        return []


#: Degrees: plain numbers (one pair) or NumPy arrays (many pairs at once).
Degrees = TypeVar("Degrees", float, NDArray[np.float64])


def km_between(lat1: Degrees, lon1: Degrees, lat2: Degrees, lon2: Degrees) -> Degrees:
    """Great-circle distance in kilometres (numbers or NumPy arrays)."""
    if not isinstance(lat1, np.ndarray) and not isinstance(lat2, np.ndarray):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 6371.0 * 2 * math.asin(math.sqrt(a))
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def travel_minutes(wanted: Wanted, c: Candidate, weights: Weights) -> float | None:
    """Straight-line minutes from where the worker comes from; None when no travel counts."""
    lat, lon, from_lat, from_lon = wanted.lat, wanted.lon, c.from_lat, c.from_lon
    if (
        wanted.home_visit
        and lat is not None
        and lon is not None
        and from_lat is not None
        and from_lon is not None
    ):
        return km_between(from_lat, from_lon, lat, lon) / weights.speed_kmh * 60
    return None


class Travel(Criterion):
    """Near where the worker comes from (the previous visit's home, else their own); video and
    phone need no travel."""

    name = "travel"

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        minutes = travel_minutes(wanted, c, weights)
        return (1.0 if minutes is None else max(0.0, 1 - minutes / 60)) * weights.travel

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        home = np.flatnonzero([w.home_visit and None not in (w.lat, w.lon) for w in wanted])
        near = np.ones((len(wanted), len(workers)))
        if len(home):
            lat = np.array([wanted[r].lat for r in home.tolist()], dtype=np.float64)[:, None]
            lon = np.array([wanted[r].lon for r in home.tolist()], dtype=np.float64)[:, None]
            with np.errstate(invalid="ignore"):
                km = km_between(pairs.from_lat[home], pairs.from_lon[home], lat, lon)
                minutes = km / weights.speed_kmh * 60
            counts = ~np.isnan(minutes)  # NaN: where the worker comes from is unknown
            near[home] = np.where(
                counts, np.maximum(0.0, 1 - np.where(counts, minutes, 0.0) / 60), 1.0
            )
        return near * weights.travel

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        minutes = travel_minutes(wanted, c, weights)
        return [] if minutes is None else [f"{round(minutes)} min bort"]


class Workload(Criterion):
    """A lighter day (minutes booked that day, a full day being eight hours). The lightest day
    among the free workers is named by the ranking (``Suggestion.reasons``)."""

    name = "workload"

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        return max(0.0, 1 - c.booked_minutes_today / 480) * weights.workload

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        booked = np.asarray(pairs.booked_minutes)
        top = int(booked.max(initial=0)) + 1
        whole = np.issubdtype(booked.dtype, np.integer)
        if whole and booked.size and booked.min() >= 0 and top <= 100_000:
            # Whole minutes: each value's part worked out once.
            return (np.maximum(0.0, 1 - np.arange(top) / 480) * weights.workload)[booked]
        return np.maximum(0.0, 1 - booked / 480) * weights.workload


GENDER_WORDS = {"woman": "kvinna", "man": "man"}


class AskedGender(Criterion):
    """The worker is the woman or the man the client asked for (nothing when they asked for
    neither, or the worker's gender is not recorded)."""

    name = "gender"
    worker_reads = ("gender",)
    client_reads = ("wanted_gender",)

    def one(self, wanted: Wanted, c: Candidate, weights: Weights) -> float:
        asked = wanted.facts.get("wanted_gender")
        return (1.0 if asked and c.facts.get("gender") == asked else 0.0) * weights.gender

    def many(
        self, wanted: Sequence[Wanted], workers: Sequence[Person], pairs: Pairs, weights: Weights
    ) -> NDArray[np.float64]:
        asked = np.array([w.facts.get("wanted_gender") or "" for w in wanted], dtype=str)
        if not asked.any():  # most clients ask for neither
            return np.zeros((len(wanted), len(workers)))
        have = np.array([p.facts.get("gender") or "" for p in workers], dtype=str)
        met = (asked[:, None] != "") & (asked[:, None] == have[None, :])
        return np.where(met, 1.0, 0.0) * weights.gender

    def reasons(self, wanted: Wanted, c: Candidate, weights: Weights) -> list[str]:
        asked = wanted.facts.get("wanted_gender")
        if asked and c.facts.get("gender") == asked:
            return [f"{GENDER_WORDS.get(str(asked), asked)}, som {wanted.client_name} bad om"]
        return []


#: Every part of the score, in the order the parts and reasons are listed.
CRITERIA: list[Criterion] = [
    Continuity(), Needs(), Language(), Travel(), Workload(), AskedGender()
]  # fmt: skip


def worker_reads() -> tuple[str, ...]:
    """The ``Staff`` columns the criteria read beyond every worker row's own."""
    return tuple(dict.fromkeys(n for c in CRITERIA for n in c.worker_reads))


def client_reads() -> tuple[str, ...]:
    """The ``Client`` columns the criteria read beyond what every request carries."""
    return tuple(dict.fromkeys(n for c in CRITERIA for n in c.client_reads))
