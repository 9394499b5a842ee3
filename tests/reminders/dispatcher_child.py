"""A dispatcher process for the fault tests: sweep the outbox through the fake Twilio, then exit.

``python -m tests.reminders.dispatcher_child DATABASE_URL TWILIO_URL NOW_ISO WORKERS [IN_FLIGHT]``

WORKERS are sending threads of the plain path, IN_FLIGHT the messages on the wire at once
through Twilio's async client (``reminders.inflight``; 1 means the plain path).
"""

import sys
from datetime import datetime

from models import Database
from reminders.dispatch import IN_FLIGHT, sweep
from reminders.providers import make_telephony
from tests.fakes.twilio_server import FakeTwilio


def main() -> None:
    url, api, now, workers = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3]), 1
    if len(sys.argv) > 4:
        workers = int(sys.argv[4])
    in_flight = int(sys.argv[5]) if len(sys.argv) > 5 else IN_FLIGHT
    fake = FakeTwilio()  # only for its default credentials
    db = Database(url)
    twilio = fake.settings(api_base_url=api)
    telephony = make_telephony(db, twilio)
    sweep(
        db,
        telephony,
        "https://boendestod.example.se/x",
        now=now,
        batch=10,
        workers=workers,
        concurrency=in_flight,
    )


if __name__ == "__main__":
    main()
