"""The built wheel, installed into a fresh virtual environment outside the checkout, serves pages.

What an IT department does: build (or receive) the wheel, install it with the locked versions,
`boendestod db upgrade`, `create-staff`, `serve` on PostgreSQL with production settings, and the
pages a client and a member of staff open render with their CSS, translations and the vendored
socket.io-client. Nothing here may come from the checkout: the commands run from the new
environment, in a folder outside it.

Production settings require Secure cookies and an https PUBLIC_URL. Chromium treats
http://localhost as a secure context, so Secure cookies are kept over plain http and both people
can sign in without a TLS proxy in front (the proxy test covers https); PUBLIC_URL is only used for
links in SMS and Twilio callbacks, which the Twilio fake does not follow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from sqlalchemy import create_engine, make_url, text

from models import Database
from tests.factories import make_client
from tests.fakes.twilio_server import FakeTwilio
from tests.test_cli import PRODUCTION, _free_port

ROOT = Path(__file__).resolve().parents[2]
SANDRA = "+46700000001"
PASSWORD = "a long staff password"

pytestmark = [pytest.mark.browser, pytest.mark.install, pytest.mark.timeout(900)]


def _run(*args: str | Path, **kwargs: object) -> str:
    """Run a command; on failure show what it printed (pip's and the CLI's own words)."""
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _postgres_server() -> str:
    """The tests' PostgreSQL, or one started with .ci/start-postgres (as CI's later run does)."""
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server.startswith("postgresql"):
        return server
    return _run(ROOT / ".ci" / "start-postgres").strip()


def _recreate(server: str, name: str, create: bool = True) -> str:
    """Drop the database ``name`` on ``server`` (and create it afresh); return its URL."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "serve stopped (its log is printed below)"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url}/healthz did not answer within {seconds}s")


@dataclass
class Installed:
    url: str
    staff_secret: str
    twilio: FakeTwilio


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    outside = tmp_path_factory.mktemp("install")
    assert not outside.is_relative_to(ROOT)
    # The wheel as `pip install .` would build it (setup.py's build step included).
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", outside, ROOT)
    (wheel,) = outside.glob("boendestod-*.whl")

    venv = outside / "venv"
    _run(sys.executable, "-m", "venv", venv)
    # The locked versions, checked against their hashes; uv (from the same lock) installs them
    # from its cache in seconds where pip takes minutes. Then the wheel as an operator would.
    _run(
        Path(sys.executable).with_name("uv"), "pip", "install", "--quiet", "--require-hashes",
        "--python", venv / "bin" / "python", "-r", ROOT / "requirements.lock",
    )  # fmt: skip
    _run(venv / "bin" / "pip", "install", "--quiet", "--no-deps", wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    python = venv / "bin" / "python"
    where = _run(python, "-c", "import portal; print(portal.__file__)", env=env, cwd=outside)
    assert where.startswith(str(venv)), f"portal imported from {where}, not the new environment"

    # Its own database beside the tests' one, which the session's fixtures drop and migrate.
    postgres = _postgres_server()
    database_url = _recreate(postgres, "boendestod_install")
    with FakeTwilio() as twilio:
        env |= {
            **PRODUCTION,
            "DATABASE_URL": database_url,
            "PORT": str(_free_port()),
            "HOST": "127.0.0.1",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_API_URL": twilio.url,
        }
        command = venv / "bin" / "boendestod"
        _run(command, "db", "upgrade", env=env, cwd=outside)
        enrolled = _run(
            command, "create-staff", "--username", "cecilia", "--first-name", "Cecilia",
            "--last-name", "Berg", "--role", "coordinator", "--password", PASSWORD,
            env=env, cwd=outside,
        )  # fmt: skip
        secret = pyotp.parse_uri(re.search(r"otpauth://\S+", enrolled).group(0)).secret
        db = Database(database_url)
        with db.transaction() as s:
            make_client(s, first_name="Sandra", phone=SANDRA)
        db.dispose()

        log = (outside / "serve.log").open("w+b")
        server = subprocess.Popen(
            [command, "serve"], env=env, cwd=outside, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_healthy(f"http://127.0.0.1:{env['PORT']}", server)
            yield Installed(f"http://localhost:{env['PORT']}", secret, twilio)
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            _recreate(postgres, "boendestod_install", create=False)
            log.seek(0)
            sys.stdout.write(log.read().decode(errors="replace")[-4000:])
            log.close()


NewPage = Callable[..., tuple[Page, list[str]]]


@pytest.fixture
def new_page(browser: Browser, installed: Installed) -> Iterator[NewPage]:
    """Open pages on the installed app; each comes with the files it loaded that failed (4xx/5xx).

    Their contexts are closed after the test, so no socket keeps `serve` from stopping.
    """
    contexts: list[BrowserContext] = []

    def open_page(**options: object) -> tuple[Page, list[str]]:
        contexts.append(browser.new_context(base_url=installed.url, locale="sv-SE", **options))
        page = contexts[-1].new_page()
        failed: list[str] = []
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        return page, failed

    yield open_page
    for context in contexts:
        context.close()


def _styled_without_errors(page: Page, failed: list[str]) -> None:
    # app.css sets 20 px on the root; without it Chromium's default is 16 px.
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    assert failed == []


def test_a_client_signs_in_and_sees_her_day_from_the_installed_wheel(
    new_page: NewPage, installed: Installed
) -> None:
    phone, failed = new_page(viewport={"width": 360, "height": 640})
    phone.goto("/min-dag")
    expect(phone.get_by_role("heading", name="Logga in")).to_be_visible()
    _styled_without_errors(phone, failed)

    phone.get_by_label("Ditt mobilnummer").fill("070-000 00 01")
    phone.get_by_role("button", name="Skicka kod").click()
    expect(phone.get_by_role("heading", name="Skriv koden")).to_be_visible()
    deadline = time.monotonic() + 30
    while not installed.twilio.messages(to=SANDRA) and time.monotonic() < deadline:
        time.sleep(0.2)
    (sms,) = installed.twilio.messages(to=SANDRA)
    phone.get_by_label("Koden från sms:et").fill(re.search(r"\d{6}", sms.body).group(0))
    phone.get_by_role("button", name="Logga in").click()
    expect(phone.get_by_role("heading", name="Hej Sandra!")).to_be_visible()
    assert phone.url.endswith("/min-dag")
    _styled_without_errors(phone, failed)


def test_the_compiled_catalogues_came_with_the_wheel(new_page: NewPage) -> None:
    page, _ = new_page()
    page.goto("/sprak/en?next=/logga-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Your mobile number")).to_be_visible()


@pytest.mark.real_clock  # its server runs in a subprocess, on the real clock
def test_a_coordinator_signs_in_and_her_console_loads_the_vendored_socket_io(
    new_page: NewPage, installed: Installed
) -> None:
    page, failed = new_page()
    page.goto("/personal/logga-in")
    _styled_without_errors(page, failed)
    page.get_by_label("Användarnamn").fill("cecilia")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_label("Kod från din autentiseringsapp").fill(
        pyotp.TOTP(installed.staff_secret).now()
    )
    with page.expect_response(re.compile(r"/vendor/socket\.io\.min\.js$")) as vendored:
        page.get_by_role("button", name="Logga in").click()
    response: Response = vendored.value
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]
    page.wait_for_function("typeof window.io === 'function'")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    _styled_without_errors(page, failed)
