"""Everything the municipality holds about one client, gathered in one place.

``client_records`` is the one definition of "all records about a client": the "Mina uppgifter"
page shows it, and the download (JSON and a readable HTML file) is it. Every value is plain
JSON (strings, numbers, booleans, lists, dicts; times in UTC, ISO 8601), so the file a client
takes home says exactly what the page was built from.

Sign-in codes are left out: they are secrets that expire in minutes, not records about a person.
Who read the record is its own page (``portal.client.readers``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from models import (
    CheckIn,
    Client,
    Consent,
    ContactWorkerSpell,
    Decision,
    Device,
    Escalation,
    InboundMessage,
    Message,
    Outbox,
    Plan,
    Proxy,
    ReminderRule,
    Staff,
    SupportRequest,
    Task,
    Visit,
)

from ..personnummer import display as personal_number_shown
from .record_values import name_of, newest, when
from .records_outcomes import OUTCOME_SECTIONS, outcome_records

Record = dict[str, Any]

#: The sections of the file, in the order a client reads them.
SECTIONS = (
    "about",
    "contact_workers",
    "proxies",
    "consents",
    "decisions",
    *OUTCOME_SECTIONS,
    "plans",
    "visits",
    "messages",
    "reminders",
    "sent",
    "sms_replies",
    "check_ins",
    "requests",
    "escalations",
    "tasks",
    "devices",
)


def client_records(session: Session, client: Client, now: datetime) -> dict[str, Any]:
    """Every record about ``client`` (who the caller already knows may read it), by section."""
    cid = client.id
    # Names only: the roles every Staff loads by default would be one more query for nothing.
    staff = {s.id: s for s in session.scalars(select(Staff).options(lazyload(Staff.roles)))}
    records: dict[str, Any] = {"client_id": cid, "made_at": when(now)}
    records["about"] = _about(client, staff)
    spells = session.scalars(
        select(ContactWorkerSpell)
        .where(ContactWorkerSpell.client_id == cid)
        .order_by(ContactWorkerSpell.starts_at.desc(), ContactWorkerSpell.id.desc())
    )
    records["contact_workers"] = [
        {
            "name": name_of(staff.get(w.staff_id)), "primary": w.position == 0,
            "from": when(w.starts_at), "until": when(w.ends_at),
            "set_by": name_of(staff.get(w.set_by_id)),
        }
        for w in spells
    ]  # fmt: skip
    records["proxies"] = [
        _proxy(p, staff) for p in session.scalars(select(Proxy).where(Proxy.client_id == cid))
    ]
    records["consents"] = [
        {
            "id": c.id, "kind": c.kind.value, "scope": c.scope, "given_at": when(c.given_at),
            "recorded_by": name_of(staff.get(c.recorded_by_id)),
            "how": c.method.value if c.method else None, "withdrawn_at": when(c.withdrawn_at),
            "withdrawn_by": name_of(staff.get(c.withdrawn_by_id)),
        }
        for c in newest(session, Consent, cid, Consent.given_at)
    ]  # fmt: skip
    decisions = session.scalars(
        select(Decision)
        .options(selectinload(Decision.goals))
        .where(Decision.client_id == cid)
        .order_by(Decision.starts_on.desc(), Decision.id.desc())
    )
    records["decisions"] = [_decision(d, staff) for d in decisions]
    records.update(outcome_records(session, cid, staff, client.language))
    plans = session.scalars(
        select(Plan)
        .options(selectinload(Plan.goals))
        .where(Plan.client_id == cid)
        .order_by(Plan.version.desc(), Plan.id.desc())
    )
    records["plans"] = [_plan(p, staff) for p in plans]
    visits = session.scalars(
        select(Visit)
        .options(selectinload(Visit.notes))
        .where(Visit.client_id == cid)
        .order_by(Visit.planned_start.desc(), Visit.id.desc())
    )
    records["visits"] = [_visit(v, staff) for v in visits]
    records["messages"] = [
        {
            "id": m.id, "at": when(m.created_at), "from_me": m.from_client,
            "worker": name_of(staff.get(m.staff_id)), "text": m.body, "read_at": when(m.read_at),
        }
        for m in newest(session, Message, cid, Message.created_at)
    ]  # fmt: skip
    records["reminders"] = [
        {
            "id": r.id, "text": r.text, "channel": r.channel.value,
            "recurrence": r.recurrence.value, "time": when(r.local_time),
            "weekdays": r.weekdays, "once_at": when(r.once_at), "starts_on": when(r.starts_on),
            "ends_on": when(r.ends_on), "active": r.active, "added_by_me": r.by_client,
            "added_by": name_of(staff.get(r.created_by_id)), "created_at": when(r.created_at),
        }
        for r in newest(session, ReminderRule, cid, ReminderRule.created_at)
    ]  # fmt: skip
    records["sent"] = [
        {
            "id": o.id, "due_at": when(o.due_at), "purpose": o.purpose, "kind": o.kind.value,
            "to": o.to_phone, "text": o.body, "state": o.state.value, "reply": o.reply,
            "sent_at": when(o.sent_at), "delivered_at": when(o.delivered_at),
        }
        for o in newest(session, Outbox, cid, Outbox.due_at)
        if o.purpose != "login_code"
    ]  # fmt: skip
    records["sms_replies"] = [
        {"id": m.id, "at": when(m.received_at), "from": m.from_phone, "text": m.body}
        for m in newest(session, InboundMessage, cid, InboundMessage.received_at)
    ]
    records["check_ins"] = [
        {"id": c.id, "at": when(c.created_at), "mood": c.mood.value}
        for c in newest(session, CheckIn, cid, CheckIn.created_at)
    ]
    records["requests"] = [
        {
            "id": r.id, "at": when(r.created_at), "category": r.category,
            "channel": r.channel.value, "wanted_from": when(r.wanted_from),
            "wanted_to": when(r.wanted_to), "text": r.text, "status": r.status.value,
        }
        for r in newest(session, SupportRequest, cid, SupportRequest.created_at)
    ]  # fmt: skip
    escalations = session.scalars(
        select(Escalation)
        .options(selectinload(Escalation.notes))
        .where(Escalation.client_id == cid)
        .order_by(Escalation.created_at.desc(), Escalation.id.desc())
    )
    records["escalations"] = [_escalation(e, staff) for e in escalations]
    records["tasks"] = [
        {
            "id": t.id, "at": when(t.created_at), "kind": t.kind.value, "text": t.text,
            "done_at": when(t.done_at),
        }
        for t in newest(session, Task, cid, Task.created_at)
    ]  # fmt: skip
    records["devices"] = [
        {
            "id": d.id, "label": d.label, "created_at": when(d.created_at),
            "last_seen_at": when(d.last_seen_at), "revoked_at": when(d.revoked_at),
        }
        for d in newest(session, Device, cid, Device.created_at)
    ]  # fmt: skip
    return records


def _about(client: Client, staff: dict[int, Staff]) -> Record:
    return {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "personal_number": (
            personal_number_shown(client.personal_number) if client.personal_number else None
        ),
        "phone": client.phone,
        "language": client.language,
        "birth_year": client.birth_year,
        "address": client.address,
        "needs": list(client.needs or []),
        "preferences": client.preferences,
        "children_under_18": client.has_children_under_18,
        "unit": client.unit.name if client.unit else None,
        "area": client.area.name if client.area else None,
        "caseworker": name_of(staff.get(client.caseworker_id)),
        "contact_workers": [name_of(staff.get(w.staff_id)) for w in client.workers],
        "sms_stopped_at": when(client.sms_opt_out_at),
        "active": client.active,
        "created_at": when(client.created_at),
    }


def _proxy(proxy: Proxy, staff: dict[int, Staff]) -> Record:
    consent = proxy.consent
    return {
        "id": proxy.id,
        "name": proxy.name,
        "phone": proxy.phone,
        "relation": proxy.relation.value,
        "may_see_visits": proxy.can_see_visits,
        "may_book": proxy.can_book,
        "gets_reminders": proxy.gets_reminders,
        "may_see_records": proxy.can_see_records,
        "consent": consent.scope if consent else None,
        "consent_given_at": when(consent.given_at) if consent else None,
        "consent_recorded_by": name_of(staff.get(consent.recorded_by_id)) if consent else None,
        "consent_withdrawn_at": when(consent.withdrawn_at) if consent else None,
        "active": proxy.active,
    }


def _decision(decision: Decision, staff: dict[int, Staff]) -> Record:
    return {
        "id": decision.id,
        "starts_on": when(decision.starts_on),
        "ends_on": when(decision.ends_on),
        "minutes": decision.granted_minutes,
        "per": decision.granted_per.value,
        "caseworker": name_of(staff.get(decision.caseworker_id)),
        "reason": decision.reason,
        "goals": [
            {"kind": g.kind.value, "life_area": g.life_area, "text": g.text} for g in decision.goals
        ],
    }


def _plan(plan: Plan, staff: dict[int, Staff]) -> Record:
    return {
        "id": plan.id,
        "version": plan.version,
        "written_at": when(plan.written_at),
        "written_by": name_of(staff.get(plan.written_by_id)),
        "approved_at": when(plan.approved_at),
        "change_note": plan.change_note,
        "goals": [
            {"words": g.client_words, "activity": g.activity, "level": g.level.value}
            for g in plan.goals
        ],
    }


def _visit(visit: Visit, staff: dict[int, Staff]) -> Record:
    return {
        "id": visit.id,
        "worker": name_of(staff.get(visit.staff_id)),
        "channel": visit.channel.value,
        "status": visit.status.value,
        "planned_start": when(visit.planned_start),
        "planned_end": when(visit.planned_end),
        "actual_start": when(visit.actual_start),
        "actual_end": when(visit.actual_end),
        "cancel_reason": visit.cancel_reason,
        "notes": [
            {"id": n.id, "at": when(n.created_at), "by": name_of(staff.get(n.author_id)),
             "text": n.text}
            for n in visit.notes
        ],
    }  # fmt: skip


def _escalation(escalation: Escalation, staff: dict[int, Staff]) -> Record:
    return {
        "id": escalation.id,
        "at": when(escalation.created_at),
        "type": escalation.type.value,
        "reason": escalation.reason,
        "status": escalation.status.value,
        "resolution": escalation.resolution,
        "caseworker": name_of(staff.get(escalation.owner_id)),
        "notes": [
            {"at": when(n.created_at), "by": name_of(staff.get(n.author_id)), "text": n.text}
            for n in escalation.notes
        ],
    }


def notes_of(records: dict[str, Any]) -> list[Record]:
    """The day notes written about the client, newest first (for the page)."""
    notes = [note for visit in records["visits"] for note in visit["notes"]]
    return sorted(notes, key=lambda n: n["at"] or "", reverse=True)
