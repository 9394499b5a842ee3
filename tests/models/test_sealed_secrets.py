"""TOTP secrets are sealed at rest: the database holds a Fernet token, the code reads the
secret; 0019 seals the secrets already stored; keys are checked at start-up and rotate."""

from __future__ import annotations

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import MetaData, Table, create_engine, insert, select, text

from models import Database, Staff, sealed, utcnow
from models.migrate import upgrade
from portal.config import ConfigError, from_env
from tests.conftest import TEST_SEALING_KEYS
from tests.factories import make_staff

pytestmark = pytest.mark.db


def _stored(url: str, username: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT totp_secret FROM staff WHERE username = :u"), {"u": username}
        ).scalar_one()
    engine.dispose()
    return raw


def test_the_database_holds_a_token_and_the_code_reads_the_secret(db: Database) -> None:
    with db.transaction() as s:
        secret = make_staff(s, "anna").totp_secret
    raw = _stored(db.url, "anna")
    assert raw.startswith(sealed.TOKEN_PREFIX) and secret not in raw
    with db.transaction() as s:
        assert s.scalar(select(Staff.totp_secret)) == secret


def test_without_keys_a_sealed_column_refuses_rather_than_store_in_clear(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sealed, "_keys", None)
    with pytest.raises(Exception, match="need keys"), db.transaction() as s:
        make_staff(s, "anna")


def test_a_rotated_key_still_opens_what_the_old_one_sealed(db: Database) -> None:
    with db.transaction() as s:
        secret = make_staff(s, "anna").totp_secret
    new = Fernet.generate_key().decode()
    sealed.use_keys((new, *TEST_SEALING_KEYS))
    with db.transaction() as s:
        anna = s.scalar(select(Staff))
        assert anna.totp_secret == secret
        assert Fernet(new.encode()).decrypt(sealed.reseal(sealed.seal(secret)).encode())


def _staff_at_0017(url: str, secret: str) -> None:
    upgrade(url, "0017")
    engine = create_engine(url)
    staff = Table("staff", MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(
            insert(staff).values(
                username="olle", first_name="Olle", last_name="Ek", password_hash="x",
                totp_secret=secret, is_demo=False, active=True, skills=[], languages=[],
                failed_logins=0, created_at=utcnow(),
            )
        )  # fmt: skip
    engine.dispose()


def test_0019_seals_the_secrets_already_stored(empty_database_url: str) -> None:
    secret = pyotp.random_base32()
    _staff_at_0017(empty_database_url, secret)
    upgrade(empty_database_url)
    assert _stored(empty_database_url, "olle").startswith(sealed.TOKEN_PREFIX)
    database = Database(empty_database_url)
    with database.transaction() as s:
        assert s.scalar(select(Staff.totp_secret)) == secret
    database.dispose()


def test_0019_without_keys_refuses_and_says_which_setting(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staff_at_0017(empty_database_url, pyotp.random_base32())
    monkeypatch.setattr(sealed, "_keys", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        upgrade(empty_database_url)


def test_totp_keys_are_checked_at_start_up(tmp_path) -> None:
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "s" * 40}
    with pytest.raises(ConfigError, match="TOTP_KEYS: key 1 is not a Fernet key"):
        from_env("test", {**base, "TOTP_KEYS": "not-a-key"})
    key = Fernet.generate_key().decode()
    assert from_env("test", {**base, "TOTP_KEYS": f" {key} "}).sealing_keys == (key,)
    derived = from_env("test", base).sealing_keys
    assert derived == (sealed.derive_key("s" * 40),)


def test_reseal_totp_moves_every_secret_to_the_first_key(db: Database) -> None:
    from click.testing import CliRunner

    from portal.cli import main

    with db.transaction() as s:
        secret = make_staff(s, "anna").totp_secret
    new = Fernet.generate_key().decode()
    keys = ",".join((new, *TEST_SEALING_KEYS))
    result = CliRunner(env={"DATABASE_URL": db.url, "TOTP_KEYS": keys}).invoke(
        main, ["reseal-totp"]
    )
    assert result.exit_code == 0, result.output
    token = _stored(db.url, "anna")
    assert Fernet(new.encode()).decrypt(token.encode()).decode() == secret
