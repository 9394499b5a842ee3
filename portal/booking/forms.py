"""Forms for staff pages, and the small parsers behind the client's one-tap choices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models import Channel
from models.numbers import whole_number

from ..errors import DomainError
from ..fields import coerce_id
from ..labels import CHANNEL


class EndForm(FlaskForm):
    reason = StringField(_l("Varför blev besöket längre eller kortare?"), [Length(max=200)])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Daganteckning"), [DataRequired(), Length(max=4000)])


class StaffCancelForm(FlaskForm):
    reason = StringField(_l("Orsak (syns inte för klienten)"), [DataRequired(), Length(max=80)])


class MoveForm(FlaskForm):
    staff_id = SelectField(_l("Boendestödjare"), coerce=coerce_id)
    day = DateField(_l("Dag"), [DataRequired()])
    start = TimeField(_l("Tid"), [DataRequired()])
    override = BooleanField(_l("Godkänn fler än tre personer för klienten (loggas)"))


class BookForm(MoveForm):
    """A new visit for a client, booked by the coordinator: the move form's worker, day and
    time, with how long and how."""

    minutes = IntegerField(
        _l("Längd (minuter)"),
        [DataRequired(_l("Skriv hur många minuter.")), NumberRange(15, 480)],
        default=60,
    )
    channel = SelectField(_l("Hur"), choices=[(c.value, CHANNEL[c.value]) for c in Channel])


class AbsenceForm(FlaskForm):
    kind = SelectField(_l("Typ"), choices=[("absent", _l("Frånvaro")), ("extra", _l("Extra tid"))])
    first = DateField(_l("Från dag"), [DataRequired()])
    start = TimeField(_l("Från kl"), [Optional()])
    last = DateField(_l("Till dag"), [DataRequired()])
    end = TimeField(_l("Till kl"), [Optional()])
    reason = StringField(_l("Anteckning"), [Length(max=200)])


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: choosing a period changes nothing

    first = DateField(_l("Från"), [DataRequired()])
    last = DateField(_l("Till"), [DataRequired()])


#: Seconds since 1970 up to the year 5138: every start a link can carry, and within datetime.
EPOCH_SECONDS_MAX = 10**11
BAD_CHOICE = _l("Det valet finns inte. Gå tillbaka och försök igen.")


def parse_day(value: str | None, today: date, horizon_days: int) -> date:
    """'idag', 'imorgon' or an ISO date within the booking horizon."""
    if value == "idag":
        return today
    if value == "imorgon":
        return today + timedelta(days=1)
    try:
        day = date.fromisoformat(value or "")
    except ValueError as exc:
        raise DomainError(BAD_CHOICE) from exc
    if not today <= day <= today + timedelta(days=horizon_days):
        raise DomainError(_l("Välj en dag de närmaste två veckorna."))
    return day


def parse_channel(value: str | None) -> Channel:
    try:
        return Channel(value)
    except ValueError as exc:
        raise DomainError(BAD_CHOICE) from exc


def parse_start(value: str | None) -> datetime:
    """A start time carried in a link as seconds since the epoch (unambiguous across DST)."""
    seconds = whole_number(value, maximum=EPOCH_SECONDS_MAX)
    if seconds is None:
        raise DomainError(BAD_CHOICE)
    return datetime.fromtimestamp(seconds, UTC)


def parse_int(value: str | None) -> int:
    """An id or a count carried in a link or a form: digits only, never beyond any row's id."""
    number = whole_number(value)
    if number is None:
        raise DomainError(BAD_CHOICE)
    return number
