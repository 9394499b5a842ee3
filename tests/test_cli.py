"""The console command: help for every subcommand, migrations, staff accounts, serving."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from models import Database, Role, Staff
from portal.auth.staff import authenticate
from portal.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["demo"],
        ["serve"],
        ["scheduler"],
        ["db"],
        ["db", "upgrade"],
        ["create-staff"],
        ["reset-password"],
        ["reset-totp"],
        ["switch-off-staff"],
        ["reseal-totp"],
    ],
)
def test_every_command_explains_itself(args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_db_upgrade_and_create_staff_give_a_working_account(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    runner = CliRunner(env={"DATABASE_URL": url})
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "create-staff",
            "--username",
            "Karin",
            "--first-name",
            "Karin",
            "--last-name",
            "Ek",
            "--role",
            "caseworker",
            "--role",
            "worker",
            "--phone",
            "070-000 01 04",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    secret = re.search(r"secret=([A-Z2-7]+)", result.output).group(1)
    db = Database(url)
    with db.transaction() as s:
        staff = authenticate(
            s,
            "karin",
            "a long enough password",
            pyotp.TOTP(secret).now(),
            now=__import__("models").utcnow(),
            demo_skip_totp=False,
        )
        assert staff.role_set == {Role.CASEWORKER, Role.WORKER}
        assert staff.phone == "+46700000104"
    again = runner.invoke(
        main,
        [
            "create-staff",
            "--username",
            "karin",
            "--first-name",
            "K",
            "--last-name",
            "E",
            "--role",
            "worker",
            "--password",
            "a long enough password",
        ],
    )
    assert again.exit_code != 0 and "taken" in again.output
    with db.transaction() as s:
        assert len(list(s.scalars(select(Staff)))) == 1
    db.dispose()


def test_create_staff_refuses_a_short_password(tmp_path: Path) -> None:
    runner = CliRunner(env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    result = runner.invoke(
        main,
        [
            "create-staff",
            "--username",
            "a",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--role",
            "worker",
            "--password",
            "short",
        ],
    )
    assert result.exit_code != 0 and "at least 12" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode())
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds}s")


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "p" * 40,
    "SMS_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM": "+46850000000",
    "PUBLIC_URL": "https://boendestod.example.se",
    "TWILIO_API_URL": "http://127.0.0.1:9",
}


def test_serve_starts_from_environment_settings_and_reports_health(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    env = {**os.environ, **PRODUCTION, "DATABASE_URL": url, "PORT": str(_free_port())}
    subprocess.run(
        [sys.executable, "-m", "portal.cli", "db", "upgrade"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = _wait_for(f"http://127.0.0.1:{env['PORT']}/healthz", process)
        assert b'"db":"ok"' in body.replace(b" ", b"") and b'"scheduler":"ok"' in body.replace(
            b" ", b""
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_refuses_the_demo_sign_in_setting_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "DEMO_SKIP_TOTP": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start" in result.stderr and "DEMO_SKIP_TOTP" in result.stderr


@pytest.mark.real_clock  # its server runs in a subprocess, on the real clock
def test_the_scheduler_alone_sends_a_due_reminder_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal

    from models import Client, utcnow
    from models.migrate import upgrade
    from reminders.outbox import queue_sms
    from tests.fakes.twilio_server import FakeTwilio

    url = f"sqlite:///{tmp_path / 'prod.db'}"
    upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        client = Client(first_name="Sandra", last_name="Nilsson", phone="+46700000001")
        s.add(client)
        s.flush()
        queue_sms(s, client.phone, "Påminnelse: Ta din medicin", purpose="reminder",
                  client_id=client.id, due_at=utcnow())  # fmt: skip
    db.dispose()
    with FakeTwilio(account_sid=PRODUCTION["TWILIO_ACCOUNT_SID"], auth_token="token") as fake:
        env = {**os.environ, **PRODUCTION, "DATABASE_URL": url, "TWILIO_API_URL": fake.url}
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "scheduler"], env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not fake.messages() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert [m.body for m in fake.messages("+46700000001")] == ["Påminnelse: Ta din medicin"]
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "scheduler stopped" in output
