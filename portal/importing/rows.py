"""Each row of an import becomes a change, through the rules the console uses.

A row is matched on its natural key (personnummer for clients, username for staff, client and
start day for decisions, client and worker for contact workers), so a second run finds nothing to
do. Every refusal says why in the words of the row; nothing of a refused row is written.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Client,
    ClientWorker,
    Decision,
    GoalKind,
    GrantPeriod,
    Role,
    Staff,
    StaffRole,
    Unit,
)

from .. import personnummer
from ..access import audit_change
from ..auth.staff import create_staff, hash_password
from ..casework.decisions import DecisionRefused, GoalText, create_decision
from ..errors import DomainError
from ..phones import InvalidPhone, normalise
from .files import Row

LANGUAGES = ("sv", "en", "ar")
YES, NO = ("ja", "yes", "1", "x", "true"), ("nej", "no", "0", "", "false")
MAX_CONTACT_WORKERS = 3


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
            self._units[name] = unit
        return self._units[name]


def each(ctx: Context, file: str, rows: list[Row], apply: Callable[[Context, Row], tuple]) -> None:
    """Apply every row in a savepoint, so a refused row leaves nothing behind."""
    for row in rows:
        try:
            if "__extra__" in row.cells:
                raise Refused("more cells than the header has columns")
            with ctx.session.begin_nested():
                action, text = apply(ctx, row)
        except Refused as exc:
            ctx.outcomes.append(Outcome(file, row.line, "refused", str(exc)))
        except DomainError as exc:
            ctx.outcomes.append(Outcome(file, row.line, "refused", str(exc.message)))
        else:
            ctx.outcomes.append(Outcome(file, row.line, action, text))


def _needed(row: Row, column: str) -> str:
    value = row.cells.get(column, "")
    if not value:
        raise Refused(f"{column} is empty")
    return value


def _yes(value: str, column: str) -> bool:
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
    typed = _needed(row, "personal_number")
    try:
        return personnummer.normalise(typed)
    except personnummer.InvalidPersonalNumber:
        raise Refused(f"personal_number {typed!r} is not a valid personnummer or "
                      "samordningsnummer") from None  # fmt: skip


def _client(ctx: Context, row: Row) -> Client:
    number = _personal_number(row)
    client = ctx.session.scalar(select(Client).where(Client.personal_number == number))
    if client is None:
        raise Refused(f"no client with personal_number {personnummer.masked(number)}")
    return client


def _staff(ctx: Context, username: str, role: Role | None = None) -> Staff:
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
STAFF_OPTIONAL = ("unit", "phone")


def staff_row(ctx: Context, row: Row) -> tuple[str, str]:
    username = _needed(row, "username").lower()
    try:
        roles = {Role(r.strip().lower()) for r in _needed(row, "roles").split("|") if r.strip()}
    except ValueError:
        names = "|".join(r.value for r in Role)
        raise Refused(f"roles must be some of {names}, not {row.cells['roles']!r}") from None
    unit = ctx.unit(row.cells.get("unit", ""))
    wanted = {
        "first_name": _needed(row, "first_name"),
        "last_name": _needed(row, "last_name"),
        "phone": _phone(row.cells["phone"]) if row.cells.get("phone") else None,
        "unit_id": unit.id if unit else None,
    }
    staff = ctx.session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        create_staff(ctx.session, username, wanted["first_name"], wanted["last_name"], "",
                     sorted(roles, key=lambda r: r.value), password_hash=ctx.locked_password,
                     phone=wanted["phone"], unit_id=wanted["unit_id"])  # fmt: skip
        return "create", f"staff {username}"
    changed = _changes(staff, wanted)
    # Roles are only added: an import never takes a right away (that is the admin's, by hand).
    for role in sorted(roles - staff.role_set, key=lambda r: r.value):
        staff.roles.append(StaffRole(role=role))
        changed.append(f"role {role.value}")
    ctx.session.flush()
    if not changed:
        return "unchanged", f"staff {username}"
    return "change", f"staff {username}: {', '.join(changed)}"


CLIENT_COLUMNS = ("personal_number", "first_name", "last_name", "phone")
CLIENT_OPTIONAL = ("language", "address", "unit", "caseworker", "children_under_18")


def client_row(ctx: Context, row: Row) -> tuple[str, str]:
    number = _personal_number(row)
    language = (row.cells.get("language") or "sv").lower()
    if language not in LANGUAGES:
        raise Refused(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    caseworker = row.cells.get("caseworker")
    unit = ctx.unit(row.cells.get("unit", ""))
    wanted = {
        "first_name": _needed(row, "first_name"),
        "last_name": _needed(row, "last_name"),
        "phone": _phone(_needed(row, "phone")),
        "language": language,
        "address": row.cells.get("address") or None,
        "unit_id": unit.id if unit else None,
        "caseworker_id": _staff(ctx, caseworker, Role.CASEWORKER).id if caseworker else None,
        "has_children_under_18": _yes(row.cells.get("children_under_18", ""),
                                      "children_under_18"),
        "birth_year": personnummer.birth_date(number).year,
    }  # fmt: skip
    shown = personnummer.masked(number)
    client = ctx.session.scalar(select(Client).where(Client.personal_number == number))
    holder = ctx.session.scalar(select(Client).where(Client.phone == wanted["phone"]))
    if holder is not None and holder is not client:
        raise Refused(f"phone {row.cells['phone']!r} belongs to another client")
    if client is None:
        client = Client(personal_number=number, created_at=ctx.now, **wanted)
        ctx.session.add(client)
        ctx.session.flush()
        _audit(ctx, client, "created by import")
        return "create", f"client {shown}"
    changed = _changes(client, wanted)
    ctx.session.flush()
    if not changed:
        return "unchanged", f"client {shown}"
    _audit(ctx, client, f"changed by import: {', '.join(changed)}")
    return "change", f"client {shown}: {', '.join(changed)}"


def _audit(ctx: Context, client: Client, detail: str) -> None:
    audit_change(ctx.session, None, client.id, "client.import", detail, ctx.now)


DECISION_COLUMNS = ("personal_number", "starts_on", "ends_on", "minutes", "per", "caseworker")
DECISION_OPTIONAL = ("goal", "reason")
PERIODS = {"vecka": GrantPeriod.WEEK, "week": GrantPeriod.WEEK,
           "månad": GrantPeriod.MONTH, "month": GrantPeriod.MONTH}  # fmt: skip


def _day(row: Row, column: str) -> date:
    value = _needed(row, column)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{column} {value!r} is not a date like 2026-01-31") from None


def decision_row(ctx: Context, row: Row) -> tuple[str, str]:
    client = _client(ctx, row)
    starts_on, ends_on = _day(row, "starts_on"), _day(row, "ends_on")
    minutes_text = _needed(row, "minutes")
    if not minutes_text.isdigit():
        raise Refused(f"minutes {minutes_text!r} is not a whole number")
    per = PERIODS.get(_needed(row, "per").lower())
    if per is None:
        raise Refused(f"per must be vecka or månad, not {row.cells['per']!r}")
    caseworker = _staff(ctx, _needed(row, "caseworker"), Role.CASEWORKER)
    shown = f"decision {personnummer.masked(client.personal_number)} from {starts_on}"
    existing = ctx.session.scalar(
        select(Decision).where(Decision.client_id == client.id, Decision.starts_on == starts_on)
    )
    if existing is not None:
        same = (existing.ends_on, existing.granted_minutes, existing.granted_per) == (
            ends_on, int(minutes_text), per,
        )  # fmt: skip
        if same:
            return "unchanged", shown
        raise Refused(f"a decision from {starts_on} exists with other values; a decision is "
                      "changed in the console, where its history is kept")  # fmt: skip
    goal = row.cells.get("goal")
    try:
        create_decision(
            ctx.session, client, caseworker.id, starts_on=starts_on, ends_on=ends_on,
            granted_minutes=int(minutes_text), granted_per=per,
            goals=[GoalText(GoalKind.OVERALL, goal)] if goal else [],
            reason=row.cells.get("reason") or "Importerat", now=ctx.now,
        )  # fmt: skip
    except DecisionRefused as exc:
        raise Refused(str(exc.message)) from None
    return "create", shown


CONTACT_COLUMNS = ("personal_number", "username")
CONTACT_OPTIONAL = ("primary",)


def contact_worker_row(ctx: Context, row: Row) -> tuple[str, str]:
    client = _client(ctx, row)
    worker = _staff(ctx, _needed(row, "username"), Role.WORKER)
    primary = _yes(row.cells.get("primary", ""), "primary")
    shown = f"contact worker {worker.username} for {personnummer.masked(client.personal_number)}"
    current = list(ctx.session.scalars(
        select(ClientWorker).where(ClientWorker.client_id == client.id)
        .order_by(ClientWorker.position, ClientWorker.id)
    ))  # fmt: skip
    mine = next((cw for cw in current if cw.staff_id == worker.id), None)
    if mine is None and len(current) >= MAX_CONTACT_WORKERS:
        raise Refused(f"the client has {MAX_CONTACT_WORKERS} contact workers already")
    if mine is not None and (mine.position == 0) == primary:
        return "unchanged", shown
    if primary:
        for other in current:
            if other.position == 0:
                other.position = max(cw.position for cw in current) + 1
    if mine is None:
        # Others start at 1: a worker not named primary never becomes it by being first.
        position = 0 if primary else max([cw.position for cw in current] + [0]) + 1
        ctx.session.add(ClientWorker(client_id=client.id, staff_id=worker.id, position=position,
                                     since=ctx.now))  # fmt: skip
        ctx.session.flush()
        return "create", shown + (" (primary)" if primary else "")
    mine.position = 0 if primary else max([cw.position for cw in current] + [0]) + 1
    ctx.session.flush()
    return "change", shown + (" is now primary" if primary else " is no longer primary")
