"""Travel between homes (``TRAVEL_BUFFER_MINUTES``): a worker needs the buffer before and after
a visit in a client's home, never around a video or phone session; booking's free times, the
console's suggestions and "Fördela alla" all keep it (``booking.freetime.visit_busy``)."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask

from models import Channel, Client, Database, Staff, SupportRequest
from portal.booking import actions
from portal.booking.rules import DEFAULT_RULES, BookingRefused, BookingRules
from portal.booking.slots import available_slots
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch
from portal.matching.weights import Weights
from tests.conftest import csrf_from, settings_for_tests
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.booking.test_views import signed_in_client

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=STHLM).astimezone(UTC)  # a Monday morning
TOMORROW = date(2026, 5, 5)
SANDRA = "+46709990001"
TRAVEL = replace(DEFAULT_RULES, travel_buffer=timedelta(minutes=15))


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"{TOMORROW}T{clock}").replace(tzinfo=STHLM).astimezone(UTC)


def people(s) -> tuple[Staff, Client, Client]:
    """Anna, Sandra's worker, and Bo, another client of hers."""
    anna = make_staff(s, "anna")
    sandra = make_client(s, phone=SANDRA, workers=[anna])
    make_decision(s, sandra, minutes=600)
    return anna, sandra, make_client(s, "Bo", workers=[anna])


def starts(s, client: Client, rules: BookingRules, minutes: int = 60) -> set[datetime]:
    slots = available_slots(s, client.id, [TOMORROW], minutes, NOW, STHLM, rules)
    return {slot.start for slot in slots}


def book(s, client: Client, staff: Staff, start: datetime, channel=Channel.HOME, rules=TRAVEL):
    return actions.book(
        s, client=client, staff_id=staff.id, start=start, minutes=60, channel=channel,
        now=NOW, zone=STHLM, rules=rules,
    )  # fmt: skip


def test_with_a_15_minute_buffer_sandra_cannot_book_the_moment_annas_home_visit_ends(
    db: Database,
) -> None:
    with db.transaction() as s:
        anna, sandra, bo = people(s)
        make_visit(s, bo, anna, at("10:00"), channel=Channel.HOME)
        assert at("11:00") in starts(s, sandra, DEFAULT_RULES)  # no buffer: as before
        offered = starts(s, sandra, TRAVEL)
        assert at("11:00") not in offered and at("11:30") in offered
        # Nor right before it: 09:00–10:00 would leave Anna no time to get to Bo.
        assert at("09:00") not in offered and at("08:30") in offered
        with pytest.raises(BookingRefused) as refused:
            book(s, sandra, anna, at("11:00"))
        assert refused.value.code == "worker_travel"
        assert str(refused.value.message) == "Den personen hinner inte komma då. Välj en annan tid."
        assert str(refused.value.staff_message) == (
            "Anna behöver 15 minuter för att resa till eller från besöket 10:00–11:00."
        )
        assert book(s, sandra, anna, at("11:15")).planned_start == at("11:15")


def test_a_video_session_right_after_a_home_visit_waits_for_the_buffer_but_not_the_reverse(
    db: Database,
) -> None:
    """The rule: a home visit takes the buffer on both sides, whatever comes next; a video or
    phone session takes none, so a home visit may follow one directly."""
    with db.transaction() as s:
        anna, sandra, bo = people(s)
        make_visit(s, bo, anna, at("10:00"), channel=Channel.HOME)
        make_visit(s, bo, anna, at("14:00"), channel=Channel.VIDEO)
        offered = starts(s, sandra, TRAVEL)
        assert at("11:00") not in offered and at("11:30") in offered
        assert at("15:00") in offered and at("13:00") in offered
        with pytest.raises(BookingRefused) as refused:
            book(s, sandra, anna, at("11:00"), channel=Channel.VIDEO)
        assert refused.value.code == "worker_travel"
        assert book(s, sandra, anna, at("15:00")).planned_start == at("15:00")


@pytest.fixture
def settings(database_url: str):
    return settings_for_tests(database_url, travel_buffer_minutes=15)


def test_sandras_times_page_leaves_anna_time_to_travel_and_a_stale_time_is_refused(
    app: Flask, db: Database
) -> None:
    with time_machine.travel(NOW, tick=False):
        with db.transaction() as s:
            anna, _, bo = people(s)
            make_visit(s, bo, anna, at("10:00"), channel=Channel.HOME)
            anna_id = anna.id
        web = signed_in_client(app, SANDRA)
        times = web.get("/boka/tider?dag=imorgon&satt=home&alla=1").text
        assert "11:30 med Anna" in times and "11:00 med Anna" not in times
        page = web.get(
            f"/boka/bekrafta?start={int(at('11:00').timestamp())}&personal={anna_id}&satt=home"
        )
        data = dict(re.findall(r'name="(start|personal|satt)" value="([^"]*)"', page.text))
        data["csrf_token"] = csrf_from(page.text)
        refused = web.post("/boka/bekrafta", data=data)
        assert refused.status_code == 400
        assert "Den personen hinner inte komma då. Välj en annan tid." in refused.text


def request_for(s, client: Client, begins: str, ends: str) -> SupportRequest:
    request = SupportRequest(
        client_id=client.id, category="talk", minutes=60, channel=Channel.HOME,
        wanted_from=at(begins), wanted_to=at(ends), created_at=NOW,
    )  # fmt: skip
    s.add(request)
    s.flush()
    return request


def chosen_starts(s, queue: list[SupportRequest], rules: BookingRules) -> list[datetime]:
    plan = batch.plan(s, queue, NOW, STHLM, rules, Weights())
    return sorted(plan.columns[c][1] for c in plan.chosen.values())


def test_the_suggestion_and_the_batch_skip_a_gap_shorter_than_the_visit_and_its_buffers(
    db: Database,
) -> None:
    """Home visits 09:00–10:00 and 11:15–12:00: the 75 minutes between hold a 60-minute visit,
    but not with 15 minutes of travel on each side."""
    with db.transaction() as s:
        ensure_defaults(s)
        anna, sandra, bo = people(s)
        make_visit(s, bo, anna, at("09:00"), channel=Channel.HOME)
        make_visit(s, bo, anna, at("11:15"), minutes=45, channel=Channel.HOME)
        request = request_for(s, sandra, "09:00", "14:00")
        for rules, first in ((DEFAULT_RULES, "10:00"), (TRAVEL, "12:30")):
            [suggested] = assigning.suggestions(s, request, NOW, STHLM, rules, Weights())
            assert (suggested.first_name, suggested.start) == ("Anna", at(first))
            assert chosen_starts(s, [request], rules) == [at(first)]


def test_the_batch_leaves_the_buffer_between_two_visits_it_gives_one_worker(
    db: Database,
) -> None:
    with db.transaction() as s:
        ensure_defaults(s)
        anna, sandra, bo = people(s)
        make_decision(s, bo, minutes=600)
        queue = [request_for(s, sandra, "10:00", "12:30"), request_for(s, bo, "10:00", "12:30")]
        assert chosen_starts(s, queue, DEFAULT_RULES) == [at("10:00"), at("11:00")]
        assert chosen_starts(s, queue, TRAVEL) == [at("10:00"), at("11:30")]
