"""The people and decisions the casework tests share."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models import (
    Database,
    Decision,
    GoalKind,
    GrantPeriod,
    Role,
)
from portal.casework import decisions
from tests.factories import make_client, make_staff

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def make_people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], phone="+46700000104")
        kalle = make_staff(s, "kalle", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        omar = make_staff(s, "omar")
        sandra = make_client(
            s, "Sandra", workers=[anna], caseworker=karin, has_children_under_18=True
        )
        olle = make_client(s, "Olle", workers=[omar], caseworker=kalle)
        return {
            "karin": karin.id,
            "kalle": kalle.id,
            "anna": anna.id,
            "omar": omar.id,
            "sandra": sandra.id,
            "olle": olle.id,
        }


def weekly(s, client_id: int, start: date, end: date, minutes: int = 240) -> Decision:
    from models import Client

    return decisions.create_decision(
        s,
        s.get(Client, client_id),
        None,
        starts_on=start,
        ends_on=end,
        granted_minutes=minutes,
        granted_per=GrantPeriod.WEEK,
        goals=[decisions.GoalText(GoalKind.OVERALL, "Bo kvar hemma")],
        reason=None,
        now=NOW,
    )
