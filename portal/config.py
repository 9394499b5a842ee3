"""One settings object, read from environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from models.sealed import check_key, derive_key
from reminders.providers import TwilioSettings
from video.ice import IceSettings

from .booking.rules import DEFAULT_RULES, BookingRules
from .envvars import (
    ConfigError,
    Environ,
    database_url_from_env,
    env_float,
    env_int,
    env_secret,
    env_switch,
    flag,
    totp_keys_from_env,
)
from .lightsupport.scope import Scope
from .matching.weights import Weights

ROOT = Path(__file__).resolve().parent.parent
DEMO_DATABASE = ROOT / "var" / "demo.db"


@dataclass(frozen=True)
class RateLimits:
    """Flask-Limiter limits (``portal.limits``), each "N per period" joined by ";"."""

    #: SMS a single address may cause (sign-in codes, new codes, first contact) …
    sms_per_address: str = "6 per 10 minutes;30 per day"
    #: … and a single number may get from one place (its holder's own device, or elsewhere).
    sms_per_number: str = "10 per day"
    #: Codes typed from one address (the per-number tries are ``portal.auth.codes``).
    code_checks_per_address: str = "20 per 10 minutes;100 per day"
    #: Staff passwords tried from one address (the per-account limit is ``portal.auth.staff``).
    passwords_per_address: str = "20 per 10 minutes;100 per day"
    #: "Ring mig" presses, per address and per client.
    call_me: str = "5 per hour"


def _limits_from_env(environ: Environ) -> RateLimits:
    from limits import parse_many

    given = {}
    for name, default in vars(RateLimits()).items():
        value = (environ.get(f"LIMIT_{name.upper()}") or "").strip() or default
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(
                f"LIMIT_{name.upper()} must read like '6 per 10 minutes;30 per day', not {value!r}"
            ) from None
        given[name] = value
    return RateLimits(**given)


#: What a client may be told of who read their record (``Settings.readers_shown``).
READERS_SHOWN = ("roles", "names")


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
    #: Reverse proxies in front whose X-Forwarded-* headers are believed (0: believe none).
    trusted_proxies: int = 0
    #: Socket.IO connections one process holds; past it new ones are refused (portal.server).
    max_sockets: int = 3000
    cookie_secure: bool = True
    #: Languages offered; the first is the default.
    languages: tuple[str, ...] = ("sv", "en", "ar")
    #: The red check-in ladder: the coordinator on duty is alerted when no worker has taken
    #: a red answer on within this many minutes, the caseworker when nobody has within the next.
    red_coordinator_minutes: int = 15
    red_escalation_minutes: int = 60
    #: A staff session unused this long is ended; the next page asks to sign in again.
    staff_idle_minutes: int = 30
    #: STUN/TURN for video calls; TURN credentials are minted per participant.
    ice: IceSettings = field(default_factory=IceSettings)
    #: The municipality's number that bridged calls show (defaults to TWILIO_FROM).
    caller_id: str | None = None
    #: The bearer token Prometheus sends for /metrics; without one /metrics answers 404.
    metrics_token: str | None = None
    #: Where errors are reported (Sentry protocol, which GlitchTip speaks too); None = off.
    sentry_dsn: str | None = None
    #: Flask-Limiter's storage: Redis when several processes serve, so that they count together.
    ratelimit_storage_uri: str = "memory://"
    #: None only where a benchmark measures the app without Flask-Limiter (no setting reads it).
    limits: RateLimits | None = field(default_factory=RateLimits)
    #: SMS that people ask for (sign-in codes) sent per rolling hour, all senders together; past
    #: it they wait in the outbox and staff get a task (``reminders.budget``). 0: no budget.
    sms_budget_per_hour: int = 2000
    #: What a client may ask for as light support before the caseworker assesses it.
    light_support: Scope = field(default_factory=Scope)
    #: Gallring: a closed client's records are cleared this many years after the last entry
    #: about them (SoL 12 kap. 2 §: five years after the last entry in the file).
    retention_years: int = 5
    #: Keep, never clear, the records of people born on the 5th, 15th or 25th of a month: the
    #: exception Swedish rules make so that a sample is kept for research (socialtjänst-
    #: förordningen 7 kap. 1 §; a municipality outside the sample turns it off).
    retention_keep_research_sample: bool = True
    #: Audit events are deleted this many years after they were written. Ten, longer than the
    #: records they guard: a misuse of a record (a staff member reading what they should not)
    #: is often found only when the person asks who has read about them, which they may do as
    #: long as the record exists; the log must outlive the record plus the time a complaint to
    #: IVO or JO takes. Cleared clients' events no longer name them (the link is set to NULL).
    audit_retention_years: int = 10
    #: What "Vem har läst om mig?" tells a client of each reader: "roles" (the default) or
    #: "names" too, as the municipality decides.
    readers_shown: str = "roles"
    #: Minutes a worker needs around a visit in a client's home to travel from and to the
    #: next visit (``booking.freetime.visit_busy``); 0: none. A whole number, 0 to 120.
    travel_buffer_minutes: int = 0
    #: How much each part of a worker's matching score weighs (``MATCH_WEIGHT_*``).
    match_weights: Weights = field(default_factory=Weights)
    #: Fernet keys that seal staff TOTP secrets (``models.sealed``): the first seals, all open.
    #: Empty: one key derived from SECRET_KEY (then changing SECRET_KEY needs TOTP_KEYS set to
    #: the old derived key after the new one; see docs).
    totp_keys: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def booking_rules(self) -> BookingRules:
        """The booking rules with what the municipality set (``app.config["BOOKING_RULES"]``)."""
        return replace(DEFAULT_RULES, travel_buffer=timedelta(minutes=self.travel_buffer_minutes))

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sealing_keys(self) -> tuple[str, ...]:
        """The keys ``models.sealed`` is given: TOTP_KEYS, or one derived from SECRET_KEY."""
        return self.totp_keys or (derive_key(self.secret_key),)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    def check(self) -> None:
        """Refuse to start with a missing production secret or an unsafe demo setting."""
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:
            raise ConfigError(f"TIMEZONE {self.timezone!r} is not a known time zone") from exc
        if not 1 <= self.sms_in_flight <= 500:
            raise ConfigError("SMS_IN_FLIGHT must be between 1 and 500")
        if not 1 <= self.staff_idle_minutes <= 24 * 60:
            raise ConfigError("STAFF_IDLE_MINUTES must be between 1 and 1440")
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("TRUSTED_PROXIES must be the number of proxies in front, 0 to 5")
        if not 0 <= self.travel_buffer_minutes <= 120:
            raise ConfigError("TRAVEL_BUFFER_MINUTES must be a whole number of minutes, 0 to 120")
        if not 1 <= self.retention_years <= 100:
            raise ConfigError("RETENTION_YEARS must be a number of years, 1 to 100")
        if not 1 <= self.audit_retention_years <= 100:
            raise ConfigError("AUDIT_RETENTION_YEARS must be a number of years, 1 to 100")
        if self.match_weights.problems():
            raise ConfigError("; ".join(self.match_weights.problems()))
        if self.sms_budget_per_hour < 0:
            raise ConfigError("SMS_BUDGET_PER_HOUR must be 0 (no budget) or more")
        if self.light_support.problems():
            raise ConfigError("; ".join(self.light_support.problems()))
        if self.readers_shown not in READERS_SHOWN:
            raise ConfigError("READERS_SHOWN must be 'roles' or 'names'")
        if not self.ratelimit_storage_uri.startswith(("memory://", "redis://", "rediss://")):
            raise ConfigError("RATELIMIT_STORAGE_URI must be memory:// or a redis:// URL")
        for number, key in enumerate(self.totp_keys, 1):
            try:
                check_key(key)
            except ValueError:
                # Not repeated: it is a secret.
                raise ConfigError(
                    f"TOTP_KEYS: key {number} is not a Fernet key (32 url-safe base64 bytes)"
                ) from None
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigError("METRICS_TOKEN must be at least 16 random characters")
        if self.sentry_dsn:
            from sentry_sdk.utils import BadDsn, Dsn

            try:
                Dsn(self.sentry_dsn)
            except BadDsn:
                # Not repeated: a DSN holds the project's key.
                raise ConfigError("SENTRY_DSN is not a DSN (https://key@host/project)") from None
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


def _twilio_from_env(environ: Environ) -> TwilioSettings | None:
    provider = environ.get("SMS_PROVIDER", "dev").lower()
    if provider == "dev":
        return None
    if provider != "twilio":
        raise ConfigError(f"SMS_PROVIDER must be 'dev' or 'twilio', not {provider!r}")
    auth_token = env_secret(environ, "TWILIO_AUTH_TOKEN")
    given = {
        "TWILIO_ACCOUNT_SID": environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": auth_token,
    }
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ConfigError("SMS_PROVIDER=twilio needs " + ", ".join(missing))
    if not environ.get("TWILIO_FROM") and not environ.get("TWILIO_MESSAGING_SID"):
        raise ConfigError("SMS_PROVIDER=twilio needs TWILIO_FROM or TWILIO_MESSAGING_SID")
    return TwilioSettings(
        account_sid=environ["TWILIO_ACCOUNT_SID"],
        auth_token=auth_token,
        from_number=environ.get("TWILIO_FROM") or None,
        messaging_service_sid=environ.get("TWILIO_MESSAGING_SID") or None,
        public_url=environ.get("PUBLIC_URL", "").rstrip("/"),
        api_base_url=environ.get("TWILIO_API_URL") or None,
    )


def _urls(value: str | None) -> tuple[str, ...]:
    return tuple(u.strip() for u in (value or "").split(",") if u.strip())


def _ice_from_env(environ: Environ) -> IceSettings:
    ice = IceSettings(
        stun_urls=_urls(environ.get("STUN_URLS")),
        turn_urls=_urls(environ.get("TURN_URLS")),
        turn_secret=env_secret(environ, "TURN_SECRET"),
        turn_ttl_seconds=env_int(environ, "TURN_TTL_SECONDS", 6 * 3600),
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
    if demo and not env_secret(environ, "DATABASE_URL"):
        database_url = f"sqlite:///{DEMO_DATABASE}"
    else:
        database_url = database_url_from_env(environ)
    secret = env_secret(environ, "SECRET_KEY") or (secrets.token_hex(32) if demo else "")
    port = env_int(environ, "PORT", 5000)
    public_url = environ.get("PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_URL must be an https:// address, not {public_url!r}")
    queue = environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    settings = Settings(
        # The Redis that already carries Socket.IO between processes counts for them all.
        ratelimit_storage_uri=env_secret(environ, "RATELIMIT_STORAGE_URI")
        or (queue if queue and queue.startswith("redis") else "memory://"),
        limits=_limits_from_env(environ),
        sms_budget_per_hour=env_int(environ, "SMS_BUDGET_PER_HOUR", 2000),
        light_support=Scope(
            per_month=env_int(environ, "LIGHT_SUPPORT_PER_MONTH", Scope.per_month),
            minutes_each=env_int(environ, "LIGHT_SUPPORT_MINUTES_EACH", Scope.minutes_each),
            consecutive_weeks=env_int(environ, "LIGHT_SUPPORT_WEEKS", Scope.consecutive_weeks),
        ),
        retention_years=env_int(environ, "RETENTION_YEARS", 5),
        retention_keep_research_sample=env_switch(environ, "RETENTION_KEEP_BORN_5_15_25", True),
        audit_retention_years=env_int(environ, "AUDIT_RETENTION_YEARS", 10),
        ice=_ice_from_env(environ),
        caller_id=environ.get("MUNICIPALITY_PHONE") or environ.get("TWILIO_FROM") or None,
        env=env,
        database_url=database_url,
        secret_key=secret,
        timezone=environ.get("TIMEZONE", "Europe/Stockholm"),
        public_url=public_url,
        twilio=_twilio_from_env(environ),
        demo_skip_totp=flag(environ.get("DEMO_SKIP_TOTP"), default=demo),
        scheduler=flag(environ.get("SCHEDULER"), default=True),
        socketio_message_queue=queue,
        trusted_proxies=env_int(environ, "TRUSTED_PROXIES", 0),
        max_sockets=env_int(environ, "MAX_SOCKETS", 3000),
        cookie_secure=flag(environ.get("COOKIE_SECURE"), default=not demo),
        red_coordinator_minutes=env_int(environ, "RED_COORDINATOR_MINUTES", 15),
        red_escalation_minutes=env_int(environ, "RED_ESCALATION_MINUTES", 60),
        staff_idle_minutes=env_int(environ, "STAFF_IDLE_MINUTES", 30),
        sms_in_flight=env_int(environ, "SMS_IN_FLIGHT", 32),
        metrics_token=env_secret(environ, "METRICS_TOKEN") or None,
        sentry_dsn=env_secret(environ, "SENTRY_DSN") or None,
        readers_shown=(environ.get("READERS_SHOWN") or "roles").strip().lower(),
        match_weights=_weights_from_env(environ),
        # The demo shows the travel between homes in its times (its tests pass with it).
        travel_buffer_minutes=env_int(environ, "TRAVEL_BUFFER_MINUTES", 10 if demo else 0),
        totp_keys=totp_keys_from_env(environ),
    )
    settings.check()
    return settings


def _weights_from_env(environ: Environ) -> Weights:
    """``MATCH_WEIGHT_CONTINUITY``, ``…_NEEDS``, ``…_SPEED_KMH`` …; the defaults otherwise."""
    names = [f.name for f in fields(Weights)]
    default = Weights()
    return Weights(
        **{n: env_float(environ, f"MATCH_WEIGHT_{n.upper()}", getattr(default, n)) for n in names}
    )
