"""Time-driven casework checks: decisions about to expire, plans the client has not approved."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from models import Client, Database, Decision, EscalationType, NoticeSent, Plan

from ..escalations import raise_escalation

log = logging.getLogger(__name__)
EXPIRY_WARNINGS = (60, 30)
APPROVAL_WITHIN = timedelta(days=30)


def _claim(session: Session, key: str, now: datetime) -> bool:
    """Record that ``key`` was acted on; False if another run (or process) already did."""
    table = NoticeSent.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(key=key, created_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    # RETURNING says whether this run inserted the row (rowcount is -1 on some drivers).
    return session.execute(statement).scalar() is not None


def check_expiring_decisions(session: Session, now: datetime, zone: ZoneInfo) -> int:
    """Escalate decisions ending within 60 and 30 days that nothing follows; returns how many."""
    today = now.astimezone(zone).date()
    successor = aliased(Decision)
    followed = exists().where(
        successor.client_id == Decision.client_id, successor.starts_on > Decision.ends_on
    )
    ending = session.scalars(
        select(Decision).where(
            Decision.ends_on >= today,
            Decision.ends_on <= today + timedelta(days=max(EXPIRY_WARNINGS)),
            ~followed,
        )
    )
    raised = 0
    for decision in ending:
        days_left = (decision.ends_on - today).days
        due = [t for t in EXPIRY_WARNINGS if days_left <= t]
        # Claim every warning that is due, but raise once: a decision first seen with 25 days
        # left gets one escalation, not a 60-day and a 30-day one at the same moment.
        fresh = [t for t in due if _claim(session, f"decision:{decision.id}:{t}d", now)]
        if not fresh:
            continue
        raise_escalation(
            session,
            client=session.get(Client, decision.client_id),
            kind=EscalationType.DECISION_EXPIRING,
            reason=f"Beslutet går ut {decision.ends_on} (om {days_left} dagar).",
            source="decisions",
            now=now,
            zone=zone,
            evidence=[
                {
                    "kind": "decision",
                    "decision_id": decision.id,
                    "ends_on": decision.ends_on.isoformat(),
                    "threshold_days": min(fresh),
                }
            ],
        )
        raised += 1
    return raised


def check_unapproved_plans(session: Session, now: datetime, zone: ZoneInfo) -> int:
    """Escalate the newest plan of a client when it is still unapproved 30 days after writing."""
    newest = (
        select(Plan.client_id, func.max(Plan.version).label("version"))
        .group_by(Plan.client_id)
        .subquery()
    )
    stale = session.scalars(
        select(Plan)
        .join(newest, (Plan.client_id == newest.c.client_id) & (Plan.version == newest.c.version))
        .where(Plan.approved_at.is_(None), Plan.written_at <= now - APPROVAL_WITHIN)
    )
    raised = 0
    for plan in stale:
        if not _claim(session, f"plan:{plan.id}:unapproved", now):
            continue
        raise_escalation(
            session,
            client=session.get(Client, plan.client_id),
            kind=EscalationType.PLAN_NOT_APPROVED,
            reason=f"Planen (version {plan.version}) är inte godkänd av klienten efter 30 dagar.",
            source="plans",
            now=now,
            zone=zone,
            evidence=[
                {
                    "kind": "plan",
                    "plan_id": plan.id,
                    "version": plan.version,
                    "written_at": plan.written_at.isoformat(),
                }
            ],
        )
        raised += 1
    return raised


def run_checks(db: Database, zone: ZoneInfo, now: datetime | None = None) -> None:
    """The periodic job: both checks in one transaction."""
    from models import utcnow

    moment = now or utcnow()
    with db.transaction() as session:
        decisions = check_expiring_decisions(session, moment, zone)
        plans = check_unapproved_plans(session, moment, zone)
    if decisions or plans:
        log.info("casework checks raised %s decision and %s plan escalations", decisions, plans)
