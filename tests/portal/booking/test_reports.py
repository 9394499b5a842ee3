"""The manager's figures against a fixture computed by hand."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import Availability, AvailabilityKind, Channel, Database, GrantPeriod, Role, Unit
from models import VisitStatus as S
from portal.booking.report_total import report_totals
from portal.booking.reports import monthly_report, report_csv
from tests.factories import make_client, make_decision, make_staff, make_visit

pytestmark = pytest.mark.db
STHLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def delivered(s, client, staff, start, minutes, real_start, real_minutes, **kw):
    visit = make_visit(s, client, staff, at(start), minutes=minutes, status=S.DONE, **kw)
    visit.actual_start = at(real_start)
    visit.actual_end = at(real_start) + timedelta(minutes=real_minutes)
    return visit


def test_report_figures_match_the_hand_computed_fixture(db: Database) -> None:
    with db.transaction() as s:
        unit = Unit(name="Team Syd")
        s.add(unit)
        s.flush()
        maria = make_staff(s, "maria", roles=[Role.MANAGER], unit_id=unit.id)
        # Anna works Monday–Friday 08–16: 10 days × 8 h = 4,800 min in the two weeks,
        # minus a two-hour absence = 4,680 min.
        anna = make_staff(s, "anna", weekdays=range(5), hours=(time(8), time(16)), unit_id=unit.id)
        absent = (at("2026-03-04T10:00"), at("2026-03-04T12:00"))
        s.add(Availability(staff_id=anna.id, kind=AvailabilityKind.ABSENT,
                           starts_at=absent[0], ends_at=absent[1]))  # fmt: skip
        sandra = make_client(s, workers=[anna], unit_id=unit.id)
        olle = make_client(s, first_name="Olle", workers=[anna], unit_id=unit.id)
        # Sandra: 120 min/week until 8 March, then 240 min/week → 120 + 240 = 360 min granted.
        make_decision(s, sandra, 120, starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 8))
        make_decision(s, sandra, 240, starts_on=date(2026, 3, 9), ends_on=date(2026, 12, 31))
        # Olle: 600 min/month → 600 × 14/31 min in the fortnight.
        make_decision(s, olle, 600, GrantPeriod.MONTH, date(2026, 1, 1), date(2026, 12, 31))
        delivered(s, sandra, anna, "2026-03-03T10:00", 60, "2026-03-03T10:05", 60)
        delivered(s, sandra, anna, "2026-03-10T10:00", 60, "2026-03-10T10:00", 90)
        late = make_visit(s, sandra, anna, at("2026-03-12T10:00"), status=S.CANCELLED_BY_CLIENT)
        late.cancel_reason, late.late_cancellation = "not_well", True
        delivered(s, olle, anna, "2026-03-05T13:00", 45, "2026-03-05T13:00", 45,
                  channel=Channel.VIDEO)  # fmt: skip
        make_visit(s, olle, anna, at("2026-03-06T13:00"), status=S.CANCELLED_BY_STAFF)
        make_visit(s, olle, anna, at("2026-03-11T13:00"), status=S.NO_SHOW)
        delivered(s, olle, anna, "2026-03-16T13:00", 60, "2026-03-16T13:00", 60)  # outside
        report = monthly_report(s, maria, date(2026, 3, 2), date(2026, 3, 15), STHLM)
        # The outcome page's time figures: the totals alone, two periods in one scan.
        alone, week = report_totals(s, maria, [date(2026, 3, 2), date(2026, 3, 9)],
                                    date(2026, 3, 15), STHLM)  # fmt: skip
        second_week = monthly_report(s, maria, date(2026, 3, 9), date(2026, 3, 15), STHLM)

    rows = {r.name: r for r in report.clients}
    assert rows["Sandra Nilsson"].granted == pytest.approx(360)
    assert rows["Sandra Nilsson"].delivered == pytest.approx(150)
    assert rows["Sandra Nilsson"].delivery_rate == pytest.approx(150 / 360)
    assert rows["Olle Nilsson"].granted == pytest.approx(600 * 14 / 31)
    assert rows["Olle Nilsson"].delivery_rate == pytest.approx(45 / (600 * 14 / 31))
    [worker] = report.workers
    assert worker.worked == pytest.approx(4680)
    assert worker.direct_time == pytest.approx(195 / 4680)
    [team] = report.units
    assert team.name == "Team Syd"
    assert team.delivery_rate == pytest.approx(195 / (360 + 600 * 14 / 31))
    assert (team.done, team.cancelled_by_client, team.late_by_client) == (3, 1, 1)
    assert (team.cancelled_by_staff, team.no_show) == (1, 1)
    assert report.cancel_reasons == {"not_well": 1}
    assert report.cancelled_by == {"client_late": 1, "staff": 1}
    assert report.channels == {"home": 2, "video": 1}
    # Each total alone is the report's own total for its period.
    counts = ("visits", "done", "cancelled_by_client", "late_by_client", "cancelled_by_staff",
              "no_show")  # fmt: skip
    for total, whole in ((alone, report.total), (week, second_week.total)):
        for figure in ("granted", "delivered", "worked"):
            assert getattr(total, figure) == pytest.approx(getattr(whole, figure)), figure
        assert [getattr(total, c) for c in counts] == [getattr(whole, c) for c in counts]
    assert (week.visits, week.delivered, week.granted) == (3, 90, pytest.approx(240 + 600 * 7 / 31))
    assert alone.delivery_rate == pytest.approx(195 / (360 + 600 * 14 / 31))
    assert alone.direct_time == pytest.approx(195 / 4680)
    lines = report_csv(report).splitlines()
    assert lines[1].startswith("total,Totalt,")
    assert "klient,Sandra Nilsson,6.00,2.50,0.417," in report_csv(report)


def test_the_managers_start_page_shows_delivery_rate_and_direct_client_time(app, db) -> None:
    import time_machine

    from tests.portal.helpers import staff_client

    with db.transaction() as s:
        make_staff(s, "maria", roles=[Role.MANAGER])
        # Anna works every day 08–16: 1 March–3 March local is 3 × 480 = 1,440 min.
        anna = make_staff(s, "anna", weekdays=range(7), hours=(time(8), time(16)))
        sandra = make_client(s, workers=[anna])
        # 310 min a month → 310 × 3/31 = 30 min granted for the three days.
        make_decision(s, sandra, 310, GrantPeriod.MONTH, date(2026, 1, 1), date(2026, 12, 31))
        delivered(s, sandra, anna, "2026-03-02T10:00", 30, "2026-03-02T10:00", 24)
    with time_machine.travel(at("2026-03-03T18:00"), tick=False):
        page = staff_client(app, db, "maria").get("/personal/nyckeltal").text
    figures = page[page.index("Utförandegrad") :]
    assert "80 %" in figures  # 24 of 30 granted minutes
    assert "Direkt klienttid</dt><dd>2 %" in figures  # 24 of 1,440 worked minutes
