"""The caseworker's follow-up view for a client with three years of history (issue 16).

    .venv/bin/python -m benchmarks.follow_up [--runs 15] [--database-url URL]

Builds a throw-away database through the real migrations: one client with three years of
history (six decisions, an order, visits four times a week with cancellations and no-shows,
both ratings every two weeks in all nine life areas, goal-level changes, surveys, escalations
and follow-ups) among 200 other clients with the same visits, so the tables are not tiny.

Prints, as medians of ``--runs``:
- the page: GET /personal/klient/<id>/uppfoljning as the signed-in caseworker (access check,
  audit, every query, the SVG charts and the template);
- ours: the page's data alone (``followup.follow_up_summary``);
- a straightforward baseline in the same run, on the same data: every row loaded as an object
  and summed in Python, the grant counted day by day (``decisions.granted_minutes_between``),
  one query per life area and source for the ratings. Both must agree on the time figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyotp
from sqlalchemy import insert, select, text

from models import (
    Channel,
    Client,
    Database,
    Decision,
    Escalation,
    EscalationStatus,
    EscalationType,
    FollowUp,
    FollowUpOutcome,
    GoalLevel,
    GoalLevelChange,
    GrantPeriod,
    LifeArea,
    Order,
    OrderGoal,
    Rating,
    RatingSource,
    Role,
    Staff,
    SurveyAnswer,
    Visit,
    VisitStatus,
    ensure_life_areas,
    sealed,
)
from models.migrate import upgrade
from portal.app import create_app
from portal.auth.staff import create_staff
from portal.casework import decisions, followup
from portal.config import Settings

from . import loadkit

ZONE_NAME = "Europe/Stockholm"
PASSWORD = "bench horse battery"
YEARS = 3


def visit_row(client_id: int, staff_id: int, begins: datetime, minutes: int, rnd) -> dict:
    """A visit as the benchmarks insert it: 85 % done, the rest cancelled or missed."""
    roll = rnd.random()
    status = (VisitStatus.DONE if roll < 0.85 else VisitStatus.CANCELLED_BY_CLIENT
              if roll < 0.93 else VisitStatus.CANCELLED_BY_STAFF if roll < 0.97
              else VisitStatus.NO_SHOW)  # fmt: skip
    return {
        "client_id": client_id, "staff_id": staff_id, "status": status,
        "channel": rnd.choice([Channel.HOME, Channel.HOME, Channel.VIDEO, Channel.PHONE]),
        "planned_start": begins, "planned_end": begins + timedelta(minutes=minutes),
        "late_cancellation": status is VisitStatus.CANCELLED_BY_CLIENT and roll < 0.87,
    }  # fmt: skip


def _visits(client_id: int, staff_id: int, start: date, days: int, rnd: random.Random) -> list:
    rows = []
    for day in range(days):
        if day % 7 not in (0, 1, 3, 4):
            continue
        begins = datetime.combine(start + timedelta(days=day), datetime.min.time(), UTC)
        begins += timedelta(hours=8 + rnd.randint(0, 8))
        rows.append(visit_row(client_id, staff_id, begins, 60, rnd))
    return rows


def build(url: str, now: datetime) -> tuple[Database, int]:
    """The database, and the id of the client with three years of history."""
    db = Database(url)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    rnd = random.Random(16)
    today = now.date()
    first = today - timedelta(days=365 * YEARS)
    with db.transaction() as s:
        ensure_life_areas(s)
        karin = create_staff(s, "karin", "Karin", "Ek", PASSWORD, [Role.CASEWORKER])
        anna = create_staff(s, "anna", "Anna", "Berg", PASSWORD, [Role.WORKER])
        clients = [Client(first_name=f"K{i}", last_name="Test", phone=f"+4670{i:07d}",
                          caseworker_id=karin.id) for i in range(201)]  # fmt: skip
        s.add_all(clients)
        s.flush()
        sandra = clients[0]
        # One worker per client: a worker cannot be booked twice at once (a database trigger).
        workers = [anna] + [
            Staff(
                username=f"w{i}", first_name="W", last_name=str(i), password_hash=anna.password_hash
            )
            for i in range(200)
        ]
        s.add_all(workers[1:])
        s.flush()
        for c, worker in zip(clients, workers, strict=True):
            s.execute(insert(Visit), _visits(c.id, worker.id, first, 365 * YEARS, rnd))
            for half in range(2 * YEARS):
                s.add(Decision(client_id=c.id, caseworker_id=karin.id,
                               starts_on=first + timedelta(days=182 * half),
                               ends_on=first + timedelta(days=182 * half + 181),
                               granted_minutes=rnd.choice([120, 180, 240]),
                               granted_per=GrantPeriod.WEEK))  # fmt: skip
        s.add(Decision(client_id=sandra.id, caseworker_id=karin.id,
                       starts_on=first + timedelta(days=182 * 2 * YEARS),
                       ends_on=today + timedelta(days=180), granted_minutes=180,
                       granted_per=GrantPeriod.WEEK))  # fmt: skip
        areas = list(s.scalars(select(LifeArea)))
        order = Order(client_id=sandra.id, caseworker_id=karin.id, starts_on=first,
                      ends_on=today + timedelta(days=180), minutes=180, per=GrantPeriod.WEEK,
                      follow_up_on=today + timedelta(days=14))  # fmt: skip
        order.goals = [OrderGoal(life_area_id=a.id, text=f"Mål för {a.key}") for a in areas]
        s.add(order)
        ratings = []
        for week in range(0, 52 * YEARS, 2):
            at = datetime.combine(first + timedelta(weeks=week), datetime.min.time(), UTC)
            for area in areas:
                for source in RatingSource:
                    ratings.append({"client_id": sandra.id, "life_area_id": area.id,
                                    "source": source, "step": rnd.randint(1, 5),
                                    "staff_id": anna.id if source is RatingSource.WORKER else None,
                                    "rated_at": at + timedelta(hours=10)})  # fmt: skip
        s.execute(insert(Rating), ratings)
        for goal in range(5):
            for change in range(10):
                s.add(GoalLevelChange(client_id=sandra.id, client_words=f"Mål {goal}",
                                      level=rnd.choice(list(GoalLevel)),
                                      changed_at=datetime.combine(
                                          first + timedelta(days=100 * change + goal),
                                          datetime.min.time(), UTC)))  # fmt: skip
        for n in range(2 * YEARS):
            held = first + timedelta(days=182 * n + 170)
            s.add(
                SurveyAnswer(
                    client_id=sandra.id,
                    follow_up_on=held,
                    answers={"contact": "yes", "bad_day": "sometimes"},
                )
            )
            s.add(
                FollowUp(
                    client_id=sandra.id,
                    caseworker_id=karin.id,
                    held_on=held,
                    what_works="Det mesta",
                    outcome=FollowUpOutcome.CONTINUES,
                )
            )
        for n in range(30):
            s.add(Escalation(client_id=sandra.id, type=EscalationType.REPEATED_CANCELLATIONS,
                             reason="Avbokningar", source="booking",
                             due_at=now - timedelta(days=30 * n), status=EscalationStatus.CLOSED,
                             created_at=now - timedelta(days=30 * n + 1)))  # fmt: skip
        return db, sandra.id


def naive_summary(s, client_id: int, first: date, last: date) -> dict:
    """The straightforward way: objects row by row, the grant day by day, a query per series."""
    visits = list(s.scalars(select(Visit).where(Visit.client_id == client_id)))
    zone_first = datetime.combine(first, datetime.min.time(), UTC) - timedelta(hours=2)
    zone_last = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    in_period = [v for v in visits if zone_first <= v.planned_start < zone_last]
    delivered = sum(v.delivered_seconds or 0 for v in in_period) / 60
    channels: dict[str, int] = {}
    for v in in_period:
        if v.status is VisitStatus.DONE:
            channels[v.channel.value] = channels.get(v.channel.value, 0) + 1
    granted = decisions.granted_minutes_between(s, client_id, first, last)
    series = {}
    for area in s.scalars(select(LifeArea)):
        for source in RatingSource:
            series[(area.id, source)] = list(s.scalars(
                select(Rating).where(Rating.client_id == client_id,
                                     Rating.life_area_id == area.id, Rating.source == source)
                .order_by(Rating.rated_at)
            ))  # fmt: skip
    changes = list(s.scalars(select(GoalLevelChange).where(GoalLevelChange.client_id == client_id)))
    escalations = [e for e in s.scalars(select(Escalation)) if e.client_id == client_id]
    return {"granted": granted, "delivered": delivered, "channels": channels, "series": series,
            "changes": changes, "escalations": escalations}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="bench-follow-up-") as work:
        url = args.database_url or f"sqlite:///{Path(work) / 'bench.db'}"
        settings = Settings(
            env="bench",
            database_url=url,
            secret_key="bench-" + "x" * 40,
            public_url="http://localhost",
            scheduler=False,
            cookie_secure=False,
        )
        sealed.use_keys(settings.sealing_keys)  # staff TOTP secrets are sealed as they are written
        began = time.perf_counter()
        db, client_id = build(url, now)
        print(f"built in {time.perf_counter() - began:.1f} s on {db.engine.dialect.name}")
        app = create_app(settings, db=db)
        web = app.test_client()
        with db.transaction() as s:
            secret = s.scalar(select(Staff.totp_secret).where(Staff.username == "karin"))
        page = web.get("/personal/logga-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        web.post("/personal/logga-in", data={"username": "karin", "password": PASSWORD,
                                             "totp": pyotp.TOTP(secret).now(),
                                             "csrf_token": token})  # fmt: skip
        path = f"/personal/klient/{client_id}/uppfoljning"
        assert web.get(path).status_code == 200, "the page must render before it is timed"
        times: dict[str, list[float]] = {"page": [], "ours": [], "baseline": []}
        for _ in range(args.runs):
            start = time.perf_counter()
            response = web.get(path)
            times["page"].append(time.perf_counter() - start)
            assert response.status_code == 200
            with db.transaction() as s:
                client = s.get(Client, client_id)
                start = time.perf_counter()
                ours = followup.follow_up_summary(s, client, now.date(), settings.zone)
                times["ours"].append(time.perf_counter() - start)
                start = time.perf_counter()
                naive = naive_summary(s, client_id, ours.first, ours.last)
                times["baseline"].append(time.perf_counter() - start)
            assert abs(naive["granted"] - ours.time.granted) < 1, (naive["granted"], ours.time)
            assert naive["channels"] == {k: v for k, v in ours.channels.items() if v}
        html = response.get_data(as_text=True)
        print(
            f"page {len(html) / 1024:.0f} KiB, {html.count('<circle')} client points, "
            f"{html.count('<rect')} worker points, load {loadkit.load_average():.2f}"
        )
        for name, found in times.items():
            print(
                f"{name:9s} median {statistics.median(found) * 1000:7.1f} ms "
                f"(min {min(found) * 1000:.1f}, max {max(found) * 1000:.1f}, n={len(found)})"
            )
        app.extensions["boendestod.dispatcher"].shutdown()
        db.dispose()


if __name__ == "__main__":
    main()
