"""Staff sign-in: username, argon2 password and a TOTP code; resets that end every session."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Role, SessionEnd, Staff, StaffRole

from ..errors import DomainError
from .staff_sessions import end_all

hasher = PasswordHasher()
MAX_FAILURES = 10
MIN_PASSWORD = 12
LOCK_FOR = timedelta(minutes=15)
# Spent on unknown usernames too, so timing does not tell which names exist.
_DUMMY_HASH = hasher.hash("not a password")


class StaffLoginRefused(DomainError):
    pass


def hash_password(password: str) -> str:
    return hasher.hash(password)


def check_password(staff_hash: str, password: str) -> bool:
    try:
        return hasher.verify(staff_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session,
    username: str,
    password: str,
    totp: str,
    now: datetime,
    demo_skip_totp: bool,
) -> Staff:
    """Return the staff member whose password and TOTP code match, or refuse."""
    refused = StaffLoginRefused(_l("Fel användarnamn, lösenord eller kod."), 401)
    staff = session.scalar(
        select(Staff).where(Staff.username == username.strip().lower(), Staff.active)
    )
    if staff is None:
        check_password(_DUMMY_HASH, password)
        raise refused
    if staff.locked_until and staff.locked_until > now:
        raise StaffLoginRefused(_l("För många försök. Vänta 15 minuter och försök igen."), 429)
    ok = check_password(staff.password_hash, password)
    if ok and not (demo_skip_totp and staff.is_demo):
        ok = totp_matches(staff, totp, now)
    if not ok:
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILURES:
            staff.locked_until = now + LOCK_FOR
            staff.failed_logins = 0
        session.flush()
        raise refused
    staff.failed_logins = 0
    staff.locked_until = None
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hasher.hash(password)
    session.flush()
    return staff


def totp_matches(staff: Staff, code: str, now: datetime) -> bool:
    """Is ``code`` the person's authenticator code now (or one step either side, for clocks)?"""
    return staff.totp_secret is not None and pyotp.TOTP(staff.totp_secret).verify(
        code.strip(), for_time=now, valid_window=1
    )


def create_staff(
    session: Session,
    username: str,
    first_name: str,
    last_name: str,
    password: str,
    roles: list[Role],
    *,
    with_totp: bool = True,
    is_demo: bool = False,
    password_hash: str | None = None,
    **extra: object,
) -> Staff:
    """Add a member of staff; returns it with a fresh TOTP secret unless told otherwise.

    ``password_hash`` is ``password`` hashed already: the demo hashes its one password once, as
    each hash takes half a second by design.
    """
    username = username.strip().lower()
    if session.scalar(select(Staff.id).where(Staff.username == username)):
        raise DomainError(f"username {username!r} is taken")
    if not roles:
        raise DomainError("a member of staff needs at least one role")
    staff = Staff(
        username=username,
        first_name=first_name,
        last_name=last_name,
        password_hash=password_hash or hash_password(password),
        totp_secret=pyotp.random_base32() if with_totp else None,
        is_demo=is_demo,
        **extra,
    )
    staff.roles = [StaffRole(role=r) for r in roles]
    session.add(staff)
    session.flush()
    return staff


def totp_uri(staff: Staff, issuer: str = "Boendestöd") -> str:
    """The otpauth:// address an authenticator app scans."""
    assert staff.totp_secret
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.username, issuer_name=issuer)


def staff_by_username(session: Session, username: str) -> Staff:
    """The member of staff with this username (active or not), or a DomainError."""
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    if staff is None:
        raise DomainError(f"no member of staff is called {username!r}")
    return staff


def reset_password(session: Session, staff: Staff, password: str, now: datetime) -> int:
    """Set a new password and end every open session; return how many were ended.

    Whoever knew the old password (or held a session it opened) is out at once; the lock from
    earlier failures goes too, so the person can sign in with the new one straight away.
    """
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"the password must be at least {MIN_PASSWORD} characters")
    staff.password_hash = hash_password(password)
    staff.failed_logins, staff.locked_until = 0, None
    return end_all(session, staff.id, now, SessionEnd.PASSWORD_RESET)


def reset_totp(session: Session, staff: Staff, now: datetime) -> int:
    """Give a fresh TOTP secret (a lost phone) and end every open session; return how many."""
    staff.totp_secret = pyotp.random_base32()
    return end_all(session, staff.id, now, SessionEnd.TOTP_RESET)


class LastAdmin(DomainError):
    """The change would leave no active admin to manage the accounts."""


def _keep_an_admin(session: Session, staff: Staff, roles: set[Role], active: bool) -> None:
    """Refuse a change that takes the last active admin's admin role or account away."""
    if not (staff.active and Role.ADMIN in staff.role_set) or (active and Role.ADMIN in roles):
        return
    others = session.scalar(
        select(func.count(Staff.id))
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role == Role.ADMIN, Staff.active, Staff.id != staff.id)
    )
    if not others:
        raise LastAdmin(
            _l("%(name)s är den sista aktiva administratören. Ge någon annan rollen först.",
               name=staff.full_name),
            409,
        )  # fmt: skip


def set_roles(session: Session, staff: Staff, roles: set[Role]) -> None:
    """Give a member of staff exactly these roles (at least one; never the last admin's away)."""
    if not roles:
        raise DomainError(_l("Välj minst en roll."))
    _keep_an_admin(session, staff, roles, staff.active)
    kept = [r for r in staff.roles if r.role in roles]
    staff.roles = kept + [StaffRole(role=r) for r in roles - {r.role for r in kept}]
    session.flush()


def set_active(session: Session, staff: Staff, active: bool, now: datetime) -> int:
    """Switch an account on or off; off ends every open session. Return how many were ended.

    The last active admin stays on: someone must be able to switch accounts back on."""
    _keep_an_admin(session, staff, staff.role_set, active)
    staff.active = active
    if active:
        session.flush()
        return 0
    return end_all(session, staff.id, now, SessionEnd.SWITCHED_OFF)
