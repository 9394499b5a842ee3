"""Free time has one definition (``portal.booking.freetime``); every form of it gives the same.

Booking runs it on datetimes, matching on milliseconds, and matching's fast form on the step
grid (``grid.free_runs``, used by the console's suggestions and by the batch) lays the same
working windows on the grid and takes out the same visits, each widened by the travel around a
home visit (``freetime.visit_busy``): each is held equal to the definition here, with no buffer
and with 15 minutes.
"""

import random
from dataclasses import replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Database, SupportRequest
from portal.booking import freetime, slots
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import schedule
from portal.matching.batch.world import World
from portal.matching.candidates import find
from tests.portal.matching_reference import random_world, reference_candidates
from tests.portal.test_matching_speedups import NOWS

STOCKHOLM = ZoneInfo("Europe/Stockholm")

spans = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=8,
)


def straightforward_subtract(windows, busy):
    """Each busy span cuts every window it touches, one after another."""
    result = sorted(windows)
    for b_start, b_end in busy:
        kept = []
        for w_start, w_end in result:
            if b_end <= w_start or b_start >= w_end:
                kept.append((w_start, w_end))
                continue
            if w_start < b_start:
                kept.append((w_start, b_start))
            if b_end < w_end:
                kept.append((b_end, w_end))
        result = kept
    return result


@given(spans, spans)
def test_the_sweep_frees_the_same_time_as_bookings_subtract(windows, busy) -> None:
    windows = [w for w in freetime.union(windows) if w[0] < w[1]]
    assert freetime.subtract(windows, busy) == straightforward_subtract(windows, busy)


minutes = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 23)]),
    st.lists(st.tuples(st.integers(0, 6), minutes, minutes), max_size=4),
    st.lists(st.tuples(st.integers(-600, 1600), st.integers(1, 600)), max_size=2),
    st.lists(st.tuples(st.integers(-600, 1600), st.integers(1, 600)), max_size=2),
)
def test_working_time_is_the_same_on_datetimes_and_on_milliseconds(day, hours, extra, away) -> None:
    """Clock-change days included: 08:00 stays 08:00 in both."""
    [local] = schedule.local_days(day, day, STOCKHOLM, DEFAULT_RULES)
    start = schedule.to_moment(local.start)

    def spans_at(pairs):
        return [(start + timedelta(minutes=a), start + timedelta(minutes=a + n)) for a, n in pairs]

    by_datetime = slots.working_windows(
        day, hours, spans_at(extra), spans_at(away), STOCKHOLM, DEFAULT_RULES
    )
    by_ms = schedule.working(
        local,
        hours,
        [(schedule.to_ms(a), schedule.to_ms(b)) for a, b in spans_at(extra)],
        [(schedule.to_ms(a), schedule.to_ms(b)) for a, b in spans_at(away)],
        schedule.Clock(STOCKHOLM),
    )
    assert [(schedule.to_ms(a), schedule.to_ms(b)) for a, b in by_datetime] == by_ms


#: A 15-minute travel buffer around every visit in a home; a third of the visits by video or
#: phone (no buffer), so the buffered and unbuffered visits sit side by side.
TRAVEL = replace(DEFAULT_RULES, travel_buffer=timedelta(minutes=15))
WORLDS = [(DEFAULT_RULES, 0.0), (TRAVEL, 0.35)]


@pytest.mark.db
@pytest.mark.parametrize("world", [0, 1], ids=["no travel", "travel 15 min"])
@pytest.mark.parametrize("seed", range(10))
def test_candidates_are_the_same_as_the_straightforward_code_gives(
    db: Database, seed: int, world: int
) -> None:
    rules, remote = WORLDS[world]
    rnd = random.Random(seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        for request_id in random_world(s, rnd, now, STOCKHOLM, remote):
            request = s.get(SupportRequest, request_id)
            for keep in (1, 12):
                found = find(s, request, now, STOCKHOLM, rules, starts=keep)
                fast = [found.candidate(i) for i in range(len(found))]
                slow = reference_candidates(s, request, now, STOCKHOLM, rules, keep)
                assert fast == slow
        s.rollback()


@pytest.mark.db
@pytest.mark.parametrize("world", [0, 1], ids=["no travel", "travel 15 min"])
@pytest.mark.parametrize("seed", range(6))
def test_the_batchs_free_time_grid_is_the_definition_laid_on_the_grid(
    db: Database, seed: int, world: int
) -> None:
    """Each worker's free milliseconds from each grid start: to the end of the free span of
    ``freetime.free_time`` it lies in, 0 outside them."""
    rules, remote = WORLDS[world]
    rnd = random.Random(300 + seed)
    now = NOWS[seed % len(NOWS)]
    with db.transaction() as s:
        ensure_defaults(s)
        queue = [s.get(SupportRequest, i) for i in random_world(s, rnd, now, STOCKHOLM, remote)]
        world_ = World.load(s, queue, now, STOCKHOLM, rules)
        if not world_.days:
            return
        ids = world_.staff_ids
        travel = rules.travel_buffer
        begin, end = (
            schedule.to_moment(world_.days[0].start),
            schedule.to_moment(world_.days[-1].end),
        )
        hours = schedule.weekly_hours_on(s, ids, {d.day.weekday() for d in world_.days})
        extras, absences = schedule.availability_ms(s, ids, begin, end)
        # Visits within the travel buffer of the period take some of its time too.
        visits = schedule.visits_ms(s, ids, begin - travel, end + travel)
        clock = schedule.Clock(STOCKHOLM)
        for column, staff_id in enumerate(ids):
            busy = [(a, b, bool(home)) for a, b, _, home in visits[staff_id]]
            free = [
                span
                for day in world_.days
                for span in freetime.free_time(
                    schedule.working(day, hours[staff_id], extras[staff_id],
                                     absences[staff_id], clock),
                    busy,
                    [],
                    travel // timedelta(milliseconds=1),
                )
            ]  # fmt: skip
            expected = [
                next((b - g for a, b in free if a <= g < b), 0) for g in world_.grid.tolist()
            ]
            assert world_.run[column].tolist() == expected
        s.rollback()
