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
from http.cookiejar import Cookie

import gevent
from locust import FastHttpUser, constant, constant_pacing, task

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


def _cookie(name: str, value: str) -> Cookie:
    """A cookie for 127.0.0.1 on every port, as the browser holds it after signing in."""
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


class _Person(FastHttpUser):
    abstract = True
    network_timeout = connection_timeout = TIMEOUT
    host = "http://127.0.0.1"

    def sign_in(self, name: str, value: str) -> None:
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie(name, value))

    def page(self, path: str, **kwargs: object) -> object:
        return self.client.get(self.base + path, name=kwargs.pop("name", path), **kwargs)


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
    """Clients opening their day: each iteration is the next client on their phone."""

    fixed_count = CLIENT_USERS
    wait_time = constant_pacing(CLIENT_USERS / (CLIENT_SESSIONS_PER_S * SCALE))

    def on_start(self) -> None:
        self.base = next(_next_host)
        gevent.sleep(random.uniform(0, CLIENT_USERS / (CLIENT_SESSIONS_PER_S * SCALE)))

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
        gevent.sleep(random.uniform(0, self.every))


class Worker(_Staff):
    people = "workers"
    fixed_count = len(PEOPLE.get("workers", ()))
    every = WORKER_PAGE_EVERY_S / SCALE
    wait_time = constant_pacing(WORKER_PAGE_EVERY_S / SCALE)

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
    wait_time = constant_pacing(COORDINATOR_ASSIGN_EVERY_S / SCALE)

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
