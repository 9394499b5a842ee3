"""Talking to an app process over real HTTP and Socket.IO, as a browser would.

For tests and benchmarks that run the app in processes of its own (``gunicorn_app``); the
process must serve plain http with ``COOKIE_SECURE=0``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pyotp
import requests
from sqlalchemy import select

from models import Database, Staff

T = TypeVar("T")
PASSWORD = "correct horse battery"  # the factories' default


def staff_cookie(url: str, db: Database, username: str) -> str:
    """Sign ``username`` in through the form (password + TOTP); return the session cookie."""
    with db.transaction() as s:
        secret = s.scalar(select(Staff.totp_secret).where(Staff.username == username))
    with requests.Session() as web:
        page = web.get(f"{url}/personal/logga-in", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = web.post(
            f"{url}/personal/logga-in",
            data={
                "csrf_token": token,
                "username": username,
                "password": PASSWORD,
                "totp": pyotp.TOTP(secret).now(),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text
        return web.cookies["session"]


def socket_headers(url: str, cookie: str) -> dict[str, str]:
    """What a staff page's browser sends when it opens its socket."""
    return {"Origin": url, "Cookie": f"session={cookie}"}


def post_form(url: str, cookie: str, path: str, data: dict[str, str]) -> requests.Response:
    """GET the form at ``path`` for its CSRF token, then POST ``data`` as the signed-in person."""
    page = requests.get(f"{url}{path}", cookies={"session": cookie}, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # The form's CSRF secret now lives in the session the page handed back.
    cookie = page.cookies.get("session", cookie)
    return requests.post(
        f"{url}{path}",
        data={**data, "csrf_token": token},
        cookies={"session": cookie},
        allow_redirects=False,
        timeout=30,
    )


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end on a thread of its own and return its result.

    Playwright's sync API (the session's Chromium) keeps an event loop running on the main
    thread, beside which ``asyncio.run`` refuses to start.
    """
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
