"""One-time enrolment links: a new member of staff (or one whose password or authenticator was
reset) opens the link, sets a password and scans the TOTP QR code.

The link is the only thing that lets someone set these, so it is a bearer token: shown once to
the admin who made it, stored only as its hash (``portal.tokens``), used once, expiring, and
replaced when a newer one is made for the same person.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import EnrolmentPurpose, Staff, StaffEnrolment

from ..access import audit_change
from ..auth.staff import MIN_PASSWORD, reset_password, totp_matches, totp_uri
from ..errors import DomainError
from ..tokens import token_hash

#: How long a link may wait to be opened: a weekend and a day.
VALID_FOR = timedelta(days=3)
MAX_TOKEN = 100
#: What each kind of link asks the person for.
ASKS_PASSWORD = {EnrolmentPurpose.NEW_ACCOUNT, EnrolmentPurpose.PASSWORD}
ASKS_CODE = {EnrolmentPurpose.NEW_ACCOUNT, EnrolmentPurpose.TOTP}


class LinkRefused(DomainError):
    status = 404


class EnrolmentRefused(DomainError):
    """What was typed cannot be used; the form is shown again with why."""


def issue(
    session: Session, staff: Staff, purpose: EnrolmentPurpose, by: Staff | None, now: datetime
) -> str:
    """Make a link for ``staff`` (closing any unused older one); return its token."""
    session.execute(
        update(StaffEnrolment)
        .where(StaffEnrolment.staff_id == staff.id, StaffEnrolment.closed_at.is_(None))
        .values(closed_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        StaffEnrolment(
            staff_id=staff.id,
            token_hash=token_hash(token),
            purpose=purpose,
            created_at=now,
            created_by_id=by.id if by else None,
            expires_at=now + VALID_FOR,
        )
    )
    session.flush()
    return token


def open_link(session: Session, token: str, now: datetime) -> StaffEnrolment:
    """The usable link behind ``token``; unknown, used, replaced and expired ones look alike."""
    link = None
    if token and len(token) <= MAX_TOKEN:
        link = session.scalar(
            select(StaffEnrolment)
            .options(joinedload(StaffEnrolment.staff))
            .where(StaffEnrolment.token_hash == token_hash(token))
        )
    if (
        link is None
        or link.closed_at is not None
        or link.expires_at <= now
        or not (link.staff.active)
    ):
        raise LinkRefused(
            _l("Länken fungerar inte. Den kan vara använd eller för gammal. Be om en ny länk.")
        )
    return link


def qr_svg(staff: Staff) -> str:
    """The authenticator's otpauth:// address as an inline SVG QR code (no script, no image
    request): what the person scans."""
    return segno.make(totp_uri(staff), error="m").svg_inline(scale=4, border=2)


def complete(
    session: Session, token: str, password: str, repeat: str, code: str, now: datetime
) -> Staff:
    """Set what the link asks for, checking all of it before anything is written; close it."""
    link = open_link(session, token, now)
    staff = link.staff
    if link.purpose in ASKS_PASSWORD:
        if len(password) < MIN_PASSWORD:
            raise EnrolmentRefused(
                _l("Lösenordet är för kort. Skriv minst %(n)s tecken.", n=MIN_PASSWORD)
            )
        if password != repeat:
            raise EnrolmentRefused(_l("Lösenorden är inte lika. Skriv samma lösenord två gånger."))
    if link.purpose in ASKS_CODE and not totp_matches(staff, code, now):
        raise EnrolmentRefused(
            _l("Koden stämmer inte. Skanna QR-koden och skriv koden som appen visar nu.")
        )
    if link.purpose in ASKS_PASSWORD:
        reset_password(session, staff, password, now)
    link.closed_at = now
    audit_change(
        session, staff.id, None, "staff.enrolment",
        f"{staff.username} used a {link.purpose.value} link", now,
    )  # fmt: skip
    return staff
