"""Forms for staff pages, and the small parsers behind the client's one-tap choices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
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
from .planning import END_FIRST, OVERLAP, window_problems


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


class WindowRow(FlaskForm):
    """One window of a weekday's hours: both times, or neither (not working then)."""

    class Meta:
        csrf = False  # a row of ``HoursForm``, posted with its token

    fran = TimeField(_l("Från"), [Optional()])
    till = TimeField(_l("Till"), [Optional()])


#: ``HoursForm``'s fields, Monday first (``WorkingHours.weekday`` is the index).
DAYS = ("man", "tis", "ons", "tor", "fre", "lor", "son")
BOTH_TIMES = _l("Skriv både Från och Till, eller lämna båda tomma.")
END_FIRST_TEXT = _l("Till ska vara senare än Från.")
OVERLAP_TEXT = _l("Tiden går in i en annan tid samma dag.")


def _day() -> FieldList:
    # Two rows a day, more when a day already has more windows: every stored window is shown,
    # so saving never drops one. No max: a post has at most the server's form parts anyway.
    return FieldList(FormField(WindowRow), min_entries=2)


class HoursForm(FlaskForm):
    """A worker's weekly hours: windows per weekday; saving replaces them all."""

    man, tis, ons, tor, fre, lor, son = (_day() for _ in DAYS)

    @classmethod
    def showing(cls, hours: Iterable[tuple[int, time, time]]) -> HoursForm:
        """The form as stored (weekday, starts, ends), each day's windows in time order."""
        by_day: dict[int, list[dict]] = defaultdict(list)
        for weekday, starts, ends in sorted(hours):
            by_day[weekday].append({"fran": starts, "till": ends})
        return cls(formdata=None, data={DAYS[d]: rows for d, rows in by_day.items()})

    def days(self) -> list[FieldList]:
        return [self[name] for name in DAYS]

    def validate(self, extra_validators=None) -> bool:
        """Each row: both times or neither; the rest by ``planning.window_problems``."""
        valid = super().validate(extra_validators)
        filled: list[tuple[int, time, time]] = []
        rows: list[WindowRow] = []
        for weekday, day in enumerate(self.days()):
            for row in day:
                fran, till = row.fran, row.till
                if fran.errors or till.errors:
                    continue  # a time that is no time says so already
                if (fran.data is None) != (till.data is None):
                    (fran if fran.data is None else till).errors.append(BOTH_TIMES)
                elif fran.data is not None:
                    filled.append((weekday, fran.data, till.data))
                    rows.append(row)
        for row, problem in zip(rows, window_problems(filled), strict=True):
            if problem == END_FIRST:
                row.till.errors.append(END_FIRST_TEXT)
            elif problem == OVERLAP:
                row.fran.errors.append(OVERLAP_TEXT)
        return valid and not any(
            f.errors for day in self.days() for row in day for f in (row.fran, row.till)
        )

    def windows(self) -> list[tuple[int, time, time]]:
        """What was posted, once valid: (weekday, starts, ends) for every filled row."""
        return [
            (weekday, row.fran.data, row.till.data)
            for weekday, day in enumerate(self.days())
            for row in day
            if row.fran.data is not None
        ]


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
