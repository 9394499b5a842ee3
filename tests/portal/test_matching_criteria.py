"""Matching's criteria change the ranking in the console and in "Fördela alla" alike.

A new criterion joins through the public list with no other module edited: here a
hypothetical "a client with children under 18 gets a worker trained in family work", written
in this test module only. The shipped "the client asked for a woman / a man" criterion
(``criteria.AskedGender``: ``Client.wanted_gender`` against ``Staff.gender``) is held to the
same."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import update

from models import Database, Staff, SupportRequest
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch, criteria
from portal.matching.criteria import Criterion
from portal.matching.weights import Weights
from tests.factories import make_client, make_request, make_staff

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Stockholm
DEFAULT = Weights()


class FamilyWork(Criterion):
    """A client with children under 18 gets a worker trained in family work (hypothetical)."""

    name = "family"
    client_reads = ("has_children_under_18",)
    weight = 5.0

    def one(self, wanted, c, weights) -> float:
        asks = bool(wanted.facts.get("has_children_under_18"))
        return (1.0 if asks and "family" in c.skills else 0.0) * self.weight

    def many(self, wanted, workers, pairs, weights) -> np.ndarray:
        asks = np.array([bool(w.facts.get("has_children_under_18")) for w in wanted])[:, None]
        trained = np.array(["family" in p.skills for p in workers])[None, :]
        return np.where(asks & trained, 1.0, 0.0) * self.weight

    def reasons(self, wanted, c, weights) -> list[str]:
        if wanted.facts.get("has_children_under_18") and "family" in c.skills:
            return ["familjearbete, för barnen"]
        return []


@pytest.fixture
def request_id(db: Database) -> int:
    """Olle's request: Omar is his own worker and lives near; Eva lives further away."""
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", gender="man", home_lat=59.22, home_lon=18.15)
        make_staff(s, "eva", gender="woman", skills=["family"], home_lat=59.26, home_lon=17.88)
        olle = make_client(s, "Olle", workers=[omar], has_children_under_18=True,
                           lat=59.2, lon=18.1)  # fmt: skip
        return make_request(s, olle, NOW).id


def _console(
    db: Database, request_id: int, weights: Weights = DEFAULT
) -> list[tuple[str, float, list[str]]]:
    with db.transaction() as s:
        ranked = assigning.suggestions(
            s, s.get(SupportRequest, request_id), NOW, ZONE, DEFAULT_RULES, weights
        )
        return [(x.first_name, x.score, x.reasons) for x in ranked]


def _batch_choice(
    db: Database, request_id: int, weights: Weights = DEFAULT
) -> tuple[str, list[str]]:
    with db.transaction() as s:
        planned = batch.plan(
            s, [s.get(SupportRequest, request_id)], NOW, ZONE, DEFAULT_RULES, weights
        )
        staff_id, _ = planned.columns[planned.chosen[0]]
        kept = planned.ranked[0]
        return next(x.first_name for x in kept if x.staff_id == staff_id), kept[0].reasons


def _wants(db: Database, request_id: int, gender: str | None) -> None:
    with db.transaction() as s:
        s.get(SupportRequest, request_id).client.wanted_gender = gender


def test_a_criterion_added_to_the_list_puts_the_worker_it_favours_first(
    db: Database, request_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it, Omar (Olle's own worker, and nearer) comes first everywhere.
    before = _console(db, request_id)
    assert [name for name, _, _ in before] == ["Omar", "Eva"]
    assert _batch_choice(db, request_id)[0] == "Omar"

    monkeypatch.setattr(criteria, "CRITERIA", [*criteria.CRITERIA, FamilyWork()])

    after = _console(db, request_id)
    assert [name for name, _, _ in after] == ["Eva", "Omar"]
    eva = dict((name, (score, reasons)) for name, score, reasons in after)["Eva"]
    assert eva[0] == pytest.approx(dict((n, sc) for n, sc, _ in before)["Eva"] + 5.0)
    assert "familjearbete, för barnen" in eva[1]
    chosen, reasons = _batch_choice(db, request_id)
    assert chosen == "Eva" and "familjearbete, för barnen" in reasons


def test_a_criterion_that_does_not_apply_leaves_the_ranking_as_before(
    db: Database, request_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as s:
        s.get(SupportRequest, request_id).client.has_children_under_18 = False
    before = _console(db, request_id)
    monkeypatch.setattr(criteria, "CRITERIA", [*criteria.CRITERIA, FamilyWork()])
    assert _console(db, request_id) == before


def test_a_client_who_asked_for_a_woman_gets_the_woman_first_in_the_console_and_the_batch(
    db: Database, request_id: int
) -> None:
    assert _batch_choice(db, request_id)[0] == "Omar"
    before = dict((n, sc) for n, sc, _ in _console(db, request_id))
    _wants(db, request_id, "woman")

    after = _console(db, request_id)
    assert [name for name, _, _ in after] == ["Eva", "Omar"]
    eva = dict((name, (score, reasons)) for name, score, reasons in after)["Eva"]
    assert eva[0] == pytest.approx(before["Eva"] + DEFAULT.gender)
    assert "kvinna, som Olle bad om" in eva[1]
    assert dict((n, sc) for n, sc, _ in after)["Omar"] == pytest.approx(before["Omar"])
    chosen, reasons = _batch_choice(db, request_id)
    assert chosen == "Eva" and "kvinna, som Olle bad om" in reasons


def test_a_client_who_asked_for_a_man_keeps_omar_and_hears_why(
    db: Database, request_id: int
) -> None:
    _wants(db, request_id, "man")
    after = _console(db, request_id)
    assert [name for name, _, _ in after] == ["Omar", "Eva"]
    assert "man, som Olle bad om" in after[0][2]
    assert _batch_choice(db, request_id)[0] == "Omar"


def test_the_wish_weighs_what_the_setting_says(db: Database, request_id: int) -> None:
    _wants(db, request_id, "woman")
    unweighed = Weights(gender=0.0)
    assert [name for name, _, _ in _console(db, request_id, unweighed)] == ["Omar", "Eva"]
    assert _batch_choice(db, request_id, unweighed)[0] == "Omar"


def test_a_worker_whose_gender_is_not_recorded_is_not_taken_for_either(
    db: Database, request_id: int
) -> None:
    before = _console(db, request_id)
    with db.transaction() as s:
        s.execute(update(Staff).values(gender=None))
    _wants(db, request_id, "woman")
    assert _console(db, request_id) == before
