"""The admin's account work: each change goes through the same functions as the CLI's
(``portal.auth.staff``), adds what the console needs (a link instead of a typed password, the
unit) and is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import EnrolmentPurpose, Gender, Role, Staff, StaffSession, Unit

from ..access import audit_change, staff_scope
from ..auth.staff import create_staff, reset_password, reset_totp, set_active, set_roles
from ..errors import DomainError
from ..phones import InvalidPhone, normalise
from . import enrolment


class AccountRefused(DomainError):
    """The form cannot be saved as typed; it is shown again with why."""


@dataclass(frozen=True)
class NewAccount:
    username: str
    first_name: str
    last_name: str
    roles: set[Role]
    unit_id: int | None
    phone: str = ""
    gender: Gender | None = None


def accounts(session: Session, admin: Staff) -> list[Staff]:
    """The accounts ``admin`` manages, by name, switched-off ones too."""
    return list(
        session.scalars(
            select(Staff).where(staff_scope(admin)).order_by(Staff.first_name, Staff.last_name)
        )
    )


def account(session: Session, admin: Staff, staff_id: int) -> Staff:
    """One account ``admin`` manages; another unit's looks as if it did not exist."""
    staff = session.scalar(select(Staff).where(Staff.id == staff_id, staff_scope(admin)))
    if staff is None:
        raise DomainError(_l("Det kontot finns inte."), 404)
    return staff


def units_for(session: Session, admin: Staff) -> list[Unit]:
    """The units ``admin`` may place an account in: their own, or any when they have none."""
    query = select(Unit).order_by(Unit.name)
    if admin.unit_id is not None:
        query = query.where(Unit.id == admin.unit_id)
    return list(session.scalars(query))


def _unit(session: Session, admin: Staff, unit_id: int | None) -> int | None:
    if unit_id is None and admin.unit_id is None:
        return None
    if unit_id not in {u.id for u in units_for(session, admin)}:
        raise AccountRefused(_l("Välj en enhet i listan."))
    return unit_id


def open_sessions(session: Session, staff_id: int) -> int:
    return session.scalar(
        select(func.count(StaffSession.id)).where(
            StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None)
        )
    )


def _audit(session: Session, admin: Staff, staff: Staff, what: str, now: datetime) -> None:
    audit_change(session, admin.id, None, "staff.account", f"{staff.username}: {what}", now)


def create(session: Session, admin: Staff, new: NewAccount, now: datetime) -> tuple[Staff, str]:
    """Create the account and its enrolment link; return the account and the link's token.

    The account has no password anyone knows until the link is used."""
    username = new.username.strip().lower()
    if session.scalar(select(Staff.id).where(Staff.username == username)):
        raise AccountRefused(
            _l("Användarnamnet %(name)s finns redan. Välj ett annat.", name=username)
        )
    if not new.roles:
        raise AccountRefused(_l("Välj minst en roll."))
    try:
        phone = normalise(new.phone) if new.phone.strip() else None
    except InvalidPhone:
        raise AccountRefused(_l("Telefonnumret är inte ett mobilnummer.")) from None
    staff = create_staff(
        session,
        username,
        new.first_name.strip(),
        new.last_name.strip(),
        secrets.token_urlsafe(32),
        sorted(new.roles, key=lambda r: r.value),
        unit_id=_unit(session, admin, new.unit_id),
        phone=phone,
    )
    staff.gender = new.gender.value if new.gender else None
    token = enrolment.issue(session, staff, EnrolmentPurpose.NEW_ACCOUNT, admin, now)
    roles = ", ".join(sorted(r.value for r in new.roles))
    _audit(session, admin, staff, f"created ({roles}, unit {staff.unit_id})", now)
    return staff, token


def change_roles(
    session: Session, admin: Staff, staff: Staff, roles: set[Role], unit_id: int | None,
    now: datetime, gender: Gender | None = None,
) -> None:  # fmt: skip
    """Set the account's roles, unit and gender (None: not recorded)."""
    unit = _unit(session, admin, unit_id)
    set_roles(session, staff, roles)
    staff.unit_id = unit
    staff.gender = gender.value if gender else None
    _audit(session, admin, staff, f"roles {', '.join(sorted(r.value for r in roles))}, "
           f"unit {unit}, gender {staff.gender}", now)  # fmt: skip


def switch(session: Session, admin: Staff, staff: Staff, on: bool, now: datetime) -> int:
    """Switch the account on or off (off: every session ends); return how many ended."""
    ended = set_active(session, staff, on, now)
    _audit(session, admin, staff, "switched on" if on else f"switched off, {ended} sessions", now)
    return ended


def new_password_link(session: Session, admin: Staff, staff: Staff, now: datetime) -> str:
    """The old password stops working and every session ends; the person sets a new one."""
    ended = reset_password(session, staff, secrets.token_urlsafe(32), now)
    _audit(session, admin, staff, f"password reset, {ended} sessions", now)
    return enrolment.issue(session, staff, EnrolmentPurpose.PASSWORD, admin, now)


def new_totp_link(session: Session, admin: Staff, staff: Staff, now: datetime) -> str:
    """A fresh authenticator secret (a lost phone); every session ends."""
    ended = reset_totp(session, staff, now)
    _audit(session, admin, staff, f"authenticator reset, {ended} sessions", now)
    return enrolment.issue(session, staff, EnrolmentPurpose.TOTP, admin, now)
