"""Matching figures: ranked suggestions among 300 workers, and the optimal batch vs greedy.

    .venv/bin/python benchmarks/matching.py

- suggestions: a throw-away SQLite database through the real migrations with 300 workers
  (own hours, skills, languages, home areas), 2,500 clients and 12,000 visits in the coming
  week; one request's ranked suggestions with reasons, through the same code the console uses
  (median of 50).
- batch: 1,000 open requests × 300 workers, scored with the same scoring function; each worker
  offers up to four non-overlapping free times. The optimal assignment (SciPy's
  linear_sum_assignment) against a greedy first-come baseline on the same matrix: total score
  ratio and time ratio (median of 5).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from models import (
    Channel,
    Client,
    ClientWorker,
    Database,
    Role,
    Staff,
    StaffRole,
    SupportRequest,
    Visit,
    WorkingHours,
)
from models.migrate import upgrade
from portal.booking.rules import DEFAULT_RULES
from portal.lightsupport import assign as assigning
from portal.lightsupport import batch
from portal.lightsupport.catalogue import ensure_defaults
from portal.lightsupport.scoring import Candidate, Wanted, Weights, score

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
                    "client_id": rnd.randint(1, 2500),
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
        request = SupportRequest(
            client_id=1,
            category="talk",
            channel=Channel.HOME,
            wanted_from=now,
            wanted_to=now + timedelta(days=3),
            created_at=now,
        )
        s.add(request)
        s.flush()
        return request.id


def time_suggestions(db: Database, request_id: int, now: datetime, runs: int = 50) -> float:
    samples = []
    for _ in range(runs):
        with db.transaction() as s:
            request = s.get(SupportRequest, request_id)
            began = clock.perf_counter()
            ranked = assigning.suggestions(s, request, now, ZONE, DEFAULT_RULES, Weights())
            samples.append(clock.perf_counter() - began)
    assert len(ranked) == 300 and ranked[0].reasons
    return statistics.median(samples)


def synthetic_matrix(now: datetime, requests: int = 1000, workers: int = 300):  # type: ignore[no-untyped-def]
    """Score every (request, worker) pair with the real scoring; columns as the console builds."""
    grid = [now + timedelta(minutes=30 * i) for i in range(48)]
    people = [
        (
            w,
            tuple(rnd.sample(SKILLS, 2)),
            ("sv", rnd.choice(LANGS)),
            59.2 + rnd.random() / 10,
            17.9 + rnd.random() / 5,
        )
        for w in range(workers)
    ]
    weights = Weights()
    ranked = []
    for r in range(requests):
        wanted = Wanted(
            f"K{r}",
            (rnd.choice(SKILLS[:5]),),
            None,
            rnd.choice(LANGS),
            rnd.random() < 0.6,
            59.2 + rnd.random() / 10,
            17.9 + rnd.random() / 5,
        )
        regular = {rnd.randrange(workers), rnd.randrange(workers)}
        row = []
        for w, skills, langs, lat, lon in people:
            offset = rnd.randrange(0, 40)
            starts = tuple(grid[offset : offset + rnd.randint(0, 6)])
            candidate = Candidate(
                w,
                f"W{w}",
                skills,
                langs,
                w in regular,
                False,
                False,
                starts[0] if starts else None,
                starts[-1] if starts else None,
                lat,
                lon,
                rnd.randint(0, 420),
                starts,
            )
            row.append(score(wanted, candidate, weights, lambda t: t.strftime("%H")))
        ranked.append(row)
    columns = [(w, t) for w, times in assigning.blocks(ranked).items() for t in times]
    return assigning.score_matrix(ranked, columns)


def median_time(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        began = clock.perf_counter()
        fn()
        samples.append(clock.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        request_id = build(db, now)
        suggestions_ms = time_suggestions(db, request_id, now) * 1000
        db.dispose()
    print(f"suggestions for one request among 300 workers: {suggestions_ms:.1f} ms median of 50")

    began = clock.perf_counter()
    scores = synthetic_matrix(now)
    build_s = clock.perf_counter() - began
    optimal_s = median_time(lambda: batch.optimal(scores))
    greedy_s = median_time(lambda: batch.greedy(scores))
    best, first_come = batch.optimal(scores), batch.greedy(scores)
    q_best, q_greedy = batch.total(scores, best), batch.total(scores, first_come)
    print(
        f"batch matrix: {len(scores)} requests x {len(scores[0])} worker times "
        f"(300 workers), scored in {build_s:.2f} s"
    )
    print(
        f"optimal batch: {optimal_s * 1000:.0f} ms median of 5, {len(best)} assigned, "
        f"total score {q_best:.1f}"
    )
    print(
        f"greedy first-come: {greedy_s * 1000:.0f} ms, {len(first_come)} assigned, "
        f"total score {q_greedy:.1f}"
    )
    print(
        f"quality ratio optimal/greedy: {q_best / q_greedy:.3f}; "
        f"time ratio optimal/greedy: {optimal_s / greedy_s:.1f}"
    )


if __name__ == "__main__":
    main()
