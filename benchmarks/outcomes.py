"""The manager's outcome page (issue 16) over 2,500 clients and two years of ratings and visits.

    .venv/bin/python -m benchmarks.outcomes [--runs 7] [--baseline-runs 1] [--url DATABASE_URL]

Builds a throw-away SQLite database through the real migrations (or uses ``--url``, which it
fills and leaves): one unit, 2,500 clients, two years of ratings, goal levels, follow-ups and
surveys, and two years of visits (two a week per client) with decisions and working hours, so
the page's time figures have real work to do. Then, in turns in the same run, median of
``--runs`` (wall and CPU time, and the load average before each):

- **page**: ``GET /personal/nyckeltal/effekt`` as the signed-in manager through the Flask test
  client: the outcome figures for six and twelve months, the time figures beside them and the
  template;
- **figures**: the outcome figures alone (``portal.ratings.figures.outcome_figures``);
- **baseline**: the straightforward way on the same data: the rating trends with every
  client's ratings loaded and looped over in Python (``tests/portal/outcome_reference.py``)
  and the time figures as two whole monthly reports (``booking.reports.monthly_report``).
  Both must give the same trends and the same time figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text

from models import (
    Client,
    Database,
    Decision,
    FollowUp,
    FollowUpOutcome,
    GoalLevel,
    GoalLevelChange,
    GrantPeriod,
    Rating,
    RatingSource,
    Role,
    Staff,
    StaffRole,
    SurveyAnswer,
    Unit,
    Visit,
    WorkingHours,
    ensure_life_areas,
    life_areas,
    sealed,
)
from models.migrate import upgrade
from portal.access import client_scope
from portal.app import create_app
from portal.auth.staff import create_staff
from portal.booking.reports import monthly_report, percent
from portal.config import Settings
from portal.ratings.figures import PERIODS_MONTHS, months_before, outcome_figures
from portal.ratings.survey import QUESTIONS
from portal.timeutil import day_bounds
from tests.portal.outcome_reference import area_trends_by_loop

from . import loadkit
from .follow_up import visit_row

CLIENTS = 2_500
WORKERS = 100  # 25 clients each
ROUNDS = 13  # every eight weeks for two years
WEEKS = 104  # two years of visits, two a week per client
PASSWORD = "bench horse battery"
PAGE = "/personal/nyckeltal/effekt"


def _visits(client_id: int, worker: int, slot: int, monday: date, rnd: random.Random) -> list:
    """Two visits a week for two years; ``slot`` (0–24) keeps a worker's visits apart."""
    rows = []
    first = (slot % 5, time(8 + (slot // 5) * 90 // 60, (slot // 5) * 90 % 60), 60)
    second = ((slot % 5 + 2) % 5, time(15 + slot // 5), 45)
    for week in range(1, WEEKS + 1):
        for weekday, at, minutes in (first, second):
            begins = datetime.combine(monday - timedelta(weeks=week, days=-weekday), at, UTC)
            rows.append(visit_row(client_id, worker, begins, minutes, rnd))
    return rows


def _time_rows(s, unit_id: int, workers: list[int], now: datetime, rnd: random.Random) -> None:
    """Visits, decisions and working hours: what the page's time figures read."""
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    s.execute(insert(WorkingHours), [
        {"staff_id": w, "weekday": d, "starts": time(8), "ends": time(17)}
        for w in workers for d in range(5)
    ])  # fmt: skip
    decisions, visits = [], 0
    for c in range(1, CLIENTS + 1):
        rows = _visits(c, workers[(c - 1) % WORKERS], (c - 1) // WORKERS, monday, rnd)
        s.execute(insert(Visit), rows)
        visits += len(rows)
        for year in range(2):
            decisions.append({"client_id": c, "caseworker_id": workers[0],
                              "starts_on": today - timedelta(days=730 - 365 * year),
                              "ends_on": today - timedelta(days=366 - 365 * year - 180 * year),
                              "granted_minutes": rnd.choice([120, 180, 240]),
                              "granted_per": GrantPeriod.WEEK})  # fmt: skip
    s.execute(insert(Decision), decisions)
    print(f"built: {visits:,} visits, {len(decisions):,} decisions")


def build(db: Database, now: datetime) -> None:
    """Fill the database: one unit, its manager ("chef") and 2,500 clients."""
    rnd = random.Random(16)
    with db.transaction() as s:
        ensure_life_areas(s)
        area_ids = [a.id for a in life_areas(s)]
        unit = Unit(name="Benchmark")
        s.add(unit)
        s.flush()
        manager = create_staff(s, "chef", "Chef", "Test", PASSWORD, [Role.MANAGER],
                               unit_id=unit.id)  # fmt: skip
        workers = [manager.id + i for i in range(1, WORKERS + 1)]
        s.execute(insert(Staff), [
            {"id": i, "username": f"w{i}", "first_name": "W", "last_name": str(i),
             "password_hash": "x", "unit_id": unit.id} for i in workers
        ])  # fmt: skip
        s.execute(insert(StaffRole), [{"staff_id": i, "role": Role.WORKER} for i in workers])
        s.execute(insert(Client), [
            {"id": c, "first_name": "K", "last_name": str(c), "phone": f"+4670{c:07d}",
             "unit_id": unit.id, "caseworker_id": workers[0]} for c in range(1, CLIENTS + 1)
        ])  # fmt: skip
        ratings, levels, follow_ups, surveys = [], [], [], []
        for c in range(1, CLIENTS + 1):
            worker = workers[c % WORKERS]
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
            follow_ups.append({"client_id": c, "caseworker_id": workers[0], "held_on": held_on,
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
        _time_rows(s, unit.id, workers, now, rnd)
    if db.is_postgres:
        # As autovacuum leaves a table in service: statistics, and the visibility map without
        # which an index-only scan of the visits still reads every row's page.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _median_ms(runs: int, work: Callable[[], object]) -> dict[str, float]:
    """Median wall-clock and CPU milliseconds (the CPU figure says more on a shared machine),
    and the highest one-minute load average seen before a run."""
    wall, cpu, load = [], [], []
    for _ in range(runs):
        load.append(loadkit.load_average())
        began, began_cpu = clock.perf_counter(), clock.process_time()
        work()
        wall.append(clock.perf_counter() - began)
        cpu.append(clock.process_time() - began_cpu)
    return {"wall": statistics.median(wall) * 1000, "cpu": statistics.median(cpu) * 1000,
            "min": min(wall) * 1000, "load": max(load)}  # fmt: skip


def _signed_in(app, db: Database) -> FlaskClient:
    web = app.test_client()
    with db.transaction() as s:
        secret = s.scalar(select(Staff.totp_secret).where(Staff.username == "chef"))
    page = web.get("/personal/logga-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    code = pyotp.TOTP(secret).now()
    web.post("/personal/logga-in", data={"username": "chef", "password": PASSWORD, "totp": code,
                                         "csrf_token": token})  # fmt: skip
    return web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--url", help="a database to fill instead of a throw-away SQLite file; "
                        "one this script filled the same day is used as it is")  # fmt: skip
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = Settings(env="bench", database_url=url, secret_key="bench-" + "x" * 40,
                            public_url="http://localhost", scheduler=False,
                            cookie_secure=False)  # fmt: skip
        sealed.use_keys(settings.sealing_keys)  # staff TOTP secrets are sealed as written
        began = clock.perf_counter()
        upgrade(url)
        db = Database(url)
        with db.transaction() as s:
            filled = s.scalar(select(Client.id).limit(1)) is not None
        if not filled:
            build(db, now)
        print(f"built in {clock.perf_counter() - began:.0f} s on {db.engine.dialect.name}")
        app = create_app(settings, db=db)
        web = _signed_in(app, db)
        response = web.get(PAGE)
        assert response.status_code == 200, "the page must render before it is timed"
        # Timed before the session below opens: on SQLite a page's write (the staff session's
        # last use) waits for every open reader, which would time the lock and not the page.
        page = _median_ms(args.runs, lambda: web.get(PAGE))
        zone = settings.zone
        today = now.astimezone(zone).date()
        with db.transaction() as s:
            manager = s.scalar(select(Staff).where(Staff.username == "chef"))
            scope = client_scope(manager)
            areas = life_areas(s)

            def figures() -> list:
                return [outcome_figures(s, scope, areas, today, zone, m) for m in PERIODS_MONTHS]

            def baseline() -> list:
                end = day_bounds(today, zone)[1]
                return [
                    (area_trends_by_loop(s, scope, day_bounds(months_before(today, m), zone)[0],
                                         end),
                     monthly_report(s, manager, months_before(today, m), today, zone).total)
                    for m in PERIODS_MONTHS
                ]  # fmt: skip

            ours, loop = figures(), baseline()
            for f, (expected, total) in zip(ours, loop, strict=True):
                got = {a.id: g.counts for a, g in f.areas}
                assert got == {k: dict(v) for k, v in expected.items()}, "ours ≠ the loop"
                shown = percent(total.delivery_rate)
                assert shown in response.text, f"the page lacks the report's {shown}"
            times = {
                "page": page,
                "figures": _median_ms(args.runs, figures),
                "baseline": _median_ms(args.baseline_runs, baseline),
            }
        app.extensions["boendestod.dispatcher"].shutdown()
        db.dispose()
    for name, found in times.items():
        n = args.baseline_runs if name == "baseline" else args.runs
        print(f"{name:9s} median {found['wall']:7.0f} ms wall (min {found['min']:.0f}), "
              f"{found['cpu']:6.0f} ms CPU, n={n}, load ≤ {found['load']:.1f}")  # fmt: skip
    print(f"baseline ÷ page: {times['baseline']['wall'] / times['page']['wall']:.1f}× (wall)")


if __name__ == "__main__":
    main()
