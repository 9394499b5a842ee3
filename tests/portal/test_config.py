import pytest

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
