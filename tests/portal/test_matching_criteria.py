"""A new criterion joins through the public list and changes the ranking, in the console and in
"Fördela alla", with no other module edited: here "the client asked for a woman / a man"
(``Client.wanted_gender`` against ``Staff.gender``), written in this test module only."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from models import Channel, Database, RequestStatus, SupportRequest
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch, criteria
from portal.matching.criteria import Criterion
from portal.matching.weights import Weights
from tests.factories import make_client, make_staff

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Stockholm
WORDS = {"woman": "kvinna", "man": "man"}


class AskedGender(Criterion):
    """The worker is the woman or man the client asked for."""

    name = "gender"
    worker_reads = ("gender",)
    client_reads = ("wanted_gender",)
    weight = 5.0

    def one(self, wanted, c, weights) -> float:
        asked = wanted.facts.get("wanted_gender")
        return (1.0 if asked and c.facts.get("gender") == asked else 0.0) * self.weight

    def many(self, wanted, workers, pairs, weights) -> np.ndarray:
        asked = np.array([w.facts.get("wanted_gender") or "" for w in wanted])[:, None]
        have = np.array([p.facts.get("gender") or "-" for p in workers])[None, :]
        return np.where(asked == have, 1.0, 0.0) * self.weight

    def reasons(self, wanted, c, weights) -> list[str]:
        asked = wanted.facts.get("wanted_gender")
        if asked and c.facts.get("gender") == asked:
            return [f"{WORDS[asked]}, som {wanted.client_name} bad om"]
        return []


@pytest.fixture
def request_id(db: Database) -> int:
    with db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", gender="man", home_lat=59.22, home_lon=18.15)
        make_staff(s, "eva", gender="woman", home_lat=59.26, home_lon=17.88)
        olle = make_client(s, "Olle", workers=[omar], wanted_gender="woman", lat=59.2, lon=18.1)
        request = SupportRequest(
            client_id=olle.id,
            category="talk",
            channel=Channel.HOME,
            wanted_from=NOW,
            wanted_to=NOW + timedelta(days=2),
            created_at=NOW,
            status=RequestStatus.NEW,
        )
        s.add(request)
        s.flush()
        return request.id


def _console(db: Database, request_id: int) -> list[tuple[str, float, list[str]]]:
    with db.transaction() as s:
        ranked = assigning.suggestions(
            s, s.get(SupportRequest, request_id), NOW, ZONE, DEFAULT_RULES, Weights()
        )
        return [(x.first_name, x.score, x.reasons) for x in ranked]


def _batch_choice(db: Database, request_id: int) -> tuple[str, list[str]]:
    with db.transaction() as s:
        planned = batch.plan(
            s, [s.get(SupportRequest, request_id)], NOW, ZONE, DEFAULT_RULES, Weights()
        )
        staff_id, _ = planned.columns[planned.chosen[0]]
        kept = planned.ranked[0]
        return next(x.first_name for x in kept if x.staff_id == staff_id), kept[0].reasons


def test_a_criterion_added_to_the_list_puts_the_woman_asked_for_first(
    db: Database, request_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it, Omar (Olle's own worker) comes first everywhere.
    before = _console(db, request_id)
    assert [name for name, _, _ in before] == ["Omar", "Eva"]
    assert _batch_choice(db, request_id)[0] == "Omar"

    monkeypatch.setattr(criteria, "CRITERIA", [*criteria.CRITERIA, AskedGender()])

    after = _console(db, request_id)
    assert [name for name, _, _ in after] == ["Eva", "Omar"]
    eva = dict((name, (score, reasons)) for name, score, reasons in after)["Eva"]
    assert eva[0] == pytest.approx(dict((n, sc) for n, sc, _ in before)["Eva"] + 5.0)
    assert "kvinna, som Olle bad om" in eva[1]
    chosen, reasons = _batch_choice(db, request_id)
    assert chosen == "Eva" and "kvinna, som Olle bad om" in reasons


def test_a_client_who_asked_for_nobody_in_particular_is_ranked_as_before(
    db: Database, request_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as s:
        s.get(SupportRequest, request_id).client.wanted_gender = None
    before = _console(db, request_id)
    monkeypatch.setattr(criteria, "CRITERIA", [*criteria.CRITERIA, AskedGender()])
    assert _console(db, request_id) == before
