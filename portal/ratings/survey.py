"""The client's short survey before each follow-up, after the Skärholmen questions (appendix 2).

Asked by the same weekly rule as "Hur går det?" (``asking.follow_up_week``): in the week before a
follow-up, closed by an answer or a skip, never twice within a week.

One answer per follow-up. The caseworker always sees who answered; the unit sees the client's
name only when the client chose so (``named``), and the manager's figures never name anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Client, Skip, SkipKind, SurveyAnswer

from ..errors import DomainError
from .asking import ONCE_A_WEEK, follow_up_week, local_day, upcoming_follow_ups

_YES_SOMETIMES_NO = (("yes", _l("Ja")), ("sometimes", _l("Ibland")), ("no", _l("Nej")))


@dataclass(frozen=True)
class Question:
    key: str
    text: object
    answers: tuple[tuple[str, object], ...]

    def answer_text(self, key: str | None) -> object:
        return dict(self.answers).get(key or "", "–")


QUESTIONS: tuple[Question, ...] = (
    Question("contact", _l("Fungerar det bra med din boendestödjare?"), _YES_SOMETIMES_NO),
    Question("say", _l("Kan du säga vad du tycker?"), _YES_SOMETIMES_NO),
    Question(
        "cancel",
        _l("Händer det att du avbokar?"),
        (("often", _l("Ja, ofta")), ("sometimes", _l("Ibland")), ("never", _l("Nej, aldrig"))),
    ),
    Question(
        "would_help",
        _l("Vad kan hjälpa dig att inte avboka?"),
        (
            ("phone", _l("Att vi pratar i telefon")),
            ("video", _l("Att vi pratar på video")),
            ("other_time", _l("En annan tid")),
            ("dont_know", _l("Jag vet inte")),
        ),
    ),
    Question("bad_day", _l("Får du hjälp en dålig dag?"), _YES_SOMETIMES_NO),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)


class SurveyRefused(DomainError):
    pass


def follow_up_ahead(session: Session, client_id: int, today: date) -> date | None:
    """The next follow-up whose survey week has come, answered or not."""
    last_day = today + timedelta(days=ONCE_A_WEEK - 1)
    coming = upcoming_follow_ups(session, client_id, today)
    return next((day for day in coming if day <= last_day), None)


def _answered(session: Session, client_id: int, follow_up_on: date) -> bool:
    return (
        session.scalar(
            select(SurveyAnswer.id).where(
                SurveyAnswer.client_id == client_id, SurveyAnswer.follow_up_on == follow_up_on
            )
        )
        is not None
    )


def last_response(session: Session, client_id: int, zone: ZoneInfo) -> date | None:
    """The local day the client last answered or skipped the survey."""
    answered, skipped = session.execute(
        select(
            select(func.max(SurveyAnswer.answered_at))
            .where(SurveyAnswer.client_id == client_id)
            .scalar_subquery(),
            select(func.max(Skip.skipped_at))
            .where(Skip.client_id == client_id, Skip.kind == SkipKind.SURVEY)
            .scalar_subquery(),
        )
    ).one()
    known = [d for d in (local_day(answered, zone), local_day(skipped, zone)) if d is not None]
    return max(known) if known else None


def survey_due(session: Session, client_id: int, today: date, zone: ZoneInfo) -> date | None:
    """The follow-up the client is asked about today, by the weekly rule; None when not asked."""
    follow_ups = upcoming_follow_ups(session, client_id, today)
    return follow_up_week(follow_ups, last_response(session, client_id, zone), today)


def checked_answers(values: dict[str, str]) -> dict[str, str]:
    """Only known answers to known questions; every question answered."""
    answers = {}
    for question in QUESTIONS:
        value = values.get(question.key, "")
        if value not in dict(question.answers):
            raise SurveyRefused(_l("Svara på alla frågor. Börja igen."))
        answers[question.key] = value
    return answers


def record_survey(
    session: Session,
    client: Client,
    values: dict[str, str],
    named: bool,
    now: datetime,
    today: date,
) -> SurveyAnswer:
    """Keep the client's answers before the coming follow-up; a second answer is refused."""
    follow_up_on = follow_up_ahead(session, client.id, today)
    if follow_up_on is None:
        raise SurveyRefused(_l("Just nu har vi inga frågor till dig."), 404)
    answers = checked_answers(values)
    if _answered(session, client.id, follow_up_on):
        raise SurveyRefused(_l("Du har redan svarat. Tack för dina svar!"), 409)
    row = SurveyAnswer(
        client_id=client.id,
        follow_up_on=follow_up_on,
        answers=answers,
        named=named,
        answered_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same answers arrived twice at once; the first one counts
        raise SurveyRefused(_l("Du har redan svarat. Tack för dina svar!"), 409) from None
    return row


def skip_survey(
    session: Session, client: Client, now: datetime, today: date, zone: ZoneInfo
) -> None:
    follow_up_on = survey_due(session, client.id, today, zone)
    if follow_up_on is not None:
        session.add(
            Skip(client_id=client.id, kind=SkipKind.SURVEY, follow_up_on=follow_up_on,
                 skipped_at=now)
        )  # fmt: skip
        session.flush()


def answers_of(session: Session, client_id: int) -> list[SurveyAnswer]:
    """All of a client's answers, newest first: for the caseworker, who always sees the name."""
    query = (
        select(SurveyAnswer)
        .where(SurveyAnswer.client_id == client_id)
        .order_by(SurveyAnswer.follow_up_on.desc())
    )
    return list(session.scalars(query))


def named_answers(
    session: Session, scope: ColumnElement[bool], since: date
) -> list[tuple[SurveyAnswer, Client]]:
    """The answers since ``since`` whose clients chose to be named to the unit, newest first."""
    query = (
        select(SurveyAnswer, Client)
        .join(Client, Client.id == SurveyAnswer.client_id)
        .where(SurveyAnswer.named, SurveyAnswer.follow_up_on >= since, scope)
        .order_by(SurveyAnswer.follow_up_on.desc(), SurveyAnswer.id.desc())
    )
    return [(answer, client) for answer, client in session.execute(query)]
