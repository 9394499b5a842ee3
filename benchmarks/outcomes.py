"""The unit's outcome figures (issue 16) over 2,500 clients and two years of ratings.

    .venv/bin/python -m benchmarks.outcomes [--runs 7] [--baseline-runs 3] [--url DATABASE_URL]

Builds a throw-away SQLite database through the real migrations (or uses ``--url``, which it
fills and leaves), then times what the manager's page computes: the figures for six and for
twelve months (own ratings per life area, goals reached, support reduced, survey), median of
``--runs``. The baseline, in the same run, computes the rating trends the straightforward way
(``tests/portal/outcome_reference.py``: every client's ratings loaded and looped over in Python)
for the same two periods; both must give the same trends.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from models import (
    Client,
    Database,
    FollowUp,
    FollowUpOutcome,
    GoalLevel,
    GoalLevelChange,
    Rating,
    RatingSource,
    Role,
    Staff,
    StaffRole,
    SurveyAnswer,
    Unit,
    ensure_life_areas,
    life_areas,
)
from models.migrate import upgrade
from portal.access import client_scope
from portal.ratings.figures import PERIODS_MONTHS, months_before, outcome_figures
from portal.ratings.survey import QUESTIONS
from portal.timeutil import day_bounds
from tests.portal.outcome_reference import area_trends_by_loop

ZONE = ZoneInfo("Europe/Stockholm")
CLIENTS = 2_500
ROUNDS = 13  # every eight weeks for two years


def build(db: Database, now: datetime) -> int:
    """Fill the database; return the manager's staff id."""
    rnd = random.Random(16)
    with db.transaction() as s:
        ensure_life_areas(s)
        area_ids = [a.id for a in life_areas(s)]
        unit = Unit(name="Benchmark")
        s.add(unit)
        s.flush()
        s.execute(insert(Staff), [
            {"id": i, "username": f"w{i}", "first_name": "W", "last_name": str(i),
             "password_hash": "x", "unit_id": unit.id} for i in range(1, 102)
        ])  # fmt: skip
        s.execute(insert(StaffRole), [{"staff_id": i, "role": Role.WORKER} for i in range(1, 101)])
        s.execute(insert(StaffRole), [{"staff_id": 101, "role": Role.MANAGER}])
        s.execute(insert(Client), [
            {"id": c, "first_name": "K", "last_name": str(c), "phone": f"+4670{c:07d}",
             "unit_id": unit.id, "caseworker_id": 1} for c in range(1, CLIENTS + 1)
        ])  # fmt: skip
        ratings, levels, follow_ups, surveys = [], [], [], []
        for c in range(1, CLIENTS + 1):
            worker = 1 + c % 100
            for area in rnd.sample(area_ids, 3):
                step = rnd.randint(1, 3)
                for r in range(ROUNDS, 0, -1):
                    at = now - timedelta(days=56 * r - rnd.randint(0, 6), hours=rnd.randint(0, 9))
                    step = min(5, max(1, step + rnd.choice((-1, 0, 0, 1, 1))))
                    if rnd.random() < 0.85:
                        ratings.append({"client_id": c, "life_area_id": area, "step": step,
                                        "source": RatingSource.CLIENT, "rated_at": at})  # fmt: skip
                    ratings.append({"client_id": c, "life_area_id": area, "step": step,
                                    "source": RatingSource.WORKER, "staff_id": worker,
                                    "rated_at": at + timedelta(days=2)})  # fmt: skip
            for g in range(2):
                for n, level in enumerate(list(GoalLevel)[: rnd.randint(1, 4)]):
                    levels.append({"client_id": c, "client_words": f"Mål {g}", "level": level,
                                   "changed_by_id": worker,
                                   "changed_at": now - timedelta(days=700 - 150 * n)})  # fmt: skip
            held_on = (now - timedelta(days=rnd.randint(1, 700))).date()
            outcome = rnd.choice(list(FollowUpOutcome))
            follow_ups.append({"client_id": c, "caseworker_id": 1, "held_on": held_on,
                               "what_works": "Bra", "outcome": outcome})  # fmt: skip
            answers = {q.key: rnd.choice(q.answers)[0] for q in QUESTIONS}
            surveys.append({"client_id": c, "follow_up_on": held_on, "named": False,
                            "answered_at": now - timedelta(days=1),
                            "answers": answers})  # fmt: skip
        s.execute(insert(Rating), ratings)
        s.execute(insert(GoalLevelChange), levels)
        s.execute(insert(FollowUp), follow_ups)
        s.execute(insert(SurveyAnswer), surveys)
        print(f"built: {CLIENTS} clients, {len(ratings):,} ratings, {len(levels):,} goal levels, "
              f"{len(follow_ups):,} follow-ups, {len(surveys):,} survey answers")  # fmt: skip
        return 101


def _median_ms(runs: int, work) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (the CPU figure says more on a shared machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = clock.perf_counter(), clock.process_time()
        work()
        wall.append(clock.perf_counter() - began)
        cpu.append(clock.process_time() - began_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--url", help="a database to fill instead of a throw-away SQLite file")
    args = parser.parse_args()
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    today = now.astimezone(ZONE).date()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        manager_id = build(db, now)
        with db.transaction() as s:
            manager = s.get(Staff, manager_id)
            scope = client_scope(manager)
            areas = life_areas(s)

            def ours() -> list:
                return [outcome_figures(s, scope, areas, today, ZONE, m) for m in PERIODS_MONTHS]

            def baseline() -> list:
                end = day_bounds(today, ZONE)[1]
                return [
                    area_trends_by_loop(s, scope, day_bounds(months_before(today, m), ZONE)[0], end)
                    for m in PERIODS_MONTHS
                ]

            figures = ours()
            loop = baseline()
            for f, expected in zip(figures, loop, strict=True):
                got = {a.id: g.counts for a, g in f.areas}
                assert got == {k: dict(v) for k, v in expected.items()}, "ours ≠ the loop"
            assert s.scalar(select(Client.id).where(scope).limit(1)) is not None
            ours_ms = _median_ms(args.runs, ours)
            loop_ms = _median_ms(args.baseline_runs, baseline)
    print(f"outcome figures, 6 and 12 months: median {ours_ms[0]:.0f} ms wall, "
          f"{ours_ms[1]:.0f} ms CPU, of {args.runs} runs")  # fmt: skip
    print(f"baseline (per-client loop, trends only): median {loop_ms[0]:.0f} ms wall, "
          f"{loop_ms[1]:.0f} ms CPU, of {args.baseline_runs} runs "
          f"→ {loop_ms[0] / ours_ms[0]:.1f}× (wall)")  # fmt: skip


if __name__ == "__main__":
    main()
