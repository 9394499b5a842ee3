"""Decision and contact-worker rows of an import: the console's rules, the console's history.

A decision is made by ``casework.decisions.create_decision``; contact workers are set by
``people.contacts.set_contact_workers``, which keeps their history (so continuity figures count
imported contact workers) and audits the change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Decision, GoalKind, GrantPeriod, Role

from .. import personnummer
from ..casework.decisions import DecisionRefused, GoalText, create_decision
from ..people.contacts import eligible_workers, set_contact_workers
from .files import Row
from .rows import Context, Refused, client_of, needed, staff_named, yes

DECISION_COLUMNS = ("personal_number", "starts_on", "ends_on", "minutes", "per", "caseworker")
DECISION_OPTIONAL = ("goal", "reason")
PERIODS = {"vecka": GrantPeriod.WEEK, "week": GrantPeriod.WEEK,
           "månad": GrantPeriod.MONTH, "month": GrantPeriod.MONTH}  # fmt: skip


def _day(row: Row, column: str) -> date:
    value = needed(row, column)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{column} {value!r} is not a date like 2026-01-31") from None


def decision_row(ctx: Context, row: Row) -> tuple[str, str]:
    client = client_of(ctx, row)
    starts_on, ends_on = _day(row, "starts_on"), _day(row, "ends_on")
    minutes_text = needed(row, "minutes")
    if not minutes_text.isdigit():
        raise Refused(f"minutes {minutes_text!r} is not a whole number")
    per = PERIODS.get(needed(row, "per").lower())
    if per is None:
        raise Refused(f"per must be vecka or månad, not {row.cells['per']!r}")
    caseworker = staff_named(ctx, needed(row, "caseworker"), Role.CASEWORKER)
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
        decision = create_decision(
            ctx.session, client, caseworker.id, starts_on=starts_on, ends_on=ends_on,
            granted_minutes=int(minutes_text), granted_per=per,
            goals=[GoalText(GoalKind.OVERALL, goal)] if goal else [],
            reason=row.cells.get("reason") or "Importerat", now=ctx.now,
        )  # fmt: skip
    except DecisionRefused as exc:
        raise Refused(str(exc.message)) from None
    ctx.audit(client.id, "client.decision", f"decision {decision.id} created by import")
    return "create", shown


CONTACT_COLUMNS = ("personal_number", "username")
CONTACT_OPTIONAL = ("primary",)


def contact_worker_row(ctx: Context, row: Row) -> tuple[str, str]:
    """Add the worker to the client's contact workers (first if named primary).

    ``primary`` nej names no primary: a worker already there keeps their place, a new one comes
    last. So a client's first contact worker is the primary until another is named, as in the
    console, where a client with contact workers always has one; and a second run finds every
    worker where the first left them.
    """
    client = client_of(ctx, row)
    username = needed(row, "username")
    worker = staff_named(ctx, username, Role.WORKER)
    primary = yes(row.cells.get("primary", ""), "primary")
    shown = f"contact worker {worker.username} for {personnummer.masked(client.personal_number)}"
    named = ctx.primaries.get(client.id)
    if primary and named is not None and named[1] != worker.username:
        raise Refused(f"line {named[0]} names {named[1]} the client's primary contact worker; "
                      "a client has one primary")  # fmt: skip
    if worker.id not in {s.id for s in eligible_workers(ctx.session, client)}:
        # The console's rule, said in the words of a file rather than of its pick list.
        raise Refused(f"{worker.username} is not an active worker of the client's unit")
    current = [cw.staff_id for cw in sorted(client.workers, key=lambda cw: cw.position)]
    if worker.id in current and (not primary or current[0] == worker.id):
        wanted = current
    else:
        others = [s for s in current if s != worker.id]
        wanted = [worker.id, *others] if primary else [*others, worker.id]
        set_contact_workers(ctx.session, None, client, wanted, ctx.now, None)
    if primary:
        ctx.primaries[client.id] = (row.line, worker.username)
    if wanted is current:
        return "unchanged", shown
    if worker.id in current:
        return "change", shown + " is now primary"
    return "create", shown + (" (primary)" if wanted[0] == worker.id else "")
