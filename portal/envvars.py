"""Reading one setting from the environment: numbers, switches, secrets (given inline or as a
file), the database URL and the log settings. ``portal.config`` builds the settings from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from models.sealed import derive_key


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app refuses to start."""


Environ = Mapping[str, str]


def env_int(environ: Environ, name: str, default: int) -> int:
    """Read a whole number; anything else refuses the start naming the setting."""
    value = (environ.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_float(environ: Environ, name: str, default: float) -> float:
    """Read a number (a decimal point is allowed); anything else refuses naming the setting."""
    value = (environ.get(name) or "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None


def env_secret(environ: Environ, name: str, default: str = "") -> str:
    """Read ``name`` from the environment, or from the file that ``name``_FILE points at.

    Files keep secrets out of ``ps`` and the unit file (systemd's LoadCredential, Docker
    secrets); one trailing newline, as editors leave it, is not part of the secret.
    """
    value, path = environ.get(name), environ.get(f"{name}_FILE")
    if value and path:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if not path:
        return value or default
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise ConfigError(f"{name}_FILE {path!r} cannot be read: {reason}") from None
    secret = text.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise ConfigError(f"{name}_FILE {path!r} is empty")
    return secret


def totp_keys_from_env(environ: Environ) -> tuple[str, ...]:
    """TOTP_KEYS (or TOTP_KEYS_FILE): Fernet keys separated by commas, the sealing one first."""
    return tuple(k.strip() for k in env_secret(environ, "TOTP_KEYS").split(",") if k.strip())


def sealing_keys_from_env(environ: Environ) -> tuple[str, ...]:
    """The keys for commands that read no other settings (``db upgrade``, the staff commands):
    TOTP_KEYS, else one derived from SECRET_KEY; empty when neither is set."""
    keys = totp_keys_from_env(environ)
    secret = env_secret(environ, "SECRET_KEY")
    return keys or ((derive_key(secret),) if secret else ())


def _database_url_checked(url: str) -> str:
    # The URL itself is never repeated: it usually holds the database password.
    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise ConfigError(
            "DATABASE_URL is not a database URL SQLAlchemy knows "
            "(for example postgresql+psycopg://user:password@host/name)"
        ) from None
    return url


def database_url_from_env(environ: Environ) -> str:
    """The DATABASE_URL (or DATABASE_URL_FILE) that commands without other settings need."""
    url = env_secret(environ, "DATABASE_URL")
    if not url:
        raise ConfigError("DATABASE_URL must be set (for example postgresql+psycopg://…)")
    return _database_url_checked(url)


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"
    #: One JSON object a line (for a log collector) instead of plain text.
    json: bool = False


def log_settings_from_env(environ: Environ) -> LogSettings:
    """LOG_LEVEL and LOG_FORMAT; read before any other setting, so every command logs alike."""
    level = (environ.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    form = (environ.get("LOG_FORMAT") or "text").strip().lower()
    if form not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', not {form!r}")
    return LogSettings(level=level, json=form == "json")


def env_switch(environ: Environ, name: str, default: bool) -> bool:
    """Read an on/off setting strictly: a typo refuses the start instead of meaning "off"."""
    value = (environ.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on", "ja"):
        return True
    if value in ("0", "false", "no", "off", "nej"):
        return False
    raise ConfigError(f"{name} must be on or off (1/0, yes/no), not {value!r}")


def flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")
