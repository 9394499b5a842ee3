"""The manager's figures for a chosen period, per unit, worker and client.

- utförandegrad: delivered ÷ granted time, the grant taken from the decision in force on each
  day (a week's grant counts a seventh per day, a month's grant its share of that month);
- direct client time: time in delivered visits ÷ the worker's working hours (weekly hours plus
  extra time, minus absences);
- cancellations by reason and by who cancelled (late ones counted too), visits by channel.

The database does the heavy part: one grouped scan of the period's visits that reads only the
covering index ``ix_visits_report`` and sums the delivered seconds each visit stores (kept by
``models.visits`` whenever a visit is written), plus a small scan of client cancellations.
Python only rolls the grouped rows up and prorates the few decisions.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Availability,
    AvailabilityKind,
    Channel,
    Client,
    Decision,
    GrantPeriod,
    Staff,
    Unit,
    Visit,
    VisitStatus,
    WorkingHours,
)

from ..access import client_scope
from ..spreadsheet import csv_text
from .rules import DecisionLike, decision_in_force
from .slots import _at


@dataclass
class Row:
    """Figures for one unit, worker or client (minutes)."""

    key: int | None
    name: str
    granted: float = 0.0
    delivered: float = 0.0
    worked: float = 0.0
    visits: int = 0
    done: int = 0
    cancelled_by_client: int = 0
    late_by_client: int = 0
    cancelled_by_staff: int = 0
    no_show: int = 0

    @property
    def delivery_rate(self) -> float | None:
        """Utförandegrad: delivered ÷ granted."""
        return self.delivered / self.granted if self.granted else None

    @property
    def direct_time(self) -> float | None:
        """Direct client time: time in visits ÷ worked time."""
        return self.delivered / self.worked if self.worked else None

    def add_visits(self, other: Row) -> None:
        self.delivered += other.delivered
        self.visits += other.visits
        self.done += other.done
        self.cancelled_by_client += other.cancelled_by_client
        self.late_by_client += other.late_by_client
        self.cancelled_by_staff += other.cancelled_by_staff
        self.no_show += other.no_show


@dataclass
class Report:
    first: date
    last: date
    total: Row
    units: list[Row]
    workers: list[Row]
    clients: list[Row]
    cancel_reasons: dict[str, int] = field(default_factory=dict)
    cancelled_by: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)


# --- Pure arithmetic ----------------------------------------------------------------------------


def granted_minutes(decisions: Sequence[DecisionLike], first: date, last: date) -> float:
    """Minutes granted over first..last, by the decision in force on each day."""
    edges = {first, last + timedelta(days=1)}
    for d in decisions:
        edges.update(e for e in (d.starts_on, d.ends_on + timedelta(days=1)) if first < e <= last)
    total = 0.0
    ordered = sorted(edges)
    for seg_start, seg_end in zip(ordered, ordered[1:], strict=False):
        decision = decision_in_force(decisions, seg_start)
        if decision is None:
            continue
        if decision.granted_per is GrantPeriod.WEEK:
            total += decision.granted_minutes * (seg_end - seg_start).days / 7
            continue
        day = seg_start
        while day < seg_end:  # split by calendar month
            month_days = calendar.monthrange(day.year, day.month)[1]
            month_end = day.replace(day=1) + timedelta(days=month_days)
            days = (min(seg_end, month_end) - day).days
            total += decision.granted_minutes * days / month_days
            day = min(seg_end, month_end)
    return total


def worked_minutes(
    hours: Iterable[tuple[int, time, time]],
    extras: Iterable[tuple[datetime, datetime]],
    absences: Iterable[tuple[datetime, datetime]],
    first: date,
    last: date,
    zone: ZoneInfo,
) -> float:
    """A worker's working minutes over first..last: weekly hours + extra − absences."""
    per_weekday: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, starts, ends in hours:
        per_weekday[weekday].append((starts, ends))
    days = (last - first).days + 1
    total = 0.0
    for weekday, spans in per_weekday.items():
        count = days // 7 + (1 if (weekday - first.weekday()) % 7 < days % 7 else 0)
        total += count * sum(_span(s, e) for s, e in spans)
    lo, hi = _at(first, time(0), zone), _at(last + timedelta(days=1), time(0), zone)
    for s, e in extras:
        total += max(0.0, (min(e, hi) - max(s, lo)).total_seconds() / 60)
    for s, e in absences:
        day = max(s, lo).astimezone(zone).date()
        while day <= last and _at(day, time(0), zone) < e:
            for starts, ends in per_weekday.get(day.weekday(), []):
                a, b = max(s, _at(day, starts, zone)), min(e, _at(day, ends, zone))
                total -= max(0.0, (b - a).total_seconds() / 60)
            day += timedelta(days=1)
    return max(total, 0.0)


def _span(starts: time, ends: time) -> float:
    return (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)


# --- Queries ------------------------------------------------------------------------------------


def visit_sums(session: Session, scope, start: datetime, end: datetime, by=None):
    """The period's visits summed per client and worker (or the two columns ``by``), in one
    grouped scan.

    The scan reads only ``ix_visits_report`` (it holds every column used here) and sums the
    delivered seconds stored on each visit, so no date arithmetic runs per row.
    """

    def count(condition):
        return func.count().filter(condition)

    by_client = Visit.status == VisitStatus.CANCELLED_BY_CLIENT
    done = Visit.status == VisitStatus.DONE
    keys = by or (Visit.client_id, Visit.staff_id)
    query = (
        select(
            *keys,
            func.count(),
            count(done),
            count(by_client),
            count(by_client & Visit.late_cancellation),
            count(Visit.status == VisitStatus.CANCELLED_BY_STAFF),
            count(Visit.status == VisitStatus.NO_SHOW),
            func.sum(Visit.delivered_seconds),
            *(count(done & (Visit.channel == channel)) for channel in Channel),
        )
        .join(Client, Client.id == Visit.client_id)
        .where(scope, Visit.planned_start >= start, Visit.planned_start < end)
        .group_by(*keys)
    )
    return session.execute(query)


def client_cancellations(session: Session, scope, start: datetime, end: datetime):
    """The period's cancellations by the client, counted by reason and lateness."""
    query = (
        select(Visit.cancel_reason, Visit.late_cancellation, func.count())
        .join(Client, Client.id == Visit.client_id)
        .where(
            scope,
            Visit.status == VisitStatus.CANCELLED_BY_CLIENT,
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
        .group_by(Visit.cancel_reason, Visit.late_cancellation)
    )
    return session.execute(query)


def decisions_by_client(
    session: Session,
    scope,
    first: date,
    last: date,
) -> dict[int, list[DecisionLike]]:
    """The decisions in force on some day of first..last, as plain rows (not objects)."""
    rows = session.execute(
        select(Decision.client_id, Decision.id, Decision.starts_on, Decision.ends_on,
               Decision.granted_minutes, Decision.granted_per)
        .join(Client, Client.id == Decision.client_id)
        .where(scope, Decision.starts_on <= last, Decision.ends_on >= first)
    )  # fmt: skip
    found: dict[int, list[DecisionLike]] = defaultdict(list)
    for d in rows:
        found[d.client_id].append(d)
    return found


def worked_by_staff(
    session: Session, staff_ids: list[int], first: date, last: date, zone: ZoneInfo
) -> dict[int, float]:
    lo, hi = _at(first, time(0), zone), _at(last + timedelta(days=1), time(0), zone)
    hours: dict[int, list[tuple]] = defaultdict(list)
    for sid, wd, s, e in session.execute(
        select(
            WorkingHours.staff_id, WorkingHours.weekday, WorkingHours.starts, WorkingHours.ends
        ).where(WorkingHours.staff_id.in_(staff_ids))
    ):
        hours[sid].append((wd, s, e))
    extras: dict[int, list] = defaultdict(list)
    absences: dict[int, list] = defaultdict(list)
    for sid, kind, s, e in session.execute(
        select(Availability.staff_id, Availability.kind, Availability.starts_at,
               Availability.ends_at)
        .where(Availability.staff_id.in_(staff_ids), Availability.starts_at < hi,
               Availability.ends_at > lo)
    ):  # fmt: skip
        (absences if kind is AvailabilityKind.ABSENT else extras)[sid].append((s, e))
    return {
        sid: worked_minutes(hours[sid], extras[sid], absences[sid], first, last, zone)
        for sid in staff_ids
    }


def monthly_report(
    session: Session, viewer: Staff, first: date, last: date, zone: ZoneInfo
) -> Report:
    """Figures for the clients ``viewer`` may see, for local days first..last."""
    scope = client_scope(viewer)
    start, end = _at(first, time(0), zone), _at(last + timedelta(days=1), time(0), zone)
    clients = {
        c.id: c for c in session.execute(
            select(Client.id, Client.first_name, Client.last_name, Client.unit_id).where(scope)
        )
    }  # fmt: skip
    client_rows = {cid: Row(cid, f"{c.first_name} {c.last_name}") for cid, c in clients.items()}
    worker_rows: dict[int, Row] = {}
    report = Report(first, last, Row(None, "Totalt"), [], [], [])
    reasons: dict[str, int] = defaultdict(int)
    who: dict[str, int] = defaultdict(int)
    channels: dict[str, int] = defaultdict(int)
    for sums in visit_sums(session, scope, start, end):
        client_id, staff_id, total, done, cbc, late, cbs, no_show, seconds = sums[:9]
        part = Row(None, "", 0.0, (seconds or 0) / 60, 0.0, total, done, cbc, late, cbs, no_show)
        client_rows[client_id].add_visits(part)
        if staff_id not in worker_rows:
            worker_rows[staff_id] = Row(staff_id, "")
        worker_rows[staff_id].add_visits(part)
        for channel, n in zip(Channel, sums[9:], strict=True):
            if n:
                channels[channel.value] += n
        if cbs:
            who["staff"] += cbs
    for reason, late, n in client_cancellations(session, scope, start, end):
        reasons[reason or "other"] += n
        who["client_late" if late else "client"] += n
    decisions = decisions_by_client(session, scope, first, last)
    for client_id, row in client_rows.items():
        row.granted = granted_minutes(decisions.get(client_id, []), first, last)
    worked = worked_by_staff(session, list(worker_rows), first, last, zone)
    staff_info = {
        s.id: s for s in session.execute(
            select(Staff.id, Staff.first_name, Staff.last_name, Staff.unit_id)
            .where(Staff.id.in_(list(worker_rows)))
        )
    }  # fmt: skip
    for sid, row in worker_rows.items():
        info = staff_info[sid]
        row.name, row.worked = f"{info.first_name} {info.last_name}", worked[sid]
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    unit_rows: dict[int | None, Row] = {}
    for cid, row in client_rows.items():
        unit_id = clients[cid].unit_id
        unit = unit_rows.setdefault(unit_id, Row(unit_id, units.get(unit_id, "–")))
        unit.add_visits(row)
        unit.granted += row.granted
    for sid, row in worker_rows.items():
        unit_id = staff_info[sid].unit_id
        unit_rows.setdefault(unit_id, Row(unit_id, units.get(unit_id, "–"))).worked += row.worked
    for unit in unit_rows.values():
        report.total.add_visits(unit)
        report.total.granted += unit.granted
        report.total.worked += unit.worked
    report.units = sorted(unit_rows.values(), key=lambda r: r.name)
    report.workers = sorted(worker_rows.values(), key=lambda r: r.name)
    report.clients = sorted(client_rows.values(), key=lambda r: r.name)
    report.cancel_reasons, report.cancelled_by, report.channels = (
        dict(reasons), dict(who), dict(channels)
    )  # fmt: skip
    return report


# --- CSV and charts -----------------------------------------------------------------------------

CSV_HEADER = [
    "nivå", "namn", "beviljad_h", "utförd_h", "utförandegrad", "arbetad_h", "direkt_klienttid",
    "besök", "utförda", "avbokade_klient", "varav_sena", "avbokade_personal", "uteblivna",
]  # fmt: skip


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def report_csv(report: Report) -> str:
    rows: list[list[object]] = [CSV_HEADER]
    levels = [("total", [report.total]), ("enhet", report.units), ("personal", report.workers),
              ("klient", report.clients)]  # fmt: skip
    for level, level_rows in levels:
        for r in level_rows:
            rows.append([
                level, r.name, f"{r.granted / 60:.2f}", f"{r.delivered / 60:.2f}",
                _pct(r.delivery_rate), f"{r.worked / 60:.2f}", _pct(r.direct_time), r.visits,
                r.done, r.cancelled_by_client, r.late_by_client, r.cancelled_by_staff, r.no_show,
            ])  # fmt: skip
    return csv_text(rows)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    width: float  # share of the chart's full width, 0..1


def bars(items: Iterable[tuple[str, float, str]], scale: float | None = None) -> list[Bar]:
    """Bars for a horizontal SVG bar chart; ``scale`` is the value of a full-width bar."""
    items = list(items)
    top = scale or max((v for _, v, _ in items), default=0) or 1
    return [Bar(label, value, text, min(value / top, 1.0)) for label, value, text in items]


REASONS = {"not_well": _l("mår inte bra"), "busy": _l("upptagen"), "other": _l("annat")}
WHO = {
    "client": _l("klienten, i tid"),
    "client_late": _l("klienten, sent"),
    "staff": _l("personalen"),
}
CHANNELS = {"home": _l("hembesök"), "video": _l("video"), "phone": _l("telefon")}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def report_charts(report: Report) -> list[tuple[str, list[Bar]]]:
    """The charts the report page draws, as titled lists of bars."""
    return [
        (str(_l("Utförandegrad per enhet")), bars(
            ((u.name, u.delivery_rate or 0, percent(u.delivery_rate)) for u in report.units), 1
        )),
        (str(_l("Direkt klienttid per boendestödjare")), bars(
            ((w.name, w.direct_time or 0, percent(w.direct_time)) for w in report.workers), 1
        )),
        (str(_l("Avbokningar per orsak")), bars(
            (str(REASONS.get(k, k)), n, str(n)) for k, n in sorted(report.cancel_reasons.items())
        )),
        (str(_l("Avbokningar per vem")), bars(
            (str(WHO.get(k, k)), n, str(n)) for k, n in sorted(report.cancelled_by.items())
        )),
        (str(_l("Utförda besök per sätt")), bars(
            (str(CHANNELS.get(k, k)), n, str(n)) for k, n in sorted(report.channels.items())
        )),
    ]  # fmt: skip
