"""The fast matching paths give exactly what the straightforward code gives."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Database, SupportRequest
from portal.booking import slots
from portal.booking.rules import DEFAULT_RULES, too_many_workers
from portal.lightsupport import freetime
from portal.lightsupport.candidates import ContinuityCap, candidates_for
from tests.portal.matching_reference import random_world, reference_candidates

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 23, 6, tzinfo=UTC)

spans = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=8,
)


@given(spans, spans)
def test_the_sweep_frees_the_same_time_as_bookings_subtract(windows, busy) -> None:  # type: ignore[no-untyped-def]
    windows = [w for w in freetime.union(windows) if w[0] < w[1]]
    assert freetime.subtract(windows, sorted(busy)) == slots.subtract(windows, busy)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(-60, 60), st.integers(1, 6)), max_size=9),
    st.integers(-40, 40),
    st.integers(1, 6),
)
def test_the_continuity_cap_for_many_workers_agrees_with_booking(visits, day, staff_id) -> None:  # type: ignore[no-untyped-def]
    history = [(T0 + timedelta(days=d, hours=d % 5), s) for d, s in visits]
    moment = T0 + timedelta(days=day)
    cap = ContinuityCap(history, DEFAULT_RULES)
    expected = too_many_workers(history, moment, staff_id, DEFAULT_RULES)
    assert cap.breaks(freetime.to_ms(moment), staff_id) == expected


NOWS = [
    datetime(2026, 11, 23, 9, 7, 13, tzinfo=UTC),
    datetime(2026, 11, 24, 20, 40, tzinfo=UTC),  # late evening: today is over
    datetime(2026, 10, 23, 5, 0, tzinfo=UTC),  # the window crosses the clock change
    datetime(2026, 3, 27, 12, 15, tzinfo=UTC),  # and the spring one
]


@pytest.mark.db
@pytest.mark.parametrize("seed", range(8))
def test_candidates_are_the_same_as_the_straightforward_code_gives(db: Database, seed: int) -> None:
    rnd = random.Random(seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        for request_id in random_world(s, rnd, now, STOCKHOLM):
            request = s.get(SupportRequest, request_id)
            for keep in (1, 12):
                fast = candidates_for(s, request, now, STOCKHOLM, DEFAULT_RULES, starts=keep)
                slow = reference_candidates(s, request, now, STOCKHOLM, DEFAULT_RULES, keep)
                assert fast == slow
        s.rollback()
