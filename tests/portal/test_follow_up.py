"""The caseworker's follow-up (issue 16): one page of whether the support works, its PDF, and
the follow-up recorded with the decision it makes."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Channel,
    Client,
    Database,
    Decision,
    EscalationType,
    FollowUp,
    GoalLevel,
    GoalLevelChange,
    GrantPeriod,
    LifeArea,
    Rating,
    RatingSource,
    Role,
    SurveyAnswer,
    VisitStatus,
    ensure_life_areas,
    utcnow,
)
from portal.casework import orders
from portal.casework.chart import rating_chart
from portal.escalations import raise_escalation
from tests.conftest import post_form
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def sandra(db: Database) -> dict[str, int]:
    """Sandra with an order, a year of visits, ratings by both, a survey and an escalation."""
    now = utcnow()
    today = now.astimezone(STOCKHOLM).date()
    with db.transaction() as s:
        ensure_life_areas(s)
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        kalle = make_staff(s, "kalle", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        client = make_client(s, "Sandra", workers=[anna], caseworker=karin)
        make_client(s, "Olle", caseworker=kalle)
        make_decision(s, client, minutes=120, starts_on=today - timedelta(days=70),
                      ends_on=today + timedelta(days=300))  # fmt: skip
        home = s.scalar(select(LifeArea).where(LifeArea.key == "home"))
        orders.create_order(
            s, client, karin, starts_on=today - timedelta(days=56), ends_on=today + timedelta(200),
            minutes=120, per=GrantPeriod.WEEK, follow_up_on=today + timedelta(days=7),
            goals=[orders.OrderGoalText(home.id, "Diska själv")], mapping_id=None, now=now,
        )  # fmt: skip
        for week, (client_step, worker_step) in enumerate([(2, 3), (3, 3), (4, 3)]):
            at = now - timedelta(weeks=6 - 2 * week)
            s.add(Rating(client_id=client.id, life_area_id=home.id, source=RatingSource.CLIENT,
                         step=client_step, rated_at=at))  # fmt: skip
            s.add(Rating(client_id=client.id, life_area_id=home.id, source=RatingSource.WORKER,
                         step=worker_step, staff_id=anna.id, rated_at=at))  # fmt: skip
        s.add(
            GoalLevelChange(
                client_id=client.id,
                client_words="Jag vill diska",
                level=GoalLevel.WITH_SUPPORT,
                changed_at=now - timedelta(weeks=6),
            )
        )
        s.add(
            GoalLevelChange(
                client_id=client.id,
                client_words="Jag vill diska",
                level=GoalLevel.MORE_INDEPENDENT,
                changed_at=now - timedelta(weeks=1),
            )
        )
        s.add(
            SurveyAnswer(
                client_id=client.id,
                follow_up_on=today + timedelta(days=7),
                answers={
                    "contact": "yes",
                    "say": "sometimes",
                    "cancel": "never",
                    "would_help": "video",
                    "bad_day": "no",
                },  # fmt: skip
                named=True,
                answered_at=now,
            )
        )
        for days, channel, status in [
            (3, Channel.HOME, VisitStatus.DONE), (5, Channel.VIDEO, VisitStatus.DONE),
            (8, Channel.PHONE, VisitStatus.DONE), (10, Channel.HOME, VisitStatus.NO_SHOW),
        ]:  # fmt: skip
            make_visit(s, client, anna, now - timedelta(days=days), 60, channel, status)
        raise_escalation(
            s, client=client, kind=EscalationType.REPEATED_CANCELLATIONS, reason="Tre avbokningar",
            source="booking", now=now - timedelta(days=4), zone=STOCKHOLM, evidence=[],
        )  # fmt: skip
        return {"sandra": client.id, "karin": karin.id, "home": home.id}


def test_the_follow_up_shows_both_ratings_as_two_lines_the_survey_and_the_time(
    app: Flask, db: Database, sandra
) -> None:
    page = staff_client(app, db, "karin").get(f"/personal/klient/{sandra['sandra']}/uppfoljning")
    assert page.status_code == 200
    text = page.text
    assert "Diska själv" in text  # the order's goal
    assert "med stöd → " in text and "mer självständigt med visst stöd" in text  # levels
    svg = re.search(r"<figure class=\"chart\">.*?</svg>", text, re.S).group(0)
    assert svg.count("<polyline") == 2  # one line per source, never one averaged
    assert svg.count("<circle") == 3 and svg.count("<rect") == 3
    # Beside the chart, a table says when each rating was made and by whom.
    table = text[text.index("<caption>Hemliv</caption>") :].split("</table>")[0]
    assert table.count("<tr>") == 7  # the heading and six ratings
    assert table.count("(Anna Testsson)") == 3 and "4. Jag klarar det nästan själv." in table
    # The survey with the real question texts and answers, not the stored keys.
    survey = text[text.index("Inför uppföljningen") :]
    for question, answer in [
        ("Fungerar det bra med din boendestödjare?", "Ja"),
        ("Kan du säga vad du tycker?", "Ibland"),
        ("Händer det att du avbokar?", "Nej, aldrig"),
        ("Vad kan hjälpa dig att inte avboka?", "Att vi pratar på video"),
        ("Får du hjälp en dålig dag?", "Nej"),
    ]:
        assert f"<dt>{question}</dt><dd>{answer}</dd>" in survey
    assert "med namn till enheten" in text and "bad_day" not in text
    assert "3 utförda besök" not in text and text.count("1 utförda besök") == 3  # home/video/phone
    assert "Uteblivna besök</dt><dd>1" in text
    assert "upprepade avbokningar" in text
    with db.transaction() as s:
        subjects = s.scalars(select(AuditEvent.subject).where(
            AuditEvent.client_id == sandra["sandra"], AuditEvent.action == "read"))  # fmt: skip
        assert "client.follow_up" in list(subjects)


def test_the_chart_keeps_each_source_on_its_own_line() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    chart = rating_chart(
        "Hemliv",
        [("client", "Klienten", [(at, 1), (at + timedelta(days=10), 5)]),
         ("worker", "Boendestödjaren", [(at, 3)])],
        date(2026, 1, 1), date(2026, 1, 11),
    )  # fmt: skip
    client, worker = chart.lines
    assert [p.label for p in client.points] == ["2026-01-01: 1", "2026-01-11: 5"]
    assert client.points[0].y > client.points[1].y  # 5 is drawn higher than 1
    assert client.points[1].x > client.points[0].x and [p.label for p in worker.points] == [
        "2026-01-01: 3"
    ]


def test_a_follow_up_outside_the_caseload_is_refused_and_writes_nothing(
    app: Flask, db: Database, sandra
) -> None:
    kalle = staff_client(app, db, "kalle")
    url = f"/personal/klient/{sandra['sandra']}/uppfoljning"
    assert kalle.get(url).status_code == 403
    assert kalle.get(url.replace("uppfoljning", "uppfoljning.pdf")).status_code == 403
    with db.transaction() as s:
        olle = s.scalar(select(Client.id).where(Client.first_name == "Olle"))
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      kalle.get(f"/personal/klient/{olle}/uppfoljning").text).group(1)  # fmt: skip
    response = kalle.post(url, data={"csrf_token": token, "held_on": "2026-01-01",
                                     "what_works": "Allt", "outcome": "continues"})  # fmt: skip
    assert response.status_code == 403
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 0


def _record(app, db, sandra, **data):
    today = utcnow().astimezone(STOCKHOLM).date()
    form = {"held_on": today.isoformat(), "what_works": "Sandra diskar själv nu.",
            "what_changes": "Besöken blir färre.", "outcome": "reduced_more_independent",
            "decision": "", "per": "week", **data}  # fmt: skip
    web = staff_client(app, db, "karin")
    return web, post_form(web, f"/personal/klient/{sandra['sandra']}/uppfoljning", form)


def test_less_support_because_sandra_manages_more_is_shown_as_progress_with_the_new_decision(
    app: Flask, db: Database, sandra
) -> None:
    tomorrow = utcnow().astimezone(STOCKHOLM).date() + timedelta(days=1)
    web, response = _record(app, db, sandra, decision="change",
                            effective_from=tomorrow.isoformat(), minutes="60")  # fmt: skip
    assert response.status_code == 302
    page = web.get(response.location).text
    assert "Framsteg" in page and "Mindre stöd: klienten klarar mer själv" in page
    with db.transaction() as s:
        follow_up = s.scalar(select(FollowUp))
        made = s.get(Decision, follow_up.decision_id)
        assert (made.granted_minutes, made.starts_on) == (60, tomorrow)
        assert "klienten klarar mer själv" in made.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"held_on": "2099-01-01"}, "En uppföljning kan inte vara hållen i framtiden."),
        ({"what_works": ""}, "Skriv vad som fungerar."),
        ({"outcome": ""}, "Välj ett utfall."),
        ({"decision": "change", "minutes": "60"}, "Skriv från vilket datum beslutet gäller."),
        (
            {"decision": "change", "effective_from": "2020-01-01", "minutes": "60"},
            "Det finns inget beslut att ändra den dagen.",
        ),
        (
            {"decision": "end", "effective_from": "{yesterday}", "outcome": "ended_other"},
            "En ändring kan inte gälla bakåt i tiden.",
        ),
        (
            {"decision": "end", "effective_from": "{tomorrow}"},
            "Ett avslutat beslut hör ihop med utfallet att stödet avslutas.",
        ),
        (  # Sandra has 120 minutes a week today
            {"decision": "change", "effective_from": "{tomorrow}", "minutes": "150"},
            "Mindre stöd behöver en lägre beviljad tid än i dag.",
        ),
        (
            {
                "decision": "change",
                "effective_from": "{tomorrow}",
                "minutes": "90",
                "outcome": "increased",
            },
            "Mer stöd behöver en högre beviljad tid än i dag.",
        ),
        # "Less support" counts in the unit's figures only with a lower grant, decided here.
        ({}, "Mer eller mindre stöd behöver ett nytt beslut med en ny beviljad tid."),
        (  # 600 minutes a month is more than 120 a week
            {
                "decision": "change",
                "effective_from": "{tomorrow}",
                "minutes": "600",
                "per": "month",
            },
            "Mindre stöd behöver en lägre beviljad tid än i dag.",
        ),  # fmt: skip
        (
            {"outcome": "ended_goals_reached"},
            "Stödet avslutas: välj att avsluta beslutet och från vilket datum.",
        ),
        (
            {
                "outcome": "ended_other",
                "decision": "change",
                "effective_from": "{tomorrow}",
                "minutes": "60",
            },
            "Stödet avslutas: välj att avsluta beslutet och från vilket datum.",
        ),  # fmt: skip
    ],
)
def test_a_bad_follow_up_says_why_and_writes_nothing(
    app: Flask, db: Database, sandra, data, message
) -> None:
    today = utcnow().astimezone(STOCKHOLM).date()
    days = {"{yesterday}": today - timedelta(days=1), "{tomorrow}": today + timedelta(days=1)}
    data = {k: days[v].isoformat() if v in days else v for k, v in data.items()}
    with db.transaction() as s:
        before = [(d.id, d.ends_on) for d in s.scalars(select(Decision))]
    _, response = _record(app, db, sandra, **data)
    assert response.status_code == 400
    assert message in response.text
    if "what_works" not in data:  # the form is shown again as it was typed
        assert "Sandra diskar själv nu." in response.text
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 0
        assert [(d.id, d.ends_on) for d in s.scalars(select(Decision))] == before


def test_the_follow_up_prints_as_a_pdf_with_the_clients_name(
    app: Flask, db: Database, sandra
) -> None:
    response = staff_client(app, db, "karin").get(
        f"/personal/klient/{sandra['sandra']}/uppfoljning.pdf"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Sandra Nilsson" in text and "Diska själv" in text
    with db.transaction() as s:
        assert s.scalar(select(func.count()).where(
            AuditEvent.client_id == sandra["sandra"], AuditEvent.subject == "client.follow_up_pdf",
        ))  # fmt: skip


def test_without_chromium_the_pdf_link_says_so_and_the_page_still_works(
    app: Flask, db: Database, sandra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr("shutil.which", lambda name: None)
    web = staff_client(app, db, "karin")
    url = f"/personal/klient/{sandra['sandra']}/uppfoljning"
    assert web.get(url + ".pdf").status_code == 503
    assert web.get(url).status_code == 200


def test_support_ended_because_the_goals_are_reached_ends_the_decision_the_day_before(
    app: Flask, db: Database, sandra
) -> None:
    tomorrow = utcnow().astimezone(STOCKHOLM).date() + timedelta(days=1)
    web, response = _record(app, db, sandra, decision="end", outcome="ended_goals_reached",
                            effective_from=tomorrow.isoformat())  # fmt: skip
    assert response.status_code == 302
    assert "Stödet avslutas: målen är nådda" in web.get(response.location).text
    with db.transaction() as s:
        ended = s.get(Decision, s.scalar(select(FollowUp.decision_id)))
        assert ended.ends_on == tomorrow - timedelta(days=1)


def test_less_support_granted_per_month_below_the_weekly_grant_is_accepted(
    app: Flask, db: Database, sandra
) -> None:
    tomorrow = utcnow().astimezone(STOCKHOLM).date() + timedelta(days=1)
    # 400 minutes a month is about 92 a week: less than the 120 a week granted today.
    _, response = _record(app, db, sandra, decision="change", per="month",
                          effective_from=tomorrow.isoformat(), minutes="400")  # fmt: skip
    assert response.status_code == 302
    with db.transaction() as s:
        made = s.get(Decision, s.scalar(select(FollowUp.decision_id)))
        assert (made.granted_minutes, made.granted_per) == (400, GrantPeriod.MONTH)
