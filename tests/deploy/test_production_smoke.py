"""The production set-up, end to end: nginx over https in front of two `boendestod serve`.

deploy/nginx/boendestod.conf (the file docs/install.md installs) runs in front of two serve
processes on PostgreSQL with a Redis message queue and Twilio (the local fake). Each browser is
pinned to one process by nginx's routing cookie, so every live update here crosses processes.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from models import AuditEvent, Database, Outbox, OutboxState, Staff, utcnow
from portal.lightsupport.catalogue import ensure_defaults
from reminders.outbox import queue_sms
from tests.browser.steps import sign_in_staff
from tests.browser.test_video_call import call_and_check, end_and_check_visit
from tests.browser.test_video_call import seed as seed_video_visit
from tests.browser.video_support import redis_server
from tests.conftest import TEST_SECRET, wipe
from tests.deploy.production import Nginx, cli, free_port, get, nginx, route_keys, serve
from tests.factories import make_client, make_staff
from tests.fakes.twilio_server import FakeTwilio

# Its servers run as subprocesses, on the real clock (``real_clock``).
pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.real_clock, pytest.mark.timeout(300)]
OLLE, SANDRA = "+46700000002", "+46700000001"
FORGED = "203.0.113.66"


@dataclass
class Production:
    nginx: Nginx
    twilio: FakeTwilio
    db: Database
    #: "127.0.0.1:PORT" of the two serve processes, and a routing cookie that reaches each.
    apps: list[str]
    keys: dict[str, str]
    cecilia_totp: str

    def page(self, browser: Browser, app: str, **options: object) -> Page:
        """A browser pinned to one process: it carries the routing cookie nginx gives out."""
        context = browser.new_context(
            base_url=self.nginx.url, ignore_https_errors=True, locale="sv-SE", **options
        )
        context.add_cookies(
            [{"name": "boendestod_route", "value": self.keys[app], "url": self.nginx.url}]
        )
        return context.new_page()


@pytest.fixture(scope="module")
def production(
    database_url: str, migrated: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    if not migrated.is_postgres:
        pytest.skip("runs on PostgreSQL: TEST_DATABASE_URL=$(.ci/start-postgres)")
    wipe(migrated)
    tmp = tmp_path_factory.mktemp("production")
    https, http, ports = free_port(), free_port(), [free_port(), free_port()]
    with redis_server(tmp) as redis_url, FakeTwilio() as twilio:
        env = {
            "APP_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "PUBLIC_URL": f"https://localhost:{https}",
            "TRUSTED_PROXIES": "1",
            "SOCKETIO_MESSAGE_QUEUE": redis_url,
            "SMS_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM": "+46850000000",
            "TWILIO_API_URL": twilio.url,
            "LOG_LEVEL": "WARNING",
        }
        # The install guide's steps: the schema, then the first member of staff.
        assert "database at head" in cli("db", "upgrade", env=env)
        created = cli(
            "create-staff", "--username", "cecilia", "--first-name", "Cecilia",
            "--last-name", "Berg", "--role", "coordinator", "--password",
            "correct horse battery", env=env,
        )  # fmt: skip
        totp = pyotp.parse_uri(created.strip().splitlines()[-1]).secret
        with serve(ports[0], env), serve(ports[1], env):
            with nginx(tmp, https, http, ports) as server:
                apps = [f"127.0.0.1:{port}" for port in ports]
                yield Production(server, twilio, migrated, apps, route_keys(server, apps), totp)
    wipe(migrated)  # the next tests share this database and expect it empty


def wait_for(what: Callable[[], object], seconds: float, page: Page | None = None) -> object:
    """Poll until ``what`` is truthy; a page keeps Playwright's events flowing meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
    raise AssertionError(f"nothing after {seconds} s")


def sms_to(twilio: FakeTwilio, phone: str, after: int = 0) -> str:
    """The body of the next SMS Twilio got for ``phone`` (after the first ``after``)."""
    sent = wait_for(lambda: twilio.messages(to=phone)[after:], seconds=20)
    return sent[0].body


def test_the_proxy_redirects_to_https_compresses_pages_and_caches_assets(
    production: Production,
) -> None:
    site = production.nginx
    status, headers, _ = get(site.http_url + "/min-dag")
    assert status == 301 and headers["Location"].startswith("https://localhost")
    status, headers, page = get(site.url + "/logga-in", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    status, _, page = get(site.url + "/logga-in")
    css = re.search(r'href="(/static/app\.css\?v=\w+)"', page.decode()).group(1)
    status, headers, _ = get(site.url + css)
    assert status == 200 and "immutable" in headers["Cache-Control"]


#: Run in a page: open a WebSocket to Socket.IO; true when Engine.IO's open packet arrives.
OPENS_SOCKET = """(url) => new Promise(done => {
  const ws = new WebSocket(url);
  ws.onmessage = (e) => { done(e.data.startsWith("0{")); ws.close(); };
  ws.onerror = () => done(false);
  ws.onclose = () => done(false);
})"""


def test_socketio_through_the_proxy_refuses_a_page_from_another_origin(
    browser: Browser, production: Production
) -> None:
    site = production.nginx.url
    socket_url = site.replace("https://", "wss://") + "/socket.io/?EIO=4&transport=websocket"
    page = production.page(browser, production.apps[0])
    page.goto("/logga-in")
    assert page.evaluate(OPENS_SOCKET, socket_url)
    # The same nginx and app, but the page's origin is https://127.0.0.1:PORT.
    page.goto(site.replace("localhost", "127.0.0.1") + "/logga-in")
    assert not page.evaluate(OPENS_SOCKET, socket_url)
    page.context.close()


def test_a_help_request_reaches_a_coordinator_on_the_other_process_over_https(
    browser: Browser, production: Production
) -> None:
    one, two = production.apps
    since = production.nginx.mark()
    with production.db.transaction() as s:
        ensure_defaults(s)
        omar = make_staff(s, "omar", skills=["autism"], languages=["sv", "ar"])
        make_client(s, "Olle", phone=OLLE, workers=[omar], needs=["autism"])

    # Cecilia, made by `boendestod create-staff`, signs in with her password and TOTP code.
    console = production.page(browser, one)
    frames: list[str] = []
    console.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    sign_in_staff(console, "cecilia", production.cecilia_totp)
    expect(console.get_by_text("Inga förfrågningar väntar.")).to_be_visible()
    wait_for(lambda: any(f.startswith("40/staff,") for f in frames), 10, console)

    # Olle signs in on the other process with the code Twilio was asked to send him.
    phone = production.page(browser, two, viewport={"width": 360, "height": 640})
    phone.goto("/logga-in")
    phone.get_by_label("Ditt mobilnummer").fill("070-000 00 02")
    phone.get_by_role("button", name="Skicka kod").click()
    code = re.search(r"\d{6}", sms_to(production.twilio, OLLE)).group(0)
    phone.get_by_label("Koden från sms:et").fill(code)
    phone.get_by_role("button", name="Logga in").click()
    expect(phone).to_have_url(re.compile("/min-dag"))

    phone.goto("/hjalp")
    phone.get_by_role("link", name="Prata en stund").click()
    # Tomorrow, not "Idag": the servers run on the real clock, and after 22:00 Stockholm time
    # "today" has no support hours left (a fresh CI run at 22:30 was refused "för sent idag").
    tomorrow = utcnow().astimezone(ZoneInfo("Europe/Stockholm")).date() + timedelta(days=1)
    phone.get_by_label("Eller välj en dag").fill(tomorrow.isoformat())
    phone.get_by_role("button", name="Välj dagen").click()
    phone.get_by_role("link", name="Video").click()
    phone.get_by_role("button", name="Ja, skicka").click()
    expect(phone.get_by_role("heading", name="Tack! Vi har fått det.")).to_be_visible()

    card = console.locator(".request").filter(has_text="Olle")
    expect(card).to_be_visible(timeout=5000)
    card.get_by_role("button", name=re.compile("Tilldela Omar")).click()
    expect(console.get_by_text("Tilldelad. Klienten får ett sms.")).to_be_visible()
    assert "Omar ringer dig med video" in sms_to(production.twilio, OLLE, after=1)

    console.context.close()
    phone.context.close()
    log = production.nginx
    assert log.upstreams_of("POST", "/hjalp", since) == {two}
    # nginx logs a WebSocket when it has closed, a moment after the page.
    wait_for(lambda: log.upstreams_of("GET", "/socket.io/", since), seconds=10)
    assert log.upstreams_of("GET", "/socket.io/", since) == {one}


def test_a_video_call_connects_through_the_proxy_between_two_processes(
    browser: Browser, production: Production
) -> None:
    one, two = production.apps
    since = production.nginx.mark()
    visit_id = seed_video_visit(production.db)
    # Anna's browser claims another address; nginx appends the real one, which is audited.
    worker = production.page(browser, one, extra_http_headers={"X-Forwarded-For": FORGED})
    sign_in_staff(worker, "anna", staff_totp(production.db, "anna"))
    worker.wait_for_url(re.compile("/personal/"))
    worker.goto("/personal/video")
    worker.get_by_role("button", name="Starta video").click()
    expect(worker.get_by_role("heading", name="Video med Sandra Nilsson")).to_be_visible()
    link = re.search(r"\S+/ring/l/\S+", sms_to(production.twilio, SANDRA)).group(0)
    assert link.startswith(production.nginx.url + "/"), link

    client = production.page(browser, two, viewport={"width": 360, "height": 640})
    call_and_check(worker, client, link)
    end_and_check_visit(worker, client, production.db, visit_id)
    worker.context.close()
    client.context.close()
    with production.db.transaction() as s:
        addresses = set(
            s.scalars(select(AuditEvent.ip).where(AuditEvent.subject == "client.video"))
        )
    assert addresses == {"127.0.0.1"}, addresses
    sockets = {one, two}
    wait_for(
        lambda: production.nginx.upstreams_of("GET", "/socket.io/", since) == sockets, seconds=10
    )


def staff_totp(db: Database, username: str) -> str:
    with db.transaction() as s:
        return s.scalar(select(Staff.totp_secret).where(Staff.username == username))


def test_200_due_reminders_are_sent_once_each_by_two_schedulers(production: Production) -> None:
    for app in production.apps:
        health = json.loads(get(f"http://{app}/healthz")[2])
        assert health["scheduler"] == "ok", (app, health)
    with production.db.transaction() as s:
        for i in range(200):
            queue_sms(s, f"+4673{i:07d}", f"Påminnelse {i}", purpose="reminder", due_at=utcnow())

    def reminders() -> Counter[str]:
        return Counter(
            m.body for m in production.twilio.messages() if m.body.startswith("Påminnelse ")
        )

    wait_for(lambda: len(reminders()) == 200, seconds=60)
    time.sleep(12)  # two more sweeps of each scheduler: nothing may go out twice
    sent = reminders()
    assert len(sent) == 200 and set(sent.values()) == {1}
    with production.db.transaction() as s:
        states = Counter(s.scalars(select(Outbox.state).where(Outbox.purpose == "reminder")))
    assert states == {OutboxState.SENT: 200}
