"""The manager report's total row alone, for pages that show only the unit's totals.

``monthly_report(...).total`` builds the rows per unit, worker and client and the cancellation
reasons first; the outcome page shows only the total's utförandegrad and direct client time for
six and twelve months up to today. This runs the report's own queries and arithmetic
(``visit_sums``, the decisions in force with ``granted_minutes``, ``worked_by_staff``) and sums
them straight into one row per period, so each figure keeps the one definition in ``reports``;
a test holds them equal to the report's total. Periods that end on the same day share one scan
of the visits: the longest, grouped by worker and by the shorter periods that hold each visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import case
from sqlalchemy.orm import Session

from models import Staff, Visit

from ..access import client_scope
from ..timeutil import day_bounds
from .reports import Row, decisions_by_client, granted_minutes, visit_sums, worked_by_staff


def report_totals(
    session: Session, viewer: Staff, firsts: Sequence[date], last: date, zone: ZoneInfo
) -> list[Row]:
    """``monthly_report(session, viewer, first, last, zone).total`` for each of ``firsts``."""
    scope = client_scope(viewer)
    starts = [day_bounds(first, zone)[0] for first in firsts]
    end = day_bounds(last, zone)[1]
    # The latest start a visit is at or after: the shortest period that still holds it.
    order = sorted(range(len(firsts)), key=lambda i: starts[i], reverse=True)
    newest = case(*((Visit.planned_start >= starts[i], i) for i in order), else_=-1)
    totals = [Row(None, "Totalt") for _ in firsts]
    workers: list[set[int]] = [set() for _ in firsts]
    for sums in visit_sums(session, scope, min(starts), end, by=(Visit.staff_id, newest)):
        staff_id, held_by, visits, done, cbc, late, cbs, no_show, seconds = sums[:9]
        part = Row(None, "", 0.0, (seconds or 0) / 60, 0.0, visits, done, cbc, late, cbs, no_show)
        for i in range(len(firsts)):
            if starts[i] <= starts[held_by]:  # the visit's period lies inside period i
                totals[i].add_visits(part)
                workers[i].add(staff_id)
    decisions = decisions_by_client(session, scope, min(firsts), last).values()
    for i, first in enumerate(firsts):
        totals[i].granted = sum(granted_minutes(rows, first, last) for rows in decisions)
        worked = worked_by_staff(session, list(workers[i]), first, last, zone)
        totals[i].worked = sum(worked.values())
    return totals
