"""Columns kept encrypted at rest: a copy of the database (a backup, a stolen disk) shows no
staff member's TOTP secret, so it cannot mint sign-in codes.

``Sealed`` is a column type: Python code reads and writes plain text, the database holds a
Fernet token (AES-128-CBC with an HMAC, from the well-kept ``cryptography`` package). The keys
are the process's, given once at start-up by ``use_keys`` (the app factory, the CLI); the first
key seals, every key opens, so a key is rotated by putting the new one first and keeping the
old one until ``reseal`` has run. Without keys a sealed column refuses to be read or written,
loudly, rather than storing a secret in clear.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: Every Fernet token starts so (version byte 0x80, base64): how a migration tells sealed text.
TOKEN_PREFIX = "gAAAAA"

_keys: MultiFernet | None = None


class NoKeys(RuntimeError):
    """A sealed column was used before the process was given its keys."""


def derive_key(secret_key: str) -> str:
    """A Fernet key derived from the app's SECRET_KEY (HKDF-SHA256, its own purpose label), for
    installations that configure no separate TOTP_KEYS."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"boendestod totp secrets"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw).decode()


def check_key(key: str) -> None:
    """Raise ValueError unless ``key`` is a Fernet key (32 url-safe base64-encoded bytes)."""
    Fernet(key.encode())


def use_keys(keys: Sequence[str]) -> None:
    """Give this process its keys; the first seals, all open."""
    global _keys
    if not keys:
        raise ValueError("at least one key is needed")
    _keys = MultiFernet([Fernet(k.encode()) for k in keys])


def has_keys() -> bool:
    return _keys is not None


def _box() -> MultiFernet:
    if _keys is None:
        raise NoKeys("sealed columns need keys: set SECRET_KEY or TOTP_KEYS")
    return _keys


def seal(text: str) -> str:
    return _box().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The plain text of a sealed value; a token no key opens is an error, never a guess."""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise NoKeys("a sealed value opens with none of the configured keys") from None


def reseal(token: str) -> str:
    """The same plain text sealed again with the first key (after a rotation)."""
    return _box().rotate(token.encode()).decode()


class Sealed(TypeDecorator[str]):
    """A string column stored sealed. ``length`` is the stored token's: about 4/3 × (plain
    length rounded up to 16, + 57) characters."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else unseal(value)
