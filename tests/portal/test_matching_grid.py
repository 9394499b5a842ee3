"""The batch's arithmetic on the grid equals the straightforward way."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Database, SupportRequest
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch
from portal.matching.fits import Fits
from portal.matching.weights import Weights
from tests.portal.matching_reference import random_world
from tests.portal.test_matching_speedups import (
    NOWS,
    STOCKHOLM,
    assert_same_matrix,
    reference_batch,
)

MOST = 3


@st.composite
def grids(draw):
    workers, points = draw(st.integers(1, 4)), draw(st.integers(1, 12))
    fits = np.array(
        draw(st.lists(st.booleans(), min_size=workers * points, max_size=workers * points)),
        dtype=bool,
    ).reshape(workers, points)
    rows = draw(st.integers(1, 5))
    ga = np.array([draw(st.integers(0, points)) for _ in range(rows)], dtype=np.int64)
    gb = np.array([draw(st.integers(int(a), points)) for a in ga], dtype=np.int64)
    # The client's own visits leave holes in the window.
    holes = np.array(
        draw(st.lists(st.booleans(), min_size=rows * points, max_size=rows * points)), dtype=bool
    ).reshape(rows, points)
    grid = np.arange(points)
    allowed = (grid >= ga[:, None]) & (grid < gb[:, None]) & ~holes
    keep = np.array(
        draw(st.lists(st.booleans(), min_size=rows * workers, max_size=rows * workers)), dtype=bool
    ).reshape(rows, workers)
    return fits, allowed, ga, gb, keep


@settings(max_examples=300, deadline=None)
@given(grids())
def test_stretches_count_first_and_last_starts_as_a_walk_over_the_grid_does(case) -> None:
    fits, allowed, ga, gb, keep = case
    index = Fits(fits)
    count, first, last, stretches = index.first_starts(allowed, ga, gb, MOST)
    offered = np.zeros_like(fits)
    for r in range(allowed.shape[0]):
        for w in range(fits.shape[0]):
            usable = [g for g in range(fits.shape[1]) if allowed[r, g] and fits[w, g]]
            assert count[r, w] == len(usable)
            assert first[r, w] == (usable[0] if usable else ga[r])
            assert last[r, w] == (usable[MOST - 1] if len(usable) >= MOST else gb[r] - 1)
            if keep[r, w]:
                for g in usable[:MOST]:
                    offered[w, g] = True
    np.testing.assert_array_equal(index.offered(stretches, keep, last), offered)


@pytest.mark.db
@pytest.mark.parametrize("seed", range(3))
def test_a_queue_of_half_hour_requests_gets_the_columns_the_straightforward_way_gives(
    db: Database, seed: int
) -> None:
    """Columns are spaced by the longest request asked for, here 30 minutes, not an hour."""
    rnd = random.Random(300 + seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        ensure_defaults(s)
        ids = random_world(s, rnd, now, STOCKHOLM) + random_world(s, rnd, now, STOCKHOLM)
        queue = [s.get(SupportRequest, i) for i in ids]
        for request in queue:
            request.minutes = 30
        s.flush()
        _, columns, matrix = reference_batch(s, queue, now)
        planned = batch.plan(s, queue, now, STOCKHOLM, DEFAULT_RULES, Weights())
        assert_same_matrix(planned, columns, matrix)
        s.rollback()
