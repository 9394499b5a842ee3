"""The fast matching paths give exactly what the straightforward code gives."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Database, SupportRequest
from portal.booking.rules import DEFAULT_RULES, too_many_workers
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch, criteria, schedule, scoring
from portal.matching.candidates import FREE_STARTS, ContinuityCap, wanted_for
from portal.matching.people import Person
from portal.matching.scoring import Candidate, Wanted, score
from portal.matching.weights import Weights
from tests.portal import matching_oracles as oracles
from tests.portal.matching_oracles import rank
from tests.portal.matching_reference import random_world, reference_candidates

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 23, 6, tzinfo=UTC)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(-60, 60), st.integers(1, 6)), max_size=9),
    st.integers(-40, 40),
    st.integers(1, 6),
)
def test_the_continuity_cap_for_many_workers_agrees_with_booking(visits, day, staff_id) -> None:
    history = [(T0 + timedelta(days=d, hours=d % 5), s) for d, s in visits]
    moment = T0 + timedelta(days=day)
    cap = ContinuityCap([(schedule.to_ms(t), s) for t, s in history], DEFAULT_RULES)
    expected = too_many_workers(history, moment, staff_id, DEFAULT_RULES)
    assert cap.breaks(schedule.to_ms(moment), staff_id) == expected


NOWS = [
    datetime(2026, 11, 23, 9, 7, 13, tzinfo=UTC),
    datetime(2026, 11, 24, 20, 40, tzinfo=UTC),  # late evening: today is over
    datetime(2026, 10, 23, 5, 0, tzinfo=UTC),  # the window crosses the clock change
    datetime(2026, 3, 27, 12, 15, tzinfo=UTC),  # and the spring one
    datetime(2026, 11, 23, 10, 0, 0, 400, tzinfo=UTC),  # just after a grid start
]


@pytest.mark.db
@pytest.mark.parametrize("seed", range(10))
def test_the_console_ranking_is_the_straightforward_one(db: Database, seed: int) -> None:
    """Ordered on the vectorised scores, built through the scalar one: the same list, reasons
    and all, as ranking the reference's candidates."""
    rnd = random.Random(200 + seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        ensure_defaults(s)
        for request_id in random_world(s, rnd, now, STOCKHOLM):
            request = s.get(SupportRequest, request_id)
            ranked = assigning.suggestions(s, request, now, STOCKHOLM, DEFAULT_RULES, Weights())
            straight = rank(
                wanted_for(s, request),
                reference_candidates(s, request, now, STOCKHOLM, DEFAULT_RULES, 1),
                Weights(),
                lambda t: t.astimezone(STOCKHOLM).strftime("%H"),
            )
            assert [x.staff_id for x in ranked] == [x.staff_id for x in straight]
            for mine, theirs in zip(ranked, straight, strict=True):
                assert mine.score == pytest.approx(theirs.score, abs=1e-9)
                assert (mine.feasible, mine.start, mine.lightest, mine.reasons) == (
                    theirs.feasible,
                    theirs.start,
                    theirs.lightest,
                    theirs.reasons,
                )
        s.rollback()


SKILLS = ["autism", "adhd", "psychiatric", "mi", "esl"]
wanted_st = st.builds(
    Wanted,
    client_name=st.just("Olle"),
    needs=st.lists(st.sampled_from(SKILLS), max_size=3).map(tuple),
    category_skill=st.one_of(st.none(), st.sampled_from([*SKILLS, "cooking"])),
    language=st.sampled_from(["sv", "ar", "so", "fi"]),
    home_visit=st.booleans(),
    lat=st.one_of(st.none(), st.floats(59.0, 59.6)),
    lon=st.one_of(st.none(), st.floats(17.5, 18.5)),
    facts=st.fixed_dictionaries({"wanted_gender": st.sampled_from([None, "woman", "man"])}),
)
worker_st = st.tuples(
    st.lists(st.sampled_from(SKILLS), max_size=3).map(tuple),
    st.lists(st.sampled_from(["sv", "ar", "so", "en"]), min_size=1, max_size=2).map(tuple),
    st.fixed_dictionaries({"gender": st.sampled_from([None, "woman", "man"])}),
)
pair_st = st.tuples(
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.tuples(st.floats(59.0, 59.6), st.floats(17.5, 18.5))),
    st.integers(0, 700),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(wanted_st, min_size=1, max_size=4),
    st.lists(worker_st, min_size=1, max_size=5),
    st.data(),
)
def test_the_vectorised_scores_equal_the_scalar_ones(wanted, workers, data) -> None:
    facts = [[data.draw(pair_st) for _ in workers] for _ in wanted]
    weights = Weights(
        continuity=3, needs=2.5, language=1.5, travel=1.2, workload=0.7, gender=3.5, speed_kmh=30
    )
    total, parts = scoring.score_table(
        wanted,
        [Person(c, None, "W", w[0], w[1], None, None, w[2]) for c, w in enumerate(workers)],
        scoring.Pairs(
            regular=np.array([[f[0] for f in row] for row in facts]),
            seen_lately=np.array([[f[1] for f in row] for row in facts]),
            from_lat=np.array([[f[2][0] if f[2] else np.nan for f in row] for row in facts]),
            from_lon=np.array([[f[2][1] if f[2] else np.nan for f in row] for row in facts]),
            booked_minutes=np.array([[f[3] for f in row] for row in facts]),
        ),
        weights,
    )
    for r, w in enumerate(wanted):
        for c, (skills, languages, worker_facts) in enumerate(workers):
            regular, seen, place, booked = facts[r][c]
            one = score(
                w,
                Candidate(
                    c,
                    "W",
                    skills,
                    languages,
                    regular,
                    seen,
                    False,
                    None,
                    None,
                    place[0] if place else None,
                    place[1] if place else None,
                    booked,
                    facts=worker_facts,
                ),
                weights,
                str,
            )
            assert total[r, c] == pytest.approx(one.score, abs=1e-9)
            assert set(one.parts) == {k.name for k in criteria.CRITERIA}  # the gender one too
            for name, value in one.parts.items():
                assert parts[name][r, c] == pytest.approx(value, abs=1e-9)


def reference_batch(session, queue, now):
    """The batch matrix the straightforward way: ranked suggestions per request, then columns."""
    ranked = [
        rank(
            wanted_for(session, request),
            reference_candidates(session, request, now, STOCKHOLM, DEFAULT_RULES, FREE_STARTS),
            Weights(),
            lambda t: t.astimezone(STOCKHOLM).strftime("%H"),
        )
        for request in queue
    ]
    longest = max(r.minutes for r in queue)
    columns = [
        (w, t) for w, times in oracles.blocks(ranked, STOCKHOLM, longest).items() for t in times
    ]
    return ranked, columns, oracles.score_matrix(ranked, columns)


def assert_same_matrix(planned, columns, matrix) -> None:
    """The planner's columns and scores are the straightforward ones (in any column order)."""
    assert sorted(planned.columns) == sorted(columns)
    mine = {key: planned.scores[:, c] for c, key in enumerate(planned.columns)}
    for c, key in enumerate(columns):
        theirs = np.array([np.nan if row[c] is None else row[c] for row in matrix])
        np.testing.assert_allclose(mine[key], theirs, rtol=0, atol=1e-9)


@pytest.mark.db
@pytest.mark.parametrize("seed", range(10))
def test_the_planned_batch_equals_the_straightforward_one(db: Database, seed: int) -> None:
    rnd = random.Random(100 + seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        ensure_defaults(s)
        ids = random_world(s, rnd, now, STOCKHOLM) + random_world(s, rnd, now, STOCKHOLM)
        queue = [s.get(SupportRequest, i) for i in ids]
        ranked, columns, matrix = reference_batch(s, queue, now)
        planned = batch.plan(s, queue, now, STOCKHOLM, DEFAULT_RULES, Weights())
        assert_same_matrix(planned, columns, matrix)
        best = batch.optimal(oracles.as_array(matrix))
        assert len(planned.chosen) == len(best)
        assert oracles.total(planned.scores, planned.chosen) == pytest.approx(
            oracles.total(matrix, best), abs=1e-6
        )
        for row, column in planned.chosen.items():
            kept = planned.ranked[row]
            straight = {x.staff_id: x for x in ranked[row]}
            for x in kept[:5]:
                assert x.reasons == straight[x.staff_id].reasons
                assert x.score == pytest.approx(straight[x.staff_id].score, abs=1e-9)
            assert [x.staff_id for x in kept[:5]] == [x.staff_id for x in ranked[row][:5]]
            chosen = next(x for x in kept if x.staff_id == planned.columns[column][0])
            assert chosen.start == planned.columns[column][1]
        s.rollback()


@pytest.mark.db
def test_planning_an_empty_queue_or_one_nobody_can_take_assigns_nothing(db: Database) -> None:
    now = NOWS[0]
    with db.transaction() as s:
        ensure_defaults(s)
        assert batch.plan(s, [], now, STOCKHOLM, DEFAULT_RULES, Weights()).chosen == {}
        [request_id, *_] = random_world(s, random.Random(5), now, STOCKHOLM)
        request = s.get(SupportRequest, request_id)
        request.wanted_to = now - timedelta(hours=1)  # the window has passed
        result = batch.plan(s, [request], now, STOCKHOLM, DEFAULT_RULES, Weights())
        assert result.chosen == {} and result.scores.shape[0] == 1
        s.rollback()


cell = st.one_of(st.none(), st.sampled_from([0.0, 1.5, 2.25, 3.0, 7.5]))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=6)
    )
)
def test_the_solvers_read_arrays_as_they_read_lists(scores) -> None:
    array = oracles.as_array(scores)
    assert oracles.greedy(array) == oracles.greedy(scores)
    best = batch.optimal(array)
    assert oracles.total(array, best) == pytest.approx(
        oracles.total(scores, batch.optimal(oracles.as_array(scores)))
    )
    assert len(best) == len(batch.optimal(oracles.as_array(scores)))
