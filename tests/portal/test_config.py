import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from portal.booking.rules import DEFAULT_RULES
from portal.cli import main
from portal.config import ConfigError, from_env

PRODUCTION = {
    "DATABASE_URL": "postgresql+psycopg://app@127.0.0.1/app",
    "SECRET_KEY": "s" * 40,
    "SMS_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM": "+46850000000",
    "PUBLIC_URL": "https://boendestod.example.se",
}


def test_a_complete_production_config_is_accepted() -> None:
    settings = from_env("production", PRODUCTION)
    assert settings.is_production and not settings.demo_skip_totp and settings.cookie_secure


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DEMO_SKIP_TOTP": "1"}, "DEMO_SKIP_TOTP"),
        ({"SMS_PROVIDER": "dev"}, "SMS_PROVIDER=twilio"),
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"COOKIE_SECURE": "0"}, "COOKIE_SECURE"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"SMS_IN_FLIGHT": "0"}, "SMS_IN_FLIGHT"),
    ],
)
def test_production_refuses_to_start_with_a_missing_secret_or_unsafe_setting(
    change: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        from_env("production", {**PRODUCTION, **change})


def test_the_demo_needs_no_settings_at_all() -> None:
    settings = from_env("demo", {})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.demo_skip_totp and settings.twilio is None and settings.scheduler
    assert settings.timezone == "Europe/Stockholm"


def test_secrets_may_be_given_as_files(tmp_path: Path) -> None:
    files = {
        "SECRET_KEY": "f" * 40,
        "TWILIO_AUTH_TOKEN": "token-from-a-file",
        "DATABASE_URL": "postgresql+psycopg://app:pw@127.0.0.1/app",
        "METRICS_TOKEN": "m" * 24,
    }
    environ = {k: v for k, v in PRODUCTION.items() if k not in files}
    for name, secret in files.items():
        (tmp_path / name).write_text(secret + "\n")  # as an editor saves it
        environ[f"{name}_FILE"] = str(tmp_path / name)
    settings = from_env("production", environ)
    assert settings.secret_key == "f" * 40
    assert settings.twilio is not None and settings.twilio.auth_token == "token-from-a-file"
    assert settings.database_url == files["DATABASE_URL"]
    assert settings.metrics_token == "m" * 24


def test_numbers_read_by_feature_modules_are_checked_at_start() -> None:
    with pytest.raises(ConfigError, match="LIGHT_SUPPORT_WEEKS"):
        from_env("production", {**PRODUCTION, "LIGHT_SUPPORT_WEEKS": "sex"})
    settings = from_env("production", {**PRODUCTION, "MATCH_WEIGHT_TRAVEL": "1.5"})
    assert settings.is_production


def test_the_travel_buffer_is_a_booking_rule_a_municipality_may_set() -> None:
    assert from_env("production", PRODUCTION).booking_rules.travel_buffer == timedelta(0)
    assert from_env("demo", {}).booking_rules.travel_buffer == timedelta(minutes=10)
    settings = from_env("production", {**PRODUCTION, "TRAVEL_BUFFER_MINUTES": "15"})
    assert settings.booking_rules.travel_buffer == timedelta(minutes=15)
    assert settings.booking_rules.visit_minutes == DEFAULT_RULES.visit_minutes
    with pytest.raises(ConfigError, match="TRAVEL_BUFFER_MINUTES must be a whole number"):
        from_env("production", {**PRODUCTION, "TRAVEL_BUFFER_MINUTES": "2.5"})
    with pytest.raises(ConfigError, match="TRAVEL_BUFFER_MINUTES .* 0 to 120"):
        from_env("production", {**PRODUCTION, "TRAVEL_BUFFER_MINUTES": "180"})


def test_the_weight_of_a_clients_wish_for_a_woman_or_a_man_is_a_setting() -> None:
    assert from_env("production", PRODUCTION).match_weights.gender == 4.0
    settings = from_env("production", {**PRODUCTION, "MATCH_WEIGHT_GENDER": "0"})
    assert settings.match_weights.gender == 0.0  # the wish not weighed at all


# Every setting that can be wrong, with what is wrong with it. Secret files that cannot be read
# are paths that do not exist or are directories: as root every existing file is readable.
BAD_SETTINGS = [
    ("SMS_IN_FLIGHT", "many"),
    ("SMS_IN_FLIGHT", "0"),
    ("RED_COORDINATOR_MINUTES", "15 min"),
    ("STAFF_IDLE_MINUTES", "half an hour"),
    ("STAFF_IDLE_MINUTES", "0"),
    ("READERS_SHOWN", "everything"),
    ("TURN_TTL_SECONDS", "6h"),
    ("LIGHT_SUPPORT_PER_MONTH", "fyra"),
    ("MATCH_WEIGHT_TRAVEL", "mycket"),
    ("MATCH_WEIGHT_TRAVEL", "-1"),
    ("MATCH_WEIGHT_SPEED_KMH", "0"),
    ("TRAVEL_BUFFER_MINUTES", "15 min"),
    ("TRAVEL_BUFFER_MINUTES", "-5"),
    ("TRAVEL_BUFFER_MINUTES", "121"),
    ("MATCH_WEIGHT_GENDER", "-2"),
    ("MATCH_WEIGHT_GENDER", "kvinna"),
    ("DATABASE_URL", "not a url"),
    ("DATABASE_URL", "nosuchdb://app:hunter2@db/app"),
    ("PUBLIC_URL", "http://boendestod.example.se"),
    ("PUBLIC_URL", "boendestod.example.se"),
    ("SECRET_KEY_FILE", "/nonexistent/secret_key"),
    ("TWILIO_AUTH_TOKEN_FILE", "/nonexistent/twilio"),
    ("TURN_SECRET_FILE", "/"),
    ("DATABASE_URL_FILE", "/nonexistent/database_url"),
    ("METRICS_TOKEN", "short"),
    ("SENTRY_DSN", "not-a-dsn"),
    ("LOG_FORMAT", "xml"),
    ("LOG_LEVEL", "LOUD"),
    ("TIMEZONE", "Europe/Gothenburg"),
]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The console command sets up logging for the process; put it back after each run."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def serve(environ: dict[str, str | None]) -> Result:
    everything = {name: None for name, _ in BAD_SETTINGS}
    everything.update({f"{name}_FILE": None for name in ("SECRET_KEY", "TWILIO_AUTH_TOKEN")})
    # The runner swaps these into os.environ for the call; None removes one.
    env = {**everything, "APP_ENV": "production", **PRODUCTION, **environ}
    for name in environ:
        if name.endswith("_FILE") and name.removesuffix("_FILE") not in environ:
            env[name.removesuffix("_FILE")] = None  # the file instead of the value
    return CliRunner().invoke(main, ["serve", "--port", "9"], env=env)


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS)
def test_serve_refuses_a_bad_setting_with_one_line_naming_it(
    name: str, value: str, restore_logging: None
) -> None:
    result = serve({name: value})
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), "refused, not crashed"
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert name in line and "Traceback" not in line
    assert "hunter2" not in line, "a database password is never repeated"


def test_serve_refuses_a_secret_given_twice(tmp_path: Path, restore_logging: None) -> None:
    (tmp_path / "key").write_text("k" * 40)
    result = serve({"SECRET_KEY_FILE": str(tmp_path / "key"), "SECRET_KEY": "s" * 40})
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert result.exit_code != 0 and "SECRET_KEY or SECRET_KEY_FILE" in line


def test_db_upgrade_reads_the_database_url_from_a_file(
    tmp_path: Path, restore_logging: None
) -> None:
    url_file = tmp_path / "database_url"
    url_file.write_text(f"sqlite:///{tmp_path / 'from-file.db'}\n")
    env = {"DATABASE_URL": None, "DATABASE_URL_FILE": str(url_file)}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-file.db").stat().st_size > 0


@pytest.mark.parametrize(("name", "value"), [("PORT", "abc"), ("WEB_WORKERS", "two")])
def test_serve_refuses_a_bad_port_or_worker_count_without_a_traceback(
    name: str, value: str, restore_logging: None
) -> None:
    env = {"APP_ENV": "production", **PRODUCTION, name: value}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"'{value}'" in result.output and "Invalid value" in result.output
