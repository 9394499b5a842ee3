"""Log lines per SMS and per minute of scheduler, before (basicConfig at INFO) and after.

    .venv/bin/python -m benchmarks.log_volume [--sms 50] [--seconds 30]

Each mode runs in a fresh process: SMS go through the dispatcher as the app runs it (Twilio's
async client, the real ``twilio`` library against the fake Twilio server), then the dispatcher's
timer runs for ``--seconds`` with nothing to send. Prints lines by logger for both modes.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _count(stream: io.StringIO) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in stream.getvalue().splitlines():
        parts = line.split(" ")
        if len(parts) > 3 and parts[2] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            found[parts[3].rstrip(":")] += 1
    return found


def child(mode: str, sms: int, seconds: float) -> None:
    from models import Database
    from models.migrate import upgrade
    from portal import logs
    from portal.envvars import LogSettings
    from reminders.jobs import Dispatcher
    from reminders.outbox import queue_sms
    from reminders.providers import make_telephony
    from tests.fakes.twilio_server import FakeTwilio

    stream = io.StringIO()
    if mode == "before":
        logging.basicConfig(
            level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=stream
        )
    else:
        logs.configure(LogSettings(level="INFO"), stream)
    with tempfile.TemporaryDirectory() as tmp, FakeTwilio() as fake:
        url = f"sqlite:///{tmp}/log.db"
        upgrade(url)
        stream.seek(0)
        stream.truncate()
        db = Database(url)
        twilio = fake.settings()
        dispatcher = Dispatcher(db, make_telephony(db, twilio), "https://x/twiml", interval=5.0)
        with db.transaction() as s:
            for i in range(sms):
                queue_sms(s, f"+4670{i:07d}", f"Påminnelse {i}", purpose="reminder")
        dispatcher.sweep()
        per_sms = _count(stream)
        stream.seek(0)
        stream.truncate()
        dispatcher.start()
        stream.seek(0)  # the lines about starting are said once; count the steady state
        stream.truncate()
        time.sleep(seconds)
        dispatcher.shutdown()
        timer = _count(stream)
        db.dispose()
    print(json.dumps({"sms": per_sms, "timer": timer}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sms", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--child", choices=["before", "after"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.sms, args.seconds)
        return
    for mode in ("before", "after"):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.log_volume", "--child", mode]
            + ["--sms", str(args.sms), "--seconds", str(args.seconds)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        sms_lines = sum(result["sms"].values())
        timer_lines = sum(result["timer"].values())
        print(f"{mode}: {sms_lines / args.sms:.1f} lines per SMS {dict(result['sms'])}")
        print(
            f"{mode}: {timer_lines * 60 / args.seconds:.0f} scheduler lines a minute "
            f"{dict(result['timer'])}"
        )


if __name__ == "__main__":
    main()
