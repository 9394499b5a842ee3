"""Each row of an import becomes a change, through the rules the console uses.

A row is matched on its natural key (personnummer for clients, username for staff, client and
start day for decisions, client and worker for contact workers), so a second run finds nothing to
do. Every refusal says why in the words of the row; nothing of a refused row is written. Every
row created or changed is audited (``access.audit_change``, no staff: the system acts).

This module holds what every kind shares, and the staff and client rows; ``care`` the
decisions and contact workers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Area, Client, Role, Staff, StaffRole, Unit

from .. import personnummer
from ..access import audit_change
from ..auth.staff import create_staff, hash_password
from ..booking.planning import set_weekly_hours
from ..errors import DomainError
from ..people.registry import placement
from ..phones import InvalidPhone, normalise
from .files import Row
from .hours import BadHours, weekly_hours

LANGUAGES = ("sv", "en", "ar")
YES, NO = ("ja", "yes", "1", "x", "true"), ("nej", "no", "0", "", "false")


class Refused(Exception):
    """This row cannot be imported; the message says why."""


@dataclass
class Outcome:
    file: str
    line: int
    #: "create", "change", "unchanged" or "refused".
    action: str
    text: str


@dataclass
class Context:
    session: Session
    now: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    #: Client id -> (line, username) of the contact worker named primary in this run.
    primaries: dict[int, tuple[int, str]] = field(default_factory=dict)
    _password_hash: str | None = None
    _units: dict[str, Unit] = field(default_factory=dict)

    @property
    def locked_password(self) -> str:
        """A hash of a random secret nobody knows: an imported account cannot sign in until an
        admin gives it a password. Hashed once per run: each argon2 hash takes half a second."""
        if self._password_hash is None:
            self._password_hash = hash_password(secrets.token_urlsafe(32))
        return self._password_hash

    def unit(self, name: str) -> Unit | None:
        if not name:
            return None
        if name not in self._units:
            unit = self.session.scalar(select(Unit).where(Unit.name == name))
            if unit is None:
                unit = Unit(name=name)
                self.session.add(unit)
                self.session.flush()
                self.audit(None, "unit", f"unit {unit.id} created by import")
            self._units[name] = unit
        return self._units[name]

    def audit(self, client_id: int | None, subject: str, detail: str) -> None:
        audit_change(self.session, None, client_id, subject, detail, self.now)


def each(ctx: Context, file: str, rows: list[Row], apply: Callable[[Context, Row], tuple]) -> None:
    """Apply every row in a savepoint, so a refused row leaves nothing behind."""
    for row in rows:
        try:
            if "__extra__" in row.cells:
                raise Refused("more cells than the header has columns (a cell holding the "
                              "delimiter must be in quotes)")  # fmt: skip
            with ctx.session.begin_nested():
                action, text = apply(ctx, row)
        except Refused as exc:
            ctx.outcomes.append(Outcome(file, row.line, "refused", str(exc)))
        except DomainError as exc:
            ctx.outcomes.append(Outcome(file, row.line, "refused", str(exc.message)))
        else:
            ctx.outcomes.append(Outcome(file, row.line, action, text))


def needed(row: Row, column: str) -> str:
    value = row.cells.get(column, "")
    if not value:
        raise Refused(f"{column} is empty")
    return value


def yes(value: str, column: str) -> bool:
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise Refused(f"{column} must be ja or nej, not {value!r}")


def _phone(value: str, column: str = "phone") -> str:
    try:
        return normalise(value)
    except InvalidPhone:
        raise Refused(f"{column} {value!r} is not a mobile number") from None


def _personal_number(row: Row) -> str:
    typed = needed(row, "personal_number")
    try:
        return personnummer.normalise(typed)
    except personnummer.InvalidPersonalNumber:
        raise Refused(f"personal_number {typed!r} is not a valid personnummer or "
                      "samordningsnummer") from None  # fmt: skip


def client_of(ctx: Context, row: Row) -> Client:
    number = _personal_number(row)
    client = ctx.session.scalar(select(Client).where(Client.personal_number == number))
    if client is None:
        raise Refused(f"no client with personal_number {personnummer.masked(number)}")
    return client


def staff_named(ctx: Context, username: str, role: Role | None = None) -> Staff:
    staff = ctx.session.scalar(select(Staff).where(Staff.username == username.lower()))
    if staff is None:
        raise Refused(f"no staff member {username!r}")
    if role is not None and not staff.has_role(role):
        raise Refused(f"{username!r} is not a {role.value}")
    return staff


def _changes(target: object, wanted: dict[str, object]) -> list[str]:
    """Set what differs; return the names of what changed."""
    changed = []
    for name, value in wanted.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed


STAFF_COLUMNS = ("username", "first_name", "last_name", "roles")
STAFF_OPTIONAL = ("unit", "phone", "hours")


def _hours(row: Row, roles: set[Role]) -> list[tuple[int, time, time]] | None:
    """The weekly hours the row names; None when the cell is empty or the column missing."""
    cell = row.cells.get("hours", "")
    if not cell:
        return None
    if Role.WORKER not in roles:
        raise Refused("hours are a worker's: add worker to roles, or empty the hours cell")
    try:
        return weekly_hours(cell)
    except BadHours as exc:
        raise Refused(str(exc)) from None


def staff_row(ctx: Context, row: Row) -> tuple[str, str]:
    username = needed(row, "username").lower()
    try:
        roles = {Role(r.strip().lower()) for r in needed(row, "roles").split("|") if r.strip()}
    except ValueError:
        names = "|".join(r.value for r in Role)
        raise Refused(f"roles must be some of {names}, not {row.cells['roles']!r}") from None
    unit = ctx.unit(row.cells.get("unit", ""))
    wanted = {
        "first_name": needed(row, "first_name"),
        "last_name": needed(row, "last_name"),
        "phone": _phone(row.cells["phone"]) if row.cells.get("phone") else None,
        "unit_id": unit.id if unit else None,
    }
    staff = ctx.session.scalar(select(Staff).where(Staff.username == username))
    # Roles are only added, so the worker role may be the account's already.
    hours = _hours(row, roles | (staff.role_set if staff else set()))
    if staff is None:
        staff = create_staff(ctx.session, username, wanted["first_name"], wanted["last_name"],
                             "", sorted(roles, key=lambda r: r.value),
                             password_hash=ctx.locked_password, phone=wanted["phone"],
                             unit_id=wanted["unit_id"])  # fmt: skip
        ctx.audit(None, "staff.import", f"{username}: created by import")
        if hours:
            set_weekly_hours(ctx.session, staff, hours, None, ctx.now)
            return "create", f"staff {username} with weekly hours"
        return "create", f"staff {username}"
    changed = _changes(staff, wanted)
    # Roles are only added: an import never takes a right away (that is the admin's, by hand).
    for role in sorted(roles - staff.role_set, key=lambda r: r.value):
        staff.roles.append(StaffRole(role=role))
        changed.append(f"role {role.value}")
    ctx.session.flush()
    if changed:
        ctx.audit(None, "staff.import", f"{username}: changed by import: {', '.join(changed)}")
    # Audited on its own, as when a coordinator saves the hours on the worker's page.
    if hours and set_weekly_hours(ctx.session, staff, hours, None, ctx.now):
        changed.append("weekly hours")
    if not changed:
        return "unchanged", f"staff {username}"
    return "change", f"staff {username}: {', '.join(changed)}"


CLIENT_COLUMNS = ("personal_number", "first_name", "last_name", "phone")
CLIENT_OPTIONAL = ("language", "address", "unit", "area", "caseworker", "children_under_18")


def _area(row: Row, unit: Unit | None) -> Area | None:
    """The area the row names, one the admin keeps for the client's unit; None when empty."""
    name = row.cells.get("area", "")
    if not name:
        return None
    if unit is None:
        raise Refused(f"area {name!r} needs the client's unit, and the unit is empty")
    # Compared in Python: SQLite's lower() leaves Å, Ä and Ö as they are.
    area = next((a for a in unit.areas if a.name.casefold() == name.casefold()), None)
    if area is None:
        known = ", ".join(a.name for a in unit.areas) or "none yet"
        raise Refused(f"{unit.name} has no area {name!r} (its areas: {known}); an admin adds "
                      "areas to the unit in the console first")  # fmt: skip
    return area


def client_row(ctx: Context, row: Row) -> tuple[str, str]:
    number = _personal_number(row)
    language = (row.cells.get("language") or "sv").lower()
    if language not in LANGUAGES:
        raise Refused(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    caseworker = row.cells.get("caseworker")
    unit = ctx.unit(row.cells.get("unit", ""))
    wanted = {
        "first_name": needed(row, "first_name"),
        "last_name": needed(row, "last_name"),
        "phone": _phone(needed(row, "phone")),
        "language": language,
        "address": row.cells.get("address") or None,
        "unit_id": unit.id if unit else None,
        "caseworker_id": staff_named(ctx, caseworker, Role.CASEWORKER).id if caseworker else None,
        "has_children_under_18": yes(row.cells.get("children_under_18", ""),
                                      "children_under_18"),
        "birth_year": personnummer.birth_date(number).year,
    }  # fmt: skip
    # A file without the column leaves areas as they are (the admin may have placed clients).
    area = _area(row, unit) if "area" in row.cells else None
    if "area" in row.cells:
        wanted["area_id"], wanted["lat"], wanted["lon"] = placement(area, None)
    shown = personnummer.masked(number)
    where = f" in {area.name}" if area else ""
    client = ctx.session.scalar(select(Client).where(Client.personal_number == number))
    holder = ctx.session.scalar(select(Client).where(Client.phone == wanted["phone"]))
    if holder is not None and holder is not client:
        raise Refused(f"phone {row.cells['phone']!r} belongs to another client")
    if client is None:
        client = Client(personal_number=number, created_at=ctx.now, **wanted)
        ctx.session.add(client)
        ctx.session.flush()
        ctx.audit(client.id, "client.import", "created by import")
        return "create", f"client {shown}{where}"
    changed = _changes(client, wanted)
    ctx.session.flush()
    if "area_id" in changed or "lat" in changed or "lon" in changed:
        # One word for the three columns the area sets; the area's name is shown, not its place.
        changed = [c for c in changed if c not in ("area_id", "lat", "lon")] + ["area"]
    if not changed:
        return "unchanged", f"client {shown}"
    ctx.audit(client.id, "client.import", f"changed by import: {', '.join(changed)}")
    moved = f" (now{where})" if where and "area" in changed else ""
    return "change", f"client {shown}: {', '.join(changed)}{moved}"
