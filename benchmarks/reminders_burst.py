"""The 08:00 burst, and what 100,000 future reminders cost, against one APScheduler job each.

    .venv/bin/python -m benchmarks.reminders_burst [--runs 3] [--burst 10000] [--future 100000]
        [--in-flight 32] [--baseline-runs 1] [--workers 4]

1. Burst: N reminders due in the same minute for N clients, sent through the real ``twilio``
   library to the fake Twilio server (its own process, on loopback). Prints the time until all
   are handed to the provider and the lag of the last one behind its due time: the dispatcher
   as the app runs it (``--in-flight`` messages on the wire through Twilio's async client), and
   in the same run the baseline, the plain path with ``--workers`` sending threads.
2. Memory and start-up: a fresh process builds the app (scheduler on) over a database holding
   the future reminders in the outbox; the baseline is a fresh process that schedules one
   APScheduler job per reminder in the memory job store. Both measured in the same run.
Medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fill(url: str, clients: int, rows: int, due: datetime, spread: timedelta) -> None:
    """Bulk-insert clients and outbox rows (due at ``due`` + up to ``spread``)."""
    from sqlalchemy import insert

    from models import Client, Database, Outbox, OutboxKind, OutboxState
    from models.migrate import upgrade

    upgrade(url)
    db = Database(url)
    now = datetime.now(UTC)
    if not rows:
        db.dispose()
        return
    with db.engine.begin() as conn:
        conn.execute(
            insert(Client),
            [
                {
                    "first_name": "K",
                    "last_name": str(i),
                    "phone": f"+4670{i:07d}",
                    "language": "sv",
                    "needs": [],
                    "has_children_under_18": False,
                    "sms_opt_out": False,
                    "active": True,
                    "created_at": now,
                }
                for i in range(clients)
            ],
        )
        step = spread / max(rows, 1)
        conn.execute(
            insert(Outbox),
            [
                {
                    "kind": OutboxKind.SMS,
                    "to_phone": f"+4670{i % clients:07d}",
                    "body": "Påminnelse: Ta din medicin Svara 1 när du har gjort det.",
                    "purpose": "reminder",
                    "client_id": (i % clients) + 1,
                    "dedupe_key": f"bench{i}",
                    "due_at": due + step * i,
                    "next_attempt_at": due + step * i,
                    "state": OutboxState.QUEUED,
                    "attempts": 0,
                    "quiet_hours": False,
                    "created_at": now,
                    "reply_window_minutes": 60,
                }
                for i in range(rows)
            ],
        )
    db.dispose()


def fake_server() -> tuple[subprocess.Popen, str]:
    code = (
        "import sys,time;from tests.fakes.twilio_server import FakeTwilio;"
        "f=FakeTwilio().start();print(f.url,flush=True);sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def burst_once(n: int, workers: int, in_flight: int) -> dict[str, float]:
    from sqlalchemy import func, select, update

    from models import Database, Outbox
    from reminders.dispatch import sweep
    from reminders.providers import TwilioSettings, make_telephony
    from tests.fakes.twilio_server import FakeTwilio

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/burst.db"
        due = datetime.now(UTC).replace(second=0, microsecond=0)
        fill(url, n, n, due, timedelta(0))
        server, api = fake_server()
        try:
            creds = FakeTwilio()
            db = Database(url)
            telephony = make_telephony(
                db,
                TwilioSettings(
                    account_sid=creds.account_sid,
                    auth_token=creds.auth_token,
                    from_number="+46850000000",
                    public_url="https://x.se",
                    api_base_url=api,
                ),
            )
            # Everything falls due now, at the start of the minute the clock is in.
            due = datetime.now(UTC)
            with db.engine.begin() as conn:
                conn.execute(update(Outbox).values(due_at=due, next_attempt_at=due))
            started = time.monotonic()
            sent = sweep(
                db, telephony, "https://x.se/t", batch=500, workers=workers, concurrency=in_flight
            )
            seconds = time.monotonic() - started
            with db.transaction() as s:
                last = s.scalar(select(func.max(Outbox.sent_at)))
            db.dispose()
        finally:
            server.stdin.close()
            server.wait()
    assert sent == n, f"only {sent} of {n} handed over"
    return {
        "seconds": seconds,
        "lag": (last - due).total_seconds(),
        "per_second": n / seconds,
        "load": os.getloadavg()[0],
    }


def child_app(url: str) -> None:
    """Fresh process: build the app with its scheduler over the outbox; print cost as JSON."""
    import portal.app  # noqa: F401  (imports are not the reminders' cost)
    from portal.app import create_app
    from portal.config import Settings

    base = rss_kib()
    started = time.monotonic()
    app = create_app(
        Settings(
            env="test",
            database_url=url,
            secret_key="x" * 40,
            scheduler=True,
            scheduler_interval_seconds=3600,
        )
    )
    app.extensions["boendestod.dispatcher"].sweep()  # one pass over the outbox: nothing due
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "kib": rss_kib() - base}))
    app.extensions["boendestod.dispatcher"].shutdown()


def child_apscheduler(n: int) -> None:
    """Fresh process: the baseline, one APScheduler job per reminder in the memory store."""
    from apscheduler.schedulers.background import BackgroundScheduler

    def remind(outbox_id: int) -> None:
        pass

    base = rss_kib()
    started = time.monotonic()
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    first = datetime.now(UTC) + timedelta(days=1)
    for i in range(n):
        scheduler.add_job(
            remind, "date", run_date=first + timedelta(seconds=30 * i), args=[i], id=f"r{i}"
        )
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "kib": rss_kib() - base}))
    scheduler.shutdown(wait=False)


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(title: str, runs: list[dict[str, float]]) -> dict[str, float]:
    med = {k: statistics.median(b[k] for b in runs) for k in runs[0]}
    print(f"{title} ({len(runs)} runs):")
    print(
        f"  all handed to the provider in {med['seconds']:.2f} s (median; runs: "
        + ", ".join(f"{b['seconds']:.2f}" for b in runs)
        + f"), {med['per_second']:.0f}/s"
    )
    print(
        f"  lag of the last behind its due minute: {med['lag']:.2f} s (target: within 10 s); "
        "load average (1 min) after each run: " + ", ".join(f"{b['load']:.2f}" for b in runs)
    )
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--future", type=int, default=100_000)
    parser.add_argument(
        "--in-flight", type=int, default=32, help="messages on the wire at once (app: 32)"
    )
    parser.add_argument("--workers", type=int, default=4, help="baseline's sending threads")
    parser.add_argument(
        "--baseline-runs", type=int, default=1, help="runs of the plain path (0: none)"
    )
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "app":
            child_app(args.child[1])
        else:
            child_apscheduler(int(args.child[1]))
        return

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bursts = [burst_once(args.burst, args.workers, args.in_flight) for _ in range(args.runs)]
    baseline = [burst_once(args.burst, args.workers, 1) for _ in range(args.baseline_runs)]
    med = report(
        f"08:00 burst, {args.burst} reminders, fake Twilio on loopback; the dispatcher as the app "
        f"runs it, {args.in_flight} in flight through Twilio's async client",
        bursts,
    )
    if baseline:
        base = report(
            f"baseline in the same run: the plain path, {args.workers} sending threads",
            baseline,
        )
        print(f"  speed-up: {base['seconds'] / med['seconds']:.1f}x")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/future.db"
        fill(url, 10_000, args.future, datetime.now(UTC) + timedelta(days=1), timedelta(days=2))
        ours = [run_child("--child", "app", url) for _ in range(args.runs)]
        empty_url = f"sqlite:///{tmp}/empty.db"
        fill(empty_url, 0, 0, datetime.now(UTC), timedelta(0))
        empty = [run_child("--child", "app", empty_url) for _ in range(args.runs)]
        base = [run_child("--child", "aps", str(args.future)) for _ in range(args.runs)]
    ours_kib = statistics.median(o["kib"] for o in ours)
    base_kib = statistics.median(b["kib"] for b in base)
    ours_s = statistics.median(o["seconds"] for o in ours)
    base_s = statistics.median(b["seconds"] for b in base)
    print(f"{args.future} future reminders ({args.runs} fresh processes each, medians):")
    print(f"  outbox + one sweep job: start-up {ours_s:.2f} s, memory +{ours_kib / 1024:.1f} MiB")
    print(
        f"  baseline, one APScheduler job each (memory store): {base_s:.2f} s, "
        f"+{base_kib / 1024:.1f} MiB"
    )
    empty_kib = statistics.median(e["kib"] for e in empty)
    marginal = max(ours_kib - empty_kib, 0)
    print(
        f"  the same app over an empty outbox: +{empty_kib / 1024:.1f} MiB, so the reminders "
        f"themselves cost +{marginal / 1024:.1f} MiB"
    )
    print(
        f"  reminders' memory {marginal / base_kib:.1%} of baseline (target <= 10 %); whole app "
        f"{ours_kib / base_kib:.1%}; start-up {ours_s:.2f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
