"""Matching figures: ranked suggestions among 300 workers, and "Fördela alla" end to end.

    .venv/bin/python -m benchmarks.matching [--runs 50] [--batch-runs 5] [--now ISO-TIME]
                                            [--travel-minutes N]

Both run the portal's own code over a throw-away SQLite database built through the real
migrations: 300 workers (own hours, skills, languages, home areas), 2,500 clients, 12,000
visits in the coming week.

- suggestions: one request's ranked workers with reasons, as the console shows them (median),
  each right after a committed change: none, a visit booked elsewhere, or a visit, a worker,
  their hours and a client's home. Nothing is kept between requests (issue 17 removed the
  schedule snapshot), so the three should agree; they are kept to compare with older runs.
- batch: 1,000 open requests in the database × 300 workers, end to end as "Fördela alla" does
  it before booking: load the queue and what matching needs → score every pair → solve →
  the result (chosen worker and time per request, with the scores and reasons stored with an
  assignment). The optimal assignment (SciPy's linear_sum_assignment) and a greedy first-come
  baseline run on the same matrix in the same run: total score ratio and time ratio (median).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time as clock
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import insert, update

from models import (
    Channel,
    Client,
    ClientWorker,
    Database,
    Decision,
    GrantPeriod,
    RequestStatus,
    Role,
    Staff,
    StaffRole,
    SupportRequest,
    Visit,
    WorkingHours,
)
from models.migrate import upgrade
from models.support import DEFAULT_LIGHT_SUPPORT
from portal.booking.rules import DEFAULT_RULES, BookingRules
from portal.lightsupport import assign as assigning
from portal.lightsupport.catalogue import ensure_defaults
from portal.matching import batch
from portal.matching.batch import plan
from portal.matching.weights import Weights
from tests.portal import matching_oracles as oracles

ZONE = ZoneInfo("Europe/Stockholm")
SKILLS = ["autism", "intellectual_disability", "adhd", "psychiatric", "substance_use", "mi"]
LANGS = ["sv", "en", "ar", "so", "tr", "fa"]
rnd = random.Random(7)


def build(db: Database, now: datetime) -> int:
    """Fill the database; return the id of the request to rank."""
    with db.transaction() as s:
        ensure_defaults(s)
        s.execute(
            insert(Staff),
            [
                {
                    "id": i,
                    "username": f"w{i}",
                    "first_name": f"W{i}",
                    "last_name": "B",
                    "password_hash": "x",
                    "skills": rnd.sample(SKILLS, 2),
                    "languages": ["sv", rnd.choice(LANGS)],
                    "home_lat": 59.2 + rnd.random() / 10,
                    "home_lon": 17.9 + rnd.random() / 5,
                    "is_demo": False,
                    "active": True,
                    "failed_logins": 0,
                    "created_at": now,
                }
                for i in range(1, 301)
            ],
        )
        s.execute(insert(StaffRole), [{"staff_id": i, "role": Role.WORKER} for i in range(1, 301)])
        s.execute(
            insert(WorkingHours),
            [
                {"staff_id": i, "weekday": d, "starts": time(8), "ends": time(17)}
                for i in range(1, 301)
                for d in range(7)
            ],
        )
        s.execute(
            insert(Client),
            [
                {
                    "id": c,
                    "first_name": f"K{c}",
                    "last_name": "N",
                    "phone": f"+4670{c:07d}",
                    "needs": rnd.sample(SKILLS[:5], 1),
                    "language": rnd.choice(LANGS),
                    "lat": 59.2 + rnd.random() / 10,
                    "lon": 17.9 + rnd.random() / 5,
                    "has_children_under_18": False,
                    "sms_opt_out": False,
                    "active": True,
                    "created_at": now,
                }
                for c in range(1, 2501)
            ],
        )
        s.execute(
            insert(ClientWorker),
            [
                {"client_id": c, "staff_id": 1 + (c * 7 + k) % 300, "position": k, "since": now}
                for c in range(1, 2501)
                for k in range(2)
            ],
        )
        today = now.astimezone(ZONE).date()
        # Every client has a decision that covers their visits (ten hours a week), as they
        # would: booking a light-support time checks the grant.
        s.execute(
            insert(Decision),
            [
                {
                    "client_id": c,
                    "starts_on": today - timedelta(days=30),
                    "ends_on": today + timedelta(days=335),
                    "granted_minutes": 600,
                    "granted_per": GrantPeriod.WEEK,
                    "created_at": now,
                }
                for c in range(1, 2501)
            ],
        )
        # Each visit goes to a client of the worker's own (the regular workers above), so no
        # client has more than the allowed workers in 30 days: booking never lets that happen.
        theirs: dict[int, list[int]] = {}
        for c in range(1, 2501):
            for k in range(2):
                theirs.setdefault(1 + (c * 7 + k) % 300, []).append(c)
        visits, taken = [], set()
        while len(visits) < 12_000:
            staff_id = rnd.randint(1, 300)
            day = today + timedelta(days=rnd.randint(0, 6))
            hour = rnd.randint(8, 15)
            if (staff_id, day, hour) in taken:
                continue
            taken.add((staff_id, day, hour))
            start = datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)
            visits.append(
                {
                    "client_id": rnd.choice(theirs[staff_id]),
                    "staff_id": staff_id,
                    "channel": Channel.HOME,
                    "status": "planned",
                    "planned_start": start,
                    "planned_end": start + timedelta(hours=1),
                    "late_cancellation": False,
                    "created_at": now,
                }
            )
        s.execute(insert(Visit), visits)
        s.execute(
            insert(Staff),
            [
                {
                    "id": 1000,
                    "username": "samordnare",
                    "first_name": "Cecilia",
                    "last_name": "S",
                    "password_hash": "x",
                    "skills": [],
                    "languages": ["sv"],
                    "is_demo": False,
                    "active": True,
                    "failed_logins": 0,
                    "created_at": now,
                }
            ],
        )
        s.execute(insert(StaffRole), [{"staff_id": 1000, "role": Role.COORDINATOR}])
        categories = [key for key, _, _ in DEFAULT_LIGHT_SUPPORT]
        queue = []
        for r in range(1000):
            wanted_from = now + timedelta(hours=rnd.randint(0, 72))
            queue.append(
                {
                    "client_id": rnd.randint(2, 2500),
                    "category": rnd.choice(categories),
                    "minutes": 60,
                    "in_scope": True,
                    "channel": Channel.HOME if rnd.random() < 0.6 else Channel.VIDEO,
                    "wanted_from": wanted_from,
                    "wanted_to": wanted_from + timedelta(hours=rnd.randint(6, 72)),
                    "urgent": False,
                    "status": RequestStatus.NEW,
                    "created_at": now - timedelta(minutes=1000 - r),
                }
            )
        s.execute(insert(SupportRequest), queue)
        request = SupportRequest(
            client_id=1,
            category="talk",
            channel=Channel.HOME,
            wanted_from=now,
            wanted_to=now + timedelta(days=3),
            created_at=now,
            status=RequestStatus.ASSIGNED,  # ranked on its own, not part of the batch
        )
        s.add(request)
        s.flush()
        return request.id


#: What changes before each timed suggestion: nothing; a visit booked (for a day far ahead);
#: everything matching keeps in memory (a visit, a worker, their hours, a client's home), so
#: nothing may be reused, as for the first suggestion after a process starts.
CHANGES = ("nothing", "a visit", "everything")


def time_suggestions(
    db: Database, request_id: int, now: datetime, runs: int, change: str, rules: BookingRules
) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of one request's ranked suggestions, each right after
    a committed ``change`` (one of ``CHANGES``)."""
    samples, cpu = [], []
    for run in range(runs):
        with db.transaction() as s:
            ahead = now + timedelta(days=400 + 100 * CHANGES.index(change), hours=run)
            if change != "nothing":
                s.add(
                    Visit(
                        client_id=1, staff_id=300, channel=Channel.HOME, planned_start=ahead,
                        planned_end=ahead + timedelta(minutes=30), created_at=now,
                    )
                )  # fmt: skip
            if change == "everything":
                s.get(Staff, 300).home_lat = 59.2 + run / 1000
                s.get(Client, 1).lat = 59.2 + run / 1000
                s.execute(
                    update(WorkingHours).where(WorkingHours.staff_id == 300).values(ends=time(17))
                )
        with db.transaction() as s:
            request = s.get(SupportRequest, request_id)
            began, began_cpu = clock.perf_counter(), clock.process_time()
            ranked = assigning.suggestions(s, request, now, ZONE, rules, Weights())
            assert ranked[0].reasons  # the console shows the reasons of the first few
            samples.append(clock.perf_counter() - began)
            cpu.append(clock.process_time() - began_cpu)
    assert len(ranked) == 300
    return statistics.median(samples), statistics.median(cpu)


def time_batch(db: Database, now: datetime, solve, runs: int, rules: BookingRules):
    """Median seconds of each part of one "Fördela alla" (without the booking), and the plan;
    ``runs`` holds every run's end to end seconds."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        with db.transaction() as s:
            began, began_cpu = clock.perf_counter(), clock.process_time()
            coordinator = s.get(Staff, 1000)
            queue = assigning.open_queue(s, coordinator)
            queued = clock.perf_counter()
            result = plan(s, queue, now, ZONE, rules, Weights(), solve=solve)
            records = [
                [x.as_record() for x in result.ranked[row]] for row in result.chosen
            ]  # what each assignment stores: scores, parts, reasons
            ended, cpu = clock.perf_counter(), clock.process_time() - began_cpu
            assert len(records) == len(result.chosen)
            s.rollback()
        parts = {"queue": queued - began, **result.timings}
        parts["result"] += ended - queued - sum(result.timings.values())
        parts["total"], parts["cpu"] = ended - began, cpu
        for name, value in parts.items():
            samples.setdefault(name, []).append(value)
    assert len(queue) == 1000
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {**medians, "runs": samples["total"]}, result


def time_pressing(url: str, now: datetime) -> tuple[float, int, int]:
    """Seconds for one press of "Fördela alla" with the bookings (each through booking's rules,
    an SMS queued for each client), in the real app; rolled back afterwards."""
    from portal.app import create_app
    from portal.config import Settings

    app = create_app(Settings(env="test", database_url=url, secret_key="x" * 32, scheduler=False))
    db = app.extensions["boendestod.db"]
    with app.test_request_context(), db.transaction() as s:
        began = clock.perf_counter()
        done, left = assigning.assign_all(
            s, s.get(Staff, 1000), now=now, zone=ZONE, rules=DEFAULT_RULES, weights=Weights(),
            portal_link="http://127.0.0.1/",
        )  # fmt: skip
        seconds = clock.perf_counter() - began
        s.rollback()
    return seconds, len(done), len(left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="suggestion runs (median)")
    parser.add_argument("--batch-runs", type=int, default=5, help="batch runs (median)")
    parser.add_argument("--now", help="the moment to plan from (ISO, UTC); default: now")
    parser.add_argument(
        "--press", action="store_true", help="also time one whole press with the bookings"
    )
    parser.add_argument(
        "--travel-minutes",
        type=int,
        default=0,
        help="travel buffer around each home visit (TRAVEL_BUFFER_MINUTES); default 0",
    )
    args = parser.parse_args()
    rules = replace(DEFAULT_RULES, travel_buffer=timedelta(minutes=args.travel_minutes))
    now = (
        datetime.fromisoformat(args.now).astimezone(UTC)
        if args.now
        else datetime.now(UTC).replace(microsecond=0)
    )
    print(
        f"now {now.astimezone(ZONE):%Y-%m-%d %H:%M} local; travel buffer "
        f"{args.travel_minutes} min; load average at start "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        request_id = build(db, now)
        gc.freeze()  # as ``boendestod serve`` does once the app is built (portal.server)
        for change in CHANGES:
            wall, cpu = time_suggestions(db, request_id, now, args.runs, change, rules)
            print(
                f"suggestions for one request among 300 workers, {change} changed before each: "
                f"{wall * 1000:.1f} ms median of {args.runs} (CPU {cpu * 1000:.1f} ms; "
                f"target <= 20 ms); load average {_load()}"
            )
        best_t, best = time_batch(db, now, batch.optimal, args.batch_runs, rules)
        greedy_t, first_come = time_batch(db, now, oracles.greedy, args.batch_runs, rules)
        db.dispose()
        if args.press:
            seconds, done, left = time_pressing(url, now)
            print(
                f"one press of Fördela alla with the bookings: {seconds:.2f} s, {done} booked, "
                f"{left} left in the queue; load average {_load()}"
            )
    assert np.array_equal(best.scores, first_come.scores, equal_nan=True)  # the same matrix
    scores = best.scores
    q_best, q_greedy = oracles.total(scores, best.chosen), oracles.total(scores, first_come.chosen)
    print(
        f"batch: {scores.shape[0]} open requests x 300 workers "
        f"({scores.shape[1]} worker times), median of {args.batch_runs}; load average {_load()}"
    )
    for name, figures in (("optimal", best_t), ("greedy first-come", greedy_t)):
        parts = ", ".join(
            f"{part} {figures[part] * 1000:.0f} ms"
            for part in ("queue", "load", "score", "solve", "result")
        )
        print(
            f"  {name}: end to end {figures['total'] * 1000:.0f} ms "
            f"(CPU {figures['cpu'] * 1000:.0f} ms; {parts}); "
            f"runs {', '.join(f'{t * 1000:.0f}' for t in figures['runs'])} ms"
        )
    print(f"  optimal: {len(best.chosen)} assigned, total score {q_best:.1f} (target <= 1 s)")
    print(f"  greedy first-come: {len(first_come.chosen)} assigned, total score {q_greedy:.1f}")
    print(
        f"quality ratio optimal/greedy: {q_best / q_greedy:.3f}; time ratio optimal/greedy: "
        f"solve {best_t['solve'] / greedy_t['solve']:.1f}, "
        f"end to end {best_t['total'] / greedy_t['total']:.2f}"
    )
    assert (len(best.chosen), q_best) >= (len(first_come.chosen), q_greedy - 1e-9)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
