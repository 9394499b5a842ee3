"""Booking figures: free slots for one client, and the manager's report, against naive baselines.

    .venv/bin/python -m benchmarks.booking [--only slots|report] [--database-url URL]

Builds a throw-away database (SQLite by default) through the real migrations, so the
no-double-booking triggers are in place while it fills:
- slots: 300 workers, 2,500 clients, 50,000 visits; one client's free times over 14 days
  (median of 20), through ``available_slots`` and through a baseline that loads every worker,
  hour, absence and visit into Python and filters there;
- report: a year of visits for 2,500 clients; the monthly and the yearly report through
  ``monthly_report`` and through a baseline that loads every visit and decision as objects
  (the two must agree on every client's delivered and granted time and on every count).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time as clock
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from models import (
    Availability,
    AvailabilityKind,
    Client,
    ClientWorker,
    Database,
    Decision,
    GrantPeriod,
    Role,
    Staff,
    StaffRole,
    Visit,
    VisitStatus,
    WorkingHours,
)
from models.migrate import upgrade
from models.visits import ACTIVE_STATUSES
from portal.booking.freetime import subtract
from portal.booking.reports import Report, granted_minutes, monthly_report
from portal.booking.rules import DEFAULT_RULES
from portal.booking.slots import available_slots, starts_in, working_windows

ZONE = ZoneInfo("Europe/Stockholm")
WORKERS, CLIENTS = 300, 2500
NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)


def build(db: Database, first_day: date, days: int, visits_per_client_week: float) -> int:
    """People, hours, decisions and non-overlapping visits; returns how many visits."""
    rnd = random.Random(4)
    with db.transaction() as s:
        s.execute(insert(Staff), [
            {"id": i, "username": f"w{i}", "first_name": f"W{i}", "last_name": "X",
             "password_hash": "-", "skills": [], "languages": ["sv"]}
            for i in range(1, WORKERS + 2)
        ])  # fmt: skip
        s.execute(insert(StaffRole), [{"staff_id": i, "role": Role.WORKER}
                                      for i in range(1, WORKERS + 1)])  # fmt: skip
        s.execute(insert(StaffRole), [{"staff_id": WORKERS + 1, "role": Role.MANAGER}])
        s.execute(insert(WorkingHours), [
            {"staff_id": i, "weekday": d, "starts": time(8), "ends": time(17)}
            for i in range(1, WORKERS + 1) for d in range(7 if i % 3 == 0 else 5)
        ])  # fmt: skip
        s.execute(insert(Availability), [
            {"staff_id": i, "kind": AvailabilityKind.ABSENT,
             "starts_at": _at(first_day + timedelta(days=rnd.randrange(days)), 8),
             "ends_at": _at(first_day + timedelta(days=rnd.randrange(days)), 8) + timedelta(days=2)}
            for i in range(1, WORKERS + 1, 7)
        ])  # fmt: skip
        s.execute(insert(Client), [
            {"id": c, "first_name": f"K{c}", "last_name": "Y", "phone": f"+4671{c:07d}",
             "needs": [], "language": "sv"} for c in range(1, CLIENTS + 1)
        ])  # fmt: skip
        pairs = {c: ((c % WORKERS) + 1, ((c + 1) % WORKERS) + 1) for c in range(1, CLIENTS + 1)}
        s.execute(insert(ClientWorker), [
            {"client_id": c, "staff_id": w, "position": p}
            for c, pair in pairs.items() for p, w in enumerate(pair)
        ])  # fmt: skip
        decisions = []
        for c in range(1, CLIENTS + 1):
            per = GrantPeriod.WEEK if c % 4 else GrantPeriod.MONTH
            decisions.append({"client_id": c, "starts_on": first_day - timedelta(days=30),
                              "ends_on": first_day + timedelta(days=days // 2),
                              "granted_minutes": 180 if per is GrantPeriod.WEEK else 720,
                              "granted_per": per})  # fmt: skip
            decisions.append({"client_id": c, "starts_on": first_day + timedelta(days=days // 2),
                              "ends_on": first_day + timedelta(days=days + 30),
                              "granted_minutes": 240, "granted_per": GrantPeriod.WEEK})  # fmt: skip
        s.execute(insert(Decision), decisions)
        used: dict[tuple[int, date], set[int]] = defaultdict(set)
        rows = []
        per_client = int(visits_per_client_week * days / 7)
        for c in range(1, CLIENTS + 1):
            for n in range(per_client):
                day = first_day + timedelta(days=rnd.randrange(days))
                worker = pairs[c][n % 2]
                free = [h for h in range(8, 16) if h not in used[(worker, day)]]
                if not free or day.weekday() >= (7 if worker % 3 == 0 else 5):
                    continue
                hour = rnd.choice(free)
                used[(worker, day)].add(hour)
                start = _at(day, hour)
                roll = rnd.random()
                status = (VisitStatus.DONE if roll < 0.8 else VisitStatus.CANCELLED_BY_CLIENT
                          if roll < 0.9 else VisitStatus.CANCELLED_BY_STAFF if roll < 0.95
                          else VisitStatus.NO_SHOW)  # fmt: skip
                if start > NOW and status is not VisitStatus.CANCELLED_BY_CLIENT:
                    status = VisitStatus.PLANNED
                done = status is VisitStatus.DONE
                channel = rnd.choice(["home", "home", "home", "video", "phone"])
                rows.append({
                    "client_id": c, "staff_id": worker, "channel": channel,
                    "status": status, "planned_start": start,
                    "planned_end": start + timedelta(minutes=60),
                    "actual_start": start + timedelta(minutes=rnd.randint(-5, 5)) if done else None,
                    "actual_end": start + timedelta(minutes=rnd.randint(45, 75)) if done else None,
                    "cancelled_at": start - timedelta(hours=5)
                    if "cancelled" in status.value else None,
                    "cancel_reason": rnd.choice(["not_well", "busy", "other"])
                    if status is VisitStatus.CANCELLED_BY_CLIENT else None,
                    "late_cancellation": rnd.random() < 0.5,
                    "created_at": start - timedelta(days=3),
                })  # fmt: skip
        for i in range(0, len(rows), 5000):
            s.execute(insert(Visit), rows[i : i + 5000])
        return len(rows)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = clock.perf_counter()
        result = fn()
        times.append(clock.perf_counter() - started)
    return statistics.median(times), result


# --- Baselines: load everything into Python ----------------------------------------------------


def naive_slots(db: Database, client_id: int, days: list[date]) -> list[tuple[datetime, int]]:
    with db.transaction() as s:
        links = list(s.scalars(select(ClientWorker)))
        hours = list(s.scalars(select(WorkingHours)))
        absences = list(s.scalars(select(Availability)))
        visits = list(s.scalars(select(Visit)))
    staff_ids = [cw.staff_id for cw in sorted(links, key=lambda x: x.position)
                 if cw.client_id == client_id]  # fmt: skip
    found = []
    not_before = NOW + DEFAULT_RULES.book_notice
    for staff_id in staff_ids:
        own = [(h.weekday, h.starts, h.ends) for h in hours if h.staff_id == staff_id]
        away = [(a.starts_at, a.ends_at) for a in absences if a.staff_id == staff_id]
        busy = [(v.planned_start, v.planned_end) for v in visits
                if (v.staff_id == staff_id or v.client_id == client_id)
                and v.status in ACTIVE_STATUSES]  # fmt: skip
        for day in days:
            windows = subtract(working_windows(day, own, [], away, ZONE, DEFAULT_RULES), busy)
            found += [
                (t, staff_id) for t in starts_in(windows, 60, ZONE, DEFAULT_RULES, not_before)
            ]
    return sorted(found)


def naive_report(db: Database, first: date, last: date) -> dict[str, object]:
    with db.transaction() as s:
        visits = list(s.scalars(select(Visit)))
        decisions = list(s.scalars(select(Decision)))
    start = datetime.combine(first, time(0), tzinfo=ZONE).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=ZONE).astimezone(UTC)
    delivered: dict[int, float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for v in visits:
        if not start <= v.planned_start < end:
            continue
        counts[("status", v.status.value)] += 1
        if v.status is VisitStatus.DONE:
            delivered[v.client_id] += (v.actual_end - v.actual_start).total_seconds() / 60
            counts[("channel", v.channel.value)] += 1
        elif v.status is VisitStatus.CANCELLED_BY_CLIENT:
            counts[("reason", v.cancel_reason or "other")] += 1
            counts[("late", str(v.late_cancellation))] += 1
    by_client: dict[int, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_client[d.client_id].append(d)
    granted = {c: granted_minutes(ds, first, last) for c, ds in by_client.items()}
    return {"delivered": dict(delivered), "granted": granted, "counts": dict(counts)}


def check_against_naive(report: Report, naive: dict) -> None:
    """Our report and the baseline agree on every client and every count."""
    for row in report.clients:
        assert abs(row.delivered - naive["delivered"].get(row.key, 0.0)) < 1e-6, row.key
        assert abs(row.granted - naive["granted"].get(row.key, 0.0)) < 1e-6, row.key
    t = report.total
    ours = {("status", "done"): t.done, ("status", "cancelled_by_client"): t.cancelled_by_client,
            ("status", "cancelled_by_staff"): t.cancelled_by_staff,
            ("status", "no_show"): t.no_show, ("late", "True"): t.late_by_client,
            ("status", "planned"): t.visits - t.done - t.cancelled_by_client
            - t.cancelled_by_staff - t.no_show}  # fmt: skip
    ours |= {("channel", k): n for k, n in report.channels.items()}
    ours |= {("reason", k): n for k, n in report.cancel_reasons.items()}
    theirs = {k: n for k, n in naive["counts"].items() if k[0] != "late" or k[1] == "True"}
    assert {k: n for k, n in ours.items() if n} == theirs, (ours, theirs)
    assert report.cancelled_by.get("client_late", 0) == t.late_by_client


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="an EMPTY throw-away database (on PostgreSQL its public schema is dropped and "
        "rebuilt for each part); default: a temporary SQLite file",
    )
    parser.add_argument("--only", choices=("slots", "report"), help="run one part only")
    parser.add_argument("--runs", type=int, default=7, help="runs of our report (median)")
    parser.add_argument("--naive-runs", type=int, default=3, help="runs of the baseline report")
    args = parser.parse_args()
    parts = [p for p in (("slots", 140, 1.25), ("report", 365, 2.0)) if args.only in (None, p[0])]
    with tempfile.TemporaryDirectory() as tmp:
        for name, days, per_week in parts:
            url = args.database_url or f"sqlite:///{Path(tmp) / f'{name}.db'}"
            _reset(url)
            upgrade(url)
            db = Database(url)
            first = date(2026, 5, 4) - timedelta(days=days // 2 if name == "slots" else 300)
            started = clock.perf_counter()
            count = build(db, first, days, per_week)
            print(f"[{name}] built {count:,} visits, {WORKERS} workers, {CLIENTS:,} clients "
                  f"in {clock.perf_counter() - started:.1f} s ({db.engine.dialect.name}); "
                  f"load average {_load()}")  # fmt: skip
            if name == "slots":
                bench_slots(db)
            else:
                bench_report(db, first, args.runs, args.naive_runs)
            db.dispose()


def _reset(url: str) -> None:
    """Start each part from an empty PostgreSQL schema (SQLite parts get their own file)."""
    db = Database(url)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.dispose()


def bench_slots(db: Database) -> None:
    days = [date(2026, 5, 4) + timedelta(days=i) for i in range(14)]

    def ours() -> list:
        with db.transaction() as s:
            return available_slots(s, 42, days, 60, NOW, ZONE, DEFAULT_RULES)

    def everyone() -> list:
        with db.transaction() as s:
            ids = list(range(1, WORKERS + 1))
            return available_slots(s, 42, days, 60, NOW, ZONE, DEFAULT_RULES, staff_ids=ids)

    fast, slots = timed(ours, 20)
    wide, _ = timed(everyone, 5)
    slow, naive = timed(lambda: naive_slots(db, 42, days), 3)
    assert [(sl.start, sl.staff_id) for sl in slots] == naive, "baseline disagrees"
    print(f"[slots] one client, 14 days: median {fast * 1000:.1f} ms ({len(slots)} free starts; "
          f"target <= 50 ms)")  # fmt: skip
    print(f"[slots] naive baseline (load all into Python): median {slow * 1000:.0f} ms "
          f"-> {slow / fast:.0f}x faster")  # fmt: skip
    print(f"[slots] all 300 workers (the 'someone else' fallback): median {wide * 1000:.0f} ms; "
          f"load average {_load()}")  # fmt: skip


def bench_report(db: Database, first: date, runs: int, naive_runs: int) -> None:
    """Ours and the baseline take turns, so a burst of load on the machine hits both."""
    with db.transaction() as s:
        manager = s.get(Staff, WORKERS + 1)
        s.expunge(manager)
    month = (date(2026, 3, 1), date(2026, 3, 31))
    year = (first, first + timedelta(days=364))
    for label, (lo, hi) in (("monthly", month), ("yearly", year)):

        def ours(lo: date = lo, hi: date = hi) -> Report:
            with db.transaction() as s:
                return monthly_report(s, s.merge(manager, load=False), lo, hi, ZONE)

        fast_times: list[float] = []
        slow_times: list[float] = []
        for n in range(max(runs, naive_runs)):
            if n < runs:
                took, report = timed(ours, 1)
                fast_times.append(took)
            if n < naive_runs:
                took, naive = timed(lambda lo=lo, hi=hi: naive_report(db, lo, hi), 1)
                slow_times.append(took)
        check_against_naive(report, naive)
        fast, slow = statistics.median(fast_times), statistics.median(slow_times)
        print(
            f"[report] {label} ({lo} – {hi}), 2,500 clients: median {fast:.2f} s "
            f"(of {runs}: {', '.join(f'{t:.2f}' for t in fast_times)}); naive baseline "
            f"{slow:.2f} s (of {naive_runs}) -> {slow / fast:.1f}x faster "
            f"(target <= 2 s, >= 10x); load average {_load()}"
        )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
