"""The booking rules as plain functions, with frozen times and both daylight-saving weekends."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import GrantPeriod
from portal.booking.rules import (
    DEFAULT_RULES,
    BookingRefused,
    WelfareStep,
    check_bookable_time,
    check_start_window,
    check_within_grant,
    decision_in_force,
    grant_period,
    is_late_cancellation,
    local_moment,
    needs_length_reason,
    too_many_workers,
    welfare_step,
)
from portal.booking.slots import Slot, short_list, starts_in, working_windows

STHLM = ZoneInfo("Europe/Stockholm")
RULES = DEFAULT_RULES
ALL_WEEK = [(d, time(7), time(22)) for d in range(7)]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def code_of(call) -> str:
    with pytest.raises(BookingRefused) as refused:
        call()
    return refused.value.code


def test_a_booking_needs_two_hours_notice_and_a_time_not_in_the_past() -> None:
    now = at("2026-05-04T10:00")
    hour = timedelta(hours=1)
    assert code_of(lambda: check_bookable_time(now - hour, now, now, STHLM, RULES)) == "past"
    soon = now + timedelta(minutes=90)
    assert code_of(lambda: check_bookable_time(soon, soon + hour, now, STHLM, RULES)) == "notice"
    later = now + timedelta(hours=2)
    check_bookable_time(later, later + hour, now, STHLM, RULES)  # exactly two hours is fine
    # A coordinator may book at short notice, never in the past.
    check_bookable_time(soon, soon + hour, now, STHLM, RULES, notice=False)


def test_support_is_given_between_seven_and_twenty_two_local_time_every_day() -> None:
    now = at("2026-05-01T08:00")
    sunday = date(2026, 5, 3)
    hour = timedelta(hours=1)
    check_bookable_time(at("2026-05-03T07:00"), at("2026-05-03T08:00"), now, STHLM, RULES)
    check_bookable_time(at("2026-05-03T21:00"), at("2026-05-03T22:00"), now, STHLM, RULES)
    late = at("2026-05-03T21:30")
    assert code_of(lambda: check_bookable_time(late, late + hour, now, STHLM, RULES)) == "hours"
    early = local_moment(sunday, time(6, 30), STHLM)
    assert code_of(lambda: check_bookable_time(early, early + hour, now, STHLM, RULES)) == "hours"


@pytest.mark.parametrize(
    ("day", "wall"),
    [(date(2026, 3, 29), time(2, 30)), (date(2026, 10, 25), time(2, 30))],
    ids=["skipped-in-march", "shown-twice-in-october"],
)
def test_a_wall_clock_time_the_dst_change_skips_or_repeats_is_refused(
    day: date, wall: time
) -> None:
    assert code_of(lambda: local_moment(day, wall, STHLM)) == "dst"


def test_support_hours_follow_the_local_clock_on_both_dst_weekends() -> None:
    for day, offset in [
        (date(2026, 3, 28), 1), (date(2026, 3, 29), 2),
        (date(2026, 10, 24), 2), (date(2026, 10, 25), 1),
    ]:  # fmt: skip
        windows = working_windows(day, ALL_WEEK, [], [], STHLM, RULES)
        assert windows == [
            (
                datetime.combine(day, time(7 - offset), tzinfo=UTC),
                datetime.combine(day, time(22 - offset), tzinfo=UTC),
            )
        ]
        starts = starts_in(windows, 60, STHLM, RULES, not_before=at("2026-01-01T00:00"))
        assert starts[0].astimezone(STHLM).time() == time(7)
        assert starts[-1].astimezone(STHLM).time() == time(21)
        assert len(starts) == 29  # 07:00 … 21:00 every half hour, even on 23- and 25-hour days


def test_an_absence_and_extra_time_change_a_workers_windows() -> None:
    day = date(2026, 5, 4)
    hours = [(0, time(8), time(17))]
    absent = [(at("2026-05-04T12:00"), at("2026-05-04T13:00"))]
    extra = [(at("2026-05-04T18:00"), at("2026-05-04T23:00"))]
    windows = working_windows(day, hours, extra, absent, STHLM, RULES)
    assert windows == [
        (at("2026-05-04T08:00"), at("2026-05-04T12:00")),
        (at("2026-05-04T13:00"), at("2026-05-04T17:00")),
        (at("2026-05-04T18:00"), at("2026-05-04T22:00")),  # clipped at 22:00
    ]


def test_the_short_list_spreads_five_times_and_prefers_the_primary_worker() -> None:
    base = at("2026-05-04T07:00")
    slots = [Slot(base + timedelta(minutes=30 * i), base, 2, 1) for i in range(20)]
    slots.append(Slot(base, base, 1, 0))
    picked = short_list(slots, 5)
    assert len(picked) == 5
    assert picked[0].staff_id == 1 and picked[0].start == base
    assert picked[-1].start == base + timedelta(minutes=30 * 19)


def test_a_cancellation_under_24_hours_counts_as_late() -> None:
    start = at("2026-10-25T10:00")  # the October DST night lies between: 25 real hours
    assert not is_late_cancellation(start, at("2026-10-24T10:00"), RULES)
    assert is_late_cancellation(start, at("2026-10-24T11:30"), RULES)


@dataclass
class D:
    id: int
    starts_on: date
    ends_on: date
    granted_minutes: int
    granted_per: GrantPeriod


def test_the_decision_in_force_is_the_latest_started_and_not_ended() -> None:
    old = D(1, date(2026, 1, 1), date(2026, 12, 31), 120, GrantPeriod.WEEK)
    new = D(2, date(2026, 6, 1), date(2027, 5, 31), 240, GrantPeriod.WEEK)
    assert decision_in_force([old, new], date(2026, 5, 31)) is old
    assert decision_in_force([old, new], date(2026, 6, 1)) is new
    assert decision_in_force([old, new], date(2025, 12, 31)) is None


def test_grant_periods_are_monday_to_sunday_or_the_calendar_month() -> None:
    assert grant_period(date(2026, 3, 29), GrantPeriod.WEEK) == (
        date(2026, 3, 23),
        date(2026, 3, 29),
    )
    assert grant_period(date(2026, 2, 14), GrantPeriod.MONTH) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )


def test_booking_beyond_the_grant_is_refused_and_a_move_counts_only_the_difference() -> None:
    check_within_grant(booked=120, adding=60, granted=180)
    assert code_of(lambda: check_within_grant(180, 60, 180)) == "grant"
    check_within_grant(booked=360, adding=0, granted=240)  # a move within an overbooked week
    check_within_grant(booked=360, adding=-30, granted=240)  # a move to a shorter place


def test_no_more_than_three_distinct_workers_in_any_30_days() -> None:
    t = at("2026-05-10T10:00")
    day = timedelta(days=1)
    two = [(t - 10 * day, 1), (t - 5 * day, 2)]
    assert not too_many_workers(two, t, 3, RULES)  # a third is allowed
    three = [*two, (t - 2 * day, 3)]
    assert too_many_workers(three, t, 4, RULES)  # a fourth is not
    assert not too_many_workers(three, t, 1, RULES)  # a regular one always is
    # Workers 31 days apart never share a 30-day window.
    spread = [(t - 40 * day, 5), (t - 35 * day, 6), (t - 31 * day, 7)]
    assert not too_many_workers([*two, *spread], t, 3, RULES)
    # A planned visit ahead counts too.
    assert too_many_workers([*two, (t + 15 * day, 3)], t, 4, RULES)


def test_three_cancellations_ask_the_worker_and_a_fourth_goes_to_the_caseworker() -> None:
    now = at("2026-05-20T12:00")
    days = [timedelta(days=d) for d in (25, 10, 1)]
    two = [now - d for d in days[:2]]
    assert welfare_step(two, now, None, RULES) is WelfareStep.NONE
    three = [now - d for d in days]
    assert welfare_step(three, now, None, RULES) is WelfareStep.ASK_WORKER
    asked = now - timedelta(days=1)
    assert welfare_step([*three, now], now, asked, RULES) is WelfareStep.ESCALATE
    # Old cancellations fall out of the window; an old check-in does not count.
    old = [now - timedelta(days=40 + d) for d in range(3)]
    assert welfare_step(old, now, None, RULES) is WelfareStep.NONE
    assert welfare_step(three, now, now - timedelta(days=45), RULES) is WelfareStep.ASK_WORKER


def test_a_visit_starts_from_two_hours_before_to_two_hours_after_the_plan() -> None:
    planned = at("2026-03-29T10:00")  # the March DST day
    check_start_window(planned, planned - timedelta(hours=2), RULES)
    check_start_window(planned, planned + timedelta(hours=2), RULES)
    with pytest.raises(BookingRefused):
        check_start_window(planned, planned - timedelta(hours=2, minutes=1), RULES)
    with pytest.raises(BookingRefused):
        check_start_window(planned, planned + timedelta(hours=2, minutes=1), RULES)


def test_a_length_more_than_15_minutes_off_the_plan_needs_a_reason() -> None:
    assert not needs_length_reason(60, 75, RULES)
    assert not needs_length_reason(60, 45, RULES)
    assert needs_length_reason(60, 76, RULES)
    assert needs_length_reason(60, 44, RULES)
