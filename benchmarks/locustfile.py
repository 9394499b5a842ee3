"""Locust users for the load benchmarks; ``start_page.py`` and ``peak_hour.py`` run them.

    locust -f benchmarks/locustfile.py StartPage | Client Worker Coordinator

Settings come from the environment the scripts set: LOAD_HOSTS (comma-separated base URLs;
each user takes the next), LOAD_PEOPLE (a JSON file with the cookies from ``loadkit``),
LOAD_SCALE (the peak-hour model's rates times this), LOAD_TIMEOUT (seconds), LOAD_PATH and
LOAD_CLIENT_USERS. The peak-hour model's rates are the constants below.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections.abc import Callable
from http.cookiejar import Cookie, DefaultCookiePolicy

import gevent
from locust import FastHttpUser, constant, task

HOSTS = os.environ.get("LOAD_HOSTS", "http://127.0.0.1:8201").split(",")
PEOPLE = json.load(open(os.environ["LOAD_PEOPLE"])) if os.environ.get("LOAD_PEOPLE") else {}
SCALE = float(os.environ.get("LOAD_SCALE", "1"))
TIMEOUT = float(os.environ.get("LOAD_TIMEOUT", "10"))

#: The peak hour at 1×: 500 clients open their day between 08:00 and 08:10; every worker
#: reloads their day twice in those ten minutes; each coordinator assigns one request every
#: two minutes (the queue, the click, the queue again).
CLIENT_SESSIONS_PER_S = 500 / 600
WORKER_PAGE_EVERY_S = 300
COORDINATOR_ASSIGN_EVERY_S = 120
CLIENT_USERS = int(os.environ.get("LOAD_CLIENT_USERS", "50"))

_next_host = itertools.cycle(HOSTS)
_next = {kind: itertools.cycle(values) for kind, values in PEOPLE.items()}


def paced(period: Callable[[], float]) -> Callable[[_Person], float]:
    """Wait so that each task starts ``period()`` seconds after the previous one started,
    counting from the first task, which ``on_start`` places at a random point (``begin``).

    Locust's own ``constant_pacing`` counts the first period from the user's spawn, so after
    its first task every user of a class runs at the same moment: all 296 workers' second day
    pages arrived within the three seconds of spawning, and the 50 client users every period
    as one burst. The model has people arriving spread out, not in step.
    """

    def wait(user: _Person) -> float:
        user.due += period()
        return max(0.0, user.due - time.monotonic())

    return wait


class _TlsEndedInFront(DefaultCookiePolicy):
    """Send Secure cookies over plain HTTP. In service nginx ends TLS in front of ``serve``;
    here Locust talks HTTP to it, and the cookie the app sets after a POST (Secure, as in
    production) was kept but never sent back: every coordinator was signed out by their
    first assignment and went on loading the sign-in page."""

    def return_ok_secure(self, cookie: Cookie, request: object) -> bool:
        return True


def _cookie(name: str, value: str) -> Cookie:
    """A cookie for 127.0.0.1 on every port, as the browser holds it after signing in."""
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


class _Person(FastHttpUser):
    abstract = True
    due = 0.0  # when the next task is to start (``paced``)
    network_timeout = connection_timeout = TIMEOUT
    host = "http://127.0.0.1"

    def sign_in(self, name: str, value: str) -> None:
        self.client.cookiejar.set_policy(_TlsEndedInFront())
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie(name, value))

    def page(self, path: str) -> object:
        """GET a page; anything but 200 (a redirect to signing in, above all) is an error."""
        with self.client.get(
            self.base + path, name=path, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {where}".strip())
        return response

    def begin(self, within: float) -> None:
        """Start the first task at a random point of its first period (see ``paced``)."""
        gevent.sleep(random.uniform(0, within))
        self.due = time.monotonic()


class StartPage(_Person):
    """A signed-in client reloading a page as fast as the server answers (LOAD_PATH)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.base = next(_next_host)
        self.sign_in("device", next(_next["devices"]))

    @task
    def reload(self) -> None:
        self.page(os.environ.get("LOAD_PATH", "/min-dag"))


class Client(_Person):
    """Clients opening their day: each iteration is the next client on their phone. Clients
    come independently of each other, so the gaps are exponential (a Poisson stream)."""

    fixed_count = CLIENT_USERS
    mean_gap = CLIENT_USERS / (CLIENT_SESSIONS_PER_S * SCALE)
    wait_time = paced(lambda: random.expovariate(1 / Client.mean_gap))

    def on_start(self) -> None:
        self.base = next(_next_host)
        self.begin(self.mean_gap)

    @task
    def open_day(self) -> None:
        self.sign_in("device", next(_next["devices"]))
        self.page("/min-dag")
        if random.random() < 0.5:
            self.page("/mina-besok")
        if random.random() < 0.25:
            self.page("/hur-mar-du")


class _Staff(_Person):
    abstract = True

    def on_start(self) -> None:
        self.base = next(_next_host)
        self.sign_in("session", next(_next[self.people]))
        # The console was opened before 08:00 (its live connection is held by consoles.py).
        self.begin(self.every)


class Worker(_Staff):
    people = "workers"
    fixed_count = len(PEOPLE.get("workers", ()))
    every = WORKER_PAGE_EVERY_S / SCALE
    wait_time = paced(lambda: Worker.every)

    @task
    def today(self) -> None:
        self.page("/personal/idag")


FORM = re.compile(
    rb'action="(/personal/samordning/\d+/tilldela)">\s*<input type="hidden" name="csrf_token" '
    rb'value="([^"]+)"><input type="hidden" name="staff_id" value="(\d+)"'
)


class Coordinator(_Staff):
    people = "coordinators"
    fixed_count = len(PEOPLE.get("coordinators", ()))
    every = COORDINATOR_ASSIGN_EVERY_S / SCALE
    wait_time = paced(lambda: Coordinator.every)

    @task
    def assign(self) -> None:
        queue = self.page("/personal/samordning")
        forms = FORM.findall(queue.content or b"")
        if not forms:
            return
        # Each coordinator takes a request from the page, the best-matched worker first.
        action, token, staff_id = random.choice(forms[:10])
        self.client.post(
            self.base + action.decode(),
            data={"csrf_token": token.decode(), "staff_id": staff_id.decode()},
            name="/personal/samordning/<id>/tilldela",
            allow_redirects=False,
        )
        self.page("/personal/samordning")
