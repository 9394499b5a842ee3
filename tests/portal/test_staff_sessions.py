"""Staff sessions live on the server: signing out, switching an account off, a password or
authenticator reset and an idle timeout end them, on every device that holds them."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from models import Database, Role, utcnow
from portal import live
from portal.cli import main
from portal.extensions import socketio
from portal.live import NAMESPACE as STAFF_NAMESPACE
from portal.live import close_ended
from tests.conftest import https_client, post_form
from tests.factories import make_staff
from tests.portal.helpers import PASSWORD, staff_client
from video.events import NAMESPACE as VIDEO_NAMESPACE

pytestmark = pytest.mark.db
QUEUE = "/personal/arenden"


@pytest.fixture
def karin(db: Database) -> str:
    with db.transaction() as s:
        return make_staff(s, "karin", roles=[Role.CASEWORKER]).totp_secret


def copy_of(app: Flask, web: FlaskClient) -> FlaskClient:
    """Another browser with the same session cookie (copied from the first, or stolen)."""
    other = https_client(app)
    other.set_cookie("session", web.get_cookie("session").value, domain="localhost")
    return other


def opens_the_queue(web: FlaskClient) -> bool:
    response = web.get(QUEUE)
    return response.status_code == 200 and "Öppna ärenden" in response.text


def sign_in_page_after(web: FlaskClient) -> str:
    """Open a staff page; return the sign-in page it sends the person to (fails if it opens)."""
    response = web.get(QUEUE)
    assert response.status_code == 302, response.status_code
    assert response.location.startswith("/personal/logga-in")
    return web.get(response.location).text


def sign_out(web: FlaskClient) -> None:
    assert post_form(web, "/logga-ut", {}, page=QUEUE).status_code == 302


def test_a_cookie_copied_before_signing_out_opens_no_staff_page_after_it(
    app: Flask, db: Database, karin: str
) -> None:
    web = staff_client(app, db, "karin")
    copied = copy_of(app, web)
    assert opens_the_queue(copied)
    sign_out(web)
    assert "Du är utloggad. Logga in igen." in sign_in_page_after(copied)
    assert not opens_the_queue(web)


def test_a_script_with_an_ended_session_gets_401_not_the_sign_in_page(
    app: Flask, db: Database, karin: str
) -> None:
    web = staff_client(app, db, "karin")
    copied = copy_of(app, web)
    sign_out(web)
    assert copied.get(QUEUE, headers={"Sec-Fetch-Mode": "cors"}).status_code == 401
    assert copied.get(QUEUE, headers={"Accept": "application/json"}).status_code == 401


def _run(db_url: str, *args: str) -> str:
    result = CliRunner(env={"DATABASE_URL": db_url}).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "command",
    [
        ["switch-off-staff", "--username", "karin"],
        ["reset-password", "--username", "karin", "--password", "a brand new passphrase"],
        ["reset-totp", "--username", "karin"],
    ],
    ids=["switched-off", "password-reset", "totp-reset"],
)
def test_an_account_change_signs_karin_out_on_both_her_devices(
    app: Flask, db: Database, database_url: str, karin: str, command: list[str]
) -> None:
    phone, laptop = staff_client(app, db, "karin"), staff_client(app, db, "karin")
    assert opens_the_queue(phone) and opens_the_queue(laptop)
    output = _run(database_url, *command)
    assert "2 open session(s) ended" in output
    for device in (phone, laptop):
        assert "Du är utloggad" in sign_in_page_after(device)


def _sign_in(app: Flask, password: str, totp: str):
    return post_form(
        https_client(app),
        "/personal/logga-in",
        {"username": "karin", "password": password, "totp": totp},
    )


def test_after_a_password_reset_only_the_new_password_signs_in(
    app: Flask, db: Database, database_url: str, karin: str
) -> None:
    _run(database_url, "reset-password", "--username", "karin", "--password", "a new passphrase")
    code = pyotp.TOTP(karin).now()
    assert _sign_in(app, PASSWORD, code).status_code == 401
    assert _sign_in(app, "a new passphrase", code).status_code == 302


def test_after_a_totp_reset_only_the_new_authenticator_signs_in(
    app: Flask, db: Database, database_url: str, karin: str
) -> None:
    output = _run(database_url, "reset-totp", "--username", "karin")
    new_secret = re.search(r"secret=([A-Z2-7]+)", output).group(1)
    assert _sign_in(app, PASSWORD, pyotp.TOTP(karin).now()).status_code == 401
    assert _sign_in(app, PASSWORD, pyotp.TOTP(new_secret).now()).status_code == 302


def test_a_switched_off_account_cannot_sign_in_until_switched_on(
    app: Flask, db: Database, database_url: str, karin: str
) -> None:
    _run(database_url, "switch-off-staff", "--username", "karin")
    assert _sign_in(app, PASSWORD, pyotp.TOTP(karin).now()).status_code == 401
    _run(database_url, "switch-off-staff", "--username", "karin", "--on")
    assert _sign_in(app, PASSWORD, pyotp.TOTP(karin).now()).status_code == 302


def test_a_short_password_is_refused_by_the_reset(database_url: str, karin: str) -> None:
    result = CliRunner(env={"DATABASE_URL": database_url}).invoke(
        main, ["reset-password", "--username", "karin", "--password", "short"]
    )
    assert result.exit_code != 0 and "at least 12 characters" in result.output


def test_using_the_console_keeps_the_session_and_leaving_it_idle_signs_out(
    app: Flask, db: Database, karin: str
) -> None:
    web = staff_client(app, db, "karin")
    idle = timedelta(minutes=app.config["SETTINGS"].staff_idle_minutes)
    with time_machine.travel(utcnow() + idle - timedelta(minutes=5)):
        assert opens_the_queue(web)  # in use: counts as seen now
    with time_machine.travel(utcnow() + 2 * idle - timedelta(minutes=10)):
        assert opens_the_queue(web)
    with time_machine.travel(utcnow() + 3 * idle):
        page = sign_in_page_after(web)
    assert "Du har inte använt sidan på en stund, så du är utloggad" in page


@pytest.mark.parametrize("namespace", [STAFF_NAMESPACE, VIDEO_NAMESPACE])
def test_a_socket_with_an_ended_session_is_refused(
    app: Flask, db: Database, karin: str, namespace: str
) -> None:
    web = staff_client(app, db, "karin")
    copied = copy_of(app, web)
    before = socketio.test_client(app, namespace=namespace, flask_test_client=copied)
    assert before.is_connected(namespace)
    before.disconnect(namespace)
    sign_out(web)
    after = socketio.test_client(app, namespace=namespace, flask_test_client=copied)
    assert not after.is_connected(namespace)


def test_signing_out_on_all_devices_ends_the_session_on_the_other_one_too(
    app: Flask, db: Database, karin: str
) -> None:
    phone, laptop = staff_client(app, db, "karin"), staff_client(app, db, "karin")
    assert "Avsluta alla inloggningar" in laptop.get(QUEUE).text
    assert post_form(laptop, "/logga-ut", {"everywhere": "1"}, page=QUEUE).status_code == 302
    assert "Du är utloggad" in sign_in_page_after(phone)
    assert not opens_the_queue(laptop)


def test_a_console_left_open_after_signing_out_elsewhere_is_disconnected(
    app: Flask, db: Database, karin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone, laptop = staff_client(app, db, "karin"), staff_client(app, db, "karin")
    copied = copy_of(app, phone)
    stolen = socketio.test_client(app, namespace=STAFF_NAMESPACE, flask_test_client=copied)
    own = socketio.test_client(app, namespace=STAFF_NAMESPACE, flask_test_client=laptop)
    assert close_ended(app) == 0 and stolen.is_connected(STAFF_NAMESPACE)
    sign_out(phone)
    assert close_ended(app) == 1  # what each process's watch does every minute
    assert not stolen.is_connected(STAFF_NAMESPACE)
    assert own.is_connected(STAFF_NAMESPACE)


def test_the_process_watches_its_consoles_whatever_the_scheduler_does(
    app: Flask, db: Database, karin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Web processes may run with SCHEDULER=0: the watch starts with the first console."""
    monkeypatch.setattr(live, "CLOSE_ENDED_EVERY", 0.1)
    phone = staff_client(app, db, "karin")
    stolen = socketio.test_client(
        app, namespace=STAFF_NAMESPACE, flask_test_client=copy_of(app, phone)
    )
    sign_out(phone)
    deadline = time.monotonic() + 10
    while stolen.is_connected(STAFF_NAMESPACE) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stolen.is_connected(STAFF_NAMESPACE)
