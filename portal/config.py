"""One settings object, read from environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from reminders.providers import TwilioSettings
from video.ice import IceSettings

ROOT = Path(__file__).resolve().parent.parent
DEMO_DATABASE = ROOT / "var" / "demo.db"


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app refuses to start."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    #: "production", "demo" or "test"; production refuses unsafe combinations at start-up.
    env: str
    database_url: str
    secret_key: str
    timezone: str = "Europe/Stockholm"
    public_url: str = "http://127.0.0.1:5000"
    #: None means the dev provider (messages kept for /dev/outbox).
    twilio: TwilioSettings | None = None
    #: Demo accounts may sign in without TOTP; shows a DEMO banner; refused in production.
    demo_skip_totp: bool = False
    scheduler: bool = True
    scheduler_interval_seconds: float = 5.0
    #: SMS handed to the provider at once; against real Twilio the rate is about this many per
    #: round trip, within the account's limit on concurrent requests.
    sms_in_flight: int = 32
    socketio_message_queue: str | None = None
    #: Socket.IO connections one process holds; past it new ones are refused (portal.server).
    max_sockets: int = 3000
    cookie_secure: bool = True
    #: Languages offered; the first is the default.
    languages: tuple[str, ...] = ("sv", "en", "ar")
    #: The red check-in ladder: the coordinator on duty is alerted when no worker has taken
    #: a red answer on within this many minutes, the caseworker when nobody has within the next.
    red_coordinator_minutes: int = 15
    red_escalation_minutes: int = 60
    #: STUN/TURN for video calls; TURN credentials are minted per participant.
    ice: IceSettings = field(default_factory=IceSettings)
    #: The municipality's number that bridged calls show (defaults to TWILIO_FROM).
    caller_id: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def check(self) -> None:
        """Refuse to start with a missing production secret or an unsafe demo setting."""
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:
            raise ConfigError(f"TIMEZONE {self.timezone!r} is not a known time zone") from exc
        if not 1 <= self.sms_in_flight <= 500:
            raise ConfigError("SMS_IN_FLIGHT must be between 1 and 500")
        if not self.is_production:
            return
        problems = list(self.ice.problems())
        if len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        if self.demo_skip_totp:
            problems.append("DEMO_SKIP_TOTP must be off in production")
        if self.twilio is None:
            problems.append("production sends real SMS: set SMS_PROVIDER=twilio and TWILIO_*")
        if not self.cookie_secure:
            problems.append("COOKIE_SECURE must be on in production")
        if not self.public_url.startswith("https://"):
            problems.append("PUBLIC_URL must be the https address clients open")
        if problems:
            raise ConfigError("; ".join(problems))


def _twilio_from_env(environ: os._Environ[str] | dict[str, str]) -> TwilioSettings | None:
    provider = environ.get("SMS_PROVIDER", "dev").lower()
    if provider == "dev":
        return None
    if provider != "twilio":
        raise ConfigError(f"SMS_PROVIDER must be 'dev' or 'twilio', not {provider!r}")
    missing = [k for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not environ.get(k)]
    if missing:
        raise ConfigError("SMS_PROVIDER=twilio needs " + ", ".join(missing))
    if not environ.get("TWILIO_FROM") and not environ.get("TWILIO_MESSAGING_SID"):
        raise ConfigError("SMS_PROVIDER=twilio needs TWILIO_FROM or TWILIO_MESSAGING_SID")
    return TwilioSettings(
        account_sid=environ["TWILIO_ACCOUNT_SID"],
        auth_token=environ["TWILIO_AUTH_TOKEN"],
        from_number=environ.get("TWILIO_FROM") or None,
        messaging_service_sid=environ.get("TWILIO_MESSAGING_SID") or None,
        public_url=environ.get("PUBLIC_URL", "").rstrip("/"),
        api_base_url=environ.get("TWILIO_API_URL") or None,
    )


def _urls(value: str | None) -> tuple[str, ...]:
    return tuple(u.strip() for u in (value or "").split(",") if u.strip())


def _ice_from_env(environ: dict[str, str]) -> IceSettings:
    ice = IceSettings(
        stun_urls=_urls(environ.get("STUN_URLS")),
        turn_urls=_urls(environ.get("TURN_URLS")),
        turn_secret=environ.get("TURN_SECRET", ""),
        turn_ttl_seconds=int(environ.get("TURN_TTL_SECONDS") or 6 * 3600),
        transport_policy=environ.get("ICE_TRANSPORT_POLICY", "all"),
    )
    if ice.problems():
        raise ConfigError("; ".join(ice.problems()))
    return ice


def from_env(env: str | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings; ``env`` overrides APP_ENV (the CLI passes "demo" or "production")."""
    environ = dict(os.environ if environ is None else environ)
    env = env or environ.get("APP_ENV", "production")
    demo = env == "demo"
    database_url = environ.get("DATABASE_URL") or (f"sqlite:///{DEMO_DATABASE}" if demo else "")
    if not database_url:
        raise ConfigError("DATABASE_URL must be set (for example postgresql+psycopg://…)")
    secret = environ.get("SECRET_KEY") or (secrets.token_hex(32) if demo else "")
    port = environ.get("PORT", "5000")
    settings = Settings(
        ice=_ice_from_env(environ),
        caller_id=environ.get("MUNICIPALITY_PHONE") or environ.get("TWILIO_FROM") or None,
        env=env,
        database_url=database_url,
        secret_key=secret,
        timezone=environ.get("TIMEZONE", "Europe/Stockholm"),
        public_url=environ.get("PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        twilio=_twilio_from_env(environ),
        demo_skip_totp=_flag(environ.get("DEMO_SKIP_TOTP"), default=demo),
        scheduler=_flag(environ.get("SCHEDULER"), default=True),
        socketio_message_queue=environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        max_sockets=int(environ.get("MAX_SOCKETS") or 3000),
        cookie_secure=_flag(environ.get("COOKIE_SECURE"), default=not demo),
        red_coordinator_minutes=int(environ.get("RED_COORDINATOR_MINUTES") or 15),
        red_escalation_minutes=int(environ.get("RED_ESCALATION_MINUTES") or 60),
        sms_in_flight=int(environ.get("SMS_IN_FLIGHT") or 32),
    )
    settings.check()
    return settings
