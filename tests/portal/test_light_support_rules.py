"""Light support: the scope rules, the ranking with its reasons, and the optimal batch."""

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Channel, Database, Escalation, EscalationType, SupportRequest
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.requests import RequestRefused, When, ask_for_help, wanted_window
from portal.lightsupport.scope import Scope, beyond_scope
from portal.matching import batch
from portal.matching.scoring import Candidate, Wanted
from portal.matching.weights import Weights
from tests.factories import make_client, make_staff
from tests.portal.matching_oracles import as_array, greedy, rank, total

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def test_a_request_inside_every_limit_is_light_support() -> None:
    assert (
        beyond_scope(
            Scope(), category_in_scope=True, minutes=60, earlier_this_month=3, weeks_in_a_row=6
        )
        == []
    )


def test_each_limit_names_itself_when_passed() -> None:
    reasons = beyond_scope(
        Scope(), category_in_scope=False, minutes=90, earlier_this_month=4, weeks_in_a_row=7
    )
    assert len(reasons) == 4
    assert any("fler än 4 tillfällen" in r for r in reasons)
    assert any("längre än 60 minuter" in r for r in reasons)


def test_the_window_means_todays_support_hours_from_now() -> None:
    now = local("2026-11-23T15:10")
    start, end = wanted_window(When.TODAY, None, now, STOCKHOLM)
    assert (start, end) == (now, local("2026-11-23T22:00"))
    start, end = wanted_window(When.THIS_WEEK, None, now, STOCKHOLM)
    assert end == local("2026-11-29T22:00")
    with pytest.raises(RequestRefused):
        wanted_window(When.TODAY, None, local("2026-11-23T22:30"), STOCKHOLM)


@pytest.mark.db
def test_the_fifth_request_in_a_month_is_answered_and_escalated(db: Database) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        karin = make_staff(s, "karin", roles=[__import__("models").Role.CASEWORKER])
        olle = make_client(s, "Olle", caseworker=karin)
        for day in (2, 5, 9, 12, 16):
            request = ask_for_help(
                s,
                olle,
                category_key="talk",
                when=When.TODAY,
                day=None,
                channel=Channel.VIDEO,
                text=None,
                submission_key=f"k{day}",
                now=local(f"2026-11-{day:02d}T10:00"),
                zone=STOCKHOLM,
                scope=Scope(),
            )
        flags = [r.in_scope for r in s.query(SupportRequest).order_by(SupportRequest.id)]
        assert flags == [True, True, True, True, False]
        escalation = s.query(Escalation).one()
        assert escalation.type is EscalationType.BEYOND_LIGHT_SUPPORT
        assert escalation.owner_id == karin.id
        assert escalation.evidence[0]["request_id"] == request.id
        assert len([e for e in escalation.evidence if e["kind"] == "request"]) == 5


@pytest.mark.db
def test_pressing_send_twice_saves_one_request(db: Database) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        olle = make_client(s, "Olle")
        kwargs = dict(
            category_key="post",
            when=When.THIS_WEEK,
            day=None,
            channel=Channel.HOME,
            text="Ett brev",
            submission_key="same",
            now=local("2026-11-23T10:00"),
            zone=STOCKHOLM,
            scope=Scope(),
        )
        first = ask_for_help(s, olle, **kwargs)
        second = ask_for_help(s, olle, **kwargs)
        assert first.id == second.id
        assert s.query(SupportRequest).count() == 1


def hhmm(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%H")


def candidate(staff_id: int, **changes: object) -> Candidate:
    base = dict(
        staff_id=staff_id,
        first_name=f"W{staff_id}",
        skills=(),
        languages=("sv",),
        regular=False,
        seen_lately=False,
        breaks_continuity_cap=False,
        free_start=local("2026-11-24T14:00"),
        free_until=local("2026-11-24T16:00"),
        from_lat=59.22,
        from_lon=17.95,
        booked_minutes_today=120,
    )
    base.update(changes)
    return Candidate(**base)


def test_the_ranking_puts_continuity_skills_and_language_first_and_says_why() -> None:
    wanted = Wanted(
        client_name="Olle",
        needs=("autism",),
        category_skill=None,
        language="ar",
        home_visit=True,
        lat=59.217,
        lon=18.151,
    )
    omar = candidate(
        1,
        first_name="Omar",
        regular=True,
        skills=("autism",),
        languages=("sv", "ar"),
        from_lat=59.218,
        from_lon=18.155,
        booked_minutes_today=60,
    )
    stranger = candidate(2, first_name="Eva", from_lat=59.26, from_lon=17.88)
    busy = candidate(3, first_name="Per", regular=True, free_start=None, free_until=None)
    ranked = rank(wanted, [stranger, busy, omar], Weights(), hhmm)
    assert [s.first_name for s in ranked] == ["Omar", "Eva", "Per"]
    assert ranked[0].reasons[:3] == ["känner Olle", "autism-kunnig", "talar arabiska"]
    assert "ledig 14–16" in ranked[0].reasons and "lägst belastning idag" in ranked[0].reasons
    assert any(r.endswith("min bort") for r in ranked[0].reasons)
    assert not ranked[2].feasible and "inte ledig då" in ranked[2].reasons


def test_a_fourth_worker_in_30_days_is_not_suggested_as_feasible() -> None:
    wanted = Wanted("Sandra", (), None, "sv", False, None, None)
    capped = candidate(9, breaks_continuity_cap=True)
    [suggestion] = rank(wanted, [capped], Weights(), hhmm)
    assert not suggestion.feasible
    assert "fjärde boendestödjare" in " ".join(suggestion.reasons)


def brute_force(scores: list[list[float | None]]) -> tuple[int, float]:
    """The best (pairs, total) over every partial one-to-one assignment."""
    rows, cols = len(scores), len(scores[0])
    best = (0, 0.0)
    for chosen in itertools.product([None, *range(cols)], repeat=rows):
        used = [c for c in chosen if c is not None]
        if len(used) != len(set(used)):
            continue
        if any(c is not None and scores[r][c] is None for r, c in enumerate(chosen)):
            continue
        pairs = [(r, c) for r, c in enumerate(chosen) if c is not None]
        value = (len(pairs), round(sum(scores[r][c] for r, c in pairs), 6))
        best = max(best, value)
    return best


cell = st.one_of(
    st.none(), st.floats(min_value=0, max_value=9, allow_nan=False).map(lambda x: round(x, 3))
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=5)
    )
)
def test_the_batch_equals_the_brute_force_optimum(scores: list[list[float | None]]) -> None:
    result = batch.optimal(as_array(scores))
    assert len(set(result.values())) == len(result)
    assert all(scores[r][c] is not None for r, c in result.items())
    assert (len(result), round(total(scores, result), 6)) == brute_force(scores)
    first_come = greedy(scores)
    assert (len(result), total(scores, result)) >= (
        len(first_come),
        total(scores, first_come) - 1e-9,
    )
