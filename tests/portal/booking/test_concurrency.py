"""Two people (or twenty) booking the last slot at the same moment: exactly one gets it."""

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Channel, Client, Database, Visit
from portal.booking import actions
from portal.booking.refusals import REFUSALS
from portal.booking.rules import DEFAULT_RULES, BookingRefused
from tests.factories import make_client, make_decision, make_staff

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")


def test_twenty_concurrent_attempts_at_one_slot_make_exactly_one_booking(db: Database) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        clients = []
        for i in range(20):
            client = make_client(s, first_name=f"K{i}", workers=[anna])
            make_decision(s, client)
            clients.append(client.id)
        anna_id = anna.id
    start = datetime(2026, 5, 5, 10, tzinfo=STHLM).astimezone(UTC)
    now = datetime(2026, 5, 4, 8, tzinfo=UTC)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(client_id: int) -> None:
        barrier.wait()
        try:
            with db.transaction() as s:
                actions.book(
                    s, client=s.get(Client, client_id), staff_id=anna_id, start=start,
                    minutes=60, channel=Channel.HOME, now=now, zone=STHLM, rules=DEFAULT_RULES,
                )  # fmt: skip
            result = "booked"
        except BookingRefused as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # A late attempt sees the booking before writing ("worker_busy"), a racing one meets the
    # database's refusal ("taken"); a client reads the same words for both.
    assert outcomes.count("booked") == 1
    assert set(outcomes) - {"booked"} <= {"taken", "worker_busy"} and len(outcomes) == 20
    assert REFUSALS["worker_busy"].client == REFUSALS["taken"].client
    with db.transaction() as s:
        assert s.scalar(select(func.count(Visit.id))) == 1
