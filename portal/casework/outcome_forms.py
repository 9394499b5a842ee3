"""Forms of the mapping, order and follow-up pages.

The per-area texts (one pair of boxes per life area) are read from the posted form by the life
area's id, since the list of areas is editable; these forms carry the fixed fields and CSRF.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from models import FollowUpOutcome, GrantPeriod, LifeArea

from ..fields import WholeNumberField, coerce_id
from .followup import OUTCOMES
from .mapping import AreaText
from .orders import OrderGoalText

#: The longest text a box takes; longer is refused with a message, never cut.
MAX_TEXT = 2000
DATE_NEEDED = [DataRequired(_l("Skriv ett datum."))]
PER_CHOICES = [(GrantPeriod.WEEK.value, _l("vecka")), (GrantPeriod.MONTH.value, _l("månad"))]


class MappingStartForm(FlaskForm):
    mapper = SelectField(
        _l("Kartläggare"), coerce=coerce_id, validators=[InputRequired(_l("Välj en kartläggare."))]
    )
    starts_on = DateField(_l("Börjar"), validators=DATE_NEEDED)
    ends_on = DateField(_l("Slutar (tomt: om fyra veckor)"), validators=[Optional()])


class MappingAreasForm(FlaskForm):
    """The areas' boxes are ``area-<id>-today`` and ``area-<id>-wishes``."""


def area_texts(data: MultiDict, areas: list[LifeArea]) -> list[AreaText]:
    return [
        AreaText(
            a.id,
            (data.get(f"area-{a.id}-today") or "")[: MAX_TEXT + 1],
            (data.get(f"area-{a.id}-wishes") or "")[: MAX_TEXT + 1],
        )
        for a in areas
    ]


def too_long(texts: list[str]) -> bool:
    return any(len(t) > MAX_TEXT for t in texts)


class OrderForm(FlaskForm):
    """The order's goals are ``goal-<life area id>``."""

    starts_on = DateField(_l("Gäller från"), validators=DATE_NEEDED)
    ends_on = DateField(_l("Gäller till och med"), validators=DATE_NEEDED)
    minutes = WholeNumberField(
        _l("Tid (minuter)"), validators=[InputRequired(_l("Skriv tiden.")), NumberRange(1, 3600)]
    )
    per = SelectField(_l("Per"), choices=PER_CHOICES)
    follow_up_on = DateField(_l("Uppföljning den"), validators=DATE_NEEDED)


def goal_texts(data: MultiDict, areas: list[LifeArea]) -> list[OrderGoalText]:
    return [OrderGoalText(a.id, (data.get(f"goal-{a.id}") or "")[:501]) for a in areas]


DECISION_CHOICES = [
    ("", _l("Inget nytt beslut")),
    ("change", _l("Ändra beviljad tid från ett datum")),
    ("end", _l("Avsluta beslutet från ett datum")),
]


class FollowUpRecordForm(FlaskForm):
    held_on = DateField(_l("Uppföljningen hölls"), validators=DATE_NEEDED)
    what_works = TextAreaField(
        _l("Det här fungerar"),
        validators=[DataRequired(_l("Skriv vad som fungerar.")), Length(max=MAX_TEXT)],
    )
    what_changes = TextAreaField(_l("Det här ändras"), validators=[Length(max=MAX_TEXT)])
    outcome = SelectField(
        _l("Utfall"),
        choices=[("", "–")] + [(o.value, OUTCOMES[o]) for o in FollowUpOutcome],
        validators=[InputRequired(_l("Välj ett utfall."))],
    )
    decision = SelectField(_l("Beslut"), choices=DECISION_CHOICES)
    effective_from = DateField(_l("Från och med"), validators=[Optional()])
    minutes = WholeNumberField(_l("Ny beviljad tid (minuter)"), validators=[Optional(),
                               NumberRange(1, 3600)])  # fmt: skip
    per = SelectField(_l("Per"), choices=PER_CHOICES)

    def validate_decision(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.data and self.effective_from.data is None:
            raise ValidationError(_l("Skriv från vilket datum beslutet gäller."))
        if field.data == "change" and self.minutes.data is None:
            raise ValidationError(_l("Skriv den nya beviljade tiden."))
