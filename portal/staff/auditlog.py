"""The audit log, readable: who opened or changed which client's records, and when.

One row per client an event touched: a read of one record is one row, a list that showed ten
clients is ten. A manager sees the rows about the clients of their unit (``client_scope``, the
same rule as everywhere); an admin sees every row, those naming no client too. Looking at the
log is itself written in the log (``audit_view``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from models import AuditEvent, AuditEventClient, Client, Role, Staff

from ..access import audit_list, client_scope
from ..spreadsheet import csv_text
from ..timeutil import day_bounds

PER_PAGE = 50
#: Rows one CSV may hold; a wider search is refused with a request to narrow it.
EXPORT_LIMIT = 50_000
ACTIONS = ("read", "change", "refused")
#: The longest name fragment searched for (longer input is refused, not cut).
MAX_TEXT = 80
LAST_PAGE = 100_000


@dataclass
class LogQuery:
    """A search of the log as typed: the raw text is kept so a refused form shows it again."""

    client: str = ""
    staff: str = ""
    start_text: str = ""
    end_text: str = ""
    action: str = ""
    page: int = 1
    start: date | None = None
    end: date | None = None
    errors: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LogQuery:
        """Read and check the search form (GET), collecting an error per field."""
        query = cls(
            client=(args.get("klient") or "").strip(),
            staff=(args.get("personal") or "").strip(),
            start_text=(args.get("fran") or "").strip(),
            end_text=(args.get("till") or "").strip(),
            action=(args.get("handelse") or "").strip(),
        )
        page = (args.get("sida") or "1").strip()
        query.page = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1
        query.page = min(max(query.page, 1), LAST_PAGE)
        for name, text in (("klient", query.client), ("personal", query.staff)):
            if len(text) > MAX_TEXT:
                query.errors[name] = _l("Skriv högst %(n)s tecken.", n=MAX_TEXT)
        query.start = query._day("fran", query.start_text)
        query.end = query._day("till", query.end_text)
        if query.start and query.end and query.start > query.end:
            query.errors["till"] = _l("Till-dagen kommer före från-dagen.")
        if query.action and query.action not in ACTIONS:
            query.errors["handelse"] = _l("Välj läst, ändrat eller nekat.")
        return query

    def _day(self, name: str, text: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[name] = _l("Skriv dagen så här: 2026-03-01.")
            return None

    def as_args(self, **changes: object) -> dict[str, object]:
        """The search as query-string values (for the pager and the CSV link)."""
        args: dict[str, object] = {
            "klient": self.client, "personal": self.staff, "fran": self.start_text,
            "till": self.end_text, "handelse": self.action, "sida": self.page,
        }  # fmt: skip
        args.update(changes)
        return {k: v for k, v in args.items() if v not in ("", None, 1)}

    def summary(self) -> str:
        """What was searched, for the audit event of looking (at most 300 characters)."""
        parts = [f"{k}={v}" for k, v in self.as_args().items()]
        return ("log " + " ".join(parts))[:300]


@dataclass(frozen=True)
class LogRow:
    event_id: int
    at: datetime
    action: str
    subject: str
    detail: str | None
    ip: str | None
    staff_id: int | None
    staff_name: str | None
    username: str | None
    client_id: int | None
    client_name: str | None


def _contains(column, text: str):
    """Case-insensitive "contains", with the LIKE wildcards in ``text`` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _rows(viewer: Staff, query: LogQuery, zone: ZoneInfo) -> Select:
    """The search as one SELECT of (event, client) pairs the viewer may see."""
    listed = select(AuditEventClient.audit_event_id.label("event_id"), AuditEventClient.client_id)
    single = select(AuditEvent.id.label("event_id"), AuditEvent.client_id).where(
        or_(
            AuditEvent.client_id.is_not(None),
            ~exists().where(AuditEventClient.audit_event_id == AuditEvent.id),
        )
    )
    pairs = union_all(single, listed).subquery()
    client_name = Client.first_name + " " + Client.last_name
    staff_name = Staff.first_name + " " + Staff.last_name
    rows = (
        select(
            AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.subject,
            AuditEvent.detail, AuditEvent.ip, AuditEvent.actor_staff_id,
            staff_name.label("staff_name"), Staff.username, pairs.c.client_id,
            client_name.label("client_name"),
        )
        .join(pairs, pairs.c.event_id == AuditEvent.id)
        .outerjoin(Client, Client.id == pairs.c.client_id)
        .outerjoin(Staff, Staff.id == AuditEvent.actor_staff_id)
    )  # fmt: skip
    if not viewer.has_role(Role.ADMIN):
        rows = rows.where(and_(Client.id.is_not(None), client_scope(viewer)))
    if query.client:
        digits = query.client.isascii() and query.client.isdigit() and len(query.client) < 10
        by_name = _contains(client_name, query.client)
        rows = rows.where(or_(by_name, Client.id == int(query.client)) if digits else by_name)
    if query.staff:
        rows = rows.where(
            or_(_contains(staff_name, query.staff), _contains(Staff.username, query.staff))
        )
    if query.start:
        rows = rows.where(AuditEvent.at >= day_bounds(query.start, zone)[0])
    if query.end:
        rows = rows.where(AuditEvent.at < day_bounds(query.end, zone)[1])
    if query.action:
        rows = rows.where(AuditEvent.action == query.action)
    return rows


def _ordered(rows: Select) -> Select:
    columns = rows.selected_columns
    return rows.order_by(columns.at.desc(), columns.id.desc(), columns.client_id)


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    total: int
    page: int

    @property
    def has_more(self) -> bool:
        return self.page * PER_PAGE < self.total


def search(session: Session, viewer: Staff, query: LogQuery, zone: ZoneInfo) -> LogPage:
    """One page of the log rows the viewer may see that match ``query``, newest first."""
    total = count(session, viewer, query, zone)
    found = session.execute(
        _ordered(_rows(viewer, query, zone)).limit(PER_PAGE).offset((query.page - 1) * PER_PAGE)
    ).all()
    return LogPage([LogRow(*row) for row in found], total, query.page)


def count(session: Session, viewer: Staff, query: LogQuery, zone: ZoneInfo) -> int:
    """How many rows match ``query`` for this viewer."""
    rows = _rows(viewer, query, zone).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0


def export(session: Session, viewer: Staff, query: LogQuery, zone: ZoneInfo) -> list[LogRow]:
    """Every matching row (the caller checked there are at most ``EXPORT_LIMIT``)."""
    rows = _ordered(_rows(viewer, query, zone)).limit(EXPORT_LIMIT)
    return [LogRow(*row) for row in session.execute(rows)]


def audit_view(
    session: Session,
    viewer: Staff,
    shown: Iterable[LogRow],
    subject: str,
    query: LogQuery,
    now: datetime,
    ip: str | None,
) -> None:
    """Write that ``viewer`` looked at the log, naming every client the answer showed."""
    event = audit_list(
        session, viewer.id, (r.client_id for r in shown), subject, now, ip, query.summary()
    )
    if event is None:
        session.add(
            AuditEvent(
                at=now, actor_staff_id=viewer.id, action="read", subject=subject,
                detail=query.summary(), ip=ip,
            )
        )  # fmt: skip
        session.flush()


def as_csv(rows: Iterable[LogRow], zone: ZoneInfo) -> str:
    """The rows as CSV (UTF-8 with a byte-order mark added by the caller), local times."""
    header = ["tid", "handelse", "vad", "personal", "anvandarnamn", "klient_id", "klient",
              "detalj", "ip", "handelse_id"]  # fmt: skip
    return csv_text(
        [header]
        + [
            [r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), r.action, r.subject,
             r.staff_name, r.username, r.client_id, r.client_name, r.detail, r.ip, r.event_id]
            for r in rows
        ]
    )  # fmt: skip
