"""Logs: one line per event, JSON when asked, a request id, no phone numbers, quiet libraries."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from portal import logs
from portal.envvars import LogSettings
from reminders.providers import TwilioSmsClient
from tests.conftest import https_client
from tests.fakes.twilio_server import FakeTwilio


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Where ``logs.configure`` writes in a test; the logging set-up is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    yield io.StringIO()
    for handler in [h for h in root.handlers if h not in saved[0]]:
        root.removeHandler(handler)
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


@pytest.mark.db
def test_a_json_line_logged_during_a_request_carries_the_proxys_request_id(
    app: Flask, output: io.StringIO
) -> None:
    logs.configure(LogSettings(level="INFO", json=True), output)
    # A form sent without its CSRF token is refused and logged.
    answer = https_client(app).post("/logga-in", headers={"X-Request-ID": "req-0123456789abcdef"})
    assert answer.status_code == 400
    assert answer.headers["X-Request-ID"] == "req-0123456789abcdef"
    [line] = [json.loads(x) for x in lines(output)]  # one event, one line
    assert "CSRF refused" in line["message"]
    assert line["request_id"] == "req-0123456789abcdef"
    assert line["level"] == "INFO" and line["logger"] == "portal.errors"
    assert "time" in line


@pytest.mark.db
def test_a_request_without_a_sane_id_gets_a_new_one_in_the_header_and_the_log(
    app: Flask, output: io.StringIO
) -> None:
    logs.configure(LogSettings(level="INFO", json=True), output)
    answer = https_client(app).post("/logga-in", headers={"X-Request-ID": "x" * 500 + ' "quoted"'})
    generated = answer.headers["X-Request-ID"]
    assert len(generated) == 32 and generated.isalnum()
    [line] = [json.loads(x) for x in lines(output)]
    assert line["request_id"] == generated


def test_a_logged_phone_number_comes_out_masked_in_text_and_json(output: io.StringIO) -> None:
    log = logging.getLogger("reminders.dispatch")
    for as_json in (False, True):
        logs.configure(LogSettings(level="INFO", json=as_json), output)
        log.warning("outbox %s to %s failed", 17, "+46701234501")
        try:
            raise ValueError("The 'To' number 070-123 45 01 is not valid")
        except ValueError:
            log.exception("sending failed")
    text = output.getvalue()
    assert "46701234501" not in text and "123 45 01" not in text
    # the message and the exception, twice; the traceback also quotes the source line
    assert text.count("+46 70 *** ** 01") >= 4
    assert "outbox 17 to" in text, "other numbers are left alone"


def test_a_traceback_in_json_stays_on_one_line(output: io.StringIO) -> None:
    logs.configure(LogSettings(level="INFO", json=True), output)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("portal").exception("it broke")
    [line] = lines(output)
    assert "RuntimeError: boom" in json.loads(line)["exc_info"]


def send_one_sms(fake: FakeTwilio) -> None:
    settings = fake.settings()
    TwilioSmsClient(settings).send("+46701234501", "Påminnelse: Anna kommer 10.00")


def test_sending_an_sms_logs_no_info_lines_from_twilio(output: io.StringIO) -> None:
    with FakeTwilio() as fake:
        logs.configure(LogSettings(level="INFO"), output)
        send_one_sms(fake)
        assert [x for x in lines(output) if " twilio" in x] == []

        # The library does talk at INFO (so the line above can fail): LOG_LEVEL=DEBUG shows it.
        logs.configure(LogSettings(level="DEBUG"), output)
        send_one_sms(fake)
    chatter = [x for x in lines(output) if " twilio" in x]
    assert chatter, "twilio logs nothing even when debugging"
    assert not any("46701234501" in x or "Anna kommer" in x for x in chatter)


@pytest.mark.db
def test_a_readiness_probe_logs_nothing(app: Flask, output: io.StringIO) -> None:
    logs.configure(LogSettings(level="INFO"), output)
    assert https_client(app).get("/readyz").status_code == 200
    assert lines(output) == []
